//! Key sets: several verification keys selected by `kid`, swappable at run
//! time without a lock on the request path.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arc_swap::ArcSwap;
use serde_json::Value;

use super::{Key, KeyError};

/// An immutable set of verification keys.
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    keys: Vec<Key>,
}

impl KeySet {
    /// A set of these keys.
    pub fn new(keys: impl IntoIterator<Item = Key>) -> Self {
        KeySet { keys: keys.into_iter().collect() }
    }

    /// The keys.
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// The usable keys of a JWK Set document (`{"keys": [...]}`), and why
    /// each other entry was skipped: one bad JWK never discards the set.
    pub fn from_jwks(document: &Value) -> Result<(KeySet, Vec<KeyError>), KeyError> {
        let entries = document
            .get("keys")
            .and_then(Value::as_array)
            .ok_or(KeyError::Jwk("a JWK Set needs a `keys` array"))?;
        let mut keys = Vec::new();
        let mut skipped = Vec::new();
        for entry in entries {
            match Key::from_jwk(entry) {
                Ok(key) => keys.push(key),
                Err(e) => skipped.push(e),
            }
        }
        Ok((KeySet { keys }, skipped))
    }

    /// Whether a key has this `kid`.
    pub fn has_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|k| k.kid() == Some(kid))
    }
}

/// A shared, swappable [`KeySet`]: requests read it without taking a lock
/// (an atomic pointer load); [`store`](Self::store) swaps in a new set, for
/// rotation without a restart. Cheap to clone; clones share the set.
#[derive(Clone)]
pub struct KeySetHandle {
    inner: Arc<Shared>,
}

struct Shared {
    set: ArcSwap<KeySet>,
    generation: AtomicU64,
}

impl fmt::Debug for KeySetHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySetHandle")
            .field("keys", &self.inner.set.load().keys.len())
            .field("generation", &self.generation())
            .finish()
    }
}

impl KeySetHandle {
    /// A handle holding `set`.
    pub fn new(set: KeySet) -> Self {
        KeySetHandle {
            inner: Arc::new(Shared {
                set: ArcSwap::from_pointee(set),
                generation: AtomicU64::new(0),
            }),
        }
    }

    /// The current set.
    pub fn load(&self) -> arc_swap::Guard<Arc<KeySet>> {
        self.inner.set.load()
    }

    /// Replaces the set; tokens verified by a key no longer in it stop
    /// being accepted at once (the verified-token cache is invalidated).
    pub fn store(&self, set: KeySet) {
        self.inner.set.store(Arc::new(set));
        self.inner.generation.fetch_add(1, Ordering::Release);
    }

    /// Bumped on every [`store`](Self::store).
    pub fn generation(&self) -> u64 {
        self.inner.generation.load(Ordering::Acquire)
    }
}

/// A key source that can fetch keys it does not have yet, such as a remote
/// JWKS. Its keys are read through [`handle`](Self::handle) like any set;
/// the verifier calls [`refresh_for_kid`](Self::refresh_for_kid) when a
/// token names a `kid` no key has, and
/// [`refresh_for_rejected_kid`](Self::refresh_for_rejected_kid) when the
/// key held under a token's `kid` does not verify its signature; it
/// verifies once more after either, if the keys changed.
pub trait KeyRefresh: fmt::Debug + Send + Sync + 'static {
    /// The keys, swapped in place by the source.
    fn handle(&self) -> &KeySetHandle;

    /// Brings the set up to date for `kid`, within a bounded time; resolves
    /// at once when the source decides not to fetch (rate limit, a `kid`
    /// recently found missing). Requests whose `kid` is known never wait on
    /// this.
    fn refresh_for_kid<'a>(&'a self, kid: &'a str)
    -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

    /// A token naming `kid` failed its signature check: if this source
    /// holds `kid`, the provider may have replaced that key without a new
    /// `kid`. Brings the set up to date within a bounded time, under the
    /// same limits as [`refresh_for_kid`](Self::refresh_for_kid) (a forged
    /// signature costs the provider nothing beyond them); resolves at once
    /// when the source does not hold `kid`. Only tokens that failed wait on
    /// this. The default does nothing.
    fn refresh_for_rejected_kid<'a>(
        &'a self,
        kid: &'a str,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        let _ = kid;
        Box::pin(std::future::ready(()))
    }
}

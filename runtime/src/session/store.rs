//! Where sessions live: revoked tokens, refresh-token families and
//! per-subject `not_before`, behind one trait with an in-memory store here
//! and a Redis one (feature `redis`) for replicas.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

/// A boxed future, as the store's methods return.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A store that could not answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("session store unavailable: {0}")]
pub struct StoreError(pub String);

/// What a token says about itself, for the revocation check.
#[derive(Clone, Copy, Debug)]
pub struct TokenRef<'a> {
    /// `jti`.
    pub jti: Option<&'a str>,
    /// `sub`.
    pub sub: Option<&'a str>,
    /// `iat`, seconds.
    pub iat: Option<u64>,
    /// The refresh family it belongs to (`fam`).
    pub family: Option<&'a str>,
}

impl<'a> TokenRef<'a> {
    /// What a verified token's claims say: `jti`, `sub`, `iat` (whole
    /// seconds) and `fam`.
    pub fn from_claims(claims: &'a serde_json::Map<String, serde_json::Value>) -> Self {
        let text = |name| claims.get(name).and_then(serde_json::Value::as_str);
        TokenRef {
            jti: text("jti"),
            sub: text("sub"),
            iat: claims.get("iat").and_then(serde_json::Value::as_u64),
            family: text("fam"),
        }
    }
}

/// A refresh token of a family, as the store keeps it: enough to mint it
/// again (same `jti`, `iat`, `exp`) for a retry within the grace window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issued {
    /// `jti`.
    pub jti: String,
    /// `iat`, seconds.
    pub iat: u64,
    /// `exp`, seconds.
    pub exp: u64,
}

/// The outcome of presenting a refresh token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rotation {
    /// The family's current token: `next` is now current.
    Rotated,
    /// The immediately previous token, within the grace window (a retry, a
    /// second tab): answer with this, the successor already issued.
    Retry(Issued),
    /// An older or retired token: the family is now revoked.
    Reused,
    /// The family is unknown, revoked, idle too long or past its lifetime.
    Refused,
}

/// The family rules a rotation is judged by.
#[derive(Clone, Copy, Debug)]
pub struct FamilyRules {
    /// Now, seconds.
    pub now: u64,
    /// The previous token is accepted this long after it was rotated.
    pub grace: u64,
    /// A family idle (no refresh) this long is refused.
    pub idle: u64,
    /// A family older than this is refused, however active.
    pub absolute: u64,
}

/// Where revocations, refresh families and per-subject `not_before` live.
///
/// Every entry expires with what it protects: a revoked `jti` when the token
/// would have expired, a family at its absolute lifetime. Implementations
/// must make [`rotate`](Self::rotate) atomic: two replicas presented the
/// same refresh token at once must not both rotate it.
pub trait SessionStore: fmt::Debug + Send + Sync + 'static {
    /// Whether `token` is revoked: its `jti`, its family, or its subject
    /// for tokens issued before the subject's `not_before`.
    fn is_revoked<'a>(&'a self, token: TokenRef<'a>) -> StoreFuture<'a, bool>;

    /// Revokes one token until `until` (its `exp`).
    fn revoke_token<'a>(&'a self, jti: &'a str, until: u64) -> StoreFuture<'a, ()>;

    /// Revokes every token of `sub` issued before `before` ("log out
    /// everywhere"), remembered for `ttl` seconds (the longest lifetime).
    fn revoke_subject<'a>(&'a self, sub: &'a str, before: u64, ttl: u64) -> StoreFuture<'a, ()>;

    /// Starts a refresh family with its first token.
    fn start_family<'a>(
        &'a self,
        family: &'a str,
        first: Issued,
        rules: FamilyRules,
    ) -> StoreFuture<'a, ()>;

    /// Presents refresh token `jti` of `family`; when it is the current
    /// one, `next` becomes current.
    fn rotate<'a>(
        &'a self,
        family: &'a str,
        jti: &'a str,
        next: Issued,
        rules: FamilyRules,
    ) -> StoreFuture<'a, Rotation>;

    /// Revokes a whole family.
    fn revoke_family<'a>(&'a self, family: &'a str) -> StoreFuture<'a, ()>;
}

/// The family state shared by the stores' logic.
#[derive(Clone, Debug)]
pub(crate) struct Family {
    pub(crate) current: Issued,
    pub(crate) previous: Option<(Issued, u64)>,
    pub(crate) created: u64,
    pub(crate) last_used: u64,
    pub(crate) revoked: bool,
}

impl Family {
    /// A family started at `now` with its first token.
    pub(crate) fn new(first: Issued, now: u64) -> Self {
        Family { current: first, previous: None, created: now, last_used: now, revoked: false }
    }

    /// Judges `jti` against the family and applies the outcome.
    pub(crate) fn rotate(&mut self, jti: &str, next: Issued, rules: FamilyRules) -> Rotation {
        if self.revoked
            || rules.now >= self.created.saturating_add(rules.absolute)
            || rules.now >= self.last_used.saturating_add(rules.idle)
        {
            return Rotation::Refused;
        }
        if jti == self.current.jti {
            let previous = std::mem::replace(&mut self.current, next);
            self.previous = Some((previous, rules.now));
            self.last_used = rules.now;
            return Rotation::Rotated;
        }
        match &self.previous {
            Some((previous, rotated_at))
                if previous.jti == jti && rules.now <= rotated_at.saturating_add(rules.grace) =>
            {
                Rotation::Retry(self.current.clone())
            }
            _ => {
                self.revoked = true;
                Rotation::Reused
            }
        }
    }
}

/// The default store: in this process, bounded, entries expiring with what
/// they protect. Replicas do not see each other's logouts: use the Redis
/// store for more than one process.
pub struct MemoryStore {
    inner: Mutex<Memory>,
    capacity: usize,
}

#[derive(Default)]
struct Memory {
    revoked: HashMap<String, u64>,
    subjects: HashMap<String, (u64, u64)>,
    families: HashMap<String, (Family, u64)>,
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let memory = self.lock();
        f.debug_struct("MemoryStore")
            .field("revoked", &memory.revoked.len())
            .field("subjects", &memory.subjects.len())
            .field("families", &memory.families.len())
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore::new(100_000)
    }
}

impl MemoryStore {
    /// A store keeping at most `capacity` entries of each kind; when full,
    /// expired entries are dropped first, then new entries are refused with
    /// an error (answered by the configured failure policy), never silently
    /// forgotten.
    pub fn new(capacity: usize) -> Self {
        MemoryStore { inner: Mutex::new(Memory::default()), capacity }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Memory> {
        // A panic while holding the lock leaves plain maps, still usable.
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn make_room<V>(
        map: &mut HashMap<String, V>,
        capacity: usize,
        now: u64,
        until: impl Fn(&V) -> u64,
    ) -> Result<(), StoreError> {
        if map.len() >= capacity {
            map.retain(|_, v| until(v) > now);
        }
        if map.len() >= capacity {
            return Err(StoreError("memory store is full".into()));
        }
        Ok(())
    }
}

fn now() -> u64 {
    crate::jwt::unix_now()
}

impl SessionStore for MemoryStore {
    fn is_revoked<'a>(&'a self, token: TokenRef<'a>) -> StoreFuture<'a, bool> {
        let now = now();
        let memory = self.lock();
        let jti = token.jti.and_then(|j| memory.revoked.get(j)).is_some_and(|&until| until > now);
        let subject = match (token.sub.and_then(|s| memory.subjects.get(s)), token.iat) {
            (Some(&(before, until)), Some(iat)) => until > now && iat < before,
            (Some(&(_, until)), None) => until > now,
            (None, _) => false,
        };
        let family = token
            .family
            .and_then(|f| memory.families.get(f))
            .is_some_and(|(family, _)| family.revoked);
        Box::pin(std::future::ready(Ok(jti || subject || family)))
    }

    fn revoke_token<'a>(&'a self, jti: &'a str, until: u64) -> StoreFuture<'a, ()> {
        let mut memory = self.lock();
        let result =
            MemoryStore::make_room(&mut memory.revoked, self.capacity, now(), |&u| u).map(|()| {
                memory.revoked.insert(jti.to_owned(), until);
            });
        Box::pin(std::future::ready(result))
    }

    fn revoke_subject<'a>(&'a self, sub: &'a str, before: u64, ttl: u64) -> StoreFuture<'a, ()> {
        let mut memory = self.lock();
        let now = now();
        let result = MemoryStore::make_room(&mut memory.subjects, self.capacity, now, |&(_, u)| u)
            .map(|()| {
                memory.subjects.insert(sub.to_owned(), (before, now.saturating_add(ttl)));
            });
        Box::pin(std::future::ready(result))
    }

    fn start_family<'a>(
        &'a self,
        family: &'a str,
        first: Issued,
        rules: FamilyRules,
    ) -> StoreFuture<'a, ()> {
        let mut memory = self.lock();
        let until = rules.now.saturating_add(rules.absolute);
        let result =
            MemoryStore::make_room(&mut memory.families, self.capacity, rules.now, |(_, u)| *u)
                .map(|()| {
                    memory
                        .families
                        .insert(family.to_owned(), (Family::new(first, rules.now), until));
                });
        Box::pin(std::future::ready(result))
    }

    fn rotate<'a>(
        &'a self,
        family: &'a str,
        jti: &'a str,
        next: Issued,
        rules: FamilyRules,
    ) -> StoreFuture<'a, Rotation> {
        let mut memory = self.lock();
        let outcome = match memory.families.get_mut(family) {
            Some((state, until)) if *until > rules.now => state.rotate(jti, next, rules),
            _ => Rotation::Refused,
        };
        Box::pin(std::future::ready(Ok(outcome)))
    }

    fn revoke_family<'a>(&'a self, family: &'a str) -> StoreFuture<'a, ()> {
        let mut memory = self.lock();
        if let Some((state, _)) = memory.families.get_mut(family) {
            state.revoked = true;
        }
        Box::pin(std::future::ready(Ok(())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issued(jti: &str) -> Issued {
        Issued { jti: jti.into(), iat: 0, exp: 100 }
    }

    fn rules(now: u64) -> FamilyRules {
        FamilyRules { now, grace: 5, idle: 1_000, absolute: 10_000 }
    }

    #[test]
    fn rotation_grace_applies_to_the_previous_token_only() {
        let mut family = Family::new(issued("a"), 0);
        assert_eq!(family.rotate("a", issued("b"), rules(10)), Rotation::Rotated);
        assert_eq!(family.rotate("b", issued("c"), rules(20)), Rotation::Rotated);
        // `b` is the previous token, within 5 s of its rotation: a retry.
        assert_eq!(family.rotate("b", issued("x"), rules(24)), Rotation::Retry(issued("c")));
        // `a` is an older ancestor: reuse, whatever the time.
        assert_eq!(family.rotate("a", issued("y"), rules(21)), Rotation::Reused);
        assert_eq!(family.rotate("c", issued("d"), rules(22)), Rotation::Refused, "revoked");
    }

    #[test]
    fn previous_token_after_the_grace_window_revokes_the_family() {
        let mut family = Family::new(issued("a"), 0);
        assert_eq!(family.rotate("a", issued("b"), rules(10)), Rotation::Rotated);
        assert_eq!(family.rotate("a", issued("z"), rules(16)), Rotation::Reused);
        assert_eq!(family.rotate("b", issued("c"), rules(17)), Rotation::Refused);
    }

    #[test]
    fn idle_and_absolute_lifetimes() {
        let fresh = || Family::new(issued("a"), 0);
        let idle = FamilyRules { now: 50, grace: 5, idle: 40, absolute: 1_000 };
        assert_eq!(fresh().rotate("a", issued("b"), idle), Rotation::Refused);
        let old = FamilyRules { now: 1_000, grace: 5, idle: 10_000, absolute: 1_000 };
        assert_eq!(fresh().rotate("a", issued("b"), old), Rotation::Refused);
    }
}

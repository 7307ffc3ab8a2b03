//! The verified-token cache: a shared map of tokens by their exact text
//! (`quick_cache`), and in front of it, on each thread, the last few tokens
//! that thread found there.
//!
//! The front is what a hit costs when a client reuses its token over a
//! connection, as clients do: one thread-local slot, the token's bytes and
//! the key-set generation compared, a reference taken. No lock, no shared
//! table, no key allocation to follow. `bench/callgrind-server.sh`-style
//! counts on `jwt_api` put the hit at 237 instructions with the front
//! against 349 through the shared map (BENCHMARKS.md, "The token cache's
//! front and the remembered permission check").
//!
//! A token found in the shared map replaces the one in its front slot (the
//! buffer is reused, so without an allocation): a thread serving more
//! clients than it has slots pays that copy on its misses.

use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Jwt;

/// Verified tokens by their exact text (never a hash of it: a hit must be
/// the same token, byte for byte), with the key-set generation they were
/// verified under.
pub(super) struct TokenCache {
    /// Tells this cache's tokens from another's in a thread's front; never
    /// reused within a process.
    id: u64,
    entries: quick_cache::sync::Cache<TokenKey, (Arc<Jwt>, u64)>,
}

/// The next [`TokenCache::id`]; 0 marks an empty front slot.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl TokenCache {
    pub(super) fn new(capacity: usize) -> Self {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        TokenCache { id, entries: quick_cache::sync::Cache::new(capacity) }
    }

    /// The token verified under `generation`, if it is in this thread's
    /// front or in the shared map (it then enters the front).
    pub(super) fn get(&self, token: &[u8], generation: u64) -> Option<Arc<Jwt>> {
        let slot = front_slot(token);
        if let Some(jwt) = with_front(|front| front[slot].get(self.id, token, generation)).flatten()
        {
            return Some(jwt);
        }
        let (jwt, verified_under) = self.entries.get(&Lookup(token))?;
        if verified_under != generation {
            return None;
        }
        self.enter_front(slot, token, &jwt, generation);
        Some(jwt)
    }

    /// Keeps a token just verified under `generation`.
    pub(super) fn insert(&self, token: &str, jwt: Arc<Jwt>, generation: u64) {
        self.enter_front(front_slot(token.as_bytes()), token.as_bytes(), &jwt, generation);
        self.entries.insert(TokenKey(token.into()), (jwt, generation));
    }

    fn enter_front(&self, slot: usize, token: &[u8], jwt: &Arc<Jwt>, generation: u64) {
        if token.len() <= FRONT_MAX_TOKEN {
            with_front(|front| front[slot].set(self.id, token, jwt, generation));
        }
    }
}

/// Slots in a thread's front. A server thread serves many connections in
/// turn, each usually with one token; a token found in the shared map
/// replaces the one in its slot.
const FRONT_SLOTS: usize = 8;
const _: () = assert!(FRONT_SLOTS.is_power_of_two(), "front_slot takes the top bits");

/// Longer tokens are not kept in the front, which thus holds at most
/// `FRONT_SLOTS` buffers of this size per thread.
const FRONT_MAX_TOKEN: usize = 2048;

thread_local! {
    static FRONT: RefCell<[FrontSlot; FRONT_SLOTS]> =
        const { RefCell::new([const { FrontSlot::EMPTY }; FRONT_SLOTS]) };
}

/// `f` on this thread's front; `None` while the thread is being torn down.
fn with_front<T>(f: impl FnOnce(&mut [FrontSlot; FRONT_SLOTS]) -> T) -> Option<T> {
    FRONT
        .try_with(|front| front.try_borrow_mut().ok().map(|mut front| f(&mut front)))
        .ok()
        .flatten()
}

/// A token's slot: from its last eight bytes, the end of its signature
/// (only verified tokens enter the front, so only signatures the issuer
/// made spread over the slots; a lookup of any other token merely misses).
fn front_slot(token: &[u8]) -> usize {
    let mut tail = [0u8; 8];
    let n = token.len().min(8);
    tail[..n].copy_from_slice(&token[token.len() - n..]);
    let mixed = u64::from_le_bytes(tail).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    // The top bits of the product depend on every byte of the tail; they
    // are fewer than FRONT_SLOTS, so the cast keeps them all.
    #[allow(clippy::cast_possible_truncation)]
    let slot = (mixed >> (u64::BITS - FRONT_SLOTS.trailing_zeros())) as usize;
    slot
}

/// One token of a thread's front. Its buffer is reused: replacing a token
/// allocates only when a longer one comes.
struct FrontSlot {
    /// The [`TokenCache::id`] of the cache it came from; 0 when empty.
    cache: u64,
    generation: u64,
    token: Vec<u8>,
    jwt: Option<Arc<Jwt>>,
}

impl FrontSlot {
    const EMPTY: FrontSlot = FrontSlot { cache: 0, generation: 0, token: Vec::new(), jwt: None };

    fn get(&self, cache: u64, token: &[u8], generation: u64) -> Option<Arc<Jwt>> {
        let hit = self.cache == cache && self.generation == generation && self.token == token;
        if hit { self.jwt.clone() } else { None }
    }

    fn set(&mut self, cache: u64, token: &[u8], jwt: &Arc<Jwt>, generation: u64) {
        self.cache = cache;
        self.generation = generation;
        self.token.clear();
        self.token.extend_from_slice(token);
        self.jwt = Some(Arc::clone(jwt));
    }
}

/// A cached token's text. It is compared whole, but hashed by its length
/// and last [`HASHED_TAIL`] bytes: the end of the signature. Hashing all of
/// a ~250-byte token was ~150 instructions of every cached request. Only
/// verified tokens are stored, and their signatures are not the attacker's
/// to choose, so the stored tails spread as evenly as whole tokens would
/// under the seeded hash: a lookup probes as far, whatever its own tail.
#[derive(PartialEq, Eq)]
struct TokenKey(Box<str>);

/// How many bytes at the end of a token its cache hash reads.
const HASHED_TAIL: usize = 16;

fn hash_token<H: Hasher>(bytes: &[u8], state: &mut H) {
    state.write_usize(bytes.len());
    state.write(&bytes[bytes.len().saturating_sub(HASHED_TAIL)..]);
}

impl Hash for TokenKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_token(self.0.as_bytes(), state);
    }
}

/// A token looked up in the cache, hashed as [`TokenKey`].
struct Lookup<'a>(&'a [u8]);

impl Hash for Lookup<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_token(self.0, state);
    }
}

impl quick_cache::Equivalent<TokenKey> for Lookup<'_> {
    fn equivalent(&self, key: &TokenKey) -> bool {
        self.0 == key.0.as_bytes()
    }
}

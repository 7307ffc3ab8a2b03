//! The verified-token cache: a shared map of tokens by their exact text
//! (`quick_cache`), and in front of it, on each thread, a few tokens that
//! thread found there twice in a row.
//!
//! The front is what a hit costs when a client reuses its token over a
//! connection, as clients do: one thread-local slot, the token's bytes and
//! the key-set generation compared, a reference taken. No lock, no shared
//! table, no key allocation to follow. `bench/callgrind-server.sh`-style
//! counts on `jwt_api` put the hit at 237 instructions with the front
//! against 349 through the shared map (BENCHMARKS.md, "The token cache's
//! front and the remembered permission check").
//!
//! A token found in the shared map twice in a row for its slot replaces
//! the one there (the buffer is reused, so without an allocation). A
//! thread serving more clients in turn than it has slots thus pays the
//! front's miss (a few compares) and not a copy per request: with 64
//! tokens in turn, the auth layer took 1,383 instructions a request against
//! 1,408 before the front (the remembered permission check, `grants.rs`,
//! pays for the miss).

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
    /// front or in the shared map (it is then offered to the front).
    pub(super) fn get(&self, token: &[u8], generation: u64) -> Option<Arc<Jwt>> {
        let tail = front_tail(token);
        let slot = front_slot(tail);
        let found = with_front(|front| front[slot].get(self.id, tail, token, generation));
        if let Some(jwt) = found.flatten() {
            return Some(jwt);
        }
        let (jwt, verified_under) = self.entries.get(&Lookup(token))?;
        if verified_under != generation {
            return None;
        }
        self.offer_front(tail, token, &jwt, generation);
        Some(jwt)
    }

    /// Keeps a token just verified under `generation`.
    pub(super) fn insert(&self, token: &str, jwt: Arc<Jwt>, generation: u64) {
        let bytes = token.as_bytes();
        self.offer_front(front_tail(bytes), bytes, &jwt, generation);
        self.entries.insert(TokenKey(token.into()), (jwt, generation));
    }

    /// A token enters its front slot the second time in a row it is
    /// offered there: a client repeating its token gets the slot from its
    /// second request on, while a thread serving clients in turn, more
    /// than it has slots, does not copy a token on every request only for
    /// the next one to replace it.
    fn offer_front(&self, tail: u64, token: &[u8], jwt: &Arc<Jwt>, generation: u64) {
        if token.len() <= FRONT_MAX_TOKEN {
            with_front(|front| {
                front[front_slot(tail)].offer(self.id, tail, token, jwt, generation);
            });
        }
    }
}

/// Slots in a thread's front. A server thread serves many connections in
/// turn, each usually with one token; a token offered twice in a row
/// replaces the one in its slot ([`TokenCache::offer_front`]).
const FRONT_SLOTS: usize = 8;
const _: () = assert!(FRONT_SLOTS.is_power_of_two() && FRONT_SLOTS > 1, "front_slot's shift");

/// Longer tokens are not kept in the front. A thread's front thus holds
/// `FRONT_SLOTS` buffers of at most twice this size (a `Vec` grows by
/// doubling) and `FRONT_SLOTS` tokens, whatever the shared map's capacity;
/// they stay until replaced or the thread ends, even past their
/// verifier's life or a key change (they are then never hits).
const FRONT_MAX_TOKEN: usize = 2048;

thread_local! {
    static FRONT: RefCell<[FrontSlot; FRONT_SLOTS]> =
        const { RefCell::new([const { FrontSlot::EMPTY }; FRONT_SLOTS]) };
}

/// `f` on this thread's front; `None` while the thread is being torn down
/// (or if the front were already borrowed: nothing in `f` calls back here).
fn with_front<T>(f: impl FnOnce(&mut [FrontSlot; FRONT_SLOTS]) -> T) -> Option<T> {
    FRONT
        .try_with(|front| front.try_borrow_mut().ok().map(|mut front| f(&mut front)))
        .ok()
        .flatten()
}

/// A token's last eight bytes, the end of its signature, mixed: what picks
/// its slot and what is compared before the whole token (tokens of one
/// issuer share their first hundred bytes or so, not their last). Only
/// verified tokens enter the front, so only signatures the issuer made
/// spread over the slots; a lookup of any other token merely misses.
fn front_tail(token: &[u8]) -> u64 {
    let mut tail = [0u8; 8];
    let n = token.len().min(8);
    tail[..n].copy_from_slice(&token[token.len() - n..]);
    u64::from_le_bytes(tail).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The slot of a [`front_tail`]: the product's top bits, which depend on
/// every byte of the tail.
fn front_slot(tail: u64) -> usize {
    // log2(FRONT_SLOTS) bits, a value below FRONT_SLOTS: the cast keeps it.
    #[allow(clippy::cast_possible_truncation)]
    let slot = (tail >> (u64::BITS - FRONT_SLOTS.trailing_zeros())) as usize;
    slot
}

/// One token of a thread's front. Its buffer is reused: replacing a token
/// allocates only when a longer one comes.
struct FrontSlot {
    /// The [`TokenCache::id`] of the cache it came from; 0 when empty.
    cache: u64,
    /// The token's [`front_tail`].
    tail: u64,
    generation: u64,
    token: Vec<u8>,
    jwt: Option<Arc<Jwt>>,
    /// The cache id and tail of the last token offered here and not taken.
    offered: (u64, u64),
}

impl FrontSlot {
    const EMPTY: FrontSlot = FrontSlot {
        cache: 0,
        tail: 0,
        generation: 0,
        token: Vec::new(),
        jwt: None,
        offered: (0, 0),
    };

    fn get(&self, cache: u64, tail: u64, token: &[u8], generation: u64) -> Option<Arc<Jwt>> {
        let hit = self.cache == cache
            && self.tail == tail
            && self.generation == generation
            && self.token == token;
        if hit { self.jwt.clone() } else { None }
    }

    fn offer(&mut self, cache: u64, tail: u64, token: &[u8], jwt: &Arc<Jwt>, generation: u64) {
        if self.offered != (cache, tail) {
            self.offered = (cache, tail);
            return;
        }
        self.offered = (0, 0);
        self.cache = cache;
        self.tail = tail;
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::jwt::Algorithm;

    fn jwt() -> Arc<Jwt> {
        Arc::new(Jwt::new(Algorithm::HS256, json!({})).expect("a token"))
    }

    /// The front slot's token, on this thread.
    fn in_front(token: &str) -> Option<Vec<u8>> {
        let slot = front_slot(front_tail(token.as_bytes()));
        with_front(|front| front[slot].jwt.as_ref().map(|_| front[slot].token.clone())).flatten()
    }

    #[test]
    fn a_repeated_token_enters_the_front_and_tokens_in_turn_do_not() {
        let cache = TokenCache::new(16);
        // Two tokens of one slot, with other last bytes (as signatures are).
        let a = "aaaa.bbbb.12345678";
        let slot = |t: &str| front_slot(front_tail(t.as_bytes()));
        let b = (0..1000)
            .map(|n| format!("cccc.dddd.{n:08}"))
            .find(|b| slot(b) == slot(a))
            .expect("one in eight tails lands in a's slot");
        let b = b.as_str();
        let (ja, jb) = (jwt(), jwt());
        cache.insert(a, ja.clone(), 1);
        cache.insert(b, jb.clone(), 1);
        for _ in 0..3 {
            assert!(Arc::ptr_eq(&cache.get(a.as_bytes(), 1).unwrap(), &ja));
            assert!(Arc::ptr_eq(&cache.get(b.as_bytes(), 1).unwrap(), &jb));
        }
        assert_eq!(in_front(a), None, "two tokens in turn: neither is copied in");
        assert!(Arc::ptr_eq(&cache.get(b.as_bytes(), 1).unwrap(), &jb));
        assert_eq!(in_front(b).as_deref(), Some(b.as_bytes()), "offered twice in a row");
        assert!(Arc::ptr_eq(&cache.get(b.as_bytes(), 1).unwrap(), &jb), "a front hit");
        assert!(cache.get(b.as_bytes(), 2).is_none(), "another key generation");
        assert!(Arc::ptr_eq(&cache.get(a.as_bytes(), 1).unwrap(), &ja), "same slot, other token");
        assert!(cache.get(b"eeee.ffff.12345678", 1).is_none(), "a's tail, other bytes");
        assert!(TokenCache::new(16).get(b.as_bytes(), 1).is_none(), "another cache");
        assert!(cache.get(b"", 1).is_none() && cache.get(b"78", 1).is_none(), "short tokens");
    }
}

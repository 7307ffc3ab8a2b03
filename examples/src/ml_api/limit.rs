//! The sign-in rate limit: failed attempts per key (a username, a client
//! address) within a window; in this process, or in Redis for replicas.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most this many failed sign-ins per key within [`WINDOW`].
pub const MAX_FAILURES: u64 = 10;
/// The window failures are counted in.
pub const WINDOW: Duration = Duration::from_secs(300);

/// Whether a sign-in may be attempted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limited {
    /// Under the limit.
    Allowed,
    /// Over it: retry after this long.
    Blocked(Duration),
    /// The shared store failed: refuse rather than let guessing run free.
    Unavailable,
}

/// A boxed future.
pub type LimitFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Counts failed sign-ins.
pub trait SignInLimit: Send + Sync + 'static {
    /// Whether every key is under the limit.
    fn check<'a>(&'a self, keys: &'a [String]) -> LimitFuture<'a, Limited>;
    /// Counts one failure against every key.
    fn failed<'a>(&'a self, keys: &'a [String]) -> LimitFuture<'a, ()>;
}

/// Failures in this process (bounded: stale windows are dropped when full).
#[derive(Debug, Default)]
pub struct MemoryLimit {
    failures: Mutex<HashMap<String, (u64, Instant)>>,
}

const MAX_KEYS: usize = 100_000;

impl SignInLimit for MemoryLimit {
    fn check<'a>(&'a self, keys: &'a [String]) -> LimitFuture<'a, Limited> {
        let failures = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        let blocked = keys
            .iter()
            .filter_map(|k| failures.get(k))
            .filter(|(count, start)| *count >= MAX_FAILURES && now.duration_since(*start) < WINDOW)
            .map(|(_, start)| WINDOW - now.duration_since(*start))
            .max();
        Box::pin(std::future::ready(blocked.map_or(Limited::Allowed, Limited::Blocked)))
    }

    fn failed<'a>(&'a self, keys: &'a [String]) -> LimitFuture<'a, ()> {
        let mut failures = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        if failures.len() >= MAX_KEYS {
            failures.retain(|_, (_, start)| now.duration_since(*start) < WINDOW);
        }
        for key in keys {
            let entry = failures.entry(key.clone()).or_insert((0, now));
            if now.duration_since(entry.1) >= WINDOW {
                *entry = (0, now);
            }
            entry.0 += 1;
        }
        Box::pin(std::future::ready(()))
    }
}

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

/// Failures in Redis, shared by every replica: `INCR` on a key per username
/// or address, expiring with the window. A Redis failure answers
/// [`Limited::Unavailable`] (sign-in refused), never "allowed".
#[derive(Clone)]
pub struct RedisLimit {
    manager: redis::aio::ConnectionManager,
    prefix: String,
}

impl std::fmt::Debug for RedisLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLimit").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

impl RedisLimit {
    /// Connects to `url` (never echoed: it may hold a password).
    pub async fn connect(url: &str) -> Result<Self, String> {
        let client =
            redis::Client::open(url).map_err(|_| "REDIS_URL: not a valid Redis URL".to_owned())?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_millis(500)))
            .set_response_timeout(Some(Duration::from_millis(500)));
        let manager = tokio::time::timeout(
            Duration::from_secs(2),
            redis::aio::ConnectionManager::new_with_config(client, config),
        )
        .await
        .map_err(|_| "REDIS_URL: Redis did not answer".to_owned())?
        .map_err(|_| "REDIS_URL: cannot connect to Redis".to_owned())?;
        Ok(RedisLimit { manager, prefix: "ml_api:signin:".into() })
    }
}

impl SignInLimit for RedisLimit {
    fn check<'a>(&'a self, keys: &'a [String]) -> LimitFuture<'a, Limited> {
        Box::pin(async move {
            let mut manager = self.manager.clone();
            let mut pipe = redis::pipe();
            for key in keys {
                let key = format!("{}{key}", self.prefix);
                pipe.get(&key).pttl(&key);
            }
            let answer: Result<Vec<(Option<u64>, i64)>, _> =
                tokio::time::timeout(Duration::from_secs(1), pipe.query_async(&mut manager))
                    .await
                    .unwrap_or_else(|_| {
                        Err(redis::RedisError::from((redis::ErrorKind::Io, "timed out")))
                    });
            let Ok(counts) = answer else { return Limited::Unavailable };
            let blocked = counts
                .into_iter()
                .filter(|(count, _)| count.unwrap_or(0) >= MAX_FAILURES)
                .map(|(_, ttl)| Duration::from_millis(u64::try_from(ttl).unwrap_or(1_000)))
                .max();
            blocked.map_or(Limited::Allowed, Limited::Blocked)
        })
    }

    fn failed<'a>(&'a self, keys: &'a [String]) -> LimitFuture<'a, ()> {
        Box::pin(async move {
            let mut manager = self.manager.clone();
            let mut pipe = redis::pipe();
            for key in keys {
                let key = format!("{}{key}", self.prefix);
                // The window starts at the first failure.
                pipe.incr(&key, 1)
                    .ignore()
                    .expire(&key, WINDOW.as_secs() as i64)
                    .arg("NX")
                    .ignore();
            }
            let done: Result<(), _> =
                tokio::time::timeout(Duration::from_secs(1), pipe.query_async(&mut manager))
                    .await
                    .unwrap_or_else(|_| {
                        Err(redis::RedisError::from((redis::ErrorKind::Io, "timed out")))
                    });
            if done.is_err() {
                tracing::warn!(target: "ml_api", "could not count a failed sign-in in Redis");
            }
        })
    }
}

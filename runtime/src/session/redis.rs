//! The Redis store (feature `redis`): revocations, per-subject `not_before`
//! and refresh families shared by every replica, with the same contract as
//! the [`MemoryStore`](super::MemoryStore).
//!
//! Keys, under a prefix (default `warden:`):
//!
//! | key | value | expires |
//! | --- | --- | --- |
//! | `{prefix}jti:{jti}` | `1` | at the token's `exp` (`SET … EXAT`) |
//! | `{prefix}sub:{sub}` | `not_before`, seconds | after the longest token lifetime (`SET … EX`) |
//! | `{prefix}fam:{family}` | hash: current and previous token, times, `revoked` | after the family's absolute lifetime (`EXPIRE`) |
//!
//! A rotation is one Lua script run by Redis (`EVALSHA`, loaded again after
//! a restart), so two replicas presented the same refresh token at once
//! cannot both rotate it. A revocation check is one round trip (a pipeline
//! of up to three reads: `GET` jti, `GET` sub, `HGET` family), and none at
//! all for a token with neither `jti`, `sub` nor `fam`.

use std::fmt;
use std::future::Future;
use std::sync::LazyLock;
use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::{AsyncConnectionConfig, Client, RedisError, RedisResult, Script};

use super::store::{
    FamilyRules, Issued, Rotation, SessionStore, StoreError, StoreFuture, TokenRef,
};

/// The default key prefix.
const DEFAULT_PREFIX: &str = "warden:";

/// The default bound of one call, and of one connection attempt.
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(300);

/// How long [`RedisStore::connect`] waits at least for the connection and
/// for the answer to its `PING`.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(1);

/// The latest expiry written (9999-12-31T23:59:59Z); later ones, and TTLs
/// longer than this many seconds, are clamped so Redis accepts them.
const MAX_SECONDS: u64 = 253_402_300_799;

/// `Family::rotate` (store.rs), run atomically by Redis.
///
/// KEYS[1]: the family hash. ARGV: presented jti, next jti, next iat, next
/// exp, now, grace, idle, absolute.
const ROTATE_LUA: &str = r"
local f = redis.call('HMGET', KEYS[1], 'cur', 'cur_iat', 'cur_exp', 'prev', 'prev_at', 'created', 'used', 'revoked')
if not f[1] then
  return {'refused'}
end
local now = tonumber(ARGV[5])
local created = tonumber(f[6])
local used = tonumber(f[7])
if f[8] == '1' or not created or not used
  or now >= created + tonumber(ARGV[8])
  or now >= used + tonumber(ARGV[7]) then
  return {'refused'}
end
if ARGV[1] == f[1] then
  redis.call('HSET', KEYS[1], 'cur', ARGV[2], 'cur_iat', ARGV[3], 'cur_exp', ARGV[4],
    'prev', f[1], 'prev_at', ARGV[5], 'used', ARGV[5])
  return {'rotated'}
end
if f[4] and ARGV[1] == f[4] and now <= tonumber(f[5]) + tonumber(ARGV[6]) then
  return {'retry', f[1], f[2], f[3]}
end
redis.call('HSET', KEYS[1], 'revoked', '1')
return {'reused'}
";

/// Marks a family revoked if it exists (an absent family stays absent: a
/// hash created here would have no expiry).
const REVOKE_FAMILY_LUA: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'revoked', '1')
end
return 0
";

static ROTATE: LazyLock<Script> = LazyLock::new(|| Script::new(ROTATE_LUA));
static REVOKE_FAMILY: LazyLock<Script> = LazyLock::new(|| Script::new(REVOKE_FAMILY_LUA));

/// A [`SessionStore`] in Redis, shared by every replica of the app.
///
/// Built on redis-rs's `ConnectionManager`: one multiplexed connection,
/// re-established in the background after Redis restarts or the network
/// drops, so the store keeps working without being recreated. Every call is
/// bounded by the store's timeout (default 300 ms), including the wait for a
/// reconnection: Redis down or slow gives a [`StoreError`], and the
/// [`StoreFailure`](super::StoreFailure) policy answers the request.
///
/// Entries expire with what they protect: a revoked `jti` at its `exp`, a
/// subject's `not_before` after the longest token lifetime, a refresh family
/// at its absolute lifetime. Redis must therefore not evict them early: give
/// it memory enough, or `maxmemory-policy noeviction` (an eviction would
/// silently forget a logout). What Redis loses on a restart without
/// persistence is forgotten too: enable AOF where a logout must survive one.
///
/// Times come from the replicas (`FamilyRules::now`) for the family rules,
/// and from Redis for key expiry: keep clocks in sync (NTP).
///
/// ```no_run
/// # async fn demo() -> Result<(), warden::session::StoreError> {
/// use std::sync::Arc;
/// use warden::session::RedisStore;
///
/// let store = RedisStore::connect("redis://127.0.0.1:6379/0").await?.with_prefix("shop:");
/// let store: Arc<dyn warden::session::SessionStore> = Arc::new(store);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    manager: ConnectionManager,
    prefix: String,
    timeout: Duration,
    /// Where Redis is, without credentials, for messages.
    address: String,
    /// The URL's password, removed from any error text.
    secrets: Vec<String>,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("address", &self.address)
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to the Redis at `url` (`redis://[[user]:password@]host[:port][/db]`
    /// or `redis+unix:///path?db=N&pass=…`) with the default timeout (300 ms)
    /// and key prefix (`warden:`).
    ///
    /// Fails, with a message that never contains the URL's password, when
    /// the URL does not parse or Redis does not answer `PING` (refused
    /// connection, wrong credentials, no answer within a second). Once
    /// connected, the store reconnects by itself: it never needs to be
    /// created again.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        RedisStore::connect_with_timeout(url, DEFAULT_TIMEOUT).await
    }

    /// [`connect`](Self::connect) with `timeout` bounding each connection
    /// attempt, each response and each whole call (keep it below
    /// [`SessionConfig::store_timeout`](super::SessionConfig::store_timeout),
    /// 500 ms by default, so the store reports its own error).
    pub async fn connect_with_timeout(url: &str, timeout: Duration) -> Result<Self, StoreError> {
        let client = Client::open(url).map_err(|e| {
            // The URL parser's messages are fixed texts (plus a protocol
            // name): the URL itself is never quoted, nor its password.
            StoreError(format!("invalid Redis URL: {}", describe(&e, &[])))
        })?;
        let info = client.get_connection_info();
        let address = info.addr().to_string();
        let secrets = info
            .redis_settings()
            .password()
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .into_iter()
            .collect::<Vec<_>>();

        // One plain connection first, for a precise error (refused, wrong
        // password, no answer) instead of the manager's retries.
        let startup = timeout.max(STARTUP_TIMEOUT);
        let probe = async {
            let config = AsyncConnectionConfig::new()
                .set_connection_timeout(Some(startup))
                .set_response_timeout(Some(startup));
            let mut connection =
                client.get_multiplexed_async_connection_with_config(&config).await?;
            ::redis::cmd("PING").query_async::<()>(&mut connection).await
        };
        let unreachable =
            |why: String| StoreError(format!("Redis at {address} unreachable: {why}"));
        // Both steps are bounded already; this bounds the pair.
        let wait = startup.saturating_mul(2);
        match tokio::time::timeout(wait, probe).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(unreachable(describe(&e, &secrets))),
            Err(_) => {
                return Err(unreachable(format!("no answer within {} ms", wait.as_millis())));
            }
        }

        // Reconnection: attempts 100 ms, 200 ms, ... apart, at most 1 s, six
        // times; the next call after that starts over.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_min_delay(Duration::from_millis(100))
            .set_max_delay(Duration::from_secs(1))
            .set_number_of_retries(6);
        let manager = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| unreachable(describe(&e, &secrets)))?;
        Ok(RedisStore { manager, prefix: DEFAULT_PREFIX.to_owned(), timeout, address, secrets })
    }

    /// Keys under `prefix` instead of `warden:` (several apps, or
    /// environments, sharing one Redis).
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The bound of one call.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    fn key(&self, kind: &str, id: &str) -> String {
        format!("{}{kind}:{id}", self.prefix)
    }

    /// Runs `call` on the shared connection within the store's timeout.
    fn run<'a, T, F, Fut>(&'a self, what: &'static str, call: F) -> StoreFuture<'a, T>
    where
        T: Send + 'a,
        F: FnOnce(ConnectionManager) -> Fut + Send + 'a,
        Fut: Future<Output = RedisResult<T>> + Send + 'a,
    {
        let connection = self.manager.clone();
        Box::pin(async move {
            match tokio::time::timeout(self.timeout, call(connection)).await {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(e)) => {
                    Err(StoreError(format!("Redis {what} failed: {}", describe(&e, &self.secrets))))
                }
                Err(_) => Err(StoreError(format!(
                    "Redis {what}: no answer within {} ms",
                    self.timeout.as_millis()
                ))),
            }
        })
    }
}

/// A Redis error's text with the URL's password, should a message ever
/// quote it, replaced.
fn describe(error: &RedisError, secrets: &[String]) -> String {
    let mut text = error.to_string();
    for secret in secrets {
        text = text.replace(secret.as_str(), "<redacted>");
    }
    text
}

fn now() -> u64 {
    crate::jwt::unix_now()
}

fn clamp(seconds: u64) -> u64 {
    seconds.min(MAX_SECONDS)
}

/// The rotate script's answer as a [`Rotation`].
fn rotation(reply: &[String]) -> Result<Rotation, StoreError> {
    let number = |text: &str| {
        text.parse::<u64>().map_err(|_| StoreError("malformed refresh family in Redis".into()))
    };
    match reply {
        [tag] if tag == "rotated" => Ok(Rotation::Rotated),
        [tag] if tag == "reused" => Ok(Rotation::Reused),
        [tag] if tag == "refused" => Ok(Rotation::Refused),
        [tag, jti, iat, exp] if tag == "retry" => {
            Ok(Rotation::Retry(Issued { jti: jti.clone(), iat: number(iat)?, exp: number(exp)? }))
        }
        _ => Err(StoreError("unexpected answer from the rotation script".into())),
    }
}

impl SessionStore for RedisStore {
    fn is_revoked<'a>(&'a self, token: TokenRef<'a>) -> StoreFuture<'a, bool> {
        if token.jti.is_none() && token.sub.is_none() && token.family.is_none() {
            return Box::pin(std::future::ready(Ok(false)));
        }
        let mut pipe = ::redis::pipe();
        if let Some(jti) = token.jti {
            pipe.get(self.key("jti", jti));
        }
        if let Some(sub) = token.sub {
            pipe.get(self.key("sub", sub));
        }
        if let Some(family) = token.family {
            pipe.hget(self.key("fam", family), "revoked");
        }
        let answer = self.run("revocation check", move |mut c| async move {
            pipe.query_async::<Vec<Option<String>>>(&mut c).await
        });
        Box::pin(async move {
            // One answer per part present, in order.
            let answers = answer.await?;
            let parts = [token.jti, token.sub, token.family].iter().flatten().count();
            if answers.len() != parts {
                return Err(StoreError("unexpected answer to the revocation check".into()));
            }
            let mut answers = answers.into_iter();
            let mut next = |present: bool| if present { answers.next().flatten() } else { None };
            let jti = next(token.jti.is_some());
            let subject = next(token.sub.is_some());
            let family = next(token.family.is_some());
            let jti = jti.is_some();
            let subject = match (subject, token.iat) {
                (Some(before), Some(iat)) => {
                    let before = before
                        .parse::<u64>()
                        .map_err(|_| StoreError("malformed subject revocation in Redis".into()))?;
                    iat < before
                }
                (Some(_), None) => true,
                (None, _) => false,
            };
            let family = family.as_deref() == Some("1");
            Ok(jti || subject || family)
        })
    }

    fn revoke_token<'a>(&'a self, jti: &'a str, until: u64) -> StoreFuture<'a, ()> {
        if until <= now() {
            // Already expired: nothing left to revoke.
            return Box::pin(std::future::ready(Ok(())));
        }
        let key = self.key("jti", jti);
        let until = clamp(until);
        self.run("revocation", move |mut c| async move {
            ::redis::cmd("SET")
                .arg(&key)
                .arg(1)
                .arg("EXAT")
                .arg(until)
                .query_async::<()>(&mut c)
                .await
        })
    }

    fn revoke_subject<'a>(&'a self, sub: &'a str, before: u64, ttl: u64) -> StoreFuture<'a, ()> {
        if ttl == 0 {
            return Box::pin(std::future::ready(Ok(())));
        }
        let key = self.key("sub", sub);
        let ttl = clamp(ttl);
        self.run("subject revocation", move |mut c| async move {
            ::redis::cmd("SET")
                .arg(&key)
                .arg(before)
                .arg("EX")
                .arg(ttl)
                .query_async::<()>(&mut c)
                .await
        })
    }

    fn start_family<'a>(
        &'a self,
        family: &'a str,
        first: Issued,
        rules: FamilyRules,
    ) -> StoreFuture<'a, ()> {
        let key = self.key("fam", family);
        let ttl = clamp(rules.absolute);
        let now = rules.now;
        self.run("family start", move |mut c| async move {
            ::redis::pipe()
                .atomic()
                .del(&key)
                .ignore()
                .cmd("HSET")
                .arg(&key)
                .arg("cur")
                .arg(&first.jti)
                .arg("cur_iat")
                .arg(first.iat)
                .arg("cur_exp")
                .arg(first.exp)
                .arg("created")
                .arg(now)
                .arg("used")
                .arg(now)
                .ignore()
                .cmd("EXPIRE")
                .arg(&key)
                .arg(ttl)
                .ignore()
                .query_async::<()>(&mut c)
                .await
        })
    }

    fn rotate<'a>(
        &'a self,
        family: &'a str,
        jti: &'a str,
        next: Issued,
        rules: FamilyRules,
    ) -> StoreFuture<'a, Rotation> {
        let key = self.key("fam", family);
        let answer = self.run("rotation", move |mut c| async move {
            ROTATE
                .key(&key)
                .arg(jti)
                .arg(&next.jti)
                .arg(next.iat)
                .arg(next.exp)
                .arg(rules.now)
                .arg(rules.grace)
                .arg(rules.idle)
                .arg(rules.absolute)
                .invoke_async::<Vec<String>>(&mut c)
                .await
        });
        Box::pin(async move { rotation(&answer.await?) })
    }

    fn revoke_family<'a>(&'a self, family: &'a str) -> StoreFuture<'a, ()> {
        let key = self.key("fam", family);
        self.run("family revocation", move |mut c| async move {
            REVOKE_FAMILY.key(&key).invoke_async::<()>(&mut c).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn script_answers_map_to_rotations() {
        assert_eq!(rotation(&strings(&["rotated"])), Ok(Rotation::Rotated));
        assert_eq!(rotation(&strings(&["reused"])), Ok(Rotation::Reused));
        assert_eq!(rotation(&strings(&["refused"])), Ok(Rotation::Refused));
        assert_eq!(
            rotation(&strings(&["retry", "b", "10", "20"])),
            Ok(Rotation::Retry(Issued { jti: "b".into(), iat: 10, exp: 20 }))
        );
        assert!(rotation(&strings(&["retry", "b", "x", "20"])).is_err());
        assert!(rotation(&strings(&[])).is_err());
        assert!(rotation(&strings(&["rotated", "extra"])).is_err());
    }

    #[test]
    fn expiries_are_clamped_to_what_redis_accepts() {
        assert_eq!(clamp(u64::MAX), MAX_SECONDS);
        assert_eq!(clamp(300), 300);
    }
}

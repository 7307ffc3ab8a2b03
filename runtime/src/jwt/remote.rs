//! [`RemoteJwks`]: an identity provider's JWK Set, fetched over HTTP(S),
//! cached, refreshed in the background, on unknown `kid`s and on signatures
//! a known `kid`'s key refuses.
//!
//! The request path never waits on the network for a token that verifies:
//! keys are read through the [`KeySetHandle`] (an atomic pointer load).
//! Every fetch runs in its own task, at most one at a time (single-flight, a
//! [`tokio::sync::watch`] counter announces its end), bounded by a total
//! timeout; the state mutex is a `std` one, never held across an `.await`.

mod http;

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::sync::watch;
use tokio::task::AbortHandle;

use self::http::{Endpoint, HttpClient};
use super::keyset::{KeyRefresh, KeySet, KeySetHandle};
use super::{Key, KeyError};

const TARGET: &str = "warden::jwks";
/// The shortest wait of the background task between two fetches.
const MIN_WAIT: Duration = Duration::from_millis(50);

/// Default total time of one fetch (connect, TLS, headers, body).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default connect timeout.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Default cap on a JWKS (or discovery) response body.
const DEFAULT_MAX_BODY: usize = 256 * 1024;
/// Default minimum interval between two fetches caused by tokens (unknown
/// `kid`s, signatures a known `kid`'s key refuses), and the lifetime of a
/// negative-cache entry.
const DEFAULT_MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(10);
/// Default refresh interval when the response has no `Cache-Control: max-age`.
const DEFAULT_REFRESH_INTERVAL: Duration = Duration::from_secs(5 * 60);
/// Default bounds a `max-age` is clamped into.
const DEFAULT_REFRESH_BOUNDS: (Duration, Duration) =
    (Duration::from_secs(60), Duration::from_secs(24 * 60 * 60));
/// Default longest wait between retries after failed fetches (they back off
/// from the minimum refetch interval, doubling).
const DEFAULT_MAX_RETRY_INTERVAL: Duration = Duration::from_secs(60);
/// Default time cached keys keep working after the last successful fetch.
const DEFAULT_MAX_STALE: Duration = Duration::from_secs(24 * 60 * 60);
/// Default number of `kid`s remembered as missing.
const DEFAULT_NEGATIVE_CACHE_CAPACITY: usize = 1024;

/// Why a [`RemoteJwks`] could not start.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(docsrs, doc(cfg(feature = "jwks")))]
#[non_exhaustive]
pub enum JwksError {
    /// The URL (given, or discovered as `jwks_uri`) is not usable.
    #[error("invalid JWKS URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL, without credentials or query.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A plain `http://` URL to a host that is not a loopback one, without
    /// [`RemoteJwksBuilder::allow_http`].
    #[error(
        "refusing plain http for the JWKS URL `{url}`: use https (http is allowed for loopback \
         hosts only, unless opted in with `allow_http`)"
    )]
    InsecureUrl {
        /// The URL, without credentials or query.
        url: String,
    },
    /// The TLS configuration (an extra root certificate) is not usable.
    #[error("JWKS TLS setup failed: {0}")]
    Tls(String),
    /// The first fetch failed and [`RemoteJwksBuilder::fail_fast`] was set.
    #[error("fetching the JWKS from `{url}` failed: {reason}")]
    Fetch {
        /// The URL that failed (the discovery document or the JWKS),
        /// without credentials or query.
        url: String,
        /// Why.
        reason: FetchError,
    },
    /// [`RemoteJwksBuilder::start`] was polled outside a tokio runtime.
    #[error("the JWKS client needs a tokio runtime")]
    NoRuntime,
}

/// Why one fetch failed. Texts never contain a body, a token or a key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(docsrs, doc(cfg(feature = "jwks")))]
#[non_exhaustive]
pub enum FetchError {
    /// Connecting, TLS, or reading the response failed.
    #[error("request failed: {0}")]
    Transport(String),
    /// The fetch took longer than the configured timeout.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The server answered with a redirect; redirects are never followed.
    #[error("answered HTTP {0}, a redirect (redirects are not followed)")]
    Redirect(u16),
    /// The server answered with a status other than 200.
    #[error("answered HTTP {0}")]
    Status(u16),
    /// The body is larger than the configured cap (in bytes).
    #[error("the body exceeds {0} bytes")]
    TooLarge(usize),
    /// The body is not JSON.
    #[error("the body is not JSON")]
    NotJson,
    /// The document has no `keys` array.
    #[error("not a JWK Set (no `keys` array)")]
    NotJwks,
    /// No JWK of the set is a usable verification key.
    #[error("no usable key in the JWK Set ({skipped} skipped)")]
    NoUsableKey {
        /// How many entries were skipped.
        skipped: usize,
    },
    /// The OpenID Connect discovery document is not usable.
    #[error("discovery: {0}")]
    Discovery(String),
}

/// What a [`RemoteJwks`] reports about itself ([`RemoteJwks::health`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(docsrs, doc(cfg(feature = "jwks")))]
#[non_exhaustive]
pub struct JwksHealth {
    /// The JWKS URL (before discovery succeeded: the discovery URL),
    /// without credentials or query.
    pub url: String,
    /// Keys in use now.
    pub keys: usize,
    /// Entries of the last fetched set that were skipped as unusable.
    pub skipped: usize,
    /// When a fetch last succeeded.
    pub last_success: Option<SystemTime>,
    /// When a fetch was last started.
    pub last_attempt: Option<SystemTime>,
    /// Why the last fetch failed; `None` once one succeeds again.
    pub last_error: Option<String>,
    /// The last fetch failed: the keys in use (if any) are from an older
    /// one, and are dropped once the stale period has passed.
    pub stale: bool,
    /// Fetches completed, failed or not.
    pub fetches: u64,
}

impl JwksHealth {
    /// Keys are in use and the last fetch succeeded.
    pub fn is_healthy(&self) -> bool {
        !self.stale && self.keys > 0
    }
}

/// An identity provider's JWK Set, kept up to date: the [`KeyRefresh`] key
/// source for [`VerifierBuilder::key_source`](super::VerifierBuilder::key_source).
///
/// * **Start**: fetched once by [`RemoteJwksBuilder::start`]. When that
///   fails it starts *degraded* by default (a loud `warn` event; tokens are
///   refused, answered 401, until keys arrive; retried in the background),
///   or returns the error with [`fail_fast`](RemoteJwksBuilder::fail_fast).
/// * **Refresh**: one background task, every `Cache-Control: max-age`
///   clamped into [`refresh_bounds`](RemoteJwksBuilder::refresh_bounds), or
///   [`refresh_interval`](RemoteJwksBuilder::refresh_interval) without one;
///   it ends when the `RemoteJwks` is dropped.
/// * **Unknown `kid`**: one fetch at a time (concurrent callers wait for the
///   same one), at most one per
///   [`min_refetch_interval`](RemoteJwksBuilder::min_refetch_interval); a
///   `kid` a fetch found missing is answered at once for that interval (a
///   bounded negative cache, emptied by every successful fetch).
/// * **Same `kid`, new key**: a token whose signature fails with the key
///   held under its `kid` causes a fetch too, under the same single-flight
///   and rate limit (some providers replace a key without a new `kid`),
///   and is verified once more if the keys changed. A forged signature
///   costs the provider at most one fetch per interval, like an unknown
///   `kid`. Tokens that verify never wait.
/// * **Outage**: a failed fetch (transport, timeout, non-200, not JSON, no
///   `keys`, no usable key, oversized) never replaces the keys; they keep
///   working for [`max_stale`](RemoteJwksBuilder::max_stale) after the last
///   success, then are dropped with an `error` event. Transitions are
///   logged (target `warden::jwks`); [`health`](Self::health) reports.
/// * **Transport**: `https://` only (plain `http://` for loopback hosts, or
///   with [`allow_http`](RemoteJwksBuilder::allow_http)); redirects are
///   never followed; connect and total timeouts; a body size cap; TLS by
///   rustls with the Mozilla roots (`webpki-roots`) plus
///   [`add_root_certificates`](RemoteJwksBuilder::add_root_certificates).
/// * **Keys**: each JWK is judged alone ([`Key::from_jwk`]); a bad one is
///   skipped and logged (its index, `kid` and why, never key material).
///
/// ```no_run
/// use std::sync::Arc;
/// use warden::jwt::{RemoteJwks, Verifier};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let jwks = Arc::new(RemoteJwks::discover("https://idp.example.com/realms/main").start().await?);
/// let verifier = Verifier::builder()
///     .key_source(jwks.clone())
///     .with_issuers(["https://idp.example.com/realms/main"])
///     .build()?;
/// println!("{:?}", jwks.health());
/// # Ok(()) }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "jwks")))]
pub struct RemoteJwks {
    inner: Arc<Inner>,
    task: AbortHandle,
}

/// Configures and starts a [`RemoteJwks`].
#[derive(Clone)]
#[cfg_attr(docsrs, doc(cfg(feature = "jwks")))]
#[must_use]
pub struct RemoteJwksBuilder {
    target: TargetSpec,
    config: Config,
    roots: Vec<Vec<u8>>,
}

#[derive(Clone)]
enum TargetSpec {
    Jwks(String),
    Issuer(String),
}

#[derive(Clone, Copy, Debug)]
struct Config {
    fail_fast: bool,
    allow_http: bool,
    timeout: Duration,
    connect_timeout: Duration,
    max_body: usize,
    min_interval: Duration,
    refresh_interval: Duration,
    refresh_min: Duration,
    refresh_max: Duration,
    max_retry: Duration,
    max_stale: Duration,
    negative_capacity: usize,
}

impl fmt::Debug for RemoteJwksBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, url) = match &self.target {
            TargetSpec::Jwks(url) => ("jwks", url),
            TargetSpec::Issuer(url) => ("issuer", url),
        };
        f.debug_struct("RemoteJwksBuilder")
            .field(kind, &http::redact(url))
            .field("config", &self.config)
            .field("extra_roots", &self.roots.len())
            .finish()
    }
}

impl RemoteJwks {
    /// A JWK Set at `url`.
    pub fn builder(url: impl Into<String>) -> RemoteJwksBuilder {
        RemoteJwksBuilder::new(TargetSpec::Jwks(url.into()))
    }

    /// The JWK Set of an OpenID Connect issuer: `jwks_uri` of
    /// `{issuer}/.well-known/openid-configuration`, whose `issuer` must be
    /// `issuer` (OpenID Connect Discovery §4.3; a trailing `/` aside). The
    /// discovery document is read again until a fetch of the set succeeds,
    /// then no more.
    pub fn discover(issuer: impl Into<String>) -> RemoteJwksBuilder {
        RemoteJwksBuilder::new(TargetSpec::Issuer(issuer.into()))
    }

    /// The current state: keys, last success and error, staleness.
    pub fn health(&self) -> JwksHealth {
        let state = self.inner.lock();
        JwksHealth {
            url: self.inner.current_url_locked(&state),
            keys: self.inner.handle.load().keys().len(),
            skipped: state.skipped,
            last_success: state.last_success.map(|(_, at)| at),
            last_attempt: state.last_attempt.map(|(_, at)| at),
            last_error: state.last_error.as_ref().map(|(url, e)| format!("`{url}`: {e}")),
            stale: state.last_error.is_some(),
            fetches: state.fetches,
        }
    }
}

impl fmt::Debug for RemoteJwks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let health = self.health();
        f.debug_struct("RemoteJwks")
            .field("url", &health.url)
            .field("keys", &health.keys)
            .field("stale", &health.stale)
            .finish_non_exhaustive()
    }
}

impl Drop for RemoteJwks {
    fn drop(&mut self) {
        // The task holds only a `Weak` and would end at its next wake-up;
        // aborting ends it now (a fetch in flight finishes, bounded by the
        // timeout, then drops the state).
        self.task.abort();
    }
}

impl KeyRefresh for RemoteJwks {
    fn handle(&self) -> &KeySetHandle {
        &self.inner.handle
    }

    fn refresh_for_kid<'a>(
        &'a self,
        kid: &'a str,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(self.inner.refresh_for_kid(kid))
    }

    fn refresh_for_rejected_kid<'a>(
        &'a self,
        kid: &'a str,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(self.inner.refresh_for_rejected_kid(kid))
    }
}

impl RemoteJwksBuilder {
    fn new(target: TargetSpec) -> Self {
        RemoteJwksBuilder {
            target,
            config: Config {
                fail_fast: false,
                allow_http: false,
                timeout: DEFAULT_TIMEOUT,
                connect_timeout: DEFAULT_CONNECT_TIMEOUT,
                max_body: DEFAULT_MAX_BODY,
                min_interval: DEFAULT_MIN_REFETCH_INTERVAL,
                refresh_interval: DEFAULT_REFRESH_INTERVAL,
                refresh_min: DEFAULT_REFRESH_BOUNDS.0,
                refresh_max: DEFAULT_REFRESH_BOUNDS.1,
                max_retry: DEFAULT_MAX_RETRY_INTERVAL,
                max_stale: DEFAULT_MAX_STALE,
                negative_capacity: DEFAULT_NEGATIVE_CACHE_CAPACITY,
            },
            roots: Vec::new(),
        }
    }

    /// With `true`, [`start`](Self::start) returns the error of a failed
    /// first fetch instead of starting degraded (default `false`).
    pub fn fail_fast(mut self, fail_fast: bool) -> Self {
        self.config.fail_fast = fail_fast;
        self
    }

    /// Allows plain `http://` to any host (default: loopback hosts only).
    /// Keys fetched in clear text can be replaced by anyone on the path.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.config.allow_http = allow;
        self
    }

    /// Total time of one fetch, discovery included (default 5 s, at
    /// least 1 ms). No caller waits longer on a fetch.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// Time to establish a TCP connection (default 3 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// Largest response body accepted, in bytes (default 256 KiB).
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.config.max_body = bytes;
        self
    }

    /// Minimum time between two fetches caused by tokens (unknown `kid`s,
    /// signatures a known `kid`'s key refuses), and how long a `kid` found
    /// missing is answered without fetching (default 10 s). Also the first
    /// retry delay after a failed fetch.
    pub fn min_refetch_interval(mut self, interval: Duration) -> Self {
        self.config.min_interval = interval;
        self
    }

    /// Refresh interval when a response has no `Cache-Control: max-age`
    /// (default 5 min; clamped into the refresh bounds too).
    pub fn refresh_interval(mut self, interval: Duration) -> Self {
        self.config.refresh_interval = interval;
        self
    }

    /// Bounds the refresh interval is clamped into, whatever `max-age` says
    /// (default 60 s to 24 h). Given in either order.
    pub fn refresh_bounds(mut self, min: Duration, max: Duration) -> Self {
        self.config.refresh_min = min.min(max);
        self.config.refresh_max = max.max(min);
        self
    }

    /// Longest delay between retries while fetches fail (default 60 s).
    pub fn max_retry_interval(mut self, interval: Duration) -> Self {
        self.config.max_retry = interval;
        self
    }

    /// How long cached keys keep working after the last successful fetch
    /// while fetches fail (default 24 h). After it the set is emptied.
    pub fn max_stale(mut self, period: Duration) -> Self {
        self.config.max_stale = period;
        self
    }

    /// How many missing `kid`s are remembered (default 1024).
    pub fn negative_cache_capacity(mut self, capacity: usize) -> Self {
        self.config.negative_capacity = capacity;
        self
    }

    /// Trusts the certificates in `pem` as roots too (a private CA), next
    /// to the Mozilla roots. Checked by [`start`](Self::start).
    pub fn add_root_certificates(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.roots.push(pem.into());
        self
    }

    /// Checks the URL, fetches the set once and starts the background
    /// refresh. Fails on a bad URL or TLS root, or, with
    /// [`fail_fast`](Self::fail_fast), when the first fetch fails.
    pub async fn start(self) -> Result<RemoteJwks, JwksError> {
        let RemoteJwksBuilder { target, config, roots } = self;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| JwksError::NoRuntime)?;
        let (target, jwks) = match target {
            TargetSpec::Jwks(url) => {
                let endpoint = http::endpoint(&url, config.allow_http)?;
                (Target::Jwks(endpoint.clone()), Some(endpoint))
            }
            TargetSpec::Issuer(issuer) => {
                let url =
                    format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
                let discovery = http::endpoint(&url, config.allow_http)?;
                (Target::Issuer { issuer, discovery }, None)
            }
        };
        let client = HttpClient::new(config.connect_timeout, config.max_body, &roots)?;
        let inner = Arc::new(Inner {
            config,
            target,
            client,
            handle: KeySetHandle::new(KeySet::default()),
            state: Mutex::new(State { jwks, ..State::default() }),
            done: watch::Sender::new(0),
            runtime,
            hasher: RandomState::new(),
        });
        if let Some(receiver) = inner.begin_fetch(false) {
            inner.wait(receiver).await;
        }
        let failure = {
            let state = inner.lock();
            match (&state.last_error, state.last_success) {
                (Some(failure), _) => Some(failure.clone()),
                // The wait ended first, with the fetch's own timeout.
                (None, None) => {
                    Some((inner.current_url_locked(&state), FetchError::Timeout(config.timeout)))
                }
                (None, Some(_)) => None,
            }
        };
        if let Some((url, reason)) = failure {
            if config.fail_fast {
                return Err(JwksError::Fetch { url, reason });
            }
            tracing::warn!(
                target: TARGET,
                url = %url,
                reason = %reason,
                "JWKS unavailable at start: tokens are refused until keys arrive; retrying in the background"
            );
        }
        let fetched = inner.done.subscribe();
        let task = inner.runtime.spawn(background(Arc::downgrade(&inner), fetched)).abort_handle();
        Ok(RemoteJwks { inner, task })
    }
}

enum Target {
    Jwks(Endpoint),
    Issuer { issuer: String, discovery: Endpoint },
}

struct Inner {
    config: Config,
    target: Target,
    client: HttpClient,
    handle: KeySetHandle,
    state: Mutex<State>,
    /// Bumped when a fetch ends: what single-flight waiters wait for.
    done: watch::Sender<u64>,
    runtime: tokio::runtime::Handle,
    /// Keys the negative cache: `kid`s are kept as keyed hashes, so its
    /// size does not depend on what tokens send.
    hasher: RandomState,
}

#[derive(Default)]
struct State {
    in_flight: bool,
    /// The JWKS endpoint, once known (discovery).
    jwks: Option<Endpoint>,
    last_attempt: Option<(Instant, SystemTime)>,
    last_success: Option<(Instant, SystemTime)>,
    /// The URL that failed and why; `None` after a success.
    last_error: Option<(String, FetchError)>,
    failures: u32,
    /// When the last success said to refresh, clamped.
    refresh_after: Duration,
    fetches: u64,
    /// SHA-256 of the body in use: an unchanged document is not stored
    /// again (which would empty the verified-token cache).
    digest: Option<[u8; 32]>,
    skipped: usize,
    /// Keyed hash of a missing `kid` → until when it is answered as missing.
    negative: HashMap<u64, Instant>,
    /// The stale period passed and the keys were dropped.
    expired: bool,
}

/// A fetch's outcome.
struct Fetched {
    endpoint: Endpoint,
    set: KeySet,
    skipped: Vec<(usize, Option<String>, KeyError)>,
    digest: [u8; 32],
    max_age: Option<Duration>,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding it; should that change, the state is
        // still consistent enough to keep serving.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn refresh_for_kid(self: &Arc<Self>, kid: &str) {
        if self.handle.load().has_kid(kid) {
            // Known, but no key of the token's type under it (a provider
            // moving the `kid` from RSA to EC, say), or a fetch has just
            // brought it: as for a refused signature, rate-limited.
            return self.refetch().await;
        }
        let key = self.hasher.hash_one(kid);
        let receiver = {
            let state = self.lock();
            if state.negative.get(&key).is_some_and(|&until| until > Instant::now()) {
                return;
            }
            self.begin_locked(state, true)
        };
        let Some(receiver) = receiver else { return };
        self.wait(receiver).await;
        if self.handle.load().has_kid(kid) {
            return;
        }
        let now = Instant::now();
        let mut state = self.lock();
        if state.last_error.is_some() {
            return;
        }
        let Some(until) = now.checked_add(self.config.min_interval) else { return };
        if state.negative.len() >= self.config.negative_capacity {
            state.negative.retain(|_, until| *until > now);
        }
        if state.negative.len() < self.config.negative_capacity {
            state.negative.insert(key, until);
        }
    }

    /// A signature failed under `kid`: if the set holds `kid`, fetches in
    /// case the provider replaced that key under the same `kid`.
    async fn refresh_for_rejected_kid(self: &Arc<Self>, kid: &str) {
        if self.handle.load().has_kid(kid) {
            self.refetch().await;
        }
    }

    /// Joins the fetch in flight or starts one, rate-limited as for unknown
    /// `kid`s (no negative-cache entry), and waits for it. An unchanged
    /// document leaves the set, and the verified-token cache, as they are.
    async fn refetch(self: &Arc<Self>) {
        let Some(receiver) = self.begin_fetch(true) else { return };
        self.wait(receiver).await;
    }

    /// Waits for the fetch `receiver` announces, no longer than a fetch may
    /// take.
    async fn wait(&self, mut receiver: watch::Receiver<u64>) {
        let _ = tokio::time::timeout(self.config.timeout, receiver.changed()).await;
    }

    fn begin_fetch(self: &Arc<Self>, rate_limited: bool) -> Option<watch::Receiver<u64>> {
        self.begin_locked(self.lock(), rate_limited)
    }

    /// Joins the fetch in flight, or starts one unless `rate_limited` and
    /// the last one started less than the minimum interval ago. The receiver
    /// sees the fetch's end.
    fn begin_locked(
        self: &Arc<Self>,
        mut state: MutexGuard<'_, State>,
        rate_limited: bool,
    ) -> Option<watch::Receiver<u64>> {
        let receiver = self.done.subscribe();
        if state.in_flight {
            return Some(receiver);
        }
        let now = Instant::now();
        if rate_limited
            && state
                .last_attempt
                .is_some_and(|(t, _)| now.duration_since(t) < self.config.min_interval)
        {
            return None;
        }
        state.in_flight = true;
        state.last_attempt = Some((now, SystemTime::now()));
        let endpoint = state.jwks.clone();
        drop(state);
        // In its own task: a caller giving up (a client disconnecting) does
        // not cancel the fetch other callers wait for.
        let mut guard = InFlight { inner: Arc::clone(self), armed: true };
        self.runtime.spawn(async move {
            let inner = &guard.inner;
            let timeout = inner.config.timeout;
            let result = match tokio::time::timeout(timeout, inner.fetch(endpoint)).await {
                Ok(result) => result,
                Err(_) => Err((inner.current_url(), FetchError::Timeout(timeout))),
            };
            inner.complete(result);
            guard.disarm();
        });
        Some(receiver)
    }

    fn current_url(&self) -> String {
        self.current_url_locked(&self.lock())
    }

    async fn fetch(&self, endpoint: Option<Endpoint>) -> Result<Fetched, (String, FetchError)> {
        let endpoint = match (endpoint, &self.target) {
            (Some(endpoint), _) => endpoint,
            (None, Target::Issuer { issuer, discovery }) => {
                self.discover(issuer, discovery).await.map_err(|e| (discovery.shown.clone(), e))?
            }
            (None, Target::Jwks(endpoint)) => endpoint.clone(),
        };
        let fail = |e| (endpoint.shown.clone(), e);
        let response = self.client.get(&endpoint).await.map_err(fail)?;
        let digest: [u8; 32] = Sha256::digest(&response.body).into();
        let document: Value =
            serde_json::from_slice(&response.body).map_err(|_| fail(FetchError::NotJson))?;
        let entries = document
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| fail(FetchError::NotJwks))?;
        let mut keys = Vec::new();
        let mut skipped = Vec::new();
        for (index, entry) in entries.iter().enumerate() {
            match Key::from_jwk(entry) {
                Ok(key) => keys.push(key),
                Err(e) => {
                    let kid = entry.get("kid").and_then(Value::as_str).map(printable);
                    skipped.push((index, kid, e));
                }
            }
        }
        if keys.is_empty() {
            return Err(fail(FetchError::NoUsableKey { skipped: skipped.len() }));
        }
        Ok(Fetched { endpoint, set: KeySet::new(keys), skipped, digest, max_age: response.max_age })
    }

    /// The `jwks_uri` of the issuer's discovery document.
    async fn discover(&self, issuer: &str, discovery: &Endpoint) -> Result<Endpoint, FetchError> {
        let response = self.client.get(discovery).await?;
        let document: Value =
            serde_json::from_slice(&response.body).map_err(|_| FetchError::NotJson)?;
        let stated = document
            .get("issuer")
            .and_then(Value::as_str)
            .ok_or_else(|| FetchError::Discovery("no `issuer` in the document".into()))?;
        if stated.trim_end_matches('/') != issuer.trim_end_matches('/') {
            return Err(FetchError::Discovery(format!(
                "the document names issuer `{}`, not `{}`",
                printable(stated),
                printable(issuer)
            )));
        }
        let jwks_uri = document
            .get("jwks_uri")
            .and_then(Value::as_str)
            .ok_or_else(|| FetchError::Discovery("no `jwks_uri` in the document".into()))?;
        http::endpoint(jwks_uri, self.config.allow_http)
            .map_err(|e| FetchError::Discovery(format!("`jwks_uri`: {e}")))
    }

    /// Records a fetch's outcome and wakes its waiters.
    fn complete(&self, result: Result<Fetched, (String, FetchError)>) {
        let now = Instant::now();
        let mut state = self.lock();
        state.in_flight = false;
        state.fetches += 1;
        match result {
            Ok(fetched) => {
                let url = fetched.endpoint.shown.clone();
                if state.digest != Some(fetched.digest) {
                    for (index, kid, reason) in &fetched.skipped {
                        tracing::warn!(
                            target: TARGET,
                            url = %url,
                            index,
                            kid = ?kid,
                            reason = %reason,
                            "JWK skipped: not a usable verification key"
                        );
                    }
                    let keys = fetched.set.keys().len();
                    self.handle.store(fetched.set);
                    tracing::info!(target: TARGET, url = %url, keys, skipped = fetched.skipped.len(), "JWKS loaded");
                }
                let recovered = state.last_error.take().is_some();
                if recovered {
                    tracing::info!(target: TARGET, url = %url, failures = state.failures, "JWKS fetch succeeded again");
                }
                state.jwks = Some(fetched.endpoint);
                state.digest = Some(fetched.digest);
                state.skipped = fetched.skipped.len();
                state.last_success = Some((now, SystemTime::now()));
                state.failures = 0;
                state.expired = false;
                state.refresh_after = fetched
                    .max_age
                    .unwrap_or(self.config.refresh_interval)
                    .clamp(self.config.refresh_min, self.config.refresh_max);
                state.negative.clear();
            }
            Err((url, reason)) => {
                state.failures = state.failures.saturating_add(1);
                let keys = self.handle.load().keys().len();
                if state.failures == 1 {
                    tracing::warn!(
                        target: TARGET,
                        url = %url,
                        reason = %reason,
                        keys,
                        "JWKS fetch failed; cached keys stay in use"
                    );
                } else {
                    tracing::debug!(target: TARGET, url = %url, reason = %reason, failures = state.failures, "JWKS fetch failed again");
                }
                state.last_error = Some((url, reason));
                self.expire_if_stale(&mut state, now);
            }
        }
        self.done.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Drops the keys once the stale period has passed without a success.
    fn expire_if_stale(&self, state: &mut State, now: Instant) {
        if state.expired || state.last_error.is_none() {
            return;
        }
        let Some((success, _)) = state.last_success else { return };
        if now.duration_since(success) < self.config.max_stale {
            return;
        }
        state.expired = true;
        state.digest = None;
        self.handle.store(KeySet::default());
        tracing::error!(
            target: TARGET,
            url = %self.current_url_locked(state),
            max_stale = ?self.config.max_stale,
            "JWKS stale period passed without a successful fetch: keys dropped, every token is refused"
        );
    }

    fn current_url_locked(&self, state: &State) -> String {
        match (&state.jwks, &self.target) {
            (Some(endpoint), _) => endpoint.shown.clone(),
            (None, Target::Jwks(e) | Target::Issuer { discovery: e, .. }) => e.shown.clone(),
        }
    }

    /// When the background task should act next: the next refresh (or
    /// retry, backing off), or the end of the stale period.
    fn next_due(&self, state: &State, now: Instant) -> Instant {
        let Some((attempt, _)) = state.last_attempt else { return now };
        let wait = if state.last_error.is_some() {
            let doubling = 2u32.saturating_pow(state.failures.saturating_sub(1).min(16));
            self.config.min_interval.saturating_mul(doubling).min(self.config.max_retry)
        } else {
            state.refresh_after
        };
        // A floor, so zero intervals cannot make the task spin.
        let mut due = attempt.checked_add(wait.max(MIN_WAIT));
        if let (false, Some(_), Some((success, _))) =
            (state.expired, &state.last_error, state.last_success)
            && let Some(end) = success.checked_add(self.config.max_stale)
        {
            due = Some(due.map_or(end, |d| d.min(end)));
        }
        // A due time beyond what `Instant` can hold: about never.
        due.unwrap_or_else(|| now + Duration::from_secs(365 * 24 * 60 * 60))
    }
}

/// Resets `in_flight` and wakes waiters if a fetch task is dropped before it
/// completes (runtime shutdown), so later callers are not stuck behind it.
struct InFlight {
    inner: Arc<Inner>,
    armed: bool,
}

impl InFlight {
    fn disarm(&mut self) {
        self.armed = false;
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.armed {
            self.inner.lock().in_flight = false;
            self.inner.done.send_modify(|n| *n = n.wrapping_add(1));
        }
    }
}

/// The background refresh: sleeps until the next refresh, retry or stale
/// deadline, or until any fetch ends (a failed one moves the next retry
/// earlier), holding only a `Weak` and a receiver, so it ends with the
/// [`RemoteJwks`].
async fn background(inner: Weak<Inner>, mut fetched: watch::Receiver<u64>) {
    loop {
        let Some(strong) = inner.upgrade() else { return };
        fetched.borrow_and_update();
        let now = Instant::now();
        let due = {
            let mut state = strong.lock();
            strong.expire_if_stale(&mut state, now);
            strong.next_due(&state, now)
        };
        let wait = if due <= now {
            // Starts a fetch, or joins the one in flight; either way
            // `fetched` sees its end.
            let _ = strong.begin_fetch(false);
            tokio::time::Instant::now() + strong.config.timeout
        } else {
            due.into()
        };
        drop(strong);
        if let Ok(Err(_)) = tokio::time::timeout_at(wait, fetched.changed()).await {
            return;
        }
    }
}

/// A `kid` or issuer from a document, safe to log: at most 64 characters,
/// no control characters.
fn printable(text: &str) -> String {
    text.chars().take(64).map(|c| if c.is_control() { '?' } else { c }).collect()
}

//! `RemoteJwks` against a scripted JWKS server on 127.0.0.1 (an axum router
//! on a listener the test controls): verification through the verifier,
//! rotation, the unknown-`kid` flood, outages of every kind, degraded and
//! fail-fast starts, transport rules, discovery, background refresh.
//!
//! Short intervals; no assertion about speed, only upper bounds on waits
//! (the fetch timeout plus a generous margin).
#![cfg(feature = "jwks")]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use warden::Auth;
use warden::jwt::{
    FetchError, JwksError, JwtError, RemoteJwks, RemoteJwksBuilder, SigningKey, Verifier,
};

use crate::support::{app_with, get_bearer};

const TIMEOUT: Duration = Duration::from_millis(600);
const MIN_INTERVAL: Duration = Duration::from_millis(300);
/// Slack for a loaded 2-core machine on top of the fetch timeout.
const MARGIN: Duration = Duration::from_millis(1500);

// --- the scripted JWKS server ---------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Mode {
    Normal,
    /// 503 Service Unavailable.
    Unavailable,
    /// Answers after 3 s, well past the client's timeout.
    Slow,
    /// 200 with an HTML page.
    Garbage,
    /// 200 with 300 KiB of valid JSON (over the 256 KiB default cap).
    Oversized,
    /// 200 with JSON that is not a JWK Set.
    NoKeys,
    /// 302 to this URL.
    Redirect(String),
}

struct Script {
    mode: Mode,
    keys: Vec<Value>,
    cache_control: Option<String>,
    issuer: Option<String>,
    jwks_uri: Option<String>,
}

struct ServerState {
    script: Mutex<Script>,
    fetches: AtomicUsize,
    active: AtomicUsize,
}

struct JwksServer {
    addr: SocketAddr,
    state: Arc<ServerState>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl JwksServer {
    async fn start(keys: Vec<Value>) -> JwksServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let state = Arc::new(ServerState {
            script: Mutex::new(Script {
                mode: Mode::Normal,
                keys,
                cache_control: None,
                issuer: None,
                jwks_uri: None,
            }),
            fetches: AtomicUsize::new(0),
            active: AtomicUsize::new(0),
        });
        let addr = listener.local_addr().unwrap();
        let server = JwksServer { addr, state, task: Mutex::new(None) };
        server.serve(listener);
        server
    }

    /// A server that will listen on `addr` once [`restart`](Self::restart)ed.
    fn stopped_at(addr: SocketAddr, keys: Vec<Value>) -> JwksServer {
        let state = Arc::new(ServerState {
            script: Mutex::new(Script {
                mode: Mode::Normal,
                keys,
                cache_control: None,
                issuer: None,
                jwks_uri: None,
            }),
            fetches: AtomicUsize::new(0),
            active: AtomicUsize::new(0),
        });
        JwksServer { addr, state, task: Mutex::new(None) }
    }

    /// The same server over TLS, with a certificate for 127.0.0.1 issued by
    /// [`TEST_CA`].
    #[cfg(feature = "aws-lc")]
    async fn start_tls(keys: Vec<Value>) -> JwksServer {
        use hyper_util::rt::{TokioExecutor, TokioIo};
        use hyper_util::service::TowerToHyperService;
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = JwksServer::stopped_at(listener.local_addr().unwrap(), keys);
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from_pem_slice(SERVER_CERT.as_bytes()).unwrap()],
                PrivateKeyDer::from_pem_slice(SERVER_KEY.as_bytes()).unwrap(),
            )
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let app = Router::new().fallback(answer).with_state(server.state.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (acceptor, app) = (acceptor.clone(), app.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(stream).await else { return };
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), TowerToHyperService::new(app))
                        .await;
                });
            }
        });
        *server.task.lock().unwrap() = Some(task);
        server
    }

    fn serve(&self, listener: TcpListener) {
        let app = Router::new().fallback(answer).with_state(self.state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        *self.task.lock().unwrap() = Some(task);
    }

    /// Closes the listener: connections are refused.
    fn stop(&self) {
        if let Some(task) = self.task.lock().unwrap().take() {
            task.abort();
        }
    }

    async fn restart(&self) {
        let listener = TcpListener::bind(self.addr).await.unwrap();
        self.serve(listener);
    }

    fn url(&self) -> String {
        format!("http://{}/jwks.json", self.addr)
    }

    fn issuer(&self) -> String {
        format!("http://{}/realm", self.addr)
    }

    fn script(&self) -> std::sync::MutexGuard<'_, Script> {
        self.state.script.lock().unwrap()
    }

    fn set_mode(&self, mode: Mode) {
        self.script().mode = mode;
    }

    fn set_keys(&self, keys: Vec<Value>) {
        self.script().keys = keys;
    }

    fn fetches(&self) -> usize {
        self.state.fetches.load(Ordering::SeqCst)
    }

    fn active(&self) -> usize {
        self.state.active.load(Ordering::SeqCst)
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.stop();
    }
}

struct Active(Arc<ServerState>);

impl Drop for Active {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn answer(State(state): State<Arc<ServerState>>, uri: Uri) -> Response {
    let mut response = match uri.path() {
        "/jwks.json" => jwks(state).await,
        "/realm/.well-known/openid-configuration" => {
            let script = state.script.lock().unwrap();
            axum::Json(json!({
                "issuer": script.issuer,
                "jwks_uri": script.jwks_uri,
                "id_token_signing_alg_values_supported": ["RS256"],
            }))
            .into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    };
    // No keep-alive: a stopped server refuses at once, pooled or not.
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

async fn jwks(state: Arc<ServerState>) -> Response {
    state.fetches.fetch_add(1, Ordering::SeqCst);
    state.active.fetch_add(1, Ordering::SeqCst);
    let _active = Active(state.clone());
    let (mode, keys, cache_control) = {
        let script = state.script.lock().unwrap();
        (script.mode.clone(), script.keys.clone(), script.cache_control.clone())
    };
    match mode {
        Mode::Normal | Mode::Slow => {
            if mode == Mode::Slow {
                tokio::time::sleep(Duration::from_secs(3)).await;
            }
            let mut response = axum::Json(json!({ "keys": keys })).into_response();
            if let Some(value) = cache_control {
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_str(&value).unwrap());
            }
            response
        }
        Mode::Unavailable => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        Mode::Garbage => "<html>maintenance</html>".into_response(),
        Mode::Oversized => {
            axum::Json(json!({ "keys": keys, "padding": "x".repeat(300 * 1024) })).into_response()
        }
        Mode::NoKeys => axum::Json(json!({ "kes": keys })).into_response(),
        Mode::Redirect(to) => (StatusCode::FOUND, [(header::LOCATION, to)]).into_response(),
    }
}

/// Answers every connection with a chunked body of `len` bytes (no
/// `Content-Length`), written on the raw socket.
async fn chunked_server(len: usize) -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    if stream.readable().await.is_err() {
                        return;
                    }
                    match stream.try_read(&mut buf) {
                        Ok(0) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                        Err(_) => return,
                    }
                }
                let mut out = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                    transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
                    .to_vec();
                let chunk = vec![b' '; 16 * 1024];
                let mut sent = 0;
                while sent < len {
                    out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                    out.extend_from_slice(&chunk);
                    out.extend_from_slice(b"\r\n");
                    sent += chunk.len();
                }
                out.extend_from_slice(b"0\r\n\r\n");
                let mut written = 0;
                while written < out.len() {
                    if stream.writable().await.is_err() {
                        return;
                    }
                    match stream.try_write(&out[written..]) {
                        Ok(n) => written += n,
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                        Err(_) => return,
                    }
                }
            });
        }
    });
    (addr, task)
}

/// Test-only CA (EC P-256, `openssl req -x509`, valid until 2126) and the
/// certificate it issued for `IP:127.0.0.1`, with its key. They protect
/// nothing outside these tests.
#[cfg(feature = "aws-lc")]
const TEST_CA: &str = "-----BEGIN CERTIFICATE-----
MIIBmjCCAT+gAwIBAgIUREH1gBavp+jUt+OOSOmXqfSlU10wCgYIKoZIzj0EAwIw
GTEXMBUGA1UEAwwOd2FyZGVuIHRlc3QgQ0EwIBcNMjYxMTMwMTIxNTA0WhgPMjEy
NjExMDYxMjE1MDRaMBkxFzAVBgNVBAMMDndhcmRlbiB0ZXN0IENBMFkwEwYHKoZI
zj0CAQYIKoZIzj0DAQcDQgAEzoUUV7or+PK/XeaEUwW5U98C/kdpnLZ+JmY4mDn9
Ajgxs9zqVdM5E/0e1KR1rMofu76lmCaubYIdTMg4Pw9yQ6NjMGEwHQYDVR0OBBYE
FL+YVxfKWfkaTVqmRecUfSu8S5mUMB8GA1UdIwQYMBaAFL+YVxfKWfkaTVqmRecU
fSu8S5mUMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgIEMAoGCCqGSM49
BAMCA0kAMEYCIQDu7hgEvcGGSi0GkYml81voT74FdQA83C4uSzehEDO/JwIhAI15
tl90TJzy/RldAlOFdbjx9FZcv4E5uVFpsyyIQ55F
-----END CERTIFICATE-----
";
#[cfg(feature = "aws-lc")]
const SERVER_CERT: &str = "-----BEGIN CERTIFICATE-----
MIIBuDCCAV+gAwIBAgIUFzTprWaopPcKw+I/sZnuWSrXne8wCgYIKoZIzj0EAwIw
GTEXMBUGA1UEAwwOd2FyZGVuIHRlc3QgQ0EwIBcNMjYxMTMwMTIxNTA0WhgPMjEy
NjExMDYxMjE1MDRaMBQxEjAQBgNVBAMMCTEyNy4wLjAuMTBZMBMGByqGSM49AgEG
CCqGSM49AwEHA0IABGfhYEXE/hMpfbOxbntgMU6THzdJ5zMBGxdDbkbncOXLucQC
s+W2cK2JD5NQR74klZiQLsQWNviSY7sQ0tmbMcOjgYcwgYQwDwYDVR0RBAgwBocE
fwAAATAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB/wQEAwIHgDATBgNVHSUEDDAKBggr
BgEFBQcDATAdBgNVHQ4EFgQUOzOhiBVOsLX/IBy3mTSbfK73FFMwHwYDVR0jBBgw
FoAUv5hXF8pZ+RpNWqZF5xR9K7xLmZQwCgYIKoZIzj0EAwIDRwAwRAIgWggL95hM
S0okH+3/xiHF6HxkUjPAmRuiN+snTIsRN3cCIERZIR7c0IXLh6xeOMwQPSL7t2Kh
T2hGzT/kkM0iNJ4B
-----END CERTIFICATE-----
";
#[cfg(feature = "aws-lc")]
const SERVER_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgGjkEgEHu74JqtNGt
6g3wgmVw1s7JdGLlJMATNSf+jGqhRANCAARn4WBFxP4TKX2zsW57YDFOkx83Secz
ARsXQ25G53Dly7nEArPltnCtiQ+TUEe+JJWYkC7EFjb4kmO7ENLZmzHD
-----END PRIVATE KEY-----
";

/// An address nothing listens on (bound, then released).
async fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap()
}

// --- keys and tokens ---------------------------------------------------------

fn signing(file: &str, kid: &str) -> SigningKey {
    let path = format!("{}/tests/it/keys/{file}", env!("CARGO_MANIFEST_DIR"));
    SigningKey::from_pem(&std::fs::read(path).unwrap(), None).unwrap().with_kid(kid)
}

fn jwk(key: &SigningKey) -> Value {
    key.public_jwk().unwrap()
}

fn token(key: &SigningKey) -> String {
    key.sign(json!({"sub": "ada", "data": {"permissions": ["read"]}})).unwrap()
}

/// An RS256 token naming `kid`, with a signature that never verifies.
fn made_up(kid: &str) -> String {
    let header = B64.encode(json!({"alg": "RS256", "kid": kid}).to_string());
    let payload = B64.encode(br#"{"sub":"mallory"}"#);
    format!("{header}.{payload}.{}", B64.encode([7u8; 256]))
}

fn tampered(token: &str) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut signature = B64.decode(&parts[2]).unwrap();
    signature[0] ^= 1;
    parts[2] = B64.encode(signature);
    parts.join(".")
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

async fn verify(verifier: &Verifier, token: &str) -> Result<(), JwtError> {
    verifier.verify_refreshing(token, now()).await.map(|_| ())
}

/// `verify`, and how long it took.
async fn timed(verifier: &Verifier, token: &str) -> (Result<(), JwtError>, Duration) {
    let start = Instant::now();
    let result = verify(verifier, token).await;
    (result, start.elapsed())
}

fn quick(url: &str) -> RemoteJwksBuilder {
    RemoteJwks::builder(url)
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_millis(300))
        .min_refetch_interval(MIN_INTERVAL)
        .refresh_interval(Duration::from_secs(60))
        .refresh_bounds(Duration::from_millis(200), Duration::from_secs(60))
        .max_retry_interval(Duration::from_millis(400))
}

fn verifier_for(remote: &Arc<RemoteJwks>) -> Verifier {
    Verifier::builder().key_source(remote.clone()).build().unwrap()
}

async fn start(url: &str) -> (Arc<RemoteJwks>, Verifier) {
    let remote = Arc::new(quick(url).fail_fast(true).start().await.unwrap());
    let verifier = verifier_for(&remote);
    (remote, verifier)
}

/// Polls `check` every 50 ms for up to 5 s.
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// --- tests -------------------------------------------------------------------

#[tokio::test]
async fn a_published_key_verifies_and_a_tampered_token_is_refused() {
    let key = signing("rsa.key", "k1");
    let server = JwksServer::start(vec![jwk(&key)]).await;
    let (remote, verifier) = start(&server.url()).await;

    let good = token(&key);
    assert_eq!(verify(&verifier, &good).await, Ok(()));
    let router = app_with(Auth::new(verifier.clone()));
    assert_eq!(get_bearer(&router, "/private/", &good).await.status, 200);
    let health = remote.health();
    assert!(health.is_healthy(), "{health:?}");
    assert_eq!((health.keys, health.skipped, health.fetches), (1, 0, 1));
    assert_eq!(health.url, server.url());
    assert_eq!(server.fetches(), 1, "a token that verifies never causes a fetch");

    // A failed signature may cause one (rate-limited) fetch: the provider
    // might have replaced the key under the same `kid`.
    assert_eq!(verify(&verifier, &tampered(&good)).await, Err(JwtError::BadSignature));
    assert_eq!(get_bearer(&router, "/private/", &tampered(&good)).await.status, 401);
    assert!(server.fetches() <= 2, "{} fetches", server.fetches());
}

#[tokio::test]
async fn one_bad_jwk_is_skipped_and_the_rest_used() {
    let ed = signing("ed25519.key", "ed");
    let es = signing("p256.key", "es");
    let mut encryption = jwk(&es);
    encryption["use"] = json!("enc");
    encryption["kid"] = json!("enc");
    let server = JwksServer::start(vec![
        json!(42),
        json!({"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"}),
        json!({"kty": "oct", "kid": "secret", "k": "c2VjcmV0"}),
        json!({"kty": "EC", "crv": "P-521", "kid": "p521", "x": "AA", "y": "AA"}),
        encryption,
        jwk(&ed),
        jwk(&es),
    ])
    .await;
    let (remote, verifier) = start(&server.url()).await;
    assert_eq!(verify(&verifier, &token(&ed)).await, Ok(()));
    assert_eq!(verify(&verifier, &token(&es)).await, Ok(()));
    let health = remote.health();
    assert_eq!((health.keys, health.skipped), (2, 5), "{health:?}");
    assert!(health.is_healthy());
}

#[tokio::test]
async fn rotation_while_requests_are_in_flight() {
    let old = signing("rsa.key", "old");
    let new = signing("rsa2.key", "new");
    let server = JwksServer::start(vec![jwk(&old)]).await;
    let (_remote, verifier) = start(&server.url()).await;
    assert_eq!(verify(&verifier, &token(&new)).await, Err(JwtError::UnknownKey));
    let before = server.fetches();

    // Old-kid traffic throughout the rotation.
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut traffic = JoinSet::new();
    for _ in 0..4 {
        let (verifier, token, stop) = (verifier.clone(), token(&old), stop.clone());
        let (ok, failed) = (ok.clone(), failed.clone());
        traffic.spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                match verify(&verifier, &token).await {
                    Ok(()) => ok.fetch_add(1, Ordering::SeqCst),
                    Err(_) => failed.fetch_add(1, Ordering::SeqCst),
                };
                tokio::task::yield_now().await;
            }
        });
    }

    // The IdP publishes the next key; past the rate limit, 20 concurrent
    // requests with the new kid share one refetch.
    server.set_keys(vec![jwk(&old), jwk(&new)]);
    tokio::time::sleep(MIN_INTERVAL).await;
    let mut rotated = JoinSet::new();
    for _ in 0..20 {
        let (verifier, token) = (verifier.clone(), token(&new));
        rotated.spawn(async move { verify(&verifier, &token).await });
    }
    while let Some(result) = rotated.join_next().await {
        assert_eq!(result.unwrap(), Ok(()));
    }
    let refetches = server.fetches() - before;
    stop.store(true, Ordering::SeqCst);
    while traffic.join_next().await.is_some() {}
    println!(
        "rotation: {refetches} refetch(es) for 20 new-kid requests; old kid {} ok, {} failed",
        ok.load(Ordering::SeqCst),
        failed.load(Ordering::SeqCst)
    );
    assert_eq!(refetches, 1);
    assert_eq!(failed.load(Ordering::SeqCst), 0, "old-kid tokens kept verifying");
    assert!(ok.load(Ordering::SeqCst) > 0);
    assert_eq!(verify(&verifier, &token(&old)).await, Ok(()), "old key still published");
}

#[tokio::test]
async fn a_kid_found_missing_is_accepted_within_the_interval_after_publication() {
    let old = signing("rsa.key", "old");
    let new = signing("rsa2.key", "new");
    let server = JwksServer::start(vec![jwk(&old)]).await;
    let (_remote, verifier) = start(&server.url()).await;
    tokio::time::sleep(MIN_INTERVAL).await;
    // Fetch #2 finds `new` missing: remembered for at most the interval.
    assert_eq!(verify(&verifier, &token(&new)).await, Err(JwtError::UnknownKey));
    assert_eq!(server.fetches(), 2);
    server.set_keys(vec![jwk(&old), jwk(&new)]);
    let (result, took) = timed(&verifier, &token(&new)).await;
    assert_eq!(result, Err(JwtError::UnknownKey), "negative cache, no fetch");
    assert!(took < TIMEOUT, "answered without waiting on a fetch: {took:?}");
    assert_eq!(server.fetches(), 2);
    tokio::time::sleep(MIN_INTERVAL).await;
    assert_eq!(verify(&verifier, &token(&new)).await, Ok(()));
    assert_eq!(server.fetches(), 3);
}

#[tokio::test]
async fn an_unknown_kid_flood_causes_at_most_one_fetch_per_interval() {
    let key = signing("rsa.key", "k1");
    let server = JwksServer::start(vec![jwk(&key)]).await;
    let (remote, verifier) = start(&server.url()).await;
    tokio::time::sleep(MIN_INTERVAL).await;

    for wave in 0..2 {
        let before = server.fetches();
        let mut flood = JoinSet::new();
        for i in 0..1000 {
            let verifier = verifier.clone();
            flood.spawn(async move {
                verify(&verifier, &made_up(&format!("made-up-{wave}-{i}"))).await
            });
        }
        let start = Instant::now();
        while let Some(result) = flood.join_next().await {
            assert_eq!(result.unwrap(), Err(JwtError::UnknownKey));
        }
        let fetches = server.fetches() - before;
        println!(
            "unknown-kid flood, wave {wave}: 1000 tokens in {:?}, {fetches} fetch(es)",
            start.elapsed()
        );
        assert!(fetches <= 1, "wave {wave}: {fetches} fetches");
        assert!(start.elapsed() < TIMEOUT + MARGIN);
    }
    assert_eq!(verify(&verifier, &token(&key)).await, Ok(()));
    assert!(remote.health().is_healthy());
    assert!(server.fetches() <= 3);
}

#[tokio::test]
async fn a_key_replaced_under_the_same_kid_is_fetched_for_its_first_token() {
    let before = signing("rsa.key", "k1");
    let after = signing("rsa2.key", "k1");
    let server = JwksServer::start(vec![jwk(&before)]).await;
    let remote = Arc::new(quick(&server.url()).fail_fast(true).start().await.unwrap());
    // With the verified-token cache: the old key's token, cached, must
    // stop verifying at once when the key is replaced.
    let verifier = Verifier::builder().key_source(remote.clone()).cache(16).build().unwrap();
    let router = app_with(Auth::new(verifier.clone()));
    assert_eq!(get_bearer(&router, "/private/", &token(&before)).await.status, 200);

    // The provider replaces the key and keeps its `kid`.
    server.set_keys(vec![jwk(&after)]);
    tokio::time::sleep(MIN_INTERVAL).await;
    assert_eq!(
        get_bearer(&router, "/private/", &token(&after)).await.status,
        200,
        "the new key's first token is refused: no fetch on a failed signature"
    );
    assert_eq!(server.fetches(), 2);
    // The old key is gone.
    assert_eq!(verify(&verifier, &token(&before)).await, Err(JwtError::BadSignature));
    assert_eq!(verify(&verifier, &token(&after)).await, Ok(()));
    assert!(remote.health().is_healthy());
}

#[tokio::test]
async fn a_kid_moved_to_another_key_type_is_fetched_for_its_first_token() {
    let rsa = signing("rsa.key", "k1");
    let ec = signing("p256.key", "k1");
    let server = JwksServer::start(vec![jwk(&rsa)]).await;
    let (_remote, verifier) = start(&server.url()).await;
    assert_eq!(verify(&verifier, &token(&rsa)).await, Ok(()));
    // `k1` is now an EC key: ES256 tokens under a `kid` the set knows as RSA.
    server.set_keys(vec![jwk(&ec)]);
    tokio::time::sleep(MIN_INTERVAL).await;
    assert_eq!(verify(&verifier, &token(&ec)).await, Ok(()), "no fetch for a known kid");
    assert_eq!(server.fetches(), 2);
}

#[tokio::test]
async fn forged_signatures_under_a_known_kid_are_held_to_the_refetch_interval() {
    let key = signing("rsa.key", "k1");
    let server = JwksServer::start(vec![jwk(&key)]).await;
    // The start's fetch opens an interval no test step outlasts: every
    // refetch a forged token asks for falls within it.
    let remote = Arc::new(
        quick(&server.url())
            .min_refetch_interval(Duration::from_secs(60))
            .fail_fast(true)
            .start()
            .await
            .unwrap(),
    );
    let verifier = verifier_for(&remote);
    let router = app_with(Auth::new(verifier.clone()));

    let mut flood = JoinSet::new();
    for _ in 0..300 {
        let verifier = verifier.clone();
        flood.spawn(async move { verify(&verifier, &made_up("k1")).await });
    }
    while let Some(result) = flood.join_next().await {
        assert_eq!(result.unwrap(), Err(JwtError::BadSignature));
    }
    for _ in 0..20 {
        assert_eq!(get_bearer(&router, "/private/", &made_up("k1")).await.status, 401);
    }
    assert_eq!(server.fetches(), 1, "forged signatures caused fetches within the interval");
    assert_eq!(verify(&verifier, &token(&key)).await, Ok(()));
    assert!(remote.health().is_healthy());
}

/// Switches the server to `mode` (or stops it), checks that cached keys keep
/// verifying, that no call waits past the timeout, and what health says;
/// then recovers.
async fn outage(mode: Option<Mode>, expected: &str) {
    let key = signing("rsa.key", "k1");
    let server = JwksServer::start(vec![jwk(&key)]).await;
    let (remote, verifier) = start(&server.url()).await;
    let good = token(&key);
    match &mode {
        Some(mode) => server.set_mode(mode.clone()),
        None => server.stop(),
    }
    tokio::time::sleep(MIN_INTERVAL).await;

    // An unknown kid triggers a fetch that fails; the call waits no longer
    // than the timeout. Meanwhile a known kid verifies at once.
    let unknown = {
        let verifier = verifier.clone();
        tokio::spawn(async move { timed(&verifier, &made_up("rotated-in?")).await })
    };
    if mode == Some(Mode::Slow) {
        eventually("the slow fetch to start", async || server.active() == 1).await;
        assert_eq!(verify(&verifier, &good).await, Ok(()));
        assert_eq!(server.active(), 1, "verified while the fetch was still in flight");
    }
    let (result, took) = unknown.await.unwrap();
    assert_eq!(result, Err(JwtError::UnknownKey));
    assert!(took <= TIMEOUT + MARGIN, "{expected}: waited {took:?}");
    for _ in 0..3 {
        let (result, took) = timed(&verifier, &good).await;
        assert_eq!(result, Ok(()), "{expected}: cached key refused");
        assert!(took < TIMEOUT, "{expected}: a known kid waited {took:?}");
    }

    // The caller stopped waiting at its timeout; the fetch records its own
    // failure at about the same moment, not necessarily before.
    eventually("the failed fetch to be recorded", async || remote.health().stale).await;
    let health = remote.health();
    assert!(health.stale && !health.is_healthy(), "{health:?}");
    assert_eq!(health.keys, 1);
    let error = health.last_error.unwrap();
    assert!(error.contains(expected), "{error:?} should mention {expected:?}");
    assert!(error.contains(&server.url()), "{error}");

    // Recovery: the background task retries (backing off to 400 ms).
    match mode {
        Some(_) => server.set_mode(Mode::Normal),
        None => server.restart().await,
    }
    eventually("health to recover", async || remote.health().is_healthy()).await;
    assert_eq!(remote.health().last_error, None);
    assert_eq!(verify(&verifier, &good).await, Ok(()));
    println!("outage ({expected}): {} fetches in all", server.fetches());
}

#[tokio::test]
async fn server_unavailable() {
    outage(Some(Mode::Unavailable), "HTTP 503").await;
}

#[tokio::test]
async fn server_down() {
    outage(None, "request failed").await;
}

#[tokio::test]
async fn slow_server() {
    outage(Some(Mode::Slow), "timed out").await;
}

#[tokio::test]
async fn garbage_body() {
    outage(Some(Mode::Garbage), "not JSON").await;
}

#[tokio::test]
async fn oversized_body() {
    outage(Some(Mode::Oversized), "exceeds 262144 bytes").await;
}

#[tokio::test]
async fn not_a_jwk_set() {
    outage(Some(Mode::NoKeys), "no `keys`").await;
}

#[tokio::test]
async fn oversized_chunked_body_without_length() {
    let (addr, server) = chunked_server(64 * 1024).await;
    let err = quick(&format!("http://{addr}/jwks.json"))
        .max_body_size(16 * 1024)
        .fail_fast(true)
        .start()
        .await
        .unwrap_err();
    assert!(matches!(&err, JwksError::Fetch { reason: FetchError::TooLarge(16384), .. }), "{err}");
    server.abort();
}

#[tokio::test]
async fn a_set_without_usable_keys_never_replaces_a_good_one() {
    let key = signing("rsa.key", "k1");
    let server = JwksServer::start(vec![jwk(&key)]).await;
    let (remote, verifier) = start(&server.url()).await;
    server.set_keys(vec![json!({"kty": "oct", "k": "c2VjcmV0"})]);
    tokio::time::sleep(MIN_INTERVAL).await;
    assert_eq!(verify(&verifier, &made_up("other")).await, Err(JwtError::UnknownKey));
    assert_eq!(server.fetches(), 2);
    assert_eq!(verify(&verifier, &token(&key)).await, Ok(()));
    let health = remote.health();
    assert!(health.last_error.unwrap().contains("no usable key in the JWK Set (1 skipped)"));
    assert_eq!(health.keys, 1);
}

#[tokio::test]
async fn degraded_start_refuses_tokens_until_keys_arrive() {
    let key = signing("rsa.key", "k1");
    let addr = free_addr().await;
    let server = JwksServer::stopped_at(addr, vec![jwk(&key)]);
    let remote = Arc::new(quick(&server.url()).start().await.expect("starts degraded"));
    let verifier = verifier_for(&remote);
    let router = app_with(Auth::new(verifier.clone()));
    let good = token(&key);

    let health = remote.health();
    assert_eq!((health.keys, health.stale, health.last_success), (0, true, None), "{health:?}");
    assert!(health.last_error.unwrap().contains("request failed"));
    let (result, took) = timed(&verifier, &good).await;
    assert!(
        matches!(result, Err(JwtError::UnknownKey | JwtError::AlgorithmNotAllowed)),
        "{result:?}"
    );
    assert!(took < TIMEOUT + MARGIN);
    assert_eq!(get_bearer(&router, "/private/", &good).await.status, 401);

    server.restart().await;
    eventually("keys from the background retry", async || verify(&verifier, &good).await.is_ok())
        .await;
    assert_eq!(get_bearer(&router, "/private/", &good).await.status, 200);
    assert!(remote.health().is_healthy());
}

#[tokio::test]
async fn fail_fast_start_names_the_url() {
    let url = format!("http://{}/jwks.json", free_addr().await);
    let err = quick(&url).fail_fast(true).start().await.unwrap_err();
    assert!(matches!(&err, JwksError::Fetch { reason: FetchError::Transport(_), .. }), "{err}");
    assert!(err.to_string().contains(&url), "{err}");

    // TLS is really spoken for https: a plain-HTTP server fails the handshake.
    let server = JwksServer::start(vec![]).await;
    let url = format!("https://{}/jwks.json", server.addr);
    let err = quick(&url).fail_fast(true).start().await.unwrap_err();
    assert!(matches!(&err, JwksError::Fetch { reason: FetchError::Transport(_), .. }), "{err}");

    let err = quick(&url).add_root_certificates("not a certificate").start().await.unwrap_err();
    assert!(matches!(err, JwksError::Tls(_)), "{err}");
}

#[cfg(feature = "aws-lc")]
#[tokio::test]
async fn https_with_a_private_root() {
    let key = signing("p256.key", "es");
    let server = JwksServer::start_tls(vec![jwk(&key)]).await;
    let url = format!("https://{}/jwks.json", server.addr);
    // The Mozilla roots do not know the test CA.
    let err = quick(&url).fail_fast(true).start().await.unwrap_err();
    assert!(err.to_string().contains("certificate"), "{err}");
    assert_eq!(server.fetches(), 0);

    let remote =
        Arc::new(quick(&url).add_root_certificates(TEST_CA).fail_fast(true).start().await.unwrap());
    assert_eq!(verify(&verifier_for(&remote), &token(&key)).await, Ok(()));
    assert_eq!(server.fetches(), 1);
    assert!(remote.health().is_healthy());
}

#[tokio::test]
async fn plain_http_to_a_remote_host_is_refused_without_opt_in() {
    for start in [
        RemoteJwks::builder("http://example.invalid/jwks.json").start(),
        RemoteJwks::discover("http://example.invalid").start(),
    ] {
        let err = start.await.unwrap_err();
        assert!(matches!(&err, JwksError::InsecureUrl { .. }), "{err}");
        assert!(err.to_string().contains("http://example.invalid"), "{err}");
    }
    let err = RemoteJwks::builder("ftp://127.0.0.1/jwks.json").start().await.unwrap_err();
    assert!(matches!(err, JwksError::InvalidUrl { .. }), "{err}");
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let key = signing("rsa.key", "k1");
    let elsewhere = JwksServer::start(vec![jwk(&key)]).await;
    let server = JwksServer::start(vec![]).await;
    server
        .set_mode(Mode::Redirect(format!("http://localhost:{}/jwks.json", elsewhere.addr.port())));
    let err = quick(&server.url()).fail_fast(true).start().await.unwrap_err();
    assert!(matches!(&err, JwksError::Fetch { reason: FetchError::Redirect(302), .. }), "{err}");
    assert_eq!((server.fetches(), elsewhere.fetches()), (1, 0));
}

#[tokio::test]
async fn oidc_discovery() {
    let key = signing("p256.key", "es");
    let server = JwksServer::start(vec![jwk(&key)]).await;
    {
        let mut script = server.script();
        script.issuer = Some(server.issuer());
        script.jwks_uri = Some(server.url());
    }
    let discovered = |issuer: &str| {
        RemoteJwks::discover(issuer)
            .timeout(TIMEOUT)
            .min_refetch_interval(MIN_INTERVAL)
            .fail_fast(true)
            .start()
    };
    let remote = Arc::new(discovered(&format!("{}/", server.issuer())).await.unwrap());
    assert_eq!(verify(&verifier_for(&remote), &token(&key)).await, Ok(()));
    assert_eq!(remote.health().url, server.url());

    server.script().issuer = Some("https://impostor.example".into());
    let err = discovered(&server.issuer()).await.unwrap_err();
    assert!(err.to_string().contains("impostor"), "{err}");
    server.script().issuer = Some(server.issuer());
    server.script().jwks_uri = Some("http://example.invalid/jwks.json".into());
    let fetches = server.fetches();
    let err = discovered(&server.issuer()).await.unwrap_err();
    assert!(
        matches!(&err, JwksError::Fetch { reason: FetchError::Discovery(why), .. } if why.contains("plain http")),
        "{err}"
    );
    assert_eq!(server.fetches(), fetches);
}

#[tokio::test]
async fn background_refresh_honours_max_age_and_stops_on_drop() {
    let key = signing("rsa.key", "k1");
    let server = JwksServer::start(vec![jwk(&key)]).await;
    server.script().cache_control = Some("public, max-age=1".into());
    let remote = quick(&server.url())
        .refresh_bounds(Duration::from_millis(100), Duration::from_secs(60))
        .start()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2600)).await;
    let fetches = server.fetches();
    println!("max-age=1: {fetches} fetches in 2.6 s");
    assert!((2..=5).contains(&fetches), "{fetches}");
    drop(remote);

    // A max-age above the upper bound is clamped to it.
    let server = JwksServer::start(vec![jwk(&key)]).await;
    server.script().cache_control = Some("max-age=86400".into());
    let remote = quick(&server.url())
        .refresh_bounds(Duration::from_millis(100), Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let fetches = server.fetches();
    println!("max-age=86400 within bounds of 300 ms: {fetches} fetches in 1.5 s");
    assert!(fetches >= 3, "{fetches}");

    drop(remote);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after_drop = server.fetches();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(server.fetches(), after_drop, "the background task ended with the RemoteJwks");
}

#[tokio::test]
async fn keys_expire_after_the_stale_period_and_come_back() {
    let key = signing("ed25519.key", "ed");
    let server = JwksServer::start(vec![jwk(&key)]).await;
    let remote = Arc::new(
        quick(&server.url())
            .refresh_interval(Duration::from_millis(200))
            .max_stale(Duration::from_millis(800))
            .fail_fast(true)
            .start()
            .await
            .unwrap(),
    );
    let verifier = verifier_for(&remote);
    let good = token(&key);
    server.set_mode(Mode::Unavailable);
    eventually("keys to be dropped", async || remote.health().keys == 0).await;
    let health = remote.health();
    assert!(health.stale && health.last_success.is_some(), "{health:?}");
    assert!(verify(&verifier, &good).await.is_err());

    server.set_mode(Mode::Normal);
    eventually("keys to come back", async || verify(&verifier, &good).await.is_ok()).await;
    assert!(remote.health().is_healthy());
}

#[tokio::test(flavor = "current_thread")]
async fn transitions_are_logged_without_key_material() {
    // A current-thread runtime: the fetch tasks run on this thread, under
    // this subscriber.
    let (captured, _guard) = crate::support::capture_logs(tracing::Level::INFO);

    let key = signing("rsa.key", "k1");
    let good = jwk(&key);
    let modulus = good["n"].as_str().unwrap().to_owned();
    let bad = json!({"kty": "RSA", "kid": "short", "n": "AQIDBAUGBwgJ-material", "e": "AQAB"});
    let server = JwksServer::start(vec![bad, good]).await;
    let (remote, verifier) = start(&server.url()).await;
    server.set_mode(Mode::Unavailable);
    tokio::time::sleep(MIN_INTERVAL).await;
    assert_eq!(verify(&verifier, &made_up("next")).await, Err(JwtError::UnknownKey));
    server.set_mode(Mode::Normal);
    eventually("recovery", async || remote.health().is_healthy()).await;

    let log = captured.text();
    for expected in [
        "warden::jwks",
        "JWK skipped",
        "kid=Some(\"short\")",
        "JWKS loaded",
        "JWKS fetch failed; cached keys stay in use",
        "HTTP 503",
        "JWKS fetch succeeded again",
    ] {
        assert!(log.contains(expected), "{expected:?} missing from:\n{log}");
    }
    assert!(!log.contains(&modulus) && !log.contains("material"), "key material logged:\n{log}");
}

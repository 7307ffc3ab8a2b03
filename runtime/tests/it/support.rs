//! Shared fixtures: an app with one route per policy, token minting, and a
//! request helper returning status, headers and JSON body.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use tower::ServiceExt;
use warden::jwt::{Algorithm, HmacSecret, Jwt, Verifier, VerifierBuilder};
use warden::{App, Auth, Claims, Json, route, routes};

pub(crate) const SECRET: &[u8; 64] =
    b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

pub(crate) fn secret() -> HmacSecret {
    HmacSecret::new(SECRET.to_vec())
}

#[route(get, "/public/", public)]
pub(crate) async fn public() -> Json<Value> {
    Json(json!({"public": true}))
}

#[route(get, "/me/", authenticated)]
async fn me(claims: Claims) -> Json<Value> {
    Json(json!({"sub": claims.get("sub")}))
}

#[route(get, "/private/", permissions = ["read"])]
async fn private() -> Json<Value> {
    Json(json!({"private": true}))
}

#[route(get, "/admin/", permissions = ["read", "admin"])]
async fn admin() -> Json<Value> {
    Json(json!({"admin": true}))
}

#[route(get, "/either/", permissions = any("admin", ["read", "write"]))]
async fn either() -> Json<Value> {
    Json(json!({"either": true}))
}

#[route(get, "/nested/", permissions = all("read", any("x", "y")))]
async fn nested() -> Json<Value> {
    Json(json!({"nested": true}))
}

warden::permissions! {
    /// Permissions declared once, named by routes.
    pub(crate) enum Perm {
        Audit = "audit",
    }
}

#[route(get, "/audit/", permissions = [Perm::Audit])]
async fn audit() -> Json<Value> {
    Json(json!({"audit": true}))
}

#[derive(Deserialize, warden::schemars::JsonSchema)]
#[schemars(crate = "warden::schemars")]
#[allow(dead_code)] // deserialized only
struct Model {
    name: String,
    size: u32,
}

#[route(post, "/models/", permissions = ["write"])]
async fn create_model(Json(model): Json<Model>) -> Json<Value> {
    Json(json!({"created": model.name}))
}

pub(crate) fn verifier() -> VerifierBuilder {
    Verifier::hmac(&secret()).with_algorithms([
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS512,
    ])
}

/// Auth with the test secret and `verifier`'s rules.
pub(crate) fn auth(verifier: VerifierBuilder) -> Auth {
    Auth::new(verifier.build().expect("valid verifier"))
}

pub(crate) fn app_with(auth: Auth) -> Router {
    App::new("Test", "1.0.0")
        .auth(auth.build().expect("valid auth config"))
        .routes(routes![public, me, private, admin, create_model, either, nested, audit])
        .build()
        .expect("valid table")
}

pub(crate) fn app() -> Router {
    app_with(auth(verifier()))
}

pub(crate) fn token(alg: Algorithm, claims: Value) -> String {
    Jwt::new(alg, claims).unwrap().encode(&secret()).unwrap()
}

pub(crate) fn token_with(permissions: &[&str]) -> String {
    token(Algorithm::HS256, json!({"sub": "ada", "data": {"permissions": permissions}}))
}

pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
}

impl Answer {
    pub(crate) fn www_authenticate(&self) -> &str {
        self.headers.get("www-authenticate").map_or("", |v| v.to_str().unwrap())
    }
}

pub(crate) async fn send(router: &Router, request: Request<Body>) -> Answer {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            panic!("{status}: body is not JSON: {:?}", String::from_utf8_lossy(&bytes))
        })
    };
    Answer { status, headers, body }
}

pub(crate) fn get(path: &str) -> axum::http::request::Builder {
    Request::get(path)
}

pub(crate) async fn get_with_header(router: &Router, path: &str, authorization: &str) -> Answer {
    send(router, get(path).header("authorization", authorization).body(Body::empty()).unwrap())
        .await
}

pub(crate) async fn get_bearer(router: &Router, path: &str, token: &str) -> Answer {
    get_with_header(router, path, &format!("Bearer {token}")).await
}

pub(crate) fn unauthorized_body() -> Value {
    json!({"status_code": 401, "detail": "Unauthorized", "error": null})
}

pub(crate) fn forbidden_body() -> Value {
    json!({"status_code": 403, "detail": "Insufficient permissions", "error": null})
}

/// Asserts a 401 for a bad token with the given exception and description,
/// and that the body does not echo the token.
pub(crate) fn assert_invalid_token(answer: &Answer, error: &str, description: &str, token: &str) {
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{:?}", answer.body);
    assert_eq!(
        answer.body,
        json!({"status_code": 401, "detail": {"error": error, "description": description}, "error": null})
    );
    assert_eq!(answer.www_authenticate(), r#"Bearer error="invalid_token""#);
    if token.len() > 8 {
        assert!(!answer.body.to_string().contains(token), "body echoes the token");
    }
}

/// Log events written to a buffer, for tests of what is logged.
#[derive(Clone, Default)]
pub(crate) struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Captures the events at `level` and above of this thread (tasks of a
/// current-thread runtime included) until the guard is dropped.
///
/// A second dispatch is kept for the whole process: while only one is
/// registered, tracing-core 0.1.36 caches "never" for a callsite that
/// another thread, with no subscriber, reaches first, and this thread then
/// misses its events (tokio-rs/tracing#3611). With two, it asks each.
pub(crate) fn capture_logs(level: tracing::Level) -> (Captured, tracing::subscriber::DefaultGuard) {
    static SECOND: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
    SECOND.get_or_init(|| tracing::Dispatch::new(tracing_subscriber::registry()));
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(level)
        .finish();
    (captured, tracing::subscriber::set_default(subscriber))
}

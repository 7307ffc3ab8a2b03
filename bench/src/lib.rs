//! The apps the benchmarks drive: one handler, served once through Warden and
//! once through the axum + `jsonwebtoken` middleware a user would write by
//! hand, plus Warden apps with 10, 100 and 1,000 protected routes.
//!
//! Shared by `benches/auth.rs` (criterion, wall time) and
//! `src/bin/count.rs` (run under callgrind, instruction counts).

pub mod asymmetric;
pub mod cases;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use warden::jwt::{HmacSecret, Jwt, Verifier};
use warden::{App, Auth, Json, route, routes};

/// The permission guarding `/private/info/`.
pub const PERMISSION: &str = "my-permission-name";
/// The protected path both apps serve.
pub const PRIVATE_PATH: &str = "/private/info/";
/// 32 bytes: HS256's minimum (RFC 7518 §3.2).
pub const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

/// The body of both info endpoints, as in `examples/src/jwt_api.rs`.
#[derive(Debug, Serialize, warden::schemars::JsonSchema)]
#[schemars(crate = "warden::schemars")]
pub struct Info {
    title: &'static str,
    description: &'static str,
    public: bool,
}

/// The body of the private endpoint.
pub fn private_info() -> Json<Info> {
    Json(Info {
        title: "JWT-protected API",
        description: "An API with public and private endpoints, protected with JWT",
        public: false,
    })
}

/// Info
///
/// Returns a brief description of the API, to anyone.
#[route(get, "/public/info/", public)]
pub async fn public_info() -> Json<Info> {
    Json(Info {
        title: "JWT-protected API",
        description: "An API with public and private endpoints, protected with JWT",
        public: true,
    })
}

/// Info
///
/// Returns a brief description of the API, to holders of `my-permission-name`.
/// The very same function is mounted in both apps.
#[route(get, "/private/info/", permissions = ["my-permission-name"])]
pub async fn protected_info() -> Json<Info> {
    private_info()
}

/// A token like the example's `/auth/` issues (`iss`, `iat`, `data.id`,
/// `data.permissions`), plus an `exp` an hour ahead so that both sides
/// validate one. Standard unpadded base64url, HS256.
pub fn token(permissions: &[&str]) -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_secs();
    let payload = serde_json::json!({
        "iss": "vortico",
        "iat": now,
        "exp": now + 3600,
        "data": {"id": "7c9e6679-7425-40de-944b-e07fc1f66e17", "permissions": permissions},
    });
    Jwt::new(warden::jwt::Algorithm::HS256, payload)
        .and_then(|jwt| jwt.encode(&HmacSecret::new(SECRET)))
        .expect("HS256 with a 32-byte secret signs")
}

/// `GET path`, with `Authorization: Bearer <token>` when a token is given.
pub fn request(path: &str, token: Option<&HeaderValue>) -> Request {
    let mut builder = Request::builder().uri(path);
    if let Some(value) = token {
        builder = builder.header(header::AUTHORIZATION, value);
    }
    builder.body(Body::empty()).expect("valid request")
}

/// `Bearer <token>` as a header value.
pub fn bearer(token: &str) -> HeaderValue {
    HeaderValue::try_from(format!("Bearer {token}")).expect("a JWT is a valid header value")
}

fn authenticator() -> warden::Authenticator {
    authenticator_with(|verifier| verifier)
}

fn authenticator_with(
    configure: impl FnOnce(warden::jwt::VerifierBuilder) -> warden::jwt::VerifierBuilder,
) -> warden::Authenticator {
    let verifier = configure(Verifier::hmac(&HmacSecret::new(SECRET)));
    Auth::new(verifier.build().expect("valid verifier")).build().expect("valid auth config")
}

/// The Warden app: the README's example, defaults everywhere.
pub fn warden_router() -> Router {
    warden_router_with(|verifier| verifier)
}

/// The Warden app, its verifier configured by `configure` (a cache, a
/// larger token limit).
pub fn warden_router_with(
    configure: impl FnOnce(warden::jwt::VerifierBuilder) -> warden::jwt::VerifierBuilder,
) -> Router {
    App::new("JWT-protected API", "1.0.0")
        .auth(authenticator_with(configure))
        .routes(routes![public_info, protected_info])
        .build()
        .expect("valid app")
}

/// A Warden app with `routes` (from [`scale`]) and nothing else.
pub fn warden_scaled(routes: Vec<warden::Routes>) -> Router {
    let mut app = App::new("Scale", "1.0.0").auth(authenticator());
    for chunk in routes {
        app = app.routes(chunk);
    }
    app.build().expect("valid app")
}

// ---------------------------------------------------------------------------
// The baseline: what a user writes by hand with axum and jsonwebtoken 11.

/// The claims, typed, as a user would declare them.
#[derive(Clone, Debug, Deserialize)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Issued at.
    pub iat: u64,
    /// Expiry.
    pub exp: u64,
    /// Application data.
    pub data: ClaimsData,
}

/// `data` of [`Claims`].
#[derive(Clone, Debug, Deserialize)]
pub struct ClaimsData {
    /// User id.
    pub id: String,
    /// Granted permissions.
    pub permissions: Vec<String>,
}

/// Built once, at startup, like Warden's verifier.
#[derive(Debug)]
pub struct JwtKeys {
    key: DecodingKey,
    validation: Validation,
}

impl JwtKeys {
    fn new(secret: &[u8]) -> Self {
        JwtKeys::with_key(DecodingKey::from_secret(secret), Algorithm::HS256)
    }

    /// `key` accepting `algorithm` only, no claim required (as the example):
    /// what `baseline_server` builds from its environment, for HS256 or a
    /// public key (RS256, ES256, EdDSA).
    pub fn with_key(key: DecodingKey, algorithm: Algorithm) -> Self {
        // jsonwebtoken needs its backend named when the workspace enables
        // both of its backends (`--all-features`); a user with one has none
        // of this.
        let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
            &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER,
        );
        let mut validation = Validation::new(algorithm);
        validation.required_spec_claims.clear();
        JwtKeys { key, validation }
    }
}

/// A JSON error like Warden's envelope, with `WWW-Authenticate`, so that
/// both sides answer the same bytes' worth of work.
fn reject(status: StatusCode, challenge: &'static str, detail: serde_json::Value) -> Response {
    let body = serde_json::json!({"status_code": status.as_u16(), "detail": detail, "error": null});
    (status, [(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge))], axum::Json(body))
        .into_response()
}

/// The hand-written middleware: bearer token, `jsonwebtoken::decode`,
/// permission check, claims into the request extensions.
async fn require_permission(
    State(keys): State<Arc<JwtKeys>>,
    mut req: Request,
    next: Next,
) -> Response {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(token) = token else {
        return reject(StatusCode::UNAUTHORIZED, "Bearer", "Unauthorized".into());
    };
    let claims = match jsonwebtoken::decode::<Claims>(token, &keys.key, &keys.validation) {
        Ok(data) => data.claims,
        Err(e) => {
            return reject(
                StatusCode::UNAUTHORIZED,
                r#"Bearer error="invalid_token""#,
                serde_json::json!({"error": "JWTDecodeException", "description": e.to_string()}),
            );
        }
    };
    if !claims.data.permissions.iter().any(|p| p == PERMISSION) {
        return reject(
            StatusCode::FORBIDDEN,
            r#"Bearer error="insufficient_scope", scope="my-permission-name""#,
            "Insufficient permissions".into(),
        );
    }
    req.extensions_mut().insert(claims);
    next.run(req).await
}

/// The same two routes, the same handlers, guarded by `require_permission`
/// mounted with `route_layer`.
pub fn baseline_router() -> Router {
    baseline_router_with(JwtKeys::new(SECRET))
}

/// [`baseline_router`] verifying with `keys` (the end-to-end benchmark's
/// server, `src/bin/baseline_server.rs`).
pub fn baseline_router_with(keys: JwtKeys) -> Router {
    let keys = Arc::new(keys);
    Router::new().route("/public/info/", get(public_info)).route(
        PRIVATE_PATH,
        get(protected_info).route_layer(middleware::from_fn_with_state(keys, require_permission)),
    )
}

/// 1,000 protected handlers `h0..h999` at `/scale/r{i}/info/`, generated by
/// `build.rs`, and `routes_10`, `routes_100`, `routes_1000`.
#[allow(missing_docs)]
pub mod scale {
    include!(concat!(env!("OUT_DIR"), "/scale.rs"));
}

/// The path in the middle of an app of `n` scaled routes.
pub fn scale_path(n: usize) -> String {
    format!("/scale/r{}/info/", n / 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;
    use tower::ServiceExt;

    async fn call(
        router: &Router,
        path: &str,
        token: Option<&HeaderValue>,
    ) -> (StatusCode, Vec<u8>) {
        let response = router.clone().oneshot(request(path, token)).await.unwrap();
        let status = response.status();
        (status, to_bytes(response.into_body(), usize::MAX).await.unwrap().to_vec())
    }

    /// The benchmark compares like with like: same statuses, same 200 body.
    #[tokio::test]
    async fn both_apps_answer_alike() {
        let (warden, baseline) = (warden_router(), baseline_router());
        let granted = bearer(&token(&[PERMISSION]));
        let lacking = bearer(&token(&["other"]));
        let w = call(&warden, PRIVATE_PATH, Some(&granted)).await;
        let b = call(&baseline, PRIVATE_PATH, Some(&granted)).await;
        assert_eq!(w.0, StatusCode::OK);
        assert_eq!(w, b);
        for (token, status) in
            [(None, StatusCode::UNAUTHORIZED), (Some(&lacking), StatusCode::FORBIDDEN)]
        {
            assert_eq!(call(&warden, PRIVATE_PATH, token).await.0, status);
            assert_eq!(call(&baseline, PRIVATE_PATH, token).await.0, status);
        }
    }

    #[tokio::test]
    async fn scaled_apps_serve_their_middle_route() {
        let granted = bearer(&token(&[PERMISSION]));
        for (n, routes) in
            [(10, scale::routes_10()), (100, scale::routes_100()), (1000, scale::routes_1000())]
        {
            let router = warden_scaled(routes);
            assert_eq!(
                call(&router, &scale_path(n), Some(&granted)).await.0,
                StatusCode::OK,
                "{n}"
            );
            assert_eq!(call(&router, &scale_path(n), None).await.0, StatusCode::UNAUTHORIZED);
        }
    }
}

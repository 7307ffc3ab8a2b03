//! The app of Flama's article "Protect your ML API with JWT authentication",
//! in Warden: a public endpoint, a private one behind `my-permission-name`,
//! and a sign-in endpoint that issues the token.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;
use warden::config::Configured;
use warden::jwt::{Algorithm, HmacSecret, SigningKey, Verifier};
use warden::{App, Auth, HttpError, Json, NoStore, Routes, route, routes};

/// `info.title` of the API.
pub const TITLE: &str = "JWT-protected API";
/// `info.version` of the API.
pub const VERSION: &str = "1.0.0";
/// `info.description` of the API.
pub const DESCRIPTION: &str = "An API with public and private endpoints, protected with JWT";
/// The permission guarding `/private/info/`.
pub const PERMISSION: &str = "my-permission-name";
/// The `iss` of issued tokens.
pub const ISSUER: &str = "vortico";
/// Lifetime of issued tokens: the article's `JWT_TOKEN_EXPIRATION`.
pub const TOKEN_EXPIRATION: Duration = Duration::from_secs(300);

/// Shared by the handlers: the key that signs tokens at `/auth/`.
///
/// axum clones the state for every request (public ones too), so the key
/// sits behind an `Arc`: a clone is a counter increment, not a copy of the
/// key.
#[derive(Clone, Debug)]
pub struct AppState {
    /// `None` when tokens come from an identity provider only.
    key: Option<Arc<SigningKey>>,
}

/// The body of both info endpoints.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Info {
    title: &'static str,
    description: &'static str,
    public: bool,
}

/// Info
///
/// Returns a brief description of the API, to anyone.
#[route(get, "/public/info/", public, tags = ["Public"])]
pub async fn public_info() -> Json<Info> {
    Json(Info { title: TITLE, description: DESCRIPTION, public: true })
}

/// Info
///
/// Returns a brief description of the API, to holders of `my-permission-name`.
#[route(get, "/private/info/", permissions = ["my-permission-name"], tags = ["Private"])]
pub async fn protected_info() -> Json<Info> {
    Json(Info { title: TITLE, description: DESCRIPTION, public: false })
}

/// Sign-in credentials. Like the article, any password is accepted.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Credentials {
    id: Uuid,
    #[allow(dead_code)] // accepted and ignored, as in the article
    password: Option<String>,
}

/// The sign-in answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SignedIn {
    id: Uuid,
    token: String,
}

/// Sign in
///
/// Issues a 300-second token granting `my-permission-name` to the given user id.
#[route(post, "/auth/", public, name = "signin", tags = ["Auth"])]
pub async fn signin(
    State(state): State<AppState>,
    Json(credentials): Json<Credentials>,
) -> Result<(NoStore, Json<SignedIn>), HttpError> {
    let now = now();
    let payload = json!({
        "iss": ISSUER,
        "iat": now,
        "exp": now + TOKEN_EXPIRATION.as_secs(),
        "data": {"id": credentials.id, "permissions": [PERMISSION]},
    });
    let Some(key) = &state.key else {
        return Err(HttpError::new(
            axum::http::StatusCode::NOT_IMPLEMENTED,
            "This deployment does not issue tokens: sign in with the identity provider",
        ));
    };
    let token = key.sign(payload).map_err(|_| {
        HttpError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "could not sign token")
    })?;
    Ok((NoStore, Json(SignedIn { id: credentials.id, token })))
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The app's routes and permission table.
pub fn routes() -> Routes<AppState> {
    routes![public_info, protected_info, signin]
}

/// The app with `secret` and Flama's defaults: HS256, HS384 and HS512 as far
/// as the secret is strong enough for them (weak secrets only with
/// `HmacSecret::allow_weak`, as Flama's demo secret has), `iss` unchecked,
/// no claim required.
pub fn app(secret: HmacSecret) -> Result<App<AppState>, warden::jwt::ConfigError> {
    let algorithms = [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512]
        .into_iter()
        .filter(|&alg| alg == Algorithm::HS256 || secret.can_serve(alg));
    let verifier = Verifier::hmac(&secret).with_algorithms(algorithms).build()?;
    Ok(app_with(Auth::new(verifier).build()?))
}

/// The app with a configuration read from the environment
/// ([`warden::config::AuthConfig::from_env`]).
pub fn app_configured(configured: &Configured) -> App<AppState> {
    app_with(configured.authenticator().clone())
}

fn app_with(auth: warden::Authenticator) -> App<AppState> {
    described().auth(auth)
}

/// The app without its auth configuration: enough to list the table and
/// write the document.
pub fn described() -> App<AppState> {
    App::new(TITLE, VERSION)
        .description(DESCRIPTION)
        // The one permission tokens grant: a route naming another fails
        // `build()`.
        .permissions([PERMISSION])
        .routes(routes())
}

/// `PREFIX`, when set and not empty.
pub fn prefix_from_env() -> Result<Option<String>, String> {
    Ok(crate::env::var("PREFIX")?.filter(|p| !p.is_empty()))
}

/// What `cargo run --example jwt_api -- routes` prints: the table, under
/// `prefix`, as text lines or (`json`) as [`warden::table_json`] does.
pub fn listing(prefix: Option<String>, json: bool) -> String {
    let mut app = described();
    if let Some(prefix) = prefix {
        app = app.prefix(prefix);
    }
    if json {
        serde_json::to_string_pretty(&app.table_json()).unwrap_or_default()
    } else {
        app.table_lines().join("\n")
    }
}

/// The handlers' shared state: signing with `key`.
pub fn state(key: SigningKey) -> AppState {
    AppState { key: Some(Arc::new(key)) }
}

/// The router with `secret` ([`app`]), signing HS256.
pub fn router(secret: HmacSecret) -> Result<axum::Router, Box<dyn std::error::Error>> {
    let state = state(SigningKey::hmac(secret.clone(), Algorithm::HS256)?);
    Ok(app(secret)?.build()?.with_state(state))
}

/// The router `cargo run --example jwt_api` serves: signing with the
/// configured key (`JWT_SIGNING_KEY`, else the HMAC secret), and serving the
/// public keys at `/.well-known/jwks.json` when they are asymmetric.
pub fn router_configured(
    configured: &Configured,
) -> Result<axum::Router, Box<dyn std::error::Error>> {
    let key = configured.signing_key().cloned().map(Arc::new);
    let mut app = app_configured(configured);
    let prefix = prefix_from_env()?;
    if let Some(prefix) = &prefix {
        app = app.prefix(prefix.clone());
    }
    if let Some(jwks) = configured.jwks() {
        app = app.jwks(&jwks);
    }
    let router = app.build().map_err(|e| match &prefix {
        Some(_) => format!("PREFIX: {e}"),
        None => e.to_string(),
    })?;
    Ok(router.with_state(AppState { key }))
}

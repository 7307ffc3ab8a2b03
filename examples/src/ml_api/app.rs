//! The HTTP side of the `ml_api` example: every endpoint declared with
//! `#[route]`, sessions with refresh rotation and logout, a sign-in rate
//! limit, and a WebSocket prediction stream.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use warden::session::{Delivery, Grant, LoggedOut, SessionConfig, Sessions, TokenPair};
use warden::ws::{PROTOCOL, SessionWatch};
use warden::{App, Authenticator, Claims, HttpError, Json, Routes, route, routes};

use super::limit::{Limited, SignInLimit};
use super::roles::Role;
use super::{IrisModel, ModelInfo, PredictRequest, Prediction, StoreError, User, UserStore};

/// `info.title` of the API.
pub const TITLE: &str = "Protected ML API";
/// `info.version` of the API.
pub const VERSION: &str = "1.0.0";

warden::permissions! {
    /// What tokens may grant; roles map onto these.
    pub enum Perm {
        /// List the served models.
        ModelRead = "model:read",
        /// Ask a model for predictions.
        ModelPredict = "model:predict",
        /// List and create users.
        UsersManage = "users:manage",
    }
}

/// Shared by the handlers.
#[derive(Clone)]
pub struct AppState {
    /// The accounts.
    pub users: UserStore,
    /// Issues, rotates and revokes tokens.
    pub sessions: Sessions,
    /// The iris classifier.
    pub model: Arc<IrisModel>,
    /// Failed sign-ins per username and client address.
    pub limit: Arc<dyn SignInLimit>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("sessions", &self.sessions).finish_non_exhaustive()
    }
}

/// Sign-in credentials.
#[derive(Deserialize, JsonSchema)]
pub struct Credentials {
    /// The account name.
    pub username: String,
    /// Its password.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).finish_non_exhaustive()
    }
}

/// The client's IP address, when served by `warden::Server` (which records
/// `ConnectInfo`); `unknown` in-process.
#[derive(Debug)]
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let addr = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        Ok(ClientAddr(addr.map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string())))
    }
}

fn unauthorized() -> HttpError {
    HttpError::new(StatusCode::UNAUTHORIZED, "Invalid username or password")
}

fn internal<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> HttpError {
    move |error| {
        tracing::error!(target: "ml_api", %error, "{what}");
        HttpError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal error")
    }
}

fn too_many(retry_after: Duration) -> Response {
    let mut response =
        HttpError::new(StatusCode::TOO_MANY_REQUESTS, "Too many failed sign-ins").into_response();
    let secs = retry_after.as_secs().max(1).to_string();
    if let Ok(value) = HeaderValue::from_str(&secs) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// What a user's tokens grant: the role's permissions in `data.permissions`
/// and the role in `data.roles` (Flama's layout).
pub fn grant(user: &User) -> Grant {
    let permissions: Vec<String> = user.permissions.iter().map(|p| (*p).to_owned()).collect();
    let mut claims = Map::new();
    claims.insert(
        "data".into(),
        json!({"username": user.username, "roles": {user.role.as_str(): permissions}}),
    );
    Grant { permissions, claims }
}

/// Sign in
///
/// Checks the password and issues an access/refresh pair, as JSON and as
/// cookies. Ten failed attempts for one username or one client address
/// within five minutes are answered 429 with `Retry-After`.
#[route(post, "/auth/signin/", public, tags = ["Auth"], responses(401 = "wrong username or password", 429 = "too many failed sign-ins"))]
pub async fn signin(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Json(credentials): Json<Credentials>,
) -> Result<(Delivery, Json<TokenPair>), Response> {
    let keys = [format!("user:{}", credentials.username.to_lowercase()), format!("addr:{client}")];
    match state.limit.check(&keys).await {
        Limited::Allowed => {}
        Limited::Blocked(retry_after) => return Err(too_many(retry_after)),
        Limited::Unavailable => {
            return Err(HttpError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Rate limit store unavailable",
            )
            .into_response());
        }
    }
    let user = state
        .users
        .verify(&credentials.username, &credentials.password)
        .await
        .map_err(|e| internal("sign-in check failed")(e).into_response())?;
    let Some(user) = user else {
        state.limit.failed(&keys).await;
        tracing::info!(target: "ml_api", "sign-in refused");
        return Err(unauthorized().into_response());
    };
    let pair = state
        .sessions
        .issue(&user.username, &grant(&user))
        .await
        .map_err(IntoResponse::into_response)?;
    Ok(pair.deliver())
}

/// A refresh token in a JSON body (the cookie is read first).
#[derive(Deserialize, JsonSchema, Default)]
#[serde(default)]
pub struct RefreshBody {
    /// The refresh token, when not in the `refresh_token` cookie.
    pub refresh_token: Option<String>,
}

impl std::fmt::Debug for RefreshBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefreshBody(<redacted>)")
    }
}

/// Refresh
///
/// Rotates the refresh token (from its cookie or the body): a new pair, the
/// presented token retired. Presenting a retired token revokes its whole
/// session.
#[route(post, "/auth/refresh/", public, tags = ["Auth"], responses(401 = "invalid, expired, reused or revoked refresh token"))]
pub async fn refresh(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Option<Json<RefreshBody>>,
) -> Result<(Delivery, Json<TokenPair>), HttpError> {
    let body = body.map(|Json(body)| body).unwrap_or_default();
    let token = state
        .sessions
        .refresh_token(&headers, body.refresh_token.as_deref())
        .map_err(|e| e.into_http())?;
    let pair = state.sessions.refresh(token).await.map_err(|e| e.into_http())?;
    Ok(pair.deliver())
}

/// Log out
///
/// Revokes the session on every replica, and clears the cookies. The access
/// token says which session; without one (it expired, and the browser
/// dropped its cookie), the refresh token does, from its cookie or the body.
#[route(post, "/auth/logout/", optional, tags = ["Auth"], status = 204, responses(400 = "neither an access token nor a refresh token", 401 = "invalid token (an expired access token too: send the refresh token alone)", 403 = "a cookie from another origin", 503 = "session store unavailable"))]
pub async fn logout(
    State(state): State<AppState>,
    claims: Option<Claims>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<LoggedOut, HttpError> {
    let sessions = &state.sessions;
    // With an access token the body is not read: clients that send none,
    // or an empty one with a JSON content type, log out as before.
    if let Some(claims) = claims {
        return sessions.logout(&claims).await.map_err(|e| e.into_http());
    }
    let body: RefreshBody = if body.iter().all(u8::is_ascii_whitespace) {
        RefreshBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|_| {
            HttpError::new(
                StatusCode::BAD_REQUEST,
                "The body is not a JSON object with a refresh_token",
            )
        })?
    };
    let token = sessions
        .refresh_token(&headers, body.refresh_token.as_deref())
        .map_err(|e| e.into_http())?;
    sessions.logout_refresh(token).await.map_err(|e| e.into_http())
}

/// The sessions `ml_api` runs: its cookies `Secure` when `secure` (clients
/// over https), the refresh cookie sent to all of `/auth/` (refresh and
/// logout), the issuer its title.
pub fn session_config(secure: bool) -> SessionConfig {
    SessionConfig {
        cookies: warden::session::CookieConfig {
            secure,
            refresh_path: "/auth/".into(),
            // Where it was sent before: cleared, so browsers do not keep both.
            former_refresh_paths: vec!["/auth/refresh/".into()],
            ..Default::default()
        },
        issuer: Some(TITLE.into()),
        ..SessionConfig::default()
    }
}

/// The caller.
#[derive(Serialize, JsonSchema, Debug)]
pub struct Me {
    /// The account name.
    pub username: String,
    /// Its roles.
    pub roles: Vec<String>,
    /// What the token grants.
    pub permissions: Vec<String>,
}

/// Me
///
/// The caller's username, roles and permissions, as the token says.
#[route(get, "/me/", authenticated, tags = ["Users"])]
pub async fn me(claims: Claims) -> Json<Me> {
    let roles = claims
        .pointer("/data/roles")
        .and_then(Value::as_object)
        .map(|r| r.keys().cloned().collect())
        .unwrap_or_default();
    Json(Me {
        username: claims.sub().unwrap_or_default().to_owned(),
        roles,
        // In the layout the app is configured with (`JWT_PERMISSIONS_CLAIM`).
        permissions: claims.permissions().into_iter().map(str::to_owned).collect(),
    })
}

/// List users
#[route(get, "/users/", permissions = [Perm::UsersManage], tags = ["Users"])]
pub async fn list_users(State(state): State<AppState>) -> Result<Json<Vec<User>>, HttpError> {
    state.users.list().await.map(Json).map_err(internal("listing users failed"))
}

/// A new account.
#[derive(Deserialize, JsonSchema)]
pub struct NewUser {
    /// 1–64 characters of `A-Z a-z 0-9 _ . -`.
    pub username: String,
    /// At least 12 characters.
    pub password: String,
    /// `viewer`, `analyst` or `admin`.
    pub role: String,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// Create a user
#[route(post, "/users/", permissions = [Perm::UsersManage], tags = ["Users"], status = 201, responses(409 = "the username is taken"))]
pub async fn create_user(
    State(state): State<AppState>,
    Json(new): Json<NewUser>,
) -> Result<(StatusCode, Json<User>), HttpError> {
    let role: Role = new.role.parse().map_err(|e: super::UnknownRole| {
        HttpError::with_detail(
            StatusCode::BAD_REQUEST,
            json!({"error": "InvalidBody", "field": "role", "description": e.to_string()}),
        )
    })?;
    match state.users.create_user(&new.username, &new.password, role).await {
        Ok(user) => Ok((StatusCode::CREATED, Json(user))),
        Err(StoreError::UsernameTaken) => {
            Err(HttpError::new(StatusCode::CONFLICT, "Username is taken"))
        }
        Err(e @ StoreError::InvalidUsername) => Err(invalid("username", &e)),
        Err(e @ (StoreError::WeakPassword | StoreError::PasswordTooLong)) => {
            Err(invalid("password", &e))
        }
        Err(e) => Err(internal("creating a user failed")(e)),
    }
}

fn invalid(field: &str, error: &dyn std::fmt::Display) -> HttpError {
    HttpError::with_detail(
        StatusCode::BAD_REQUEST,
        json!({"error": "InvalidBody", "field": field, "description": error.to_string()}),
    )
}

/// Models
///
/// The served models with their metadata and training accuracy.
#[route(get, "/models/", permissions = [Perm::ModelRead], tags = ["Models"])]
pub async fn models(State(state): State<AppState>) -> Json<Vec<ModelInfo>> {
    Json(vec![state.model.info().clone()])
}

/// Predict
///
/// Classifies one iris flower from its four measurements (cm).
#[route(post, "/models/iris/predict/", permissions = [Perm::ModelPredict], tags = ["Models"])]
pub async fn predict(
    State(state): State<AppState>,
    Json(request): Json<PredictRequest>,
) -> Result<Json<Prediction>, HttpError> {
    state.model.predict(&request.features).map(Json).map_err(|e| invalid(e.field(), &e))
}

/// Prediction stream
///
/// A WebSocket: each text message `{"features": [...]}` gets one
/// prediction back. Closed with 1008 when the token expires or is revoked.
#[route(get, "/models/iris/stream/", permissions = [Perm::ModelPredict], tags = ["Models"])]
pub async fn stream(
    State(state): State<AppState>,
    upgrade: WebSocketUpgrade,
    watch: SessionWatch,
) -> Response {
    let model = state.model.clone();
    upgrade.protocols([PROTOCOL]).on_upgrade(move |socket| {
        serve_stream(socket, model, watch.poll_every(Duration::from_secs(1)))
    })
}

async fn serve_stream(mut socket: WebSocket, model: Arc<IrisModel>, watch: SessionWatch) {
    let ended = watch.ended();
    tokio::pin!(ended);
    loop {
        tokio::select! {
            reason = &mut ended => {
                let _ = socket.send(Message::Close(Some(reason.close_frame()))).await;
                return;
            }
            message = socket.recv() => {
                let reply = match message {
                    Some(Ok(Message::Text(text))) => match serde_json::from_str::<PredictRequest>(&text) {
                        Ok(request) => match model.predict(&request.features) {
                            Ok(prediction) => serde_json::to_string(&prediction).unwrap_or_default(),
                            Err(e) => json!({"error": "InvalidBody", "field": e.field(), "description": e.to_string()}).to_string(),
                        },
                        Err(_) => json!({"error": "InvalidBody", "field": "features", "description": "expected {\"features\": [4 numbers]}"}).to_string(),
                    },
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                    Some(Ok(_)) => continue,
                };
                if socket.send(Message::Text(reply.into())).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// The app's routes and permission table.
pub fn routes() -> Routes<AppState> {
    routes![signin, refresh, logout, me, list_users, create_user, models, predict, stream]
}

/// The app: every permission the table names is one of [`Perm`].
pub fn app(auth: Authenticator) -> App<AppState> {
    App::new(TITLE, VERSION)
        .description(
            "An iris classifier behind users, roles, refreshable sessions and a WebSocket stream",
        )
        .auth(auth)
        .permissions(Perm::ALL)
        .routes(routes())
}

/// Everything the example needs to serve, from its configuration.
#[derive(Debug)]
pub struct Setup {
    /// The router, with state.
    pub router: axum::Router,
    /// The shared state, for tests and bootstrap.
    pub state: AppState,
}

/// The parts [`setup`] assembles.
#[allow(missing_debug_implementations)] // holds trait objects
pub struct SetupParts {
    /// The accounts.
    pub users: UserStore,
    /// The auth configuration (keys, claims rules).
    pub configured: warden::config::Configured,
    /// Where sessions live.
    pub store: Arc<dyn warden::session::SessionStore>,
    /// Failed sign-ins.
    pub limit: Arc<dyn SignInLimit>,
    /// Lifetimes and cookies.
    pub session_config: warden::session::SessionConfig,
}

/// Builds the router: sessions signed with the configured key, the store
/// asked on every protected request (fail-closed), the model trained.
pub async fn setup(parts: SetupParts) -> Result<Setup, Box<dyn std::error::Error + Send + Sync>> {
    let key = parts
        .configured
        .signing_key()
        .ok_or("ml_api signs its own tokens: configure a key")?
        .clone();
    let permissions = parts.configured.authenticator().permission_source().clone();
    // Secure cookies mean clients reach the API over https: the cookie CSRF
    // checks (the refresh endpoint's and the auth layer's) must agree.
    let https = parts.session_config.cookies.secure;
    let sessions = Sessions::new(key, parts.store, permissions, parts.session_config);
    let model = tokio::task::spawn_blocking(IrisModel::train).await??;
    let state = AppState {
        users: parts.users,
        sessions: sessions.clone(),
        model: Arc::new(model),
        limit: parts.limit,
    };
    let auth = parts.configured.authenticator().with_public_scheme(https);
    let router = app(auth.with_sessions(&sessions, warden::session::StoreFailure::Closed))
        .build()?
        .with_state(state.clone());
    Ok(Setup { router, state })
}

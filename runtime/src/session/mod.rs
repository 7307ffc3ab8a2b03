//! A token's whole life: access/refresh pairs, refresh rotation with reuse
//! detection, logout and "log out everywhere", over a [`SessionStore`]
//! shared by every replica.
//!
//! - Issuing ([`Sessions::issue`]): an access token (`typ: at+jwt`, 300 s by
//!   default, the article's `JWT_TOKEN_EXPIRATION`) and a refresh token
//!   (`typ: refresh+jwt`, 30 days, `JWT_REFRESH_EXPIRATION`), both with
//!   `jti`, `iat`, `exp` and their family `fam`; delivered as JSON and as
//!   cookies (`HttpOnly`, `Secure`, `SameSite`, the refresh cookie scoped to
//!   the refresh path), with `Cache-Control: no-store`.
//! - Refresh ([`Sessions::refresh`], RFC 9700 §4.14): every refresh returns a
//!   new pair and retires the presented token; the previous token presented
//!   again within the grace window (default 5 s) gets the same successor
//!   (a retry, a second tab); any other retired token revokes the whole
//!   family. Families have an idle timeout and an absolute lifetime.
//! - Logout ([`Sessions::logout`]): the access token (by `jti`, until its
//!   `exp`) and its family; [`Sessions::logout_refresh`]: the family a
//!   refresh token names, once the access token is gone;
//!   [`Sessions::logout_everywhere`]: every token of the subject issued
//!   before now (and in the next second or two: `iat` is whole seconds).
//! - Enforcement: [`Auth::sessions`](crate::Auth::sessions) makes the auth
//!   layer ask the store after the signature and before the policy.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, IntoResponseParts, Response, ResponseParts};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::auth::{Claims, PermissionSource};
use crate::http::{HttpError, NoStore};
use crate::jwt::{JwtError, SigningKey, Verifier, unix_now};

#[cfg(feature = "redis")]
mod redis;
mod store;

#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis::RedisStore;

/// How far the replicas' clocks may disagree (NTP keeps them within
/// milliseconds; `iat` is whole seconds, so a replica a little ahead, across
/// a second boundary, writes the next second). A refresh token's `iat` may
/// be this far ahead of the verifying replica's clock (its `exp` has no
/// leeway), and "log out everywhere" also revokes tokens stamped this far
/// past its own second, which another replica may just have minted.
const REPLICA_CLOCK_SKEW: Duration = Duration::from_secs(1);

pub use store::{
    FamilyRules, Issued, MemoryStore, Rotation, SessionStore, StoreError, StoreFuture, TokenRef,
};

/// What the store's failure means for a request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StoreFailure {
    /// Refuse (503 with the envelope, an audit event): the default. A
    /// logout is never silently forgotten.
    #[default]
    Closed,
    /// Accept the verified token as if not revoked (an audit event).
    Open,
}

/// Lifetimes and cookie settings of [`Sessions`].
#[derive(Clone, Debug)]
pub struct SessionConfig {
    /// Access token lifetime (default 300 s).
    pub access_ttl: Duration,
    /// Refresh token lifetime (default 30 days).
    pub refresh_ttl: Duration,
    /// A family is refused this long after sign-in, however active (default
    /// 30 days).
    pub absolute_ttl: Duration,
    /// A family unused this long is refused (default 30 days).
    pub idle_ttl: Duration,
    /// The previous refresh token is accepted this long after its rotation
    /// (default 5 s, at most 10 s).
    pub grace: Duration,
    /// `iss` of issued tokens.
    pub issuer: Option<String>,
    /// Cookies.
    pub cookies: CookieConfig,
    /// How long a store call may take before the failure policy applies
    /// (default 500 ms).
    pub store_timeout: Duration,
}

impl Default for SessionConfig {
    fn default() -> Self {
        let month = Duration::from_secs(2_592_000);
        SessionConfig {
            access_ttl: Duration::from_secs(300),
            refresh_ttl: month,
            absolute_ttl: month,
            idle_ttl: month,
            grace: Duration::from_secs(5),
            issuer: None,
            cookies: CookieConfig::default(),
            store_timeout: Duration::from_millis(500),
        }
    }
}

/// Cookie names and attributes.
#[derive(Clone, Debug)]
pub struct CookieConfig {
    /// The access cookie (default `access_token`, the article's
    /// `JWT_ACCESS_COOKIE_KEY`); `None` to send no cookies.
    pub access: Option<String>,
    /// The refresh cookie (default `refresh_token`, `JWT_REFRESH_COOKIE_KEY`).
    pub refresh: String,
    /// The path the refresh cookie is sent to (default `/auth/refresh/`);
    /// logout clears it there too.
    pub refresh_path: String,
    /// Paths the refresh cookie was sent to before `refresh_path` changed:
    /// every pair and every logout clears it there. Without this, browsers
    /// keep the old cookie beside the new one until it expires, and a
    /// request carrying both is refused ([`SessionError::Ambiguous`]).
    pub former_refresh_paths: Vec<String>,
    /// `Secure` (default true; turn off only for local HTTP).
    pub secure: bool,
    /// `SameSite=Strict` instead of `Lax`.
    pub strict: bool,
}

impl Default for CookieConfig {
    fn default() -> Self {
        CookieConfig {
            access: Some(crate::auth::DEFAULT_COOKIE.to_owned()),
            refresh: "refresh_token".into(),
            refresh_path: "/auth/refresh/".into(),
            former_refresh_paths: Vec::new(),
            secure: true,
            strict: false,
        }
    }
}

/// What a sign-in grants, written into the access token where the app's
/// [`PermissionSource`] reads it.
#[derive(Clone, Debug, Default)]
pub struct Grant {
    /// Permissions.
    pub permissions: Vec<String>,
    /// Further claims of the access token (e.g. `{"data": {"roles": ..}}`),
    /// kept across refreshes.
    pub claims: Map<String, Value>,
}

/// Why a session operation failed. [`into_http`](Self::into_http) answers it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// No refresh token in the cookie or the body.
    #[error("no refresh token")]
    Missing,
    /// The refresh token is invalid, expired, revoked, reused or not a
    /// refresh token.
    #[error("invalid refresh token: {0}")]
    Invalid(JwtError),
    /// A cookie-borne refresh from another origin.
    #[error("cross-site refresh")]
    CrossSite,
    /// More than one refresh cookie, or a Cookie header that is not text
    /// and may hold one: which is the client's own cannot be told (a
    /// sibling subdomain may have set one, "cookie tossing").
    #[error("several refresh cookies")]
    Ambiguous,
    /// The store failed or timed out.
    #[error(transparent)]
    Store(StoreError),
    /// The token could not be signed.
    #[error("could not sign a token")]
    Sign,
}

impl SessionError {
    /// The envelope answer: 400 without a refresh token or with two
    /// different refresh cookies, 401 (with `invalid_token`) for a bad one,
    /// 403 for a cross-site cookie, 503 when the store fails, 500 when a
    /// token cannot be signed.
    pub fn into_http(self) -> HttpError {
        use axum::http::StatusCode;
        match self {
            // RFC 6749 §5.2: a missing parameter is `invalid_request`.
            SessionError::Missing => HttpError::new(StatusCode::BAD_REQUEST, "No refresh token"),
            SessionError::Invalid(e) => {
                HttpError::token(StatusCode::UNAUTHORIZED, e.kind().flama_name(), e.description())
                    .www_authenticate(HeaderValue::from_static(r#"Bearer error="invalid_token""#))
            }
            SessionError::CrossSite => {
                HttpError::new(StatusCode::FORBIDDEN, "Cross-site request with a cookie credential")
            }
            SessionError::Ambiguous => {
                HttpError::new(StatusCode::BAD_REQUEST, "Several refresh token cookies")
            }
            SessionError::Store(_) => {
                HttpError::new(StatusCode::SERVICE_UNAVAILABLE, "Session store unavailable")
            }
            SessionError::Sign => {
                HttpError::new(StatusCode::INTERNAL_SERVER_ERROR, "Could not issue a token")
            }
        }
    }
}

impl IntoResponse for SessionError {
    fn into_response(self) -> Response {
        self.into_http().into_response()
    }
}

/// Issues, rotates and revokes sessions. Cheap to clone.
#[derive(Clone)]
pub struct Sessions {
    inner: Arc<Inner>,
}

struct Inner {
    key: SigningKey,
    refresh_verifier: Verifier,
    store: Arc<dyn SessionStore>,
    permissions: PermissionSource,
    config: SessionConfig,
}

impl fmt::Debug for Sessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sessions")
            .field("key", &self.inner.key)
            .field("store", &self.inner.store)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// A new access/refresh pair. As a response: the JSON body
/// `{"access_token", "refresh_token", "token_type": "Bearer", "expires_in"}`,
/// both cookies, and `Cache-Control: no-store`.
#[derive(Clone, Serialize, schemars::JsonSchema)]
pub struct TokenPair {
    /// The access token.
    pub access_token: String,
    /// The refresh token.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds the access token is valid.
    pub expires_in: u64,
    #[serde(skip)]
    #[schemars(skip)]
    cookies: Vec<HeaderValue>,
}

impl fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenPair").field("expires_in", &self.expires_in).finish_non_exhaustive()
    }
}

impl TokenPair {
    /// The `Set-Cookie` values the pair is delivered with.
    pub fn cookies(&self) -> &[HeaderValue] {
        &self.cookies
    }

    /// The answer as a handler returns it, so that `#[route]` documents the
    /// JSON body: `(Delivery, Json<TokenPair>)`, the cookies and
    /// `Cache-Control: no-store` in the first part.
    pub fn deliver(self) -> (Delivery, crate::Json<TokenPair>) {
        (Delivery { cookies: self.cookies.clone() }, crate::Json(self))
    }
}

/// The cookies and `Cache-Control: no-store` of a [`TokenPair`]'s answer.
#[derive(Clone, Debug)]
pub struct Delivery {
    cookies: Vec<HeaderValue>,
}

impl IntoResponseParts for Delivery {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        let mut res = NoStore.into_response_parts(res)?;
        for cookie in self.cookies {
            res.headers_mut().append(header::SET_COOKIE, cookie);
        }
        Ok(res)
    }
}

impl IntoResponse for TokenPair {
    fn into_response(self) -> Response {
        self.deliver().into_response()
    }
}

/// Clears the session cookies: the answer to a logout.
#[derive(Clone, Debug)]
pub struct LoggedOut {
    cookies: Vec<HeaderValue>,
}

impl IntoResponse for LoggedOut {
    fn into_response(self) -> Response {
        let mut response = (NoStore, axum::http::StatusCode::NO_CONTENT).into_response();
        for cookie in self.cookies {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
        response
    }
}

impl Sessions {
    /// Sessions signed by `key` and kept in `store`, tokens written in the
    /// `permissions` layout (the app's [`PermissionSource`]).
    pub fn new(
        key: SigningKey,
        store: Arc<dyn SessionStore>,
        permissions: PermissionSource,
        config: SessionConfig,
    ) -> Self {
        let mut config = config;
        config.grace = config.grace.min(Duration::from_secs(10));
        let refresh_verifier = Verifier::builder()
            .key(key.verification_key())
            .with_leeway(Duration::ZERO)
            // `iat` is whole seconds from the minting replica's clock: one
            // a little ahead of this one, across a second boundary, makes
            // a fresh token look issued in the future.
            .with_iat_leeway(REPLICA_CLOCK_SKEW)
            .refresh_tokens()
            .build()
            // A signing key's own public half always verifies its algorithm.
            .unwrap_or_else(|_| unreachable!("a signing key verifies its own tokens"));
        Sessions { inner: Arc::new(Inner { key, refresh_verifier, store, permissions, config }) }
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn SessionStore> {
        &self.inner.store
    }

    /// The configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.inner.config
    }

    /// Signs in `subject` with `grant`: a new family and its first pair.
    pub async fn issue(&self, subject: &str, grant: &Grant) -> Result<TokenPair, SessionError> {
        let family = new_id();
        let now = unix_now();
        let refresh = self.new_refresh(now);
        self.call(self.inner.store.start_family(&family, refresh.clone(), self.rules(now))).await?;
        self.pair(subject, grant, &family, &refresh, now)
    }

    /// The refresh token of a request: the refresh cookie, else `body_token`
    /// (a JSON body's `refresh_token`). A cookie from another origin is
    /// refused (cross-site request forgery on the refresh endpoint), and so
    /// are two different refresh cookies ([`SessionError::Ambiguous`]).
    pub fn refresh_token<'a>(
        &self,
        headers: &'a HeaderMap,
        body_token: Option<&'a str>,
    ) -> Result<&'a str, SessionError> {
        let name = &self.inner.config.cookies.refresh;
        // Read as the auth layer reads the access cookie; the same value
        // twice (or an empty one beside it) is no ambiguity.
        let cookies = crate::auth::named_cookies(headers, name).ok_or(SessionError::Ambiguous)?;
        let mut from_cookie: Option<&str> = None;
        for value in cookies.filter(|v| !v.is_empty()) {
            if from_cookie.is_some_and(|found| found != value) {
                return Err(SessionError::Ambiguous);
            }
            from_cookie = Some(value);
        }
        if let Some(token) = from_cookie {
            let same_origin = crate::auth::same_origin_request(
                headers,
                if self.inner.config.cookies.secure { "https" } else { "http" },
            );
            if !same_origin {
                return Err(SessionError::CrossSite);
            }
            return Ok(token);
        }
        body_token.filter(|t| !t.is_empty()).ok_or(SessionError::Missing)
    }

    /// Rotates `refresh_token`: a new pair, the presented token retired.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair, SessionError> {
        let now = unix_now();
        let jwt = self
            .inner
            .refresh_verifier
            .verify_at(refresh_token, now)
            .map_err(SessionError::Invalid)?;
        let claims = jwt.payload();
        let (Some(sub), Some(jti), Some(family)) =
            (str_claim(claims, "sub"), str_claim(claims, "jti"), str_claim(claims, "fam"))
        else {
            return Err(SessionError::Invalid(JwtError::MissingClaim));
        };
        let grant = Grant {
            permissions: claims
                .get("perm")
                .and_then(Value::as_array)
                .map(|l| l.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default(),
            claims: claims.get("grant").and_then(Value::as_object).cloned().unwrap_or_default(),
        };
        // "Log out everywhere" covers refresh tokens too: the subject's
        // cutoff (and a revoked family) is checked before any rotation.
        let token = TokenRef { jti: None, ..TokenRef::from_claims(claims) };
        if self.call(self.inner.store.is_revoked(token)).await? {
            return Err(SessionError::Invalid(JwtError::Revoked));
        }
        let next = self.new_refresh(now);
        let outcome =
            self.call(self.inner.store.rotate(family, jti, next.clone(), self.rules(now))).await?;
        match outcome {
            Rotation::Rotated => self.pair(sub, &grant, family, &next, now),
            Rotation::Retry(successor) => self.pair(sub, &grant, family, &successor, now),
            Rotation::Reused => {
                tracing::warn!(
                    target: "warden::session",
                    sub, family, "refresh token reused: the whole family is revoked"
                );
                Err(SessionError::Invalid(JwtError::Revoked))
            }
            Rotation::Refused => Err(SessionError::Invalid(JwtError::Revoked)),
        }
    }

    /// Logs out the session of `claims` (an access token Warden issued): the
    /// token until its `exp`, and its refresh family.
    pub async fn logout(&self, claims: &Claims) -> Result<LoggedOut, SessionError> {
        let payload = claims.payload();
        if let Some(jti) = str_claim(payload, "jti") {
            let until = payload.get("exp").and_then(Value::as_u64).unwrap_or_else(|| {
                unix_now().saturating_add(self.inner.config.access_ttl.as_secs())
            });
            self.call(self.inner.store.revoke_token(jti, until)).await?;
        }
        if let Some(family) = str_claim(payload, "fam") {
            self.call(self.inner.store.revoke_family(family)).await?;
        }
        Ok(self.logged_out())
    }

    /// Logs out the session of `refresh_token` (from
    /// [`refresh_token`](Self::refresh_token)): its whole family, so every
    /// access token of the session too. For a client whose access token has
    /// expired (a browser drops the access cookie with it) or was lost: the
    /// session would otherwise stay refreshable for its whole lifetime. An
    /// expired refresh token is answered as a logout but revokes nothing:
    /// its claims are not read. A browser drops the cookie at that `exp`,
    /// and a family rotated since has a newer token to log out with.
    pub async fn logout_refresh(&self, refresh_token: &str) -> Result<LoggedOut, SessionError> {
        let jwt = match self.inner.refresh_verifier.verify_at(refresh_token, unix_now()) {
            Ok(jwt) => jwt,
            Err(JwtError::Expired) => return Ok(self.logged_out()),
            Err(e) => return Err(SessionError::Invalid(e)),
        };
        let Some(family) = str_claim(jwt.payload(), "fam") else {
            return Err(SessionError::Invalid(JwtError::MissingClaim));
        };
        self.call(self.inner.store.revoke_family(family)).await?;
        Ok(self.logged_out())
    }

    /// Revokes every token of `subject` issued before now, on every replica
    /// whose clock agrees with this one's within a second. Tokens issued in
    /// the next second or two are revoked too (`iat` is whole seconds, and
    /// a replica ahead by a fraction may have stamped one with the next).
    pub async fn logout_everywhere(&self, subject: &str) -> Result<LoggedOut, SessionError> {
        let config = &self.inner.config;
        let ttl = config.refresh_ttl.max(config.absolute_ttl).max(config.access_ttl).as_secs();
        // Tokens of this very second, and of the next one from a replica a
        // fraction of a second ahead.
        let before = unix_now() + 1 + REPLICA_CLOCK_SKEW.as_secs();
        self.call(self.inner.store.revoke_subject(subject, before, ttl)).await?;
        Ok(self.logged_out())
    }

    /// The cookie-clearing answer without revoking anything.
    pub fn logged_out(&self) -> LoggedOut {
        let cookies = &self.inner.config.cookies;
        let mut clear = Vec::new();
        if let Some(access) = &cookies.access {
            clear.push(self.cookie(access, "", "/", Some(0)));
        }
        clear.push(self.cookie(&cookies.refresh, "", &cookies.refresh_path, Some(0)));
        for path in &cookies.former_refresh_paths {
            clear.push(self.cookie(&cookies.refresh, "", path, Some(0)));
        }
        LoggedOut { cookies: clear }
    }

    async fn call<T>(&self, future: StoreFuture<'_, T>) -> Result<T, SessionError> {
        match tokio::time::timeout(self.inner.config.store_timeout, future).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => {
                tracing::warn!(target: "warden::session", error = %e, "session store failed");
                Err(SessionError::Store(e))
            }
            Err(_) => {
                tracing::warn!(target: "warden::session", "session store timed out");
                Err(SessionError::Store(StoreError("timed out".into())))
            }
        }
    }

    fn rules(&self, now: u64) -> FamilyRules {
        let config = &self.inner.config;
        FamilyRules {
            now,
            grace: config.grace.as_secs(),
            idle: config.idle_ttl.as_secs(),
            absolute: config.absolute_ttl.as_secs(),
        }
    }

    fn new_refresh(&self, now: u64) -> Issued {
        Issued {
            jti: new_id(),
            iat: now,
            exp: now.saturating_add(self.inner.config.refresh_ttl.as_secs()),
        }
    }

    fn pair(
        &self,
        sub: &str,
        grant: &Grant,
        family: &str,
        refresh: &Issued,
        now: u64,
    ) -> Result<TokenPair, SessionError> {
        let config = &self.inner.config;
        let access_ttl = config.access_ttl.as_secs();
        // The permissions where the app's layout reads them, then the
        // grant's own claims merged in (e.g. Flama's `data.roles`).
        let mut access = Map::new();
        let perms: Vec<&str> = grant.permissions.iter().map(String::as_str).collect();
        if !self.inner.permissions.write(&mut access, &perms) {
            return Err(SessionError::Sign);
        }
        merge(&mut access, &grant.claims);
        access.insert("sub".into(), json!(sub));
        access.insert("iat".into(), json!(now));
        access.insert("exp".into(), json!(now + access_ttl));
        access.insert("jti".into(), json!(new_id()));
        access.insert("fam".into(), json!(family));
        if let Some(iss) = &config.issuer {
            access.insert("iss".into(), json!(iss));
        }
        let access_token = self.sign("at+jwt", access)?;

        let mut claims = Map::new();
        claims.insert("sub".into(), json!(sub));
        claims.insert("iat".into(), json!(refresh.iat));
        claims.insert("exp".into(), json!(refresh.exp));
        claims.insert("jti".into(), json!(refresh.jti));
        claims.insert("fam".into(), json!(family));
        claims.insert("perm".into(), json!(grant.permissions));
        claims.insert("grant".into(), Value::Object(grant.claims.clone()));
        if let Some(iss) = &config.issuer {
            claims.insert("iss".into(), json!(iss));
        }
        let refresh_token = self.sign(crate::jwt::REFRESH_TYP, claims)?;

        let mut cookies = Vec::new();
        if let Some(name) = &config.cookies.access {
            cookies.push(self.cookie(name, &access_token, "/", Some(access_ttl)));
        }
        cookies.push(self.cookie(
            &config.cookies.refresh,
            &refresh_token,
            &config.cookies.refresh_path,
            Some(refresh.exp.saturating_sub(now)),
        ));
        for path in &config.cookies.former_refresh_paths {
            cookies.push(self.cookie(&config.cookies.refresh, "", path, Some(0)));
        }
        Ok(TokenPair {
            access_token,
            refresh_token,
            token_type: "Bearer",
            expires_in: access_ttl,
            cookies,
        })
    }

    fn sign(&self, typ: &str, claims: Map<String, Value>) -> Result<String, SessionError> {
        let key = &self.inner.key;
        let mut header = Map::new();
        header.insert("alg".into(), json!(key.algorithm().as_str()));
        header.insert("typ".into(), json!(typ));
        if let Some(kid) = key.kid() {
            header.insert("kid".into(), json!(kid));
        }
        let jwt = crate::jwt::Jwt::from_parts(header, Value::Object(claims))
            .map_err(|_| SessionError::Sign)?;
        key.sign_jwt(&jwt).map_err(|_| SessionError::Sign)
    }

    fn cookie(&self, name: &str, value: &str, path: &str, max_age: Option<u64>) -> HeaderValue {
        let cookies = &self.inner.config.cookies;
        let mut cookie = cookie::Cookie::build((name, value))
            .http_only(true)
            .secure(cookies.secure)
            .same_site(if cookies.strict {
                cookie::SameSite::Strict
            } else {
                cookie::SameSite::Lax
            })
            .path(path);
        if let Some(age) = max_age {
            cookie = cookie
                .max_age(cookie::time::Duration::seconds(i64::try_from(age).unwrap_or(i64::MAX)));
        }
        // Token characters (base64url, `.`) are valid header text.
        HeaderValue::from_str(&cookie.build().to_string())
            .unwrap_or_else(|_| HeaderValue::from_static(""))
    }
}

/// `extra` merged into `into`: objects member by member, anything else
/// replaced.
fn merge(into: &mut Map<String, Value>, extra: &Map<String, Value>) {
    for (key, value) in extra {
        match (into.get_mut(key), value) {
            (Some(Value::Object(existing)), Value::Object(more)) => merge(existing, more),
            _ => {
                into.insert(key.clone(), value.clone());
            }
        }
    }
}

fn str_claim<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

/// A random identifier (UUID v4: 122 random bits) for `jti` and families.
fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

//! The decision for one request, and the one place where an authentication
//! failure becomes an HTTP answer and an audit event.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde_json::Value;

use super::grants::Grants;
use super::source::{Credential, credential};
use super::{Authenticator, Claims, PermissionSource};
use crate::http::HttpError;
use crate::jwt::{Jwt, JwtError, unix_now};
use crate::table::{Policy, Route};

/// Why a request was refused by the auth layer.
#[derive(Debug)]
#[non_exhaustive]
pub enum AuthError {
    /// No token in any source: 401 `Unauthorized`.
    Missing,
    /// The credentials are carried ambiguously (two headers, two cookies):
    /// 400 `invalid_request` (RFC 6750 §3.1).
    InvalidRequest(&'static str),
    /// The token failed decoding or validation: 401 `invalid_token`.
    InvalidToken(JwtError),
    /// The token is valid but lacks the route's permissions: 403
    /// `insufficient_scope`.
    Forbidden(Arc<Jwt>),
    /// A cookie token on an unsafe request from another origin: 403.
    CrossSite,
    /// The session store failed and the policy is to refuse: 503.
    StoreUnavailable,
}

impl AuthError {
    /// The status it is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            AuthError::Missing | AuthError::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            AuthError::InvalidRequest(_) => StatusCode::BAD_REQUEST,
            AuthError::Forbidden(_) | AuthError::CrossSite => StatusCode::FORBIDDEN,
            AuthError::StoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The answer. A 403 from the auth layer also names the route's scope in
    /// `WWW-Authenticate`; this one does not.
    pub fn into_http(self) -> HttpError {
        self.into_http_with_scope(None)
    }

    fn into_http_with_scope(self, forbidden: Option<&HeaderValue>) -> HttpError {
        let status = self.status();
        match self {
            AuthError::Missing => HttpError::new(status, "Unauthorized")
                .www_authenticate(HeaderValue::from_static("Bearer")),
            AuthError::InvalidRequest(description) => HttpError::new(status, description)
                .www_authenticate(HeaderValue::from_static(r#"Bearer error="invalid_request""#)),
            AuthError::InvalidToken(err) => {
                HttpError::token(status, err.kind().flama_name(), err.description())
                    .www_authenticate(HeaderValue::from_static(r#"Bearer error="invalid_token""#))
            }
            AuthError::Forbidden(_) => HttpError::new(status, "Insufficient permissions")
                .www_authenticate(forbidden.cloned().unwrap_or_else(|| {
                    HeaderValue::from_static(r#"Bearer error="insufficient_scope""#)
                })),
            AuthError::CrossSite => {
                HttpError::new(status, "Cross-site request with a cookie credential")
            }
            AuthError::StoreUnavailable => HttpError::new(status, "Session store unavailable"),
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::Missing => f.write_str("missing"),
            AuthError::InvalidRequest(what) => write!(f, "invalid request: {what}"),
            AuthError::InvalidToken(err) => write!(f, "invalid: {}", err.reason()),
            AuthError::Forbidden(_) => f.write_str("forbidden"),
            AuthError::CrossSite => f.write_str("cross-site"),
            AuthError::StoreUnavailable => f.write_str("session store unavailable"),
        }
    }
}

impl std::error::Error for AuthError {}

/// One protected route's check: the authenticator, the route, and its 403
/// `WWW-Authenticate` value, computed once.
#[derive(Debug)]
pub(crate) struct Guard {
    auth: Authenticator,
    route: &'static Route,
    forbidden: HeaderValue,
    /// The permission check read from the claims' JSON (none for a custom
    /// layout: the `Map` check then).
    grants: Option<Grants>,
}

impl Guard {
    pub(crate) fn new(auth: Authenticator, route: &'static Route) -> Self {
        // RFC 6750 §3 names one scope value; for alternatives, the first set
        // (the others are in the OpenAPI document). Permissions are checked
        // by `#[route]` to be RFC 6749 scope tokens, valid in a
        // quoted-string; a hand-built `Policy` might not be, and then the
        // header omits the scope.
        let policy = route.policy();
        let scope = policy.alternatives().first().map(|set| set.join(" ")).unwrap_or_default();
        let forbidden =
            HeaderValue::try_from(format!(r#"Bearer error="insufficient_scope", scope="{scope}""#))
                .unwrap_or_else(|_| {
                    HeaderValue::from_static(r#"Bearer error="insufficient_scope""#)
                });
        let spans_from = auth.config.auth.verifier.claim_paths();
        let grants = Grants::new(&auth.config.auth.permissions, policy, spans_from);
        Guard { auth, route, forbidden, grants }
    }

    /// The verified claims, the answer to send (the denial logged), or,
    /// when a stage must wait (a key to fetch), a future deciding later.
    pub(crate) fn check(self: &Arc<Self>, method: &Method, headers: &HeaderMap) -> Check {
        match self.auth.authorize_step(method, headers, self.route.policy(), self.grants.as_ref()) {
            Ok(claims) => Check::Allowed(claims),
            Err(Step::Anonymous) => Check::Anonymous,
            Err(Step::Deny(error)) => {
                self.deny(&error);
                Check::Denied(error.into_http_with_scope(Some(&self.forbidden)))
            }
            Err(Step::Refresh(token, error, generation)) => {
                let guard = Arc::clone(self);
                Check::Pending(Box::pin(async move {
                    let verifier = &guard.auth.config.auth.verifier;
                    // The first verification is not repeated: only a key
                    // change makes a second one worth its cost.
                    let refreshed = verifier.refresh_after(&token, error, generation, unix_now());
                    let result = match refreshed.await {
                        Ok(jwt) => guard.auth.not_revoked(jwt).await,
                        Err(e) => Err(AuthError::InvalidToken(e)),
                    };
                    guard.finish(result)
                }))
            }
            Err(Step::Revocation(jwt)) => {
                let guard = Arc::clone(self);
                Check::Pending(Box::pin(async move {
                    let result = guard.auth.not_revoked(jwt).await;
                    guard.finish(result)
                }))
            }
        }
    }

    /// The policy on a verified, unrevoked token; a denial logged and
    /// answered.
    fn finish(&self, verified: Result<Arc<Jwt>, AuthError>) -> Result<Claims, HttpError> {
        let policy = self.route.policy();
        verified.and_then(|jwt| self.auth.permit(jwt, policy, self.grants.as_ref())).map_err(
            |error| {
                self.deny(&error);
                error.into_http_with_scope(Some(&self.forbidden))
            },
        )
    }

    /// The session store, for a WebSocket handler's [`SessionWatch`].
    ///
    /// [`SessionWatch`]: crate::ws::SessionWatch
    pub(crate) fn watch_store(&self) -> Option<crate::ws::WatchStore> {
        let revocation = self.auth.config.auth.revocation.as_ref()?;
        Some(crate::ws::WatchStore(revocation.store.clone()))
    }

    /// Logs a denial.
    fn deny(&self, error: &AuthError) {
        audit(self.route, &self.auth.config.auth.permissions, error);
    }
}

/// What the guard decided, or will.
pub(crate) enum Check {
    Allowed(Claims),
    /// An `optional` route called without a token.
    Anonymous,
    Denied(HttpError),
    Pending(Pin<Box<dyn Future<Output = Result<Claims, HttpError>> + Send>>),
}

/// Why the synchronous decision stopped.
enum Step {
    Deny(AuthError),
    /// The token names a `kid` no key has, or its `kid`'s key refused the
    /// signature, and a source can fetch keys: the token, that failure, and
    /// the keys' generation read before it.
    Refresh(String, JwtError, u64),
    /// Verified; the session store must say whether it was revoked.
    Revocation(Arc<Jwt>),
    /// No token on an `optional` route: the handler runs without claims.
    Anonymous,
}

impl From<AuthError> for Step {
    fn from(error: AuthError) -> Self {
        Step::Deny(error)
    }
}

impl Authenticator {
    /// Runs `policy` against a request: the token from the first present
    /// source, the CSRF guard for cookies, verification, then permissions.
    #[cfg(all(test, feature = "testing"))]
    pub(crate) fn authorize(
        &self,
        method: &Method,
        headers: &HeaderMap,
        policy: &Policy,
    ) -> Result<Claims, AuthError> {
        self.authorize_step(method, headers, policy, None).map_err(|step| match step {
            Step::Deny(error) => error,
            Step::Refresh(_, error, _) => AuthError::InvalidToken(error),
            Step::Revocation(_) => AuthError::StoreUnavailable,
            Step::Anonymous => AuthError::Missing,
        })
    }

    fn authorize_step(
        &self,
        method: &Method,
        headers: &HeaderMap,
        policy: &Policy,
        grants: Option<&Grants>,
    ) -> Result<Claims, Step> {
        let config = &self.config;
        let credential = credential(&config.sources, headers)?;
        let anonymous = || match policy {
            Policy::Optional => Step::Anonymous,
            _ => AuthError::Missing.into(),
        };
        let Some(credential) = credential else { return Err(anonymous()) };
        if let Credential::Cookie(_) = credential
            && !config.auth.cross_site.cookie_allowed(method, headers)
        {
            return Err(AuthError::CrossSite.into());
        }
        let verifier = &config.auth.verifier;
        let now = unix_now();
        // A token verified before is found by its bytes, with no other
        // reading of them (`Credential::text`).
        let verified = match verifier.cached(credential.bytes(), now) {
            Some(verified) => verified,
            None => {
                let Some(token) = credential.text() else { return Err(anonymous()) };
                let generation = verifier.key_generation();
                match verifier.verify_fresh(token, now) {
                    Err(error @ JwtError::UnknownKey) if verifier.can_refresh() => {
                        return Err(Step::Refresh(token.to_owned(), error, generation));
                    }
                    Err(error @ JwtError::BadSignature) if verifier.may_refresh_rejected(token) => {
                        return Err(Step::Refresh(token.to_owned(), error, generation));
                    }
                    verified => verified,
                }
            }
        };
        match verified {
            Ok(jwt) if config.auth.revocation.is_some() => Err(Step::Revocation(jwt)),
            Ok(jwt) => Ok(self.permit(jwt, policy, grants)?),
            Err(e) => Err(AuthError::InvalidToken(e).into()),
        }
    }

    /// `jwt` unless the session store says it was revoked (or fails, and
    /// the failure policy refuses).
    async fn not_revoked(&self, jwt: Arc<Jwt>) -> Result<Arc<Jwt>, AuthError> {
        let Some(revocation) = &self.config.auth.revocation else { return Ok(jwt) };
        let claims = jwt.payload();
        let token = crate::session::TokenRef::from_claims(claims);
        let answer =
            tokio::time::timeout(revocation.timeout, revocation.store.is_revoked(token)).await;
        match answer {
            Ok(Ok(false)) => Ok(jwt),
            Ok(Ok(true)) => Err(AuthError::InvalidToken(JwtError::Revoked)),
            Ok(Err(_)) | Err(_) => match revocation.failure {
                crate::session::StoreFailure::Closed => Err(AuthError::StoreUnavailable),
                crate::session::StoreFailure::Open => {
                    tracing::warn!(
                        target: "warden::auth",
                        "session store unavailable: accepting a verified token (fail-open)"
                    );
                    Ok(jwt)
                }
            },
        }
    }

    /// The policy's permission check on a verified token: from the claims'
    /// JSON when `grants` can read it, else on the claims `Map`.
    fn permit(
        &self,
        jwt: Arc<Jwt>,
        policy: &Policy,
        grants: Option<&Grants>,
    ) -> Result<Claims, AuthError> {
        let source = &self.config.auth.permissions;
        let scanned = grants.and_then(|g| g.check_jwt(&jwt));
        let granted =
            scanned.unwrap_or_else(|| policy.is_satisfied_by(|p| source.grants(jwt.payload(), p)));
        if !granted {
            return Err(AuthError::Forbidden(jwt));
        }
        Ok(Claims(jwt, Arc::clone(source)))
    }
}

impl From<JwtError> for AuthError {
    fn from(err: JwtError) -> Self {
        AuthError::InvalidToken(err)
    }
}

/// One event per denied request (target `warden::auth`): the route, the
/// status and the reason, with `sub`/`jti` once the token is verified.
/// Never the token, a key or a signature. With no subscriber interested,
/// nothing here is evaluated.
fn audit(route: &'static Route, source: &PermissionSource, error: &AuthError) {
    let status = error.status().as_u16();
    let (method, path, name) = (route.method().as_str(), route.path(), route.name());
    match error {
        AuthError::Forbidden(jwt) => {
            let claim = |name| jwt.payload().get(name).and_then(Value::as_str).unwrap_or("");
            tracing::info!(
                target: "warden::auth",
                route = name, method, path, status,
                reason = %format_args!("forbidden: lacks {}", Lacking(route.policy(), source, jwt)),
                sub = claim("sub"),
                jti = claim("jti"),
                "request denied"
            );
        }
        AuthError::CrossSite | AuthError::StoreUnavailable => tracing::warn!(
            target: "warden::auth",
            route = name, method, path, status, reason = %error,
            "request denied"
        ),
        _ => tracing::info!(
            target: "warden::auth",
            route = name, method, path, status, reason = %error,
            "request denied"
        ),
    }
}

/// The permissions a token lacks, per alternative of the policy:
/// `["a"]`, or `["a"] or ["b", "c"]`.
struct Lacking<'a>(&'a Policy, &'a PermissionSource, &'a Jwt);

impl fmt::Display for Lacking<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Lacking(policy, source, jwt) = self;
        for (i, set) in policy.alternatives().iter().enumerate() {
            if i > 0 {
                f.write_str(" or ")?;
            }
            let mut list = f.debug_list();
            for p in set.iter().filter(|p| !source.grants(jwt.payload(), p)) {
                list.entry(p);
            }
            list.finish()?;
        }
        Ok(())
    }
}

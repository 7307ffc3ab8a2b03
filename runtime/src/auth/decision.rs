//! The decision for one request, and the one place where an authentication
//! failure becomes an HTTP answer and an audit event.

use std::fmt;
use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde_json::Value;

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
    Ambiguous(&'static str),
    /// The token failed decoding or validation: 401 `invalid_token`.
    InvalidToken(JwtError),
    /// The token is valid but lacks the route's permissions: 403
    /// `insufficient_scope`.
    Forbidden(Box<Jwt>),
    /// A cookie token on an unsafe request from another origin: 403.
    CrossSite,
}

impl AuthError {
    /// The status it is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            AuthError::Missing | AuthError::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            AuthError::Ambiguous(_) => StatusCode::BAD_REQUEST,
            AuthError::Forbidden(_) | AuthError::CrossSite => StatusCode::FORBIDDEN,
        }
    }

    /// The answer, without a route's scope (the auth layer adds the route's scope to a 403).
    pub fn into_http(self) -> HttpError {
        self.into_http_with_scope(None)
    }

    fn into_http_with_scope(self, forbidden: Option<&HeaderValue>) -> HttpError {
        let status = self.status();
        match self {
            AuthError::Missing => HttpError::new(status, "Unauthorized")
                .www_authenticate(HeaderValue::from_static("Bearer")),
            AuthError::Ambiguous(description) => HttpError::new(status, description)
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
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::Missing => f.write_str("missing"),
            AuthError::Ambiguous(what) => write!(f, "ambiguous: {what}"),
            AuthError::InvalidToken(err) => write!(f, "invalid: {}", err.reason()),
            AuthError::Forbidden(_) => f.write_str("forbidden"),
            AuthError::CrossSite => f.write_str("cross-site"),
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
        Guard { auth, route, forbidden }
    }

    /// The verified claims, or the answer to send (the denial logged).
    pub(crate) fn check(&self, method: &Method, headers: &HeaderMap) -> Result<Claims, HttpError> {
        self.decide(method, headers).map_err(|error| {
            audit(self.route, &self.auth.config.auth.permissions, &error);
            error.into_http_with_scope(Some(&self.forbidden))
        })
    }

    fn decide(&self, method: &Method, headers: &HeaderMap) -> Result<Claims, AuthError> {
        self.auth.authorize(method, headers, self.route.policy())
    }
}

impl Authenticator {
    /// Runs `policy` against a request: the token from the first present
    /// source, the CSRF guard for cookies, verification, then permissions.
    pub(crate) fn authorize(
        &self,
        method: &Method,
        headers: &HeaderMap,
        policy: &Policy,
    ) -> Result<Claims, AuthError> {
        let config = &self.config;
        let token = match credential(&config.sources, headers)? {
            None => return Err(AuthError::Missing),
            Some(Credential::Header(token)) => token,
            Some(Credential::Cookie(token)) => {
                if !config.auth.cross_site.cookie_allowed(method, headers) {
                    return Err(AuthError::CrossSite);
                }
                token
            }
        };
        let jwt = config.auth.verifier.verify_at(token, unix_now())?;
        let source = &config.auth.permissions;
        if !policy.is_satisfied_by(|p| source.grants(jwt.payload(), p)) {
            return Err(AuthError::Forbidden(Box::new(jwt)));
        }
        Ok(Claims(Arc::new(jwt)))
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
        AuthError::CrossSite => tracing::warn!(
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

//! Where a request's token comes from, where a token's permissions come from,
//! and the per-request check a route's policy runs.

use std::fmt;
use std::sync::Arc;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::HttpError;
use crate::jwt::{ConfigError, Jwt, Verifier};
use crate::route::Policy;

/// Where permissions are read from in a verified token.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PermissionSource {
    /// Flama-compatible (the default): the union of `data.permissions`, every
    /// list under `data.roles` (`{"role": ["perm", ...]}`), and a top-level
    /// `permissions` array (as Auth0 issues).
    Flama,
    /// One array of strings at a JSON pointer, e.g. `/realm_access/roles`
    /// (Keycloak) or `/permissions`.
    Pointer(String),
    /// An OAuth2 space-separated string claim, e.g. `scope` (RFC 8693 §4.2).
    Scope(String),
}

impl PermissionSource {
    /// Whether `claims` grant `permission`.
    fn grants(&self, claims: &Map<String, Value>, permission: &str) -> bool {
        let in_list = |v: Option<&Value>| {
            v.and_then(Value::as_array)
                .is_some_and(|list| list.iter().any(|p| p.as_str() == Some(permission)))
        };
        match self {
            PermissionSource::Flama => {
                let data = claims.get("data");
                in_list(data.and_then(|d| d.get("permissions")))
                    || data
                        .and_then(|d| d.get("roles"))
                        .and_then(Value::as_object)
                        .is_some_and(|roles| roles.values().any(|r| in_list(Some(r))))
                    || in_list(claims.get("permissions"))
            }
            PermissionSource::Pointer(pointer) => in_list(resolve_pointer(claims, pointer)),
            PermissionSource::Scope(claim) => claims
                .get(claim)
                .and_then(Value::as_str)
                .is_some_and(|s| s.split(' ').any(|p| p == permission)),
        }
    }
}

/// RFC 6901 over a claims object, without allocating unless a segment is
/// escaped. A missing leading `/` is tolerated (`realm_access/roles`).
fn resolve_pointer<'a>(claims: &'a Map<String, Value>, pointer: &str) -> Option<&'a Value> {
    let mut segments = pointer.strip_prefix('/').unwrap_or(pointer).split('/');
    let mut current = claims.get(&*unescape(segments.next()?))?;
    for segment in segments {
        let key = unescape(segment);
        current = match current {
            Value::Object(map) => map.get(&*key)?,
            Value::Array(items) => items.get(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

/// One RFC 6901 reference token, unescaped (`~1` is `/`, `~0` is `~`).
pub(crate) fn unescape(segment: &str) -> std::borrow::Cow<'_, str> {
    if segment.contains('~') {
        segment.replace("~1", "/").replace("~0", "~").into()
    } else {
        segment.into()
    }
}

/// A cookie value without one pair of enclosing double quotes (RFC 6265
/// §4.1.1 allows them).
fn unquote(value: &str) -> &str {
    value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value)
}

/// The JWT side of an app: how tokens are verified, where they are found,
/// and where their permissions are read.
///
/// ```
/// use warden::Auth;
/// use warden::jwt::{Algorithm, HmacSecret, Verifier};
///
/// let secret = HmacSecret::new(b"0123456789abcdef0123456789abcdef".to_vec());
/// let auth = Auth::new(Verifier::hmac(&secret).with_issuers(["vortico"]))
///     .cookie("access_token")
///     .build()?;
/// # Ok::<(), warden::jwt::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct Auth {
    verifier: Verifier,
    header: HeaderName,
    scheme: String,
    cookie: Option<String>,
    permissions: PermissionSource,
    cross_site: CrossSite,
}

/// Which cross-site requests may authenticate with the cookie.
#[derive(Clone, Debug)]
enum CrossSite {
    /// Unsafe methods only from the same origin or these trusted ones.
    Refuse {
        trusted_origins: Vec<String>,
    },
    Allow,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("verifier", &self.verifier)
            .field("header", &self.header)
            .field("scheme", &self.scheme)
            .field("cookie", &self.cookie)
            .field("permissions", &self.permissions)
            .field("cross_site", &self.cross_site)
            .finish()
    }
}

/// The default cookie name.
pub(crate) const DEFAULT_COOKIE: &str = "access_token";

impl Auth {
    /// Tokens from `Authorization: Bearer ...`, else the `access_token`
    /// cookie; permissions the Flama way.
    pub fn new(verifier: Verifier) -> Self {
        Auth {
            verifier,
            header: header::AUTHORIZATION,
            scheme: "Bearer".into(),
            cookie: Some(DEFAULT_COOKIE.into()),
            permissions: PermissionSource::Flama,
            cross_site: CrossSite::Refuse { trusted_origins: Vec::new() },
        }
    }

    /// Also accepts the cookie on unsafe requests (`POST`, `DELETE`, ...)
    /// coming from this origin, e.g. `https://app.example.com`.
    ///
    /// By default a browser request whose `Sec-Fetch-Site` is `cross-site`,
    /// or whose `Origin` differs from its `Host`, cannot authenticate an
    /// unsafe method with the cookie (cross-site request forgery): it gets
    /// 403. Tokens in the header are never affected, and neither are clients
    /// that send no `Origin` (curl, servers).
    pub fn trust_origin(mut self, origin: impl Into<String>) -> Self {
        if let CrossSite::Refuse { trusted_origins } = &mut self.cross_site {
            trusted_origins.push(origin.into());
        }
        self
    }

    /// Turns the cross-site check of [`trust_origin`](Self::trust_origin)
    /// off, e.g. behind a proxy that already enforces it.
    pub fn allow_cross_site_cookies(mut self) -> Self {
        self.cross_site = CrossSite::Allow;
        self
    }

    /// The header carrying `SCHEME TOKEN` (default `Authorization`, `Bearer`).
    /// The scheme is compared case-insensitively.
    pub fn header(mut self, name: &str, scheme: &str) -> Result<Self, ConfigError> {
        self.header = HeaderName::try_from(name).map_err(|_| ConfigError::InvalidHeader)?;
        if scheme.is_empty() || !scheme.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ConfigError::InvalidHeader);
        }
        self.scheme = scheme.into();
        Ok(self)
    }

    /// The cookie read when the header is absent (default `access_token`).
    pub fn cookie(mut self, name: impl Into<String>) -> Self {
        self.cookie = Some(name.into());
        self
    }

    /// Never read tokens from cookies.
    pub fn no_cookie(mut self) -> Self {
        self.cookie = None;
        self
    }

    /// Where permissions are read from (default [`PermissionSource::Flama`]).
    pub fn permissions(mut self, source: PermissionSource) -> Self {
        self.permissions = source;
        self
    }

    /// Checks the configuration and freezes it.
    pub fn build(self) -> Result<Authenticator, ConfigError> {
        self.verifier.validate()?;
        Ok(Authenticator { config: Arc::new(self) })
    }
}

/// A checked, shareable [`Auth`] configuration. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Authenticator {
    config: Arc<Auth>,
}

/// What the request carried.
enum Credential<'a> {
    None,
    Header(&'a str),
    Cookie(&'a str),
}

impl Authenticator {
    /// The token verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.config.verifier
    }

    /// The header name and scheme tokens are read from.
    pub fn header(&self) -> (&HeaderName, &str) {
        (&self.config.header, &self.config.scheme)
    }

    /// The cookie tokens are read from, if any.
    pub fn cookie_name(&self) -> Option<&str> {
        self.config.cookie.as_deref()
    }

    /// Where permissions are read from in a verified token.
    pub fn permission_source(&self) -> &PermissionSource {
        &self.config.permissions
    }

    /// Finds the request's token: the header first; only when the header is
    /// absent, the cookie.
    fn credential<'a>(&self, headers: &'a HeaderMap) -> Result<Credential<'a>, HttpError> {
        let mut values = headers.get_all(&self.config.header).iter();
        if let Some(value) = values.next() {
            if values.next().is_some() {
                return Err(HttpError::invalid_request("multiple authorization headers"));
            }
            return Ok(self.bearer(value).map_or(Credential::None, Credential::Header));
        }
        let Some(name) = &self.config.cookie else { return Ok(Credential::None) };
        let mut found = None;
        for value in headers.get_all(header::COOKIE) {
            let Ok(value) = value.to_str() else {
                // A header that is not text cannot be searched reliably; if
                // it may hold the token, the credentials are ambiguous.
                if value.as_bytes().windows(name.len()).any(|w| w == name.as_bytes()) {
                    return Err(HttpError::invalid_request("unreadable cookie header"));
                }
                continue;
            };
            for cookie in cookie::Cookie::split_parse(value).flatten() {
                if cookie.name() != name {
                    continue;
                }
                if found.is_some() {
                    return Err(HttpError::invalid_request("multiple token cookies"));
                }
                // `value()` strips one pair of enclosing quotes, no more.
                found = Some(cookie.value_raw().map_or("", unquote));
            }
        }
        Ok(found.filter(|t| !t.is_empty()).map_or(Credential::None, Credential::Cookie))
    }

    /// Whether an unsafe request authenticated by the cookie may come from
    /// where it says it comes from (cross-site request forgery defence).
    fn cookie_allowed(&self, method: &Method, headers: &HeaderMap) -> bool {
        let CrossSite::Refuse { trusted_origins } = &self.config.cross_site else { return true };
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE) {
            return true;
        }
        let origin = headers.get(header::ORIGIN).map(|o| o.to_str().unwrap_or("null"));
        if let Some(origin) = origin
            && trusted_origins.iter().any(|t| t == origin)
        {
            return true;
        }
        if headers.get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"cross-site") {
            return false;
        }
        match origin {
            None => true,
            Some(origin) => {
                let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
                let origin_host = origin.split_once("://").map(|(_, rest)| rest);
                host.is_some() && origin_host == host
            }
        }
    }

    /// `SCHEME 1*SP token`, scheme case-insensitive. Anything else (another
    /// scheme, no token, non-ASCII) is "no bearer credential".
    fn bearer<'a>(&self, value: &'a HeaderValue) -> Option<&'a str> {
        let value = value.to_str().ok()?;
        let (scheme, rest) = value.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case(&self.config.scheme) {
            return None;
        }
        let token = rest.trim_start_matches(' ');
        (!token.is_empty()).then_some(token)
    }

    /// Runs `policy` against a request's headers: the verified claims, or the
    /// error response to send.
    pub(crate) fn authorize(
        &self,
        method: &Method,
        headers: &HeaderMap,
        policy: &Policy,
        forbidden: &HeaderValue,
    ) -> Result<Claims, HttpError> {
        let token = match self.credential(headers)? {
            Credential::None => return Err(HttpError::unauthorized()),
            Credential::Header(token) => token,
            Credential::Cookie(token) => {
                if !self.cookie_allowed(method, headers) {
                    return Err(HttpError::new(
                        axum::http::StatusCode::FORBIDDEN,
                        "Cross-site request with a cookie credential",
                    ));
                }
                token
            }
        };
        // `Auth::build` validated the verifier, once.
        let jwt = self
            .config
            .verifier
            .verify_validated(token, crate::jwt::unix_now())
            .map_err(|e| HttpError::invalid_token(&e))?;
        let source = &self.config.permissions;
        if !policy.is_satisfied_by(|p| source.grants(jwt.payload(), p)) {
            return Err(HttpError::forbidden(forbidden.clone()));
        }
        Ok(Claims(Arc::new(jwt)))
    }

    /// Whether `claims` grant `permission` under the configured source.
    pub fn grants(&self, claims: &Claims, permission: &str) -> bool {
        self.config.permissions.grants(claims.payload(), permission)
    }
}

/// The verified token of the current request, as an axum extractor.
///
/// Available on every non-public route; the token was decoded once, by the
/// auth layer, before any extractor ran. A public route reads no token:
/// there `Claims` answers 401 and `Option<Claims>` is `None`.
///
/// ```
/// use warden::{Claims, route};
///
/// #[route(get, "/me/", authenticated)]
/// async fn me(claims: Claims) -> String {
///     claims.get("sub").and_then(|s| s.as_str()).unwrap_or("?").to_owned()
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Claims(Arc<Jwt>);

impl Claims {
    /// The verified token.
    pub fn jwt(&self) -> &Jwt {
        &self.0
    }

    /// The claims object.
    pub fn payload(&self) -> &Map<String, Value> {
        self.0.payload()
    }

    /// One claim.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.payload().get(name)
    }

    /// The claims as a typed value.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(Value::Object(self.0.payload().clone()))
    }
}

/// `Option<Claims>`: `None` on a public route, where no token is read.
impl<S: Send + Sync> OptionalFromRequestParts<S> for Claims {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, std::convert::Infallible> {
        Ok(parts.extensions.get::<Claims>().cloned())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Claims {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, HttpError> {
        parts.extensions.get::<Claims>().cloned().ok_or_else(HttpError::unauthorized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn grants(source: &PermissionSource, claims: Value, perm: &str) -> bool {
        let Value::Object(map) = claims else { panic!("not an object") };
        source.grants(&map, perm)
    }

    #[test]
    fn flama_source_reads_data_permissions_roles_and_top_level() {
        let s = PermissionSource::Flama;
        assert!(grants(&s, json!({"data": {"permissions": ["a"]}}), "a"));
        assert!(grants(&s, json!({"data": {"roles": {"admin": ["b"], "x": ["c"]}}}), "c"));
        assert!(grants(&s, json!({"permissions": ["d"]}), "d"));
        assert!(!grants(&s, json!({"data": {"permissions": "a"}}), "a"));
        assert!(!grants(&s, json!({"data": {"roles": ["a"]}}), "a"));
        assert!(!grants(&s, json!({"scope": "a"}), "a"));
    }

    #[test]
    fn pointer_and_scope_sources() {
        let kc = PermissionSource::Pointer("/realm_access/roles".into());
        assert!(grants(&kc, json!({"realm_access": {"roles": ["admin"]}}), "admin"));
        assert!(!grants(&kc, json!({"data": {"permissions": ["admin"]}}), "admin"));
        let escaped = PermissionSource::Pointer("/https:~1~1example.com~1roles/a~0b".into());
        assert!(grants(&escaped, json!({"https://example.com/roles": {"a~b": ["x"]}}), "x"));
        let indexed = PermissionSource::Pointer("/groups/1".into());
        assert!(grants(&indexed, json!({"groups": [["a"], ["b"]]}), "b"));
        let scope = PermissionSource::Scope("scope".into());
        assert!(grants(&scope, json!({"scope": "read write"}), "write"));
        assert!(!grants(&scope, json!({"scope": "read writer"}), "write"));
    }
}

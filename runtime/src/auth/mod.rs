//! Authentication and authorization of a request: where its token comes
//! from (`source`), the cookie CSRF guard (`csrf`), what a verified token
//! grants (`claims`: the claim layout and the [`Claims`] extractor), the
//! decision and its one HTTP answer (`decision`: [`AuthError`], audit
//! events), and the per-route tower layer (`layer`).

use std::fmt;
use std::sync::Arc;

use axum::http::{HeaderName, header};

use crate::jwt::{ConfigError, Verifier};

mod claims;
mod csrf;
mod decision;
mod grants;
pub(crate) mod layer;
mod source;

pub use claims::{ClaimLayout, Claims, PermissionSource};
use csrf::CrossSite;
pub(crate) use csrf::same_origin_request;
pub use decision::AuthError;
pub(crate) use source::named_cookies;
pub use source::{TokenSource, WS_TOKEN_PREFIX};

/// The JWT side of an app: how tokens are verified, where they are found,
/// and where their permissions are read.
///
/// ```
/// use warden::Auth;
/// use warden::jwt::{HmacSecret, Verifier};
///
/// let secret = HmacSecret::new(b"0123456789abcdef0123456789abcdef".to_vec());
/// let verifier = Verifier::hmac(&secret).with_issuers(["vortico"]).build()?;
/// let auth = Auth::new(verifier).cookie("access_token").build()?;
/// # Ok::<(), warden::jwt::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct Auth {
    verifier: Verifier,
    header: HeaderName,
    scheme: String,
    cookie: Option<String>,
    permissions: Arc<PermissionSource>,
    cross_site: CrossSite,
    revocation: Option<Revocation>,
    websocket_protocol: bool,
}

/// The session store the auth layer asks after the signature check.
#[derive(Clone, Debug)]
pub(crate) struct Revocation {
    pub(crate) store: Arc<dyn crate::session::SessionStore>,
    pub(crate) failure: crate::session::StoreFailure,
    pub(crate) timeout: std::time::Duration,
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
            .field("revocation", &self.revocation)
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
            permissions: Arc::new(PermissionSource::Flama),
            cross_site: CrossSite::Refuse {
                trusted_origins: Vec::new(),
                scheme: "http".into(),
                forwarded_proto: false,
            },
            revocation: None,
            websocket_protocol: false,
        }
    }

    /// Asks `sessions`' store, after the signature check and before the
    /// policy, whether the token, its family or its subject was revoked (a
    /// logout on any replica): 401 if so. When the store fails or takes
    /// longer than its timeout, `failure` decides: [`StoreFailure::Closed`]
    /// (503, the default) or [`StoreFailure::Open`]; an audit event either way.
    ///
    /// [`StoreFailure::Closed`]: crate::session::StoreFailure::Closed
    /// [`StoreFailure::Open`]: crate::session::StoreFailure::Open
    #[must_use]
    pub fn sessions(
        mut self,
        sessions: &crate::session::Sessions,
        failure: crate::session::StoreFailure,
    ) -> Self {
        self.revocation = Some(Revocation {
            store: sessions.store().clone(),
            failure,
            timeout: sessions.config().store_timeout,
        });
        self
    }

    /// Also accepts the cookie on unsafe requests (`POST`, `DELETE`, ...)
    /// coming from this origin, e.g. `https://app.example.com`.
    ///
    /// By default an unsafe browser request authenticated by the cookie must
    /// come from the API's own origin: its `Origin` (one, no more) must equal
    /// [`public_scheme`](Self::public_scheme)`://` + its `Host` (one), with
    /// `Sec-Fetch-Site: cross-site` refused in any case. Otherwise it gets
    /// 403 (cross-site request forgery). Tokens in the header are never
    /// affected, and neither are clients that send no `Origin` (curl,
    /// servers).
    #[must_use]
    pub fn trust_origin(mut self, origin: impl Into<String>) -> Self {
        if let CrossSite::Refuse { trusted_origins, .. } = &mut self.cross_site {
            trusted_origins.push(origin.into());
        }
        self
    }

    /// The scheme clients reach the API by, for the cookie CSRF check:
    /// `http` (the default) or `https` (behind a TLS-terminating proxy).
    #[must_use]
    pub fn public_scheme(mut self, https: bool) -> Self {
        if let CrossSite::Refuse { scheme, .. } = &mut self.cross_site {
            *scheme = if https { "https" } else { "http" }.into();
        }
        self
    }

    /// Lets `X-Forwarded-Proto` say the scheme for the cookie CSRF check.
    /// Only behind a proxy that sets it and strips what clients send.
    #[must_use]
    pub fn trust_forwarded_proto(mut self) -> Self {
        if let CrossSite::Refuse { forwarded_proto, .. } = &mut self.cross_site {
            *forwarded_proto = true;
        }
        self
    }

    /// Turns the cross-site check of [`trust_origin`](Self::trust_origin)
    /// off, e.g. behind a proxy that already enforces it.
    #[must_use]
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
    #[must_use]
    pub fn cookie(mut self, name: impl Into<String>) -> Self {
        self.cookie = Some(name.into());
        self
    }

    /// Also reads the token from a WebSocket handshake's
    /// `Sec-WebSocket-Protocol` ([`TokenSource::WebSocketProtocol`]), after
    /// the header and the cookie. Browsers cannot set headers on a
    /// WebSocket; this keeps tokens out of URLs.
    #[must_use]
    pub fn websocket_protocol(mut self) -> Self {
        self.websocket_protocol = true;
        self
    }

    /// Never read tokens from cookies.
    #[must_use]
    pub fn no_cookie(mut self) -> Self {
        self.cookie = None;
        self
    }

    /// Where permissions are read from (default [`PermissionSource::Flama`]).
    #[must_use]
    pub fn permissions(mut self, source: PermissionSource) -> Self {
        self.permissions = Arc::new(source);
        self
    }

    /// Freezes the configuration. The verifier was checked when it was
    /// built; what is checked here is the token sources.
    pub fn build(self) -> Result<Authenticator, ConfigError> {
        let mut sources =
            vec![TokenSource::Header { name: self.header.clone(), scheme: self.scheme.clone() }];
        if let Some(cookie) = &self.cookie {
            if cookie.is_empty() {
                return Err(ConfigError::InvalidHeader);
            }
            sources.push(TokenSource::Cookie(cookie.clone()));
        }
        if self.websocket_protocol {
            sources.push(TokenSource::WebSocketProtocol);
        }
        // The verifier notes where this layout's permissions are while it
        // verifies, so that routes check them without reading the claims
        // again (`auth/grants.rs`).
        let mut auth = self;
        let paths = grants::paths(&auth.permissions);
        auth.verifier = auth.verifier.with_claim_paths(paths);
        Ok(Authenticator { config: Arc::new(Config { auth, sources }) })
    }
}

/// A frozen, shareable [`Auth`] configuration. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Authenticator {
    config: Arc<Config>,
}

#[derive(Debug)]
struct Config {
    auth: Auth,
    sources: Vec<TokenSource>,
}

impl Authenticator {
    /// This configuration, also asking `sessions`' store whether tokens were
    /// revoked (see [`Auth::sessions`]).
    #[must_use]
    pub fn with_sessions(
        &self,
        sessions: &crate::session::Sessions,
        failure: crate::session::StoreFailure,
    ) -> Authenticator {
        self.adjusted(|auth| auth.sessions(sessions, failure))
    }

    /// This configuration, clients reaching the API over `https` (or not),
    /// for the cookie CSRF check (see [`Auth::public_scheme`]): e.g. for an
    /// [`Authenticator`] from [`warden::config`](crate::config) behind a
    /// TLS-terminating proxy, to agree with secure session cookies. No
    /// effect after [`Auth::allow_cross_site_cookies`] (no check to adjust).
    #[must_use]
    pub fn with_public_scheme(&self, https: bool) -> Authenticator {
        self.adjusted(|auth| auth.public_scheme(https))
    }

    /// A copy with `adjust` applied to its [`Auth`]: for settings that do
    /// not change the token sources `build` derived.
    fn adjusted(&self, adjust: impl FnOnce(Auth) -> Auth) -> Authenticator {
        let auth = adjust(self.config.auth.clone());
        let sources = self.config.sources.clone();
        Authenticator { config: Arc::new(Config { auth, sources }) }
    }

    /// The token verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.config.auth.verifier
    }

    /// Where tokens are looked for, in order; the first present decides.
    pub fn sources(&self) -> &[TokenSource] {
        &self.config.sources
    }

    /// The header name and scheme tokens are read from.
    pub fn header(&self) -> (&HeaderName, &str) {
        (&self.config.auth.header, &self.config.auth.scheme)
    }

    /// The cookie tokens are read from, if any.
    pub fn cookie_name(&self) -> Option<&str> {
        self.config.auth.cookie.as_deref()
    }

    /// Where permissions are read from in a verified token.
    pub fn permission_source(&self) -> &PermissionSource {
        &self.config.auth.permissions
    }
}

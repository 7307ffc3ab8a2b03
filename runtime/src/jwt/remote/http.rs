//! The HTTP side of [`RemoteJwks`](super::RemoteJwks): URL rules, the client
//! (hyper-util's pooled client over hyper-rustls), one bounded GET, and
//! `Cache-Control` parsing.

use std::error::Error as StdError;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use http::header::{ACCEPT, AGE, CACHE_CONTROL, CONTENT_LENGTH, HeaderMap, USER_AGENT};
use http::uri::Scheme;
use http::{Request, StatusCode, Uri};
use http_body_util::{BodyExt, Empty, LengthLimitError, Limited};
use hyper::body::Bytes;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use super::{FetchError, JwksError};

/// A URL checked against the transport rules, with the form that may be
/// shown in errors and logs (no credentials, no query).
#[derive(Clone)]
pub(super) struct Endpoint {
    pub(super) uri: Uri,
    pub(super) shown: String,
}

/// Checks `raw`: an absolute `https://` URL, or `http://` to a loopback host
/// (or any host with `allow_http`); no credentials in it.
pub(super) fn endpoint(raw: &str, allow_http: bool) -> Result<Endpoint, JwksError> {
    let shown = redact(raw);
    let invalid = |reason| JwksError::InvalidUrl { url: shown.clone(), reason };
    let uri: Uri = raw.parse().map_err(|_| invalid("not an absolute URL"))?;
    let Some(authority) = uri.authority() else {
        return Err(invalid("not an absolute URL"));
    };
    if authority.as_str().contains('@') {
        return Err(invalid("credentials in the URL are not supported"));
    }
    if authority.host().is_empty() {
        return Err(invalid("the URL has no host"));
    }
    match uri.scheme() {
        Some(s) if *s == Scheme::HTTPS => {}
        Some(s) if *s == Scheme::HTTP => {
            if !allow_http && !is_loopback(authority.host()) {
                return Err(JwksError::InsecureUrl { url: shown });
            }
        }
        _ => return Err(invalid("the scheme must be `https` (or `http` to a loopback host)")),
    }
    Ok(Endpoint { uri, shown })
}

/// `localhost`, 127.0.0.0/8 or `::1` (also IPv4-mapped).
fn is_loopback(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let literal = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    literal.parse::<IpAddr>().is_ok_and(|ip| ip.to_canonical().is_loopback())
}

/// The URL without userinfo, query or fragment, at most 200 characters and
/// without control characters: safe to log and to show in errors.
pub(super) fn redact(raw: &str) -> String {
    let base = raw.split(['?', '#']).next().unwrap_or_default();
    let shown = match base.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            match authority.rsplit_once('@') {
                Some((_, host)) => format!("{scheme}://***@{host}{path}"),
                None => base.to_owned(),
            }
        }
        None => base.to_owned(),
    };
    shown.chars().take(200).map(|c| if c.is_control() { '?' } else { c }).collect()
}

/// The HTTP client: HTTP/1.1, connect timeout, TLS with the Mozilla roots
/// (webpki-roots) plus any configured ones, redirects never followed (the
/// legacy client does not follow them at all).
#[derive(Clone)]
pub(super) struct HttpClient {
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
    max_body: usize,
}

/// A successful GET: the body and how long it may be cached.
pub(super) struct Fetched {
    pub(super) body: Bytes,
    pub(super) max_age: Option<Duration>,
}

impl HttpClient {
    pub(super) fn new(
        connect_timeout: Duration,
        max_body: usize,
        extra_roots: &[Vec<u8>],
    ) -> Result<Self, JwksError> {
        let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        for pem in extra_roots {
            let mut found = false;
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|_| JwksError::Tls("unreadable PEM certificate".into()))?;
                roots.add(cert).map_err(|e| JwksError::Tls(e.to_string()))?;
                found = true;
            }
            if !found {
                return Err(JwksError::Tls("no certificate in the PEM root".into()));
            }
        }
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| JwksError::Tls(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(connect_timeout));
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(1)
            .build(connector);
        Ok(HttpClient { client, max_body })
    }

    /// One GET of `endpoint`: 200 only, body within the size cap. The
    /// caller bounds the total time.
    pub(super) async fn get(&self, endpoint: &Endpoint) -> Result<Fetched, FetchError> {
        let request = Request::get(endpoint.uri.clone())
            .header(ACCEPT, "application/jwk-set+json, application/json")
            .header(USER_AGENT, concat!("warden/", env!("CARGO_PKG_VERSION")))
            .body(Empty::new())
            .map_err(|e| FetchError::Transport(describe(&e)))?;
        let response =
            self.client.request(request).await.map_err(|e| FetchError::Transport(describe(&e)))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(FetchError::Redirect(status.as_u16()));
        }
        if status != StatusCode::OK {
            return Err(FetchError::Status(status.as_u16()));
        }
        let declared = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > self.max_body as u64) {
            return Err(FetchError::TooLarge(self.max_body));
        }
        let max_age = max_age(response.headers());
        let body = Limited::new(response.into_body(), self.max_body)
            .collect()
            .await
            .map_err(|e| {
                if e.is::<LengthLimitError>() {
                    FetchError::TooLarge(self.max_body)
                } else {
                    FetchError::Transport(describe(&*e))
                }
            })?
            .to_bytes();
        Ok(Fetched { body, max_age })
    }
}

/// rustls on the same backend as token verification: aws-lc-rs by default,
/// ring with `rust-crypto` alone.
fn provider() -> rustls::crypto::CryptoProvider {
    #[cfg(feature = "aws-lc")]
    {
        rustls::crypto::aws_lc_rs::default_provider()
    }
    #[cfg(all(feature = "rust-crypto", not(feature = "aws-lc")))]
    {
        rustls::crypto::ring::default_provider()
    }
}

/// An error and its sources on one line, at most 300 characters (transport
/// errors: connection refused, TLS, DNS; never a body or a key).
fn describe(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = write!(text, ": {cause}");
        source = cause.source();
    }
    text.chars().take(300).map(|c| if c.is_control() { '?' } else { c }).collect()
}

/// How long a response may be cached by `Cache-Control` (RFC 9111 §5.2.2):
/// `max-age` less `Age`, the smallest when repeated; zero with `no-cache`
/// or `no-store` (the caller clamps it to its bounds); `None` without one.
pub(super) fn max_age(headers: &HeaderMap) -> Option<Duration> {
    let mut max_age: Option<u64> = None;
    let mut no_cache = false;
    for value in headers.get_all(CACHE_CONTROL) {
        let Ok(text) = value.to_str() else { continue };
        for directive in text.split(',') {
            let (name, arg) = match directive.split_once('=') {
                Some((name, arg)) => (name.trim(), Some(arg.trim().trim_matches('"'))),
                None => (directive.trim(), None),
            };
            if name.eq_ignore_ascii_case("max-age") {
                if let Some(seconds) = arg.and_then(delta_seconds) {
                    max_age = Some(max_age.map_or(seconds, |m| m.min(seconds)));
                }
            } else if name.eq_ignore_ascii_case("no-cache") || name.eq_ignore_ascii_case("no-store")
            {
                no_cache = true;
            }
        }
    }
    if no_cache {
        return Some(Duration::ZERO);
    }
    let age = headers
        .get(AGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| delta_seconds(v.trim()))
        .unwrap_or(0);
    max_age.map(|m| Duration::from_secs(m.saturating_sub(age)))
}

/// RFC 9111 §1.2.2 delta-seconds: digits only; too large a number means
/// "very long" rather than invalid.
fn delta_seconds(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse().unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn cache_control() {
        let secs = |s| Some(Duration::from_secs(s));
        assert_eq!(max_age(&headers(&[])), None);
        assert_eq!(max_age(&headers(&[("cache-control", "public, max-age=3600")])), secs(3600));
        assert_eq!(max_age(&headers(&[("cache-control", "Max-Age=\"60\"")])), secs(60));
        assert_eq!(
            max_age(&headers(&[("cache-control", "max-age=600"), ("cache-control", "max-age=30")])),
            secs(30)
        );
        assert_eq!(
            max_age(&headers(&[("cache-control", "max-age=600"), ("age", "100")])),
            secs(500)
        );
        assert_eq!(max_age(&headers(&[("cache-control", "max-age=60"), ("age", "100")])), secs(0));
        assert_eq!(max_age(&headers(&[("cache-control", "no-store, max-age=600")])), secs(0));
        assert_eq!(max_age(&headers(&[("cache-control", "max-age=-1, max-age=x")])), None);
        assert_eq!(
            max_age(&headers(&[("cache-control", "max-age=99999999999999999999999")])),
            secs(u64::MAX)
        );
        assert_eq!(max_age(&headers(&[("cache-control", "max-age=,=,,")])), None);
    }

    #[test]
    fn url_rules() {
        for ok in [
            "https://idp.example/jwks.json",
            "https://idp.example:8443/a/b?x=1",
            "http://127.0.0.1:8080/jwks.json",
            "http://127.1.2.3/jwks",
            "http://[::1]:9000/jwks",
            "http://localhost/jwks",
            "http://LOCALHOST./jwks",
        ] {
            assert!(endpoint(ok, false).is_ok(), "{ok}");
        }
        for insecure in
            ["http://example.invalid/jwks.json", "http://10.0.0.1/jwks", "http://[::2]/"]
        {
            assert!(matches!(endpoint(insecure, false), Err(JwksError::InsecureUrl { .. })));
            assert!(endpoint(insecure, true).is_ok(), "{insecure}");
        }
        for bad in ["", "/jwks.json", "ftp://idp.example/jwks", "idp.example/jwks", "https://"] {
            assert!(matches!(endpoint(bad, false), Err(JwksError::InvalidUrl { .. })), "{bad}");
        }
        let err = endpoint("https://user:hunter2@idp.example/jwks?token=s3cret", false)
            .err()
            .unwrap()
            .to_string();
        assert!(!err.contains("hunter2") && !err.contains("s3cret"), "{err}");
        assert!(err.contains("***@idp.example/jwks"), "{err}");
    }

    #[test]
    fn redaction() {
        assert_eq!(redact("https://a:b@h/p?q#f"), "https://***@h/p");
        assert_eq!(redact("https://h/p\n"), "https://h/p?");
        assert_eq!(redact(&"x".repeat(500)).len(), 200);
    }
}

//! Cross-site request forgery defence for cookie tokens: an unsafe request
//! authenticated by a cookie must come from the API's own origin (scheme,
//! host and port) or a trusted one.

use axum::http::{HeaderMap, Method, header};

/// Which cross-site requests may authenticate with the cookie.
#[derive(Clone, Debug)]
pub(crate) enum CrossSite {
    /// Unsafe methods only from the API's own origin or a trusted one.
    Refuse {
        trusted_origins: Vec<String>,
        /// The scheme the API is reached by (`http` unless configured).
        scheme: String,
        /// Whether `X-Forwarded-Proto` (set by a trusted proxy) says the scheme.
        forwarded_proto: bool,
    },
    Allow,
}

impl CrossSite {
    /// Whether an unsafe request authenticated by the cookie may come from
    /// where it says it comes from. Requests with no `Origin` (curl,
    /// servers) pass: browsers send one on every unsafe request.
    pub(crate) fn cookie_allowed(&self, method: &Method, headers: &HeaderMap) -> bool {
        let CrossSite::Refuse { trusted_origins, scheme, forwarded_proto } = self else {
            return true;
        };
        // A WebSocket handshake is a GET, but what it opens is a channel
        // for writes: cross-site WebSocket hijacking is CSRF.
        let upgrade = headers
            .get(header::UPGRADE)
            .is_some_and(|u| u.as_bytes().eq_ignore_ascii_case(b"websocket"));
        if !upgrade
            && matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE)
        {
            return true;
        }
        let Ok(origin) = single(headers, &header::ORIGIN) else { return false };
        if let Some(origin) = origin
            && trusted_origins.iter().any(|t| same_origin(t, origin))
        {
            return true;
        }
        let fetch_site = headers.get_all("sec-fetch-site").iter();
        if fetch_site.into_iter().any(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site")) {
            return false;
        }
        let Some(origin) = origin else { return true };
        let Ok(Some(host)) = single(headers, &header::HOST) else { return false };
        let scheme = if *forwarded_proto {
            match single(headers, "x-forwarded-proto") {
                Ok(Some(proto)) => proto.split(',').next().unwrap_or("").trim(),
                Ok(None) => scheme.as_str(),
                Err(()) => return false,
            }
        } else {
            scheme.as_str()
        };
        same_origin(&format!("{scheme}://{host}"), origin)
    }
}

/// Whether a request carrying a cookie comes from the API's own origin
/// under `scheme`: no `Origin` (not a browser), or exactly the API's own,
/// and not `Sec-Fetch-Site: cross-site`. For cookie-borne credentials on
/// any method (the refresh endpoint, WebSocket upgrades).
pub(crate) fn same_origin_request(headers: &HeaderMap, scheme: &str) -> bool {
    let fetch_site = headers.get_all("sec-fetch-site").iter();
    if fetch_site.into_iter().any(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site")) {
        return false;
    }
    match single(headers, &header::ORIGIN) {
        Ok(None) => true,
        Ok(Some(origin)) => match single(headers, &header::HOST) {
            Ok(Some(host)) => same_origin(&format!("{scheme}://{host}"), origin),
            _ => false,
        },
        Err(()) => false,
    }
}

/// The one value of `name`: `Ok(None)` when absent, `Err` when repeated or
/// not text.
fn single(
    headers: &HeaderMap,
    name: impl axum::http::header::AsHeaderName,
) -> Result<Option<&str>, ()> {
    let mut values = headers.get_all(name).into_iter();
    let Some(value) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err(());
    }
    value.to_str().map(Some).map_err(|_| ())
}

/// RFC 6454 origins compared as tuples: scheme and host case-insensitively,
/// the port with the scheme's default made explicit.
fn same_origin(a: &str, b: &str) -> bool {
    match (origin_tuple(a), origin_tuple(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

fn origin_tuple(origin: &str) -> Option<(String, String, u16)> {
    let (scheme, rest) = origin.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() || rest.contains(['/', '?', '#', '@']) {
        return None;
    }
    // `[v6]:port`, `host:port`, `host`.
    let (host, port) = match rest.rfind(':') {
        Some(i) if !rest[i..].contains(']') => (&rest[..i], rest[i + 1..].parse().ok()?),
        _ => (rest, default_port),
    };
    if host.is_empty() {
        return None;
    }
    Some((scheme, host.to_ascii_lowercase(), port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn refuse(scheme: &str) -> CrossSite {
        CrossSite::Refuse {
            trusted_origins: vec!["https://app.example".into()],
            scheme: scheme.into(),
            forwarded_proto: false,
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn full_origin_is_compared() {
        let https = refuse("https");
        let post = Method::POST;
        let ok = |h: &[(&'static str, &str)]| https.cookie_allowed(&post, &headers(h));
        assert!(ok(&[("host", "api.example"), ("origin", "https://api.example")]));
        assert!(ok(&[("host", "api.example"), ("origin", "https://API.example:443")]));
        assert!(ok(&[("host", "api.example"), ("origin", "https://app.example")]));
        assert!(ok(&[("host", "api.example")]), "no Origin: not a browser");
        assert!(!ok(&[("host", "api.example"), ("origin", "http://api.example")]));
        assert!(!ok(&[("host", "api.example"), ("origin", "foo://api.example")]));
        assert!(!ok(&[("host", "api.example"), ("origin", "https://api.example:8443")]));
        assert!(!ok(&[("host", "api.example"), ("origin", "null")]));
        assert!(!ok(&[
            ("host", "api.example"),
            ("origin", "https://api.example"),
            ("origin", "https://evil.example"),
        ]));
        assert!(!ok(&[
            ("host", "api.example"),
            ("host", "evil.example"),
            ("origin", "https://api.example"),
        ]));
        assert!(!ok(&[("origin", "https://api.example")]), "no Host");
        assert!(!ok(&[("host", "api.example"), ("sec-fetch-site", "Cross-Site")]));
        assert!(
            https.cookie_allowed(&Method::GET, &headers(&[("origin", "https://evil.example")]))
        );
    }

    #[test]
    fn forwarded_proto_only_when_trusted() {
        let h = headers(&[
            ("host", "api.example"),
            ("origin", "https://api.example"),
            ("x-forwarded-proto", "https"),
        ]);
        assert!(!refuse("http").cookie_allowed(&Method::POST, &h));
        let proxied = CrossSite::Refuse {
            trusted_origins: vec![],
            scheme: "http".into(),
            forwarded_proto: true,
        };
        assert!(proxied.cookie_allowed(&Method::POST, &h));
    }
}

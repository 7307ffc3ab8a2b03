//! Where a request's token comes from: an ordered list of sources (the
//! `Authorization` header, a cookie), the first one present deciding.

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};

use super::AuthError;

/// One place a token may be carried.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenSource {
    /// `NAME: SCHEME TOKEN`, the scheme compared case-insensitively
    /// (default `Authorization: Bearer`).
    Header {
        /// The header name.
        name: HeaderName,
        /// The scheme, e.g. `Bearer`.
        scheme: String,
    },
    /// A cookie of this name (default `access_token`).
    Cookie(String),
    /// The `Sec-WebSocket-Protocol` header of a WebSocket handshake, where
    /// browsers cannot set `Authorization`: an offered protocol
    /// `base64url.bearer.warden.<the token, base64url-encoded>` carries the
    /// token (the Kubernetes convention; base64url because `=` and other
    /// token characters are not allowed in a protocol name). The handler
    /// echoes a real protocol, e.g. [`ws::PROTOCOL`](crate::ws::PROTOCOL).
    WebSocketProtocol,
}

/// The prefix of the offered protocol that carries the token.
pub const WS_TOKEN_PREFIX: &str = "base64url.bearer.warden.";

/// A token and where it was found.
#[derive(Clone, Debug)]
pub(crate) enum Credential<'a> {
    /// After the scheme: bytes, read as text only when the token was not
    /// verified before ([`Credential::text`]).
    Header(&'a [u8]),
    Cookie(&'a str),
    /// Decoded from the WebSocket protocol header.
    Protocol(String),
}

impl Credential<'_> {
    /// The token as found, what the verified-token cache is looked up by.
    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            Credential::Header(token) => token,
            Credential::Cookie(token) => token.as_bytes(),
            Credential::Protocol(token) => token.as_bytes(),
        }
    }

    /// The token as text; `None` for a header token that is not ASCII,
    /// which is no bearer credential (as a header of another scheme).
    ///
    /// A header value parsed by hyper holds no control character but tab,
    /// so ASCII here is what `HeaderValue::to_str` accepts (one built with
    /// an unchecked constructor might; the base64url decoding refuses it).
    /// The check is left until a token must be verified: on every request
    /// it cost ~400 instructions of the ~250-byte value, where a cache hit
    /// needs only its bytes, equal to those of a token verified before.
    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            Credential::Header(token) => {
                std::str::from_utf8(token).ok().filter(|text| text.is_ascii())
            }
            Credential::Cookie(token) => Some(token),
            Credential::Protocol(token) => Some(token),
        }
    }
}

/// What one source found.
enum Found<'a> {
    /// Nothing there: the next source is asked.
    Absent,
    /// The source is present; `None` when it holds no usable token (a
    /// header with another scheme). The next source is not asked.
    Present(Option<Credential<'a>>),
}

/// The request's token: the first present source decides, so a present
/// header never falls back to the cookie.
pub(crate) fn credential<'a>(
    sources: &[TokenSource],
    headers: &'a HeaderMap,
) -> Result<Option<Credential<'a>>, AuthError> {
    for source in sources {
        let found = match source {
            TokenSource::Header { name, scheme } => from_header(headers, name, scheme)?,
            TokenSource::Cookie(name) => from_cookie(headers, name)?,
            TokenSource::WebSocketProtocol => from_ws_protocol(headers)?,
        };
        if let Found::Present(credential) = found {
            return Ok(credential);
        }
    }
    Ok(None)
}

fn from_header<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
    scheme: &str,
) -> Result<Found<'a>, AuthError> {
    let mut values = headers.get_all(name).iter();
    let Some(value) = values.next() else { return Ok(Found::Absent) };
    if values.next().is_some() {
        return Err(AuthError::InvalidRequest("multiple authorization headers"));
    }
    Ok(Found::Present(bearer(value, scheme).map(Credential::Header)))
}

/// `SCHEME 1*SP token`, scheme case-insensitive. Another scheme or no
/// token is "no bearer credential"; so is a token that is not ASCII, which
/// [`Credential::text`] tells when the token must be read.
fn bearer<'a>(value: &'a HeaderValue, scheme: &str) -> Option<&'a [u8]> {
    let (got, rest) = value.as_bytes().split_at_checked(scheme.len())?;
    // Clients write the scheme as configured; the byte compare comes first
    // as it is several times cheaper than the case-insensitive one.
    let scheme = scheme.as_bytes();
    if !(got == scheme || got.eq_ignore_ascii_case(scheme)) || rest.first() != Some(&b' ') {
        return None;
    }
    let start = rest.iter().position(|&b| b != b' ')?;
    Some(&rest[start..])
}

fn from_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Result<Found<'a>, AuthError> {
    let cookies = named_cookies(headers, name)
        .ok_or(AuthError::InvalidRequest("unreadable cookie header"))?;
    let mut found = None;
    for value in cookies {
        if found.is_some() {
            return Err(AuthError::InvalidRequest("multiple token cookies"));
        }
        found = Some(value);
    }
    Ok(match found.filter(|t| !t.is_empty()) {
        Some(token) => Found::Present(Some(Credential::Cookie(token))),
        None => Found::Absent,
    })
}

fn from_ws_protocol(headers: &HeaderMap) -> Result<Found<'static>, AuthError> {
    use base64::Engine as _;
    let mut found = None;
    for value in headers.get_all(header::SEC_WEBSOCKET_PROTOCOL) {
        let Ok(value) = value.to_str() else {
            // As for cookies: a 400, not a 401.
            if may_hold(value, WS_TOKEN_PREFIX) {
                return Err(AuthError::InvalidRequest("unreadable token protocol header"));
            }
            continue;
        };
        for offered in value.split(',').map(str::trim) {
            let Some(encoded) = offered.strip_prefix(WS_TOKEN_PREFIX) else { continue };
            if found.is_some() {
                return Err(AuthError::InvalidRequest("multiple token protocols"));
            }
            let token = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(encoded)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or(AuthError::InvalidRequest("token protocol is not base64url"))?;
            found = Some(token);
        }
    }
    Ok(match found {
        Some(token) => Found::Present(Some(Credential::Protocol(token))),
        None => Found::Absent,
    })
}

/// The values of the cookies named `name` (the auth layer's access cookie,
/// the sessions' refresh cookie), each without one pair of enclosing quotes,
/// empty ones included; `None` when a Cookie header is not text and may
/// hold one: it cannot be searched reliably, so which value is the client's
/// cannot be told.
pub(crate) fn named_cookies<'a>(
    headers: &'a HeaderMap,
    name: &str,
) -> Option<impl Iterator<Item = &'a str>> {
    let values = headers.get_all(header::COOKIE);
    if values.iter().any(|v| v.to_str().is_err() && may_hold(v, name)) {
        return None;
    }
    let cookies = values.into_iter().filter_map(|v| v.to_str().ok());
    Some(
        cookies
            .flat_map(cookie::Cookie::split_parse)
            .flatten()
            .filter(move |cookie| cookie.name() == name)
            // `value()` would strip one pair of enclosing quotes, but borrow
            // from the parsed cookie; `value_raw` borrows from the header.
            .map(|cookie| cookie.value_raw().map_or("", unquote)),
    )
}

/// Whether a header value that is not text has `needle`'s bytes in it.
fn may_hold(value: &HeaderValue, needle: &str) -> bool {
    value.as_bytes().windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// A cookie value without one pair of enclosing double quotes (RFC 6265
/// §4.1.1 allows them).
fn unquote(value: &str) -> &str {
    value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_protocol_header_is_ambiguous_only_if_it_may_hold_the_token() {
        let headers = |bytes: &[u8]| {
            let mut headers = HeaderMap::new();
            headers.insert(header::SEC_WEBSOCKET_PROTOCOL, HeaderValue::from_bytes(bytes).unwrap());
            headers
        };
        let with_token = headers(b"warden, base64url.bearer.warden.\xffAAAA");
        assert!(matches!(
            from_ws_protocol(&with_token),
            Err(AuthError::InvalidRequest("unreadable token protocol header"))
        ));
        let without = headers(b"chat, \xffsuperchat");
        assert!(matches!(from_ws_protocol(&without), Ok(Found::Absent)));
    }

    #[test]
    fn bearer_reads_scheme_spaces_and_token_as_rfc_6750_says() {
        let read = |v: &[u8]| {
            let value = HeaderValue::from_bytes(v).expect("a header value");
            bearer(&value, "Bearer")
                .map(|token| Credential::Header(token).text().map(str::to_owned))
        };
        assert_eq!(read(b"Bearer abc.def.ghi"), Some(Some("abc.def.ghi".into())));
        assert_eq!(read(b"bEARER   abc"), Some(Some("abc".into())), "case, several spaces");
        assert_eq!(read(b"Bearer "), None, "no token");
        assert_eq!(read(b"Bearer\tabc"), None, "a tab is not the separator");
        assert_eq!(read(b"Basic abc"), None, "another scheme");
        assert_eq!(read(b"Bearerabc"), None, "no separator");
        assert_eq!(read(b"Bear"), None, "shorter than the scheme");
        assert_eq!(read(b"Bearer ab\xc3\xa9"), Some(None), "not ASCII");
        assert_eq!(read(b"Bearer ab\xff"), Some(None), "not UTF-8");
    }
}

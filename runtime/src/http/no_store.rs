//! Responses that must not be cached.

use std::convert::Infallible;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponseParts, ResponseParts};

/// Marks a response as not storable by any cache (`Cache-Control: no-store`,
/// `Pragma: no-cache`), as RFC 6749 §5.1 requires of every response that
/// carries a token. Put it first in a response tuple:
///
/// ```
/// use warden::{Json, NoStore, route};
///
/// #[route(post, "/auth/", public)]
/// async fn signin() -> (NoStore, Json<String>) {
///     (NoStore, Json("a token".to_owned()))
/// }
/// ```
///
/// Warden's own token-issuing responses carry it already.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoStore;

impl IntoResponseParts for NoStore {
    type Error = Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Infallible> {
        let headers = res.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        Ok(res)
    }
}

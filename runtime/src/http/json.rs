//! `Json<T>`: axum's JSON extractor and response with errors in the envelope.

use axum::body::Bytes;
use axum::extract::{FromRequest, OptionalFromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::HttpError;

/// A JSON request body or response.
///
/// As a response it is `axum::Json`. As an extractor it answers a bad body
/// with the error envelope: 400 naming the offending field (but never echoing
/// the value, which may be a password), 415 without a JSON content type, 413
/// over axum's body limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = HttpError;

    async fn from_request(req: Request, state: &S) -> Result<Self, HttpError> {
        if !is_json_content_type(&req) {
            return Err(HttpError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "expected request with `Content-Type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|rejection| HttpError::new(rejection.status(), rejection.body_text()))?;
        let deserializer = &mut serde_json::Deserializer::from_slice(&bytes);
        let value =
            serde_path_to_error::deserialize(&mut *deserializer).map_err(|err| body_error(&err))?;
        // One JSON value and nothing after it, as axum's `Json` requires.
        deserializer.end().map_err(|_| {
            HttpError::invalid_body(None, "trailing characters after the JSON value".to_owned())
        })?;
        Ok(Json(value))
    }
}

/// `Option<Json<T>>`: `None` for a request without a body (no
/// `Content-Type`, no or zero `Content-Length`), e.g. a refresh that carries
/// its token in a cookie; any body is read as `Json<T>` would.
impl<T, S> OptionalFromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = HttpError;

    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, HttpError> {
        let headers = req.headers();
        let empty = !headers.contains_key(header::CONTENT_TYPE)
            && headers.get(header::CONTENT_LENGTH).is_none_or(|len| len.as_bytes() == b"0");
        if empty {
            return Ok(None);
        }
        <Json<T> as FromRequest<S>>::from_request(req, state).await.map(Some)
    }
}

fn is_json_content_type(req: &Request) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else { return false };
    let Ok(value) = value.to_str() else { return false };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else { return false };
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json")
            || subtype.len() > 5 && subtype[subtype.len() - 5..].eq_ignore_ascii_case("+json"))
}

/// 400 naming the field. serde's messages quote the rejected value ("invalid
/// type: string \"hunter2\", expected ..."), so only the "expected" part and
/// messages that carry no input value are kept.
fn body_error(err: &serde_path_to_error::Error<serde_json::Error>) -> HttpError {
    let path = err.path().to_string();
    let inner = err.inner();
    let message = inner.to_string();
    // serde_json appends " at line L column C"; drop it.
    let message = message.split(" at line ").next().unwrap_or_default();
    let description = if inner.is_data() {
        if message.starts_with("missing field") || message.starts_with("unknown field") {
            message.to_owned()
        } else if let Some((_, expected)) = message.rsplit_once(", expected ") {
            format!("invalid value: expected {expected}")
        } else {
            "invalid value".to_owned()
        }
    } else if inner.is_eof() {
        "unexpected end of JSON input".to_owned()
    } else {
        "malformed JSON".to_owned()
    };
    // A missing field is named by the message, not the path (which stops at
    // the object that lacks it).
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(name, _)| if path == "." { name.to_owned() } else { format!("{path}.{name}") });
    let field = missing.or((path != ".").then_some(path));
    HttpError::invalid_body(field, description)
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)] // only deserialized
    struct Login {
        id: u32,
        password: String,
    }

    fn error_for(body: &str) -> serde_json::Value {
        let de = &mut serde_json::Deserializer::from_str(body);
        let err = serde_path_to_error::deserialize::<_, Login>(de).unwrap_err();
        body_error(&err).detail()
    }

    #[test]
    fn names_the_field_without_echoing_the_value() {
        let detail = error_for(r#"{"id": 1, "password": 1234567}"#);
        assert_eq!(detail["field"], "password");
        assert!(!detail.to_string().contains("1234567"));
        let missing = error_for(r#"{"password": "x"}"#);
        assert_eq!(
            (missing["field"].as_str(), missing["description"].as_str()),
            (Some("id"), Some("missing field `id`"))
        );
        assert_eq!(error_for(r#"{"id": "#)["description"], "unexpected end of JSON input");
        // The value itself may contain ", expected ": only serde's own last
        // clause is kept.
        let detail = error_for(r#"{"id": "x, expected <SECRET>", "password": "p"}"#);
        assert_eq!(detail["description"], "invalid value: expected u32");
    }
}

//! Error responses in Flama's envelope:
//! `{"status_code": 401, "detail": ..., "error": null}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

/// An HTTP error answered with Flama's JSON envelope.
///
/// ```
/// use axum::http::StatusCode;
/// use warden::HttpError;
///
/// let err = HttpError::new(StatusCode::NOT_FOUND, "Model not found");
/// assert_eq!(err.status(), StatusCode::NOT_FOUND);
/// ```
#[derive(Clone, Debug)]
pub struct HttpError {
    status: StatusCode,
    detail: Detail,
    www_authenticate: Option<HeaderValue>,
}

/// Structs rather than maps where Warden writes the detail, so members come
/// in Flama's order (`error` first) without making every JSON map of the
/// process order-preserving.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
enum Detail {
    Value(Value),
    Token { error: &'static str, description: &'static str },
    Body { error: &'static str, field: Option<String>, description: String },
}

#[derive(Serialize)]
struct Envelope<'a> {
    status_code: u16,
    detail: &'a Detail,
    error: Option<()>,
}

impl HttpError {
    /// An error with a plain-text `detail`.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        HttpError::with_detail(status, Value::String(detail.into()))
    }

    /// An error whose `detail` is any JSON value.
    pub fn with_detail(status: StatusCode, detail: Value) -> Self {
        HttpError { status, detail: Detail::Value(detail), www_authenticate: None }
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The `detail` member of the envelope.
    pub fn detail(&self) -> Value {
        match &self.detail {
            Detail::Value(value) => value.clone(),
            detail => serde_json::to_value(detail).expect("a detail always serializes"),
        }
    }

    /// 400 for a request body that is not the expected JSON.
    pub(crate) fn invalid_body(field: Option<String>, description: String) -> Self {
        HttpError {
            status: StatusCode::BAD_REQUEST,
            detail: Detail::Body { error: "InvalidBody", field, description },
            www_authenticate: None,
        }
    }

    pub(crate) fn www_authenticate(mut self, value: HeaderValue) -> Self {
        self.www_authenticate = Some(value);
        self
    }

    /// 4xx for a token, with Flama's `{"error": ..., "description": ...}`.
    pub(crate) fn token(
        status: StatusCode,
        error: &'static str,
        description: &'static str,
    ) -> Self {
        HttpError { status, detail: Detail::Token { error, description }, www_authenticate: None }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&Envelope {
            status_code: self.status.as_u16(),
            detail: &self.detail,
            error: None,
        })
        .expect("a JSON value always serializes");
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            body,
        )
            .into_response();
        if let Some(value) = self.www_authenticate {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.detail())
    }
}

impl std::error::Error for HttpError {}

//! Puts plain-text client errors into Flama's envelope.
//!
//! axum's own extractors (`Path`, `Query`, `axum::Json`, `Form`, ...) reject
//! with `text/plain` bodies. On every Warden route their 4xx answers are
//! rewritten as `{"status_code": ..., "detail": "<the text>", "error": null}`,
//! with the status and other headers kept, so that clients see one error
//! format. Successful responses pass through without allocation.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::extract::Request;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use super::HttpError;

/// Rejection texts are short; anything longer is cut.
const MAX_TEXT: usize = 16 * 1024;

#[derive(Clone, Copy, Debug)]
pub(crate) struct EnvelopeLayer;

impl<S> Layer<S> for EnvelopeLayer {
    type Service = EnvelopeService<S>;

    fn layer(&self, inner: S) -> EnvelopeService<S> {
        EnvelopeService { inner }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct EnvelopeService<S> {
    inner: S,
}

impl<S> Service<Request> for EnvelopeService<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = EnvelopeFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        EnvelopeFuture::Inner { future: self.inner.call(req) }
    }
}

type Rewrite = Pin<Box<dyn Future<Output = Response> + Send>>;

pin_project_lite::pin_project! {
    #[project = EnvelopeProj]
    pub(crate) enum EnvelopeFuture<F> {
        Inner { #[pin] future: F },
        Rewrite { future: Rewrite },
    }
}

impl<F> Future for EnvelopeFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            match self.as_mut().project() {
                EnvelopeProj::Inner { future } => {
                    let response = ready!(future.poll(cx))?;
                    if !is_plain_client_error(&response) {
                        return Poll::Ready(Ok(response));
                    }
                    self.set(EnvelopeFuture::Rewrite { future: Box::pin(rewrite(response)) });
                }
                EnvelopeProj::Rewrite { future } => return future.as_mut().poll(cx).map(Ok),
            }
        }
    }
}

fn is_plain_client_error(response: &Response) -> bool {
    response.status().is_client_error()
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain"))
}

async fn rewrite(response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let text = match axum::body::to_bytes(body, MAX_TEXT).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => parts.status.canonical_reason().unwrap_or("Bad Request").to_owned(),
    };
    let mut enveloped = HttpError::new(parts.status, text).into_response();
    copy_other_headers(&parts.headers, enveloped.headers_mut());
    enveloped
}

/// Keeps what the original response said (`Allow`, `Retry-After`, ...)
/// except its description of the body.
pub(crate) fn copy_other_headers(from: &HeaderMap, to: &mut HeaderMap) {
    for (name, value) in from {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            to.append(name, value.clone());
        }
    }
}

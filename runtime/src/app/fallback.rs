//! [`JsonErrors`]: axum's own empty 404 and 405 answers, in Flama's
//! envelope, without a custom fallback.
//!
//! axum refuses to merge two routers that both set a fallback
//! (`Router::fallback`), so a Warden router keeps axum's default one and this
//! layer rewrites what it answers. axum maps the default fallback through a
//! router-level layer and still counts it as the default, so the router
//! merges with any other; `App` layers an empty router's fallback and
//! merges it in, which keeps the layer off the routes.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body::Body as _;
use tower::{Layer, Service};

use crate::HttpError;
use crate::http::rejection::copy_other_headers;

/// A layer answering axum's bodiless 404 (no route) and 405 (no handler for
/// the method) with Flama's envelope, keeping their headers (`Allow`).
///
/// Every router [`App::build`](crate::App::build) returns carries it on its
/// fallback only (a wrong method gets the envelope from the method routers'
/// own fallback), so its unknown paths and wrong methods answer JSON while
/// it keeps axum's default fallback: it merges (`Router::merge`) with any
/// other router, Warden's or not, with or without a fallback of its own;
/// and its routes pay for no router-wide layer.
///
/// After a merge or a nest, the outer router decides what an unknown path
/// answers: a custom fallback wins; between two default ones, axum keeps
/// the one of the router passed to `merge`. Apply this layer to the
/// outermost router to make every bodiless 404 and 405 the envelope:
///
/// ```
/// use axum::Router;
/// use axum::routing::get;
/// use warden::{App, Json, JsonErrors, route, routes};
///
/// #[route(get, "/hello/", public)]
/// async fn hello() -> Json<&'static str> {
///     Json("hello")
/// }
///
/// # fn main() -> Result<(), warden::BuildError> {
/// let api = App::new("Demo", "1.0.0").routes(routes![hello]).build()?;
/// let app: Router = Router::new()
///     .route("/health", get(|| async { "ok" }))
///     .merge(api)
///     .layer(JsonErrors);
/// # Ok(()) }
/// ```
///
/// A response with a body, a content type, or another status passes
/// through untouched; so does a handler's own bodiless 404 only if it sets
/// a content type.
#[derive(Clone, Copy, Debug, Default)]
pub struct JsonErrors;

impl<S> Layer<S> for JsonErrors {
    type Service = JsonErrorsService<S>;

    fn layer(&self, inner: S) -> JsonErrorsService<S> {
        JsonErrorsService { inner }
    }
}

/// The service of [`JsonErrors`].
#[derive(Clone, Debug)]
pub struct JsonErrorsService<S> {
    inner: S,
}

impl<S> Service<Request> for JsonErrorsService<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = JsonErrorsFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        JsonErrorsFuture { future: self.inner.call(req) }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`JsonErrorsService`].
    #[derive(Debug)]
    pub struct JsonErrorsFuture<F> {
        #[pin]
        future: F,
    }
}

impl<F> Future for JsonErrorsFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let response = ready!(self.project().future.poll(cx))?;
        Poll::Ready(Ok(envelope_if_bare(response)))
    }
}

fn envelope_if_bare(response: Response) -> Response {
    let detail = match response.status() {
        StatusCode::NOT_FOUND => "Not Found",
        StatusCode::METHOD_NOT_ALLOWED => "Method Not Allowed",
        _ => return response,
    };
    if response.headers().contains_key(header::CONTENT_TYPE)
        || response.body().size_hint().exact() != Some(0)
    {
        return response;
    }
    let (parts, _) = response.into_parts();
    let mut enveloped = HttpError::new(parts.status, detail).into_response();
    copy_other_headers(&parts.headers, enveloped.headers_mut());
    enveloped
}

//! The enforcement layer: one per protected route, with the route baked in,
//! so a request does no table lookup and its cost does not grow with the
//! number of routes. It runs before any of the handler's extractors.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use super::Authenticator;
use super::decision::Guard;
use crate::table::Route;

/// Layer enforcing one route's policy.
#[derive(Clone, Debug)]
pub(crate) struct AuthLayer {
    guard: Arc<Guard>,
}

impl AuthLayer {
    pub(crate) fn new(auth: Authenticator, route: &'static Route) -> Self {
        AuthLayer { guard: Arc::new(Guard::new(auth, route)) }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> AuthService<S> {
        AuthService { inner, guard: self.guard.clone() }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct AuthService<S> {
    inner: S,
    guard: Arc<Guard>,
}

impl<S> Service<Request> for AuthService<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = AuthFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        match self.guard.check(req.method(), req.headers()) {
            Ok(claims) => {
                req.extensions_mut().insert(claims);
                AuthFuture::Inner { future: self.inner.call(req) }
            }
            Err(error) => AuthFuture::Rejected { response: Some(error.into_response()) },
        }
    }
}

pin_project_lite::pin_project! {
    /// Either the handler's future or an immediate rejection; no boxing.
    #[project = AuthFutureProj]
    pub(crate) enum AuthFuture<F> {
        Inner { #[pin] future: F },
        Rejected { response: Option<Response> },
    }
}

impl<F> Future for AuthFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            AuthFutureProj::Inner { future } => future.poll(cx),
            AuthFutureProj::Rejected { response } => {
                Poll::Ready(Ok(response.take().expect("AuthFuture polled after completion")))
            }
        }
    }
}

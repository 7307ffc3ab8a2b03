//! The one layer of every route: enforcement (on a protected route, with the
//! route baked in, so a request does no table lookup and its cost does not
//! grow with the number of routes; it runs before any of the handler's
//! extractors) around the envelope of the handler's own rejections.
//!
//! Public and protected routes thus go through the same number of axum
//! `Route` boxes: a second layer would cost every protected request another
//! boxed service clone and boxed future.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use super::decision::{Check, Guard};
use super::{Authenticator, Claims};
use crate::http::HttpError;
use crate::http::rejection::{EnvelopeLayer, EnvelopeService};
use crate::table::Route;
use crate::ws::WatchStore;

/// Layer enforcing one route's policy (none on a public route), around the
/// envelope.
#[derive(Clone, Debug)]
pub(crate) struct AuthLayer {
    guard: Option<Arc<Guard>>,
}

impl AuthLayer {
    /// A protected route's layer.
    pub(crate) fn new(auth: Authenticator, route: &'static Route) -> Self {
        AuthLayer { guard: Some(Arc::new(Guard::new(auth, route))) }
    }

    /// A public route's layer: the envelope only.
    pub(crate) fn public() -> Self {
        AuthLayer { guard: None }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<EnvelopeService<S>>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService { inner: EnvelopeLayer.layer(inner), guard: self.guard.clone() }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct AuthService<S> {
    inner: S,
    guard: Option<Arc<Guard>>,
}

impl<S> Service<Request> for AuthService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone,
{
    type Response = Response;
    type Error = Infallible;
    type Future = AuthFuture<S>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let Some(guard) = &self.guard else {
            return AuthFuture::Inner { future: self.inner.call(req) };
        };
        match guard.check(req.method(), req.headers()) {
            Check::Allowed(claims) => {
                req.extensions_mut().insert(claims);
                AuthFuture::Inner { future: self.inner.call(req) }
            }
            Check::Anonymous => AuthFuture::Inner { future: self.inner.call(req) },
            Check::Denied(error) => AuthFuture::Rejected { response: Some(error.into_response()) },
            Check::Pending(check) => {
                // The service that was made ready goes into the future; a
                // clone stays here for the next request.
                let clone = self.inner.clone();
                let inner = std::mem::replace(&mut self.inner, clone);
                let watch_store = guard.watch_store();
                AuthFuture::Waiting { check, pending: Some((inner, req)), watch_store }
            }
        }
    }
}

type PendingCheck = Pin<Box<dyn Future<Output = Result<Claims, HttpError>> + Send>>;

pin_project_lite::pin_project! {
    /// The handler's future, an immediate rejection, or (rarely: a key to
    /// fetch) a check still running; only that last one is boxed.
    #[project = AuthFutureProj]
    pub(crate) enum AuthFuture<S: Service<Request>> {
        Inner { #[pin] future: S::Future },
        Rejected { response: Option<Response> },
        Waiting {
            check: PendingCheck,
            pending: Option<(S, Request)>,
            watch_store: Option<WatchStore>,
        },
    }
}

impl<S> Future for AuthFuture<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            match self.as_mut().project() {
                AuthFutureProj::Inner { future } => return future.poll(cx),
                AuthFutureProj::Rejected { response } => {
                    return Poll::Ready(Ok(response
                        .take()
                        .expect("AuthFuture polled after completion")));
                }
                AuthFutureProj::Waiting { check, pending, watch_store } => {
                    let decided = ready!(check.as_mut().poll(cx));
                    let (mut inner, mut req) =
                        pending.take().expect("AuthFuture polled after completion");
                    match decided {
                        Ok(claims) => {
                            req.extensions_mut().insert(claims);
                            if let Some(store) = watch_store.take() {
                                req.extensions_mut().insert(store);
                            }
                            let future = inner.call(req);
                            self.set(AuthFuture::Inner { future });
                        }
                        Err(error) => {
                            self.set(AuthFuture::Rejected {
                                response: Some(error.into_response()),
                            });
                        }
                    }
                }
            }
        }
    }
}

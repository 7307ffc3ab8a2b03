//! The enforcement layer: one per protected route, with the route's policy
//! baked in, so a request does no table lookup and its cost does not grow
//! with the number of routes. It runs before any of the handler's extractors.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use crate::auth::Authenticator;
use crate::route::Policy;

#[derive(Debug)]
struct Guard {
    auth: Authenticator,
    policy: Policy,
    /// `WWW-Authenticate` for a 403, computed once per route.
    forbidden: HeaderValue,
}

/// Layer enforcing one route's [`Policy`].
#[derive(Clone, Debug)]
pub(crate) struct AuthLayer {
    guard: Arc<Guard>,
}

impl AuthLayer {
    pub(crate) fn new(auth: Authenticator, policy: Policy) -> Self {
        // RFC 6750 §3 names one scope value; for alternatives, the first set
        // (the others are in the OpenAPI document). Permissions are checked
        // by `#[route]` to be RFC 6749 scope tokens, valid in a
        // quoted-string; a hand-built `Policy` might not be, and then the
        // header omits the scope.
        let scope = policy.alternatives().first().map(|set| set.join(" ")).unwrap_or_default();
        let forbidden =
            HeaderValue::try_from(format!(r#"Bearer error="insufficient_scope", scope="{scope}""#))
                .unwrap_or_else(|_| {
                    HeaderValue::from_static(r#"Bearer error="insufficient_scope""#)
                });
        AuthLayer { guard: Arc::new(Guard { auth, policy, forbidden }) }
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
        let guard = &*self.guard;
        match guard.auth.authorize(req.method(), req.headers(), &guard.policy, &guard.forbidden) {
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

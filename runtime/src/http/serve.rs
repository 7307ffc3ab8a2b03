//! Serving a router until Ctrl-C.

use std::fmt;
use std::net::SocketAddr;

use axum::Router;

use crate::app::{App, BuildError};

impl App<()> {
    /// Builds the router and serves it on `addr` until Ctrl-C.
    pub async fn serve(self, addr: SocketAddr) -> Result<(), ServeError> {
        serve(self.build().map_err(ServeError::Build)?, addr).await
    }
}

/// Serves a router built by [`App::build`] (after `with_state`, for apps with
/// state) on `addr` until Ctrl-C.
pub async fn serve(router: Router, addr: SocketAddr) -> Result<(), ServeError> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(ServeError::Io)?;
    serve_listener(listener, router).await
}

/// Serves a router on an already bound listener until Ctrl-C.
pub async fn serve_listener(
    listener: tokio::net::TcpListener,
    router: Router,
) -> Result<(), ServeError> {
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(ServeError::Io)
}

/// Why [`App::serve`] stopped.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServeError {
    /// The app is misconfigured.
    Build(BuildError),
    /// Binding or serving failed.
    Io(std::io::Error),
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServeError::Build(e) => e.fmt(f),
            ServeError::Io(e) => write!(f, "server error: {e}"),
        }
    }
}

impl std::error::Error for ServeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServeError::Build(e) => Some(e),
            ServeError::Io(e) => Some(e),
        }
    }
}

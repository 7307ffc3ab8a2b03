//! What both example binaries log: `RUST_LOG` (default `info`), one line per
//! request, Warden's denial events. Never a token.

use std::time::Instant;

use axum::Router;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tracing_subscriber::EnvFilter;

/// Installs the subscriber; a bad `RUST_LOG` is an error naming it.
pub fn init_logging() -> Result<(), String> {
    let filter = match crate::env::var("RUST_LOG")? {
        Some(spec) => EnvFilter::try_new(&spec).map_err(|e| format!("RUST_LOG: {e}"))?,
        None => EnvFilter::new("info"),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    Ok(())
}

/// `router` with [`log_request`] around it when `RUST_LOG` lets its lines
/// through; otherwise the layer (a boxed future, a copy of the path, a
/// clock read per request) is left out: with `RUST_LOG=warn` the examples
/// serve at the speed a benchmark should measure.
pub fn with_request_log<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    if tracing::enabled!(target: "warden_examples::http", tracing::Level::INFO) {
        router.layer(axum::middleware::from_fn(log_request))
    } else {
        router
    }
}

/// One line per request (target `warden_examples::http`): method, path
/// (without the query, which may carry secrets), status and latency.
pub async fn log_request(request: Request, next: Next) -> Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let start = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        target: "warden_examples::http",
        %method,
        path,
        status = response.status().as_u16(),
        micros = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX),
        "request"
    );
    response
}

//! Serving a router over HTTP/1.1 with the limits a public API needs: read
//! deadlines per connection phase, a connection cap with back-pressure, and a
//! graceful shutdown with a deadline. User-facing docs are on [`Server`].
//!
//! Why not `axum::serve`: it builds its hyper connections without a timer and
//! offers no access to the builder, so hyper's header-read timeout never
//! fires; it has no connection cap; it cannot tell a connection's idle wait
//! from its header read; and its graceful shutdown waits for every
//! connection with no deadline. So the accept loop below is our own, on
//! hyper's HTTP/1 connection builder.
//!
//! Why our own deadlines rather than hyper's `header_read_timeout`: hyper
//! (1.x) starts that timer as soon as a response is written, so on a
//! keep-alive connection it also bounds the idle wait, and the two limits
//! cannot differ. `Watched` (the socket) and `InFlight` (the request) track
//! the phase instead, and hyper's timer is off: it boxed a new `Sleep`,
//! registered it with the timer wheel and read the clock for every request
//! (~1,700 instructions of a ~23,000-instruction request, under callgrind),
//! to enforce a limit ours already do by construction.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker, ready};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderValue, Method, Request, Response, StatusCode, Version, header};
use axum::response::IntoResponse;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

use crate::app::{App, BuildError};
use crate::http::HttpError;

const TARGET: &str = "warden::serve";

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl App<()> {
    /// Builds the router and serves it on `addr` with [`Server`]'s defaults
    /// until SIGINT (Ctrl-C) or SIGTERM.
    pub async fn serve(self, addr: SocketAddr) -> Result<(), ServeError> {
        self.serve_with(addr, &Server::new()).await
    }

    /// Builds the router and serves it on `addr` with `server`'s limits until
    /// SIGINT (Ctrl-C) or SIGTERM.
    pub async fn serve_with(self, addr: SocketAddr, server: &Server) -> Result<(), ServeError> {
        server.serve(self.build().map_err(ServeError::Build)?, addr).await
    }
}

/// Serves a router built by [`App::build`] (after `with_state`, for apps with
/// state) on `addr` with [`Server`]'s defaults until SIGINT (Ctrl-C) or
/// SIGTERM.
pub async fn serve(router: Router, addr: SocketAddr) -> Result<(), ServeError> {
    Server::new().serve(router, addr).await
}

/// Serves a router on an already bound listener with [`Server`]'s defaults
/// until SIGINT (Ctrl-C) or SIGTERM.
pub async fn serve_listener(listener: TcpListener, router: Router) -> Result<(), ServeError> {
    Server::new().serve_listener(listener, router).await
}

/// How Warden serves HTTP/1.1: timeouts, a connection cap, and graceful
/// shutdown. [`serve`], [`serve_listener`] and [`App::serve`] use
/// [`Server::new`]'s defaults; build one to change them.
///
/// ```no_run
/// use std::time::Duration;
/// use warden::Server;
///
/// # async fn run(router: axum::Router) -> Result<(), warden::ServeError> {
/// Server::new()
///     .max_connections(256)
///     .body_read_timeout(Duration::from_secs(60)) // large uploads
///     .serve(router, "0.0.0.0:8000".parse().unwrap())
///     .await
/// # }
/// ```
///
/// # Limits and defaults
///
/// | setting | default | what happens when it is exceeded |
/// |---|---|---|
/// | [`header_read_timeout`](Self::header_read_timeout) | 10 s | the connection is closed without an answer |
/// | [`idle_timeout`](Self::idle_timeout) | 30 s | the keep-alive connection is closed |
/// | [`body_read_timeout`](Self::body_read_timeout) | 30 s | 408 in the JSON envelope, then the connection is closed |
/// | [`write_timeout`](Self::write_timeout) | 30 s | the connection is closed (the answer is cut off) |
/// | [`max_connections`](Self::max_connections) | 1024 | no further connection is accepted until one closes |
/// | [`drain_timeout`](Self::drain_timeout) | 10 s | connections still open at shutdown are closed |
///
/// - The **header read timeout** runs from the first byte of a request (for
///   a connection's first request, from the moment it is accepted) until its
///   head (request line and headers) is complete. A client that sends half a
///   request line or never ends its headers is disconnected.
/// - The **idle timeout** runs from the moment a response has been handed in
///   full to the socket until the first byte of the next request on a
///   keep-alive connection.
/// - The **body read timeout** runs from the end of the request head: the
///   whole body must arrive by then. A body that trickles in is cut off; the
///   handler's body read fails, and if the handler then answers with an
///   error (4xx/5xx, as `Json` and the other extractors do), the answer is
///   replaced by `408 {"status_code":408,"detail":"Request Timeout","error":null}`
///   with `Connection: close`. The time a handler spends computing is not
///   limited; add `tower_http::timeout::TimeoutLayer` for that.
/// - At **`max_connections`** open connections Warden stops calling
///   `accept`: further clients wait in the kernel's listen backlog and are
///   served, in order, as connections close. A warning is logged (at most
///   every 10 s) while the cap is reached.
/// - Each setting taking an `Option` accepts `None` to turn the limit off.
/// - The **write timeout** bounds how long a write may wait for the client
///   to make room: when the client takes nothing of an answer (or of a
///   WebSocket's messages) for that long, the connection is closed with a
///   reset. Each write that goes through starts it afresh, so a slow reader
///   that keeps reading is not cut off, however long the answer; a server
///   with nothing to send (a quiet stream) is not waiting on the client and
///   is not limited either. The kernel's socket buffers (up to a few MiB on
///   loopback) fill before a write waits, and the socket turns writable
///   again only once a good part of them has drained: in effect a reader
///   must take about a megabyte per timeout to count as reading (nginx's
///   `send_timeout` works the same way). The idle timeout starts only once
///   the whole answer has been handed to the socket.
/// - Not limited: how long a handler computes.
///
/// Accept errors (such as `EMFILE`, out of file descriptors) never stop the
/// server: they are logged as warnings (target `warden::serve`) and retried
/// after a pause growing from 10 ms to 1 s. Errors about a single client that
/// gave up before being accepted (`ECONNABORTED`, `ECONNRESET`) are logged at
/// debug level and retried at once.
///
/// Handlers can read the client's address with
/// `axum::extract::ConnectInfo<SocketAddr>`.
///
/// # Shutdown
///
/// [`serve`](Self::serve) and [`serve_listener`](Self::serve_listener) run
/// until SIGINT (Ctrl-C) or, on Unix, SIGTERM;
/// [`serve_with_shutdown`](Self::serve_with_shutdown) until a future of yours
/// completes. Then the listener is closed (new connections are refused),
/// connections without a request in flight (idle, or still sending a
/// request head) are closed, requests in flight finish (their answers
/// written out) and their connections close, and after the drain timeout
/// whatever is still open is closed; the call then returns `Ok(())`. Connections that were upgraded
/// (WebSocket) run in tasks of their own, which shutdown does not reach: end
/// them with a signal of your own. Dropping the returned future closes every
/// connection at once.
///
/// # Answers that do not carry the JSON envelope
///
/// hyper answers some malformed requests itself, before there is a request
/// for axum to route, so these answers have an empty body and no envelope:
///
/// - `400 Bad Request`: a malformed request line, method, URI, version or
///   header;
/// - `431 Request Header Fields Too Large`: more than 100 headers, or a head
///   that overflows hyper's read buffer (408 KiB);
/// - `414 URI Too Long`: a request target longer than 65 534 bytes.
///
/// The header and idle timeouts close the connection without an answer, as
/// there is no complete request to answer. Everything a handler, an
/// extractor or Warden's auth layer answers carries the envelope.
///
/// # Serving with your own `axum::serve`, or behind a proxy
///
/// The router from [`App::build`] works with `axum::serve` too, but `axum`
/// 0.8's server has no header, idle or body timeout, no connection cap, and
/// its graceful shutdown waits for every connection without a deadline: one
/// client sending half a request holds a connection, and its buffer, for as
/// long as it likes. If you serve it yourself, build the hyper connection
/// with a timer (`hyper_util::rt::TokioTimer`) and a `header_read_timeout`,
/// cap connections, and bound the body read (for example with
/// `tower_http::timeout::RequestBodyTimeoutLayer`).
///
/// Behind a reverse proxy (nginx, Envoy, a cloud load balancer), the proxy
/// usually absorbs slow clients: give it client header and body timeouts,
/// and keep this server's [`idle_timeout`](Self::idle_timeout) *longer*
/// than the proxy's upstream keep-alive timeout, or the proxy may send a
/// request on a connection this server is closing (a spurious 502). The
/// address in `ConnectInfo` is then the proxy's.
#[derive(Clone, Debug)]
pub struct Server {
    header_read_timeout: Option<Duration>,
    idle_timeout: Option<Duration>,
    body_read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
    max_connections: usize,
    drain_timeout: Option<Duration>,
}

impl Default for Server {
    fn default() -> Self {
        Server::new()
    }
}

impl Server {
    /// Default [`header_read_timeout`](Self::header_read_timeout): 10 s.
    pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default [`idle_timeout`](Self::idle_timeout): 30 s.
    pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
    /// Default [`body_read_timeout`](Self::body_read_timeout): 30 s.
    pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);
    /// Default [`write_timeout`](Self::write_timeout): 30 s.
    pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);
    /// Default [`max_connections`](Self::max_connections): 1024.
    pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
    /// Default [`drain_timeout`](Self::drain_timeout): 10 s.
    pub const DEFAULT_DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

    /// A server with the defaults in the table above.
    pub fn new() -> Self {
        Server {
            header_read_timeout: Some(Self::DEFAULT_HEADER_READ_TIMEOUT),
            idle_timeout: Some(Self::DEFAULT_IDLE_TIMEOUT),
            body_read_timeout: Some(Self::DEFAULT_BODY_READ_TIMEOUT),
            write_timeout: Some(Self::DEFAULT_WRITE_TIMEOUT),
            max_connections: Self::DEFAULT_MAX_CONNECTIONS,
            drain_timeout: Some(Self::DEFAULT_DRAIN_TIMEOUT),
        }
    }

    /// How long a client may take to send a request's head, from its first
    /// byte (from the accept, for a connection's first request). `None`
    /// turns it off.
    pub fn header_read_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.header_read_timeout = timeout.into();
        self
    }

    /// How long a keep-alive connection may wait for its next request after
    /// a response has been written out. `None` turns it off.
    pub fn idle_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.idle_timeout = timeout.into();
        self
    }

    /// How long a client may take to send a request's body, counted from the
    /// end of its head. `None` turns it off.
    pub fn body_read_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.body_read_timeout = timeout.into();
        self
    }

    /// How long a write may wait for the client to take bytes (an answer it
    /// does not read, a WebSocket it does not drain) before the connection
    /// is closed; each write that goes through starts it afresh. `None`
    /// turns it off: a client that stops reading then holds its connection
    /// for good (the idle timeout starts only once an answer is written
    /// out, and shutdown waits for it up to the drain timeout).
    pub fn write_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.write_timeout = timeout.into();
        self
    }

    /// How many connections may be open at once; 0 counts as 1.
    pub fn max_connections(mut self, max: usize) -> Self {
        // `acquire_many` at shutdown takes a `u32`.
        let ceiling = Semaphore::MAX_PERMITS.min(u32::MAX as usize);
        self.max_connections = max.clamp(1, ceiling);
        self
    }

    /// How long shutdown waits for connections to finish before closing
    /// them. `None` waits for as long as they take.
    pub fn drain_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.drain_timeout = timeout.into();
        self
    }

    /// Binds `addr` and serves `router` until SIGINT (Ctrl-C) or SIGTERM.
    pub async fn serve(&self, router: Router, addr: SocketAddr) -> Result<(), ServeError> {
        let listener = TcpListener::bind(addr).await.map_err(ServeError::Io)?;
        self.serve_listener(listener, router).await
    }

    /// Serves `router` on an already bound listener until SIGINT (Ctrl-C) or
    /// SIGTERM.
    pub async fn serve_listener(
        &self,
        listener: TcpListener,
        router: Router,
    ) -> Result<(), ServeError> {
        self.serve_with_shutdown(listener, router, shutdown_signal()).await
    }

    /// Serves `router` on an already bound listener until `shutdown`
    /// completes, then shuts down as described under
    /// [Shutdown](Self#shutdown). No signal handler is installed.
    pub async fn serve_with_shutdown<F>(
        &self,
        listener: TcpListener,
        router: Router,
        shutdown: F,
    ) -> Result<(), ServeError>
    where
        F: Future<Output = ()> + Send,
    {
        let max = self.max_connections;
        let permits = Arc::new(Semaphore::new(max));
        let (stop_tx, stop_rx) = watch::channel(Stop::Run);
        let builder = Self::http1();
        let limits = self.limits();
        let mut shutdown = pin!(shutdown);
        let mut backoff = Backoff::default();
        let mut last_cap_warning: Option<Instant> = None;

        loop {
            let permit = match Arc::clone(&permits).try_acquire_owned() {
                Ok(permit) => permit,
                Err(_) => {
                    if last_cap_warning.is_none_or(|at| at.elapsed() >= CAP_WARNING_EVERY) {
                        last_cap_warning = Some(Instant::now());
                        tracing::warn!(
                            target: TARGET,
                            max_connections = max,
                            "connection limit reached: not accepting until a connection closes"
                        );
                    }
                    tokio::select! {
                        biased;
                        () = &mut shutdown => break,
                        permit = Arc::clone(&permits).acquire_owned() => match permit {
                            Ok(permit) => permit,
                            Err(_) => break, // closed: never happens, the semaphore is ours
                        },
                    }
                }
            };
            let (stream, peer) = tokio::select! {
                biased;
                () = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => {
                        backoff.reset();
                        accepted
                    }
                    Err(error) if is_client_error(&error) => {
                        tracing::debug!(target: TARGET, %error, "client gone before accept");
                        continue;
                    }
                    Err(error) => {
                        let delay = backoff.next_delay();
                        tracing::warn!(
                            target: TARGET,
                            %error,
                            retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                            "accept failed; backing off"
                        );
                        tokio::select! {
                            biased;
                            () = &mut shutdown => break,
                            () = tokio::time::sleep(delay) => continue,
                        }
                    }
                }
            };
            spawn_connection(stream, peer, &router, &builder, limits, permit, stop_rx.clone());
        }

        // Closing the listener makes new connections fail at once instead of
        // waiting in the backlog of a server that will never accept them.
        drop(listener);
        let open = |permits: &Semaphore| max - permits.available_permits();
        tracing::info!(
            target: TARGET,
            open_connections = open(&permits),
            "shutting down: listener closed, draining connections"
        );
        stop_tx.send_replace(Stop::Drain);
        let all = u32::try_from(max).unwrap_or(u32::MAX);
        let drained = match self.drain_timeout {
            Some(timeout) => tokio::time::timeout(timeout, permits.acquire_many(all)).await.is_ok(),
            None => {
                let _ = permits.acquire_many(all).await;
                true
            }
        };
        if !drained {
            tracing::warn!(
                target: TARGET,
                open_connections = open(&permits),
                "drain timeout passed: closing the remaining connections"
            );
            stop_tx.send_replace(Stop::Close);
        }
        Ok(())
    }

    fn limits(&self) -> Limits {
        Limits {
            header: self.header_read_timeout,
            idle: self.idle_timeout,
            body: self.body_read_timeout,
            write: self.write_timeout,
        }
    }

    fn http1() -> http1::Builder {
        let mut builder = http1::Builder::new();
        // No timer: hyper's header timeout stays off (see the module docs).
        // The head and idle deadlines are `Watched`'s.
        builder.header_read_timeout(None);
        // `pipeline_flush` stays off: with it, hyper skips the socket's flush
        // while pipelined bytes wait, and the idle (or head) deadline starts
        // only at a flush (`Watched::poll_flush`).
        builder.keep_alive(true);
        builder
    }
}

const CAP_WARNING_EVERY: Duration = Duration::from_secs(10);

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM. A handler that cannot
/// be installed is logged and never completes, rather than shutting the
/// server down at once.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(target: TARGET, %error, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                if sigterm.recv().await.is_none() {
                    std::future::pending::<()>().await;
                }
            }
            Err(error) => {
                tracing::warn!(target: TARGET, %error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!(target: TARGET, "shutdown signal received");
}

/// Errors that concern one client that left before `accept`, not the server.
fn is_client_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
    )
}

/// Pause after a failed `accept`: 10 ms, doubling up to 1 s.
#[derive(Debug, Default)]
struct Backoff {
    last: Option<Duration>,
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(10);
    const MAX: Duration = Duration::from_secs(1);

    fn next_delay(&mut self) -> Duration {
        let delay = self.last.map_or(Self::FIRST, |last| (last * 2).min(Self::MAX));
        self.last = Some(delay);
        delay
    }

    fn reset(&mut self) {
        self.last = None;
    }
}

/// What the server asks of its connections; ordered, each step includes the
/// one before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Stop {
    Run,
    /// Finish the request in flight, if any, then close.
    Drain,
    /// Close now.
    Close,
}

/// Waits until the server asks for `step` or more. A dropped sender (the
/// server future was dropped) counts as every step.
async fn stop_requested(stop: &mut watch::Receiver<Stop>, step: Stop) {
    let _ = stop.wait_for(|current| *current >= step).await;
}

fn spawn_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: &Router,
    builder: &http1::Builder,
    limits: Limits,
    permit: OwnedSemaphorePermit,
    mut stop: watch::Receiver<Stop>,
) {
    // Small API answers go out at once rather than waiting for Nagle.
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(target: TARGET, %peer, %error, "cannot set TCP_NODELAY");
    }
    let conn = Arc::new(ConnShared::new(limits));
    let io = TokioIo::new(Watched::new(stream, Arc::clone(&conn)));
    let router = router.clone();
    let service_conn = Arc::clone(&conn);
    let service =
        hyper::service::service_fn(move |request| handle(&router, &service_conn, peer, request));
    let connection = builder.serve_connection(io, service).with_upgrades();
    tokio::spawn(async move {
        let _permit = permit;
        let mut connection = pin!(connection);
        tokio::select! {
            result = connection.as_mut() => return connection_ended(peer, result),
            () = stop_requested(&mut stop, Stop::Drain) => {}
        }
        // hyper's graceful shutdown closes idle connections only, and would
        // wait for one still sending a head (or nothing yet) until the
        // header timeout. No request is in flight on either: close now.
        if conn.between_requests() {
            tracing::debug!(target: TARGET, %peer, "connection closed at shutdown, no request in flight");
            return;
        }
        connection.as_mut().graceful_shutdown();
        tokio::select! {
            result = connection.as_mut() => connection_ended(peer, result),
            () = stop_requested(&mut stop, Stop::Close) => {
                tracing::debug!(target: TARGET, %peer, "connection closed at the drain timeout");
            }
        }
    });
}

fn connection_ended(peer: SocketAddr, result: Result<(), hyper::Error>) {
    if let Err(error) = result {
        tracing::debug!(target: TARGET, %peer, %error, "connection ended with an error");
    }
}

/// An empty extension map with room for seven entries, for one request.
///
/// A request's map holds `ConnectInfo`, then axum's `OriginalUri` (with its
/// `original-uri` feature, a default one), `MatchedPath` and path
/// parameters, then a protected route's claims; at most seven with hyper's
/// `OnUpgrade` and axum's `NestedPath`. Its first insert sizes it for three,
/// so the fourth would grow it: a new table, the entries moved, the old one
/// freed, on every request. Cloning an emptied map keeps its
/// table's size (std's `HashMap` clones bucket for bucket), in the same two
/// allocations as a first insert makes (the box and the table). Should a
/// future std shrink on clone, only this saving is lost.
fn presized_extensions() -> Extensions {
    static TEMPLATE: LazyLock<Extensions> = LazyLock::new(|| {
        #[derive(Clone, Copy)]
        struct Slot<const N: u8>;
        let mut extensions = Extensions::new();
        // Four entries grow the table past three; zero-sized values
        // allocate nothing of their own.
        extensions.insert(Slot::<0>);
        extensions.insert(Slot::<1>);
        extensions.insert(Slot::<2>);
        extensions.insert(Slot::<3>);
        extensions.clear();
        extensions
    });
    TEMPLATE.clone()
}

/// One request: the head is in, so the connection turns busy; the body gets
/// its deadline; the answer carries the in-flight guard until hyper has
/// written it.
fn handle(
    router: &Router,
    conn: &Arc<ConnShared>,
    peer: SocketAddr,
    request: Request<Incoming>,
) -> impl Future<Output = Result<Response<Tracked>, Infallible>> + Send + use<> {
    let in_flight = conn.begin_request();
    let deadline = conn.limits.body.and_then(|timeout| Instant::now().checked_add(timeout));
    let body_conn = Arc::clone(conn);
    let mut request =
        request.map(|inner| Body::new(TimedBody { inner, deadline, timer: None, conn: body_conn }));
    let mut extensions = presized_extensions();
    extensions.extend(std::mem::take(request.extensions_mut()));
    extensions.insert(ConnectInfo(peer));
    *request.extensions_mut() = extensions;
    // hyper hands the socket over after a 101, or a 2xx to CONNECT.
    let connect = request.method() == Method::CONNECT;
    let router = router.clone();
    let conn = Arc::clone(conn);
    // RFC 9112 §3.2: an HTTP/1.1 request without exactly one `Host` is
    // answered 400, before routing and authentication (the cookie CSRF
    // check compares `Origin` with it).
    let hosts = request.headers().get_all(header::HOST).iter().count();
    let bad_host = request.version() == Version::HTTP_11 && hosts != 1;
    async move {
        if bad_host {
            let response =
                HttpError::new(StatusCode::BAD_REQUEST, "Missing or repeated Host header")
                    .into_response();
            return Ok(response.map(|inner| Tracked { inner, _in_flight: in_flight }));
        }
        let mut response = router.oneshot(request).await.unwrap_or_else(|never| match never {});
        let status = response.status();
        if conn.body_timed_out.load(Ordering::Relaxed)
            && (status.is_client_error() || status.is_server_error())
        {
            response =
                HttpError::new(StatusCode::REQUEST_TIMEOUT, "Request Timeout").into_response();
            response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        let status = response.status();
        if status == StatusCode::SWITCHING_PROTOCOLS || (connect && status.is_success()) {
            in_flight.upgraded();
        }
        Ok(response.map(|inner| Tracked { inner, _in_flight: in_flight }))
    }
}

#[derive(Clone, Copy, Debug)]
struct Limits {
    header: Option<Duration>,
    idle: Option<Duration>,
    body: Option<Duration>,
    write: Option<Duration>,
}

fn deadline_after(timeout: Option<Duration>) -> Option<Instant> {
    timeout.and_then(|timeout| Instant::now().checked_add(timeout))
}

/// Where a connection is between requests, shared by its socket
/// ([`Watched`]), its requests ([`InFlight`]) and their bodies.
#[derive(Debug)]
struct ConnShared {
    limits: Limits,
    state: Mutex<ConnState>,
    body_timed_out: AtomicBool,
    /// Whether the phase is [`Phase::Flushing`]: read on every flush of the
    /// socket, which then takes the lock only when it must end that phase.
    flushing: AtomicBool,
}

#[derive(Debug)]
struct ConnState {
    phase: Phase,
    /// The task last parked on a read, woken when a response has been
    /// written out so that the socket arms the idle deadline.
    reader: Option<Waker>,
}

#[derive(Clone, Copy, Debug)]
enum Phase {
    /// Reading a request head, which must be complete by the deadline.
    Head(Option<Instant>),
    /// A request is being handled: its body has its own deadline, and the
    /// socket none (hyper also reads to notice a client leaving).
    Busy,
    /// The answer is complete but still being written out (hyper has
    /// dropped its body as soon as the body was queued): no read deadline,
    /// as the write timeout is the limit; not between requests for
    /// shutdown. `true` once bytes of the next request have come.
    Flushing(bool),
    /// Between a response and the first byte of the next request.
    Idle(Option<Instant>),
    /// Handed over to an upgrade (WebSocket): no deadline.
    Upgraded,
}

#[derive(Clone, Copy, Debug)]
enum Expired {
    Head,
    Idle,
}

impl ConnShared {
    fn new(limits: Limits) -> Self {
        ConnShared {
            limits,
            state: Mutex::new(ConnState {
                phase: Phase::Head(deadline_after(limits.header)),
                reader: None,
            }),
            body_timed_out: AtomicBool::new(false),
            flushing: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, ConnState> {
        // The state is a plain value, valid even if a holder panicked.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Bytes came in: on an idle connection, a request has started.
    fn bytes_arrived(&self) {
        let mut state = self.lock();
        match state.phase {
            Phase::Idle(_) => state.phase = Phase::Head(deadline_after(self.limits.header)),
            // Its head deadline starts once the answer is out.
            Phase::Flushing(_) => state.phase = Phase::Flushing(true),
            _ => {}
        }
    }

    /// hyper has handed the whole answer to the socket: the idle wait (or
    /// the head of a request already begun) starts, and the parked reader
    /// is woken to arm its deadline.
    fn answer_written(&self) {
        let reader = {
            let mut state = self.lock();
            self.flushing.store(false, Ordering::Relaxed);
            let Phase::Flushing(head_started) = state.phase else { return };
            state.phase = if head_started {
                Phase::Head(deadline_after(self.limits.header))
            } else {
                Phase::Idle(deadline_after(self.limits.idle))
            };
            state.reader.take()
        };
        if let Some(reader) = reader {
            reader.wake();
        }
    }

    /// The deadline a parked read must be woken for, if any; remembers the
    /// reader's waker.
    fn read_deadline(&self, waker: &Waker) -> Option<(Instant, Expired)> {
        let mut state = self.lock();
        if !state.reader.as_ref().is_some_and(|reader| reader.will_wake(waker)) {
            state.reader = Some(waker.clone());
        }
        match state.phase {
            Phase::Head(deadline) => deadline.map(|at| (at, Expired::Head)),
            Phase::Idle(deadline) => deadline.map(|at| (at, Expired::Idle)),
            Phase::Busy | Phase::Flushing(_) | Phase::Upgraded => None,
        }
    }

    /// No request is being handled: shutdown may close the connection.
    fn between_requests(&self) -> bool {
        matches!(self.lock().phase, Phase::Head(_) | Phase::Idle(_))
    }

    fn begin_request(self: &Arc<Self>) -> InFlight {
        self.body_timed_out.store(false, Ordering::Relaxed);
        self.flushing.store(false, Ordering::Relaxed);
        let mut state = self.lock();
        if !matches!(state.phase, Phase::Upgraded) {
            state.phase = Phase::Busy;
        }
        InFlight { conn: Arc::clone(self) }
    }
}

/// A request being handled, until hyper drops its response body (queued in
/// full, or the connection is gone).
#[derive(Debug)]
struct InFlight {
    conn: Arc<ConnShared>,
}

impl InFlight {
    fn upgraded(&self) {
        self.conn.lock().phase = Phase::Upgraded;
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let reader = {
            let mut state = self.conn.lock();
            if !matches!(state.phase, Phase::Busy) {
                return;
            }
            // The idle wait starts when the socket has taken it all
            // (`Watched::poll_flush`), not now: a large answer may take a
            // slow reader longer than the idle timeout.
            state.phase = Phase::Flushing(false);
            self.conn.flushing.store(true, Ordering::Relaxed);
            // Kept for `answer_written`, which wakes it to arm the deadline.
            state.reader.clone()
        };
        // hyper flushes on every poll of the connection, and drops a body
        // before flushing its last bytes, so `answer_written` follows in
        // this poll. Should a body ever end on a poll that hyper leaves
        // without a flush, this wake (the one the drop always made) brings
        // the next poll, and its flush. Within one poll, it and
        // `answer_written`'s wake make a single extra poll, as before.
        if let Some(reader) = reader {
            reader.wake();
        }
    }
}

/// The socket: a read that is still waiting when the phase's deadline
/// passes, or a write the client has not made room for within the write
/// timeout, fails with `TimedOut`, and hyper closes the connection.
#[derive(Debug)]
struct Watched {
    io: TcpStream,
    conn: Arc<ConnShared>,
    timer: Option<Pin<Box<Sleep>>>,
    armed: Option<Instant>,
    /// The write deadline's own timer: hyper may wait on a read and a write
    /// at once. Made on the first write that waits, which a client reading
    /// its answers never causes.
    write_timer: Option<Pin<Box<Sleep>>>,
    /// Whether a write is waiting, its deadline set. It ends when a write
    /// goes through: a caller that gives up on a waiting write and writes
    /// again later (hyper never does; code on an upgraded socket might)
    /// keeps the first deadline.
    write_waiting: bool,
}

impl Watched {
    fn new(io: TcpStream, conn: Arc<ConnShared>) -> Self {
        Watched { io, conn, timer: None, armed: None, write_timer: None, write_waiting: false }
    }

    fn poll_deadline(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some((deadline, expired)) = self.conn.read_deadline(cx.waker()) else {
            return Poll::Pending;
        };
        let timer = self.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if self.armed != Some(deadline) {
            timer.as_mut().reset(deadline);
            self.armed = Some(deadline);
        }
        ready!(timer.as_mut().poll(cx));
        let message = match expired {
            Expired::Head => "request head not received within the header read timeout",
            Expired::Idle => "keep-alive connection idle past the idle timeout",
        };
        tracing::debug!(target: TARGET, reason = message, "closing connection");
        Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, message)))
    }

    /// A write's result, or, while it waits for the client to make room,
    /// `TimedOut` once the write timeout has passed since it began waiting.
    /// A write that goes through ends the wait.
    fn write_deadline<T>(
        &mut self,
        cx: &mut Context<'_>,
        result: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if result.is_ready() {
            self.write_waiting = false;
            return result;
        }
        let Some(timeout) = self.conn.limits.write else { return Poll::Pending };
        if !self.write_waiting {
            let Some(deadline) = Instant::now().checked_add(timeout) else {
                return Poll::Pending;
            };
            match &mut self.write_timer {
                Some(timer) => timer.as_mut().reset(deadline),
                None => self.write_timer = Some(Box::pin(tokio::time::sleep_until(deadline))),
            }
            self.write_waiting = true;
        }
        let Some(timer) = &mut self.write_timer else { return Poll::Pending };
        ready!(timer.as_mut().poll(cx));
        let message = "client did not read the answer within the write timeout";
        tracing::debug!(target: TARGET, reason = message, "closing connection");
        // Closed with a reset: what the kernel still holds for this client
        // is dropped, not sent on for minutes of zero-window probes.
        if let Err(error) = self.io.set_zero_linger() {
            tracing::debug!(target: TARGET, %error, "cannot set SO_LINGER");
        }
        Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, message)))
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.conn.bytes_arrived();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => this.poll_deadline(cx),
        }
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.io).poll_write(cx, buf);
        this.write_deadline(cx, result)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        this.write_deadline(cx, result)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    /// hyper flushes the socket once its own buffer is written out.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(Pin::new(&mut this.io).poll_flush(cx))?;
        if this.conn.flushing.load(Ordering::Relaxed) {
            this.conn.answer_written();
        }
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("request body not received within the body read timeout")]
struct BodyTimeout;

pin_project_lite::pin_project! {
    /// A request body that fails once its deadline passes while it waits
    /// for bytes.
    struct TimedBody {
        #[pin]
        inner: Incoming,
        deadline: Option<Instant>,
        timer: Option<Pin<Box<Sleep>>>,
        conn: Arc<ConnShared>,
    }
}

impl http_body::Body for TimedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.project();
        if let Poll::Ready(frame) = this.inner.poll_frame(cx) {
            return Poll::Ready(frame.map(|frame| frame.map_err(BoxError::from)));
        }
        let Some(deadline) = *this.deadline else {
            return Poll::Pending;
        };
        let timer = this.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        ready!(timer.as_mut().poll(cx));
        if !this.conn.body_timed_out.swap(true, Ordering::Relaxed) {
            tracing::debug!(target: TARGET, "request body timed out");
        }
        Poll::Ready(Some(Err(Box::new(BodyTimeout))))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

pin_project_lite::pin_project! {
    /// A response body holding its request's [`InFlight`] guard.
    struct Tracked {
        #[pin]
        inner: Body,
        _in_flight: InFlight,
    }
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        self.project().inner.poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Why [`App::serve`] or a [`Server`] stopped with an error.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServeError {
    /// The app is misconfigured.
    Build(BuildError),
    /// Binding failed.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_backoff_grows_to_a_second_and_resets() {
        let mut backoff = Backoff::default();
        let delays: Vec<u128> = (0..9).map(|_| backoff.next_delay().as_millis()).collect();
        assert_eq!(delays, [10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
        backoff.reset();
        assert_eq!(backoff.next_delay(), Duration::from_millis(10));
    }

    #[test]
    fn max_connections_is_at_least_one() {
        assert_eq!(Server::new().max_connections(0).max_connections, 1);
        assert_eq!(Server::new().max_connections(usize::MAX).max_connections, u32::MAX as usize);
    }
}

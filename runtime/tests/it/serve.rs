//! `warden::Server` over a real socket on 127.0.0.1: the limits hold against
//! raw-byte clients that misbehave, while ordinary clients keep being served.
//! Limits are short (hundreds of ms); waits for a close use generous bounds
//! and never assert that something was fast.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::{sleep, timeout};
use warden::{Json, ServeError, Server};

/// Long enough for anything that should happen to have happened.
const BOUND: Duration = Duration::from_secs(5);

fn router() -> Router {
    Router::new()
        .route("/ok", get(|| async { "ok" }))
        .route(
            "/peer",
            get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }),
        )
        .route("/echo", post(|Json(body): Json<Value>| async move { Json(body) }))
        .route(
            "/slow",
            get(|| async {
                sleep(Duration::from_millis(600)).await;
                "slow"
            }),
        )
        .route("/hang", get(std::future::pending::<&'static str>))
        .route("/big", get(|| async { vec![b'x'; BIG] }))
        .route("/huge", get(|| async { vec![b'x'; HUGE] }))
        .route("/streamed", get(|| async { axum::body::Body::new(Streamed(0)) }))
}

/// A two-byte answer streamed as a body of known length (hyper frames it
/// with `Content-Length` and drops the body after its last byte).
struct Streamed(u8);

impl http_body::Body for Streamed {
    type Data = axum::body::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        self.0 += 1;
        std::task::Poll::Ready((self.0 == 1).then(|| Ok(http_body::Frame::data("ok".into()))))
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(2)
    }
}

/// The length of `/big`'s answer: several times the kernel buffers between
/// the server and a client with a small window (4 MiB at most for the
/// server's, by Linux's default `tcp_wmem`).
const BIG: usize = 16 << 20;

/// The length of `/huge`'s answer, for a client that reads none of it:
/// more than the kernel buffers hold even where they are tuned large.
const HUGE: usize = 64 << 20;

/// Short limits, except the idle timeout (longer than [`BOUND`]): a
/// connection closed within `BOUND` was closed by the head or body deadline.
fn config() -> Server {
    Server::new()
        .header_read_timeout(Duration::from_millis(400))
        .idle_timeout(BOUND * 2)
        .body_read_timeout(Duration::from_millis(600))
        .write_timeout(Duration::from_millis(500))
        .drain_timeout(Duration::from_secs(3))
}

struct Running {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    server: JoinHandle<Result<(), ServeError>>,
}

impl Running {
    async fn start(server: Server) -> Running {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            server
                .serve_with_shutdown(listener, router(), async {
                    let _ = stopped.await;
                })
                .await
        });
        Running { addr, stop: Some(stop), server }
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.addr).await.unwrap()
    }

    /// A client with a small receive window, so that an answer it does not
    /// read fills the buffers soon.
    async fn connect_small_window(&self) -> TcpStream {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(64 * 1024).unwrap();
        socket.connect(self.addr).await.unwrap()
    }

    fn shut_down(&mut self) {
        let _ = self.stop.take().unwrap().send(());
    }
}

/// Writes all of `bytes` (tokio's `io-util` extension traits stay out of the
/// build: `try_write` is enough for a test client).
async fn send(stream: &TcpStream, bytes: &[u8]) -> io::Result<()> {
    let mut rest = bytes;
    while !rest.is_empty() {
        stream.writable().await?;
        match stream.try_write(rest) {
            Ok(n) => rest = &rest[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reads what is there, waiting for at least a byte; `Ok(0)` at EOF.
async fn recv(stream: &TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        stream.readable().await?;
        match stream.try_read(buf) {
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
}

fn get_request(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n")
}

#[derive(Debug)]
struct Answer {
    status: u16,
    head: String,
    body: String,
}

/// Reads one response (`Content-Length` framed, as all of ours are).
async fn read_answer(stream: &TcpStream) -> Answer {
    timeout(BOUND, read_answer_unbounded(stream)).await.expect("no answer in time")
}

async fn read_answer_unbounded(stream: &TcpStream) -> Answer {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let mut chunk = [0; 1024];
        let n = recv(stream, &mut chunk).await.expect("read failed");
        assert!(n > 0, "connection closed before an answer: {:?}", String::from_utf8_lossy(&buf));
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
    let status = head[9..12].parse().unwrap();
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length").then(|| value.trim().parse().unwrap())
        })
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let mut chunk = [0; 1024];
        let n = recv(stream, &mut chunk).await.expect("read failed");
        assert!(n > 0, "connection closed inside a body");
        body.extend_from_slice(&chunk[..n]);
    }
    Answer { status, head, body: String::from_utf8(body).unwrap() }
}

/// Whether the server closes the connection (EOF or reset) within `within`,
/// ignoring anything it sends first.
async fn closed_within(stream: &TcpStream, within: Duration) -> bool {
    timeout(within, async {
        let mut chunk = [0; 1024];
        loop {
            match recv(stream, &mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

async fn get_ok(running: &Running) {
    let client = running.connect().await;
    send(&client, get_request("/ok").as_bytes()).await.unwrap();
    let answer = read_answer(&client).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "ok"));
}

/// Runs `client` while another client gets answers on fresh connections.
async fn while_others_are_served<T>(running: &Running, client: impl Future<Output = T>) -> T {
    let mut client = std::pin::pin!(client);
    let others = async {
        for _ in 0..3 {
            get_ok(running).await;
            sleep(Duration::from_millis(100)).await;
        }
    };
    let ((), result) = tokio::join!(others, &mut client);
    result
}

#[tokio::test]
async fn ordinary_requests_are_answered_and_kept_alive() {
    let running = Running::start(config()).await;
    let client = running.connect().await;
    for _ in 0..3 {
        send(&client, get_request("/ok").as_bytes()).await.unwrap();
        let answer = read_answer(&client).await;
        assert_eq!((answer.status, answer.body.as_str()), (200, "ok"));
        assert!(!answer.head.to_ascii_lowercase().contains("connection: close"), "{}", answer.head);
    }
    // The same connection, so the handler sees this client's address.
    send(&client, get_request("/peer").as_bytes()).await.unwrap();
    let answer = read_answer(&client).await;
    assert_eq!(answer.body, client.local_addr().unwrap().to_string());
}

#[tokio::test]
async fn an_http_1_1_request_without_one_host_is_refused_before_routing() {
    let running = Running::start(config()).await;
    for request in
        [&b"GET /ok HTTP/1.1\r\n\r\n"[..], b"GET /ok HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"]
    {
        let client = running.connect().await;
        send(&client, request).await.unwrap();
        let answer = read_answer(&client).await;
        assert_eq!(answer.status, 400, "{}", answer.head);
        assert!(answer.body.contains("Missing or repeated Host header"), "{}", answer.body);
    }
    // HTTP/1.0 has no Host requirement.
    let client = running.connect().await;
    send(&client, b"GET /ok HTTP/1.0\r\n\r\n").await.unwrap();
    assert_eq!(read_answer(&client).await.status, 200);
}

#[tokio::test]
async fn a_malformed_request_line_gets_hyper_s_bare_400() {
    // Documented on `Server`: hyper answers before axum sees a request, so
    // this answer cannot carry the envelope.
    let running = Running::start(config()).await;
    let client = running.connect().await;
    send(&client, b"GET /ok HTTP/9.9\r\nHost: test\r\n\r\n").await.unwrap();
    let answer = read_answer(&client).await;
    assert_eq!((answer.status, answer.body.as_str()), (400, ""));
    assert!(closed_within(&client, BOUND).await);
}

#[tokio::test]
async fn half_a_request_line_is_closed_after_the_header_timeout() {
    let running = Running::start(config()).await;
    let client = running.connect().await;
    send(&client, b"GET /ok HT").await.unwrap();
    let closed = while_others_are_served(&running, closed_within(&client, BOUND)).await;
    assert!(closed, "a half request line held its connection");
}

#[tokio::test]
async fn headers_trickled_without_end_are_closed_after_the_header_timeout() {
    let running = Running::start(config()).await;
    let client = running.connect().await;
    send(&client, b"GET /ok HTTP/1.1\r\nHost: test\r\n").await.unwrap();
    // One header byte every 50 ms keeps every read short: only a deadline
    // on the whole head ends this.
    let trickle = async {
        for _ in 0..60 {
            sleep(Duration::from_millis(50)).await;
            if send(&client, b"X").await.is_err() {
                return true;
            }
        }
        false
    };
    let closed = timeout(BOUND, trickle).await.unwrap_or(false)
        || closed_within(&client, Duration::from_millis(100)).await;
    assert!(closed, "a never-ending header kept its connection for 3 s");
}

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_header_timeout() {
    let running = Running::start(config()).await;
    let client = running.connect().await;
    assert!(closed_within(&client, BOUND).await, "a connection that sends nothing stayed open");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let server = config().header_read_timeout(BOUND * 2).idle_timeout(Duration::from_millis(600));
    let running = Running::start(server).await;
    let client = running.connect().await;
    for _ in 0..2 {
        send(&client, get_request("/ok").as_bytes()).await.unwrap();
        assert_eq!(read_answer(&client).await.status, 200);
        sleep(Duration::from_millis(200)).await; // idle, but not for long
    }
    let closed = while_others_are_served(&running, closed_within(&client, BOUND)).await;
    assert!(closed, "an idle keep-alive connection stayed open");
}

#[tokio::test]
async fn each_request_restarts_the_idle_timeout() {
    // The timer armed after the first request fires at 600 ms, before the
    // deadline the second request set (1,000 ms): the connection stays open.
    let server = config().header_read_timeout(BOUND * 2).idle_timeout(Duration::from_millis(600));
    let running = Running::start(server).await;
    let client = running.connect().await;
    for pause in [400, 400, 0] {
        send(&client, get_request("/ok").as_bytes()).await.unwrap();
        assert_eq!(read_answer(&client).await.status, 200);
        sleep(Duration::from_millis(pause)).await;
    }
}

#[tokio::test]
async fn the_idle_wait_is_not_bounded_by_the_header_timeout() {
    let server = config().idle_timeout(Duration::from_secs(2));
    let running = Running::start(server).await;
    let client = running.connect().await;
    send(&client, get_request("/ok").as_bytes()).await.unwrap();
    assert_eq!(read_answer(&client).await.status, 200);
    // Idle for longer than the header timeout (400 ms), within the idle
    // timeout: hyper's header timer alone would have closed the connection.
    sleep(Duration::from_millis(900)).await;
    send(&client, get_request("/ok").as_bytes()).await.unwrap();
    assert_eq!(read_answer(&client).await.status, 200);
}

#[tokio::test]
async fn a_trickled_body_is_cut_off_with_408_while_others_are_served() {
    let running = Running::start(config()).await;
    let client = running.connect().await;
    let head = "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
                Content-Length: 1900000\r\n\r\n[";
    send(&client, head.as_bytes()).await.unwrap();
    // Two bytes every 50 ms, for 5 s at most: every read is short, only a
    // deadline on the whole body ends this.
    let trickle = async {
        for _ in 0..100 {
            sleep(Duration::from_millis(50)).await;
            if send(&client, b"1,").await.is_err() {
                break;
            }
        }
        std::future::pending().await
    };
    let answer = while_others_are_served(&running, async {
        tokio::select! {
            answer = read_answer(&client) => answer,
            never = trickle => never,
        }
    })
    .await;
    assert_eq!(answer.status, 408, "{answer:?}");
    assert_eq!(
        serde_json::from_str::<Value>(&answer.body).unwrap(),
        json!({"status_code": 408, "detail": "Request Timeout", "error": null})
    );
    assert!(answer.head.to_ascii_lowercase().contains("connection: close"), "{}", answer.head);
    assert!(closed_within(&client, BOUND).await, "the connection stayed open after the 408");
}

#[tokio::test]
async fn at_the_connection_cap_a_further_client_waits_until_one_closes() {
    let running = Running::start(config().max_connections(2).idle_timeout(BOUND * 2)).await;
    let first = running.connect().await;
    let second = running.connect().await;
    for client in [&first, &second] {
        send(client, get_request("/ok").as_bytes()).await.unwrap();
        assert_eq!(read_answer(client).await.status, 200);
    }
    // The kernel completes the handshake, but the server does not accept.
    let third = running.connect().await;
    send(&third, get_request("/ok").as_bytes()).await.unwrap();
    let early = timeout(Duration::from_millis(800), read_answer_unbounded(&third)).await;
    assert!(early.is_err(), "a connection over the cap was served: {early:?}");
    drop(first);
    assert_eq!(read_answer(&third).await.status, 200);
}

#[tokio::test]
async fn shutdown_finishes_requests_in_flight_and_refuses_new_connections() {
    let mut running = Running::start(config()).await;
    let busy = running.connect().await;
    send(&busy, get_request("/slow").as_bytes()).await.unwrap();
    let idle = running.connect().await;
    send(&idle, get_request("/ok").as_bytes()).await.unwrap();
    assert_eq!(read_answer(&idle).await.status, 200);
    sleep(Duration::from_millis(100)).await; // `/slow` is now running
    running.shut_down();

    let answer = read_answer(&busy).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "slow"));
    assert!(closed_within(&busy, BOUND).await, "the drained connection stayed open");
    assert!(closed_within(&idle, BOUND).await, "an idle connection stayed open");
    let result = timeout(BOUND, &mut running.server).await.expect("the server did not return");
    assert!(result.unwrap().is_ok());
    assert!(TcpStream::connect(running.addr).await.is_err(), "a new connection was accepted");
}

#[tokio::test]
async fn a_stuck_request_does_not_hold_shutdown_past_the_drain_timeout() {
    let mut running = Running::start(config().drain_timeout(Duration::from_millis(500))).await;
    let stuck = running.connect().await;
    send(&stuck, get_request("/hang").as_bytes()).await.unwrap();
    sleep(Duration::from_millis(100)).await;
    running.shut_down();
    let result = timeout(BOUND, &mut running.server).await.expect("shutdown waited for /hang");
    assert!(result.unwrap().is_ok());
    assert!(closed_within(&stuck, BOUND).await, "the stuck connection stayed open");
}

#[tokio::test]
async fn shutdown_does_not_wait_for_connections_without_a_request() {
    let server = config().header_read_timeout(BOUND * 2).drain_timeout(BOUND * 2);
    let mut running = Running::start(server).await;
    let silent = running.connect().await;
    let partial = running.connect().await;
    send(&partial, b"GET /ok HTTP/1.1\r\nHost: te").await.unwrap();
    sleep(Duration::from_millis(100)).await;
    running.shut_down();
    let result = timeout(BOUND, &mut running.server).await.expect("shutdown waited for them");
    assert!(result.unwrap().is_ok());
    assert!(closed_within(&silent, BOUND).await);
    assert!(closed_within(&partial, BOUND).await);
}

#[tokio::test]
async fn dropping_the_server_closes_its_connections_even_mid_request() {
    let running = Running::start(config()).await;
    let stuck = running.connect().await;
    send(&stuck, get_request("/hang").as_bytes()).await.unwrap();
    let idle = running.connect().await;
    send(&idle, get_request("/ok").as_bytes()).await.unwrap();
    assert_eq!(read_answer(&idle).await.status, 200);
    sleep(Duration::from_millis(100)).await; // `/hang` is now running
    running.server.abort();
    assert!(closed_within(&stuck, BOUND).await, "the connection in flight stayed open");
    assert!(closed_within(&idle, BOUND).await, "the idle connection stayed open");
}

/// Reads until the server closes the connection (EOF or reset) or `within`
/// passes, pausing `pause` between reads: how many bytes came, and whether
/// the connection was closed.
async fn read_until_closed(stream: &TcpStream, within: Duration, pause: Duration) -> (usize, bool) {
    let mut received = 0;
    let closed = timeout(within, async {
        let mut chunk = vec![0; 256 * 1024];
        loop {
            match recv(stream, &mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received += n,
            }
            sleep(pause).await;
        }
    })
    .await
    .is_ok();
    (received, closed)
}

#[tokio::test]
async fn a_client_that_stops_reading_an_answer_is_closed_after_the_write_timeout() {
    let running = Running::start(config()).await;
    let client = running.connect_small_window().await;
    let closed = while_others_are_served(&running, async {
        send(&client, get_request("/huge").as_bytes()).await.unwrap();
        // Reads nothing for four write timeouts: the server's writes wait.
        sleep(Duration::from_secs(2)).await;
        read_until_closed(&client, BOUND, Duration::ZERO).await
    })
    .await;
    let (received, closed) = closed;
    assert!(closed, "the connection stayed open ({received} bytes read)");
    assert!(received < HUGE, "the whole answer came ({received} bytes): nothing was cut off");
}

#[tokio::test]
async fn a_slow_reader_that_keeps_reading_gets_the_whole_answer() {
    // The download (~3 s) takes longer than the write timeout and than the
    // idle timeout, which starts only once the answer is written out.
    let running = Running::start(
        config()
            .write_timeout(Duration::from_millis(1500))
            .idle_timeout(Duration::from_millis(800)),
    )
    .await;
    let client = running.connect_small_window().await;
    send(&client, get_request("/big").as_bytes()).await.unwrap();
    // Each read comes well within the write timeout of the last one (the
    // socket turns writable after a third or so of its buffer drains).
    let mut chunk = vec![0; 256 * 1024];
    let mut body = 0;
    let all = timeout(BOUND * 4, async {
        let mut head = None;
        let mut received = 0;
        while head.is_none_or(|head| received < head + BIG) {
            let n = recv(&client, &mut chunk).await.expect("the answer was cut off");
            assert!(n > 0, "the connection closed after {received} bytes");
            if head.is_none() {
                let end = chunk[..n].windows(4).position(|w| w == b"\r\n\r\n");
                head = Some(end.expect("the head in the first read") + 4);
            }
            received += n;
            body = received - head.unwrap_or(0);
            sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(all.is_ok(), "only {body} bytes of the body in time");
}

#[tokio::test]
async fn a_streamed_answer_of_known_length_is_followed_by_the_idle_timeout() {
    let running = Running::start(config().idle_timeout(Duration::from_millis(300))).await;
    let client = running.connect().await;
    send(&client, get_request("/streamed").as_bytes()).await.unwrap();
    let answer = read_answer(&client).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "ok"));
    assert!(closed_within(&client, BOUND).await, "the idle connection stayed open");
}

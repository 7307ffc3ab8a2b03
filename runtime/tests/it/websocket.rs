//! WebSocket routes over a real socket: the handshake is enforced (401/403
//! with the envelope, never an upgrade), tokens from the header, the cookie
//! or the protocol header, cross-site cookie handshakes refused, and the
//! socket closed with 1008 at expiry and at revocation.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use base64::Engine as _;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, http};
use warden::jwt::{Algorithm, SigningKey};
use warden::session::{Grant, MemoryStore, SessionConfig, Sessions, StoreFailure};
use warden::ws::{PROTOCOL, SessionWatch, WS_TOKEN_PREFIX};
use warden::{App, PermissionSource, route, routes};

use crate::support::*;

#[route(get, "/ws/echo/", permissions = ["read"])]
async fn echo(upgrade: WebSocketUpgrade, watch: SessionWatch) -> Response {
    upgrade
        .protocols([PROTOCOL])
        .on_upgrade(move |socket| serve(socket, watch.poll_every(Duration::from_millis(100))))
}

async fn serve(mut socket: WebSocket, watch: SessionWatch) {
    let ended = watch.ended();
    tokio::pin!(ended);
    loop {
        tokio::select! {
            reason = &mut ended => {
                let _ = socket.send(Message::Close(Some(reason.close_frame()))).await;
                return;
            }
            message = socket.recv() => match message {
                Some(Ok(Message::Text(text))) => {
                    if socket.send(Message::Text(text)).await.is_err() { return; }
                }
                Some(Ok(_)) => {}
                _ => return,
            },
        }
    }
}

async fn serve_app(auth: warden::Auth) -> SocketAddr {
    let router: Router = App::new("WS", "1")
        .auth(auth.websocket_protocol().build().unwrap())
        .routes(routes![echo])
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

fn request(addr: SocketAddr, headers: &[(&str, String)]) -> http::Request<()> {
    let mut request = format!("ws://{addr}/ws/echo/").into_client_request().unwrap();
    for (name, value) in headers {
        request.headers_mut().append(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            http::HeaderValue::from_str(value).unwrap(),
        );
    }
    request
}

/// The handshake's status and body (for a refusal), or the open socket.
async fn handshake(
    addr: SocketAddr,
    headers: &[(&str, String)],
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    (u16, String),
> {
    match tokio_tungstenite::connect_async(request(addr, headers)).await {
        Ok((socket, response)) => {
            assert_eq!(response.status(), 101);
            Ok(socket)
        }
        Err(tungstenite::Error::Http(response)) => {
            let body = response.body().as_ref().map(|b| String::from_utf8_lossy(b).into_owned());
            Err((response.status().as_u16(), body.unwrap_or_default()))
        }
        Err(other) => panic!("handshake failed unexpectedly: {other}"),
    }
}

fn protocol_token(token: &str) -> String {
    format!(
        "{WS_TOKEN_PREFIX}{}, {PROTOCOL}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token)
    )
}

#[tokio::test]
async fn the_handshake_is_enforced_before_any_upgrade() {
    let addr = serve_app(auth(verifier())).await;
    let Err((status, body)) = handshake(addr, &[]).await else { panic!("no token, no upgrade") };
    assert_eq!(status, 401);
    assert!(body.contains(r#""status_code":401"#), "{body}");
    let lacking = token_with(&["write"]);
    let (status, _) =
        handshake(addr, &[("authorization", format!("Bearer {lacking}"))]).await.err().unwrap();
    assert_eq!(status, 403);

    let good = token_with(&["read"]);
    for headers in [
        vec![("authorization", format!("Bearer {good}"))],
        vec![("cookie", format!("access_token={good}"))],
        vec![("sec-websocket-protocol", protocol_token(&good))],
    ] {
        let mut socket =
            handshake(addr, &headers).await.unwrap_or_else(|e| panic!("{headers:?}: {e:?}"));
        socket.send(tungstenite::Message::text("ping")).await.unwrap();
        let echoed = socket.next().await.unwrap().unwrap();
        assert_eq!(echoed.into_text().unwrap().as_str(), "ping");
    }
}

#[tokio::test]
async fn the_server_echoes_a_real_protocol() {
    let addr = serve_app(auth(verifier())).await;
    let good = token_with(&["read"]);
    let (_, response) = tokio_tungstenite::connect_async(request(
        addr,
        &[("sec-websocket-protocol", protocol_token(&good))],
    ))
    .await
    .unwrap();
    assert_eq!(response.headers()["sec-websocket-protocol"], PROTOCOL);
}

#[tokio::test]
async fn a_cookie_handshake_from_another_origin_is_refused() {
    let addr = serve_app(auth(verifier())).await;
    let good = token_with(&["read"]);
    let cookie = ("cookie", format!("access_token={good}"));
    let evil = ("origin", "https://evil.example".to_owned());
    let (status, body) = handshake(addr, &[cookie.clone(), evil.clone()]).await.err().unwrap();
    assert_eq!(status, 403);
    assert!(body.contains("Cross-site"), "{body}");
    let own = ("origin", format!("http://{addr}"));
    assert!(handshake(addr, &[cookie.clone(), own]).await.is_ok());
    // The same foreign origin with the token in the protocol header is not
    // a hijack: the page had to know the token.
    assert!(
        handshake(addr, &[("sec-websocket-protocol", protocol_token(&good)), evil]).await.is_ok()
    );
    // Trusted origins are allowed.
    let trusting = serve_app(auth(verifier()).trust_origin("https://app.example")).await;
    assert!(handshake(trusting, &[cookie, ("origin", "https://app.example".into())]).await.is_ok());
}

async fn expect_policy_close(
    socket: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    reason: &str,
) {
    let message =
        tokio::time::timeout(Duration::from_secs(5), socket.next()).await.expect("closed in time");
    match message {
        Some(Ok(tungstenite::Message::Close(Some(frame)))) => {
            assert_eq!(u16::from(frame.code), 1008);
            assert_eq!(frame.reason.as_str(), reason);
        }
        other => panic!("expected a 1008 close, got {other:?}"),
    }
}

#[tokio::test]
async fn the_socket_closes_with_1008_when_the_token_expires() {
    let addr = serve_app(auth(verifier())).await;
    // Expires in 2 s (the verifier's leeway is 60 s, so exp is what counts here).
    let exp =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 2;
    let t = token(Algorithm::HS256, json!({"exp": exp, "data": {"permissions": ["read"]}}));
    let mut socket = handshake(addr, &[("authorization", format!("Bearer {t}"))]).await.unwrap();
    expect_policy_close(&mut socket, "token expired").await;
}

#[tokio::test]
async fn the_socket_closes_with_1008_when_the_session_is_revoked() {
    let sessions = Sessions::new(
        SigningKey::hmac(secret(), Algorithm::HS256).unwrap(),
        Arc::new(MemoryStore::default()),
        PermissionSource::Flama,
        SessionConfig::default(),
    );
    let addr = serve_app(auth(verifier()).sessions(&sessions, StoreFailure::Closed)).await;
    let grant = Grant { permissions: vec!["read".into()], ..Grant::default() };
    let pair = sessions.issue("ada", &grant).await.unwrap();
    let mut socket = handshake(addr, &[("authorization", format!("Bearer {}", pair.access_token))])
        .await
        .unwrap();
    socket.send(tungstenite::Message::text("still open")).await.unwrap();
    assert!(socket.next().await.unwrap().is_ok());
    sessions.logout_everywhere("ada").await.unwrap();
    expect_policy_close(&mut socket, "token revoked").await;
    // And a new handshake with the revoked token is refused.
    let (status, _) =
        handshake(addr, &[("authorization", format!("Bearer {}", pair.access_token))])
            .await
            .err()
            .unwrap();
    assert_eq!(status, 401);
}

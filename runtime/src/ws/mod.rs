//! WebSocket routes under the same attribute: the handshake is a `GET`
//! route whose handler takes axum's `WebSocketUpgrade`, so the auth layer
//! answers 401/403 with the envelope before any upgrade; a token can travel
//! in `Sec-WebSocket-Protocol` ([`Auth::websocket_protocol`]); a cookie
//! handshake from another origin is refused (cross-site WebSocket
//! hijacking); and [`SessionWatch`] tells the handler when to close the
//! socket with 1008 because the token expired or was revoked.
//!
//! ```
//! use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
//! use axum::response::Response;
//! use warden::route;
//! use warden::ws::{PROTOCOL, SessionWatch};
//!
//! #[route(get, "/stream/", permissions = ["model:predict"])]
//! async fn stream(upgrade: WebSocketUpgrade, watch: SessionWatch) -> Response {
//!     upgrade.protocols([PROTOCOL]).on_upgrade(move |socket| serve(socket, watch))
//! }
//!
//! async fn serve(mut socket: WebSocket, watch: SessionWatch) {
//!     let ended = watch.ended();
//!     tokio::pin!(ended);
//!     loop {
//!         tokio::select! {
//!             reason = &mut ended => {
//!                 let _ = socket.send(Message::Close(Some(reason.close_frame()))).await;
//!                 return;
//!             }
//!             message = socket.recv() => match message {
//!                 Some(Ok(Message::Text(text))) => {
//!                     if socket.send(Message::Text(text)).await.is_err() { return; }
//!                 }
//!                 Some(Ok(_)) => {}
//!                 _ => return,
//!             },
//!         }
//!     }
//! }
//! ```
//!
//! [`Auth::websocket_protocol`]: crate::Auth::websocket_protocol

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::extract::ws::{CloseFrame, close_code};
use axum::http::request::Parts;
use serde_json::Value;

use crate::auth::{AuthError, Claims};
use crate::http::HttpError;
use crate::jwt::unix_now;
use crate::session::{SessionStore, TokenRef};

pub use crate::auth::WS_TOKEN_PREFIX;

/// A real subprotocol for the server to echo when the client offered its
/// token as a protocol: browsers close a socket whose server selects none.
pub const PROTOCOL: &str = "warden";

/// How often an open socket asks the session store whether its token was
/// revoked, unless [`SessionWatch::poll_every`] says otherwise.
pub const DEFAULT_POLL: Duration = Duration::from_secs(5);

/// The session store, as the auth layer hands it to [`SessionWatch`].
#[derive(Clone, Debug)]
pub(crate) struct WatchStore(pub(crate) Arc<dyn SessionStore>);

/// Why an open socket must close.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// The token's `exp` passed.
    Expired,
    /// The token, its session or its subject was revoked.
    Revoked,
}

impl Ended {
    /// Close code 1008 (policy violation) with the reason.
    pub fn close_frame(self) -> CloseFrame {
        CloseFrame {
            code: close_code::POLICY,
            reason: match self {
                Ended::Expired => "token expired",
                Ended::Revoked => "token revoked",
            }
            .into(),
        }
    }
}

/// The verified token of a WebSocket handshake, watched for as long as the
/// socket is open: [`ended`](Self::ended) resolves at its `exp`, or when the
/// session store (with [`Auth::sessions`](crate::Auth::sessions)) says it
/// was revoked, checked every [`DEFAULT_POLL`].
#[derive(Clone, Debug)]
pub struct SessionWatch {
    claims: Claims,
    store: Option<Arc<dyn SessionStore>>,
    poll: Duration,
}

impl<S: Send + Sync> FromRequestParts<S> for SessionWatch {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, HttpError> {
        let claims = parts
            .extensions
            .get::<Claims>()
            .cloned()
            .ok_or_else(|| AuthError::Missing.into_http())?;
        let store = parts.extensions.get::<WatchStore>().map(|s| s.0.clone());
        Ok(SessionWatch { claims, store, poll: DEFAULT_POLL })
    }
}

impl SessionWatch {
    /// A watch over `claims`, with `store` asked for revocations.
    pub fn new(claims: Claims, store: Option<Arc<dyn SessionStore>>) -> Self {
        SessionWatch { claims, store, poll: DEFAULT_POLL }
    }

    /// The token's claims.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// Asks the store this often (default 5 s).
    #[must_use]
    pub fn poll_every(mut self, poll: Duration) -> Self {
        self.poll = poll.max(Duration::from_millis(10));
        self
    }

    /// Resolves when the socket must close. Pin it once and `select!` on
    /// it beside the socket. A store that fails is logged and asked again
    /// at the next poll: a running socket is not cut by a store blip.
    pub async fn ended(&self) -> Ended {
        let payload = self.claims.payload();
        let exp = payload.get("exp").and_then(Value::as_f64);
        loop {
            let now = unix_now();
            #[allow(clippy::cast_precision_loss)] // seconds below 2^53 are exact
            let left = exp.map(|exp| exp - now as f64);
            if left.is_some_and(|left| left <= 0.0) {
                return Ended::Expired;
            }
            let until_exp = left.map_or(Duration::MAX, |s| Duration::from_secs_f64(s.min(1e9)));
            let Some(store) = &self.store else {
                if until_exp == Duration::MAX {
                    return std::future::pending().await;
                }
                tokio::time::sleep(until_exp).await;
                continue;
            };
            tokio::time::sleep(self.poll.min(until_exp)).await;
            let token = TokenRef::from_claims(payload);
            match tokio::time::timeout(self.poll, store.is_revoked(token)).await {
                Ok(Ok(true)) => return Ended::Revoked,
                Ok(Ok(false)) => {}
                Ok(Err(_)) | Err(_) => tracing::warn!(
                    target: "warden::ws",
                    "session store unavailable while watching a socket; asking again later"
                ),
            }
        }
    }
}

//! Sessions: issuing pairs (cookies exact), refresh rotation with reuse
//! detection, logout, log out everywhere, and the store's failure policy.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use serde_json::{Value, json};
use warden::jwt::{Algorithm, SigningKey, Verifier};
use warden::session::{
    FamilyRules, Grant, Issued, MemoryStore, Rotation, SessionConfig, SessionStore, Sessions,
    StoreError, StoreFailure, StoreFuture, TokenRef,
};
use warden::{Auth, Claims, PermissionSource};

use crate::support::*;

fn key() -> SigningKey {
    SigningKey::hmac(secret(), Algorithm::HS256).unwrap()
}

fn sessions_with(store: Arc<dyn SessionStore>, config: SessionConfig) -> Sessions {
    Sessions::new(key(), store, PermissionSource::Flama, config)
}

fn sessions() -> Sessions {
    sessions_with(Arc::new(MemoryStore::default()), SessionConfig::default())
}

fn router(sessions: &Sessions, failure: StoreFailure) -> axum::Router {
    app_with(auth(verifier()).sessions(sessions, failure))
}

fn grant() -> Grant {
    Grant { permissions: vec!["read".into()], ..Grant::default() }
}

async fn body_of(pair: warden::session::TokenPair) -> (StatusCode, axum::http::HeaderMap, Value) {
    let response = pair.into_response();
    let (status, headers) = (response.status(), response.headers().clone());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
    (status, headers, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn issuing_delivers_json_cookies_and_no_store() {
    let pair = sessions().issue("ada", &grant()).await.unwrap();
    let (status, headers, body) = body_of(pair).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 300);
    assert_eq!(headers["cache-control"], "no-store");
    let cookies: Vec<&str> =
        headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    assert_eq!(cookies.len(), 2);
    let access = body["access_token"].as_str().unwrap();
    let refresh = body["refresh_token"].as_str().unwrap();
    assert_eq!(
        cookies[0],
        format!("access_token={access}; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=300")
    );
    assert_eq!(
        cookies[1],
        format!(
            "refresh_token={refresh}; HttpOnly; SameSite=Lax; Secure; Path=/auth/refresh/; Max-Age=2592000"
        )
    );
    // The access token carries the grant in the app's layout, jti, exp, fam.
    let claims = verifier().build().unwrap().verify(access).unwrap();
    let claims = claims.payload();
    assert_eq!(claims["data"]["permissions"], json!(["read"]));
    assert_eq!(claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(), 300);
    assert!(claims["jti"].is_string() && claims["fam"].is_string() && claims["sub"] == "ada");
    // Local HTTP: no `Secure`, and `SameSite=Strict` when asked.
    let mut config = SessionConfig::default();
    config.cookies.secure = false;
    config.cookies.strict = true;
    let pair = sessions_with(Arc::new(MemoryStore::default()), config)
        .issue("ada", &grant())
        .await
        .unwrap();
    let cookie = pair.cookies()[0].to_str().unwrap();
    assert!(cookie.contains("SameSite=Strict") && !cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn refresh_rotates_and_a_refresh_token_is_never_an_access_token() {
    let sessions = sessions();
    let router = router(&sessions, StoreFailure::Closed);
    let first = sessions.issue("ada", &grant()).await.unwrap();
    assert_eq!(get_bearer(&router, "/private/", &first.access_token).await.status, 200);
    // Refresh-as-access and access-as-refresh.
    let answer = get_bearer(&router, "/private/", &first.refresh_token).await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.body["detail"]["description"], "token type is not accepted");
    assert!(sessions.refresh(&first.access_token).await.is_err());

    let second = sessions.refresh(&first.refresh_token).await.unwrap();
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_eq!(get_bearer(&router, "/private/", &second.access_token).await.status, 200);
    let third = sessions.refresh(&second.refresh_token).await.unwrap();
    assert_eq!(get_bearer(&router, "/private/", &third.access_token).await.status, 200);
}

fn jti(token: &str) -> String {
    let payload = token.split('.').nth(1).unwrap();
    let bytes =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload).unwrap();
    serde_json::from_slice::<Value>(&bytes).unwrap()["jti"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_previous_token_within_the_grace_window_gets_the_same_successor() {
    let sessions = sessions(); // grace 5 s
    let first = sessions.issue("ada", &grant()).await.unwrap();
    let second = sessions.refresh(&first.refresh_token).await.unwrap();
    // A retry (second tab, lost response): same successor, nothing revoked.
    let retried = sessions.refresh(&first.refresh_token).await.unwrap();
    assert_eq!(jti(&retried.refresh_token), jti(&second.refresh_token));
    let third = sessions.refresh(&second.refresh_token).await.unwrap();
    // `first` is now two rotations back: an ancestor, not the previous one.
    let err = sessions.refresh(&first.refresh_token).await.unwrap_err();
    assert!(err.to_string().contains("revoked"), "{err}");
    // Reuse revoked the whole family: the current token is dead too.
    assert!(sessions.refresh(&third.refresh_token).await.is_err());
    let router = router(&sessions, StoreFailure::Closed);
    let answer = get_bearer(&router, "/private/", &third.access_token).await;
    assert_eq!(answer.status, 401, "the family's access tokens are revoked too");
}

#[tokio::test]
async fn the_previous_token_after_the_grace_window_revokes_the_family() {
    let config = SessionConfig { grace: Duration::ZERO, ..SessionConfig::default() };
    let sessions = sessions_with(Arc::new(MemoryStore::default()), config);
    let first = sessions.issue("ada", &grant()).await.unwrap();
    let second = sessions.refresh(&first.refresh_token).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let err = sessions.refresh(&first.refresh_token).await.unwrap_err();
    assert_eq!(err.into_http().status(), StatusCode::UNAUTHORIZED);
    assert!(sessions.refresh(&second.refresh_token).await.is_err(), "family revoked");
}

#[tokio::test]
async fn logout_revokes_the_access_token_and_its_family_on_every_route() {
    let sessions = sessions();
    let router = router(&sessions, StoreFailure::Closed);
    let pair = sessions.issue("ada", &grant()).await.unwrap();
    let claims = Claims::from(verifier().build().unwrap().verify(&pair.access_token).unwrap());
    let logged_out = sessions.logout(&claims).await.unwrap().into_response();
    assert_eq!(logged_out.status(), StatusCode::NO_CONTENT);
    let cleared: Vec<&str> =
        logged_out.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    assert!(cleared.iter().any(|c| c.starts_with("access_token=;") && c.contains("Max-Age=0")));
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with("refresh_token=;") && c.contains("Path=/auth/refresh/"))
    );
    for path in ["/private/", "/me/"] {
        let answer = get_bearer(&router, path, &pair.access_token).await;
        assert_eq!(answer.status, 401, "{path}");
        assert_eq!(answer.body["detail"]["description"], "token has been revoked");
    }
    assert!(sessions.refresh(&pair.refresh_token).await.is_err());
    // Another session of the same user is untouched.
    let other = sessions.issue("ada", &grant()).await.unwrap();
    assert_eq!(get_bearer(&router, "/private/", &other.access_token).await.status, 200);
}

#[tokio::test]
async fn logout_everywhere_revokes_every_earlier_token_of_the_subject() {
    let sessions = sessions();
    let router = router(&sessions, StoreFailure::Closed);
    let a = sessions.issue("ada", &grant()).await.unwrap();
    let b = sessions.issue("ada", &grant()).await.unwrap();
    let bob = sessions.issue("bob", &grant()).await.unwrap();
    sessions.logout_everywhere("ada").await.unwrap();
    for t in [&a.access_token, &b.access_token] {
        assert_eq!(get_bearer(&router, "/private/", t).await.status, 401);
    }
    assert_eq!(get_bearer(&router, "/private/", &bob.access_token).await.status, 200);
    // The refresh tokens of those sessions are dead too.
    assert!(sessions.refresh(&a.refresh_token).await.is_err());
    assert!(sessions.refresh(&bob.refresh_token).await.is_ok());
    // A sign-in two seconds later is fresh.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let later = sessions.issue("ada", &grant()).await.unwrap();
    assert_eq!(get_bearer(&router, "/private/", &later.access_token).await.status, 200);
}

#[tokio::test]
async fn logout_everywhere_revokes_a_token_a_replica_ahead_just_stamped() {
    let sessions = sessions();
    let router = router(&sessions, StoreFailure::Closed);
    // A replica a fraction of a second ahead, across a second boundary,
    // stamps the next second.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let ahead = token(
        Algorithm::HS256,
        json!({"sub": "ada", "iat": now + 1, "exp": now + 300, "data": {"permissions": ["read"]}}),
    );
    assert_eq!(get_bearer(&router, "/private/", &ahead).await.status, 200);
    sessions.logout_everywhere("ada").await.unwrap();
    assert_eq!(get_bearer(&router, "/private/", &ahead).await.status, 401);
}

/// A refresh token another replica minted, its family started there: `exp`
/// and `iat` as that replica's clock gave them.
async fn minted_elsewhere(store: &MemoryStore, jti: &str, iat: u64, exp: u64) -> String {
    let rules = FamilyRules { now: iat, grace: 5, idle: 3_600, absolute: 86_400 };
    let first = Issued { jti: jti.into(), iat, exp };
    store.start_family(jti, first, rules).await.unwrap();
    let header = json!({"alg": "HS256", "typ": "refresh+jwt"});
    let claims = json!({
        "sub": "ada", "jti": jti, "fam": jti, "iat": iat, "exp": exp,
        "perm": ["read"], "grant": {},
    });
    let header = header.as_object().unwrap().clone();
    key().sign_jwt(&warden::jwt::Jwt::from_parts(header, claims).unwrap()).unwrap()
}

#[tokio::test]
async fn a_refresh_token_stamped_a_second_ahead_is_accepted_and_exp_is_exact() {
    let store = Arc::new(MemoryStore::default());
    let sessions = sessions_with(store.clone(), SessionConfig::default());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    // That replica's clock is a fraction ahead, across a second boundary.
    let ahead = minted_elsewhere(&store, "ahead", now + 1, now + 600).await;
    let pair = sessions.refresh(&ahead).await.unwrap();
    let router = router(&sessions, StoreFailure::Closed);
    assert_eq!(get_bearer(&router, "/private/", &pair.access_token).await.status, 200);
    // Beyond any skew between synchronised clocks: refused.
    let future = minted_elsewhere(&store, "future", now + 120, now + 600).await;
    let err = sessions.refresh(&future).await.unwrap_err();
    assert!(err.to_string().contains("issued in the future"), "{err}");
    // `exp` has no leeway: a refresh token is dead at its `exp`.
    let expired = minted_elsewhere(&store, "expired", now - 60, now).await;
    let err = sessions.refresh(&expired).await.unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");
}

#[test]
fn two_different_refresh_cookies_are_refused_and_the_same_one_twice_is_not() {
    let sessions = sessions();
    let headers = |cookie: &str| {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("cookie", cookie.parse().unwrap());
        headers
    };
    // A sibling subdomain can plant a second `refresh_token` cookie
    // ("cookie tossing"): the client's own cannot be told apart.
    let tossed = headers("refresh_token=AAA; other=1; refresh_token=BBB");
    let err = sessions.refresh_token(&tossed, None).unwrap_err();
    assert_eq!(err.into_http().status(), StatusCode::BAD_REQUEST);
    let twice = headers("refresh_token=AAA; refresh_token=AAA");
    assert_eq!(sessions.refresh_token(&twice, None).unwrap(), "AAA");
    let one = headers("refresh_token=; refresh_token=AAA");
    assert_eq!(sessions.refresh_token(&one, None).unwrap(), "AAA");
    // Quoted, as RFC 6265 allows: the same token.
    let quoted = headers("refresh_token=\"AAA\"; refresh_token=AAA");
    assert_eq!(sessions.refresh_token(&quoted, None).unwrap(), "AAA");
    // A header that is not text but may hold the cookie: ambiguous.
    let mut unreadable = axum::http::HeaderMap::new();
    unreadable
        .insert("cookie", axum::http::HeaderValue::from_bytes(b"refresh_token=AAA\xff").unwrap());
    let err = sessions.refresh_token(&unreadable, None).unwrap_err();
    assert_eq!(err.into_http().status(), StatusCode::BAD_REQUEST);
}

/// A store that fails or hangs on every call.
#[derive(Debug)]
struct Broken {
    hang: bool,
}

impl Broken {
    fn answer<'a, T: Send + 'a>(&'a self) -> StoreFuture<'a, T> {
        let hang = self.hang;
        Box::pin(async move {
            if hang {
                std::future::pending::<()>().await;
            }
            Err(StoreError("connection refused".into()))
        })
    }
}

impl SessionStore for Broken {
    fn is_revoked<'a>(&'a self, _: TokenRef<'a>) -> StoreFuture<'a, bool> {
        self.answer()
    }
    fn revoke_token<'a>(&'a self, _: &'a str, _: u64) -> StoreFuture<'a, ()> {
        self.answer()
    }
    fn revoke_subject<'a>(&'a self, _: &'a str, _: u64, _: u64) -> StoreFuture<'a, ()> {
        self.answer()
    }
    fn start_family<'a>(&'a self, _: &'a str, _: Issued, _: FamilyRules) -> StoreFuture<'a, ()> {
        self.answer()
    }
    fn rotate<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: Issued,
        _: FamilyRules,
    ) -> StoreFuture<'a, Rotation> {
        self.answer()
    }
    fn revoke_family<'a>(&'a self, _: &'a str) -> StoreFuture<'a, ()> {
        self.answer()
    }
}

#[tokio::test]
async fn a_failing_or_hanging_store_answers_by_the_configured_policy() {
    let good = sessions().issue("ada", &grant()).await.unwrap().access_token;
    for hang in [false, true] {
        let config =
            SessionConfig { store_timeout: Duration::from_millis(200), ..SessionConfig::default() };
        let broken = sessions_with(Arc::new(Broken { hang }), config);
        let closed = router(&broken, StoreFailure::Closed);
        let answer = get_bearer(&closed, "/private/", &good).await;
        assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "hang={hang}");
        assert_eq!(answer.body["detail"], "Session store unavailable");
        let open = router(&broken, StoreFailure::Open);
        assert_eq!(get_bearer(&open, "/private/", &good).await.status, 200, "hang={hang}");
        // Issuing and refreshing fail with 503 too, never a panic.
        let err = broken.issue("ada", &grant()).await.unwrap_err();
        assert_eq!(err.into_http().status(), StatusCode::SERVICE_UNAVAILABLE);
        // Public routes never ask the store.
        let public = send(&closed, Request::get("/public/").body(Body::empty()).unwrap()).await;
        assert_eq!(public.status, 200);
    }
}

#[tokio::test]
async fn asymmetric_keys_issue_sessions_too() {
    let pem =
        std::fs::read(format!("{}/tests/it/keys/p256.key", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let key = SigningKey::from_pem(&pem, None).unwrap();
    let verifier = Verifier::builder().key(key.verification_key()).build().unwrap();
    let sessions = Sessions::new(
        key,
        Arc::new(MemoryStore::default()),
        PermissionSource::Flama,
        SessionConfig::default(),
    );
    let router = app_with(Auth::new(verifier).sessions(&sessions, StoreFailure::Closed));
    let pair = sessions.issue("ada", &grant()).await.unwrap();
    assert_eq!(get_bearer(&router, "/private/", &pair.access_token).await.status, 200);
    let next = sessions.refresh(&pair.refresh_token).await.unwrap();
    assert_eq!(get_bearer(&router, "/private/", &next.access_token).await.status, 200);
}

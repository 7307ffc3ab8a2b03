//! The ML API example against a temporary SQLite file: sign-in, roles,
//! predictions, bad bodies, refresh and logout, reuse detection, the
//! sign-in rate limit, the WebSocket stream, the policy matrix, and two
//! instances sharing a real Redis.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite;
use tower::ServiceExt;
use warden::config::AuthConfig;
use warden::session::{MemoryStore, SessionStore};
use warden_examples::ml_api::app::{self, AppState, SetupParts};
use warden_examples::ml_api::limit::{MemoryLimit, SignInLimit};
use warden_examples::ml_api::{Role, UserStore};

const PASSWORD: &str = "correct horse battery staple";

struct Api {
    router: Router,
    state: AppState,
    _dir: tempfile::TempDir,
}

async fn api_with(
    store: Arc<dyn SessionStore>,
    limit: Arc<dyn SignInLimit>,
    db: Option<&std::path::Path>,
) -> Api {
    api_secure(store, limit, db, false).await
}

/// `secure`: cookies for https (as `ml_api` sets them off loopback).
async fn api_secure(
    store: Arc<dyn SessionStore>,
    limit: Arc<dyn SignInLimit>,
    db: Option<&std::path::Path>,
    secure: bool,
) -> Api {
    let dir = tempfile::tempdir().unwrap();
    let path = db.map_or_else(|| dir.path().join("ml.db"), std::path::Path::to_path_buf);
    let users = UserStore::open(&format!("sqlite://{}", path.display())).await.unwrap();
    let configured =
        AuthConfig::from_vars(|name| (name == "JWT_SECRET_HEX").then(|| "7e".repeat(32)))
            .unwrap()
            .build()
            .unwrap();
    let session_config = app::session_config(secure);
    let setup =
        app::setup(SetupParts { users, configured, store, limit, session_config }).await.unwrap();
    Api { router: setup.router, state: setup.state, _dir: dir }
}

async fn api() -> Api {
    api_with(Arc::new(MemoryStore::default()), Arc::new(MemoryLimit::default()), None).await
}

async fn call(
    router: &Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut builder = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    let request = match body {
        Some(body) => {
            builder.header("content-type", "application/json").body(Body::from(body.to_string()))
        }
        None => builder.body(Body::empty()),
    }
    .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// `POST /auth/refresh/` with `refresh_token` in the body.
async fn refresh_with(router: &Router, refresh_token: &str) -> (StatusCode, Value) {
    call(router, "POST", "/auth/refresh/", None, Some(json!({ "refresh_token": refresh_token })))
        .await
}

async fn sign_in(router: &Router, username: &str, password: &str) -> (StatusCode, Value) {
    call(
        router,
        "POST",
        "/auth/signin/",
        None,
        Some(json!({"username": username, "password": password})),
    )
    .await
}

async fn token_for(api: &Api, username: &str, role: Role) -> (String, String) {
    api.state.users.create_user(username, PASSWORD, role).await.unwrap();
    let (status, body) = sign_in(&api.router, username, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn sign_in_right_wrong_and_unknown() {
    let api = api().await;
    api.state.users.create_user("alice", PASSWORD, Role::Analyst).await.unwrap();
    let (status, body) = sign_in(&api.router, "alice", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (body["token_type"].as_str(), body["expires_in"].as_u64()),
        (Some("Bearer"), Some(300))
    );
    let (wrong, wrong_body) = sign_in(&api.router, "alice", "not the password at all").await;
    let (unknown, unknown_body) = sign_in(&api.router, "mallory", PASSWORD).await;
    assert_eq!((wrong, unknown), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert_eq!(wrong_body, unknown_body, "a wrong password and an unknown user look alike");
    assert!(!wrong_body.to_string().contains("not the password"));
    let (status, me) = call(&api.router, "GET", "/me/", body["access_token"].as_str(), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        me,
        json!({"username": "alice", "roles": ["analyst"], "permissions": ["model:read", "model:predict"]})
    );
}

#[tokio::test]
async fn roles_decide_who_predicts_and_the_model_is_right() {
    let api = api().await;
    let (viewer, _) = token_for(&api, "vera", Role::Viewer).await;
    let (analyst, _) = token_for(&api, "anna", Role::Analyst).await;
    let setosa = json!({"features": [5.1, 3.5, 1.4, 0.2]});
    let virginica = json!({"features": [6.7, 3.0, 5.2, 2.3]});
    let (status, _) =
        call(&api.router, "POST", "/models/iris/predict/", Some(&viewer), Some(setosa.clone()))
            .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, models) = call(&api.router, "GET", "/models/", Some(&viewer), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(models[0]["training_accuracy"].as_f64().unwrap() > 0.9);
    for (body, class) in [(setosa, "setosa"), (virginica, "virginica")] {
        let (status, prediction) =
            call(&api.router, "POST", "/models/iris/predict/", Some(&analyst), Some(body)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(prediction["class"], class);
        let total: f64 = prediction["probabilities"]
            .as_object()
            .unwrap()
            .values()
            .map(|p| p.as_f64().unwrap())
            .sum();
        assert!((total - 1.0).abs() < 1e-6);
    }
    for (body, field) in [
        (json!({"features": [1.0, 2.0, 3.0]}), "features"),
        (json!({"features": [1.0, -2.0, 3.0, 4.0]}), "sepal_width"),
        (json!({"features": "many"}), "features"),
        (json!({}), "features"),
    ] {
        let (status, answer) =
            call(&api.router, "POST", "/models/iris/predict/", Some(&analyst), Some(body.clone()))
                .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(answer["status_code"], 400);
        assert!(
            answer["detail"]["field"].as_str().unwrap_or("").contains(field),
            "{body}: {answer}"
        );
    }
    // Users are managed by admins only.
    let new = json!({"username": "bob", "password": PASSWORD, "role": "viewer"});
    let (status, _) = call(&api.router, "POST", "/users/", Some(&analyst), Some(new.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (admin, _) = token_for(&api, "root", Role::Admin).await;
    let (status, created) =
        call(&api.router, "POST", "/users/", Some(&admin), Some(new.clone())).await;
    assert_eq!((status, created["username"].as_str()), (StatusCode::CREATED, Some("bob")));
    let (status, _) = call(&api.router, "POST", "/users/", Some(&admin), Some(new)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let bad_role = json!({"username": "carl", "password": PASSWORD, "role": "owner"});
    let (status, answer) = call(&api.router, "POST", "/users/", Some(&admin), Some(bad_role)).await;
    assert_eq!(
        (status, answer["detail"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("role"))
    );
    let short = json!({"username": "dora", "password": "short", "role": "viewer"});
    let (status, answer) = call(&api.router, "POST", "/users/", Some(&admin), Some(short)).await;
    assert_eq!(
        (status, answer["detail"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("password"))
    );
    let (status, users) = call(&api.router, "GET", "/users/", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(users.as_array().unwrap().iter().all(|u| u.get("password_hash").is_none()));
}

#[tokio::test]
async fn refresh_logout_and_reuse_detection() {
    let api = api().await;
    let (access, refresh) = token_for(&api, "alice", Role::Analyst).await;
    let (status, pair) = refresh_with(&api.router, &refresh).await;
    assert_eq!(status, StatusCode::OK);
    let next_refresh = pair["refresh_token"].as_str().unwrap().to_owned();
    let next_access = pair["access_token"].as_str().unwrap().to_owned();
    // Rotated twice: the first token is now an ancestor. Reuse revokes all.
    let (status, third) = refresh_with(&api.router, &next_refresh).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = refresh_with(&api.router, &refresh).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "reuse of a rotated refresh token");
    let (status, _) = refresh_with(&api.router, third["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the whole family is revoked");
    let (status, _) = call(&api.router, "GET", "/me/", Some(&next_access), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Logout: the access token and its refresh token are dead.
    let (access2, refresh2) = {
        let (status, body) = sign_in(&api.router, "alice", PASSWORD).await;
        assert_eq!(status, StatusCode::OK);
        (
            body["access_token"].as_str().unwrap().to_owned(),
            body["refresh_token"].as_str().unwrap().to_owned(),
        )
    };
    let (status, _) = call(&api.router, "POST", "/auth/logout/", Some(&access2), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(&api.router, "GET", "/me/", Some(&access2), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = refresh_with(&api.router, &refresh2).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "refresh after logout");
    let _ = access;
}

#[tokio::test]
async fn repeated_failures_are_limited_with_retry_after() {
    let api = api().await;
    api.state.users.create_user("alice", PASSWORD, Role::Viewer).await.unwrap();
    for _ in 0..10 {
        let (status, _) = sign_in(&api.router, "alice", "wrong password, again").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let request = Request::post("/auth/signin/")
        .header("content-type", "application/json")
        .body(Body::from(json!({"username": "alice", "password": PASSWORD}).to_string()))
        .unwrap();
    let response = api.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    let retry: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=300).contains(&retry));
}

#[tokio::test]
async fn the_policy_matrix_covers_every_route() {
    let api = api().await;
    let report = warden::testing::PolicyMatrix::new(
        api.router.clone(),
        app::routes().table().iter(),
        &AuthConfig::from_vars(|name| (name == "JWT_SECRET_HEX").then(|| "7e".repeat(32)))
            .unwrap()
            .build()
            .unwrap()
            .authenticator()
            .clone(),
        warden::jwt::HmacSecret::new(vec![0x7e; 32]),
        warden::jwt::Algorithm::HS256,
    )
    .run()
    .await;
    let report = report.unwrap_or_else(|r| panic!("{r}"));
    assert!(report.outcomes().len() > 20, "{report}");
}

async fn serve(router: Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

#[tokio::test]
async fn the_websocket_stream_is_protected_and_predicts() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let api = api().await;
    let (viewer, _) = token_for(&api, "vera", Role::Viewer).await;
    let (analyst, _) = token_for(&api, "anna", Role::Analyst).await;
    let addr = serve(api.router.clone()).await;
    let url = format!("ws://{addr}/models/iris/stream/");
    let connect = |token: Option<String>| {
        let mut request = url.as_str().into_client_request().unwrap();
        if let Some(token) = token {
            request
                .headers_mut()
                .insert("authorization", format!("Bearer {token}").parse().unwrap());
        }
        tokio_tungstenite::connect_async(request)
    };
    for (token, expected) in [(None, 401), (Some(viewer), 403)] {
        match connect(token).await {
            Err(tungstenite::Error::Http(response)) => {
                assert_eq!(response.status().as_u16(), expected)
            }
            other => panic!("expected {expected}, got {:?}", other.map(|(_, r)| r.status())),
        }
    }
    let (mut socket, _) = connect(Some(analyst)).await.unwrap();
    socket
        .send(tungstenite::Message::text(json!({"features": [5.1, 3.5, 1.4, 0.2]}).to_string()))
        .await
        .unwrap();
    let reply: Value =
        serde_json::from_str(socket.next().await.unwrap().unwrap().to_text().unwrap()).unwrap();
    assert_eq!(reply["class"], "setosa");
    socket.send(tungstenite::Message::text(r#"{"features": [1]}"#)).await.unwrap();
    let reply: Value =
        serde_json::from_str(socket.next().await.unwrap().unwrap().to_text().unwrap()).unwrap();
    assert_eq!(reply["field"], "features");
}

/// A `redis-server` on a free loopback port, stopped on drop.
struct Redis {
    child: std::process::Child,
    url: String,
}

impl Redis {
    fn start() -> Redis {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server is needed for this test: run `bash .ci/redis.sh` to install it");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Redis { child, url: format!("redis://127.0.0.1:{port}/") }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn two_replicas_share_one_redis_and_one_database() {
    let redis = Redis::start();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    let replica = || async {
        let store = warden::session::RedisStore::connect(&redis.url)
            .await
            .unwrap()
            .with_prefix("ml_api:session:");
        let limit = warden_examples::ml_api::limit::RedisLimit::connect(&redis.url).await.unwrap();
        api_with(Arc::new(store), Arc::new(limit), Some(&db)).await
    };
    let a = replica().await;
    let b = replica().await;
    a.state.users.create_user("alice", PASSWORD, Role::Analyst).await.unwrap();
    // Signed in on A (the shared database), used on B (the shared key).
    let (status, pair) = sign_in(&b.router, "alice", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let access = pair["access_token"].as_str().unwrap().to_owned();
    assert_eq!(call(&a.router, "GET", "/me/", Some(&access), None).await.0, StatusCode::OK);
    // Logout on A is seen by B at once.
    assert_eq!(
        call(&a.router, "POST", "/auth/logout/", Some(&access), None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&b.router, "GET", "/me/", Some(&access), None).await.0,
        StatusCode::UNAUTHORIZED
    );
    // The sign-in limit is shared: failures on A count on B.
    for router in [&a.router, &b.router].repeat(5) {
        assert_eq!(
            sign_in(router, "alice", "wrong password, again").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(sign_in(&b.router, "alice", PASSWORD).await.0, StatusCode::TOO_MANY_REQUESTS);
}

#[test]
fn the_document_says_101_for_the_websocket_route() {
    let configured =
        AuthConfig::from_vars(|name| (name == "JWT_SECRET_HEX").then(|| "7e".repeat(32)))
            .unwrap()
            .build()
            .unwrap();
    let document = app::app(configured.authenticator().clone()).openapi();
    let responses = &document["paths"]["/models/iris/stream/"]["get"]["responses"];
    assert!(responses.get("101").is_some(), "{responses}");
    assert!(responses.get("200").is_none(), "{responses}");
    let predict = &document["paths"]["/models/iris/predict/"]["post"]["responses"];
    assert!(predict.get("200").is_some(), "{predict}");
}

/// Asks for a permission no role grants.
#[warden::route(get, "/extra/", permissions = ["model:delete"])]
async fn undeclared(_: axum::extract::State<AppState>) {}

#[test]
fn every_permission_the_table_names_is_declared() {
    let configured =
        AuthConfig::from_vars(|name| (name == "JWT_SECRET_HEX").then(|| "7e".repeat(32)))
            .unwrap()
            .build()
            .unwrap();
    let err = app::app(configured.authenticator().clone())
        .routes(warden::routes![undeclared])
        .build()
        .unwrap_err();
    assert!(matches!(
        err,
        warden::BuildError::UnknownPermission { permission: "model:delete", .. }
    ));
    assert!(app::app(configured.authenticator().clone()).build().is_ok());
}

/// Behind https (secure cookies), a browser's same-origin request with the
/// access cookie passes the CSRF check, and one from the plain-http origin
/// does not: the auth layer and the refresh endpoint agree on the scheme.
#[tokio::test]
async fn with_secure_cookies_the_https_origin_is_the_same_origin() {
    let api =
        api_secure(Arc::new(MemoryStore::default()), Arc::new(MemoryLimit::default()), None, true)
            .await;
    let logout = |access: &str, origin: &str| {
        Request::post("/auth/logout/")
            .header("host", "api.example")
            .header("origin", origin)
            .header("cookie", format!("access_token={access}"))
            .body(Body::empty())
            .unwrap()
    };
    let (access, _) = token_for(&api, "alice", Role::Analyst).await;
    let plain = api.router.clone().oneshot(logout(&access, "http://api.example")).await.unwrap();
    assert_eq!(plain.status(), StatusCode::FORBIDDEN, "the http origin is another origin");
    let same = api.router.clone().oneshot(logout(&access, "https://api.example")).await.unwrap();
    assert_eq!(same.status(), StatusCode::NO_CONTENT);
}

/// Logout once the access token is gone (expired; a browser drops its cookie
/// with it): the refresh token, from its cookie (sent to all of `/auth/`) or
/// the body, names the session, which is revoked with every token of it.
#[tokio::test]
async fn logout_with_only_the_refresh_token_revokes_the_session() {
    let api = api().await;
    let (access, refresh) = token_for(&api, "alice", Role::Analyst).await;
    let (status, body) = sign_in(&api.router, "alice", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let other_access = body["access_token"].as_str().unwrap().to_owned();

    // The refresh cookie reaches the logout route.
    let response = api
        .router
        .clone()
        .oneshot(
            Request::post("/auth/signin/")
                .header("content-type", "application/json")
                .body(Body::from(json!({"username": "alice", "password": PASSWORD}).to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    let refresh_cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("refresh_token="))
        .unwrap();
    assert!(refresh_cookie.contains("Path=/auth/;"), "{refresh_cookie}");
    // The cookie at its former path is cleared, so that a browser does not
    // keep sending both (two different refresh cookies are refused).
    let cookies: Vec<&str> =
        response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    assert!(
        cookies.iter().any(|c| c.starts_with("refresh_token=;")
            && c.contains("Path=/auth/refresh/")
            && c.contains("Max-Age=0")),
        "{cookies:?}"
    );
    let cookie_refresh = refresh_cookie.split(';').next().unwrap().to_owned();

    // The refresh token in the body, no access token: 204, cookies cleared.
    let logout = Request::post("/auth/logout/")
        .header("content-type", "application/json")
        .body(Body::from(json!({"refresh_token": refresh}).to_string()))
        .unwrap();
    let response = api.router.clone().oneshot(logout).await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let cleared: Vec<&str> =
        response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    assert!(cleared.iter().any(|c| c.starts_with("refresh_token=;")), "{cleared:?}");
    // The session is dead: its refresh token and its access token.
    let (status, _) = refresh_with(&api.router, &refresh).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "refresh after logout");
    let (status, _) = call(&api.router, "GET", "/me/", Some(&access), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the session's access token");
    // Another session of the same user is untouched.
    let (status, _) = call(&api.router, "GET", "/me/", Some(&other_access), None).await;
    assert_eq!(status, StatusCode::OK);

    // The refresh cookie alone: from another origin refused, from the
    // API's own accepted.
    let cookie_logout = |origin: &str| {
        Request::post("/auth/logout/")
            .header("host", "api.example")
            .header("origin", origin)
            .header("cookie", &cookie_refresh)
            .body(Body::empty())
            .unwrap()
    };
    let cross = api.router.clone().oneshot(cookie_logout("http://evil.example")).await.unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    let same = api.router.clone().oneshot(cookie_logout("http://api.example")).await.unwrap();
    assert_eq!(same.status(), StatusCode::NO_CONTENT);
    let cookie_token = cookie_refresh.trim_start_matches("refresh_token=").to_owned();
    let (status, _) = refresh_with(&api.router, &cookie_token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "refresh after a cookie logout");

    // With the access token, an empty JSON body is not read.
    let (other, _) = token_for(&api, "bob", Role::Viewer).await;
    let empty_json = Request::post("/auth/logout/")
        .header("authorization", format!("Bearer {other}"))
        .header("content-type", "application/json")
        .body(Body::empty())
        .unwrap();
    let response = api.router.clone().oneshot(empty_json).await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // Neither token: 400; a forged refresh token: 401.
    let (status, _) = call(&api.router, "POST", "/auth/logout/", None, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let forged = json!({"refresh_token": format!("{}x", &refresh[..refresh.len() - 1])});
    let (status, _) = call(&api.router, "POST", "/auth/logout/", None, Some(forged)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

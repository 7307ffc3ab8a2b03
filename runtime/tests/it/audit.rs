//! Denial audit events: one per refused request, with the route, status and
//! reason, and `sub`/`jti` once the token is verified; never the token.

use serde_json::json;
use warden::jwt::Algorithm;

use crate::support::*;

/// Runs `f` with a subscriber writing events to the returned buffer.
async fn capture<F: Future<Output = ()>>(f: impl FnOnce() -> F) -> String {
    let (captured, _guard) = capture_logs(tracing::Level::DEBUG);
    f().await;
    captured.text()
}

#[tokio::test(flavor = "current_thread")]
async fn each_denial_is_one_event_with_its_reason_and_never_the_token() {
    let router = app();
    let lacking = token(
        Algorithm::HS256,
        json!({"sub": "ada", "jti": "t-1", "data": {"permissions": ["x"]}}),
    );
    let expired = token(Algorithm::HS256, json!({"exp": 1, "data": {"permissions": ["read"]}}));
    let (lacking_c, expired_c) = (lacking.clone(), expired.clone());
    let log = capture(|| async move {
        assert_eq!(
            send(&router, get("/private/").body(Default::default()).unwrap()).await.status,
            401
        );
        assert_eq!(get_bearer(&router, "/private/", &expired_c).await.status, 401);
        assert_eq!(get_bearer(&router, "/admin/", &lacking_c).await.status, 403);
        assert_eq!(get_bearer(&router, "/public/", &lacking_c).await.status, 200);
    })
    .await;
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 3, "one event per denial, none for the allowed request:\n{log}");
    assert!(lines.iter().all(|l| l.contains("INFO") && l.contains("warden::auth")), "{log}");
    assert!(
        lines[0].contains(r#"route="private""#) && lines[0].contains("reason=missing"),
        "{log}"
    );
    assert!(lines[0].contains("status=401") && lines[0].contains(r#"path="/private/""#), "{log}");
    assert!(lines[1].contains("reason=invalid: expired"), "{log}");
    assert!(lines[2].contains(r#"reason=forbidden: lacks ["read", "admin"]"#), "{log}");
    assert!(lines[2].contains(r#"sub="ada""#) && lines[2].contains(r#"jti="t-1""#), "{log}");
    for token in [&lacking, &expired] {
        let signature = token.rsplit('.').next().unwrap();
        assert!(!log.contains(signature), "a log line carries a token:\n{log}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_cookie_from_another_origin_is_a_warning() {
    let router = app();
    let t = token_with(&["write"]);
    let log = capture(|| async move {
        let request = axum::http::Request::post("/models/")
            .header("host", "api.example")
            .header("origin", "https://evil.example")
            .header("cookie", format!("access_token={t}"))
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(send(&router, request).await.status, 403);
    })
    .await;
    assert!(log.contains("WARN") && log.contains("reason=cross-site"), "{log}");
}

//! The docs page: locked down by its headers, token kept only on request,
//! and working under a prefix.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;
use warden::App;

use crate::support::*;

async fn fetch(router: &Router, path: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let response =
        router.clone().oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let body = axum::body::to_bytes(response.into_body(), 8 << 20).await.unwrap();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn app_router(persist: Option<bool>) -> Router {
    let mut app = App::new("Docs", "1.0.0")
        .auth(auth(verifier()).build().unwrap())
        .routes(warden::routes![public]);
    if let Some(persist) = persist {
        app = app.docs_persist_authorization(persist);
    }
    app.build().unwrap()
}

#[tokio::test]
async fn every_docs_response_carries_the_security_headers() {
    let router = app_router(None);
    for path in
        ["/docs/", "/docs/warden-docs.js", "/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js"]
    {
        let (status, headers, _) = fetch(&router, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let header = |name: &str| headers.get(name).map_or("", |v| v.to_str().unwrap());
        let csp = header("content-security-policy");
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self';"), "{path}: no inline script allowed: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
    }
    let (_, _, html) = fetch(&router, "/docs/").await;
    assert!(!html.contains("<script>"), "no inline script: {html}");
}

#[tokio::test]
async fn the_token_is_not_persisted_unless_asked() {
    let (_, _, script) = fetch(&app_router(None), "/docs/warden-docs.js").await;
    assert!(script.contains("persistAuthorization: false"), "{script}");
    let (_, _, script) = fetch(&app_router(Some(true)), "/docs/warden-docs.js").await;
    assert!(script.contains("persistAuthorization: true"), "{script}");
}

#[tokio::test]
async fn nested_under_a_prefix_the_page_and_its_document_resolve() {
    let nested = Router::new().nest("/api/v1", app_router(None));
    let (status, _, html) = fetch(&nested, "/api/v1/docs/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"src="./swagger-ui-bundle.js""#), "{html}");
    let (status, _, script) = fetch(&nested, "/api/v1/docs/warden-docs.js").await;
    assert_eq!(status, StatusCode::OK);
    // `../schema/` from `/api/v1/docs/` is `/api/v1/schema/`.
    assert!(script.contains(r#"url: "../schema/""#), "{script}");
    let (status, _, document) = fetch(&nested, "/api/v1/schema/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(document.contains(r#""openapi": "3.1"#), "{document}");
    for asset in ["swagger-ui.css", "swagger-ui-bundle.js"] {
        assert_eq!(fetch(&nested, &format!("/api/v1/docs/{asset}")).await.0, StatusCode::OK);
    }
}

#[tokio::test]
async fn app_prefix_serves_everything_under_it_and_documents_it() {
    let router: Router = App::new("Prefixed", "1.0.0")
        .auth(auth(verifier()).build().unwrap())
        .routes(warden::routes![public])
        .prefix("/api/v1")
        .build()
        .unwrap();
    assert_eq!(fetch(&router, "/api/v1/public/").await.0, StatusCode::OK);
    let (status, _, body) = fetch(&router, "/public/").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains(r#""status_code":404"#), "{body}");
    let (status, _, document) = fetch(&router, "/api/v1/schema/").await;
    assert_eq!(status, StatusCode::OK);
    let document: serde_json::Value = serde_json::from_str(&document).unwrap();
    assert_eq!(document["servers"], serde_json::json!([{"url": "/api/v1"}]));
    assert_eq!(fetch(&router, "/api/v1/docs/").await.0, StatusCode::OK);
    assert_eq!(fetch(&router, "/api/v1/docs/warden-docs.js").await.0, StatusCode::OK);
    for bad in ["api", "/api/", "/", "/api/{v}", "/:v1", "/api/:version"] {
        let err = App::<()>::new("T", "1")
            .routes(warden::routes![public])
            .prefix(bad)
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("is not a prefix"), "{bad}: {err}");
    }
}

fn guarded(policy: warden::Policy) -> App {
    App::new("Guarded", "1.0.0")
        .auth(auth(verifier()).build().unwrap())
        .routes(warden::routes![public])
        .docs_policy(policy)
}

const DOCS_PATHS: [&str; 6] = [
    "/schema/",
    "/docs/",
    "/docs",
    "/docs/warden-docs.js",
    "/docs/swagger-ui.css",
    "/docs/swagger-ui-bundle.js",
];

#[tokio::test]
async fn the_document_and_the_page_are_public_by_default() {
    let router = app_router(None);
    for path in DOCS_PATHS {
        assert_ne!(fetch(&router, path).await.0, StatusCode::UNAUTHORIZED, "{path}");
    }
    let document = App::new("Open", "1.0.0").routes(warden::routes![public]);
    let document: App = document;
    assert!(document.openapi().get("x-docs-policy").is_none());
}

#[tokio::test]
async fn a_docs_policy_guards_the_document_and_the_page_like_a_route() {
    let app = guarded(warden::Policy::Permissions(&["docs:read"]));
    assert_eq!(
        app.openapi()["x-docs-policy"],
        serde_json::json!({"kind": "permissions", "alternatives": [["docs:read"]]})
    );
    let router = app.build().unwrap();
    let reader = token_with(&["docs:read"]);
    let other = token_with(&["read"]);
    for path in DOCS_PATHS {
        let answer = send(&router, get(path).body(Body::empty()).unwrap()).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(answer.body, unauthorized_body(), "{path}");
        assert_eq!(answer.www_authenticate(), "Bearer", "{path}");
        let answer = get_bearer(&router, path, &other).await;
        assert!(answer.www_authenticate().contains(r#"scope="docs:read""#), "{path}");
        assert_eq!(
            (answer.status, answer.body),
            (StatusCode::FORBIDDEN, forbidden_body()),
            "{path}"
        );
        let request = get(path).header("authorization", format!("Bearer {reader}"));
        let response = router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
        assert!(response.status().is_success() || response.status().is_redirection(), "{path}");
        // The page loads the document with the cookie a browser sends.
        let request = get(path).header("cookie", format!("access_token={reader}"));
        let response = router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
        assert!(response.status().is_success() || response.status().is_redirection(), "{path}");
    }
    // The routes keep their own policies.
    assert_eq!(fetch(&router, "/public/").await.0, StatusCode::OK);
}

#[tokio::test]
async fn an_authenticated_docs_policy_takes_any_valid_token_also_under_a_prefix() {
    let router = guarded(warden::Policy::Authenticated).prefix("/api").build().unwrap();
    assert_eq!(fetch(&router, "/api/schema/").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(fetch(&router, "/api/docs/").await.0, StatusCode::UNAUTHORIZED);
    let token = token_with(&[]);
    assert_eq!(get_bearer(&router, "/api/schema/", &token).await.status, StatusCode::OK);
    let answer = get_with_header(&router, "/api/schema/", "Bearer not.a.token").await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.body["detail"]["error"], "JWTDecodeException");
}

#[test]
fn a_docs_policy_needs_auth_and_declared_permissions() {
    let err =
        App::<()>::new("T", "1").docs_policy(warden::Policy::Authenticated).build().unwrap_err();
    assert_eq!(err, warden::BuildError::MissingAuth { route: "GET /schema/".into() });
    let err = guarded(warden::Policy::Permissions(&["docs:raed"]))
        .permissions(["docs:read"])
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, warden::BuildError::UnknownPermission { permission: "docs:raed", .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with("route `GET /schema/` (`warden::App::docs_policy`)"),
        "{err}"
    );
    // Without a document there is nothing to guard.
    assert!(guarded(warden::Policy::Authenticated).schema_path(None).build().is_ok());
}

//! A Warden router among other axum routers: merged with another Warden
//! router or a plain one (with or without its own fallback) without a
//! panic, nested, and several `routes![...]` lists in one app.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use serde_json::{Value, json};
use warden::{App, BuildError, Json, JsonErrors, route, routes};

use crate::support::*;

fn not_found_body() -> Value {
    json!({"status_code": 404, "detail": "Not Found", "error": null})
}

async fn fetch(router: &Router, method: &str, path: &str) -> Answer {
    send(router, Request::builder().method(method).uri(path).body(Body::empty()).unwrap()).await
}

fn plain() -> Router {
    Router::new().route("/plain/", get(|| async { axum::Json(json!({"plain": true})) }))
}

fn plain_with_fallback() -> Router {
    plain().fallback(|| async { (StatusCode::IM_A_TEAPOT, axum::Json(json!({"mine": true}))) })
}

#[tokio::test]
async fn merges_with_a_plain_router_that_has_its_own_fallback() {
    for merged in [app().merge(plain_with_fallback()), plain_with_fallback().merge(app())] {
        assert_eq!(fetch(&merged, "GET", "/plain/").await.body, json!({"plain": true}));
        assert_eq!(fetch(&merged, "GET", "/public/").await.status, StatusCode::OK);
        let answer = fetch(&merged, "GET", "/private/").await;
        assert_eq!((answer.status, answer.body), (StatusCode::UNAUTHORIZED, unauthorized_body()));
        // The plain router's own fallback answers unknown paths...
        let answer = fetch(&merged, "GET", "/nope/").await;
        assert_eq!((answer.status, answer.body), (StatusCode::IM_A_TEAPOT, json!({"mine": true})));
        // ... and Warden's routes keep their JSON 405.
        let answer = fetch(&merged, "DELETE", "/private/").await;
        assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(answer.body["detail"], "Method Not Allowed");
        assert_eq!(answer.headers["allow"], "GET,HEAD");
    }
}

#[route(get, "/second/", permissions = ["read"])]
async fn second() -> Json<&'static str> {
    Json("second")
}

fn second_app() -> Router {
    App::new("Second", "1.0.0")
        .auth(auth(verifier()).build().unwrap())
        .routes(routes![second])
        .schema_path(Some("/second/schema/"))
        .docs_path(Some("/second/docs/"))
        .build()
        .unwrap()
}

#[tokio::test]
async fn two_warden_routers_merge_and_keep_the_json_404() {
    for merged in [app().merge(second_app()), second_app().merge(app())] {
        let token = token_with(&["read"]);
        assert_eq!(get_bearer(&merged, "/second/", &token).await.body, json!("second"));
        assert_eq!(get_bearer(&merged, "/private/", &token).await.status, StatusCode::OK);
        assert_eq!(fetch(&merged, "GET", "/second/").await.body, unauthorized_body());
        assert_eq!(fetch(&merged, "GET", "/second/schema/").await.status, StatusCode::OK);
        assert_eq!(fetch(&merged, "GET", "/schema/").await.status, StatusCode::OK);
        let answer = fetch(&merged, "GET", "/nope/").await;
        assert_eq!((answer.status, answer.body), (StatusCode::NOT_FOUND, not_found_body()));
    }
}

#[tokio::test]
async fn with_a_plain_default_fallback_the_router_passed_to_merge_answers_404() {
    // axum keeps the default fallback of the router passed to `merge`.
    let answer = fetch(&plain().merge(app()), "GET", "/nope/").await;
    assert_eq!((answer.status, answer.body), (StatusCode::NOT_FOUND, not_found_body()));
    let answer = fetch(&app().merge(plain()), "GET", "/nope/").await;
    assert_eq!((answer.status, answer.body), (StatusCode::NOT_FOUND, Value::Null));
    // `JsonErrors` on the outer router makes every bare 404 and 405 JSON,
    // the plain routes' too.
    let merged = app().merge(plain()).layer(JsonErrors);
    let answer = fetch(&merged, "GET", "/nope/").await;
    assert_eq!((answer.status, answer.body), (StatusCode::NOT_FOUND, not_found_body()));
    let answer = fetch(&merged, "POST", "/plain/").await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(answer.body["detail"], "Method Not Allowed");
    assert_eq!(answer.headers["allow"], "GET,HEAD");
    // Bodies with content pass through untouched.
    assert_eq!(fetch(&merged, "GET", "/plain/").await.body, json!({"plain": true}));
    let merged = plain_with_fallback().merge(app()).layer(JsonErrors);
    assert_eq!(fetch(&merged, "GET", "/nope/").await.status, StatusCode::IM_A_TEAPOT);
}

#[tokio::test]
async fn nested_under_a_prefix_with_json_errors_on_the_outer_router() {
    let nested = Router::new().nest("/api/v1", app()).layer(JsonErrors);
    let answer = fetch(&nested, "GET", "/api/v1/private/").await;
    assert_eq!(answer.body, unauthorized_body());
    let answer = fetch(&nested, "GET", "/api/v1/nope/").await;
    assert_eq!((answer.status, answer.body), (StatusCode::NOT_FOUND, not_found_body()));
    let answer = fetch(&nested, "GET", "/elsewhere/").await;
    assert_eq!((answer.status, answer.body), (StatusCode::NOT_FOUND, not_found_body()));
}

mod team_a {
    use super::*;

    #[route(get, "/a/", public)]
    pub(crate) async fn a() -> Json<&'static str> {
        Json("a")
    }

    #[route(get, "/shared/", public, name = "shared_a")]
    pub(crate) async fn shared() {}
}

mod team_b {
    use super::*;

    #[route(get, "/b/", permissions = ["read"])]
    pub(crate) async fn b() -> Json<&'static str> {
        Json("b")
    }

    #[route(get, "/shared/", public, name = "shared_b")]
    pub(crate) async fn shared() {}
}

fn teams() -> App {
    App::new("Teams", "1.0.0").auth(auth(verifier()).build().unwrap())
}

#[tokio::test]
async fn several_lists_make_one_app_one_document_and_one_duplicate_check() {
    let app = teams().routes(routes![team_a::a]).routes(routes![team_b::b]);
    let document = app.openapi();
    let paths: Vec<&String> = document["paths"].as_object().unwrap().keys().collect();
    assert_eq!(paths, ["/a/", "/b/"]);
    let router = app.build().unwrap();
    assert_eq!(fetch(&router, "GET", "/a/").await.body, json!("a"));
    assert_eq!(fetch(&router, "GET", "/b/").await.status, StatusCode::UNAUTHORIZED);

    let err = teams()
        .routes(routes![team_a::a, team_a::shared])
        .routes(routes![team_b::b, team_b::shared])
        .build()
        .unwrap_err();
    let BuildError::DuplicateRoute { route, handlers } = &err else { panic!("{err:?}") };
    assert_eq!(route, "GET /shared/");
    let mut handlers = handlers.clone();
    handlers.sort();
    assert!(handlers[0].ends_with("team_a::shared"), "{handlers:?}");
    assert!(handlers[1].ends_with("team_b::shared"), "{handlers:?}");
}

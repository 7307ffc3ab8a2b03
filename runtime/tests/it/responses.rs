//! The envelope for everything that is not a policy decision: 404, 405, bad
//! bodies, and the order of checks (policy before body parsing).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn unknown_route_is_json_404() {
    let answer = send(&app(), get("/nope/").body(Body::empty()).unwrap()).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.body, json!({"status_code": 404, "detail": "Not Found", "error": null}));
}

#[tokio::test]
async fn wrong_method_is_json_405_with_allow() {
    let request = Request::delete("/private/").body(Body::empty()).unwrap();
    let answer = send(&app(), request).await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        answer.body,
        json!({"status_code": 405, "detail": "Method Not Allowed", "error": null})
    );
    assert_eq!(answer.headers["allow"], "GET,HEAD");
}

fn post_model(token: &str, body: &'static str) -> Request<Body> {
    Request::post("/models/")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn forbidden_wins_over_a_malformed_body() {
    let answer = send(&app(), post_model(&token_with(&["read"]), "{not json")).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.body, forbidden_body());
    let request = Request::post("/models/").body(Body::from("{not json")).unwrap();
    assert_eq!(send(&app(), request).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_body_is_400_naming_the_field_without_echoing_it() {
    let token = token_with(&["write"]);
    let answer = send(&app(), post_model(&token, r#"{"name": "m", "size": "secret-value"}"#)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.body["status_code"], 400);
    assert_eq!(answer.body["detail"]["field"], "size");
    assert_eq!(answer.body["detail"]["description"], "invalid value: expected u32");
    assert!(!answer.body.to_string().contains("secret-value"));

    let answer = send(&app(), post_model(&token, r#"{"size": 1}"#)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.body["detail"]["description"], "missing field `name`");

    let answer = send(&app(), post_model(&token, "{not json")).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.body["detail"]["description"], "malformed JSON");

    let answer = send(&app(), post_model(&token, r#"{"name": "m", "size": 3}"#)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body, json!({"created": "m"}));
}

#[tokio::test]
async fn body_without_json_content_type_is_415() {
    let request = Request::post("/models/")
        .header("authorization", format!("Bearer {}", token_with(&["write"])))
        .body(Body::from(r#"{"name": "m", "size": 3}"#))
        .unwrap();
    let answer = send(&app(), request).await;
    assert_eq!(answer.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(answer.body["status_code"], 415);
}

#[tokio::test]
async fn trailing_characters_after_the_body_are_400() {
    let token = token_with(&["write"]);
    let answer = send(&app(), post_model(&token, r#"{"name": "m", "size": 3} xx"#)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.body["detail"]["description"], "trailing characters after the JSON value");
}

#[tokio::test]
async fn invalid_token_detail_keeps_flamas_key_order() {
    let response = tower::ServiceExt::oneshot(
        app(),
        get("/me/").header("authorization", "Bearer a.b.c").body(Body::empty()).unwrap(),
    )
    .await
    .unwrap();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(
        text.starts_with(
            r#"{"status_code":401,"detail":{"error":"JWTDecodeException","description":"#
        ),
        "{text}"
    );
}

#[tokio::test]
async fn axum_extractor_rejections_use_the_envelope_too() {
    #[derive(serde::Deserialize, schemars::JsonSchema)]
    #[allow(dead_code)] // deserialized only
    struct Page {
        size: u32,
    }
    #[warden::route(get, "/items/{id}", public)]
    async fn item(
        axum::extract::Path(_id): axum::extract::Path<u32>,
        axum::extract::Query(_page): axum::extract::Query<Page>,
    ) -> &'static str {
        "ok"
    }
    let router = warden::App::<()>::new("T", "1").routes(warden::routes![item]).build().unwrap();
    let answer = send(&router, get("/items/abc?size=1").body(Body::empty()).unwrap()).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.headers["content-type"], "application/json");
    assert_eq!(answer.body["status_code"], 400);
    assert!(answer.body["detail"].as_str().unwrap().contains("parse"), "{:?}", answer.body);
    let answer = send(&router, get("/items/1?size=big").body(Body::empty()).unwrap()).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.body["detail"].as_str().unwrap().contains("size"), "{:?}", answer.body);
    // Successful plain-text answers pass through untouched.
    let response =
        tower::ServiceExt::oneshot(router, get("/items/1?size=2").body(Body::empty()).unwrap())
            .await
            .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(&axum::body::to_bytes(response.into_body(), 64).await.unwrap()[..], b"ok");
}

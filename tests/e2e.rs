//! The Flama article's session against the example app, in-process: the same
//! router `cargo run --example jwt_api` serves.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;
use warden::jwt::{HmacSecret, Verifier};
use warden_examples::jwt_api;

async fn call(router: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

fn demo_router() -> Router {
    jwt_api::router(HmacSecret::flama_demo()).unwrap()
}

async fn sign_in(router: &Router, body: &str) -> (StatusCode, Value) {
    let request = Request::post("/auth/")
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap();
    call(router, request).await
}

const USER: &str = "7d7b6ea4-2a2b-4b84-a4c1-0a0c0a0c0a0c";

#[tokio::test]
async fn article_session() {
    let router = demo_router();

    let (status, body) =
        call(&router, Request::get("/public/info/").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"title": jwt_api::TITLE, "description": jwt_api::DESCRIPTION, "public": true})
    );

    let (status, body) =
        call(&router, Request::get("/private/info/").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, json!({"status_code": 401, "detail": "Unauthorized", "error": null}));

    let (status, body) =
        sign_in(&router, &format!(r#"{{"id": "{USER}", "password": "pw"}}"#)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["id"], USER);
    let token = body["token"].as_str().unwrap().to_owned();

    // The token carries exactly what the article's token carries.
    let verifier = Verifier::hmac(&HmacSecret::flama_demo()).build().unwrap();
    let jwt = verifier.verify(&token).unwrap();
    let payload = jwt.payload();
    assert_eq!(payload["iss"], "vortico");
    assert_eq!(payload["data"], json!({"id": USER, "permissions": ["my-permission-name"]}));
    assert!(payload["iat"].is_u64());
    // The article's JWT_TOKEN_EXPIRATION, 300 s: no token is valid forever.
    assert_eq!(payload["exp"].as_u64(), payload["iat"].as_u64().map(|iat| iat + 300));
    assert_eq!(jwt.header()["alg"], "HS256");

    let private =
        json!({"title": jwt_api::TITLE, "description": jwt_api::DESCRIPTION, "public": false});
    let request = Request::get("/private/info/")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&router, request).await, (StatusCode::OK, private.clone()));

    let request = Request::get("/private/info/")
        .header("cookie", format!("access_token={token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&router, request).await, (StatusCode::OK, private));
}

#[tokio::test]
async fn password_is_optional_and_id_must_be_a_uuid() {
    let router = demo_router();
    let (status, _) = sign_in(&router, &format!(r#"{{"id": "{USER}"}}"#)).await;
    assert_eq!(status, StatusCode::OK);

    let (status, body) = sign_in(&router, r#"{"id": "not-a-uuid", "password": "pw"}"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["detail"]["field"], "id");
    assert!(!body.to_string().contains("not-a-uuid"), "{body}");

    let (status, body) = sign_in(&router, "{}").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["detail"]["description"], "missing field `id`");
    assert_eq!(body["detail"]["field"], "id", "a missing field is named too");
}

#[tokio::test]
async fn permission_table_lists_every_route_with_its_policy() {
    let listing: Vec<String> = jwt_api::routes().table().iter().map(ToString::to_string).collect();
    assert_eq!(
        listing,
        [
            "GET     /public/info/ public_info public",
            "GET     /private/info/ protected_info permissions = [\"my-permission-name\"]",
            "POST    /auth/ signin public",
        ]
    );
}

#[tokio::test]
async fn tokens_signed_with_another_secret_are_rejected() {
    let router = jwt_api::router(HmacSecret::new([42; 64])).unwrap();
    let other = demo_router();
    let (_, body) = sign_in(&other, &format!(r#"{{"id": "{USER}"}}"#)).await;
    let request = Request::get("/private/info/")
        .header("authorization", format!("Bearer {}", body["token"].as_str().unwrap()))
        .body(Body::empty())
        .unwrap();
    let (status, body) = call(&router, request).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["detail"]["error"], "JWTDecodeException");
}

#[test]
fn short_secret_without_opt_in_is_refused() {
    let err = jwt_api::router(HmacSecret::new(b"short".to_vec())).unwrap_err();
    assert!(err.to_string().contains("at least 32"), "{err}");
}

#[tokio::test]
async fn token_responses_are_not_cacheable() {
    let request = Request::post("/auth/")
        .header("content-type", "application/json")
        .body(Body::from(format!(r#"{{"id": "{USER}"}}"#)))
        .unwrap();
    let response = demo_router().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
}

#[test]
fn environment_configuration_makes_the_example_strict() {
    use warden::config::AuthConfig;
    let vars = |name: &str| match name {
        "JWT_SECRET_HEX" => Some("5e".repeat(32)),
        "JWT_ISSUER" => Some("vortico".to_owned()),
        "JWT_REQUIRED_CLAIMS" => Some("exp,iss".to_owned()),
        "JWT_TYP" => Some("JWT".to_owned()),
        _ => None,
    };
    let configured = AuthConfig::from_vars(vars).unwrap().build().unwrap();
    let verifier = configured.authenticator().verifier();
    let key = configured.signing_key().unwrap();
    let sign = |claims: Value| key.sign(claims).unwrap();
    // What Flama and the article issue without `exp` is refused once required.
    let no_exp = sign(json!({"iss": "vortico", "data": {}}));
    assert_eq!(verifier.verify(&no_exp).unwrap_err().description(), "token lacks a required claim");
    let other_iss = sign(json!({"iss": "mallory", "exp": u32::MAX}));
    assert_eq!(verifier.verify(&other_iss).unwrap_err().description(), "invalid issuer");
    assert!(verifier.verify(&sign(json!({"iss": "vortico", "exp": u32::MAX}))).is_ok());
}

/// A route the article's app does not have, asking for a misspelt permission.
#[warden::route(get, "/extra/", permissions = ["my-permision-name"])]
async fn misspelt() {}

#[test]
fn the_app_declares_its_one_permission() {
    let err = jwt_api::app(HmacSecret::new([7; 64]))
        .unwrap()
        .routes(warden::routes![misspelt])
        .build()
        .unwrap_err();
    let message = err.to_string();
    assert!(message.starts_with("route `GET /extra/` ("), "{message}");
    assert!(message.contains("requires permission `my-permision-name`"), "{message}");
    assert!(message.ends_with("did you mean `my-permission-name`?"), "{message}");
    assert!(jwt_api::app(HmacSecret::new([7; 64])).unwrap().build().is_ok());
}

#[test]
fn the_routes_subcommand_lists_the_paths_as_served() {
    assert_eq!(
        jwt_api::listing(None, false),
        "GET     /public/info/ public_info public\n\
         GET     /private/info/ protected_info permissions = [\"my-permission-name\"]\n\
         POST    /auth/ signin public"
    );
    assert_eq!(
        jwt_api::listing(Some("/api/v1".into()), false),
        "GET     /api/v1/public/info/ public_info public\n\
         GET     /api/v1/private/info/ protected_info permissions = [\"my-permission-name\"]\n\
         POST    /api/v1/auth/ signin public"
    );
    let json: Value =
        serde_json::from_str(&jwt_api::listing(Some("/api/v1".into()), true)).unwrap();
    let paths: Vec<&str> =
        json.as_array().unwrap().iter().map(|r| r["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["/api/v1/public/info/", "/api/v1/private/info/", "/api/v1/auth/"]);
    let plain: Value = serde_json::from_str(&jwt_api::listing(None, true)).unwrap();
    assert_eq!(plain, warden::table_json(jwt_api::routes().table()));
}

//! Warden among the usual tower-http and axum layers, in the order the
//! README gives: CORS outermost (a 401 or 403 still carries its headers, a
//! preflight never reaches the auth layer), then tracing, compression, and
//! axum's body limit, which the handler's `Json` reads after the policy ran.

use std::io::Read as _;

use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, Request, Response, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt;
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;
use tower_http::trace::TraceLayer;
use warden::jwt::{Algorithm, HmacSecret, Jwt, Verifier};
use warden::{App, Auth, Json, route, routes};

const SECRET: [u8; 32] = [7; 32];
const ORIGIN: &str = "https://app.example";

#[route(get, "/public/", public)]
async fn public() -> Json<Value> {
    Json(json!({"public": true, "padding": "x".repeat(512)}))
}

#[route(get, "/private/", permissions = ["read"])]
async fn private() -> Json<Value> {
    Json(json!({"public": false}))
}

#[route(post, "/echo/", permissions = ["read"])]
async fn echo(Json(body): Json<Value>) -> Json<Value> {
    Json(body)
}

fn router() -> Router {
    let auth = Auth::new(Verifier::hmac(&HmacSecret::new(SECRET)).build().unwrap());
    App::new("Layers", "1.0.0")
        .auth(auth.build().unwrap())
        .routes(routes![public, private, echo])
        .build()
        .unwrap()
        // Innermost first: each `.layer` wraps what is above it.
        .layer(DefaultBodyLimit::max(1024))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .layer(
            CorsLayer::new()
                .allow_origin(HeaderValue::from_static(ORIGIN))
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]),
        )
}

fn token(permissions: &[&str]) -> String {
    let claims = json!({"sub": "ada", "data": {"permissions": permissions}});
    Jwt::new(Algorithm::HS256, claims).unwrap().encode(&HmacSecret::new(SECRET)).unwrap()
}

async fn send(request: Request<Body>) -> Response<Body> {
    router().oneshot(request).await.unwrap()
}

async fn body(response: Response<Body>) -> Value {
    let gzip = response.headers().get(header::CONTENT_ENCODING).is_some_and(|v| v == "gzip");
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    let bytes = if gzip {
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut plain).unwrap();
        plain
    } else {
        bytes.to_vec()
    };
    serde_json::from_slice(&bytes).unwrap()
}

fn allow_origin(response: &Response<Body>) -> &str {
    response.headers().get("access-control-allow-origin").map_or("", |v| v.to_str().unwrap())
}

#[tokio::test]
async fn denials_carry_the_cors_headers() {
    let request = Request::get("/private/").header("origin", ORIGIN);
    let response = send(request.body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(allow_origin(&response), ORIGIN);
    assert_eq!(body(response).await["detail"], "Unauthorized");

    let request = Request::get("/private/")
        .header("origin", ORIGIN)
        .header("authorization", format!("Bearer {}", token(&["write"])));
    let response = send(request.body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(allow_origin(&response), ORIGIN);
    assert_eq!(body(response).await["detail"], "Insufficient permissions");

    let response =
        send(Request::get("/nope/").header("origin", ORIGIN).body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(allow_origin(&response), ORIGIN);
}

#[tokio::test]
async fn a_preflight_on_a_protected_route_is_answered_by_cors() {
    let request = Request::builder()
        .method(Method::OPTIONS)
        .uri("/private/")
        .header("origin", ORIGIN)
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization");
    let response = send(request.body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(allow_origin(&response), ORIGIN);
    let allowed = response.headers()["access-control-allow-methods"].to_str().unwrap();
    assert!(allowed.contains("GET"), "{allowed}");
    assert!(response.headers().get(header::WWW_AUTHENTICATE).is_none());
}

#[tokio::test]
async fn answers_are_compressed_when_asked() {
    let request = Request::get("/public/").header("accept-encoding", "gzip");
    let response = send(request.body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
    assert_eq!(body(response).await["public"], true);

    let response = send(Request::get("/public/").body(Body::empty()).unwrap()).await;
    assert!(response.headers().get(header::CONTENT_ENCODING).is_none());
}

#[tokio::test]
async fn the_body_limit_applies_after_the_policy_in_the_envelope() {
    let big = json!({"data": "x".repeat(4096)}).to_string();
    let post = |token: Option<&str>, body: String| {
        let mut request = Request::post("/echo/").header("content-type", "application/json");
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        request.body(Body::from(body)).unwrap()
    };
    // No token: the policy answers before the body is read.
    assert_eq!(send(post(None, big.clone())).await.status(), StatusCode::UNAUTHORIZED);
    let response = send(post(Some(&token(&["read"])), big)).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body(response).await["status_code"], 413);
    let response = send(post(Some(&token(&["read"])), r#"{"small": 1}"#.into())).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body(response).await, json!({"small": 1}));
}

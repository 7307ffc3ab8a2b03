//! The example's OpenAPI document: valid OpenAPI 3.1 by a real validator,
//! identical to the committed golden file, and in agreement with the
//! permission table that the auth layer enforces.

use std::path::PathBuf;
use std::process::Command;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt;
use warden::jwt::HmacSecret;
use warden::{App, Policy};
use warden_examples::jwt_api;

fn app() -> App<jwt_api::AppState> {
    jwt_api::app(HmacSecret::flama_demo()).unwrap()
}

fn snapshot_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("snapshots").join(name)
}

/// `UPDATE_EXPECT=1 cargo test -p warden-tests --test openapi` rewrites it.
#[test]
fn document_matches_the_golden_file() {
    let actual = serde_json::to_string_pretty(&app().openapi()).unwrap() + "\n";
    expect_test::expect_file![snapshot_path("openapi.json")].assert_eq(&actual);
}

/// Runs `openapi-spec-validator` (Python, which `.ci/run` installs) on
/// `doc`: `Ok` when it is valid OpenAPI 3.1, else the validator's output.
///
/// A missing validator fails the calling test with how to install it: a
/// document nobody validated must not pass as valid.
fn validate(doc: &Value) -> Result<(), String> {
    let probe = Command::new("python3").args(["-c", "import openapi_spec_validator"]).output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        let why = match probe {
            Ok(out) => String::from_utf8_lossy(&out.stderr).into_owned(),
            Err(error) => format!("cannot run python3: {error}"),
        };
        panic!(
            "the OpenAPI validator is missing, so the document cannot be checked\n{why}\n\
             help: `python3 -m pip install openapi-spec-validator` (`.ci/run` does this)"
        );
    }
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let file = std::env::temp_dir().join(format!("warden-openapi-{}-{n}.json", std::process::id()));
    std::fs::write(&file, serde_json::to_vec(doc).unwrap()).unwrap();
    let out = Command::new("python3")
        .args(["-m", "openapi_spec_validator", "--schema", "3.1"])
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.success() && stdout.contains("OK") {
        Ok(())
    } else {
        Err(format!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr)))
    }
}

#[test]
fn document_is_valid_openapi_3_1() {
    if let Err(output) = validate(&app().openapi()) {
        panic!("validator rejected the document:\n{output}");
    }
    // The validator must be able to fail: break the document and re-check.
    let mut broken = app().openapi();
    broken["paths"]["/private/info/"]["get"]["responses"] = json!("not an object");
    assert!(validate(&broken).is_err(), "the validator accepted a broken document");
}

/// No protected route can be undocumented, nor documented with other
/// security than the one enforced.
#[test]
fn every_route_is_documented_with_its_enforced_security() {
    let app = app();
    let doc = app.openapi();
    let schemes: Vec<&String> =
        doc["components"]["securitySchemes"].as_object().unwrap().keys().collect();
    assert_eq!(schemes, ["bearerAuth", "cookieAuth"]);
    assert_eq!(app.table().len(), 3);
    for route in app.table() {
        let op = &doc["paths"][route.path()][route.method().as_lowercase_str()];
        assert!(op.is_object(), "{route} is not documented");
        assert_eq!(op["operationId"], route.name());
        let responses = op["responses"].as_object().unwrap();
        match route.policy() {
            Policy::Public => {
                assert!(op.get("security").is_none(), "{route}");
                assert!(
                    !responses.contains_key("401") && !responses.contains_key("403"),
                    "{route}"
                );
            }
            policy => {
                let alternatives = policy.alternatives();
                let sets: &[&[&str]] = if alternatives.is_empty() { &[&[]] } else { alternatives };
                let expected: Vec<Value> = sets
                    .iter()
                    .flat_map(|set| [json!({"bearerAuth": set}), json!({"cookieAuth": set})])
                    .collect();
                assert_eq!(op["security"], json!(expected), "{route}");
                assert!(responses.contains_key("401"), "{route}");
                assert!(responses.contains_key("403"), "{route}");
            }
        }
    }
}

#[test]
fn spec_operation_fields() {
    let doc = app().openapi();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["info"],
        json!({"title": "JWT-protected API", "version": "1.0.0", "description": jwt_api::DESCRIPTION})
    );
    let private = &doc["paths"]["/private/info/"]["get"];
    assert_eq!(private["summary"], "Info");
    assert_eq!(private["tags"], json!(["Private"]));
    assert_eq!(
        private["responses"]["200"]["content"]["application/json"]["schema"],
        json!({"$ref": "#/components/schemas/Info"})
    );
    let signin = &doc["paths"]["/auth/"]["post"];
    assert_eq!(signin["operationId"], "signin");
    assert_eq!(
        signin["requestBody"]["content"]["application/json"]["schema"],
        json!({"$ref": "#/components/schemas/Credentials"})
    );
    assert_eq!(doc["components"]["schemas"]["Credentials"]["required"], json!(["id"]));
}

async fn get(router: &axum::Router, path: &str) -> (StatusCode, String, Vec<u8>) {
    let response =
        router.clone().oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = axum::body::to_bytes(response.into_body(), 8 << 20).await.unwrap().to_vec();
    (status, content_type, body)
}

#[tokio::test]
async fn schema_and_docs_are_served_from_the_binary() {
    let router = jwt_api::router(HmacSecret::flama_demo()).unwrap();
    let (status, content_type, body) = get(&router, "/schema/").await;
    assert_eq!((status, content_type.as_str()), (StatusCode::OK, "application/json"));
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), app().openapi());

    for path in ["/docs/", "/docs"] {
        let (status, content_type, body) = get(&router, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(content_type.starts_with("text/html"), "{content_type}");
        let html = String::from_utf8(body).unwrap();
        assert!(html.contains(r#"href="/docs/swagger-ui.css""#), "{html}");
        assert!(html.contains(r#"src="/docs/swagger-ui-bundle.js""#), "{html}");
        assert!(html.contains(r#"url: "/schema/""#), "{html}");
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "the page must not load from a CDN"
        );
    }
    let (status, content_type, body) = get(&router, "/docs/swagger-ui-bundle.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.contains("javascript"), "{content_type}");
    assert!(body.len() > 100_000, "the bundle is compiled in");
    let (status, content_type, _) = get(&router, "/docs/swagger-ui.css").await;
    assert_eq!((status, content_type.as_str()), (StatusCode::OK, "text/css"));
}

#[tokio::test]
async fn schema_and_docs_paths_are_configurable_and_can_be_turned_off() {
    let state = jwt_api::state(HmacSecret::flama_demo());
    let moved = app()
        .schema_path(Some("/openapi.json"))
        .docs_path(Some("/api-docs/"))
        .build()
        .unwrap()
        .with_state(state.clone());
    assert_eq!(get(&moved, "/openapi.json").await.0, StatusCode::OK);
    let (status, _, body) = get(&moved, "/api-docs/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8(body).unwrap().contains(r#"url: "/openapi.json""#));
    assert_eq!(get(&moved, "/schema/").await.0, StatusCode::NOT_FOUND);

    let no_docs = app().docs_path(None).build().unwrap().with_state(state.clone());
    assert_eq!(get(&no_docs, "/schema/").await.0, StatusCode::OK);
    assert_eq!(get(&no_docs, "/docs/").await.0, StatusCode::NOT_FOUND);

    let nothing = app().schema_path(None).build().unwrap().with_state(state);
    assert_eq!(get(&nothing, "/schema/").await.0, StatusCode::NOT_FOUND);
    assert_eq!(get(&nothing, "/docs/").await.0, StatusCode::NOT_FOUND);
}

#[test]
fn schema_path_may_not_shadow_a_route() {
    let err = app().schema_path(Some("/public/info/")).build().unwrap_err();
    assert!(err.to_string().contains("duplicate route `GET /public/info/`"), "{err}");
}

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

async fn redirect(router: &axum::Router, path: &str) -> (StatusCode, String) {
    let request = axum::http::Request::get(path).body(axum::body::Body::empty()).unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let location = response.headers().get("location").map_or("", |v| v.to_str().unwrap());
    (response.status(), location.to_owned())
}

#[tokio::test]
async fn schema_and_docs_are_served_from_the_binary() {
    let router = jwt_api::router(HmacSecret::flama_demo()).unwrap();
    let (status, content_type, body) = get(&router, "/schema/").await;
    assert_eq!((status, content_type.as_str()), (StatusCode::OK, "application/json"));
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), app().openapi());

    let (status, content_type, body) = get(&router, "/docs/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = String::from_utf8(body).unwrap();
    // Relative URLs: the page works under any prefix.
    assert!(html.contains(r#"href="./swagger-ui.css""#), "{html}");
    assert!(html.contains(r#"src="./swagger-ui-bundle.js""#), "{html}");
    assert!(html.contains(r#"src="./warden-docs.js""#), "{html}");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "the page must not load from a CDN"
    );
    let (status, _, script) = get(&router, "/docs/warden-docs.js").await;
    assert_eq!(status, StatusCode::OK);
    let script = String::from_utf8(script).unwrap();
    assert!(script.contains(r#"url: "../schema/""#), "{script}");
    let (status, location) = redirect(&router, "/docs").await;
    assert_eq!((status, location.as_str()), (StatusCode::PERMANENT_REDIRECT, "docs/"));
    let (status, content_type, body) = get(&router, "/docs/swagger-ui-bundle.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.contains("javascript"), "{content_type}");
    assert!(body.len() > 100_000, "the bundle is compiled in");
    let (status, content_type, _) = get(&router, "/docs/swagger-ui.css").await;
    assert_eq!((status, content_type.as_str()), (StatusCode::OK, "text/css"));
}

#[tokio::test]
async fn schema_and_docs_paths_are_configurable_and_can_be_turned_off() {
    let state = jwt_api::state(
        warden::jwt::SigningKey::hmac(HmacSecret::flama_demo(), warden::jwt::Algorithm::HS256)
            .unwrap(),
    );
    let moved = app()
        .schema_path(Some("/openapi.json"))
        .docs_path(Some("/api-docs/"))
        .build()
        .unwrap()
        .with_state(state.clone());
    assert_eq!(get(&moved, "/openapi.json").await.0, StatusCode::OK);
    assert_eq!(get(&moved, "/api-docs/").await.0, StatusCode::OK);
    let (status, _, body) = get(&moved, "/api-docs/warden-docs.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8(body).unwrap().contains(r#"url: "../openapi.json""#));
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

/// Every shape `#[route]` documents, in one app: typed path parameters
/// (scalar, tuple, struct, catch-all), query parameters, success statuses,
/// documented error answers, and each policy.
mod shapes {
    use axum::extract::{Path, Query};
    use axum::http::StatusCode;
    use serde::{Deserialize, Serialize};
    use warden::jwt::{HmacSecret, Verifier};
    use warden::schemars::JsonSchema;
    use warden::{App, Auth, Json, route, routes};

    warden::permissions! {
        pub(crate) enum Perm {
            Admin = "admin",
            Read = "models:read",
        }
    }

    #[derive(Deserialize, Serialize, JsonSchema)]
    #[schemars(crate = "warden::schemars")]
    pub(crate) struct Model {
        name: String,
    }

    #[derive(Deserialize, JsonSchema)]
    #[schemars(crate = "warden::schemars")]
    #[allow(dead_code)] // documented, never read
    pub(crate) struct MemberPath {
        /// The team's number.
        team: u32,
        user: String,
    }

    #[derive(Deserialize, JsonSchema)]
    #[schemars(crate = "warden::schemars")]
    #[allow(dead_code)] // documented, never read
    pub(crate) struct Page {
        /// How many models to return.
        limit: u32,
        cursor: Option<String>,
    }

    /// Get a model
    #[route(get, "/models/{id}", permissions = ["models:read"], responses(404 = "no such model"))]
    pub(crate) async fn get_model(Path(_id): Path<u32>) -> Json<Model> {
        Json(Model { name: String::new() })
    }

    /// List models
    ///
    /// Newest first.
    #[route(get, "/models/", permissions = any(Perm::Admin, [Perm::Read]))]
    pub(crate) async fn list_models(Query(_page): Query<Page>) -> Json<Vec<Model>> {
        Json(Vec::new())
    }

    #[route(post, "/models/", authenticated, status = 201, responses(409 = "name taken"))]
    pub(crate) async fn create_model(Json(model): Json<Model>) -> (StatusCode, Json<Model>) {
        (StatusCode::CREATED, Json(model))
    }

    #[route(get, "/me/", authenticated)]
    pub(crate) async fn me() {}

    #[route(delete, "/teams/{team}/members/{user}", authenticated, status = 204)]
    pub(crate) async fn remove_member(Path(_p): Path<(u32, String)>) -> StatusCode {
        StatusCode::NO_CONTENT
    }

    #[route(get, "/teams/{team}/users/{user}", public)]
    pub(crate) async fn member(Path(_p): Path<MemberPath>) {}

    #[route(get, "/files/{*path}", public)]
    pub(crate) async fn file(Path(_p): Path<String>) {}

    #[route(get, "/untyped/{id}", public)]
    pub(crate) async fn untyped() {}

    /// Feed
    ///
    /// Personalised with a token, generic without.
    #[route(get, "/feed/", optional)]
    pub(crate) async fn feed() {}

    #[route(post, "/feed/", optional)]
    pub(crate) async fn post_feed() {}

    pub(crate) fn app() -> App {
        let secret = HmacSecret::new([7; 32]);
        App::new("Shapes", "1.0.0")
            .auth(Auth::new(Verifier::hmac(&secret).build().unwrap()).build().unwrap())
            .routes(routes![
                get_model,
                list_models,
                create_model,
                me,
                remove_member,
                member,
                file,
                untyped,
                feed,
                post_feed
            ])
            // Stated as `x-docs-policy`, validated with the rest.
            .docs_policy(warden::Policy::Permissions(&["docs:read"]))
    }
}

#[test]
fn every_shape_is_valid_openapi_3_1_and_matches_its_golden_file() {
    let doc = shapes::app().openapi();
    if let Err(output) = validate(&doc) {
        panic!("validator rejected the document:\n{output}");
    }
    let actual = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    expect_test::expect_file![snapshot_path("openapi_shapes.json")].assert_eq(&actual);
}

#[test]
fn path_parameters_are_typed_from_the_path_extractor() {
    let doc = shapes::app().openapi();
    let params = |path: &str, method: &str| doc["paths"][path][method]["parameters"].clone();
    assert_eq!(
        params("/models/{id}", "get"),
        json!([{"name": "id", "in": "path", "required": true,
                "schema": {"type": "integer", "format": "uint32", "minimum": 0}}])
    );
    // A tuple: one parameter per segment, in order.
    let tuple = params("/teams/{team}/members/{user}", "delete");
    assert_eq!(tuple[0]["name"], "team");
    assert_eq!(tuple[0]["schema"]["type"], "integer");
    assert_eq!(tuple[1]["name"], "user");
    assert_eq!(tuple[1]["schema"], json!({"type": "string"}));
    // A struct: by field name, its doc comment as the description.
    let fields = params("/teams/{team}/users/{user}", "get");
    assert_eq!(fields[0]["name"], "team");
    assert_eq!(fields[0]["schema"]["type"], "integer");
    assert_eq!(fields[0]["description"], "The team's number.");
    assert_eq!(fields[1]["schema"], json!({"type": "string"}));
    // A catch-all is `{path}` in the template; no extractor: a string.
    assert_eq!(
        params("/files/{path}", "get"),
        json!([{"name": "path", "in": "path", "required": true, "schema": {"type": "string"}}])
    );
    assert_eq!(params("/untyped/{id}", "get")[0]["schema"], json!({"type": "string"}));
}

#[test]
fn query_parameters_come_from_the_query_extractor() {
    let doc = shapes::app().openapi();
    let params = doc["paths"]["/models/"]["get"]["parameters"].as_array().unwrap().clone();
    let summary: Vec<(String, bool)> = params
        .iter()
        .map(|p| {
            assert_eq!(p["in"], "query");
            (p["name"].as_str().unwrap().to_owned(), p["required"].as_bool().unwrap())
        })
        .collect();
    assert_eq!(summary, [("cursor".to_owned(), false), ("limit".to_owned(), true)]);
    assert_eq!(params[1]["description"], "How many models to return.");
}

#[test]
fn statuses_documented_responses_and_when_403_can_happen() {
    let doc = shapes::app().openapi();
    let codes = |path: &str, method: &str| -> Vec<String> {
        doc["paths"][path][method]["responses"].as_object().unwrap().keys().cloned().collect()
    };
    // `status = 201`; `responses(409 = ...)` with the error envelope; an
    // `authenticated` POST can get 403 only from the cookie CSRF guard.
    assert_eq!(codes("/models/", "post"), ["201", "400", "401", "403", "409"]);
    let created = &doc["paths"]["/models/"]["post"]["responses"];
    assert_eq!(
        created["201"]["content"]["application/json"]["schema"],
        json!({"$ref": "#/components/schemas/Model"})
    );
    assert_eq!(
        created["409"],
        json!({"description": "name taken",
               "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
    );
    assert_eq!(
        created["403"]["description"],
        "A cross-site request carried the token in the cookie"
    );
    // An `authenticated` GET cannot answer 403.
    assert_eq!(codes("/me/", "get"), ["200", "400", "401"]);
    assert_eq!(codes("/models/{id}", "get"), ["200", "400", "401", "403", "404"]);
    assert_eq!(
        doc["paths"]["/models/{id}"]["get"]["responses"]["403"]["description"],
        "The token lacks the required permissions"
    );
    assert_eq!(codes("/teams/{team}/members/{user}", "delete"), ["204", "400", "401", "403"]);
    assert_eq!(codes("/files/{path}", "get"), ["200", "400"]);
}

#[test]
fn required_permissions_are_in_the_description_swagger_ui_shows() {
    let doc = shapes::app().openapi();
    let op = |path: &str, method: &str| doc["paths"][path][method].clone();
    assert_eq!(
        op("/models/{id}", "get")["description"],
        "**Authorization:** a token with the permission `models:read`."
    );
    assert_eq!(
        op("/models/", "get")["description"],
        "Newest first.\n\n**Authorization:** a token with the permission `admin`, or the \
         permission `models:read`."
    );
    assert_eq!(
        op("/models/", "get")["x-permissions"],
        json!({"anyOf": [["admin"], ["models:read"]]})
    );
    assert_eq!(op("/me/", "get")["description"], "**Authorization:** any valid token.");
    assert!(op("/files/{path}", "get").get("description").is_none());
}

#[test]
fn optional_routes_accept_anonymous_requests_and_never_answer_403() {
    let doc = shapes::app().openapi();
    for method in ["get", "post"] {
        let op = &doc["paths"]["/feed/"][method];
        assert_eq!(
            op["security"],
            json!([{"bearerAuth": []}, {"cookieAuth": []}, {}]),
            "{method}: the empty requirement says a token is optional"
        );
        let codes: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
        assert_eq!(codes, ["200", "400", "401"], "{method}");
        assert_eq!(op["x-permissions"], json!([]));
    }
    assert_eq!(
        doc["paths"]["/feed/"]["get"]["description"],
        "Personalised with a token, generic without.\n\n**Authorization:** optional; a token, \
         when sent, must be valid."
    );
}

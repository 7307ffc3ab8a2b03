//! The generated policy matrix (`warden::testing`) on the example app, on
//! apps with other permission sources, and on apps whose enforcement does
//! not match their table, which it must catch. Also the committed snapshot of
//! the example's route listing.

use std::path::PathBuf;

use axum::extract::Path;
use axum::http::StatusCode;
use serde_json::{Value, json};
use warden::jwt::{Algorithm, HmacSecret, Verifier};
use warden::testing::{Case, PolicyMatrix, Report, Transport};
use warden::{App, Auth, HttpError, Json, PermissionSource, Routes, route, routes};
use warden_examples::jwt_api;

fn secret() -> HmacSecret {
    HmacSecret::new(*b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
}

/// The example app's matrix: table and authenticator from `jwt_api::app`,
/// router from `jwt_api::router`, the one `cargo run --example jwt_api` serves.
fn example_matrix(secret: HmacSecret, alg: Algorithm) -> PolicyMatrix {
    let app = jwt_api::app(secret.clone()).unwrap();
    let table: Vec<_> = app.table().collect();
    let auth = app.authenticator().expect("the example configures auth").clone();
    let router = jwt_api::router(secret.clone()).unwrap();
    PolicyMatrix::new(router, table, &auth, secret, alg)
}

/// Failing lines of the report, as the user sees them.
fn failing_lines(report: &Report) -> Vec<String> {
    report.to_string().lines().skip(1).map(|l| l.trim().to_owned()).collect()
}

#[tokio::test]
async fn example_app_passes_the_matrix() {
    for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
        let report = example_matrix(secret(), alg).check().await;
        // public_info 1; protected_info: no token 1 + 4 token cases x 2
        // transports; signin 1.
        assert_eq!(report.outcomes().len(), 11, "{report}");
        assert!(report.to_string().starts_with("policy matrix: all 11 cases passed on 3 routes"));

        // Without a body, sign-in is refused by its extractor, not the
        // policy: that is a pass.
        let signin = report.outcomes().iter().find(|o| o.route().name() == "signin").unwrap();
        assert_eq!(signin.got(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(signin.passed());
    }
}

#[tokio::test]
async fn example_app_with_flamas_demo_secret_passes_the_matrix() {
    example_matrix(HmacSecret::flama_demo(), Algorithm::HS256).check().await;
}

#[tokio::test]
async fn example_tokens_go_in_the_header_and_the_cookie() {
    let report = example_matrix(secret(), Algorithm::HS256).check().await;
    let transports: Vec<String> = report
        .outcomes()
        .iter()
        .filter(|o| o.case() == &Case::ExactPermissions)
        .map(|o| o.transport().to_string())
        .collect();
    assert_eq!(transports, ["header `authorization: Bearer`", "cookie `access_token`"]);
}

/// What the router enforces.
mod enforced {
    use warden::route;

    #[route(get, "/reports/", permissions = ["read"])]
    pub(crate) async fn reports() {}

    #[route(get, "/audit/", public)]
    pub(crate) async fn audit() {}
}

/// What the table claims: same routes, other policies.
mod declared {
    use warden::route;

    #[route(get, "/reports/", permissions = ["admin"])]
    pub(crate) async fn reports() {}

    #[route(get, "/audit/", permissions = ["audit"])]
    pub(crate) async fn audit() {}
}

fn auth(secret: &HmacSecret) -> warden::Authenticator {
    Auth::new(Verifier::hmac(secret).build().unwrap()).build().unwrap()
}

#[tokio::test]
async fn a_table_that_does_not_match_the_router_fails() {
    let router = App::new("Drift", "1.0.0")
        .auth(auth(&secret()))
        .routes(routes![enforced::reports, enforced::audit])
        .build()
        .unwrap();
    let declared: Routes = routes![declared::reports, declared::audit];
    let matrix =
        PolicyMatrix::new(router, declared.table(), &auth(&secret()), secret(), Algorithm::HS256);

    let report = matrix.run().await.expect_err("the policies differ");
    let lines = failing_lines(&report);
    assert_eq!(
        lines,
        [
            "FAIL GET /reports/ (reports, permissions = [\"admin\"]): valid token with exactly \
             the permissions via header `authorization: Bearer`: expected neither 401 nor 403, \
             got 403 Forbidden",
            "FAIL GET /reports/ (reports, permissions = [\"admin\"]): valid token with exactly \
             the permissions via cookie `access_token`: expected neither 401 nor 403, got 403 \
             Forbidden",
            "FAIL GET /audit/ (audit, permissions = [\"audit\"]): no token via no credentials: \
             expected 401, got 200 OK",
            "FAIL GET /audit/ (audit, permissions = [\"audit\"]): token signed with another key \
             via header `authorization: Bearer`: expected 401, got 200 OK",
            "FAIL GET /audit/ (audit, permissions = [\"audit\"]): token signed with another key \
             via cookie `access_token`: expected 401, got 200 OK",
            "FAIL GET /audit/ (audit, permissions = [\"audit\"]): valid token without \
             permissions via header `authorization: Bearer`: expected 403, got 200 OK",
            "FAIL GET /audit/ (audit, permissions = [\"audit\"]): valid token without \
             permissions via cookie `access_token`: expected 403, got 200 OK",
            "FAIL GET /audit/ (audit, permissions = [\"audit\"]): valid token with only other \
             permissions via header `authorization: Bearer`: expected 403, got 200 OK",
            "FAIL GET /audit/ (audit, permissions = [\"audit\"]): valid token with only other \
             permissions via cookie `access_token`: expected 403, got 200 OK",
        ]
    );
    assert!(report.to_string().starts_with("policy matrix: 9 of 18 cases failed on 2 routes"));
    // `?` in a test prints `Debug`: the same readable text.
    assert_eq!(format!("{report:?}"), report.to_string());
}

#[route(get, "/self-forbidden/", authenticated)]
async fn self_forbidden() -> HttpError {
    HttpError::new(StatusCode::FORBIDDEN, "handlers may not deny what the table grants")
}

#[route(get, "/self-unauthorized/", public)]
async fn self_unauthorized() -> HttpError {
    HttpError::new(StatusCode::UNAUTHORIZED, "Unauthorized")
}

#[tokio::test]
async fn handlers_answering_401_or_403_themselves_fail() {
    let app = App::new("Hidden policy", "1.0.0")
        .auth(auth(&secret()))
        .routes(routes![self_forbidden, self_unauthorized]);
    let report = PolicyMatrix::from_app(app, (), secret(), Algorithm::HS256)
        .unwrap()
        .run()
        .await
        .expect_err("the handlers enforce a policy the table does not declare");

    let failures: Vec<_> =
        report.failures().map(|o| (o.route().name(), o.case().clone(), o.got().as_u16())).collect();
    assert_eq!(
        failures,
        [
            ("self_forbidden", Case::NoPermissions, 403),
            ("self_forbidden", Case::NoPermissions, 403),
            ("self_unauthorized", Case::NoToken, 401),
        ]
    );
    let text = report.to_string();
    assert!(
        text.contains("GET /self-unauthorized/ (self_unauthorized, public): no token"),
        "{text}"
    );
    // Tokens never reach the report: JWTs start with base64url `{"`.
    assert!(!text.contains("eyJ"), "{text}");
}

#[route(get, "/open/", public)]
async fn open() {}

#[route(get, "/me/", authenticated)]
async fn me() {}

#[route(get, "/models/{id}", permissions = ["models:read"])]
async fn model(Path(id): Path<u32>) -> Json<Value> {
    Json(json!({ "id": id }))
}

#[route(get, "/files/{*path}", permissions = ["files:read", "files:list"])]
async fn file(Path(path): Path<String>) -> Json<Value> {
    Json(json!({ "path": path }))
}

#[route(post, "/models/", permissions = ["models:write", "models:read"])]
async fn create_model(Json(body): Json<Value>) -> Json<Value> {
    Json(body)
}

fn sample_routes() -> Routes {
    routes![open, me, model, file, create_model]
}

#[tokio::test]
async fn scope_source_app_passes_with_tokens_in_a_custom_header_only() {
    let auth =
        Auth::new(Verifier::hmac(&secret()).with_algorithms([Algorithm::HS512]).build().unwrap())
            .header("x-api-token", "Token")
            .unwrap()
            .no_cookie()
            .permissions(PermissionSource::Scope("scope".into()))
            .build()
            .unwrap();
    let app = App::new("Scopes", "1.0.0").auth(auth).routes(sample_routes());
    let report = PolicyMatrix::from_app(app, (), secret(), Algorithm::HS512).unwrap().check().await;

    // open 1; me 1 + 2; model 1 + 4; file 1 + 6; create_model 1 + 6.
    assert_eq!(report.outcomes().len(), 23, "{report}");
    assert!(report.outcomes().iter().all(|o| !matches!(o.transport(), Transport::Cookie(_))));
    let all_but: Vec<_> = report
        .outcomes()
        .iter()
        .filter(|o| matches!(o.case(), Case::AllBut(_)))
        .map(|o| (o.route().name(), o.case().to_string()))
        .collect();
    assert_eq!(
        all_but,
        [
            ("file", "valid token with all permissions but \"files:read\"".to_owned()),
            ("file", "valid token with all permissions but \"files:list\"".to_owned()),
            ("create_model", "valid token with all permissions but \"models:write\"".to_owned()),
            ("create_model", "valid token with all permissions but \"models:read\"".to_owned()),
        ]
    );
    let created = report
        .outcomes()
        .iter()
        .find(|o| o.route().name() == "create_model" && o.case() == &Case::ExactPermissions)
        .unwrap();
    assert_eq!(created.got(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn pointer_source_app_passes_with_the_claims_its_verifier_requires() {
    let app = || {
        let auth = Auth::new(Verifier::hmac(&secret()).with_issuers(["vortico"]).build().unwrap())
            .permissions(PermissionSource::Pointer("/realm_access/roles".into()))
            .build()
            .unwrap();
        App::new("Keycloak", "1.0.0").auth(auth).routes(sample_routes())
    };
    let matrix = PolicyMatrix::from_app(app(), (), secret(), Algorithm::HS256)
        .unwrap()
        .claims(json!({"iss": "vortico", "realm_access": {"other": true}}))
        .param("id", "42");
    let report = matrix.check().await;
    assert_eq!(report.outcomes().len(), 41, "{report}");

    // Without the `iss` the verifier requires, every token is a 401: the
    // report says why instead of listing the symptoms only.
    let report = PolicyMatrix::from_app(app(), (), secret(), Algorithm::HS256)
        .unwrap()
        .run()
        .await
        .expect_err("tokens lack `iss`");
    assert_eq!(
        report.problems(),
        ["the app's verifier refuses the matrix's tokens (JWTValidateException: invalid \
          issuer); pass the app's secret, an allowed algorithm and the claims it requires \
          (`PolicyMatrix::claims`, e.g. `iss` or `aud`)"]
    );
}

/// `tests/snapshots/routes.json`: what `cargo run --example jwt_api -- routes
/// --json` prints. `UPDATE_EXPECT=1 cargo test -p warden-tests --test
/// policy_matrix` rewrites it.
#[test]
fn example_route_listing_matches_the_snapshot() {
    let actual = format!(
        "{}\n",
        serde_json::to_string_pretty(&warden::table_json(jwt_api::routes().table())).unwrap()
    );
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("snapshots/routes.json");
    expect_test::expect_file![path].assert_eq(&actual);
}

#[tokio::test]
async fn a_matrix_signing_with_the_wrong_secret_says_so() {
    let app = jwt_api::app(secret()).unwrap();
    let table: Vec<_> = app.table().collect();
    let auth = app.authenticator().unwrap().clone();
    let router = jwt_api::router(secret()).unwrap();
    let other = HmacSecret::new([9; 32]);
    let report =
        PolicyMatrix::new(router, table, &auth, other, Algorithm::HS256).run().await.unwrap_err();
    let text = report.to_string();
    assert!(
        text.contains(
            "problem: the app's verifier refuses the matrix's tokens \
                       (JWTDecodeException: signature verification failed); pass the app's secret"
        ),
        "{text}"
    );
}

#[route(get, "/feed/", optional)]
async fn feed() {}

/// What the matrix expects of an `optional` route: no token and a valid
/// token pass, a forged one is a 401.
#[tokio::test]
async fn optional_routes_pass_without_a_token_and_refuse_a_bad_one() {
    let app = App::new("Optional", "1.0.0").auth(auth(&secret())).routes(routes![feed]);
    let report = PolicyMatrix::from_app(app, (), secret(), Algorithm::HS256).unwrap().check().await;
    let cases: Vec<(Case, u16)> =
        report.outcomes().iter().map(|o| (o.case().clone(), o.got().as_u16())).collect();
    assert_eq!(
        cases,
        [
            (Case::NoToken, 200),
            (Case::BadSignature, 401),
            (Case::BadSignature, 401),
            (Case::NoPermissions, 200),
            (Case::NoPermissions, 200),
        ]
    );
}

/// Until the auth layer enforces `optional`, the matrix reports it: the
/// no-token case fails, and says what it expected.
#[tokio::test]
async fn the_matrix_holds_optional_routes_to_their_promise() {
    let app = App::new("Optional", "1.0.0").auth(auth(&secret())).routes(routes![feed]);
    let report = PolicyMatrix::from_app(app, (), secret(), Algorithm::HS256).unwrap().run().await;
    let report = match report {
        // Enforced: nothing more to see here, the ignored test above covers it.
        Ok(report) => report,
        Err(report) => {
            let failures: Vec<String> = report.failures().map(ToString::to_string).collect();
            assert_eq!(
                failures,
                ["GET /feed/ (feed, optional): no token via no credentials: expected neither 401 \
                  nor 403, got 401 Unauthorized"]
            );
            report
        }
    };
    let expected: Vec<String> =
        report.outcomes().iter().map(|o| o.expected().to_string()).collect();
    assert_eq!(
        expected,
        ["neither 401 nor 403", "401", "401", "neither 401 nor 403", "neither 401 nor 403"]
    );
}

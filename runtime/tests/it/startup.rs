//! `App::build` refuses, with an error and never a panic, every table axum
//! would refuse.

use warden::jwt::Verifier;
use warden::{App, Auth, BuildError, route, routes};

use crate::support::secret;

fn app() -> App<()> {
    App::new("T", "1").auth(Auth::new(Verifier::hmac(&secret()).build().unwrap()).build().unwrap())
}

#[route(get, "/files/{*rest}", public)]
async fn files() {}

#[route(get, "/files/{id}", public)]
async fn file() {}

#[route(get, "/docs/swagger-ui.css", public)]
async fn css() {}

mod other {
    #[warden::route(post, "/elsewhere/", public, name = "files")]
    pub(crate) async fn same_name() {}
}

#[test]
fn catch_all_and_parameter_at_the_same_place_conflict() {
    let err = app().routes(routes![files]).routes(routes![file]).build().unwrap_err();
    assert_eq!(err, BuildError::ConflictingPaths { paths: ["/files/{*rest}", "/files/{id}"] });
}

#[test]
fn docs_assets_and_schema_paths_are_reserved_and_checked() {
    let err = app().routes(routes![css]).build().unwrap_err();
    assert!(err.to_string().contains("the docs page"), "{err}");
    let err = app().schema_path(Some("schema")).build().unwrap_err();
    assert_eq!(
        err,
        BuildError::InvalidPath { path: "schema".into(), reason: "must start with `/`" }
    );
    let err = app().schema_path(Some("/docs")).build().unwrap_err();
    assert!(err.to_string().contains("the OpenAPI document"), "{err}");
    assert!(app().routes(routes![css]).docs_path(None).build().is_ok());
}

#[test]
fn duplicate_names_across_lists_are_an_error() {
    let err = app().routes(routes![files]).routes(routes![other::same_name]).build().unwrap_err();
    assert!(err.to_string().starts_with("duplicate route name `files`"), "{err}");
}

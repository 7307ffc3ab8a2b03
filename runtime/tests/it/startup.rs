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

mod declared {
    warden::permissions! {
        pub(crate) enum Perm {
            Read = "models:read",
            Write = "models:write",
        }
    }

    #[warden::route(get, "/models/", permissions = ["models:read"])]
    pub(crate) async fn models() {}

    #[warden::route(post, "/models/", permissions = any(Perm::Write, ["models:raed", "x"]))]
    pub(crate) async fn create() {}

    #[warden::route(get, "/me/", authenticated)]
    pub(crate) async fn me() {}
}

#[test]
fn a_permission_outside_the_declared_set_fails_the_build() {
    use declared::Perm;

    assert!(app().permissions(Perm::ALL).routes(routes![declared::models]).build().is_ok());
    let err = app()
        .permissions(Perm::ALL)
        .routes(routes![declared::models, declared::create, declared::me])
        .build()
        .unwrap_err();
    assert_eq!(
        err,
        BuildError::UnknownPermission {
            route: "POST /models/".into(),
            handler: format!("{}::declared::create", module_path!()),
            permission: "models:raed",
            suggestion: Some("models:read".into()),
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "route `POST /models/` (`{}::declared::create`) requires permission `models:raed`, \
             which is not among the permissions declared with `App::permissions`; did you mean \
             `models:read`?",
            module_path!()
        )
    );
    // Strings work too, and the sets of several calls add up.
    let ok = app()
        .permissions(["models:read", "models:write"])
        .permissions(vec![String::from("models:raed"), String::from("x")])
        .routes(routes![declared::models, declared::create])
        .build();
    assert!(ok.is_ok(), "{ok:?}");
    // Without a declared set, any permission goes, as before.
    assert!(app().routes(routes![declared::create]).build().is_ok());
    // An empty set refuses every permission, and accepts policies without one.
    let err = app().permissions::<&str>([]).routes(routes![declared::models]).build().unwrap_err();
    assert!(matches!(err, BuildError::UnknownPermission { suggestion: None, .. }), "{err:?}");
    assert!(app().permissions::<&str>([]).routes(routes![declared::me]).build().is_ok());
}

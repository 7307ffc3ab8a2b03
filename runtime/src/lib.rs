//! Warden: route-level JWT access control for [axum], declared where the
//! handler is declared.
//!
//! One attribute states a handler's route and who may call it. Warden turns
//! it into the route registration, an entry of a static permission table that
//! a JWT layer enforces (401 without a valid token, 403 without the
//! permissions), and the route's documentation.
//!
//! ```
//! use serde::Serialize;
//! use warden::jwt::{HmacSecret, Verifier};
//! use warden::{App, Auth, Json, route, routes};
//!
//! // Body types derive `JsonSchema` for the OpenAPI document.
//! #[derive(Serialize, warden::schemars::JsonSchema)]
//! #[schemars(crate = "warden::schemars")]
//! struct Info {
//!     public: bool,
//! }
//!
//! /// Public info
//! #[route(get, "/public/info/", public)]
//! async fn public_info() -> Json<Info> {
//!     Json(Info { public: true })
//! }
//!
//! /// Private info
//! ///
//! /// Only for holders of `my-permission-name`.
//! #[route(get, "/private/info/", permissions = ["my-permission-name"], tags = ["Private"])]
//! async fn protected_info() -> Json<Info> {
//!     Json(Info { public: false })
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let routes = routes![public_info, protected_info];
//! for route in routes.table() {
//!     println!("{route}"); // GET /private/info/ protected_info permissions = ["my-permission-name"]
//! }
//!
//! let secret = HmacSecret::new(b"0123456789abcdef0123456789abcdef".to_vec());
//! let router: axum::Router = App::new("JWT-protected API", "1.0.0")
//!     .auth(Auth::new(Verifier::hmac(&secret).build()?).build()?)
//!     .routes(routes)
//!     .build()?;
//! # Ok(()) }
//! ```
//!
//! # The attribute
//!
//! `#[route(METHOD, "PATH", POLICY, name = "...", tags = [...], status = 201,
//! responses(404 = "..."))]` on an `async fn`. See [`route`] for every
//! argument. The handler stays an
//! ordinary axum handler; the attribute adds a hidden companion item of the
//! same name that [`routes!`] reads.
//!
//! # Policies
//!
//! Every route states one; a route without a policy does not compile.
//!
//! - `public`: no token needed.
//! - `authenticated`: any valid token.
//! - `optional`: no token needed, but one that is sent must be valid (401
//!   otherwise); the handler reads it with `Option<Claims>`. Documented with
//!   the empty security requirement `{}` beside the schemes.
//! - `permissions = ["a", "b"]`: a valid token holding all of them, read from
//!   the token as [`PermissionSource`] says (Flama's layout by default).
//! - `permissions = any("admin", ["read", "write"])`, `all(...)`, nested:
//!   normalised at compile time into alternatives ([`Policy::AnyOf`]).
//! - Permissions declared once with [`permissions!`] and named as
//!   `Perm::Admin`, so a typo does not compile.
//!
//! ```
//! warden::permissions! {
//!     /// What tokens may grant.
//!     pub enum Perm {
//!         Admin = "admin",
//!         ReadModels = "models:read",
//!     }
//! }
//!
//! #[warden::route(get, "/models/", permissions = any(Perm::Admin, [Perm::ReadModels]))]
//! async fn list_models() {}
//!
//! let routes: warden::Routes = warden::routes![list_models];
//! assert_eq!(
//!     routes.table()[0].policy().to_string(),
//!     r#"permissions = any(["admin"], ["models:read"])"#
//! );
//! ```
//!
//! # OpenAPI and docs
//!
//! [`App::build`] serves the OpenAPI 3.1 document ([`App::openapi`]) at
//! `/schema/` and Swagger UI at `/docs/` (assets compiled in), both generated
//! from the table the auth layer enforces; [`App::schema_path`] and
//! [`App::docs_path`] move or disable them.
//!
//! Each operation is documented as deep as the attribute and the signature
//! allow:
//!
//! - `Json<T>` request and response bodies, `Path<T>` parameters typed per
//!   `{param}` (a scalar, a tuple in order, or a struct by field name), and
//!   `Query<T>` parameters, one per field, `required` unless optional. Each
//!   `T` needs `schemars::JsonSchema` (re-exported as [`schemars`]); a type
//!   without it is a compile error at the type.
//! - The success status (`status = 201`, else 200) and the handler's own
//!   error answers (`responses(404 = "no such model")`) with the error
//!   envelope; 400 where a body or parameter can fail to parse, 401 on every
//!   route that reads a token, and 403 only where one can happen: a missing
//!   permission, or a cross-site request carrying the token in the cookie
//!   with an unsafe method.
//! - The security requirement (one per permission set and scheme, the
//!   permissions as scopes), `x-permissions`, and the policy in words at the
//!   end of the description, where Swagger UI shows it.
//!
//! ```
//! use axum::extract::{Path, Query};
//! use axum::http::StatusCode;
//! use warden::{Json, route};
//!
//! #[derive(serde::Deserialize, serde::Serialize, warden::schemars::JsonSchema)]
//! #[schemars(crate = "warden::schemars")]
//! struct Model {
//!     name: String,
//! }
//!
//! #[derive(serde::Deserialize, warden::schemars::JsonSchema)]
//! #[schemars(crate = "warden::schemars")]
//! struct Page {
//!     limit: Option<u32>,
//! }
//!
//! /// Get a model
//! #[route(get, "/models/{id}", permissions = ["models:read"], responses(404 = "no such model"))]
//! async fn get_model(Path(id): Path<u32>, Query(page): Query<Page>) -> Json<Model> {
//!     # let _ = (id, page.limit);
//!     Json(Model { name: "iris".into() })
//! }
//!
//! /// Create a model
//! #[route(post, "/models/", permissions = ["models:write"], status = 201, responses(409 = "name taken"))]
//! async fn create_model(Json(model): Json<Model>) -> (StatusCode, Json<Model>) {
//!     (StatusCode::CREATED, Json(model))
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # use warden::jwt::{HmacSecret, Verifier};
//! # let secret = HmacSecret::new([7; 32]);
//! let app: warden::App = warden::App::new("Models", "1.0.0")
//!     # .auth(warden::Auth::new(Verifier::hmac(&secret).build()?).build()?)
//!     .routes(warden::routes![get_model, create_model]);
//! let doc = app.openapi();
//! let get = &doc["paths"]["/models/{id}"]["get"];
//! assert_eq!(get["parameters"][0]["schema"]["type"], "integer");
//! assert_eq!(get["parameters"][1]["name"], "limit");
//! assert_eq!(get["responses"]["404"]["description"], "no such model");
//! assert!(doc["paths"]["/models/"]["post"]["responses"]["201"].is_object());
//! # Ok(()) }
//! ```
//!
//! # Tokens
//!
//! [`Auth`] says where tokens are found (the `Authorization: Bearer` header,
//! else the `access_token` cookie) and how they are verified ([`jwt::Verifier`]:
//! the algorithm allow-list, leeway, issuer, audience, size limit). Tokens
//! Flama writes, with `=` padding, verify as they are.
//!
//! # Errors
//!
//! Every error is answered in Flama's envelope, see [`HttpError`]:
//!
//! | case | status | `detail` |
//! |---|---|---|
//! | no token | 401 | `"Unauthorized"` |
//! | invalid token | 401 | `{"error": "JWTDecodeException" or "JWTValidateException", "description": ...}` |
//! | missing permissions | 403 | `"Insufficient permissions"` |
//! | unknown route, wrong method | 404, 405 | `"Not Found"`, `"Method Not Allowed"` |
//! | bad body ([`Json`]) | 400 | `{"error": "InvalidBody", "field": ..., "description": ...}` |
//! | other extractor rejections (axum's `Path`, `Query`, ...) | their 4xx | their text |
//!
//! # Testing the policies
//!
//! With the `testing` feature, `warden::testing::PolicyMatrix` calls every
//! route of the table in-process, with no token, a forged token, tokens
//! lacking permissions and a token holding exactly the required ones (in the
//! header and in the cookie), and reports every answer that breaks the
//! declared policy. [`table_json`] exports the table for review.
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// clippy::pedantic is on; the lints below are off, each for a reason:
#![warn(clippy::pedantic)]
#![allow(
    // Builders and accessors would all carry it; rustc's unused-result
    // warnings already cover the values that matter.
    clippy::must_use_candidate,
    clippy::return_self_not_must_use,
    // Error types are enums whose variants are documented where they are
    // defined; repeating them under `# Errors` on every fn adds nothing.
    clippy::missing_errors_doc,
    // The remaining panics are `expect`s on invariants (an HMAC accepts any
    // key length, a JSON map always serializes), not caller mistakes.
    clippy::missing_panics_doc,
    // Prose names protocols and headers (OpenAPI, JWKS, HS256) without
    // backticks on purpose.
    clippy::doc_markdown,
    // `Duration::from_secs(300)` reads as the article's constant.
    clippy::duration_suboptimal_units,
    // Debug impls leave secrets and keys out on purpose (redaction).
    clippy::missing_fields_in_debug,
    // `match` on two arms reads better than `if let .. else` where both
    // arms do work.
    clippy::single_match_else,
    // Names such as `alg`/`algs`, `key`/`keys` are the domain's words.
    clippy::similar_names,
    clippy::many_single_char_names,
    // Long match-heavy functions (the verifier, the OpenAPI operation) read
    // top to bottom; splitting them would scatter one rule set.
    clippy::too_many_lines,
)]

#[doc(hidden)]
pub mod __private;
mod app;
pub mod auth;
pub mod config;
mod docs;
mod http;
pub mod jwt;
pub mod session;
mod table;
#[cfg(feature = "testing")]
pub mod testing;
pub mod ws;

pub use app::{
    App, BuildError, DEFAULT_DOCS_PATH, DEFAULT_JWKS_PATH, DEFAULT_SCHEMA_PATH, JsonErrors,
    JsonErrorsFuture, JsonErrorsService,
};
pub use auth::{Auth, AuthError, Authenticator, Claims, PermissionSource};
pub use http::{HttpError, Json, NoStore, ServeError, Server, serve, serve_listener};
/// JSON Schema derive used for `Json<T>` bodies in the OpenAPI document.
pub use schemars;
pub use table::{Method, PathSegment, Policy, Route, RouteDef, Routes, table_json};
pub use warden_macros::{permissions, route, routes};

/// The README's Rust blocks as doctests, so that its getting-started app
/// keeps compiling against this crate (excerpts are marked `ignore`).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

//! Implementation detail of `warden`; see its documentation. The macros
//! here emit paths into `warden::__private` and only work through `warden`.
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
    // proc-macro entry points and pipeline stages take their input by
    // value, as `proc_macro` hands it over.
    clippy::needless_pass_by_value,
)]

mod docs;
mod errors;
mod expand;
mod exports;
mod model;
mod parse;
mod path;
mod permissions;
mod policy;
mod route;
mod routes;

/// Declares an axum handler together with its method, path and access
/// policy, and records them in the route table that `warden::routes![...]`
/// builds.
///
/// ```ignore
/// use warden::{Json, route};
///
/// /// Info
/// ///
/// /// Returns a brief description of the API.
/// #[route(get, "/private/info/", permissions = ["my-permission-name"], tags = ["Private"])]
/// pub async fn protected_info() -> Json<Info> {
///     Json(Info::private())
/// }
///
/// let routes = warden::routes![protected_info];
/// ```
///
/// Take and return bodies with `warden::Json`, as above: a body that does
/// not parse is then a 400 in the error envelope naming the field, never
/// echoing its value. (`axum::Json` would answer 422 with serde's message,
/// which quotes the value.)
///
/// The function is left as it is: it stays an ordinary axum handler that
/// can be called and tested directly. Next to it the attribute emits a
/// hidden, empty struct with the same name, which `routes![...]` reads.
///
/// # Arguments
///
/// `#[route(METHOD, "PATH", POLICY, name = "...", tags = [...])]`
///
/// - **`METHOD`** (first, required): one of `get`, `post`, `put`, `patch`,
///   `delete`, `head`, `options`, `trace`, written in lower case.
/// - **`"PATH"`** (second, required): a string literal in axum 0.8 syntax,
///   starting with `/`. Parameters are whole segments, `/users/{id}`; a
///   catch-all comes last, `/files/{*rest}`. The axum 0.7 forms `:id` and
///   `*rest`, query strings and duplicate parameter names are rejected.
///
/// The remaining arguments are keyed and may come in any order.
///
/// - **`POLICY`** (required, exactly one). Routes are denied by default, so
///   a route without a policy does not compile:
///   - `public`: no token needed;
///   - `authenticated`: any valid token;
///   - `optional`: a token is optional; when one is sent it must be valid
///     (else 401), and the handler reads it with `Option<Claims>`;
///   - `permissions = ["a", "b"]`: a valid token holding *all* the listed
///     permissions. The list is non-empty, without duplicates, and each
///     permission is an OAuth2 scope token (RFC 6749 §3.3): printable ASCII
///     except space, `"` and `\`.
///   - `permissions = any("a", "b")`, `all(...)`, nested, and lists inside
///     them (`any("admin", ["read", "write"])`): normalised at compile time
///     to alternatives of all-of sets, enforced and documented as written.
///   - Instead of a string, a permission declared with
///     `warden::permissions!`, e.g. `permissions = [Perm::Admin]`: a typo is
///     then a compile error with a "similar name" suggestion.
/// - **`name = "..."`** (optional): the route name and OpenAPI
///   `operationId`. Defaults to the function's name.
/// - **`tags = ["...", ...]`** (optional): OpenAPI tags, non-empty and
///   unique.
/// - **`status = 201`** (optional): the status of a successful answer, 200
///   to 399 (default 200); the handler still sets it, e.g. by returning
///   `(StatusCode::CREATED, Json(..))`. `204` and `304` cannot go with a
///   `Json<T>` return type.
/// - **`responses(404 = "no such model", 409 = "name taken")`** (optional):
///   the handler's own error answers (400 to 599), each documented with the
///   error envelope's schema.
///
/// The first non-empty line of the function's doc comment becomes the
/// OpenAPI `summary` and the rest its `description`. The document also reads
/// the signature: `Json<T>` bodies, `Path<T>` (a scalar, a tuple with one
/// type per `{param}`, or a struct with one field per `{param}`) and
/// `Query<T>` (one parameter per field); each `T` must derive
/// `schemars::JsonSchema`.
///
/// # Requirements on the function
///
/// It must be an `async fn` and a free function (no `self`). Mistakes are
/// compile errors on the offending token, all reported at once; the function
/// is then still emitted so the rest of the crate keeps compiling.
///
/// Set the `WARDEN_MACROS_DEBUG` environment variable while building to
/// print each expansion to stderr. Cargo does not track the variable, so
/// touch the file to make it recompile.
#[proc_macro_attribute]
pub fn route(
    attr: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    route::expand(attr.into(), item.into()).into()
}

/// Declares a crate's permissions once, as an enum whose variants routes
/// name instead of strings.
///
/// ```ignore
/// warden::permissions! {
///     /// What tokens may grant.
///     pub enum Perm {
///         MyPermissionName = "my-permission-name",
///         Admin = "admin",
///     }
/// }
///
/// #[warden::route(get, "/private/info/", permissions = [Perm::MyPermissionName])]
/// async fn protected_info() {}
/// ```
///
/// The enum gets `as_str()` (a `const fn`), `ALL`, `AsRef<str>`, `Display`
/// and the usual derives; `App::permissions(Perm::ALL)` declares the set
/// to the app. Values are checked like literal permissions and must be unique.
#[proc_macro]
pub fn permissions(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    permissions::expand(input.into()).into()
}

/// Gathers `#[route]` handlers into a `warden::Routes`: the static
/// permission table (`&'static [Route]`) and the handlers, ready for a
/// `warden::App`.
///
/// ```ignore
/// mod private {
///     #[warden::route(get, "/private/info/", permissions = ["my-permission-name"])]
///     pub async fn protected_info() {}
/// }
///
/// #[warden::route(get, "/public/info/", public)]
/// async fn public_info() {}
///
/// // With no state to infer it from, say which `Routes` this is.
/// let routes: warden::Routes = warden::routes![public_info, private::protected_info];
/// let paths: Vec<_> = routes.table().iter().map(|r| r.path()).collect();
/// assert_eq!(paths, ["/public/info/", "/private/info/"]);
/// ```
///
/// Each argument is the path of a function annotated with `#[route]`;
/// anything else is a compile error at that path. Two routes with the same
/// name (the OpenAPI `operationId`), or the same method and path shape
/// (`/u/{id}` and `/u/{name}` are one shape), are a compile error naming the
/// route and both handlers.
#[proc_macro]
pub fn routes(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    routes::expand(input.into()).into()
}

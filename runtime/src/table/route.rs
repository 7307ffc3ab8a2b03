//! One entry of the table: what `#[route]` records about a handler.

use std::fmt;

use super::{Method, Policy};

/// One entry of the permission table: everything `#[route]` declared about a
/// handler. Built at compile time; read it with the accessors.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    parts: RouteParts,
}

/// The fields of a [`Route`], as written by the `#[route]` expansion: all
/// of these, always (a struct literal that leaves one out does not compile),
/// and the optional ones in [`RouteOptions`].
///
/// Not public API: generated code builds it through `warden::__private`.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct RouteParts {
    pub method: Method,
    pub path: &'static str,
    pub segments: &'static [PathSegment],
    pub name: &'static str,
    pub handler: &'static str,
    pub module: &'static str,
    pub policy: Policy,
    pub options: RouteOptions,
}

/// What the attribute and the signature may leave out. The expansion
/// writes only the fields it has and takes the rest from
/// [`RouteOptions::NONE`] (struct update).
///
/// Not public API: generated code builds it through `warden::__private`.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct RouteOptions {
    pub tags: &'static [&'static str],
    pub summary: Option<&'static str>,
    pub description: Option<&'static str>,
    pub request_body: Option<SchemaFn>,
    pub response_body: Option<SchemaFn>,
    /// `T` of a `Path<T>` argument, inline (`T::json_schema`).
    pub path_params: Option<SchemaFn>,
    /// `T` of a `Query<T>` argument, inline (`T::json_schema`).
    pub query_params: Option<SchemaFn>,
    /// `status = ...`, else 200.
    pub status: u16,
    /// `responses(404 = "...", ...)`.
    pub responses: &'static [(u16, &'static str)],
}

impl RouteOptions {
    /// No tags, docs, bodies or parameters; status 200; no documented
    /// error answers.
    pub const NONE: RouteOptions = RouteOptions {
        tags: &[],
        summary: None,
        description: None,
        request_body: None,
        response_body: None,
        path_params: None,
        query_params: None,
        status: 200,
        responses: &[],
    };
}

/// One `/`-separated segment of a route's path, as `#[route]` parsed it:
/// `/users/{id}/` is `[Static("users"), Param("id"), Static("")]`.
///
/// The runtime reads paths through these and never parses the path string
/// again: the duplicate check, the OpenAPI parameters and the policy
/// matrix's URIs all come from the one parser in the macro.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PathSegment {
    /// A literal segment, e.g. `users`; empty after a trailing `/`.
    Static(&'static str),
    /// `{name}`: one segment.
    Param(&'static str),
    /// `{*name}`: the rest of the path, slashes included.
    CatchAll(&'static str),
}

impl PathSegment {
    /// The parameter's name, `None` for a literal segment.
    pub const fn param(&self) -> Option<&'static str> {
        match self {
            PathSegment::Static(_) => None,
            PathSegment::Param(name) | PathSegment::CatchAll(name) => Some(name),
        }
    }
}

/// Writes the JSON Schema of a body type into the document's generator.
#[doc(hidden)]
pub type SchemaFn = fn(&mut schemars::SchemaGenerator) -> schemars::Schema;

/// A type used as a `Json<T>` body of a `#[route]` handler.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is a JSON body of a `#[route]` handler but does not implement `JsonSchema`",
    label = "the OpenAPI document needs this type's schema",
    note = "add `#[derive(schemars::JsonSchema)]` to the type (schemars 1, also re-exported as `warden::schemars`)"
)]
pub trait BodySchema {
    /// The schema, or a `$ref` to it.
    fn schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema;
}

impl<T: schemars::JsonSchema + ?Sized> BodySchema for T {
    fn schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        generator.subschema_for::<T>()
    }
}

/// A type used as `Path<T>` by a `#[route]` handler.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is the `Path` of a `#[route]` handler but does not implement `JsonSchema`",
    label = "the OpenAPI document describes path parameters from this type's schema",
    note = "add `#[derive(schemars::JsonSchema)]` to the type (schemars 1, also re-exported as `warden::schemars`)"
)]
pub trait PathSchema {
    /// The schema itself, never a `$ref`: a struct's fields are parameters.
    fn schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema;
}

impl<T: schemars::JsonSchema + ?Sized> PathSchema for T {
    fn schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

/// A type used as `Query<T>` by a `#[route]` handler.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is the `Query` of a `#[route]` handler but does not implement `JsonSchema`",
    label = "the OpenAPI document describes query parameters from this type's schema",
    note = "add `#[derive(schemars::JsonSchema)]` to the type (schemars 1, also re-exported as `warden::schemars`)"
)]
pub trait QuerySchema {
    /// The schema itself, never a `$ref`: its properties are parameters.
    fn schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema;
}

impl<T: schemars::JsonSchema + ?Sized> QuerySchema for T {
    fn schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

impl Route {
    #[doc(hidden)]
    pub const fn from_parts(parts: RouteParts) -> Self {
        Route { parts }
    }

    /// The HTTP method.
    pub const fn method(&self) -> Method {
        self.parts.method
    }

    /// The axum path, e.g. `/users/{id}`.
    pub const fn path(&self) -> &'static str {
        self.parts.path
    }

    /// The path's segments, after the leading `/`.
    pub const fn segments(&self) -> &'static [PathSegment] {
        self.parts.segments
    }

    /// The names of the path's parameters, in order (`{*rest}` is `rest`).
    pub fn params(&self) -> impl Iterator<Item = &'static str> + 'static {
        self.parts.segments.iter().filter_map(PathSegment::param)
    }

    /// The route name: `name = "..."`, else the handler's name. Used as the
    /// OpenAPI `operationId`.
    pub const fn name(&self) -> &'static str {
        self.parts.name
    }

    /// The handler function's name, e.g. `get_user`.
    pub const fn handler_name(&self) -> &'static str {
        self.parts.handler
    }

    /// The module the handler is declared in, e.g. `my_app::users`.
    pub const fn module_path(&self) -> &'static str {
        self.parts.module
    }

    /// The handler function's path, e.g. `my_app::users::get_user`.
    pub fn handler(&self) -> String {
        format!("{}::{}", self.parts.module, self.parts.handler)
    }

    /// The access policy.
    pub const fn policy(&self) -> &Policy {
        &self.parts.policy
    }

    /// `tags = [...]`.
    pub const fn tags(&self) -> &'static [&'static str] {
        self.parts.options.tags
    }

    /// First line of the handler's doc comment.
    pub const fn summary(&self) -> Option<&'static str> {
        self.parts.options.summary
    }

    /// The rest of the handler's doc comment.
    pub const fn description(&self) -> Option<&'static str> {
        self.parts.options.description
    }

    /// The JSON Schema of the `Json<T>` request body, if the handler takes one.
    pub fn request_schema(
        &self,
        generator: &mut schemars::SchemaGenerator,
    ) -> Option<serde_json::Value> {
        self.parts.options.request_body.map(|f| f(generator).to_value())
    }

    /// The JSON Schema of the `Json<T>` response body, if the handler returns one.
    pub fn response_schema(
        &self,
        generator: &mut schemars::SchemaGenerator,
    ) -> Option<serde_json::Value> {
        self.parts.options.response_body.map(|f| f(generator).to_value())
    }

    /// The JSON Schema of `T` in the handler's `Path<T>`, if it takes one:
    /// a scalar for one parameter, an array with `prefixItems` for a tuple,
    /// an object for a struct.
    pub fn path_params_schema(
        &self,
        generator: &mut schemars::SchemaGenerator,
    ) -> Option<serde_json::Value> {
        self.parts.options.path_params.map(|f| f(generator).to_value())
    }

    /// The JSON Schema of `T` in the handler's `Query<T>`, if it takes one.
    pub fn query_params_schema(
        &self,
        generator: &mut schemars::SchemaGenerator,
    ) -> Option<serde_json::Value> {
        self.parts.options.query_params.map(|f| f(generator).to_value())
    }

    /// Whether the handler extracts `Path<T>` or `Query<T>`, whose parse
    /// failures are answered 400.
    pub(crate) const fn extracts_params(&self) -> bool {
        self.parts.options.path_params.is_some() || self.parts.options.query_params.is_some()
    }

    /// The status of a successful answer: `status = ...`, else 200.
    pub const fn status(&self) -> u16 {
        self.parts.options.status
    }

    /// The error answers documented with `responses(404 = "...", ...)`, in
    /// the order written.
    pub const fn responses(&self) -> &'static [(u16, &'static str)] {
        self.parts.options.responses
    }
}

impl fmt::Display for Route {
    /// `GET /private/info/ protected_info permissions = ["my-permission-name"]`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:<7} {} {} {}", self.method(), self.path(), self.name(), self.policy())
    }
}

/// Implemented by the companion struct that `#[route]` emits next to each
/// handler; `routes![...]` reads it.
// No `{Self}` in the message: for a plain fn, `Self` is the stand-in that
// `routes![...]` finds instead of a companion, whose name means nothing to
// the user; the span points at the name they wrote.
#[diagnostic::on_unimplemented(
    message = "`routes![...]` lists `#[route]` handlers, and this is not one",
    label = "needs `#[warden::route(METHOD, \"PATH\", POLICY)]` on its function",
    note = "a `#[route]` that failed with an error adds no handler either: fix that error first"
)]
pub trait RouteDef {
    /// What the attribute declared.
    const ROUTE: Route;
    /// How `routes![...]` mounts the handler.
    #[doc(hidden)]
    type Mount;
}

#[cfg(test)]
impl Route {
    /// A route carrying only what the table's own tests look at.
    pub(crate) const fn for_tests(
        method: Method,
        path: &'static str,
        segments: &'static [PathSegment],
        policy: Policy,
    ) -> Route {
        Route::from_parts(RouteParts {
            method,
            path,
            segments,
            name: path,
            handler: "handler",
            module: "tests",
            policy,
            options: RouteOptions::NONE,
        })
    }
}

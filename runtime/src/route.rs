//! The route table: what `#[route]` records about each handler.

use std::fmt;

/// HTTP method of a route, as written in `#[route(METHOD, ...)]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// `GET` (axum also answers `HEAD` with it).
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
    /// `HEAD`
    Head,
    /// `OPTIONS`
    Options,
    /// `TRACE`
    Trace,
}

impl Method {
    /// The upper-case method name, e.g. `"GET"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
            Method::Trace => "TRACE",
        }
    }

    /// The lower-case name used in OpenAPI path items, e.g. `"get"`.
    pub const fn as_lowercase_str(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
            Method::Put => "put",
            Method::Patch => "patch",
            Method::Delete => "delete",
            Method::Head => "head",
            Method::Options => "options",
            Method::Trace => "trace",
        }
    }

    pub(crate) fn filter(self) -> axum::routing::MethodFilter {
        use axum::routing::MethodFilter;
        match self {
            Method::Get => MethodFilter::GET,
            Method::Post => MethodFilter::POST,
            Method::Put => MethodFilter::PUT,
            Method::Patch => MethodFilter::PATCH,
            Method::Delete => MethodFilter::DELETE,
            Method::Head => MethodFilter::HEAD,
            Method::Options => MethodFilter::OPTIONS,
            Method::Trace => MethodFilter::TRACE,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Who may call a route. Every `#[route]` states one; there is no default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Policy {
    /// No token needed.
    Public,
    /// Any valid token.
    Authenticated,
    /// A valid token holding every listed permission.
    Permissions(&'static [&'static str]),
}

impl Policy {
    /// `true` for [`Policy::Public`].
    pub const fn is_public(&self) -> bool {
        matches!(self, Policy::Public)
    }

    /// The permissions a token must hold (empty unless [`Policy::Permissions`]).
    pub const fn permissions(&self) -> &'static [&'static str] {
        match self {
            Policy::Permissions(p) => p,
            _ => &[],
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Policy::Public => f.write_str("public"),
            Policy::Authenticated => f.write_str("authenticated"),
            Policy::Permissions(perms) => {
                f.write_str("permissions = [")?;
                for (i, p) in perms.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{p:?}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// One entry of the permission table: everything `#[route]` declared about a
/// handler. Built at compile time; read it with the accessors.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    parts: RouteParts,
}

/// The fields of a [`Route`], as written by the `#[route]` expansion.
///
/// Not public API: generated code builds it through `warden::__private`.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct RouteParts {
    pub method: Method,
    pub path: &'static str,
    pub name: &'static str,
    pub handler: &'static str,
    pub module: &'static str,
    pub policy: Policy,
    pub tags: &'static [&'static str],
    pub summary: Option<&'static str>,
    pub description: Option<&'static str>,
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

    /// The route name: `name = "..."`, else the handler's name. Used as the
    /// OpenAPI `operationId`.
    pub const fn name(&self) -> &'static str {
        self.parts.name
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
        self.parts.tags
    }

    /// First line of the handler's doc comment.
    pub const fn summary(&self) -> Option<&'static str> {
        self.parts.summary
    }

    /// The rest of the handler's doc comment.
    pub const fn description(&self) -> Option<&'static str> {
        self.parts.description
    }

    pub(crate) fn request_schema(
        &self,
        _generator: &mut schemars::SchemaGenerator,
    ) -> Option<serde_json::Value> {
        None
    }

    pub(crate) fn response_schema(
        &self,
        _generator: &mut schemars::SchemaGenerator,
    ) -> Option<serde_json::Value> {
        None
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
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `#[route]` handler",
    label = "not annotated with `#[warden::route(...)]`",
    note = "`routes![...]` takes functions annotated with `#[route(METHOD, \"PATH\", POLICY)]`"
)]
pub trait RouteDef {
    /// What the attribute declared.
    const ROUTE: Route;
}

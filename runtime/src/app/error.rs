//! Why an app cannot be built.

use std::fmt;

/// Why an [`App`](super::App) cannot be built. Reported before anything is served.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// Two routes have the same method and path.
    DuplicateRoute {
        /// `GET /path`
        route: String,
        /// The two handlers.
        handlers: [String; 2],
    },
    /// Two paths that axum cannot tell apart, e.g. `/u/{id}` and `/u/{name}`.
    ConflictingPaths {
        /// The two paths.
        paths: [&'static str; 2],
    },
    /// A route needs a token but the app has no [`Auth`](crate::Auth).
    MissingAuth {
        /// `GET /path`
        route: String,
    },
    /// Two routes share a name, which is the OpenAPI `operationId`.
    DuplicateName {
        /// The name.
        name: &'static str,
        /// The two handlers.
        handlers: [String; 2],
    },
    /// The schema or docs path is malformed.
    InvalidPath {
        /// The path.
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A route requires a permission that [`App::permissions`](super::App::permissions)
    /// does not declare: a typo, or a permission no token can carry.
    UnknownPermission {
        /// `GET /path`
        route: String,
        /// The route's handler.
        handler: String,
        /// The permission outside the declared set.
        permission: &'static str,
        /// The declared permission closest to it, if one is close.
        suggestion: Option<String>,
    },
    /// axum refused the routes (a conflict Warden's checks do not know).
    Router(String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::DuplicateRoute { route, handlers: [a, b] } => {
                write!(f, "duplicate route `{route}`: declared by both `{a}` and `{b}`")
            }
            BuildError::ConflictingPaths { paths: [a, b] } => {
                write!(
                    f,
                    "paths `{a}` and `{b}` conflict: they differ only in parameter names, which axum's router cannot tell apart"
                )
            }
            BuildError::MissingAuth { route } => write!(
                f,
                "route `{route}` requires a token but the app has no `Auth`; call `App::auth`"
            ),
            BuildError::DuplicateName { name, handlers: [a, b] } => write!(
                f,
                "duplicate route name `{name}` (the OpenAPI operationId): used by both `{a}` and `{b}`; \
                 give one of them `name = \"...\"`"
            ),
            BuildError::InvalidPath { path, reason } => write!(f, "path `{path}` {reason}"),
            BuildError::UnknownPermission { route, handler, permission, suggestion } => {
                write!(
                    f,
                    "route `{route}` (`{handler}`) requires permission `{permission}`, which is \
                     not among the permissions declared with `App::permissions`"
                )?;
                match suggestion {
                    Some(similar) => write!(f, "; did you mean `{similar}`?"),
                    None => Ok(()),
                }
            }
            BuildError::Router(message) => write!(f, "axum refused the routes: {message}"),
        }
    }
}

impl std::error::Error for BuildError {}

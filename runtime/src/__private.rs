//! Items used only by code that `#[route]` and `routes![...]` generate.
//!
//! Not public API; no semver guarantees. The macros crate is pinned with `=`
//! so both sides always agree on what is here.

pub use crate::table::{
    BodySchema, Checked, Message, Method, Mount, PathSchema, PathSegment, Policy, QuerySchema,
    Route, RouteDef, RouteOptions, RouteParts, Routes, SchemaFn, Unchecked, duplicate,
};
pub use std::option::Option::Some;
pub use std::vec;

/// What `routes![...]` finds under a name that has no `#[route]` companion:
/// its per-handler `use path as FnWithoutRouteAttribute;` shadows this glob
/// only where a companion exists, so a plain fn ends up here, and
/// `RouteDef`'s message tells the user to annotate it.
pub mod fallback {
    /// Not a `#[route]` handler.
    #[derive(Debug)]
    pub struct FnWithoutRouteAttribute {}
}

/// Implemented by the enums `warden::permissions!` declares, so that a
/// route naming anything else (a `const ADMIN: &str`, a typo'd module path)
/// gets this message at the name, instead of rustc's about `as_str`.
///
/// `#[route]` passes each declared permission through a local
/// `const fn __warden_declared<P: DeclaredPermission<Declared = P>>(p: P) ->
/// P::Declared`: when the bound fails, the projection is an error type and
/// no second error follows about calling `.as_str()` on it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a permission declared with `warden::permissions!`",
    label = "not a declared permission",
    note = "write the permission as a string literal, e.g. `permissions = [\"admin\"]`, or declare it once with `warden::permissions! {{ pub enum Perm {{ Admin = \"admin\" }} }}` and name it: `permissions = [Perm::Admin]`"
)]
pub trait DeclaredPermission: Copy {
    /// `Self`.
    type Declared;
}

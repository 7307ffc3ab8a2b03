//! Items used only by code that `#[route]` and `routes![...]` generate.
//!
//! Not public API; no semver guarantees. The macros crate is pinned with `=`
//! so both sides always agree on what is here.

pub use crate::route::{
    BodySchema, Method, Policy, Route, RouteDef, RouteParts, SchemaFn, schema_fn,
};
pub use crate::routes::{Endpoint, assert_distinct, endpoint};
pub use core;
pub use std::vec;

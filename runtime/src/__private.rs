//! Items used only by code that `#[route]` and `routes![...]` generate.
//!
//! Not public API; no semver guarantees. The macros crate is pinned with `=`
//! so both sides always agree on what is here.

pub use crate::table::{
    BodySchema, Endpoint, Method, PathSegment, Policy, Route, RouteDef, RouteParts, SchemaFn,
    assert_distinct, endpoint, schema_fn,
};
pub use std::vec;

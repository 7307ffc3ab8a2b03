//! Items used only by code that `#[route]` and `routes![...]` generate.
//!
//! Not public API; no semver guarantees. The macros crate is pinned with `=`
//! so both sides always agree on what is here.

pub use crate::route::{Method, Policy, Route, RouteDef, RouteParts};
pub use crate::routes::{Endpoint, endpoint};
pub use core;
pub use std::vec;

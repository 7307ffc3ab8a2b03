//! Warden
#![warn(missing_docs)]

#[doc(hidden)]
pub mod __private;
mod route;
mod routes;

pub use route::{Method, Policy, Route, RouteDef};
pub use routes::Routes;
pub use warden_macros::route;

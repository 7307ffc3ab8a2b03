//! The permission table: what `#[route]` declares ([`Route`], [`Method`],
//! [`Policy`], [`RouteDef`]), how `routes![...]` gathers it ([`Routes`]),
//! the compile-time duplicate check, and the JSON listing.

mod distinct;
mod listing;
mod method;
mod policy;
mod registry;
mod route;

#[doc(hidden)]
pub use distinct::assert_distinct;
pub(crate) use distinct::shape_order;
pub use listing::table_json;
pub use method::Method;
pub use policy::Policy;
pub use registry::Routes;
#[doc(hidden)]
pub use registry::{Endpoint, endpoint};
#[doc(hidden)]
pub use route::{BodySchema, RouteParts, SchemaFn, schema_fn};
pub use route::{PathSegment, Route, RouteDef};

//! The permission table: what `#[route]` declares ([`Route`], [`Method`],
//! [`Policy`], [`RouteDef`]), how `routes![...]` gathers it ([`Routes`]),
//! the compile-time duplicate check, and the JSON listing.

mod distinct;
mod listing;
mod method;
mod policy;
mod registry;
mod route;

pub(crate) use distinct::shape_order;
#[doc(hidden)]
pub use distinct::{Message, duplicate};
pub(crate) use listing::policy_json;
pub use listing::table_json;
pub use method::Method;
pub use policy::Policy;
pub use registry::Routes;
#[doc(hidden)]
pub use registry::{Checked, Mount, Unchecked};
#[doc(hidden)]
pub use route::{BodySchema, PathSchema, QuerySchema, RouteOptions, RouteParts, SchemaFn};
pub use route::{PathSegment, Route, RouteDef};

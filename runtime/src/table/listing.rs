//! The permission table as JSON, for tooling, reviews and snapshots.

use serde_json::{Value, json};

use super::{Policy, Route};

/// The routes as a JSON array, one object per route, in the given order:
///
/// ```json
/// [{"method": "GET", "path": "/private/info/", "name": "protected_info",
///   "handler": "my_app::protected_info",
///   "policy": {"kind": "permissions", "alternatives": [["my-permission-name"]]},
///   "tags": ["Private"]}]
/// ```
///
/// `policy.kind` is `public`, `authenticated` or `permissions`;
/// `policy.permissions` is always present (empty unless `permissions`), so
/// consumers need no special case.
///
/// ```
/// #[warden::route(get, "/me/", authenticated)]
/// async fn me() {}
///
/// let routes: warden::Routes = warden::routes![me];
/// let listing = warden::table_json(routes.table());
/// assert_eq!(listing[0]["policy"]["kind"], "authenticated");
/// ```
pub fn table_json<'a>(routes: impl IntoIterator<Item = &'a Route>) -> Value {
    Value::Array(routes.into_iter().map(route_json).collect())
}

fn route_json(route: &Route) -> Value {
    let kind = match route.policy() {
        Policy::Public => "public",
        Policy::Authenticated => "authenticated",
        Policy::Permissions(_) => "permissions",
        Policy::AnyOf(_) => "any_of",
    };
    json!({
        "method": route.method().as_str(),
        "path": route.path(),
        "name": route.name(),
        "handler": route.handler(),
        "policy": {"kind": kind, "alternatives": route.policy().alternatives()},
        "tags": route.tags(),
    })
}

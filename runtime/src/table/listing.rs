//! The permission table as JSON, for tooling, reviews and snapshots.

use serde_json::{Value, json};

use super::{Policy, Route};

/// The routes as a JSON array, one object per route, in the given order.
///
/// Every object has the same keys: `method`, `path`, `name`, `handler` (the
/// function's path), `policy` and `tags`. `policy.kind` is `public`,
/// `authenticated`, `optional`, `permissions` (one set) or `any_of`
/// (alternatives); `policy.alternatives` lists the permission sets a token
/// must hold one of, and is always present (empty when no permission is
/// needed), so consumers need no special case.
///
/// ```
/// use serde_json::json;
///
/// #[warden::route(get, "/private/info/", permissions = ["my-permission-name"], tags = ["Private"])]
/// async fn protected_info() {}
///
/// #[warden::route(get, "/me/", authenticated)]
/// async fn me() {}
///
/// #[warden::route(get, "/feed/", optional)]
/// async fn feed() {}
///
/// let routes: warden::Routes = warden::routes![protected_info, me, feed];
/// let module = module_path!();
/// assert_eq!(
///     warden::table_json(routes.table()),
///     json!([
///         {
///             "method": "GET",
///             "path": "/private/info/",
///             "name": "protected_info",
///             "handler": format!("{module}::protected_info"),
///             "policy": {"kind": "permissions", "alternatives": [["my-permission-name"]]},
///             "tags": ["Private"],
///         },
///         {
///             "method": "GET",
///             "path": "/me/",
///             "name": "me",
///             "handler": format!("{module}::me"),
///             "policy": {"kind": "authenticated", "alternatives": []},
///             "tags": [],
///         },
///         {
///             "method": "GET",
///             "path": "/feed/",
///             "name": "feed",
///             "handler": format!("{module}::feed"),
///             "policy": {"kind": "optional", "alternatives": []},
///             "tags": [],
///         },
///     ])
/// );
/// ```
pub fn table_json<'a>(routes: impl IntoIterator<Item = &'a Route>) -> Value {
    Value::Array(routes.into_iter().map(route_json).collect())
}

fn route_json(route: &Route) -> Value {
    json!({
        "method": route.method().as_str(),
        "path": route.path(),
        "name": route.name(),
        "handler": route.handler(),
        "policy": policy_json(route.policy()),
        "tags": route.tags(),
    })
}

/// `{"kind": ..., "alternatives": [...]}`, as in [`table_json`].
pub(crate) fn policy_json(policy: &Policy) -> Value {
    let kind = match policy {
        Policy::Public => "public",
        Policy::Authenticated => "authenticated",
        Policy::Optional => "optional",
        Policy::Permissions(_) => "permissions",
        Policy::AnyOf(_) => "any_of",
    };
    json!({"kind": kind, "alternatives": policy.alternatives()})
}

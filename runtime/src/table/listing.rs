//! The permission table as JSON, for tooling, reviews and snapshots.

use serde_json::{Value, json};

use super::{Policy, Route};

/// The routes as a JSON array, one object per route, in the given order.
///
/// Every object has the same keys, printed in this (alphabetical) order:
/// `handler` (the function's path), `method`, `name`, `path`, `policy` and
/// `tags`. `policy.kind` is `public`, `authenticated`, `optional`,
/// `permissions` (one set) or `any_of` (alternatives); `policy.alternatives`
/// lists the permission sets a token must hold one of, and is always
/// present (empty when no permission is needed), so consumers need no
/// special case. [`App::table_json`](crate::App::table_json) lists the paths
/// as served, under the app's prefix.
///
/// ```
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
/// let listing = serde_json::to_string_pretty(&warden::table_json(routes.table()))?;
/// let expected = r#"[
///   {
///     "handler": "MODULE::protected_info",
///     "method": "GET",
///     "name": "protected_info",
///     "path": "/private/info/",
///     "policy": {
///       "alternatives": [
///         [
///           "my-permission-name"
///         ]
///       ],
///       "kind": "permissions"
///     },
///     "tags": [
///       "Private"
///     ]
///   },
///   {
///     "handler": "MODULE::me",
///     "method": "GET",
///     "name": "me",
///     "path": "/me/",
///     "policy": {
///       "alternatives": [],
///       "kind": "authenticated"
///     },
///     "tags": []
///   },
///   {
///     "handler": "MODULE::feed",
///     "method": "GET",
///     "name": "feed",
///     "path": "/feed/",
///     "policy": {
///       "alternatives": [],
///       "kind": "optional"
///     },
///     "tags": []
///   }
/// ]"#;
/// assert_eq!(listing, expected.replace("MODULE", module_path!()));
/// # Ok::<(), serde_json::Error>(())
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

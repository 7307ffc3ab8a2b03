//! What a verified token says: where its permissions are read
//! ([`PermissionSource`], the claim layout) and the [`Claims`] extractor.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::AuthError;
use crate::http::HttpError;
use crate::jwt::Jwt;

/// Where permissions are read from in a verified token: the claim layout of
/// the identity provider that issued it.
///
/// | provider | source |
/// |---|---|
/// | Flama (default) | [`Flama`](Self::Flama) |
/// | Auth0 (RBAC `permissions`) | `Pointer("/permissions")` |
/// | OAuth2, Okta, Cognito (`scope`) | `Scope("scope")` |
/// | Entra ID (`scp` and app `roles`) | [`entra_id`](Self::entra_id) |
/// | Keycloak (realm and client roles) | `Keycloak { client: Some("my-api".into()) }` |
/// | anything else | `Pointer(..)`, [`AnyOf`](Self::AnyOf), or [`custom`](Self::custom) |
#[derive(Clone)]
#[non_exhaustive]
pub enum PermissionSource {
    /// Flama-compatible (the default): the union of `data.permissions`, every
    /// list under `data.roles` (`{"role": ["perm", ...]}`), and a top-level
    /// `permissions` array (as Auth0 issues).
    Flama,
    /// One array of strings at a JSON pointer, e.g. `/permissions` (Auth0)
    /// or `/realm_access/roles`.
    Pointer(String),
    /// A space-separated string claim: `scope` (RFC 8693 §4.2; OAuth2, Okta,
    /// Cognito) or `scp` (Entra ID).
    Scope(String),
    /// Keycloak: `realm_access.roles`, and `resource_access.<client>.roles`
    /// when a client is named.
    Keycloak {
        /// The client (the API's client id) whose roles count.
        client: Option<String>,
    },
    /// The union of several layouts.
    AnyOf(Vec<PermissionSource>),
    /// A layout of your own.
    Custom(Arc<dyn ClaimLayout>),
}

/// A claim layout of your own, for [`PermissionSource::custom`].
pub trait ClaimLayout: Send + Sync + 'static {
    /// Whether `claims` grant `permission`.
    fn grants(&self, claims: &Map<String, Value>, permission: &str) -> bool;

    /// Writes `permissions` into `claims` so that exactly they are granted,
    /// for the policy test matrix's tokens; `false` when this layout cannot
    /// be written (the matrix then reports it instead of guessing).
    fn write(&self, claims: &mut Map<String, Value>, permissions: &[&str]) -> bool {
        let _ = (claims, permissions);
        false
    }

    /// Every permission `claims` grant, for [`Claims::permissions`]. The
    /// default lists none: a layout that can enumerate them overrides it.
    fn list<'c>(&self, claims: &'c Map<String, Value>) -> Vec<&'c str> {
        let _ = claims;
        Vec::new()
    }
}

impl<F> ClaimLayout for F
where
    F: Fn(&Map<String, Value>, &str) -> bool + Send + Sync + 'static,
{
    fn grants(&self, claims: &Map<String, Value>, permission: &str) -> bool {
        self(claims, permission)
    }
}

impl fmt::Debug for PermissionSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PermissionSource::Flama => f.write_str("Flama"),
            PermissionSource::Pointer(p) => f.debug_tuple("Pointer").field(p).finish(),
            PermissionSource::Scope(c) => f.debug_tuple("Scope").field(c).finish(),
            PermissionSource::Keycloak { client } => {
                f.debug_struct("Keycloak").field("client", client).finish()
            }
            PermissionSource::AnyOf(all) => f.debug_tuple("AnyOf").field(all).finish(),
            PermissionSource::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

impl PartialEq for PermissionSource {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (PermissionSource::Flama, PermissionSource::Flama) => true,
            (PermissionSource::Pointer(a), PermissionSource::Pointer(b))
            | (PermissionSource::Scope(a), PermissionSource::Scope(b)) => a == b,
            (
                PermissionSource::Keycloak { client: a },
                PermissionSource::Keycloak { client: b },
            ) => a == b,
            (PermissionSource::AnyOf(a), PermissionSource::AnyOf(b)) => a == b,
            (PermissionSource::Custom(a), PermissionSource::Custom(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Eq for PermissionSource {}

impl PermissionSource {
    /// Entra ID: delegated scopes in `scp` and application roles in `roles`.
    pub fn entra_id() -> Self {
        PermissionSource::AnyOf(vec![
            PermissionSource::Scope("scp".into()),
            PermissionSource::Pointer("/roles".into()),
        ])
    }

    /// A layout of your own: `layout(claims, permission)` says whether the
    /// claims grant it.
    pub fn custom(layout: impl ClaimLayout) -> Self {
        PermissionSource::Custom(Arc::new(layout))
    }

    /// Whether `claims` grant `permission`.
    pub(crate) fn grants(&self, claims: &Map<String, Value>, permission: &str) -> bool {
        let in_list = |v: Option<&Value>| {
            v.and_then(Value::as_array)
                .is_some_and(|list| list.iter().any(|p| p.as_str() == Some(permission)))
        };
        match self {
            PermissionSource::Flama => {
                let data = claims.get("data");
                in_list(data.and_then(|d| d.get("permissions")))
                    || data
                        .and_then(|d| d.get("roles"))
                        .and_then(Value::as_object)
                        .is_some_and(|roles| roles.values().any(|r| in_list(Some(r))))
                    || in_list(claims.get("permissions"))
            }
            PermissionSource::Pointer(pointer) => in_list(resolve_pointer(claims, pointer)),
            PermissionSource::Scope(claim) => claims
                .get(claim)
                .and_then(Value::as_str)
                .is_some_and(|s| s.split(' ').any(|p| p == permission)),
            PermissionSource::Keycloak { client } => {
                in_list(claims.get("realm_access").and_then(|r| r.get("roles")))
                    || client.as_ref().is_some_and(|client| {
                        in_list(
                            claims
                                .get("resource_access")
                                .and_then(|r| r.get(client))
                                .and_then(|c| c.get("roles")),
                        )
                    })
            }
            PermissionSource::AnyOf(all) => all.iter().any(|s| s.grants(claims, permission)),
            PermissionSource::Custom(layout) => layout.grants(claims, permission),
        }
    }

    /// Every permission `claims` grant in this layout, each once, in the
    /// order the claims list them: exactly those the auth layer accepts
    /// (a custom layout lists what its [`ClaimLayout::list`] says).
    pub fn list<'c>(&self, claims: &'c Map<String, Value>) -> Vec<&'c str> {
        let mut out = Vec::new();
        self.list_into(claims, &mut out);
        out
    }

    fn list_into<'c>(&self, claims: &'c Map<String, Value>, out: &mut Vec<&'c str>) {
        let mut push = |permission: &'c str| {
            if !out.contains(&permission) {
                out.push(permission);
            }
        };
        let mut strings = |v: Option<&'c Value>| {
            for permission in v.and_then(Value::as_array).into_iter().flatten() {
                if let Some(permission) = permission.as_str() {
                    push(permission);
                }
            }
        };
        match self {
            PermissionSource::Flama => {
                let data = claims.get("data");
                strings(data.and_then(|d| d.get("permissions")));
                if let Some(roles) = data.and_then(|d| d.get("roles")).and_then(Value::as_object) {
                    roles.values().for_each(|role| strings(Some(role)));
                }
                strings(claims.get("permissions"));
            }
            PermissionSource::Pointer(pointer) => strings(resolve_pointer(claims, pointer)),
            PermissionSource::Scope(claim) => {
                if let Some(scope) = claims.get(claim).and_then(Value::as_str) {
                    scope.split(' ').filter(|p| !p.is_empty()).for_each(push);
                }
            }
            PermissionSource::Keycloak { client } => {
                strings(claims.get("realm_access").and_then(|r| r.get("roles")));
                if let Some(client) = client {
                    strings(
                        claims
                            .get("resource_access")
                            .and_then(|r| r.get(client))
                            .and_then(|c| c.get("roles")),
                    );
                }
            }
            PermissionSource::AnyOf(all) => all.iter().for_each(|s| s.list_into(claims, out)),
            PermissionSource::Custom(layout) => {
                layout.list(claims).into_iter().for_each(push);
            }
        }
    }

    /// Writes `permissions` where this layout reads them, and removes what
    /// else it would read as a permission: the claims then grant exactly
    /// these. `false` for a custom layout that cannot be written.
    pub fn write(&self, claims: &mut Map<String, Value>, permissions: &[&str]) -> bool {
        let list =
            || Value::Array(permissions.iter().map(|p| Value::String((*p).into())).collect());
        match self {
            PermissionSource::Flama => {
                claims.remove("permissions");
                let data = object_at(claims, "data");
                data.remove("roles");
                data.insert("permissions".into(), list());
            }
            PermissionSource::Pointer(pointer) => {
                let pointer = pointer.strip_prefix('/').unwrap_or(pointer);
                let mut segments: Vec<String> =
                    pointer.split('/').map(|s| unescape(s).into_owned()).collect();
                let last = segments.pop().unwrap_or_default();
                let mut parent = claims;
                for segment in segments {
                    parent = object_at(parent, &segment);
                }
                parent.insert(last, list());
            }
            PermissionSource::Scope(claim) => {
                claims.insert(claim.clone(), Value::String(permissions.join(" ")));
            }
            PermissionSource::Keycloak { .. } => {
                claims.remove("resource_access");
                object_at(claims, "realm_access").insert("roles".into(), list());
            }
            PermissionSource::AnyOf(all) => {
                let Some((first, rest)) = all.split_first() else { return false };
                for other in rest {
                    if !other.write(claims, &[]) {
                        return false;
                    }
                }
                return first.write(claims, permissions);
            }
            PermissionSource::Custom(layout) => return layout.write(claims, permissions),
        }
        true
    }
}

/// The object at `map[key]`, replacing whatever else is there.
fn object_at<'m>(map: &'m mut Map<String, Value>, key: &str) -> &'m mut Map<String, Value> {
    let slot = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(object) => object,
        _ => unreachable!("just made an object"),
    }
}

/// RFC 6901 over a claims object. The first reference token selects a
/// claim; `serde_json` resolves the rest (strict array indices: no `01`, no
/// `+1`). A missing leading `/` is tolerated (`realm_access/roles`).
fn resolve_pointer<'a>(claims: &'a Map<String, Value>, pointer: &str) -> Option<&'a Value> {
    let pointer = pointer.strip_prefix('/').unwrap_or(pointer);
    let (first, rest) = pointer.find('/').map_or((pointer, ""), |i| pointer.split_at(i));
    claims.get(&*unescape(first))?.pointer(rest)
}

/// One RFC 6901 reference token, unescaped (`~1` is `/`, `~0` is `~`).
pub(crate) fn unescape(segment: &str) -> Cow<'_, str> {
    if segment.contains('~') {
        segment.replace("~1", "/").replace("~0", "~").into()
    } else {
        segment.into()
    }
}

/// The verified token of the current request, as an axum extractor.
///
/// Available on every non-public route; the token was decoded once, by the
/// auth layer, before any extractor ran. On an `optional` route,
/// `Option<Claims>` is `None` without a token and `Some` with a valid one
/// (an invalid one is 401, never anonymous). A public route reads no token:
/// there `Claims` answers 401 and `Option<Claims>` is `None`.
///
/// ```
/// use warden::{Claims, route};
///
/// #[route(get, "/me/", authenticated)]
/// async fn me(claims: Claims) -> String {
///     claims.get("sub").and_then(|s| s.as_str()).unwrap_or("?").to_owned()
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Claims(pub(crate) Arc<Jwt>, pub(crate) Arc<PermissionSource>);

impl Claims {
    /// The verified token.
    pub fn jwt(&self) -> &Jwt {
        &self.0
    }

    /// The claims object.
    pub fn payload(&self) -> &Map<String, Value> {
        self.0.payload()
    }

    /// One claim.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.payload().get(name)
    }

    /// `sub`, when it is a string.
    pub fn sub(&self) -> Option<&str> {
        self.get("sub").and_then(Value::as_str)
    }

    /// The value at an RFC 6901 JSON pointer, e.g. `/data/id`.
    pub fn pointer(&self, pointer: &str) -> Option<&Value> {
        resolve_pointer(self.0.payload(), pointer)
    }

    /// The value at `pointer`, deserialized; `None` when absent or of
    /// another shape.
    pub fn get_as<T: DeserializeOwned>(&self, pointer: &str) -> Option<T> {
        T::deserialize(self.pointer(pointer)?).ok()
    }

    /// The permissions the token grants, read as the app's
    /// [`PermissionSource`] says ([`Auth::permissions`](crate::Auth::permissions)),
    /// each once, in the order the token lists them.
    ///
    /// ```
    /// use warden::{Claims, route};
    ///
    /// #[route(get, "/me/permissions/", authenticated)]
    /// async fn my_permissions(claims: Claims) -> warden::Json<Vec<String>> {
    ///     warden::Json(claims.permissions().into_iter().map(str::to_owned).collect())
    /// }
    /// ```
    pub fn permissions(&self) -> Vec<&str> {
        self.1.list(self.0.payload())
    }

    /// Where [`permissions`](Self::permissions) reads from.
    pub fn permission_source(&self) -> &PermissionSource {
        &self.1
    }

    /// These claims, their permissions read from `source`: for claims made
    /// with `From<Jwt>`, which read Flama's layout.
    #[must_use]
    pub fn with_permission_source(mut self, source: PermissionSource) -> Self {
        self.1 = Arc::new(source);
        self
    }

    /// The claims as a typed value.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(Value::Object(self.0.payload().clone()))
    }
}

/// Claims of a token verified elsewhere (a WebSocket message, a test), with
/// Flama's layout (see [`Claims::with_permission_source`]).
impl From<Jwt> for Claims {
    fn from(jwt: Jwt) -> Self {
        Claims(Arc::new(jwt), Arc::new(PermissionSource::Flama))
    }
}

/// `Option<Claims>`: `None` on a public route, where no token is read.
impl<S: Send + Sync> OptionalFromRequestParts<S> for Claims {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, std::convert::Infallible> {
        Ok(parts.extensions.get::<Claims>().cloned())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Claims {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, HttpError> {
        parts.extensions.get::<Claims>().cloned().ok_or_else(|| AuthError::Missing.into_http())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn grants(source: &PermissionSource, claims: Value, perm: &str) -> bool {
        let Value::Object(map) = claims else { panic!("not an object") };
        source.grants(&map, perm)
    }

    #[test]
    fn flama_source_reads_data_permissions_roles_and_top_level() {
        let s = PermissionSource::Flama;
        assert!(grants(&s, json!({"data": {"permissions": ["a"]}}), "a"));
        assert!(grants(&s, json!({"data": {"roles": {"admin": ["b"], "x": ["c"]}}}), "c"));
        assert!(grants(&s, json!({"permissions": ["d"]}), "d"));
        assert!(!grants(&s, json!({"data": {"permissions": "a"}}), "a"));
        assert!(!grants(&s, json!({"data": {"roles": ["a"]}}), "a"));
        assert!(!grants(&s, json!({"scope": "a"}), "a"));
    }

    fn list(source: &PermissionSource, claims: Value) -> Vec<String> {
        let Value::Object(map) = claims else { panic!("not an object") };
        let listed: Vec<String> = source.list(&map).into_iter().map(str::to_owned).collect();
        for permission in &listed {
            assert!(source.grants(&map, permission), "{permission} listed but not granted");
        }
        listed
    }

    #[test]
    fn every_layout_lists_what_it_grants() {
        let flama = json!({
            "data": {"permissions": ["a", "b"], "roles": {"r": ["b", "c"], "bad": "x"}},
            "permissions": ["d", 7],
            "scope": "s",
        });
        assert_eq!(list(&PermissionSource::Flama, flama), ["a", "b", "c", "d"]);
        let scope = json!({"scope": "read  write read", "scp": "x"});
        assert_eq!(list(&PermissionSource::Scope("scope".into()), scope), ["read", "write"]);
        let pointer = PermissionSource::Pointer("/realm_access/roles".into());
        assert_eq!(list(&pointer, json!({"realm_access": {"roles": ["admin"]}})), ["admin"]);
        assert!(list(&pointer, json!({"realm_access": {"roles": "admin"}})).is_empty());
        let keycloak = PermissionSource::Keycloak { client: Some("api".into()) };
        let claims = json!({
            "realm_access": {"roles": ["user"]},
            "resource_access": {"api": {"roles": ["write"]}, "other": {"roles": ["no"]}},
        });
        assert_eq!(list(&keycloak, claims), ["user", "write"]);
        let entra = json!({"scp": "read write", "roles": ["Admin", "read"]});
        assert_eq!(list(&PermissionSource::entra_id(), entra), ["read", "write", "Admin"]);
        let custom = PermissionSource::custom(|_: &Map<String, Value>, p: &str| p == "x");
        assert!(list(&custom, json!({"x": true})).is_empty());
    }

    #[test]
    fn pointer_and_scope_sources() {
        let kc = PermissionSource::Pointer("/realm_access/roles".into());
        assert!(grants(&kc, json!({"realm_access": {"roles": ["admin"]}}), "admin"));
        assert!(!grants(&kc, json!({"data": {"permissions": ["admin"]}}), "admin"));
        let escaped = PermissionSource::Pointer("/https:~1~1example.com~1roles/a~0b".into());
        assert!(grants(&escaped, json!({"https://example.com/roles": {"a~b": ["x"]}}), "x"));
        let indexed = PermissionSource::Pointer("/groups/1".into());
        assert!(grants(&indexed, json!({"groups": [["a"], ["b"]]}), "b"));
        for lenient in ["/groups/01", "/groups/+1"] {
            let p = PermissionSource::Pointer(lenient.into());
            assert!(!grants(&p, json!({"groups": [["a"], ["b"]]}), "b"), "{lenient}");
        }
        let bare = PermissionSource::Pointer("realm_access/roles".into());
        assert!(grants(&bare, json!({"realm_access": {"roles": ["admin"]}}), "admin"));
        let scope = PermissionSource::Scope("scope".into());
        assert!(grants(&scope, json!({"scope": "read write"}), "write"));
        assert!(!grants(&scope, json!({"scope": "read writer"}), "write"));
    }
}

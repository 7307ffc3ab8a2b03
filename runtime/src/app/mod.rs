//! The app builder (`App`, `BuildError`, the whole-table checks): metadata, auth configuration and routes, turned into an
//! `axum::Router` after the route table has been checked.

use std::fmt;
use std::sync::{Mutex, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use axum::routing::{MethodRouter, get};

use crate::auth::Authenticator;
use crate::auth::layer::AuthLayer;
use crate::docs::{openapi, ui as docs_ui};
use crate::table::{Method, PathSegment, Policy, Route, RouteOptions, RouteParts, Routes};

mod check;
mod error;
mod fallback;

use check::{check_permissions, check_table};
pub use error::BuildError;
pub use fallback::{JsonErrors, JsonErrorsFuture, JsonErrorsService};

/// A Warden application.
///
/// ```
/// use warden::{App, Auth, Json, route, routes};
/// use warden::jwt::{HmacSecret, Verifier};
///
/// #[route(get, "/public/", public)]
/// async fn hello() -> Json<&'static str> {
///     Json("hello")
/// }
///
/// #[route(get, "/private/", permissions = ["read"])]
/// async fn private() -> Json<&'static str> {
///     Json("secret")
/// }
///
/// let secret = HmacSecret::new(b"0123456789abcdef0123456789abcdef".to_vec());
/// let router: axum::Router = App::new("Demo", "1.0.0")
///     .auth(Auth::new(Verifier::hmac(&secret).build()?).build()?)
///     .routes(routes![hello, private])
///     .build()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct App<S = ()> {
    title: String,
    version: String,
    description: Option<String>,
    auth: Option<Authenticator>,
    routes: Vec<(&'static Route, MethodRouter<S>)>,
    schema_path: Option<String>,
    docs_path: Option<String>,
    docs: docs_ui::Options,
    jwks: Option<(String, Bytes)>,
    prefix: Option<String>,
    permissions: Option<Vec<String>>,
    docs_policy: Policy,
}

/// Where the OpenAPI document is served unless [`App::schema_path`] says otherwise.
pub const DEFAULT_SCHEMA_PATH: &str = "/schema/";
/// Where [`App::jwks`] serves the app's public keys.
pub const DEFAULT_JWKS_PATH: &str = "/.well-known/jwks.json";
/// Where the docs page is served unless [`App::docs_path`] says otherwise.
pub const DEFAULT_DOCS_PATH: &str = "/docs/";

impl<S> fmt::Debug for App<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("title", &self.title)
            .field("version", &self.version)
            .field("description", &self.description)
            .field("auth", &self.auth)
            .field("routes", &self.routes.iter().map(|(r, _)| r).collect::<Vec<_>>())
            .field("schema_path", &self.schema_path)
            .field("docs_path", &self.docs_path)
            .finish()
    }
}

impl<S> App<S>
where
    S: Clone + Send + Sync + 'static,
{
    /// A new app with its OpenAPI `info.title` and `info.version`.
    pub fn new(title: impl Into<String>, version: impl Into<String>) -> Self {
        App {
            title: title.into(),
            version: version.into(),
            description: None,
            auth: None,
            routes: Vec::new(),
            schema_path: Some(DEFAULT_SCHEMA_PATH.to_owned()),
            docs_path: Some(DEFAULT_DOCS_PATH.to_owned()),
            docs: docs_ui::Options::default(),
            jwks: None,
            prefix: None,
            permissions: None,
            docs_policy: Policy::Public,
        }
    }

    /// Where the OpenAPI document is served (default `/schema/`); `None`
    /// turns it off, and with it the docs page.
    pub fn schema_path(mut self, path: Option<&str>) -> Self {
        self.schema_path = path.map(str::to_owned);
        self
    }

    /// Where the interactive docs page is served (default `/docs/`); `None`
    /// turns it off.
    pub fn docs_path(mut self, path: Option<&str>) -> Self {
        self.docs_path = path.map(str::to_owned);
        self
    }

    /// Who may read the OpenAPI document and the docs page (default
    /// [`Policy::Public`]). Another policy puts both behind the same auth
    /// layer as the routes, with the same 401 and 403 answers; the document
    /// states it as `x-docs-policy` (shaped as in [`table_json`](crate::table_json)).
    ///
    /// In a browser, the page then loads the document with the token in the
    /// cookie ([`Auth::cookie`](crate::Auth::cookie)): it cannot send a header
    /// before it is loaded.
    ///
    /// ```
    /// use warden::{App, Policy};
    /// # use warden::jwt::{HmacSecret, Verifier};
    /// # let auth = warden::Auth::new(Verifier::hmac(&HmacSecret::new([7; 32])).build()?).build()?;
    ///
    /// let app: App = App::new("Internal", "1.0.0")
    ///     .auth(auth)
    ///     .docs_policy(Policy::Permissions(&["docs:read"]));
    /// assert_eq!(app.openapi()["x-docs-policy"]["alternatives"][0][0], "docs:read");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn docs_policy(mut self, policy: Policy) -> Self {
        self.docs_policy = policy;
        self
    }

    /// Whether the docs page keeps a token pasted into "Authorize" across
    /// reloads (Swagger UI's `persistAuthorization`, which stores it in the
    /// browser's `localStorage`, readable by any script of the origin). Off
    /// by default.
    pub fn docs_persist_authorization(mut self, persist: bool) -> Self {
        self.docs.persist_authorization = persist;
        self
    }

    /// The OpenAPI 3.1 document of the app: every route of the table with
    /// its security as enforced.
    pub fn openapi(&self) -> serde_json::Value {
        let info = openapi::Info {
            title: &self.title,
            version: &self.version,
            description: self.description.as_deref(),
        };
        let mut document = openapi::document(&info, self.table(), self.auth.as_ref());
        if let Some(object) = document.as_object_mut() {
            if let Some(prefix) = &self.prefix {
                object.insert("servers".into(), serde_json::json!([{"url": prefix}]));
            }
            if !self.docs_policy.is_public() {
                object.insert("x-docs-policy".into(), crate::table::policy_json(&self.docs_policy));
            }
        }
        if let Some((path, _)) = &self.jwks
            && let Some(paths) =
                document.get_mut("paths").and_then(serde_json::Value::as_object_mut)
        {
            paths.insert(path.clone(), jwks_operation());
        }
        document
    }

    /// Serves everything (routes, the document, the docs page, the JWKS)
    /// under `prefix`, e.g. `/api/v1`, as a gateway would route it; the
    /// OpenAPI document names it in `servers`. Behind a gateway that strips
    /// the prefix itself, leave this unset and nothing changes: every URL the
    /// docs page uses is relative.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Serves `jwks` (a JWK Set, e.g. [`SigningKeys::jwks`](crate::jwt::SigningKeys::jwks))
    /// at [`DEFAULT_JWKS_PATH`], public, so that other services verify the
    /// tokens this app signs. Documented in the OpenAPI document.
    pub fn jwks(self, jwks: &serde_json::Value) -> Self {
        self.jwks_at(DEFAULT_JWKS_PATH, jwks)
    }

    /// [`jwks`](Self::jwks) at another path.
    pub fn jwks_at(mut self, path: &str, jwks: &serde_json::Value) -> Self {
        let body = serde_json::to_vec(jwks).unwrap_or_default();
        self.jwks = Some((path.to_owned(), Bytes::from(body)));
        self
    }

    /// The API description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// How tokens are found and verified. Required as soon as one route is
    /// not public.
    pub fn auth(mut self, auth: Authenticator) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Adds routes gathered by [`routes!`](crate::routes!). May be called
    /// several times.
    pub fn routes(mut self, routes: Routes<S>) -> Self {
        let (table, endpoints) = routes.into_parts();
        self.routes.extend(table.iter().zip(endpoints));
        self
    }

    /// Declares every permission tokens can grant: [`build`](Self::build)
    /// then fails with [`BuildError::UnknownPermission`], naming the route,
    /// its handler and the permission, when a route requires one outside
    /// the set. A misspelt string permission would otherwise compile, and
    /// the policy test matrix would pass it (it mints the same misspelling).
    ///
    /// Takes a [`permissions!`](crate::permissions!) enum's `ALL`, or
    /// strings. May be called several times; the sets add up.
    ///
    /// ```
    /// use warden::{App, BuildError, route, routes};
    /// # use warden::jwt::{HmacSecret, Verifier};
    ///
    /// warden::permissions! {
    ///     pub enum Perm {
    ///         Read = "models:read",
    ///     }
    /// }
    ///
    /// #[route(get, "/models/", permissions = ["models:raed"])]
    /// async fn models() {}
    ///
    /// # let auth = warden::Auth::new(Verifier::hmac(&HmacSecret::new([7; 32])).build()?).build()?;
    /// // A router that is never served says nothing about its state type:
    /// // `App::<()>` names it.
    /// let err = App::<()>::new("Models", "1.0.0")
    ///     .auth(auth)
    ///     .permissions(Perm::ALL)
    ///     .routes(routes![models])
    ///     .build()
    ///     .unwrap_err();
    /// assert!(matches!(err, BuildError::UnknownPermission { permission: "models:raed", .. }));
    /// assert!(err.to_string().ends_with("did you mean `models:read`?"), "{err}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn permissions<P: AsRef<str>>(mut self, declared: impl IntoIterator<Item = P>) -> Self {
        self.permissions
            .get_or_insert_with(Vec::new)
            .extend(declared.into_iter().map(|p| p.as_ref().to_owned()));
        self
    }

    /// The title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The authenticator given to [`App::auth`], if any.
    pub fn authenticator(&self) -> Option<&Authenticator> {
        self.auth.as_ref()
    }

    /// The permission table: every route with its method, path, name and
    /// policy.
    pub fn table(&self) -> impl ExactSizeIterator<Item = &'static Route> + '_ {
        self.routes.iter().map(|(route, _)| *route)
    }

    /// The table as [`table_json`](crate::table_json) lists it, with each
    /// `path` as served: under the [`prefix`](Self::prefix).
    pub fn table_json(&self) -> serde_json::Value {
        let mut listing = crate::table_json(self.table());
        if let (Some(prefix), Some(routes)) = (&self.prefix, listing.as_array_mut()) {
            for route in routes {
                if let Some(path) = route.get_mut("path")
                    && let Some(text) = path.as_str()
                {
                    *path = format!("{prefix}{text}").into();
                }
            }
        }
        listing
    }

    /// One line per route, as [`Route`]'s `Display` prints it
    /// (`GET     /private/info/ protected_info permissions = ["my-permission-name"]`),
    /// with each path as served: under the [`prefix`](Self::prefix).
    pub fn table_lines(&self) -> Vec<String> {
        let prefix = self.prefix.as_deref().unwrap_or_default();
        self.table()
            .map(|route| {
                let method = route.method();
                format!("{method:<7} {prefix}{} {} {}", route.path(), route.name(), route.policy())
            })
            .collect()
    }

    /// Checks the table and builds the router: each protected route behind
    /// its own auth layer, JSON 404 and 405 for everything else.
    ///
    /// The router keeps axum's default fallback (see [`JsonErrors`]), so it
    /// merges with other routers, Warden's or not, and nests under a prefix.
    ///
    /// A stateful app hands its state over with `.with_state(state)`. A
    /// stateless one needs no annotation: serving the router (`warden::serve`,
    /// `axum::serve`, `oneshot`) tells rustc it is a `Router<()>`. Only a
    /// router that is never served or called (a test of `build()`'s error)
    /// needs `App::<()>::new(..)`.
    pub fn build(self) -> Result<Router<S>, BuildError> {
        check_table(self.table().collect(), self.auth.is_some())?;
        let docs_route = self.docs_route();
        if let Some(declared) = &self.permissions {
            check_permissions(self.table().chain(docs_route), declared)?;
        }
        if let Some(route) = docs_route
            && self.auth.is_none()
        {
            return Err(BuildError::MissingAuth {
                route: format!("{} {}", route.method(), route.path()),
            });
        }
        self.check_reserved_paths()?;
        if let Some(prefix) = &self.prefix
            && (!prefix.starts_with('/')
                || prefix.len() < 2
                || prefix.ends_with('/')
                || prefix.contains(['{', '}', '?', '#', '*'])
                // axum 0.8 panics on a segment in its 0.7 syntax (`:id`).
                || prefix.split('/').any(|segment| segment.starts_with(':')))
        {
            return Err(BuildError::InvalidPath {
                path: prefix.clone(),
                reason: "is not a prefix: it must start with `/`, not end with one, and have no parameters (`{..}`, `:..`, `*..`)",
            });
        }
        let document = self.schema_path.as_ref().map(|_| {
            Bytes::from(
                serde_json::to_vec_pretty(&self.openapi()).expect("a JSON value always serializes"),
            )
        });
        // The checks above cover every conflict axum is known to panic on;
        // should one slip through, it still becomes an error, not a crash.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            self.assemble(document, docs_route)
        }))
        .map_err(|panic| {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "axum refused the routes".to_owned());
            BuildError::Router(message)
        })
    }

    /// The router, its unknown paths and wrong methods answered by axum's
    /// default fallback in the envelope ([`JsonErrors`]): a custom fallback
    /// would make `Router::merge` with any other router that has one panic.
    fn assemble(
        mut self,
        document: Option<Bytes>,
        docs_route: Option<&'static Route>,
    ) -> Router<S> {
        let router = match self.prefix.take() {
            None => self.assemble_unprefixed(document, docs_route),
            Some(prefix) => {
                Router::new().nest(&prefix, self.assemble_unprefixed(document, docs_route))
            }
        };
        // Unknown paths: axum's default fallback, put in the envelope by
        // `JsonErrors`. Layering only the fallback (merged in from an empty
        // router, whose default fallback the merge keeps) leaves it a
        // *default* fallback, so this router merges with any other, and
        // spares every routed request a router-wide layer (a boxed service
        // clone and future each).
        router.merge(Router::new().layer(JsonErrors))
    }

    fn assemble_unprefixed(
        self,
        document: Option<Bytes>,
        docs_route: Option<&'static Route>,
    ) -> Router<S> {
        let mut router = Router::new();
        if let (Some(schema_path), Some(document)) = (&self.schema_path, document) {
            let mut docs = Router::new().route(
                schema_path,
                get(move || async move {
                    ([(header::CONTENT_TYPE, "application/json")], document.clone())
                }),
            );
            if let Some(docs_path) = &self.docs_path {
                docs = docs.merge(docs_ui::routes(docs_path, schema_path, &self.title, &self.docs));
            }
            if let Some(route) = docs_route {
                let auth = self.auth.clone().expect("checked by build");
                docs = docs.route_layer(AuthLayer::new(auth, route));
            }
            router = router.merge(docs);
        }
        if let Some((path, body)) = &self.jwks {
            let body = body.clone();
            router = router.route(
                path,
                get(move || async move {
                    (
                        [
                            (header::CONTENT_TYPE, "application/jwk-set+json"),
                            // Verifiers may cache it; a next key is published
                            // well before it signs.
                            (header::CACHE_CONTROL, "public, max-age=300"),
                        ],
                        body.clone(),
                    )
                }),
            );
        }
        for (route, method_router) in self.routes {
            // One layer per route, public or not (see `auth/layer.rs`);
            // 405s: the method-not-allowed fallback below.
            let layer = if route.policy().is_public() {
                AuthLayer::public()
            } else {
                AuthLayer::new(self.auth.clone().expect("checked by check_table"), route)
            };
            let method_router = method_router.route_layer(layer);
            router = router.route(route.path(), method_router);
        }
        // A wrong method: the envelope, with axum's `Allow`. Set on the
        // method routers, not as the router's fallback: it does not stop a
        // merge.
        router.method_not_allowed_fallback(|| async {
            crate::HttpError::new(axum::http::StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
        })
    }

    /// The route the auth layer checks the document and the docs page
    /// against, when they are not public. The layer takes a `&'static
    /// Route`, as `#[route]` makes them, so this one is leaked: once per
    /// distinct path and policy, however many apps are built (tests build
    /// hundreds).
    fn docs_route(&self) -> Option<&'static Route> {
        static DOCS_ROUTES: Mutex<Vec<&'static Route>> = Mutex::new(Vec::new());
        if self.docs_policy.is_public() {
            return None;
        }
        let path = self.schema_path.as_deref()?;
        let mut made = DOCS_ROUTES.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(route) =
            made.iter().find(|r| r.path() == path && *r.policy() == self.docs_policy)
        {
            return Some(route);
        }
        let route: &'static Route = Box::leak(Box::new(Route::from_parts(RouteParts {
            method: Method::Get,
            path: Box::leak(path.to_owned().into_boxed_str()),
            segments: &[PathSegment::Static("")],
            name: "openapi",
            handler: "docs_policy",
            module: "warden::App",
            policy: self.docs_policy,
            options: RouteOptions::NONE,
        })));
        made.push(route);
        Some(route)
    }

    /// The paths of the OpenAPI document and the docs page: well formed,
    /// distinct, and not taken by a route of the table.
    fn check_reserved_paths(&self) -> Result<(), BuildError> {
        let mut reserved: Vec<(String, &'static str)> = Vec::new();
        if let Some((path, _)) = &self.jwks {
            reserved.push((path.clone(), "the JWK Set"));
        }
        if let Some(schema_path) = &self.schema_path {
            reserved.push((schema_path.clone(), "the OpenAPI document"));
            if let Some(docs_path) = &self.docs_path {
                if !docs_path.starts_with('/') {
                    return Err(BuildError::InvalidPath {
                        path: docs_path.clone(),
                        reason: "must start with `/`",
                    });
                }
                reserved
                    .extend(docs_ui::paths(docs_path).into_iter().map(|p| (p, "the docs page")));
            }
        }
        for (i, (path, owner)) in reserved.iter().enumerate() {
            if !path.starts_with('/') {
                return Err(BuildError::InvalidPath {
                    path: path.clone(),
                    reason: "must start with `/`",
                });
            }
            if let Some((_, other)) = reserved[..i].iter().find(|(p, _)| p == path) {
                return Err(BuildError::DuplicateRoute {
                    route: format!("GET {path}"),
                    handlers: [(*other).to_owned(), (*owner).to_owned()],
                });
            }
            if let Some(route) = self.table().find(|r| r.path() == path) {
                return Err(BuildError::DuplicateRoute {
                    route: format!("{} {}", route.method(), route.path()),
                    handlers: [route.handler(), (*owner).to_owned()],
                });
            }
        }
        Ok(())
    }
}

/// The JWKS endpoint's OpenAPI operation: public, no security.
fn jwks_operation() -> serde_json::Value {
    serde_json::json!({
        "get": {
            "operationId": "jwks",
            "summary": "Public keys",
            "description": "The JWK Set (RFC 7517) of the keys this app signs tokens with.",
            "tags": ["Auth"],
            "security": [],
            "responses": {
                "200": {
                    "description": "The JWK Set",
                    "content": {"application/jwk-set+json": {"schema": {
                        "type": "object",
                        "required": ["keys"],
                        "properties": {"keys": {"type": "array", "items": {"type": "object"}}}
                    }}}
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_docs_route_is_made_once_per_path_and_policy() {
        let app =
            |path, policy| App::<()>::new("t", "1").schema_path(Some(path)).docs_policy(policy);
        let reader = Policy::Permissions(&["docs:read"]);
        let first = app("/schema/", reader).docs_route().expect("a protected document");
        let again = app("/schema/", reader).docs_route().expect("a protected document");
        assert!(std::ptr::eq(first, again), "built twice, made once");
        let other = app("/openapi.json", reader).docs_route().expect("a protected document");
        assert_eq!(other.path(), "/openapi.json");
        let anyone = app("/schema/", Policy::Authenticated).docs_route().expect("protected");
        assert_eq!(*anyone.policy(), Policy::Authenticated);
        assert!(app("/schema/", Policy::Public).docs_route().is_none());
    }
}

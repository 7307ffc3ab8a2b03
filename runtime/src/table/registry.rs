//! `routes![...]`: from annotated handlers to the static table and the
//! handlers to mount.

use std::fmt;

use axum::handler::Handler;
use axum::routing::{MethodFilter, MethodRouter};

use super::Route;

/// Turns a handler into a method router once the method filter is known.
#[doc(hidden)]
pub type Endpoint<S> = Box<dyn FnOnce(MethodFilter) -> MethodRouter<S> + Send>;

#[doc(hidden)]
pub fn endpoint<H, T, S>(handler: H) -> Endpoint<S>
where
    H: Handler<T, S>,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    Box::new(move |filter| axum::routing::on(filter, handler))
}

/// The routes gathered by [`routes!`](crate::routes!): the static permission
/// table plus the handlers to mount.
pub struct Routes<S = ()> {
    table: &'static [Route],
    endpoints: Vec<Endpoint<S>>,
}

impl<S> Routes<S> {
    #[doc(hidden)]
    pub fn new(table: &'static [Route], endpoints: Vec<Endpoint<S>>) -> Self {
        assert_eq!(
            table.len(),
            endpoints.len(),
            "routes! built a table and endpoints of different lengths"
        );
        Routes { table, endpoints }
    }

    /// The permission table: one [`Route`] per handler, in `routes![...]` order.
    pub fn table(&self) -> &'static [Route] {
        self.table
    }

    pub(crate) fn into_parts(self) -> (&'static [Route], Vec<Endpoint<S>>) {
        (self.table, self.endpoints)
    }
}

impl<S> fmt::Debug for Routes<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Routes").field("table", &self.table).finish_non_exhaustive()
    }
}

/// Gathers `#[route]` handlers into a [`Routes`]: the static permission table
/// (`&'static [Route]`) and the handlers, ready for an [`App`](crate::App).
///
/// ```
/// mod private {
///     #[warden::route(get, "/private/info/", permissions = ["my-permission-name"])]
///     pub async fn protected_info() {}
/// }
///
/// #[warden::route(get, "/public/info/", public)]
/// async fn public_info() {}
///
/// // With no state to infer it from, say which `Routes` this is.
/// let routes: warden::Routes = warden::routes![public_info, private::protected_info];
/// let paths: Vec<_> = routes.table().iter().map(|r| r.path()).collect();
/// assert_eq!(paths, ["/public/info/", "/private/info/"]);
/// ```
///
/// Each argument must be a function annotated with
/// [`#[route]`](crate::route); anything else is a compile error.
#[macro_export]
macro_rules! routes {
    ($($handler:path),* $(,)?) => {{
        const __WARDEN_ROUTES: &[$crate::__private::Route] =
            &[$(<$handler as $crate::__private::RouteDef>::ROUTE),*];
        // Two routes with one method and path are a compile error here.
        const _: () = $crate::__private::assert_distinct::<{ __WARDEN_ROUTES.len() }>(
            __WARDEN_ROUTES,
        );
        static __WARDEN_TABLE: &[$crate::__private::Route] = __WARDEN_ROUTES;
        $crate::Routes::new(
            __WARDEN_TABLE,
            $crate::__private::vec![$($crate::__private::endpoint($handler)),*],
        )
    }};
}

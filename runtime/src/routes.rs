//! `routes![...]`: from annotated handlers to the static table and the router.

use std::fmt;

use axum::handler::Handler;
use axum::routing::{MethodFilter, MethodRouter};

use crate::route::Route;

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

/// Fails const evaluation, naming both handlers, when two routes share a
/// method and a path (parameter names aside: axum cannot tell `/u/{id}` from
/// `/u/{name}`).
#[doc(hidden)]
pub const fn assert_distinct(routes: &[Route]) {
    let mut i = 0;
    while i < routes.len() {
        let mut j = i + 1;
        while j < routes.len() {
            let (a, b) = (&routes[i], &routes[j]);
            if same_str(a.name(), b.name()) {
                let message = Message::new()
                    .push("duplicate route name `")
                    .push(a.name())
                    .push("` (the OpenAPI operationId): used by both `")
                    .push(a.module_path())
                    .push("::")
                    .push(a.handler_name())
                    .push("` and `")
                    .push(b.module_path())
                    .push("::")
                    .push(b.handler_name())
                    .push("`; give one of them `name = \"...\"`");
                panic!("{}", message.as_str());
            }
            if a.method() as u8 == b.method() as u8 && same_shape(a.path(), b.path()) {
                let message = Message::new()
                    .push("duplicate route `")
                    .push(a.method().as_str())
                    .push(" ")
                    .push(a.path())
                    .push("`: declared by both `")
                    .push(a.module_path())
                    .push("::")
                    .push(a.handler_name())
                    .push("` and `")
                    .push(b.module_path())
                    .push("::")
                    .push(b.handler_name())
                    .push("`");
                panic!("{}", message.as_str());
            }
            j += 1;
        }
        i += 1;
    }
}

const fn same_str(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Paths equal up to parameter names.
const fn same_shape(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] != b[j] {
            return false;
        }
        if a[i] == b'{' {
            // Wildcards must match wildcards; names are skipped.
            let (wa, wb) =
                (i + 1 < a.len() && a[i + 1] == b'*', j + 1 < b.len() && b[j + 1] == b'*');
            if wa != wb {
                return false;
            }
            while i < a.len() && a[i] != b'}' {
                i += 1;
            }
            while j < b.len() && b[j] != b'}' {
                j += 1;
            }
            continue;
        }
        i += 1;
        j += 1;
    }
    i == a.len() && j == b.len()
}

/// A fixed buffer to build a panic message in const context, where `format!`
/// is unavailable. Long messages are cut at a character boundary.
struct Message {
    bytes: [u8; 512],
    len: usize,
}

impl Message {
    const fn new() -> Self {
        Message { bytes: [0; 512], len: 0 }
    }

    const fn push(mut self, text: &str) -> Self {
        let text = text.as_bytes();
        let mut i = 0;
        while i < text.len() && self.len < self.bytes.len() {
            self.bytes[self.len] = text[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    const fn as_str(&self) -> &str {
        let mut len = self.len;
        loop {
            let (head, _) = self.bytes.split_at(len);
            match core::str::from_utf8(head) {
                Ok(text) => return text,
                Err(_) => len -= 1,
            }
        }
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
        const _: () = $crate::__private::assert_distinct(__WARDEN_ROUTES);
        static __WARDEN_TABLE: &[$crate::__private::Route] = __WARDEN_ROUTES;
        $crate::Routes::new(
            __WARDEN_TABLE,
            $crate::__private::vec![$($crate::__private::endpoint($handler)),*],
        )
    }};
}

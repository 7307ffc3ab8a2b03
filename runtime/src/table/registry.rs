//! `routes![...]`: from annotated handlers to the static table and the
//! handlers to mount.

use std::fmt;

use axum::handler::Handler;
use axum::routing::MethodRouter;

use super::{Method, Route};

/// How `routes![...]` mounts a handler, chosen by its companion's
/// [`RouteDef::Mount`](super::RouteDef::Mount): [`Checked`] requires an
/// axum handler, [`Unchecked`] requires nothing.
///
/// The method router is made right here, as `axum::routing::get(handler)`
/// would make it: per handler, rustc instantiates only this fn and axum's
/// own. (A boxed `FnOnce` that made it later cost each handler a closure,
/// its vtable and its drop glue, all codegened again, 500 at a time, when
/// one handler is edited: `scripts/bench-compile.sh`.)
#[doc(hidden)]
pub trait Mount<H, T, S> {
    fn endpoint(handler: H, method: Method) -> MethodRouter<S>;
}

/// The handler of a valid `#[route]`.
#[doc(hidden)]
#[derive(Debug)]
pub enum Checked {}

/// The handler of a `#[route]` that already reported an error about its
/// signature (e.g. a `fn` that is not `async`): the build fails anyway, and
/// axum's "not a handler" error about the same fn would only repeat it, from
/// inside Warden.
#[doc(hidden)]
#[derive(Debug)]
pub enum Unchecked {}

impl<H, T, S> Mount<H, T, S> for Checked
where
    H: Handler<T, S>,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    fn endpoint(handler: H, method: Method) -> MethodRouter<S> {
        axum::routing::on(method.filter(), handler)
    }
}

impl<H, S> Mount<H, (), S> for Unchecked
where
    S: Clone + Send + Sync + 'static,
{
    fn endpoint(_: H, _: Method) -> MethodRouter<S> {
        MethodRouter::new()
    }
}

/// The routes gathered by [`routes!`](crate::routes!): the static permission
/// table plus the handlers to mount.
pub struct Routes<S = ()> {
    table: &'static [Route],
    endpoints: Vec<MethodRouter<S>>,
}

impl<S> Routes<S> {
    #[doc(hidden)]
    pub fn new(table: &'static [Route], endpoints: Vec<MethodRouter<S>>) -> Self {
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

    pub(crate) fn into_parts(self) -> (&'static [Route], Vec<MethodRouter<S>>) {
        (self.table, self.endpoints)
    }
}

impl<S> fmt::Debug for Routes<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Routes").field("table", &self.table).finish_non_exhaustive()
    }
}

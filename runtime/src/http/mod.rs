//! HTTP plumbing shared by every route: the error envelope ([`HttpError`]),
//! [`Json<T>`], the rewrite of axum's plain-text rejections into the
//! envelope, and serving.

mod envelope;
mod json;
mod no_store;
pub(crate) mod rejection;
mod serve;

pub use envelope::HttpError;
pub use json::Json;
pub use no_store::NoStore;
pub use serve::Server;
pub use serve::{ServeError, serve, serve_listener};

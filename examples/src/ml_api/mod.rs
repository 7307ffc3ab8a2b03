//! The `ml_api` example: the iris classifier it serves ([`model`]), the
//! accounts that may use it ([`users`]), what each role may do ([`roles`]),
//! the sign-in rate limit ([`limit`]) and the HTTP API ([`app`]).

pub mod app;
pub mod limit;
pub mod model;
pub mod roles;
pub mod users;

pub use model::{InputError, IrisModel, ModelError, ModelInfo, PredictRequest, Prediction};
pub use roles::{Role, UnknownRole};
pub use users::{Database, StoreError, User, UserStore};

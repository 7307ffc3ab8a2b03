//! The domain of the `ml_api` example, without HTTP: the iris classifier it
//! serves ([`model`]), the accounts that may use it ([`users`]) and what
//! each role may do ([`roles`]).

pub mod model;
pub mod roles;
pub mod users;

pub use model::{InputError, IrisModel, ModelError, ModelInfo, PredictRequest, Prediction};
pub use roles::{Role, UnknownRole};
pub use users::{Database, StoreError, User, UserStore};

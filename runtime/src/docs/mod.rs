//! What the app says about itself: the OpenAPI 3.1 document (`openapi`) and
//! the interactive docs page (`ui`), both built from the table the auth
//! layer enforces.

pub(crate) mod openapi;
pub(crate) mod ui;

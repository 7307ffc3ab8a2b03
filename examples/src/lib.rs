//! The apps behind the runnable examples, as a library so that the test
//! suite can drive exactly what `cargo run --example ...` serves.

pub mod jwt_api;
pub mod ml_api;
pub mod telemetry;

//! The apps behind the runnable examples, as a library so that the test
//! suite can drive exactly what `cargo run --example ...` serves.

pub mod jwt_api;
pub mod env {
    //! The examples' own variables (`ADDR`, `PREFIX`, `DATABASE_URL`, ...).

    /// `name`'s value; `None` when unset or empty (as `warden::config`
    /// reads `JWT_*`: `VAR=${VAR:-}` in a compose file); an error naming it
    /// when it is not UTF-8, rather than the default a typo'd byte would
    /// otherwise get (`REDIS_URL` falling back to in-memory sessions, say).
    pub fn var(name: &str) -> Result<Option<String>, String> {
        match std::env::var(name) {
            Ok(value) if value.trim().is_empty() => Ok(None),
            Ok(value) => Ok(Some(value)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(format!("{name}: is not valid UTF-8")),
        }
    }
}
pub mod ml_api;
pub mod telemetry;

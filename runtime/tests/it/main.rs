//! Runtime integration tests: requests through the built router in-process.

mod support;

mod enforcement;
mod responses;
mod serve;
mod startup;
mod tokens;

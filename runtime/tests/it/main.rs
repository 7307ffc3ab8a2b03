//! Runtime integration tests: requests through the built router in-process.

mod support;

mod asymmetric;
mod audit;
mod docs_page;
mod enforcement;
mod responses;
mod startup;
mod tamper;
mod tokens;

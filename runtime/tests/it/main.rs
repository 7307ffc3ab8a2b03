//! Runtime integration tests: requests through the built router in-process.

mod support;

mod asymmetric;
mod audit;
mod compose;
mod docs_page;
mod enforcement;
mod jwks;
mod layouts;
mod redis_store;
mod responses;
mod serve;
mod sessions;
mod startup;
mod tamper;
mod tokens;
mod websocket;

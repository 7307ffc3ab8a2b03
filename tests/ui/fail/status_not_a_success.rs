#![allow(unused_imports)]
use warden::route;

// An error answer is documented with `responses(...)`, not `status`.
#[route(get, "/models/{id}", public, status = 404)]
async fn get_model() {}

fn main() {}

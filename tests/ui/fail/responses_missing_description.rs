#![allow(unused_imports)]
use warden::route;

#[route(get, "/models/{id}", public, responses(404))]
async fn get_model() {}

fn main() {}

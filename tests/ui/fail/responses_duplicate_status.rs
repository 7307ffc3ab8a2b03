#![allow(unused_imports)]
use warden::route;

#[route(get, "/models/{id}", public, responses(404 = "no such model", 404 = "gone"))]
async fn get_model() {}

fn main() {}

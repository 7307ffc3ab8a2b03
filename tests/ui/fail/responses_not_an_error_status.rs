#![allow(unused_imports)]
use warden::route;

#[route(post, "/models/", public, responses(201 = "created"))]
async fn create_model() {}

fn main() {}

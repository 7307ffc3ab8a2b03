#![allow(unused_imports)]
use warden::route;

#[route(post, "/models/", public, status = "201")]
async fn create_model() {}

fn main() {}

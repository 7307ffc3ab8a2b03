#![allow(unused_imports)]
use warden::route;

#[route(post, "/auth/", public, name = "signin", name = "login")]
async fn sign_in() {}

fn main() {}

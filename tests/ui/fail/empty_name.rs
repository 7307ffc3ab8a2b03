#![allow(unused_imports)]
use warden::route;

#[route(post, "/auth/", public, name = "")]
async fn sign_in() {}

fn main() {}

#![allow(unused_imports)]
use warden::route;

#[route(get, "/admin", "admin")]
async fn admin() {}

fn main() {}

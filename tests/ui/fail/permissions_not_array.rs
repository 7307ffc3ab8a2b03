#![allow(unused_imports)]
use warden::route;

#[route(get, "/admin", permissions = "admin")]
async fn admin() {}

fn main() {}

#![allow(unused_imports)]
use warden::route;

#[route(get, "/admin", permissions = ["admin", "audit", "admin"])]
async fn admin() {}

fn main() {}

#![allow(unused_imports)]
use warden::route;

#[route(get, "/admin", permissions = ["read users"])]
async fn admin() {}

fn main() {}

#![allow(unused_imports)]
use warden::route;

#[route(get, "/admin", permission = ["admin"])]
async fn admin() {}

fn main() {}

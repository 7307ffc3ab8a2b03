#![allow(unused_imports)]
use warden::route;

#[route(get, "/admin", permissions = [])]
async fn admin() {}

fn main() {}

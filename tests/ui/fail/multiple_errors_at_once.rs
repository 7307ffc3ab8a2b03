#![allow(unused_imports)]
use warden::route;

#[route(GET, "users/:id", permissions = ["admin", "admin"], tags = [])]
fn get_user() {}

fn main() {}

#![allow(unused_imports)]
use warden::route;

#[route(get, "/users", public)]
fn list_users() {}

fn main() {}

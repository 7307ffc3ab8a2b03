#![allow(unused_imports)]
use warden::route;

#[route(get, "/users", public)]
struct Users {}

fn main() {}

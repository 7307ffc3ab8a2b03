#![allow(unused_imports)]
use warden::route;

#[route(get, "/users", tags = ["Users"])]
async fn list_users() {}

fn main() {}

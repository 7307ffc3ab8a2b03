#![allow(unused_imports)]
use warden::route;

#[route(get, "/users", public, tags = ["Users", "Admin", "Users"])]
async fn list_users() {}

fn main() {}

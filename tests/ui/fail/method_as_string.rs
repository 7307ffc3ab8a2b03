#![allow(unused_imports)]
use warden::route;

#[route("get", "/users", public)]
async fn list_users() {}

fn main() {}

#![allow(unused_imports)]
use warden::route;

#[route(fetch, "/users", public)]
async fn list_users() {}

fn main() {}

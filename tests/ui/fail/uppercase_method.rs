#![allow(unused_imports)]
use warden::route;

#[route(GET, "/users", public)]
async fn list_users() {}

fn main() {}

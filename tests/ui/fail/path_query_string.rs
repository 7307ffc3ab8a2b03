#![allow(unused_imports)]
use warden::route;

#[route(get, "/users?active=true", public)]
async fn list_users() {}

fn main() {}

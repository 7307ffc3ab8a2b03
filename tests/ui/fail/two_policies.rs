#![allow(unused_imports)]
use warden::route;

#[route(get, "/users", public, authenticated)]
async fn list_users() {}

fn main() {}

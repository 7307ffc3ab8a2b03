#![allow(unused_imports)]
use warden::route;

#[route(get, "/users", public, summary = "List users")]
async fn list_users() {}

fn main() {}

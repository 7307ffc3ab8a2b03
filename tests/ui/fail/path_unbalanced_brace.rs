#![allow(unused_imports)]
use warden::route;

#[route(get, "/users/{id", public)]
async fn get_user() {}

fn main() {}

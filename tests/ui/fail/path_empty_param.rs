#![allow(unused_imports)]
use warden::route;

#[route(get, "/users/{}", public)]
async fn get_user() {}

fn main() {}

#![allow(unused_imports)]
use warden::route;

#[route(get, "/teams/{id}/users/{id}", public)]
async fn get_member() {}

fn main() {}

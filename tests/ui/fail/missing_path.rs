#![allow(unused_imports)]
use warden::route;

#[route(get)]
async fn list_users() {}

fn main() {}

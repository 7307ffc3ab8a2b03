#![allow(unused_imports)]
use warden::route;

#[route(get, "/files/*rest", public)]
async fn get_file() {}

fn main() {}

#![allow(unused_imports)]
use warden::route;

#[route(get, "/admin", permissions = ["administración"])]
async fn admin() {}

fn main() {}

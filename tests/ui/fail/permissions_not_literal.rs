#![allow(unused_imports)]
use warden::route;

const ADMIN: &str = "admin";

#[route(get, "/admin", permissions = [ADMIN])]
async fn admin() {}

fn main() {}

#![allow(unused_imports)]
use warden::route;

#[route]
async fn list_users() {}

fn main() {}

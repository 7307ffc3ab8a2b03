#![allow(unused_imports)]
use warden::route;

#[route(get, "/a", permissions = any())]
async fn empty_any() {}

#[route(get, "/b", permissions = either("a", "b"))]
async fn unknown_combinator() {}

#[route(get, "/c", permissions = all("a", any("b", "b")))]
async fn duplicate_inside_any() {}

fn main() {}

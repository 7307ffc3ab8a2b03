#![allow(unused_imports)]
use axum::extract::Query;
use serde::Deserialize;
use warden::route;

#[derive(Deserialize)]
struct Page {
    _limit: u32,
}

#[route(get, "/models/", public)]
async fn list_models(Query(_page): Query<Page>) {}

fn main() {}

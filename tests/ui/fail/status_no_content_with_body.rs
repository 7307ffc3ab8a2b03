#![allow(unused_imports)]
use warden::{Json, route};

#[route(get, "/models/", public, status = 204)]
async fn list_models() -> Json<Vec<String>> {
    Json(Vec::new())
}

fn main() {}

#![allow(unused_imports)]
use serde::Deserialize;
use warden::{Json, route};

#[derive(Deserialize)]
struct NewUser {
    name: String,
}

#[route(post, "/users/", permissions = ["users:write"])]
async fn create_user(Json(user): Json<NewUser>) -> String {
    user.name
}

fn main() {}

#![allow(unused_imports)]
use warden::route;

use axum::extract::Path;

#[route(get, "/teams/{team}/users", public)]
async fn list_members(Path((_team, _user)): Path<(u32, u32)>) {}

fn main() {}

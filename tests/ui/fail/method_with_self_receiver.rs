#![allow(unused_imports)]
use warden::route;

struct Api;

impl Api {
    #[route(get, "/users", public)]
    async fn list_users(&self) {}
}

fn main() {}

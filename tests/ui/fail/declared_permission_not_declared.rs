#![allow(unused_imports)]
use warden::route;

mod perms {
    pub const ADMIN: &str = "admin";
}

// A path in a permission expression must name a `warden::permissions!`
// variant; a string constant is not one.
#[route(get, "/admin", permissions = any("root", perms::ADMIN))]
async fn admin() {}

fn main() {}

#![allow(unused_imports)]
use warden::route;

// The one error is the missing `async`: listing the fn adds no second one.
#[route(get, "/users", public)]
fn list_users() {}

fn main() {
    let _routes: warden::Routes = warden::routes![list_users];
}

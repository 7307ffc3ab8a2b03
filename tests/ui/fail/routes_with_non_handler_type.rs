#![allow(unused_imports)]
use warden::route;

#[route(get, "/users", public)]
async fn list_users() {}

// A type of the same name as a handler, but no `#[route]`.
#[allow(non_camel_case_types)]
struct get_user {}

#[allow(dead_code)]
async fn get_user() {}

fn main() {
    let _routes: warden::Routes = warden::routes![list_users, get_user];
}

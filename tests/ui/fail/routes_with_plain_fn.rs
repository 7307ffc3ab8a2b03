#![allow(unused_imports)]
use warden::route;

#[route(get, "/users", public)]
async fn list_users() {}

async fn get_user() {}

fn main() {
    let _routes: warden::Routes = warden::routes![list_users, get_user];
}

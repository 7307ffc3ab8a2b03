#![allow(unused_imports)]
use warden::route;

warden::permissions! {
    pub enum Perm {
        MyPermissionName = "my-permission-name",
        Admin = "admin",
    }
}

#[route(get, "/private/info/", permissions = [Perm::MyPermisionName])]
async fn protected_info() {}

fn main() {
    let _routes: warden::Routes = warden::routes![protected_info];
}

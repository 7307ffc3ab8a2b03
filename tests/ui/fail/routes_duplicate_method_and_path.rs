#![allow(unused_imports)]
use warden::route;

mod users {
    use warden::route;

    #[route(get, "/users/{id}", authenticated)]
    pub async fn get_user() {}
}

mod admin {
    use warden::route;

    // Same method and path as `users::get_user`, parameter named differently.
    #[route(get, "/users/{user_id}", permissions = ["admin"])]
    pub async fn get_user_as_admin() {}
}

fn main() {
    let _routes: warden::Routes = warden::routes![users::get_user, admin::get_user_as_admin];
}

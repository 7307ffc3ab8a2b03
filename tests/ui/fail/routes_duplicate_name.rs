#![allow(unused_imports)]

mod users {
    #[warden::route(get, "/users/", authenticated)]
    pub async fn list() {}
}

mod models {
    // Same name as `users::list`: the OpenAPI operationId must be unique.
    #[warden::route(get, "/models/", authenticated)]
    pub async fn list() {}
}

fn main() {
    let _routes: warden::Routes = warden::routes![users::list, models::list];
}

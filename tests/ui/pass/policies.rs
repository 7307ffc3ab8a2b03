use warden::{Policy, route};

#[route(get, "/public", public)]
async fn open() {}

#[route(get, "/me", authenticated)]
async fn me() {}

#[route(delete, "/users/{id}", permissions = ["users:write", "admin"])]
async fn delete_user() {}

fn main() {
    let routes: warden::Routes = warden::routes![open, me, delete_user];
    let policies: Vec<Policy> = routes.table().iter().map(|r| *r.policy()).collect();
    assert_eq!(
        policies,
        [Policy::Public, Policy::Authenticated, Policy::Permissions(&["users:write", "admin"])]
    );
}

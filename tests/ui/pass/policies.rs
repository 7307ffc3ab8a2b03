use warden::{Policy, route};

#[route(get, "/public", public)]
async fn open() {}

#[route(get, "/me", authenticated)]
async fn me() {}

#[route(delete, "/users/{id}", permissions = ["users:write", "admin"])]
async fn delete_user() {}

#[route(get, "/feed", optional)]
async fn feed() {}

fn main() {
    let routes: warden::Routes = warden::routes![open, me, delete_user, feed];
    let policies: Vec<Policy> = routes.table().iter().map(|r| *r.policy()).collect();
    assert_eq!(
        policies,
        [
            Policy::Public,
            Policy::Authenticated,
            Policy::Permissions(&["users:write", "admin"]),
            Policy::Optional,
        ]
    );
    assert_eq!(routes.table()[3].to_string(), "GET     /feed feed optional");
}

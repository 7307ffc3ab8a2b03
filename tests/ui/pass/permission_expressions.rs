//! `any`/`all`, nesting, lists inside them, and declared permissions.
use warden::{Policy, route};

warden::permissions! {
    /// The permissions of this API.
    pub enum Perm {
        MyPermissionName = "my-permission-name",
        Admin = "admin",
    }
}

#[route(get, "/declared/", permissions = [Perm::MyPermissionName])]
async fn declared() {}

#[route(get, "/any/", permissions = any(Perm::Admin, ["models:read", "models:write"]))]
async fn either() {}

#[route(get, "/nested/", permissions = all("a", any("b", "c")))]
async fn nested() {}

#[route(get, "/absorbed/", permissions = any("a", all("a", "b")))]
async fn absorbed() {}

fn main() {
    let routes: warden::Routes = warden::routes![declared, either, nested, absorbed];
    let policies: Vec<Policy> = routes.table().iter().map(|r| *r.policy()).collect();
    assert_eq!(policies[0], Policy::Permissions(&["my-permission-name"]));
    assert_eq!(policies[1], Policy::AnyOf(&[&["admin"], &["models:read", "models:write"]]));
    assert_eq!(policies[2], Policy::AnyOf(&[&["a", "b"], &["a", "c"]]));
    assert_eq!(policies[3], Policy::Permissions(&["a"]));
    assert_eq!(Perm::ALL.len(), 2);
    assert_eq!(Perm::Admin.to_string(), "admin");
}

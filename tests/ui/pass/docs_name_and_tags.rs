use warden::route;

/// Sign in
///
/// Exchanges credentials for a token.
///
/// The token carries the user's permissions.
#[route(post, "/auth/", public, name = "signin", tags = ["Auth", "Public"])]
async fn sign_in() {}

#[route(get, "/undocumented", public)]
async fn undocumented() {}

fn main() {
    let routes: warden::Routes = warden::routes![sign_in, undocumented];
    let [signin, plain] = routes.table() else { panic!("two routes") };
    assert_eq!(signin.name(), "signin");
    assert_eq!(signin.tags(), ["Auth", "Public"]);
    assert_eq!(signin.summary(), Some("Sign in"));
    assert_eq!(
        signin.description(),
        Some("Exchanges credentials for a token.\n\nThe token carries the user's permissions.")
    );
    assert_eq!(plain.name(), "undocumented");
    assert_eq!(plain.tags(), [] as [&str; 0]);
    assert_eq!((plain.summary(), plain.description()), (None, None));
}

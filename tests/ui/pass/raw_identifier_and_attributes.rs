use warden::route;

/// Types.
#[route(get, "/types", public)]
#[allow(clippy::unused_async)]
#[must_use]
pub async fn r#type() -> &'static str {
    "types"
}

// `#[cfg]` after `#[route]` reaches the macro, which repeats it on the
// companion; otherwise the struct would outlive the fn.
#[route(get, "/never", public)]
#[cfg(any())]
async fn never_compiled() {}

fn main() {
    let routes: warden::Routes = warden::routes![r#type];
    let route = &routes.table()[0];
    assert_eq!((route.name(), route.summary()), ("type", Some("Types.")));
}

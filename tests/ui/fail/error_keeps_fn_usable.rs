#![allow(unused_imports)]
use warden::route;

// The only error is the missing policy: the fn is still emitted, so the
// call below does not add "cannot find function" errors.
#[route(get, "/users")]
async fn list_users() -> &'static str {
    "users"
}

fn main() {
    let _future = list_users();
}

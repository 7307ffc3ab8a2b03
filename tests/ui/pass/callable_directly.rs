use axum::Json;
use warden::route;

/// Adds two numbers.
#[route(get, "/add/{a}/{b}", public)]
async fn add(axum::extract::Path((a, b)): axum::extract::Path<(i32, i32)>) -> Json<i32> {
    Json(a + b)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let Json(sum) = runtime.block_on(add(axum::extract::Path((2, 3))));
    assert_eq!(sum, 5);

    // The fn is still a value, e.g. for `axum::routing::get`.
    let _router: axum::Router = axum::Router::new().route("/add/{a}/{b}", axum::routing::get(add));
}

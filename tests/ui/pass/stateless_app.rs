//! A stateless app's router needs no type annotation: serving it (with
//! `axum::serve`, `warden::serve` or `oneshot`) is enough for rustc.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use warden::{App, Json, route, routes};

#[route(get, "/hello/", public)]
async fn hello() -> Json<&'static str> {
    Json("hello")
}

// Never called: that they compile is the test.
#[allow(dead_code)]
async fn serve_with_axum() -> Result<(), Box<dyn std::error::Error>> {
    let app = App::new("Demo", "1.0.0").routes(routes![hello]).build()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    axum::serve(listener, app).await?;
    Ok(())
}

#[allow(dead_code)]
async fn serve_with_warden() -> Result<(), Box<dyn std::error::Error>> {
    let app = App::new("Demo", "1.0.0").routes(routes![hello]).build()?;
    warden::serve(app, "127.0.0.1:8000".parse()?).await?;
    Ok(())
}

fn main() {
    let app = App::new("Demo", "1.0.0").routes(routes![hello]).build().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let request = Request::get("/hello/").body(Body::empty()).unwrap();
    let response = runtime.block_on(tower::ServiceExt::oneshot(app, request)).unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

use warden::{Method, route};

#[route(get, "/r", public)]
async fn g() {}
#[route(post, "/r", public)]
async fn po() {}
#[route(put, "/r", public)]
async fn pu() {}
#[route(patch, "/r", public)]
async fn pa() {}
#[route(delete, "/r", public)]
async fn d() {}
#[route(head, "/r", public)]
async fn h() {}
#[route(options, "/r", public)]
async fn o() {}
#[route(trace, "/r", public)]
async fn t() {}

fn main() {
    let routes: warden::Routes = warden::routes![g, po, pu, pa, d, h, o, t];
    let methods: Vec<Method> = routes.table().iter().map(|r| r.method()).collect();
    use Method::*;
    assert_eq!(methods, [Get, Post, Put, Patch, Delete, Head, Options, Trace]);
}

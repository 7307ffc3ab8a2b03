// The expansion refers to the runtime as `::warden::__private`, so a local
// item named `warden` cannot capture it.
mod api {
    #[allow(dead_code)]
    mod warden {}

    #[::warden::route(get, "/", public)]
    pub async fn index() {}
}

fn main() {
    let routes: warden::Routes = warden::routes![api::index];
    assert_eq!(routes.table().len(), 1);
}

mod api {
    use warden::route;

    #[route(get, "/health", public)]
    pub(crate) async fn health() -> &'static str {
        "ok"
    }

    pub(super) mod nested {
        #[warden::route(get, "/ready", public)]
        pub(in crate::api) async fn ready() {}

        pub(crate) fn routes() -> warden::Routes {
            warden::routes![ready, super::health]
        }
    }
}

fn main() {
    assert_eq!(api::nested::routes().table().len(), 2);
    let routes: warden::Routes = warden::routes![api::health];
    assert_eq!(routes.table()[0].path(), "/health");
}

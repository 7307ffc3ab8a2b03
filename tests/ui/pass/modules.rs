mod users {
    use warden::route;

    #[route(get, "/users/{id}", authenticated)]
    pub async fn get_user() {}

    pub mod admin {
        #[warden::route(delete, "/users/{id}", permissions = ["admin"])]
        pub async fn delete_user() {}
    }
}

#[warden::route(get, "/", public)]
async fn index() {}

fn main() {
    let routes: warden::Routes = warden::routes![index, users::get_user, users::admin::delete_user];
    let table = routes.table();
    assert_eq!(table.len(), 3);
    // `module_path!()` of the handler's module; the crate name is trybuild's.
    assert!(table[1].handler().ends_with("::users::get_user"));
    assert!(table[2].handler().ends_with("::users::admin::delete_user"));
    assert_eq!(table[2].method(), warden::Method::Delete);
}

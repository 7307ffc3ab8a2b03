use warden::route as endpoint;

#[endpoint(get, "/public/info/", public)]
async fn public_info() {}

fn main() {
    let routes: warden::Routes = warden::routes![public_info];
    assert_eq!(routes.table().len(), 1);
}

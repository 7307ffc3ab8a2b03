#![deny(dead_code)]
use warden::route;

#[route(get, "/mounted/", public)]
async fn mounted() {}

// Never listed in a `routes![...]`: a private handler is then dead code.
#[route(get, "/forgotten/", permissions = ["admin"])]
async fn forgotten() {}

fn main() {
    let _routes: warden::Routes = warden::routes![mounted];
}

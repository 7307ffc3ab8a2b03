//! Response bodies are found through `Result` and response tuples; other
//! return types document no body and need no `JsonSchema`.
use axum::http::StatusCode;
use axum::response::IntoResponse;
use warden::{HttpError, Json, route};

#[derive(serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
struct Model {
    name: String,
}

#[route(get, "/models/{id}", authenticated)]
async fn get_model(axum::extract::Path(id): axum::extract::Path<String>) -> Result<Json<Model>, HttpError> {
    Ok(Json(Model { name: id }))
}

#[route(post, "/models/", permissions = ["models:write"])]
async fn create_model(Json(model): Json<Model>) -> (StatusCode, Json<Model>) {
    (StatusCode::CREATED, Json(model))
}

struct Opaque;

#[route(get, "/opaque/", public)]
async fn opaque() -> impl IntoResponse {
    let _ = Opaque;
    "text"
}

fn main() {
    let routes: warden::Routes = warden::routes![get_model, create_model, opaque];
    let mut generator = warden::schemars::SchemaGenerator::default();
    let [get, create, opaque] = routes.table() else { panic!() };
    assert!(get.response_schema(&mut generator).is_some());
    assert!(get.request_schema(&mut generator).is_none());
    assert!(create.request_schema(&mut generator).is_some());
    assert!(create.response_schema(&mut generator).is_some());
    assert!(opaque.response_schema(&mut generator).is_none());
}

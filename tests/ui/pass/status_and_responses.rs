use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use warden::{Json, route};

#[derive(Deserialize, Serialize, schemars::JsonSchema)]
struct Model {
    name: String,
}

#[route(post, "/models/", authenticated, status = 201, responses(409 = "name taken", 422 = "bad name"))]
async fn create_model(Json(model): Json<Model>) -> (StatusCode, Json<Model>) {
    (StatusCode::CREATED, Json(model))
}

#[route(delete, "/models/{id}", permissions = ["models:write"], status = 204, responses(404 = "no such model"))]
async fn delete_model(axum::extract::Path(_id): axum::extract::Path<u32>) -> StatusCode {
    StatusCode::NO_CONTENT
}

#[route(get, "/models/", public)]
async fn list_models() -> Json<Vec<Model>> {
    Json(Vec::new())
}

fn main() {
    let routes: warden::Routes = warden::routes![create_model, delete_model, list_models];
    let table = routes.table();
    assert_eq!(table[0].status(), 201);
    assert_eq!(table[0].responses(), [(409, "name taken"), (422, "bad name")]);
    assert_eq!(table[1].status(), 204);
    assert_eq!(table[1].responses(), [(404, "no such model")]);
    assert_eq!(table[2].status(), 200);
    assert!(table[2].responses().is_empty());
}

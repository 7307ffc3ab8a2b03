use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use warden::route;

#[derive(Clone)]
struct AppState {
    greeting: &'static str,
}

#[derive(Deserialize, schemars::JsonSchema)]
struct Page {
    limit: Option<u32>,
}

#[derive(Deserialize, Serialize, schemars::JsonSchema)]
struct User {
    id: u32,
    name: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
struct MemberPath {
    team: u32,
    user: u32,
}

#[route(get, "/users/{id}", authenticated)]
async fn get_user(State(state): State<AppState>, Path(id): Path<u32>) -> Json<User> {
    Json(User { id, name: state.greeting.to_owned() })
}

#[route(get, "/users", authenticated)]
async fn list_users(Query(page): Query<Page>) -> Json<Vec<User>> {
    let _ = page.limit;
    Json(Vec::new())
}

#[route(post, "/users", permissions = ["users:write"])]
async fn create_user(State(_state): State<AppState>, Json(user): Json<User>) -> Json<User> {
    Json(user)
}

#[route(get, "/teams/{team}/users/{user}", authenticated)]
async fn get_member(Path((team, user)): Path<(u32, u32)>) -> String {
    format!("{team}/{user}")
}

#[route(get, "/teams/{team}/members/{user}", authenticated)]
async fn get_member_by_struct(Path(path): Path<MemberPath>) -> String {
    format!("{}/{}", path.team, path.user)
}

#[route(get, "/files/{*rest}", public)]
async fn get_file(Path(rest): Path<String>) -> String {
    rest
}

fn main() {
    let routes: warden::Routes<AppState> = warden::routes![
        get_user,
        list_users,
        create_user,
        get_member,
        get_member_by_struct,
        get_file,
    ];
    assert_eq!(routes.table().len(), 6);
    let _ = AppState { greeting: "hello" };
}

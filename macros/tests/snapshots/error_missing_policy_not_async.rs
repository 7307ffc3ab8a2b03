// Expansion snapshot written by `macros/src/expand.rs`.
// Regenerate: UPDATE_EXPECT=1 cargo test -p warden-macros

/// Lists users.
pub fn list_users() -> Json<Vec<User>> {
    Json(vec![])
}
::core::compile_error! {
    "route `list_users`: missing access policy\nhelp: add `public`, `authenticated`, `optional` or `permissions = [\"...\"]` after the path\nnote: routes are denied by default; every route states who may call it"
}
::core::compile_error! {
    "route `list_users`: handler must be an `async fn`\nhelp: add `async` before `fn`"
}

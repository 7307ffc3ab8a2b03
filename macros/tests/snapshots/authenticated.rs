// Expansion snapshot written by `macros/src/expand.rs`.
// Regenerate: UPDATE_EXPECT=1 cargo test -p warden-macros

pub async fn delete_user(Path(id): Path<u32>) -> StatusCode {
    StatusCode::NO_CONTENT
}
#[doc(hidden)]
#[allow(non_camel_case_types)]
pub struct delete_user {}
const _: () = {
    use ::warden::__private as __warden;
    #[allow(clippy::needless_update)]
    #[automatically_derived]
    #[diagnostic::do_not_recommend]
    impl __warden::RouteDef for delete_user {
        const ROUTE: __warden::Route = __warden::Route::from_parts(__warden::RouteParts {
            method: __warden::Method::Delete,
            path: "/users/{id}",
            segments: &[
                __warden::PathSegment::Static("users"),
                __warden::PathSegment::Param("id"),
            ],
            name: "delete_user",
            handler: "delete_user",
            module: ::core::module_path!(),
            policy: __warden::Policy::Authenticated,
            options: __warden::RouteOptions {
                path_params: __warden::Some(
                    <u32 as ::warden::__private::PathSchema>::schema,
                ),
                ..__warden::RouteOptions::NONE
            },
        });
        type Mount = __warden::Checked;
    }
};

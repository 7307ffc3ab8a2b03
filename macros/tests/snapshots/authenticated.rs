// Expansion snapshot written by `macros/src/expand.rs`.
// Regenerate: UPDATE_EXPECT=1 cargo test -p warden-macros

pub async fn delete_user(Path(id): Path<u32>) -> StatusCode {
    StatusCode::NO_CONTENT
}
#[doc(hidden)]
#[allow(non_camel_case_types)]
pub struct delete_user {}
#[automatically_derived]
#[diagnostic::do_not_recommend]
impl ::warden::__private::RouteDef for delete_user {
    const ROUTE: ::warden::__private::Route = ::warden::__private::Route::from_parts(::warden::__private::RouteParts {
        method: ::warden::__private::Method::Delete,
        path: "/users/{id}",
        segments: &[
            ::warden::__private::PathSegment::Static("users"),
            ::warden::__private::PathSegment::Param("id"),
        ],
        name: "delete_user",
        handler: "delete_user",
        module: ::core::module_path!(),
        policy: ::warden::__private::Policy::Authenticated,
        tags: &[],
        summary: ::core::option::Option::None,
        description: ::core::option::Option::None,
        request_body: ::core::option::Option::None,
        response_body: ::core::option::Option::None,
        path_params: ::core::option::Option::Some(
            <u32 as ::warden::__private::PathSchema>::schema,
        ),
        query_params: ::core::option::Option::None,
        status: 200,
        responses: &[],
    });
    type Mount = ::warden::__private::Checked;
}

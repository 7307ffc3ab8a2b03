// Expansion snapshot written by `macros/src/expand.rs`.
// Regenerate: UPDATE_EXPECT=1 cargo test -p warden-macros

fn list_users() {}
#[doc(hidden)]
#[allow(non_camel_case_types)]
struct list_users {}
#[automatically_derived]
#[diagnostic::do_not_recommend]
impl ::warden::__private::RouteDef for list_users {
    const ROUTE: ::warden::__private::Route = ::warden::__private::Route::from_parts(::warden::__private::RouteParts {
        method: ::warden::__private::Method::Get,
        path: "/users",
        segments: &[::warden::__private::PathSegment::Static("users")],
        name: "list_users",
        handler: "list_users",
        module: ::core::module_path!(),
        policy: ::warden::__private::Policy::Public,
        tags: &[],
        summary: ::core::option::Option::None,
        description: ::core::option::Option::None,
        request_body: ::core::option::Option::None,
        response_body: ::core::option::Option::None,
        path_params: ::core::option::Option::None,
        query_params: ::core::option::Option::None,
        status: 200,
        responses: &[],
    });
    type Mount = ::warden::__private::Unchecked;
}
::core::compile_error! {
    "route `list_users`: handler must be an `async fn`\nhelp: add `async` before `fn`"
}

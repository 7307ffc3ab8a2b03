// Expansion snapshot written by `macros/src/expand.rs`.
// Regenerate: UPDATE_EXPECT=1 cargo test -p warden-macros

async fn public_info() -> Json<Info> {
    Json(Info::public())
}
#[doc(hidden)]
#[allow(non_camel_case_types)]
struct public_info {}
#[automatically_derived]
#[diagnostic::do_not_recommend]
impl ::warden::__private::RouteDef for public_info {
    const ROUTE: ::warden::__private::Route = ::warden::__private::Route::from_parts(::warden::__private::RouteParts {
        method: ::warden::__private::Method::Get,
        path: "/public/info/",
        segments: &[
            ::warden::__private::PathSegment::Static("public"),
            ::warden::__private::PathSegment::Static("info"),
            ::warden::__private::PathSegment::Static(""),
        ],
        name: "public_info",
        handler: "public_info",
        module: ::core::module_path!(),
        policy: ::warden::__private::Policy::Public,
        tags: &[],
        summary: ::core::option::Option::None,
        description: ::core::option::Option::None,
        request_body: ::core::option::Option::None,
        response_body: ::core::option::Option::Some(
            <Info as ::warden::__private::BodySchema>::schema,
        ),
        path_params: ::core::option::Option::None,
        query_params: ::core::option::Option::None,
        status: 200,
        responses: &[],
    });
    type Mount = ::warden::__private::Checked;
}

// Expansion snapshot written by `macros/src/expand.rs`.
// Regenerate: UPDATE_EXPECT=1 cargo test -p warden-macros

/// Info
///
/// Returns a brief description of the API.
pub async fn protected_info() -> Json<Info> {
    Json(Info::private())
}
#[doc(hidden)]
#[allow(non_camel_case_types)]
pub struct protected_info {}
#[automatically_derived]
#[diagnostic::do_not_recommend]
impl ::warden::__private::RouteDef for protected_info {
    const ROUTE: ::warden::__private::Route = ::warden::__private::Route::from_parts(::warden::__private::RouteParts {
        method: ::warden::__private::Method::Get,
        path: "/private/info/",
        segments: &[
            ::warden::__private::PathSegment::Static("private"),
            ::warden::__private::PathSegment::Static("info"),
            ::warden::__private::PathSegment::Static(""),
        ],
        name: "protected_info",
        handler: "protected_info",
        module: ::core::module_path!(),
        policy: ::warden::__private::Policy::Permissions(&["my-permission-name"]),
        tags: &["Private"],
        summary: ::core::option::Option::Some("Info"),
        description: ::core::option::Option::Some(
            "Returns a brief description of the API.",
        ),
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

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
const _: () = {
    use ::warden::__private as __warden;
    #[allow(clippy::needless_update)]
    #[automatically_derived]
    #[diagnostic::do_not_recommend]
    impl __warden::RouteDef for protected_info {
        const ROUTE: __warden::Route = __warden::Route::from_parts(__warden::RouteParts {
            method: __warden::Method::Get,
            path: "/private/info/",
            segments: &[
                __warden::PathSegment::Static("private"),
                __warden::PathSegment::Static("info"),
                __warden::PathSegment::Static(""),
            ],
            name: "protected_info",
            handler: "protected_info",
            module: ::core::module_path!(),
            policy: __warden::Policy::Permissions(&["my-permission-name"]),
            options: __warden::RouteOptions {
                tags: &["Private"],
                summary: __warden::Some("Info"),
                description: __warden::Some("Returns a brief description of the API."),
                response_body: __warden::Some(
                    <Info as ::warden::__private::BodySchema>::schema,
                ),
                ..__warden::RouteOptions::NONE
            },
        });
        type Mount = __warden::Checked;
    }
};

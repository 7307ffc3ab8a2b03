// Expansion snapshot written by `macros/src/expand.rs`.
// Regenerate: UPDATE_EXPECT=1 cargo test -p warden-macros

async fn public_info() -> Json<Info> {
    Json(Info::public())
}
#[doc(hidden)]
#[allow(non_camel_case_types)]
struct public_info {}
const _: () = {
    use ::warden::__private as __warden;
    #[allow(clippy::needless_update)]
    #[automatically_derived]
    #[diagnostic::do_not_recommend]
    impl __warden::RouteDef for public_info {
        const ROUTE: __warden::Route = __warden::Route::from_parts(__warden::RouteParts {
            method: __warden::Method::Get,
            path: "/public/info/",
            segments: &[
                __warden::PathSegment::Static("public"),
                __warden::PathSegment::Static("info"),
                __warden::PathSegment::Static(""),
            ],
            name: "public_info",
            handler: "public_info",
            module: ::core::module_path!(),
            policy: __warden::Policy::Public,
            options: __warden::RouteOptions {
                response_body: __warden::Some(
                    <Info as ::warden::__private::BodySchema>::schema,
                ),
                ..__warden::RouteOptions::NONE
            },
        });
        type Mount = __warden::Checked;
    }
};

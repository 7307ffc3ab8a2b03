// Expansion snapshot written by `macros/src/expand.rs`.
// Regenerate: UPDATE_EXPECT=1 cargo test -p warden-macros

pub async fn sign_in(Json(body): Json<Credentials>) -> Json<Token> {
    issue(body)
}
#[doc(hidden)]
#[allow(non_camel_case_types)]
pub struct sign_in {}
const _: () = {
    use ::warden::__private as __warden;
    #[allow(clippy::needless_update)]
    #[automatically_derived]
    #[diagnostic::do_not_recommend]
    impl __warden::RouteDef for sign_in {
        const ROUTE: __warden::Route = __warden::Route::from_parts(__warden::RouteParts {
            method: __warden::Method::Post,
            path: "/auth/",
            segments: &[
                __warden::PathSegment::Static("auth"),
                __warden::PathSegment::Static(""),
            ],
            name: "signin",
            handler: "sign_in",
            module: ::core::module_path!(),
            policy: __warden::Policy::Public,
            options: __warden::RouteOptions {
                request_body: __warden::Some(
                    <Credentials as ::warden::__private::BodySchema>::schema,
                ),
                response_body: __warden::Some(
                    <Token as ::warden::__private::BodySchema>::schema,
                ),
                ..__warden::RouteOptions::NONE
            },
        });
        type Mount = __warden::Checked;
    }
};

// Expansion snapshot written by `macros/src/expand.rs`.
// Regenerate: UPDATE_EXPECT=1 cargo test -p warden-macros

pub async fn sign_in(Json(body): Json<Credentials>) -> Json<Token> {
    issue(body)
}
#[doc(hidden)]
#[allow(non_camel_case_types)]
pub struct sign_in {}
#[automatically_derived]
#[diagnostic::do_not_recommend]
impl ::warden::__private::RouteDef for sign_in {
    const ROUTE: ::warden::__private::Route = ::warden::__private::Route::from_parts(::warden::__private::RouteParts {
        method: ::warden::__private::Method::Post,
        path: "/auth/",
        segments: &[
            ::warden::__private::PathSegment::Static("auth"),
            ::warden::__private::PathSegment::Static(""),
        ],
        name: "signin",
        handler: "sign_in",
        module: ::core::module_path!(),
        policy: ::warden::__private::Policy::Public,
        tags: &[],
        summary: ::core::option::Option::None,
        description: ::core::option::Option::None,
        request_body: ::core::option::Option::Some(
            <Credentials as ::warden::__private::BodySchema>::schema,
        ),
        response_body: ::core::option::Option::Some(
            <Token as ::warden::__private::BodySchema>::schema,
        ),
        path_params: ::core::option::Option::None,
        query_params: ::core::option::Option::None,
        status: 200,
        responses: &[],
    });
    type Mount = ::warden::__private::Checked;
}

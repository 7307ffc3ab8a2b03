// Expansion snapshot written by `macros/src/expand.rs`.
// Regenerate: UPDATE_EXPECT=1 cargo test -p warden-macros

async fn get_model(Path(id): Path<u32>, Query(page): Query<Page>) -> Json<Model> {
    lookup(id, page)
}
#[doc(hidden)]
#[allow(non_camel_case_types)]
struct get_model {}
#[automatically_derived]
#[diagnostic::do_not_recommend]
impl ::warden::__private::RouteDef for get_model {
    const ROUTE: ::warden::__private::Route = ::warden::__private::Route::from_parts(::warden::__private::RouteParts {
        method: ::warden::__private::Method::Get,
        path: "/models/{id}",
        segments: &[
            ::warden::__private::PathSegment::Static("models"),
            ::warden::__private::PathSegment::Param("id"),
        ],
        name: "get_model",
        handler: "get_model",
        module: ::core::module_path!(),
        policy: ::warden::__private::Policy::Optional,
        tags: &[],
        summary: ::core::option::Option::None,
        description: ::core::option::Option::None,
        request_body: ::core::option::Option::None,
        response_body: ::core::option::Option::Some(
            <Model as ::warden::__private::BodySchema>::schema,
        ),
        path_params: ::core::option::Option::Some(
            <u32 as ::warden::__private::PathSchema>::schema,
        ),
        query_params: ::core::option::Option::Some(
            <Page as ::warden::__private::QuerySchema>::schema,
        ),
        status: 203,
        responses: &[(404, "no such model")],
    });
    type Mount = ::warden::__private::Checked;
}

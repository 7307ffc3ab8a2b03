// Expansion snapshot written by `macros/src/expand.rs`.
// Regenerate: UPDATE_EXPECT=1 cargo test -p warden-macros

async fn get_model(Path(id): Path<u32>, Query(page): Query<Page>) -> Json<Model> {
    lookup(id, page)
}
#[doc(hidden)]
#[allow(non_camel_case_types)]
struct get_model {}
const _: () = {
    use ::warden::__private as __warden;
    #[allow(clippy::needless_update)]
    #[automatically_derived]
    #[diagnostic::do_not_recommend]
    impl __warden::RouteDef for get_model {
        const ROUTE: __warden::Route = __warden::Route::from_parts(__warden::RouteParts {
            method: __warden::Method::Get,
            path: "/models/{id}",
            segments: &[
                __warden::PathSegment::Static("models"),
                __warden::PathSegment::Param("id"),
            ],
            name: "get_model",
            handler: "get_model",
            module: ::core::module_path!(),
            policy: __warden::Policy::Optional,
            options: __warden::RouteOptions {
                response_body: __warden::Some(
                    <Model as ::warden::__private::BodySchema>::schema,
                ),
                path_params: __warden::Some(
                    <u32 as ::warden::__private::PathSchema>::schema,
                ),
                query_params: __warden::Some(
                    <Page as ::warden::__private::QuerySchema>::schema,
                ),
                status: 203,
                responses: &[(404, "no such model")],
                ..__warden::RouteOptions::NONE
            },
        });
        type Mount = __warden::Checked;
    }
};

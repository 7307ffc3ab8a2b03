// Expansion snapshot written by `macros/src/expand.rs`.
// Regenerate: UPDATE_EXPECT=1 cargo test -p warden-macros

/// Replace a model.
///
/// Takes the new weights.
async fn put_model(
    Path(id): Path<u32>,
    Query(q): Query<Version>,
    Json(body): Json<Weights>,
) -> Json<Model> {
    store(id, q, body)
}
#[doc(hidden)]
#[allow(non_camel_case_types)]
struct put_model {}
const _: () = {
    use ::warden::__private as __warden;
    #[allow(clippy::needless_update)]
    #[automatically_derived]
    #[diagnostic::do_not_recommend]
    impl __warden::RouteDef for put_model {
        const ROUTE: __warden::Route = __warden::Route::from_parts(__warden::RouteParts {
            method: __warden::Method::Put,
            path: "/models/{id}",
            segments: &[
                __warden::PathSegment::Static("models"),
                __warden::PathSegment::Param("id"),
            ],
            name: "put_model",
            handler: "put_model",
            module: ::core::module_path!(),
            policy: __warden::Policy::Permissions(&["models:write"]),
            options: __warden::RouteOptions {
                tags: &["Models"],
                summary: __warden::Some("Replace a model."),
                description: __warden::Some("Takes the new weights."),
                request_body: __warden::Some(
                    <Weights as ::warden::__private::BodySchema>::schema,
                ),
                response_body: __warden::Some(
                    <Model as ::warden::__private::BodySchema>::schema,
                ),
                path_params: __warden::Some(
                    <u32 as ::warden::__private::PathSchema>::schema,
                ),
                query_params: __warden::Some(
                    <Version as ::warden::__private::QuerySchema>::schema,
                ),
                status: 202,
                responses: &[(404, "no such model")],
                ..__warden::RouteOptions::NONE
            },
        });
        type Mount = __warden::Checked;
    }
};

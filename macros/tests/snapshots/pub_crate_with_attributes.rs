// Expansion snapshot written by `macros/src/expand.rs`.
// Regenerate: UPDATE_EXPECT=1 cargo test -p warden-macros

/// Upload a file.
#[cfg(feature = "admin")]
#[allow(clippy::unused_async)]
#[tracing::instrument(skip(body))]
pub(crate) async fn r#upload(Path(path): Path<String>, body: Bytes) -> StatusCode {
    store(&path, body).await
}
#[cfg(feature = "admin")]
#[doc(hidden)]
#[allow(non_camel_case_types)]
pub(crate) struct r#upload {}
#[cfg(feature = "admin")]
const _: () = {
    use ::warden::__private as __warden;
    #[allow(clippy::needless_update)]
    #[automatically_derived]
    #[diagnostic::do_not_recommend]
    impl __warden::RouteDef for r#upload {
        const ROUTE: __warden::Route = __warden::Route::from_parts(__warden::RouteParts {
            method: __warden::Method::Put,
            path: "/admin/{*path}",
            segments: &[
                __warden::PathSegment::Static("admin"),
                __warden::PathSegment::CatchAll("path"),
            ],
            name: "upload",
            handler: "upload",
            module: ::core::module_path!(),
            policy: __warden::Policy::Permissions(&["admin", "files:write"]),
            options: __warden::RouteOptions {
                tags: &["Admin", "Files"],
                summary: __warden::Some("Upload a file."),
                path_params: __warden::Some(
                    <String as ::warden::__private::PathSchema>::schema,
                ),
                ..__warden::RouteOptions::NONE
            },
        });
        type Mount = __warden::Checked;
    }
};

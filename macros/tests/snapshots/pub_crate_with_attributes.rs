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
#[automatically_derived]
#[diagnostic::do_not_recommend]
impl ::warden::__private::RouteDef for r#upload {
    const ROUTE: ::warden::__private::Route = ::warden::__private::Route::from_parts(::warden::__private::RouteParts {
        method: ::warden::__private::Method::Put,
        path: "/admin/{*path}",
        segments: &[
            ::warden::__private::PathSegment::Static("admin"),
            ::warden::__private::PathSegment::CatchAll("path"),
        ],
        name: "upload",
        handler: "upload",
        module: ::core::module_path!(),
        policy: ::warden::__private::Policy::Permissions(&["admin", "files:write"]),
        tags: &["Admin", "Files"],
        summary: ::core::option::Option::Some("Upload a file."),
        description: ::core::option::Option::None,
        request_body: ::core::option::Option::None,
        response_body: ::core::option::Option::None,
        path_params: ::core::option::Option::Some(
            <String as ::warden::__private::PathSchema>::schema,
        ),
        query_params: ::core::option::Option::None,
        status: 200,
        responses: &[],
    });
    type Mount = ::warden::__private::Checked;
}

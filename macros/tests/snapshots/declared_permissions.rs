// Expansion snapshot written by `macros/src/expand.rs`.
// Regenerate: UPDATE_EXPECT=1 cargo test -p warden-macros

async fn list_models() {}
#[doc(hidden)]
#[allow(non_camel_case_types)]
struct list_models {}
#[automatically_derived]
#[diagnostic::do_not_recommend]
impl ::warden::__private::RouteDef for list_models {
    const ROUTE: ::warden::__private::Route = ::warden::__private::Route::from_parts(::warden::__private::RouteParts {
        method: ::warden::__private::Method::Get,
        path: "/models/",
        segments: &[
            ::warden::__private::PathSegment::Static("models"),
            ::warden::__private::PathSegment::Static(""),
        ],
        name: "list_models",
        handler: "list_models",
        module: ::core::module_path!(),
        policy: ::warden::__private::Policy::AnyOf({
            const fn __warden_declared<
                P: ::warden::__private::DeclaredPermission<Declared = P>,
            >(p: P) -> P::Declared {
                p
            }
            const PERMISSIONS: &[&[&str]] = &[
                &[__warden_declared(Perm::Admin).as_str()],
                &[__warden_declared(Perm::Read).as_str(), "audit"],
            ];
            PERMISSIONS
        }),
        tags: &[],
        summary: ::core::option::Option::None,
        description: ::core::option::Option::None,
        request_body: ::core::option::Option::None,
        response_body: ::core::option::Option::None,
        path_params: ::core::option::Option::None,
        query_params: ::core::option::Option::None,
        status: 200,
        responses: &[],
    });
    type Mount = ::warden::__private::Checked;
}

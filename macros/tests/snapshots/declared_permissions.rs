// Expansion snapshot written by `macros/src/expand.rs`.
// Regenerate: UPDATE_EXPECT=1 cargo test -p warden-macros

async fn list_models() {}
#[doc(hidden)]
#[allow(non_camel_case_types)]
struct list_models {}
const _: () = {
    use ::warden::__private as __warden;
    #[allow(clippy::needless_update)]
    #[automatically_derived]
    #[diagnostic::do_not_recommend]
    impl __warden::RouteDef for list_models {
        const ROUTE: __warden::Route = __warden::Route::from_parts(__warden::RouteParts {
            method: __warden::Method::Get,
            path: "/models/",
            segments: &[
                __warden::PathSegment::Static("models"),
                __warden::PathSegment::Static(""),
            ],
            name: "list_models",
            handler: "list_models",
            module: ::core::module_path!(),
            policy: __warden::Policy::AnyOf({
                const fn __warden_declared<
                    P: __warden::DeclaredPermission<Declared = P>,
                >(p: P) -> P::Declared {
                    p
                }
                const PERMISSIONS: &[&[&str]] = &[
                    &[__warden_declared(Perm::Admin).as_str()],
                    &[__warden_declared(Perm::Read).as_str(), "audit"],
                ];
                PERMISSIONS
            }),
            options: __warden::RouteOptions::NONE,
        });
        type Mount = __warden::Checked;
    }
};

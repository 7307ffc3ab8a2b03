// Expansion snapshot written by `macros/src/expand.rs`.
// Regenerate: UPDATE_EXPECT=1 cargo test -p warden-macros

fn list_users() {}
#[doc(hidden)]
#[allow(non_camel_case_types)]
struct list_users {}
const _: () = {
    use ::warden::__private as __warden;
    #[allow(clippy::needless_update)]
    #[automatically_derived]
    #[diagnostic::do_not_recommend]
    impl __warden::RouteDef for list_users {
        const ROUTE: __warden::Route = __warden::Route::from_parts(__warden::RouteParts {
            method: __warden::Method::Get,
            path: "/users",
            segments: &[__warden::PathSegment::Static("users")],
            name: "list_users",
            handler: "list_users",
            module: ::core::module_path!(),
            policy: __warden::Policy::Public,
            options: __warden::RouteOptions::NONE,
        });
        type Mount = __warden::Unchecked;
    }
};
::core::compile_error! {
    "route `list_users`: handler must be an `async fn`\nhelp: add `async` before `fn`"
}

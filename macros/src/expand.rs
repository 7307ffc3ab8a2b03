//! Expand stage: codegen from the validated [`Route`] only. Emits the
//! user's fn unchanged, then the companion struct and its `RouteDef` impl,
//! which carry data and call runtime constructors; no logic is generated.

use proc_macro2::{Delimiter, Group, Ident, Literal, TokenStream, TokenTree};
use quote::{ToTokens as _, format_ident, quote, quote_spanned};
use syn::Type;
use syn::spanned::Spanned;

use crate::exports;
use crate::model::{Policy, Route};
use crate::path::Segment;
use crate::policy::{Atom, Clause};

pub(crate) fn expand(route: &Route) -> TokenStream {
    let Route { item, ident, vis, cfgs, path, name, handler, tags, .. } = route;
    // Inside the companion's `const _` block, `__warden` is
    // `::warden::__private`: one import instead of the absolute path in
    // every field (a third of the tokens rustc would parse, per route).
    let rt = exports::alias();
    let import = exports::alias_import();

    let method = format_ident!("{}", route.method.variant());
    let policy = match &route.policy {
        Policy::Public => quote!(#rt::Policy::Public),
        Policy::Authenticated => quote!(#rt::Policy::Authenticated),
        Policy::Optional => quote!(#rt::Policy::Optional),
        Policy::Permissions(dnf) => permissions(&rt, dnf),
    };
    let segments = route.segments.iter().map(|segment| match segment {
        Segment::Static(text) => quote!(#rt::PathSegment::Static(#text)),
        Segment::Param(param) if param.catch_all => {
            let name = &param.name;
            quote!(#rt::PathSegment::CatchAll(#name))
        }
        Segment::Param(param) => {
            let name = &param.name;
            quote!(#rt::PathSegment::Param(#name))
        }
    });

    // Only what the attribute and the signature say; the rest comes from
    // `RouteOptions::NONE` (no tags, docs, bodies or parameters, status 200).
    let mut fields = Vec::new();
    if !tags.is_empty() {
        fields.push(quote!(tags: &[#(#tags),*]));
    }
    if let Some(summary) = &route.docs.summary {
        fields.push(quote!(summary: #rt::Some(#summary)));
    }
    if let Some(description) = &route.docs.description {
        fields.push(quote!(description: #rt::Some(#description)));
    }
    let schemas = [
        ("request_body", route.request_body.as_ref(), exports::body_schema()),
        ("response_body", route.response_body.as_ref(), exports::body_schema()),
        ("path_params", route.path_params.as_ref(), exports::path_schema()),
        ("query_params", route.query_params.as_ref(), exports::query_schema()),
    ];
    for (field, ty, schema_trait) in schemas {
        if let Some(ty) = ty {
            let field = format_ident!("{field}");
            let schema = schema(ty, &schema_trait);
            fields.push(quote!(#field: #rt::Some(#schema)));
        }
    }
    if route.status != 200 {
        let status = Literal::u16_unsuffixed(route.status);
        fields.push(quote!(status: #status));
    }
    if !route.responses.is_empty() {
        let responses = route.responses.iter().map(|(code, text)| {
            let code = Literal::u16_unsuffixed(*code);
            quote!((#code, #text))
        });
        fields.push(quote!(responses: &[#(#responses),*]));
    }
    let options = if fields.is_empty() {
        quote!(#rt::RouteOptions::NONE)
    } else {
        quote!(#rt::RouteOptions { #(#fields,)* ..#rt::RouteOptions::NONE })
    };

    let mount = format_ident!("{}", if route.checked_handler { "Checked" } else { "Unchecked" });

    quote! {
        // The handler, token for token: it stays an ordinary axum handler.
        #item

        // The companion, named after the handler. A braced struct lives only
        // in the type namespace, so it does not clash with the fn, and
        // `routes![handler]` can name both: `<handler as RouteDef>` and
        // `handler` the value.
        #(#cfgs)*
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #ident {}

        #(#cfgs)*
        const _: () = {
            #import
            // `do_not_recommend`: a plain fn listed in `routes![...]` gets
            // `RouteDef`'s own message, not a "the trait is implemented for
            // `other_handler`" suggestion of this unrelated companion.
            // With every option written, `..NONE` sets nothing: clippy's
            // `needless_update`, which would be reported at the user's
            // attribute.
            #[allow(clippy::needless_update)]
            #[automatically_derived]
            #[diagnostic::do_not_recommend]
            impl #rt::RouteDef for #ident {
                const ROUTE: #rt::Route = #rt::Route::from_parts(#rt::RouteParts {
                    method: #rt::Method::#method,
                    path: #path,
                    segments: &[#(#segments),*],
                    name: #name,
                    handler: #handler,
                    // The handler's module: a block is not a module.
                    module: ::core::module_path!(),
                    policy: #policy,
                    options: #options,
                });
                type Mount = #rt::#mount;
            }
        };
    }
}

/// One set: `Permissions(&["a", "b"])`; several: `AnyOf(&[&["a"], &["b"]])`.
/// Declared permissions are `const fn` calls, which a `&[...]` argument
/// cannot borrow for `'static`; a named `const` in a block can.
fn permissions(rt: &Ident, dnf: &[Clause]) -> TokenStream {
    let clause = |atoms: &Clause| {
        let atoms = atoms.iter().map(|atom| match atom {
            Atom::Lit(value) => quote!(#value),
            Atom::Declared(path) => declared(path),
        });
        quote!(&[#(#atoms),*])
    };
    let declared = dnf.iter().flatten().any(|atom| matches!(atom, Atom::Declared(_)));
    let (variant, value, ty) = match dnf {
        [only] => (quote!(Permissions), clause(only), quote!(&[&str])),
        _ => {
            let clauses = dnf.iter().map(clause);
            (quote!(AnyOf), quote!(&[#(#clauses),*]), quote!(&[&[&str]]))
        }
    };
    if declared {
        quote!(#rt::Policy::#variant({
            // Checks that each name is a `warden::permissions!` variant; see
            // `DeclaredPermission` for why it is a local fn.
            const fn __warden_declared<P: #rt::DeclaredPermission<Declared = P>>(p: P) -> P::Declared {
                p
            }
            const PERMISSIONS: #ty = #value;
            PERMISSIONS
        }))
    } else {
        quote!(#rt::Policy::#variant(#value))
    }
}

/// `__warden_declared(Perm::Admin).as_str()`, the call spanning exactly the
/// user's path: rustc then reports a wrong path once (the bound on the
/// argument and the call's return type are one obligation at one span), at
/// the path.
fn declared(path: &syn::Path) -> TokenStream {
    let tokens: Vec<TokenTree> = path.to_token_stream().into_iter().collect();
    let (Some(first), Some(last)) = (tokens.first(), tokens.last()) else {
        return quote!(#path.as_str());
    };
    let mut args = Group::new(Delimiter::Parenthesis, path.to_token_stream());
    args.set_span(last.span());
    quote_spanned!(first.span()=> __warden_declared #args .as_str())
}

/// `<T as Trait>::schema`, spanned at the user's `T` so that a missing
/// `JsonSchema` impl is reported there. The trait's path is absolute: every
/// token of the expression carries the user's span.
fn schema(ty: &Type, schema_trait: &TokenStream) -> TokenStream {
    quote_spanned!(ty.span()=> <#ty as #schema_trait>::schema)
}

/// Expansion snapshots: the whole pipeline (`route::expand`) on `quote!`
/// input, pretty-printed and compared with `macros/tests/snapshots/<name>.rs`
/// by `expect-test`, as every golden file of the workspace is.
/// `UPDATE_EXPECT=1 cargo test -p warden-macros` rewrites the files.
#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use proc_macro2::TokenStream;
    use quote::quote;

    const HEADER: &str = "// Expansion snapshot written by `macros/src/expand.rs`.\n\
                          // Regenerate: UPDATE_EXPECT=1 cargo test -p warden-macros\n\n";

    fn snapshot(name: &str, attr: TokenStream, item: TokenStream) {
        let tokens = crate::route::expand(attr, item);
        let file: syn::File = match syn::parse2(tokens.clone()) {
            Ok(file) => file,
            Err(error) => panic!("expansion `{name}` is not valid Rust ({error}):\n{tokens}"),
        };
        let actual = format!("{HEADER}{}", prettyplease::unparse(&file));
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
        expect_test::expect_file![path.join(format!("{name}.rs"))].assert_eq(&actual);
    }

    #[test]
    fn public_route() {
        snapshot(
            "public",
            quote!(get, "/public/info/", public),
            quote! {
                async fn public_info() -> Json<Info> {
                    Json(Info::public())
                }
            },
        );
    }

    #[test]
    fn authenticated_route() {
        snapshot(
            "authenticated",
            quote!(delete, "/users/{id}", authenticated),
            quote! {
                pub async fn delete_user(Path(id): Path<u32>) -> StatusCode {
                    StatusCode::NO_CONTENT
                }
            },
        );
    }

    #[test]
    fn permissions_tags_and_docs() {
        snapshot(
            "permissions_tags_docs",
            quote!(get, "/private/info/", permissions = ["my-permission-name"], tags = ["Private"]),
            quote! {
                /// Info
                ///
                /// Returns a brief description of the API.
                pub async fn protected_info() -> Json<Info> {
                    Json(Info::private())
                }
            },
        );
    }

    #[test]
    fn name_override() {
        snapshot(
            "name_override",
            quote!(post, "/auth/", public, name = "signin"),
            quote! {
                pub async fn sign_in(Json(body): Json<Credentials>) -> Json<Token> {
                    issue(body)
                }
            },
        );
    }

    #[test]
    fn restricted_visibility_and_extra_attributes() {
        snapshot(
            "pub_crate_with_attributes",
            quote!(
                put,
                "/admin/{*path}",
                permissions = ["admin", "files:write"],
                tags = ["Admin", "Files"]
            ),
            quote! {
                /// Upload a file.
                #[cfg(feature = "admin")]
                #[allow(clippy::unused_async)]
                #[tracing::instrument(skip(body))]
                pub(crate) async fn r#upload(Path(path): Path<String>, body: Bytes) -> StatusCode {
                    store(&path, body).await
                }
            },
        );
    }

    #[test]
    fn optional_route_with_status_and_responses() {
        snapshot(
            "optional_status_responses",
            quote!(get, "/models/{id}", optional, status = 203, responses(404 = "no such model")),
            quote! {
                async fn get_model(Path(id): Path<u32>, Query(page): Query<Page>) -> Json<Model> {
                    lookup(id, page)
                }
            },
        );
    }

    #[test]
    fn every_option_set() {
        snapshot(
            "every_option",
            quote!(
                put,
                "/models/{id}",
                permissions = ["models:write"],
                tags = ["Models"],
                status = 202,
                responses(404 = "no such model")
            ),
            quote! {
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
            },
        );
    }

    #[test]
    fn declared_permissions() {
        snapshot(
            "declared_permissions",
            quote!(get, "/models/", permissions = any(Perm::Admin, [Perm::Read, "audit"])),
            quote! {
                async fn list_models() {}
            },
        );
    }

    #[test]
    fn not_async_keeps_an_unchecked_companion() {
        snapshot(
            "error_not_async",
            quote!(get, "/users", public),
            quote! {
                fn list_users() {}
            },
        );
    }

    #[test]
    fn error_reemits_fn_without_companion() {
        snapshot(
            "error_missing_policy_not_async",
            quote!(get, "/users", tags = ["Users"]),
            quote! {
                /// Lists users.
                pub fn list_users() -> Json<Vec<User>> {
                    Json(vec![])
                }
            },
        );
    }
}

//! `routes![a, m::b]`: parse a list of paths, expand to the static table,
//! its compile-time duplicate check and the handlers to mount. All logic is
//! in the runtime; this stage only places spans where users will read them.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::parse::{ParseStream, Parser as _};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned as _;
use syn::{Ident, Path, Token};

use crate::exports;

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let parser = |input: ParseStream<'_>| {
        Punctuated::<Path, Token![,]>::parse_terminated_with(input, Path::parse_mod_style)
    };
    let handlers = match parser.parse2(input) {
        Ok(handlers) => handlers,
        Err(error) => {
            let help = "\nhelp: list handler functions annotated with `#[route]`: \
                        `routes![get_user, admin::delete_user]`";
            return syn::Error::new(error.span(), format!("{error}{help}")).into_compile_error();
        }
    };
    let rt = exports::private();

    // Per handler, a block that imports the handler's name as
    // `FnWithoutRouteAttribute` over a glob import of a stand-in of that name. The
    // explicit import shadows the glob in every namespace the name has, so
    // the alias is the `#[route]` companion when there is one and the
    // stand-in otherwise (a plain fn has no type), and `RouteDef`'s message,
    // spanned at the user's path, says to add `#[route]`.
    let companion = |path: &Path| {
        let alias = Ident::new("FnWithoutRouteAttribute", path.span());
        let route_def = quote_spanned!(path.span()=> <#alias as #rt::RouteDef>);
        (alias, route_def)
    };
    let routes = handlers.iter().map(|path| {
        let (alias, route_def) = companion(path);
        quote! {{
            #[allow(unused_imports)]
            use #rt::fallback::*;
            use #path as #alias;
            #route_def::ROUTE
        }}
    });
    // `ROUTE.method()` runs when the list is built, once per handler. An
    // inline `const { ... }` around it cost more than that saves: rustc's
    // dead-code pass took ~0.3 s longer on every build of a 500-route crate.
    let endpoints = handlers.iter().map(|path| {
        let (alias, route_def) = companion(path);
        quote! {{
            #[allow(unused_imports)]
            use #rt::fallback::*;
            use #path as #alias;
            <#route_def::Mount as #rt::Mount<_, _, _>>::endpoint(#path, #route_def::ROUTE.method())
        }}
    });
    let option = exports::option();

    quote! {{
        const __WARDEN_ROUTES: &[#rt::Route] = &[#(#routes),*];
        // Two routes with one name, or one method and path, are a compile
        // error here, in the caller's crate.
        const _: () = if let #option::Some(message) =
            #rt::duplicate::<{ __WARDEN_ROUTES.len() }>(__WARDEN_ROUTES)
        {
            ::core::panic!("{}", message.as_str())
        };
        static __WARDEN_TABLE: &[#rt::Route] = __WARDEN_ROUTES;
        #rt::Routes::new(__WARDEN_TABLE, #rt::vec![#(#endpoints),*])
    }}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_is_an_error_with_help() {
        let out = expand(quote!(get_user, 42)).to_string();
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("help: list handler functions"), "{out}");
        let out = expand(quote!(get_user::<u8>)).to_string();
        assert!(out.contains("compile_error"), "{out}");
    }

    #[test]
    fn empty_and_trailing_comma() {
        let empty: syn::Expr = syn::parse2(expand(quote!())).unwrap();
        assert!(matches!(empty, syn::Expr::Block(_)));
        let out = expand(quote!(a, m::b,)).to_string();
        assert!(out.contains("use m :: b as FnWithoutRouteAttribute"), "{out}");
    }
}

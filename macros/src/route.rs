//! Orchestrator: parse → validate → expand for `#[route]`, and the one
//! place that decides what is emitted when something is wrong.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt as _;

use crate::expand;
use crate::model::{NotAsync, Route};
use crate::parse::{HandlerFn, RouteArgs};

/// Set to print every expansion to stderr while compiling (like axum's
/// `AXUM_MACROS_DEBUG`).
const DEBUG_ENV: &str = "WARDEN_MACROS_DEBUG";

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let output = match try_expand(attr, &item) {
        Ok(output) => output,
        // The fn is re-emitted unchanged, without a companion: the rest of
        // the crate still sees the handler, so the user gets our errors and
        // not a cascade of "cannot find function" ones (LukeMathWalker/pavex#538).
        Err(error) => {
            let error = error.into_compile_error();
            quote!(#item #error)
        }
    };
    if std::env::var_os(DEBUG_ENV).is_some() {
        eprintln!("{DEBUG_ENV}: #[route] expanded to:\n{output}\n");
    }
    output
}

fn try_expand(attr: TokenStream, item: &TokenStream) -> syn::Result<TokenStream> {
    let handler = HandlerFn::parse(item.clone())?;
    let args = RouteArgs::parse(attr, &handler.sig.ident.unraw().to_string());
    match Route::from_syn(args, handler, item.clone()) {
        Ok(route) => Ok(expand::expand(&route)),
        // The companion too, marked so that `routes![...]` does not report
        // the same fn again as "not an axum handler" from inside Warden.
        Err(Ok(not_async)) => {
            let NotAsync { route, error } = *not_async;
            let mut output = expand::expand(&route);
            output.extend(error.into_compile_error());
            Ok(output)
        }
        Err(Err(error)) => Err(error),
    }
}

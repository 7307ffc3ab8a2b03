//! Expansion support: the one place that spells paths into the runtime
//! (`::warden::__private::...`) and `core`.
//!
//! Generated code is compiled in the user's crate, where `warden` may be
//! shadowed by a local module, so every path is absolute (`::warden::...`)
//! and goes through the hidden `__private` module, the contract between the
//! two crates (see `runtime/src/__private.rs`). A `#[route]` companion
//! imports it once, as `__warden`, in a block of its own ([`alias_import`]).

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

pub(crate) fn private() -> TokenStream {
    quote!(::warden::__private)
}

/// `__warden`, the name [`alias_import`] gives `::warden::__private` in the
/// block around a `#[route]` companion's impl. Spanned at the call site, as
/// the import is. Inside that block it shadows anything else of that name,
/// for the user's tokens too: a handler or a type path named `__warden`
/// would meet the alias (rustc then reports "expected type, found module").
/// Schema types are written with absolute trait paths and never need it.
pub(crate) fn alias() -> Ident {
    Ident::new("__warden", Span::call_site())
}

/// `use ::warden::__private as __warden;`
pub(crate) fn alias_import() -> TokenStream {
    let rt = private();
    let alias = alias();
    quote!(use #rt as #alias;)
}

pub(crate) fn declared_permission() -> TokenStream {
    let rt = private();
    quote!(#rt::DeclaredPermission)
}

pub(crate) fn option() -> TokenStream {
    quote!(::core::option::Option)
}

/// `<T as BodySchema>::schema`: documents `T` as a JSON body, and requires
/// `T: JsonSchema` with a readable error. A qualified path, not a generic
/// fn, so the error adds no "required by a bound in" note pointing into
/// Warden's sources.
pub(crate) fn body_schema() -> TokenStream {
    let rt = private();
    quote!(#rt::BodySchema)
}

/// `<T as PathSchema>::schema`, for `Path<T>`.
pub(crate) fn path_schema() -> TokenStream {
    let rt = private();
    quote!(#rt::PathSchema)
}

/// `<T as QuerySchema>::schema`, for `Query<T>`.
pub(crate) fn query_schema() -> TokenStream {
    let rt = private();
    quote!(#rt::QuerySchema)
}

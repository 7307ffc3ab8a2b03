//! Expansion support: the one place that spells paths into the runtime
//! (`::warden::__private::...`) and `core`.
//!
//! Generated code is compiled in the user's crate, where `warden` may be
//! shadowed by a local module, so every path is absolute (`::warden::...`)
//! and goes through the hidden `__private` module, the contract between the
//! two crates (see `runtime/src/__private.rs`).

use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn private() -> TokenStream {
    quote!(::warden::__private)
}

pub(crate) fn route_def() -> TokenStream {
    let rt = private();
    quote!(#rt::RouteDef)
}

pub(crate) fn route() -> TokenStream {
    let rt = private();
    quote!(#rt::Route)
}

pub(crate) fn route_parts() -> TokenStream {
    let rt = private();
    quote!(#rt::RouteParts)
}

pub(crate) fn path_segment() -> TokenStream {
    let rt = private();
    quote!(#rt::PathSegment)
}

pub(crate) fn method() -> TokenStream {
    let rt = private();
    quote!(#rt::Method)
}

pub(crate) fn policy() -> TokenStream {
    let rt = private();
    quote!(#rt::Policy)
}

pub(crate) fn declared_permission() -> TokenStream {
    let rt = private();
    quote!(#rt::DeclaredPermission)
}

/// `RouteDef::Mount` of a valid handler: `routes![...]` requires it to be an
/// axum handler.
pub(crate) fn checked() -> TokenStream {
    let rt = private();
    quote!(#rt::Checked)
}

/// `RouteDef::Mount` of a handler already reported as not `async`.
pub(crate) fn unchecked() -> TokenStream {
    let rt = private();
    quote!(#rt::Unchecked)
}

pub(crate) fn option() -> TokenStream {
    quote!(::core::option::Option)
}

/// `module_path!()` expands where the companion is emitted, i.e. in the
/// handler's module, which is what `Route::handler()` reports.
pub(crate) fn module_path() -> TokenStream {
    quote!(::core::module_path!())
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

//! Implementation detail of `warden`; see its documentation.

/// Placeholder until the real macro lands.
#[proc_macro_attribute]
pub fn route(_attr: proc_macro::TokenStream, item: proc_macro::TokenStream) -> proc_macro::TokenStream {
    item
}

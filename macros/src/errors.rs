//! Error collection, shared by every stage: gather independent mistakes and
//! report them together instead of stopping at the first one.

use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;

/// Collects `syn::Error`s; [`Errors::finish`] combines them.
///
/// Dropping an `Errors` without calling `finish` panics, so a code path that
/// forgets to report what it found fails every test instead of silently
/// accepting bad input (serde's `Ctxt` does the same).
#[derive(Debug, Default)]
pub(crate) struct Errors {
    errors: Vec<syn::Error>,
    finished: bool,
}

impl Errors {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn push(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    pub(crate) fn push_at(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Spans the error over all of `tokens` (e.g. a whole `Path<(A, B)>` type).
    pub(crate) fn push_spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    pub(crate) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    pub(crate) fn finish(mut self) -> syn::Result<()> {
        self.finished = true;
        let mut errors = std::mem::take(&mut self.errors).into_iter();
        match errors.next() {
            None => Ok(()),
            Some(mut first) => {
                first.extend(errors);
                Err(first)
            }
        }
    }
}

impl Drop for Errors {
    fn drop(&mut self) {
        assert!(
            self.finished || std::thread::panicking(),
            "warden-macros bug: `Errors` dropped without calling `finish`"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_finishes_ok() {
        assert!(Errors::new().finish().is_ok());
    }

    #[test]
    fn combines_in_push_order() {
        let mut errors = Errors::new();
        errors.push_at(Span::call_site(), "first");
        errors.push_at(Span::call_site(), "second");
        assert!(errors.has_errors());
        let messages: Vec<String> =
            errors.finish().unwrap_err().into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages, ["first", "second"]);
    }

    #[test]
    #[should_panic(expected = "without calling `finish`")]
    fn drop_without_finish_panics() {
        let _errors = Errors::new();
    }
}

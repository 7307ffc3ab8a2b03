//! Validate stage, docs part: turns the handler's `///` comment into the
//! OpenAPI `summary` (first non-empty line) and `description` (the rest).

use syn::{Attribute, Expr, Lit, Meta};

#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Docs {
    pub(crate) summary: Option<String>,
    pub(crate) description: Option<String>,
}

impl Docs {
    /// Reads `#[doc = "..."]` attributes, which is what `///` and `/** */`
    /// desugar to. `#[doc = include_str!(..)]` cannot be evaluated by a
    /// macro and `#[doc(hidden)]` carries no text; both are skipped.
    pub(crate) fn from_syn(attrs: &[Attribute]) -> Self {
        let text: Vec<String> = attrs.iter().filter_map(doc_text).collect();
        // Not `str::lines`, which yields nothing for the `""` of a bare
        // `///` and would lose paragraph breaks.
        let lines: Vec<&str> =
            text.iter().flat_map(|t| t.split('\n')).map(|l| l.trim_end_matches('\r')).collect();

        let Some(first) = lines.iter().position(|l| !l.trim().is_empty()) else {
            return Docs::default();
        };
        let summary = lines[first].trim().to_owned();
        let description = description(&lines[first + 1..]);
        Docs { summary: Some(summary), description }
    }
}

fn doc_text(attr: &Attribute) -> Option<String> {
    if !attr.path().is_ident("doc") {
        return None;
    }
    match &attr.meta {
        Meta::NameValue(nv) => match &nv.value {
            Expr::Lit(expr) => match &expr.lit {
                Lit::Str(s) => Some(s.value()),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// Drops leading/trailing blank lines and the indentation common to all
/// lines (`///` leaves one space; keeping the rest preserves indented code
/// blocks and nested lists), and collapses runs of blank lines into one
/// paragraph break.
fn description(lines: &[&str]) -> Option<String> {
    let is_blank = |l: &&str| l.trim().is_empty();
    let start = lines.iter().position(|l| !is_blank(l))?;
    let end = lines.iter().rposition(|l| !is_blank(l))? + 1;
    let lines = &lines[start..end];

    let indent = lines
        .iter()
        .filter(|l| !is_blank(l))
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);

    let mut out: Vec<&str> = Vec::with_capacity(lines.len());
    for line in lines {
        if is_blank(line) {
            if out.last().is_some_and(|l| !l.is_empty()) {
                out.push("");
            }
        } else {
            // `indent` bytes are whitespace on every non-blank line, and
            // whitespace found by `trim_start` ends on a char boundary.
            out.push(line.get(indent..).unwrap_or(line).trim_end());
        }
    }
    Some(out.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse::Parser;

    fn docs(tokens: proc_macro2::TokenStream) -> Docs {
        let attrs = Attribute::parse_outer.parse2(tokens).expect("attributes parse");
        Docs::from_syn(&attrs)
    }

    #[allow(clippy::unnecessary_wraps)] // reads as the expected `Option` in assertions
    fn some(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    #[test]
    fn no_docs() {
        assert_eq!(docs(quote::quote!()), Docs::default());
        assert_eq!(docs(quote::quote!(#[doc(hidden)] #[inline])), Docs::default());
        assert_eq!(docs(quote::quote!(#[doc = ""] #[doc = "   "])), Docs::default());
    }

    #[test]
    fn summary_only() {
        let d = docs(quote::quote!(#[doc = " Info"]));
        assert_eq!(d, Docs { summary: some("Info"), description: None });
    }

    #[test]
    fn spec_example() {
        let d = docs(quote::quote! {
            #[doc = " Info"]
            #[doc = ""]
            #[doc = " Returns a brief description of the API."]
        });
        assert_eq!(d.summary, some("Info"));
        assert_eq!(d.description, some("Returns a brief description of the API."));
    }

    #[test]
    fn first_non_empty_line_is_the_summary() {
        let d = docs(quote::quote! {
            #[doc = ""]
            #[doc = "  Gets a user"]
            #[doc = " by id."]
        });
        assert_eq!(d.summary, some("Gets a user"));
        assert_eq!(d.description, some("by id."));
    }

    #[test]
    fn paragraphs_and_indentation() {
        let d = docs(quote::quote! {
            #[doc = " Summary."]
            #[doc = ""]
            #[doc = ""]
            #[doc = " First paragraph,"]
            #[doc = " second line.   "]
            #[doc = ""]
            #[doc = ""]
            #[doc = " ```"]
            #[doc = "     indented();"]
            #[doc = " ```"]
            #[doc = ""]
        });
        assert_eq!(d.summary, some("Summary."));
        assert_eq!(
            d.description,
            some("First paragraph,\nsecond line.\n\n```\n    indented();\n```")
        );
    }

    #[test]
    fn block_comment_lines() {
        let d = docs(quote::quote!(#[doc = "\n Title\n\n Body line.\n "]));
        assert_eq!(d, Docs { summary: some("Title"), description: some("Body line.") });
    }

    #[test]
    fn non_literal_docs_are_skipped() {
        let d = docs(quote::quote! {
            #[doc = include_str!("README.md")]
            #[doc = " Title"]
        });
        assert_eq!(d, Docs { summary: some("Title"), description: None });
    }
}

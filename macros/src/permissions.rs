//! `permissions! { pub enum Perm { Admin = "admin", ... } }`: parse,
//! validate and expand in one module, the input being a plain enum.
//!
//! Routes then name `Perm::Admin`; a misspelt variant is a rustc error at
//! the misspelt token, with rustc's own "a variant with a similar name
//! exists" suggestion.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, LitStr, Token, Visibility, braced};

use crate::errors::Errors;
use crate::policy::scope_token_problem;

struct Declaration {
    attrs: Vec<Attribute>,
    vis: Visibility,
    ident: Ident,
    variants: Punctuated<Variant, Token![,]>,
}

struct Variant {
    attrs: Vec<Attribute>,
    ident: Ident,
    value: LitStr,
}

impl Parse for Declaration {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        input.parse::<Token![enum]>()?;
        let ident = input.parse()?;
        let content;
        braced!(content in input);
        let variants = content.parse_terminated(Variant::parse, Token![,])?;
        if !input.is_empty() {
            return Err(input.error("expected one `enum` per `permissions!`"));
        }
        Ok(Declaration { attrs, vis, ident, variants })
    }
}

impl Parse for Variant {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let ident: Ident = input.parse()?;
        if !input.peek(Token![=]) {
            return Err(syn::Error::new(
                ident.span(),
                format!(
                    "permission `{ident}` needs its value\n\
                     help: write `{ident} = \"...\"`, the string tokens carry"
                ),
            ));
        }
        input.parse::<Token![=]>()?;
        let value = input.parse()?;
        Ok(Variant { attrs, ident, value })
    }
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let declaration: Declaration = match syn::parse2(input) {
        Ok(declaration) => declaration,
        Err(error) => return error.to_compile_error(),
    };
    if let Err(error) = validate(&declaration) {
        return error.to_compile_error();
    }
    let Declaration { attrs, vis, ident, variants } = &declaration;
    let names: Vec<&Ident> = variants.iter().map(|v| &v.ident).collect();
    let variant_attrs = variants.iter().map(|v| &v.attrs);
    let values = variants.iter().map(|v| &v.value);
    let declared = crate::exports::declared_permission();
    quote! {
        #(#attrs)*
        #[derive(
            ::core::clone::Clone,
            ::core::marker::Copy,
            ::core::fmt::Debug,
            ::core::cmp::PartialEq,
            ::core::cmp::Eq,
            ::core::hash::Hash
        )]
        #vis enum #ident {
            #(#(#variant_attrs)* #names,)*
        }

        #[automatically_derived]
        impl #ident {
            /// Every declared permission, in declaration order.
            #vis const ALL: &'static [Self] = &[#(Self::#names),*];

            /// The permission as tokens carry it.
            #vis const fn as_str(self) -> &'static str {
                match self {
                    #(Self::#names => #values,)*
                }
            }
        }

        #[automatically_derived]
        impl #declared for #ident {
            type Declared = Self;
        }

        #[automatically_derived]
        impl ::core::convert::AsRef<str> for #ident {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        #[automatically_derived]
        impl ::core::fmt::Display for #ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    }
}

fn validate(declaration: &Declaration) -> syn::Result<()> {
    let mut errors = Errors::new();
    if declaration.variants.is_empty() {
        errors.push_at(
            declaration.ident.span(),
            format!(
                "`{}` declares no permissions\nhelp: add one, e.g. `Admin = \"admin\"`",
                declaration.ident
            ),
        );
    }
    let mut values: Vec<String> = Vec::new();
    for variant in &declaration.variants {
        let value = variant.value.value();
        if let Some(problem) = scope_token_problem(&value) {
            errors.push_at(variant.value.span(), problem);
        } else if values.contains(&value) {
            errors.push_at(
                variant.value.span(),
                format!(
                    "permission `{}` is declared twice\n\
                     note: two names for one permission would make policies ambiguous",
                    value.escape_debug()
                ),
            );
        } else {
            values.push(value);
        }
    }
    errors.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(input: TokenStream) -> String {
        let declaration: Declaration = syn::parse2(input).unwrap();
        validate(&declaration).unwrap_err().to_string()
    }

    #[test]
    fn expands_to_an_enum_with_as_str() {
        let out = expand(quote!(
            pub enum Perm {
                Admin = "admin",
                Read = "models:read",
            }
        ));
        let file: syn::File = syn::parse2(out).unwrap();
        let text = prettyplease::unparse(&file);
        assert!(text.contains("pub enum Perm {\n    Admin,\n    Read,\n}"), "{text}");
        assert!(text.contains("Self::Read => \"models:read\""), "{text}");
    }

    #[test]
    fn mistakes() {
        assert_eq!(
            errors(quote!(
                enum P {}
            )),
            "`P` declares no permissions\nhelp: add one, e.g. `Admin = \"admin\"`"
        );
        assert!(
            errors(quote!(
                enum P {
                    A = "a",
                    B = "a",
                }
            ))
            .starts_with("permission `a` is declared twice")
        );
        assert!(
            errors(quote!(
                enum P {
                    A = "a b",
                }
            ))
            .starts_with("permission `a b` contains a space")
        );
        let missing = syn::parse2::<Declaration>(quote!(
            enum P {
                A,
            }
        ))
        .err()
        .unwrap();
        assert!(missing.to_string().starts_with("permission `A` needs its value"));
    }
}

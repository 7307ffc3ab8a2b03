//! Parse stage: syntax only. Reads `#[route(...)]` arguments into
//! [`RouteArgs`] and the annotated item into [`HandlerFn`], keeping every
//! token needed for precise error spans. Meaning (is this method known, is
//! the path valid, ...) is checked later, in `model.rs`, so that independent
//! mistakes can be reported together.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt as _;
use syn::parse::{ParseStream, Parser as _};
use syn::{Attribute, Ident, LitInt, LitStr, Signature, Token, Visibility, bracketed, token};

pub(crate) mod kw {
    syn::custom_keyword!(public);
    syn::custom_keyword!(authenticated);
    syn::custom_keyword!(optional);
    syn::custom_keyword!(permissions);
    syn::custom_keyword!(name);
    syn::custom_keyword!(tags);
    syn::custom_keyword!(status);
    syn::custom_keyword!(responses);
}

/// `METHOD, "PATH", option, option, ...`
pub(crate) struct RouteArgs {
    pub(crate) method: MethodArg,
    pub(crate) path: LitStr,
    pub(crate) options: Vec<RouteOption>,
}

/// The first argument. A string is accepted here so that validation can
/// say "write `get` without quotes" next to other mistakes.
pub(crate) enum MethodArg {
    Ident(Ident),
    Str(LitStr),
}

/// One keyed argument after the path, in any order.
pub(crate) enum RouteOption {
    Public(kw::public),
    Authenticated(kw::authenticated),
    Optional(kw::optional),
    Permissions(kw::permissions, PermExpr),
    Name(kw::name, LitStr),
    Tags(kw::tags, StrList),
    /// `status = 201`
    Status(kw::status, LitInt),
    /// `responses(404 = "no such model", ...)`
    Responses(kw::responses, ResponseList),
}

impl RouteOption {
    pub(crate) fn key(&self) -> &'static str {
        match self {
            RouteOption::Public(_) => "public",
            RouteOption::Authenticated(_) => "authenticated",
            RouteOption::Optional(_) => "optional",
            RouteOption::Permissions(..) => "permissions",
            RouteOption::Name(..) => "name",
            RouteOption::Tags(..) => "tags",
            RouteOption::Status(..) => "status",
            RouteOption::Responses(..) => "responses",
        }
    }

    pub(crate) fn key_span(&self) -> Span {
        match self {
            RouteOption::Public(k) => k.span,
            RouteOption::Authenticated(k) => k.span,
            RouteOption::Optional(k) => k.span,
            RouteOption::Permissions(k, _) => k.span,
            RouteOption::Name(k, _) => k.span,
            RouteOption::Tags(k, _) => k.span,
            RouteOption::Status(k, _) => k.span,
            RouteOption::Responses(k, _) => k.span,
        }
    }
}

/// The right-hand side of `permissions = ...`.
pub(crate) enum PermExpr {
    /// `["a", Perm::B, any(..)]`: all of them.
    List { bracket: token::Bracket, items: Vec<PermExpr> },
    /// `any(..)` or `all(..)`.
    Call { combinator: Combinator, ident: Ident, paren: token::Paren, items: Vec<PermExpr> },
    /// `"a"`
    Lit(LitStr),
    /// `Perm::MyPermission`: a permission declared with `warden::permissions!`.
    Declared(syn::Path),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Combinator {
    Any,
    All,
}

/// `["a", "b"]`
pub(crate) struct StrList {
    pub(crate) bracket: token::Bracket,
    pub(crate) items: Vec<LitStr>,
}

/// `(404 = "no such model", 409 = "name taken")`
pub(crate) struct ResponseList {
    pub(crate) paren: token::Paren,
    pub(crate) items: Vec<(LitInt, LitStr)>,
}

const KEYS: [&str; 8] =
    ["public", "authenticated", "optional", "permissions", "name", "tags", "status", "responses"];

impl RouteArgs {
    /// `handler` only makes messages name the route ("route `get_user`: ...").
    pub(crate) fn parse(attr: TokenStream, handler: &str) -> syn::Result<Self> {
        (|input: ParseStream<'_>| parse_args(input, handler)).parse2(attr)
    }
}

fn parse_args(input: ParseStream<'_>, h: &str) -> syn::Result<RouteArgs> {
    if input.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            format!(
                "route `{h}`: missing arguments\n\
                 help: write `#[route(METHOD, \"PATH\", POLICY)]`, e.g. `#[route(get, \"/users\", public)]`"
            ),
        ));
    }

    let method = if input.peek(LitStr) {
        MethodArg::Str(input.parse()?)
    } else if input.peek(Ident::peek_any) {
        MethodArg::Ident(input.call(Ident::parse_any)?)
    } else {
        return Err(input.error(format!(
            "route `{h}`: expected an HTTP method as the first argument\n\
             help: write one of `get`, `post`, `put`, `patch`, `delete`, `head`, `options`, `trace`"
        )));
    };

    if input.is_empty() {
        return Err(missing_path(h, method_span(&method)));
    }
    input.parse::<Token![,]>()?;
    if input.is_empty() {
        return Err(missing_path(h, method_span(&method)));
    }
    let path = if input.peek(LitStr) {
        input.parse()?
    } else {
        let found = until_comma(input)?;
        return Err(syn::Error::new_spanned(
            found,
            format!(
                "route `{h}`: expected the path as a string literal\n\
                 help: quote it, e.g. `\"/users/{{id}}\"`"
            ),
        ));
    };

    let mut options = Vec::new();
    while !input.is_empty() {
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            break;
        }
        options.push(parse_option(input, h)?);
    }
    Ok(RouteArgs { method, path, options })
}

fn method_span(method: &MethodArg) -> Span {
    match method {
        MethodArg::Ident(ident) => ident.span(),
        MethodArg::Str(lit) => lit.span(),
    }
}

fn missing_path(h: &str, span: Span) -> syn::Error {
    syn::Error::new(
        span,
        format!(
            "route `{h}`: missing path after the method\n\
             help: write `#[route(METHOD, \"PATH\", POLICY)]`, e.g. `#[route(get, \"/users\", public)]`"
        ),
    )
}

/// Consumes the tokens of one malformed argument so the error can span all
/// of them (`/users/{id}` unquoted is seven tokens).
fn until_comma(input: ParseStream<'_>) -> syn::Result<TokenStream> {
    input.step(|cursor| {
        let mut tokens = TokenStream::new();
        let mut rest = *cursor;
        while let Some((tt, next)) = rest.token_tree() {
            if matches!(&tt, TokenTree::Punct(p) if p.as_char() == ',') {
                break;
            }
            tokens.extend([tt]);
            rest = next;
        }
        Ok((tokens, rest))
    })
}

fn parse_option(input: ParseStream<'_>, h: &str) -> syn::Result<RouteOption> {
    let lookahead = input.lookahead1();
    if lookahead.peek(kw::public) {
        Ok(RouteOption::Public(input.parse()?))
    } else if lookahead.peek(kw::authenticated) {
        Ok(RouteOption::Authenticated(input.parse()?))
    } else if lookahead.peek(kw::optional) {
        Ok(RouteOption::Optional(input.parse()?))
    } else if lookahead.peek(kw::permissions) {
        let key = input.parse()?;
        input.parse::<Token![=]>()?;
        Ok(RouteOption::Permissions(key, parse_perm_expr(input, h, true)?))
    } else if lookahead.peek(kw::name) {
        let key = input.parse()?;
        input.parse::<Token![=]>()?;
        if !input.peek(LitStr) {
            return Err(input.error(format!(
                "route `{h}`: `name` takes a string literal\nhelp: write `name = \"{h}\"`"
            )));
        }
        Ok(RouteOption::Name(key, input.parse()?))
    } else if lookahead.peek(kw::tags) {
        let key = input.parse()?;
        input.parse::<Token![=]>()?;
        Ok(RouteOption::Tags(key, parse_str_list(input, h, "tags")?))
    } else if lookahead.peek(kw::status) {
        let key = input.parse()?;
        input.parse::<Token![=]>()?;
        if !input.peek(LitInt) {
            let found = until_comma(input)?;
            return Err(syn::Error::new_spanned(
                found,
                format!(
                    "route `{h}`: `status` takes the status code as a number\n\
                     help: e.g. `status = 201`"
                ),
            ));
        }
        Ok(RouteOption::Status(key, input.parse()?))
    } else if lookahead.peek(kw::responses) {
        let key: kw::responses = input.parse()?;
        Ok(RouteOption::Responses(key, parse_responses(input, h)?))
    } else {
        Err(unknown_option(input, h, &lookahead.error()))
    }
}

/// Keeps syn's "expected one of: ..." and adds the handler name and, for a
/// near miss such as `permission` or `PUBLIC`, the key that was meant.
fn unknown_option(input: ParseStream<'_>, h: &str, error: &syn::Error) -> syn::Error {
    let message = if let Ok(ident) = input.fork().call(Ident::parse_any) {
        let found = ident.unraw().to_string();
        match near_miss(&found) {
            Some(meant) => format!(
                "route `{h}`: unknown argument `{found}`, {error}\nhelp: did you mean `{meant}`?"
            ),
            None => format!("route `{h}`: unknown argument `{found}`, {error}"),
        }
    } else if let Ok(lit) = input.fork().parse::<LitStr>() {
        format!(
            "route `{h}`: {error}\nhelp: to require a permission, write `permissions = [{:?}]`",
            lit.value()
        )
    } else {
        format!("route `{h}`: {error}")
    };
    syn::Error::new(error.span(), message)
}

fn near_miss(found: &str) -> Option<&'static str> {
    let lower = found.to_ascii_lowercase();
    KEYS.into_iter().find(|key| {
        lower == *key || (lower.len() >= 3 && (key.starts_with(&lower) || lower.starts_with(key)))
    })
}

/// `top` is true for the value right after `permissions =`, where a bare
/// string is a likely mistake for `["..."]`.
fn parse_perm_expr(input: ParseStream<'_>, h: &str, top: bool) -> syn::Result<PermExpr> {
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        if top {
            return Err(syn::Error::new(
                lit.span(),
                format!(
                    "route `{h}`: `permissions` takes a list of strings\n\
                     help: put it in brackets: `permissions = [{:?}]`",
                    lit.value()
                ),
            ));
        }
        return Ok(PermExpr::Lit(lit));
    }
    if input.peek(token::Bracket) {
        let content;
        let bracket = bracketed!(content in input);
        let items = parse_perm_items(&content, h)?;
        return Ok(PermExpr::List { bracket, items });
    }
    if input.peek(Ident) && input.peek2(token::Paren) {
        let ident: Ident = input.parse()?;
        let combinator = match ident.to_string().as_str() {
            "any" => Combinator::Any,
            "all" => Combinator::All,
            other => {
                return Err(syn::Error::new(
                    ident.span(),
                    format!(
                        "route `{h}`: unknown permission combinator `{other}`\n\
                         help: use `any(...)` (at least one) or `all(...)` (every one)"
                    ),
                ));
            }
        };
        let content;
        let paren = syn::parenthesized!(content in input);
        let items = parse_perm_items(&content, h)?;
        return Ok(PermExpr::Call { combinator, ident, paren, items });
    }
    if !top && (input.peek(Token![::]) || input.peek(Ident)) {
        return Ok(PermExpr::Declared(input.call(syn::Path::parse_mod_style)?));
    }
    let found = until_comma(input)?;
    Err(syn::Error::new_spanned(
        found,
        format!(
            "route `{h}`: expected a permission: a string literal, a permission declared with \
             `warden::permissions!`, or `any(...)` / `all(...)`\n\
             help: e.g. `permissions = [\"read\"]` or `permissions = any(\"admin\", [\"read\", \"write\"])`"
        ),
    ))
}

fn parse_perm_items(content: ParseStream<'_>, h: &str) -> syn::Result<Vec<PermExpr>> {
    let mut items = Vec::new();
    while !content.is_empty() {
        items.push(parse_perm_expr(content, h, false)?);
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(items)
}

fn parse_responses(input: ParseStream<'_>, h: &str) -> syn::Result<ResponseList> {
    let example = "e.g. `responses(404 = \"no such model\", 409 = \"name taken\")`";
    if !input.peek(token::Paren) {
        let found = until_comma(input)?;
        let message = format!(
            "route `{h}`: `responses` takes status codes and descriptions in parentheses\n\
             help: {example}"
        );
        return Err(if found.is_empty() {
            input.error(message)
        } else {
            syn::Error::new_spanned(found, message)
        });
    }
    let content;
    let paren = syn::parenthesized!(content in input);
    let mut items = Vec::new();
    while !content.is_empty() {
        if !content.peek(LitInt) {
            let found = until_comma(&content)?;
            return Err(syn::Error::new_spanned(
                found,
                format!("route `{h}`: expected a status code, as a number\nhelp: {example}"),
            ));
        }
        let status: LitInt = content.parse()?;
        if !content.peek(Token![=]) {
            return Err(syn::Error::new(
                status.span(),
                format!(
                    "route `{h}`: response `{status}` needs a description\n\
                     help: write `{status} = \"...\"`, what a client should understand by it"
                ),
            ));
        }
        content.parse::<Token![=]>()?;
        if !content.peek(LitStr) {
            let found = until_comma(&content)?;
            return Err(syn::Error::new_spanned(
                found,
                format!(
                    "route `{h}`: the description of response `{status}` must be a string literal\n\
                     help: {example}"
                ),
            ));
        }
        items.push((status, content.parse()?));
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(ResponseList { paren, items })
}

fn parse_str_list(input: ParseStream<'_>, h: &str, key: &str) -> syn::Result<StrList> {
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        return Err(syn::Error::new(
            lit.span(),
            format!(
                "route `{h}`: `{key}` takes a list of strings\n\
                 help: put it in brackets: `{key} = [{:?}]`",
                lit.value()
            ),
        ));
    }
    if !input.peek(token::Bracket) {
        return Err(input.error(format!(
            "route `{h}`: `{key}` takes a list of strings, e.g. `{key} = [\"a\", \"b\"]`"
        )));
    }
    let content;
    let bracket = bracketed!(content in input);
    let mut items = Vec::new();
    while !content.is_empty() {
        if !content.peek(LitStr) {
            let found = until_comma(&content)?;
            return Err(syn::Error::new_spanned(
                found,
                format!(
                    "route `{h}`: expected a string literal in `{key} = [...]`\n\
                     note: the list is read at compile time, so constants and expressions cannot be used"
                ),
            ));
        }
        items.push(content.parse()?);
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(StrList { bracket, items })
}

/// The annotated item, read as far as validation needs: attributes,
/// visibility and signature. The body is never parsed, so macro input that
/// rustc accepts is never rejected by syn, and it is not rewritten: the
/// output re-emits the item's original tokens.
pub(crate) struct HandlerFn {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) sig: Signature,
}

impl HandlerFn {
    pub(crate) fn parse(item: TokenStream) -> syn::Result<Self> {
        parse_handler.parse2(item)
    }
}

fn parse_handler(input: ParseStream<'_>) -> syn::Result<HandlerFn> {
    let attrs = input.call(Attribute::parse_outer)?;
    let vis: Visibility = input.parse()?;

    if !starts_fn_signature(input) {
        let found = item_head(input)?;
        return Err(syn::Error::new_spanned(
            found,
            "`#[route]` can only be applied to an `async fn`",
        ));
    }
    let sig: Signature = input.parse()?;

    if input.peek(Token![;]) {
        let semi: Token![;] = input.parse()?;
        return Err(syn::Error::new(
            semi.span,
            format!("route `{}`: the handler needs a body", sig.ident.unraw()),
        ));
    }
    let content;
    syn::braced!(content in input);
    // Consumed, never inspected: the body is opaque.
    content.parse::<TokenStream>()?;
    Ok(HandlerFn { attrs, vis, sig })
}

/// `const`/`async`/`unsafe`/`extern "C"` qualifiers, then `fn`.
fn starts_fn_signature(input: ParseStream<'_>) -> bool {
    let fork = input.fork();
    let _ = fork.parse::<Option<Token![const]>>();
    let _ = fork.parse::<Option<Token![async]>>();
    let _ = fork.parse::<Option<Token![unsafe]>>();
    let _ = fork.parse::<Option<syn::Abi>>();
    fork.peek(Token![fn])
}

/// The head of a non-fn item (`struct Foo`, `impl Trait`), so the error
/// underlines what the user wrote instead of the whole item.
fn item_head(input: ParseStream<'_>) -> syn::Result<TokenStream> {
    input.step(|cursor| {
        let Some((first, rest)) = cursor.token_tree() else {
            return Err(syn::Error::new(
                Span::call_site(),
                "`#[route]` can only be applied to an `async fn`",
            ));
        };
        let mut tokens = TokenStream::from(first);
        match rest.token_tree() {
            Some((name @ TokenTree::Ident(_), after)) => {
                tokens.extend([name]);
                Ok((tokens, after))
            }
            _ => Ok((tokens, rest)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn args(attr: TokenStream) -> RouteArgs {
        match RouteArgs::parse(attr, "h") {
            Ok(args) => args,
            Err(error) => panic!("rejected: {error}"),
        }
    }

    fn error(attr: TokenStream) -> String {
        match RouteArgs::parse(attr, "h") {
            Ok(_) => panic!("accepted"),
            Err(error) => error.to_string(),
        }
    }

    fn keys(args: &RouteArgs) -> Vec<&'static str> {
        args.options.iter().map(RouteOption::key).collect()
    }

    #[test]
    fn method_path_and_options_in_any_order() {
        let parsed = args(quote!(get, "/users/{id}", tags = ["Users"], name = "get_user", public,));
        assert!(matches!(&parsed.method, MethodArg::Ident(m) if m == "get"));
        assert_eq!(parsed.path.value(), "/users/{id}");
        assert_eq!(keys(&parsed), ["tags", "name", "public"]);
        match &parsed.options[0] {
            RouteOption::Tags(_, list) => {
                assert_eq!(list.items.iter().map(LitStr::value).collect::<Vec<_>>(), ["Users"]);
            }
            _ => panic!("expected tags"),
        }
    }

    #[test]
    fn permission_lists() {
        let parsed = args(quote!(post, "/", permissions = ["a", "b",]));
        match &parsed.options[..] {
            [RouteOption::Permissions(_, PermExpr::List { items, .. })] => {
                let values: Vec<_> = items
                    .iter()
                    .map(|item| match item {
                        PermExpr::Lit(lit) => lit.value(),
                        _ => panic!("expected literals"),
                    })
                    .collect();
                assert_eq!(values, ["a", "b"]);
            }
            _ => panic!("expected permissions"),
        }
        let empty = args(quote!(post, "/", permissions = []));
        assert!(matches!(
            &empty.options[..],
            [RouteOption::Permissions(_, PermExpr::List { items, .. })] if items.is_empty()
        ));
        let any = args(quote!(post, "/", permissions = any("a", Perm::B, ["c", "d"])));
        assert!(matches!(
            &any.options[..],
            [RouteOption::Permissions(_, PermExpr::Call { combinator: Combinator::Any, items, .. })]
                if items.len() == 3
        ));
    }

    #[test]
    fn semantic_mistakes_still_parse() {
        // Checked in `model.rs`, where they can be reported together.
        assert!(matches!(args(quote!(GET, "/", public)).method, MethodArg::Ident(_)));
        assert!(matches!(args(quote!("get", "/", public)).method, MethodArg::Str(_)));
        assert_eq!(keys(&args(quote!(get, "users", public, public))), ["public", "public"]);
        assert!(args(quote!(get, "/")).options.is_empty());
    }

    #[test]
    fn missing_arguments() {
        assert!(error(quote!()).starts_with("route `h`: missing arguments\nhelp: "));
        assert!(error(quote!(get)).starts_with("route `h`: missing path after the method"));
        assert!(error(quote!(get,)).starts_with("route `h`: missing path after the method"));
        assert!(
            error(quote!(/users, public))
                .starts_with("route `h`: expected an HTTP method as the first argument")
        );
    }

    #[test]
    fn path_must_be_a_string() {
        assert_eq!(
            error(quote!(get, /users/{id}, public)),
            "route `h`: expected the path as a string literal\nhelp: quote it, e.g. `\"/users/{id}\"`"
        );
    }

    #[test]
    fn unknown_key_lists_the_keys() {
        assert_eq!(
            error(quote!(get, "/", public, color = "red")),
            "route `h`: unknown argument `color`, expected one of: `public`, `authenticated`, \
             `optional`, `permissions`, `name`, `tags`, `status`, `responses`"
        );
        assert!(
            error(quote!(get, "/", permission = ["a"]))
                .ends_with("help: did you mean `permissions`?")
        );
        assert!(error(quote!(get, "/", PUBLIC)).ends_with("help: did you mean `public`?"));
        assert!(
            error(quote!(get, "/", "admin"))
                .ends_with("help: to require a permission, write `permissions = [\"admin\"]`")
        );
    }

    #[test]
    fn lists_must_be_lists_of_literals() {
        assert_eq!(
            error(quote!(get, "/", permissions = "a")),
            "route `h`: `permissions` takes a list of strings\nhelp: put it in brackets: `permissions = [\"a\"]`"
        );
        assert!(
            error(quote!(get, "/", tags = Tag))
                .starts_with("route `h`: `tags` takes a list of strings")
        );
        assert!(
            error(quote!(get, "/", permissions = [1]))
                .starts_with("route `h`: expected a permission: a string literal")
        );
        assert!(
            error(quote!(get, "/", name = get_user))
                .starts_with("route `h`: `name` takes a string literal")
        );
    }

    #[test]
    fn status_and_responses() {
        let parsed =
            args(quote!(post, "/", public, status = 201, responses(404 = "a", 409 = "b",)));
        assert_eq!(keys(&parsed), ["public", "status", "responses"]);
        match &parsed.options[1..] {
            [RouteOption::Status(_, status), RouteOption::Responses(_, list)] => {
                assert_eq!(status.base10_digits(), "201");
                let items: Vec<_> =
                    list.items.iter().map(|(s, d)| (s.base10_digits(), d.value())).collect();
                assert_eq!(items, [("404", "a".to_owned()), ("409", "b".to_owned())]);
            }
            _ => panic!("expected status and responses"),
        }
        assert!(error(quote!(get, "/", public, status = "201")).starts_with(
            "route `h`: `status` takes the status code as a number\nhelp: e.g. `status = 201`"
        ));
        assert!(
            error(quote!(get, "/", public, responses = [404]))
                .starts_with("route `h`: `responses` takes status codes and descriptions")
        );
        assert!(
            error(quote!(get, "/", public, responses(404)))
                .starts_with("route `h`: response `404` needs a description")
        );
        assert!(
            error(quote!(get, "/", public, responses(NOT_FOUND = "x")))
                .starts_with("route `h`: expected a status code, as a number")
        );
        assert!(
            error(quote!(get, "/", public, responses(404 = missing))).starts_with(
                "route `h`: the description of response `404` must be a string literal"
            )
        );
    }

    #[test]
    fn syntax_errors_from_syn() {
        assert_eq!(error(quote!(get "/" public)), "expected `,`");
        assert_eq!(error(quote!(get, "/", permissions["a"])), "expected `=`");
        assert_eq!(error(quote!(get, "/", permissions = ["a" "b"])), "expected `,`");
    }

    fn handler(item: TokenStream) -> syn::Result<HandlerFn> {
        HandlerFn::parse(item)
    }

    #[test]
    fn handler_keeps_signature_and_attrs() {
        let parsed = handler(quote! {
            /// Docs.
            #[inline]
            pub(crate) async fn get_user(Path(id): Path<u32>) -> String { not even rust ~~~ }
        })
        .expect("parses");
        assert_eq!(parsed.attrs.len(), 2);
        assert!(matches!(parsed.vis, Visibility::Restricted(_)));
        assert_eq!(parsed.sig.ident, "get_user");
        assert!(parsed.sig.asyncness.is_some());
    }

    #[test]
    fn handler_must_be_a_fn() {
        let message = |item| handler(item).err().map(|e| e.to_string()).unwrap_or_default();
        let not_fn = "`#[route]` can only be applied to an `async fn`";
        assert_eq!(
            message(quote!(
                struct Foo {}
            )),
            not_fn
        );
        assert_eq!(
            message(quote!(
                pub const X: u8 = 1;
            )),
            not_fn
        );
        assert_eq!(
            message(quote!(
                #[derive(Debug)]
                enum E {
                    A,
                }
            )),
            not_fn
        );
        assert_eq!(message(quote!()), not_fn);
        assert_eq!(
            message(quote!(
                async fn f();
            )),
            "route `f`: the handler needs a body"
        );
        // Not an error here: `model.rs` reports it next to the other mistakes.
        assert!(
            handler(quote!(
                fn not_async() {}
            ))
            .is_ok()
        );
    }
}

//! Validate stage: turns parsed syntax into a [`Route`] that is correct by
//! construction. Codegen (`expand.rs`) sees only this model. Every check
//! runs, and all mistakes are reported together.

use std::collections::HashSet;

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt as _;
use syn::{
    Attribute, FnArg, GenericArgument, Ident, LitInt, PathArguments, ReturnType, Type, Visibility,
};

use crate::docs::Docs;
use crate::errors::Errors;
use crate::parse::{HandlerFn, MethodArg, ResponseList, RouteArgs, RouteOption, StrList};
use crate::path::{self, PathParam, Segment};
use crate::policy::{self, Dnf};

/// Everything the expansion needs, validated.
pub(crate) struct Route {
    /// The user's item, token for token.
    pub(crate) item: TokenStream,
    /// The handler's name and visibility, reused by the companion struct.
    pub(crate) ident: Ident,
    pub(crate) vis: Visibility,
    /// `#[cfg(..)]` on the handler, repeated on the companion so that both
    /// exist under the same configuration.
    pub(crate) cfgs: Vec<Attribute>,
    pub(crate) method: Method,
    pub(crate) path: String,
    /// `path`, parsed once for the runtime.
    pub(crate) segments: Vec<Segment>,
    /// `name = "..."`, else the handler's name.
    pub(crate) name: String,
    /// The handler's name without `r#`.
    pub(crate) handler: String,
    pub(crate) policy: Policy,
    pub(crate) tags: Vec<String>,
    pub(crate) docs: Docs,
    /// `T` of a `Json<T>` argument: the request body the OpenAPI document
    /// describes.
    pub(crate) request_body: Option<Type>,
    /// `T` of a `Json<T>` return type, also inside `Result<_, E>` or as the
    /// last element of a response tuple.
    pub(crate) response_body: Option<Type>,
    /// `T` of a `Path<T>` argument: the path parameters' types.
    pub(crate) path_params: Option<Type>,
    /// `T` of a `Query<T>` argument: the query parameters.
    pub(crate) query_params: Option<Type>,
    /// `status = ...`, else 200.
    pub(crate) status: u16,
    /// `responses(...)`, in the order written.
    pub(crate) responses: Vec<(u16, String)>,
    /// `false` when the fn is not `async` (reported as an error): then
    /// `routes![...]` does not also require it to be an axum handler.
    pub(crate) checked_handler: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
    Trace,
}

impl Method {
    const ALL: [(&'static str, Method); 8] = [
        ("get", Method::Get),
        ("post", Method::Post),
        ("put", Method::Put),
        ("patch", Method::Patch),
        ("delete", Method::Delete),
        ("head", Method::Head),
        ("options", Method::Options),
        ("trace", Method::Trace),
    ];

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, m)| *m)
    }

    /// The variant of `warden::Method`.
    pub(crate) fn variant(self) -> &'static str {
        match self {
            Method::Get => "Get",
            Method::Post => "Post",
            Method::Put => "Put",
            Method::Patch => "Patch",
            Method::Delete => "Delete",
            Method::Head => "Head",
            Method::Options => "Options",
            Method::Trace => "Trace",
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Policy {
    Public,
    Authenticated,
    Optional,
    /// Any one of these sets of permissions; each literal a valid OAuth2
    /// scope token. See `policy.rs`.
    Permissions(Dnf),
}

const METHODS_HELP: &str =
    "help: use one of `get`, `post`, `put`, `patch`, `delete`, `head`, `options`, `trace`";

/// A route whose only mistake is a missing `async`: its companion is still
/// emitted, with the error and an unchecked handler, so that `routes![...]`
/// adds no second error about the same fn.
pub(crate) struct NotAsync {
    pub(crate) route: Route,
    pub(crate) error: syn::Error,
}

impl Route {
    /// `args` is a `Result` so that a syntax error in the attribute is
    /// reported together with mistakes in the signature.
    pub(crate) fn from_syn(
        args: syn::Result<RouteArgs>,
        handler: HandlerFn,
        item: TokenStream,
    ) -> Result<Self, Result<Box<NotAsync>, syn::Error>> {
        match Route::validate(args, handler, item) {
            Ok((route, None)) => Ok(route),
            Ok((route, Some(error))) => Err(Ok(Box::new(NotAsync { route, error }))),
            Err(error) => Err(Err(error)),
        }
    }

    fn validate(
        args: syn::Result<RouteArgs>,
        handler: HandlerFn,
        item: TokenStream,
    ) -> syn::Result<(Self, Option<syn::Error>)> {
        let h = handler.sig.ident.unraw().to_string();
        let mut errors = Errors::new();

        let args = match args {
            Ok(args) => Some(args),
            Err(error) => {
                errors.push(error);
                None
            }
        };
        let fields = args.and_then(|args| Fields::from_syn(args, &handler, &h, &mut errors));
        // After the arguments, so errors come in source order.
        let not_async = check_signature(&handler, &h, &mut errors);
        if errors.has_errors()
            && let Some(error) = not_async.clone()
        {
            errors.push(error);
        }

        let fields = match (errors.finish(), fields) {
            (Err(error), _) => return Err(error),
            (Ok(()), Some(fields)) => fields,
            (Ok(()), None) => {
                return Err(syn::Error::new(
                    Span::call_site(),
                    format!("route `{h}`: internal error in warden-macros, please report it"),
                ));
            }
        };

        let docs = Docs::from_syn(&handler.attrs);
        let request_body = handler.sig.inputs.iter().find_map(|input| match input {
            FnArg::Typed(arg) => json_body_type(&arg.ty).cloned(),
            FnArg::Receiver(_) => None,
        });
        let response_body = match &handler.sig.output {
            ReturnType::Type(_, ty) => response_body_type(ty).cloned(),
            ReturnType::Default => None,
        };
        let argument = |wrapper: &str| {
            handler.sig.inputs.iter().find_map(|input| match input {
                FnArg::Typed(arg) => wrapped_type(&arg.ty, wrapper).cloned(),
                FnArg::Receiver(_) => None,
            })
        };
        let path_params = argument("Path");
        let query_params = argument("Query");
        // A WebSocket handshake answers 101 (the macro sees syntax: any
        // argument type named `WebSocketUpgrade`).
        let upgrades = handler.sig.inputs.iter().any(|input| match input {
            FnArg::Typed(arg) => matches!(
                peel(&arg.ty),
                Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "WebSocketUpgrade")
            ),
            FnArg::Receiver(_) => false,
        });
        let cfgs = handler.attrs.into_iter().filter(|a| a.path().is_ident("cfg")).collect();
        let route = Route {
            item,
            ident: handler.sig.ident,
            vis: handler.vis,
            cfgs,
            method: fields.method,
            path: fields.path,
            segments: fields.segments,
            name: fields.name.unwrap_or_else(|| h.clone()),
            handler: h,
            policy: fields.policy,
            tags: fields.tags,
            docs,
            request_body,
            response_body,
            path_params,
            query_params,
            status: fields.status.unwrap_or(if upgrades { 101 } else { 200 }),
            responses: fields.responses,
            checked_handler: not_async.is_none(),
        };
        Ok((route, not_async))
    }
}

/// Pushes what makes the fn unusable as a handler; returns the missing
/// `async`, which alone still allows a companion.
fn check_signature(handler: &HandlerFn, h: &str, errors: &mut Errors) -> Option<syn::Error> {
    let sig = &handler.sig;
    let not_async = sig.asyncness.is_none().then(|| {
        syn::Error::new(
            sig.fn_token.span,
            format!(
                "route `{h}`: handler must be an `async fn`\n\
                 help: add `async` before `fn`"
            ),
        )
    });
    if let Some(receiver) = sig.receiver() {
        errors.push_spanned(
            receiver,
            format!(
                "route `{h}`: handler must be a free function, not a method\n\
                 help: move it out of the `impl` block and take state with axum's `State` extractor"
            ),
        );
    }
    not_async
}

/// The validated arguments; `from_syn` gives `None` when anything was wrong.
struct Fields {
    method: Method,
    path: String,
    segments: Vec<Segment>,
    status: Option<u16>,
    responses: Vec<(u16, String)>,
    name: Option<String>,
    policy: Policy,
    tags: Vec<String>,
}

impl Fields {
    fn from_syn(
        args: RouteArgs,
        handler: &HandlerFn,
        h: &str,
        errors: &mut Errors,
    ) -> Option<Self> {
        let fail = |errors: &mut Errors, span: Span, message: String| {
            errors.push_at(span, format!("route `{h}`: {message}"));
        };

        let method = match &args.method {
            MethodArg::Ident(ident) => {
                let name = ident.unraw().to_string();
                let method = Method::from_name(&name);
                if method.is_none() {
                    let lower = name.to_ascii_lowercase();
                    let message = if Method::from_name(&lower).is_some() {
                        format!(
                            "HTTP methods are written in lower case\nhelp: write `{lower}` instead of `{name}`"
                        )
                    } else {
                        format!("unknown HTTP method `{name}`\n{METHODS_HELP}")
                    };
                    fail(errors, ident.span(), message);
                }
                method
            }
            MethodArg::Str(lit) => {
                let lower = lit.value().to_ascii_lowercase();
                let message = if Method::from_name(&lower).is_some() {
                    format!(
                        "the HTTP method is an identifier, not a string\nhelp: write `{lower}` without quotes"
                    )
                } else {
                    "expected an HTTP method as the first argument, found a string\n\
                     help: the method comes before the path: `#[route(get, \"/users\", public)]`"
                        .to_owned()
                };
                fail(errors, lit.span(), message);
                None
            }
        };

        let path = args.path.value();
        let segments = match path::parse(&path) {
            Ok(segments) => {
                let params: Vec<&PathParam> = path::params(&segments).collect();
                if let Err(error) = check_path_extractors(handler, h, &path, &params) {
                    errors.push(error);
                }
                Some(segments)
            }
            Err(problems) => {
                for problem in problems {
                    fail(errors, args.path.span(), problem);
                }
                None
            }
        };

        let mut seen_keys: HashSet<&'static str> = HashSet::new();
        let mut policy_key: Option<&'static str> = None;
        let mut policy = None;
        let mut name = None;
        let mut tags = Vec::new();
        let mut status = None;
        let mut responses = Vec::new();
        for option in &args.options {
            let key = option.key();
            if !seen_keys.insert(key) {
                let help = match key {
                    "permissions" => "help: list every permission in one `permissions = [...]`",
                    "tags" => "help: list every tag in one `tags = [...]`",
                    _ => "help: remove the repeated argument",
                };
                fail(errors, option.key_span(), format!("duplicate `{key}` argument\n{help}"));
                continue;
            }
            let is_policy = matches!(key, "public" | "authenticated" | "optional" | "permissions");
            if is_policy {
                if let Some(first) = policy_key {
                    fail(
                        errors,
                        option.key_span(),
                        format!(
                            "a route has exactly one access policy, found `{key}` after `{first}`\n\
                             help: keep either `{first}` or `{key}`"
                        ),
                    );
                    continue;
                }
                policy_key = Some(key);
            }
            match option {
                RouteOption::Public(_) => policy = Some(Policy::Public),
                RouteOption::Authenticated(_) => policy = Some(Policy::Authenticated),
                RouteOption::Optional(_) => policy = Some(Policy::Optional),
                RouteOption::Permissions(_, expr) => match policy::normalise(expr) {
                    Ok(perms) => policy = Some(Policy::Permissions(perms)),
                    Err(problems) => {
                        for (span, message) in problems {
                            fail(errors, span, message);
                        }
                    }
                },
                RouteOption::Name(_, lit) => {
                    let value = lit.value();
                    if value.is_empty() {
                        fail(
                            errors,
                            lit.span(),
                            format!(
                                "`name` must not be empty\n\
                                 help: remove `name = \"\"` to use the function name `{h}`"
                            ),
                        );
                    } else {
                        name = Some(value);
                    }
                }
                RouteOption::Tags(_, list) => match check_tags(list) {
                    Ok(values) => tags = values,
                    Err(problems) => {
                        for (span, message) in problems {
                            fail(errors, span, message);
                        }
                    }
                },
                RouteOption::Status(_, lit) => match check_status(lit, has_body(handler)) {
                    Ok(code) => status = Some(code),
                    Err(message) => fail(errors, lit.span(), message),
                },
                RouteOption::Responses(_, list) => match check_responses(list) {
                    Ok(values) => responses = values,
                    Err(problems) => {
                        for (span, message) in problems {
                            fail(errors, span, message);
                        }
                    }
                },
            }
        }

        if policy_key.is_none() {
            fail(
                errors,
                Span::call_site(),
                "missing access policy\n\
                 help: add `public`, `authenticated`, `optional` or `permissions = [\"...\"]` after the path\n\
                 note: routes are denied by default; every route states who may call it"
                    .to_owned(),
            );
        }

        // Errors from elsewhere make these fields unused anyway: the route is
        // rejected as a whole.
        if errors.has_errors() {
            return None;
        }
        Some(Fields {
            method: method?,
            path,
            segments: segments?,
            status,
            responses,
            name,
            policy: policy?,
            tags,
        })
    }
}

type Problems = Vec<(Span, String)>;

fn has_body(handler: &HandlerFn) -> bool {
    matches!(&handler.sig.output, ReturnType::Type(_, ty) if response_body_type(ty).is_some())
}

/// A status code as written: a plain decimal number (`404`, not `404u16`).
fn status_code(lit: &LitInt) -> Result<u16, String> {
    if !lit.suffix().is_empty() {
        return Err(format!(
            "write the status code without a suffix\nhelp: `{}`",
            lit.base10_digits()
        ));
    }
    match lit.base10_parse::<u16>() {
        Ok(code) if (100..=599).contains(&code) => Ok(code),
        _ => Err(format!(
            "`{}` is not an HTTP status code\nnote: status codes are 100 to 599",
            lit.base10_digits()
        )),
    }
}

/// `status = ...`: the success answer, 2xx or 3xx; no body with 204/304.
fn check_status(lit: &LitInt, has_body: bool) -> Result<u16, String> {
    let code = status_code(lit)?;
    if code != 101 && !(200..=399).contains(&code) {
        return Err(format!(
            "`status = {code}` is not a success status\n\
             help: `status` is the answer when the handler succeeds (200 to 399, or 101); \
             document error answers with `responses({code} = \"...\")`"
        ));
    }
    if has_body && matches!(code, 204 | 304) {
        return Err(format!(
            "a `{code}` answer has no body, but the handler returns `Json<...>`\n\
             help: return `StatusCode` alone, or use `status = 200`"
        ));
    }
    Ok(code)
}

/// `responses(404 = "...", ...)`: error answers, each once, described.
fn check_responses(list: &ResponseList) -> Result<Vec<(u16, String)>, Problems> {
    let mut problems = Vec::new();
    if list.items.is_empty() {
        problems.push((
            list.paren.span.join(),
            "`responses()` lists no responses\n\
             help: remove it, or document one, e.g. `responses(404 = \"no such model\")`"
                .to_owned(),
        ));
    }
    let mut values: Vec<(u16, String)> = Vec::with_capacity(list.items.len());
    for (lit, description) in &list.items {
        let code = match status_code(lit) {
            Ok(code) => code,
            Err(message) => {
                problems.push((lit.span(), message));
                continue;
            }
        };
        if !(400..=599).contains(&code) {
            problems.push((
                lit.span(),
                format!(
                    "response `{code}` is not an error status\n\
                     help: `responses(...)` documents error answers (400 to 599); \
                     the success answer is `status = {code}`"
                ),
            ));
        } else if values.iter().any(|(seen, _)| *seen == code) {
            problems.push((lit.span(), format!("duplicate response `{code}`")));
        } else if description.value().trim().is_empty() {
            problems.push((
                description.span(),
                format!(
                    "response `{code}` needs a description\n\
                     help: say what a client should understand by it"
                ),
            ));
        } else {
            values.push((code, description.value()));
        }
    }
    if problems.is_empty() { Ok(values) } else { Err(problems) }
}

fn check_tags(list: &StrList) -> Result<Vec<String>, Problems> {
    let mut problems = Vec::new();
    if list.items.is_empty() {
        problems.push((
            list.bracket.span.join(),
            "`tags = []` lists no tags\nhelp: remove it, or name at least one tag".to_owned(),
        ));
    }
    let mut values: Vec<String> = Vec::with_capacity(list.items.len());
    for lit in &list.items {
        let value = lit.value();
        if value.trim().is_empty() {
            problems.push((lit.span(), format!("empty tag `{value:?}`")));
        } else if values.contains(&value) {
            problems.push((lit.span(), format!("duplicate tag `{}`", value.escape_debug())));
        } else {
            values.push(value);
        }
    }
    if problems.is_empty() { Ok(values) } else { Err(problems) }
}

/// axum answers 500 on every request when a `Path<(A, B)>` extractor and
/// the route disagree on the number of parameters, or when `Path<T>` is used
/// on a route without any. Only literal tuples are checked: a struct or alias
/// could legitimately hold any number of fields.
fn check_path_extractors(
    handler: &HandlerFn,
    h: &str,
    path: &str,
    params: &[&PathParam],
) -> syn::Result<()> {
    let mut errors = Errors::new();
    let shown = path.escape_debug();
    for input in &handler.sig.inputs {
        let FnArg::Typed(arg) = input else { continue };
        let Some(inner) = path_extractor_type(&arg.ty) else { continue };
        match peel(inner) {
            Type::Tuple(tuple) if tuple.elems.len() != params.len() => {
                let (n, m) = (tuple.elems.len(), params.len());
                errors.push_spanned(
                    &arg.ty,
                    format!(
                        "route `{h}`: `Path` extracts {n} value{} but path `{shown}` has {m} parameter{}\n\
                         note: axum would answer every request to this route with 500 Internal Server Error",
                        plural(n),
                        plural(m),
                    ),
                );
            }
            Type::Tuple(_) => {}
            _ if params.is_empty() => errors.push_spanned(
                &arg.ty,
                format!(
                    "route `{h}`: `Path` extractor on path `{shown}`, which has no parameters\n\
                     note: axum would answer every request to this route with 500 Internal Server Error"
                ),
            ),
            _ => {}
        }
    }
    errors.finish()
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `T` in `Path<T>` / `axum::extract::Path<T>`.
fn path_extractor_type(ty: &Type) -> Option<&Type> {
    wrapped_type(ty, "Path")
}

/// `T` in `Json<T>` (`warden::Json`, `axum::Json`, or any type so named:
/// the macro sees syntax, not resolved types).
fn json_body_type(ty: &Type) -> Option<&Type> {
    wrapped_type(ty, "Json")
}

/// The JSON body of a response type: `Json<T>`, `Result<R, E>` with `R` a
/// response type, or a tuple whose last element is one (`(StatusCode,
/// Json<T>)`). Anything else, e.g. `impl IntoResponse`, documents no body.
fn response_body_type(ty: &Type) -> Option<&Type> {
    if let Some(inner) = json_body_type(ty) {
        return Some(inner);
    }
    match peel(ty) {
        Type::Tuple(tuple) => tuple.elems.last().and_then(response_body_type),
        ty => {
            let ok = wrapped_types(ty, "Result")?.next()?;
            response_body_type(ok)
        }
    }
}

/// `T` in `Name<T>`, `some::path::Name<T>`.
fn wrapped_type<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let mut types = wrapped_types(ty, name)?;
    match (types.next(), types.next()) {
        (Some(ty), None) => Some(ty),
        _ => None,
    }
}

/// The type arguments of `Name<...>`.
fn wrapped_types<'a>(ty: &'a Type, name: &str) -> Option<impl Iterator<Item = &'a Type>> {
    let Type::Path(ty) = peel(ty) else { return None };
    if ty.qself.is_some() {
        return None;
    }
    let last = ty.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    Some(args.args.iter().filter_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    }))
}

/// Sees through `(T)` and the invisible groups `macro_rules!` wraps types in.
fn peel(mut ty: &Type) -> &Type {
    loop {
        match ty {
            Type::Paren(inner) => ty = &inner.elem,
            Type::Group(inner) => ty = &inner.elem,
            _ => return ty,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn all_of(perms: &[&str]) -> Policy {
        Policy::Permissions(vec![
            perms.iter().map(|p| policy::Atom::Lit((*p).to_owned())).collect(),
        ])
    }

    fn validate(attr: TokenStream, item: TokenStream) -> Result<Route, Vec<String>> {
        let messages = |e: syn::Error| e.into_iter().map(|e| e.to_string()).collect::<Vec<_>>();
        let handler = HandlerFn::parse(item.clone()).map_err(messages)?;
        let h = handler.sig.ident.unraw().to_string();
        Route::from_syn(RouteArgs::parse(attr, &h), handler, item).map_err(|error| match error {
            Ok(not_async) => messages(not_async.error),
            Err(error) => messages(error),
        })
    }

    fn valid(attr: TokenStream) -> Route {
        match validate(
            attr,
            quote!(
                async fn h() {}
            ),
        ) {
            Ok(route) => route,
            Err(errors) => panic!("rejected: {errors:#?}"),
        }
    }

    /// First line of each message, in order.
    fn errors(attr: TokenStream, item: TokenStream) -> Vec<String> {
        match validate(attr, item) {
            Ok(_) => panic!("accepted"),
            Err(errors) => {
                errors.iter().map(|e| e.lines().next().unwrap_or_default().to_owned()).collect()
            }
        }
    }

    fn arg_errors(attr: TokenStream) -> Vec<String> {
        errors(
            attr,
            quote!(
                async fn h() {}
            ),
        )
    }

    #[test]
    fn every_policy_kind() {
        assert_eq!(valid(quote!(get, "/", public)).policy, Policy::Public);
        assert_eq!(valid(quote!(get, "/", authenticated)).policy, Policy::Authenticated);
        assert_eq!(valid(quote!(get, "/", optional)).policy, Policy::Optional);
        assert_eq!(
            valid(quote!(get, "/", permissions = ["a", "users:read", "x!#[]~"])).policy,
            all_of(&["a", "users:read", "x!#[]~"])
        );
    }

    #[test]
    fn every_method() {
        for (name, method) in Method::ALL {
            let ident = Ident::new(name, Span::call_site());
            assert_eq!(valid(quote!(#ident, "/", public)).method, method);
        }
    }

    #[test]
    fn name_defaults_to_the_fn_name() {
        let route = validate(
            quote!(get, "/", public),
            quote!(
                pub async fn r#type() {}
            ),
        );
        let route = route.unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!((route.name.as_str(), route.handler.as_str()), ("type", "type"));

        let renamed = valid(quote!(get, "/", public, name = "signin"));
        assert_eq!((renamed.name.as_str(), renamed.handler.as_str()), ("signin", "h"));
    }

    #[test]
    fn spec_example() {
        let route = validate(
            quote!(get, "/private/info/", permissions = ["my-permission-name"], tags = ["Private"]),
            quote! {
                /// Info
                ///
                /// Returns a brief description of the API.
                #[cfg(feature = "x")]
                pub async fn protected_info() -> Json<Info> { todo!() }
            },
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(route.method, Method::Get);
        assert_eq!(route.path, "/private/info/");
        assert_eq!(route.policy, all_of(&["my-permission-name"]));
        assert_eq!(route.tags, ["Private"]);
        assert_eq!(route.docs.summary.as_deref(), Some("Info"));
        assert_eq!(
            route.docs.description.as_deref(),
            Some("Returns a brief description of the API.")
        );
        assert_eq!(route.cfgs.len(), 1);
        assert!(matches!(route.vis, Visibility::Public(_)));
    }

    #[test]
    fn method_mistakes() {
        assert_eq!(
            arg_errors(quote!(GET, "/", public)),
            ["route `h`: HTTP methods are written in lower case"]
        );
        assert_eq!(
            arg_errors(quote!(fetch, "/", public)),
            ["route `h`: unknown HTTP method `fetch`"]
        );
        assert_eq!(
            arg_errors(quote!("get", "/", public)),
            ["route `h`: the HTTP method is an identifier, not a string"]
        );
    }

    #[test]
    fn missing_policy() {
        let all = validate(
            quote!(get, "/", tags = ["T"]),
            quote!(
                async fn get_user() {}
            ),
        )
        .err()
        .unwrap_or_default();
        assert_eq!(
            all,
            ["route `get_user`: missing access policy\n\
              help: add `public`, `authenticated`, `optional` or `permissions = [\"...\"]` after the path\n\
              note: routes are denied by default; every route states who may call it"]
        );
    }

    #[test]
    fn policy_mistakes() {
        assert_eq!(
            arg_errors(quote!(get, "/", public, authenticated)),
            [
                "route `h`: a route has exactly one access policy, found `authenticated` after `public`"
            ]
        );
        assert_eq!(
            arg_errors(quote!(get, "/", permissions = ["a"], permissions = ["b"])),
            ["route `h`: duplicate `permissions` argument"]
        );
        assert_eq!(
            arg_errors(quote!(get, "/", permissions = [])),
            ["route `h`: `permissions = []` lists no permissions"]
        );
        // An invalid policy is still a policy: no extra "missing" error.
        assert_eq!(
            arg_errors(quote!(get, "/", permissions = [""])),
            ["route `h`: empty permission `\"\"`"]
        );
        assert_eq!(
            arg_errors(quote!(get, "/", permissions = ["a", "b", "a"])),
            ["route `h`: duplicate permission `a`"]
        );
    }

    #[test]
    fn permissions_are_scope_tokens() {
        let first = |p: &str| arg_errors(quote!(get, "/", permissions = [#p])).remove(0);
        assert_eq!(first("read users"), "route `h`: permission `read users` contains a space");
        assert_eq!(first("a\tb"), "route `h`: permission `a\\tb` contains whitespace");
        assert_eq!(first("a\"b"), "route `h`: permission `a\\\"b` contains `\"`");
        assert_eq!(first("a\\b"), "route `h`: permission `a\\\\b` contains `\\`");
        assert_eq!(
            first("é"),
            "route `h`: permission `é` contains `é`, which is not printable ASCII"
        );
        assert_eq!(
            first("a\u{7f}"),
            "route `h`: permission `a\\u{7f}` contains `\\u{7f}`, which is not printable ASCII"
        );
    }

    #[test]
    fn name_and_tags_mistakes() {
        assert_eq!(
            arg_errors(quote!(get, "/", public, name = "")),
            ["route `h`: `name` must not be empty"]
        );
        assert_eq!(
            arg_errors(quote!(get, "/", public, name = "a", name = "b")),
            ["route `h`: duplicate `name` argument"]
        );
        assert_eq!(
            arg_errors(quote!(get, "/", public, tags = [])),
            ["route `h`: `tags = []` lists no tags"]
        );
        assert_eq!(
            arg_errors(quote!(get, "/", public, tags = [" "])),
            ["route `h`: empty tag `\" \"`"]
        );
        assert_eq!(
            arg_errors(quote!(get, "/", public, tags = ["A", "A"])),
            ["route `h`: duplicate tag `A`"]
        );
    }

    #[test]
    fn status_and_responses() {
        let route = valid(quote!(post, "/", public, status = 201, responses(404 = "a", 409 = "b")));
        assert_eq!(route.status, 201);
        assert_eq!(route.responses, [(404, "a".to_owned()), (409, "b".to_owned())]);
        assert_eq!(valid(quote!(get, "/", public)).status, 200);
        assert_eq!(valid(quote!(get, "/", public, status = 204)).status, 204);
    }

    #[test]
    fn status_and_responses_mistakes() {
        assert_eq!(
            arg_errors(quote!(get, "/", public, status = 404)),
            ["route `h`: `status = 404` is not a success status"]
        );
        assert_eq!(
            arg_errors(quote!(get, "/", public, status = 1000)),
            ["route `h`: `1000` is not an HTTP status code"]
        );
        assert_eq!(
            arg_errors(quote!(get, "/", public, status = 201u16)),
            ["route `h`: write the status code without a suffix"]
        );
        assert_eq!(
            errors(
                quote!(get, "/", public, status = 204),
                quote!(
                    async fn h() -> Json<User> {}
                )
            ),
            ["route `h`: a `204` answer has no body, but the handler returns `Json<...>`"]
        );
        assert_eq!(
            arg_errors(quote!(
                get,
                "/",
                public,
                responses(201 = "made", 404 = "", 409 = "a", 409 = "b")
            )),
            [
                "route `h`: response `201` is not an error status",
                "route `h`: response `404` needs a description",
                "route `h`: duplicate response `409`",
            ]
        );
        assert_eq!(
            arg_errors(quote!(get, "/", public, responses())),
            ["route `h`: `responses()` lists no responses"]
        );
    }

    #[test]
    fn path_and_query_types() {
        let route = validate(
            quote!(get, "/{a}/{b}", public),
            quote!(
                async fn h(Path((a, b)): Path<(u32, String)>, q: axum::extract::Query<Page>) {}
            ),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        let shown = |ty: Option<Type>| ty.map(|t| quote::ToTokens::to_token_stream(&t).to_string());
        assert_eq!(shown(route.path_params).as_deref(), Some("(u32 , String)"));
        assert_eq!(shown(route.query_params).as_deref(), Some("Page"));
    }

    #[test]
    fn path_problems_name_the_route() {
        assert_eq!(
            arg_errors(quote!(get, "/users/:id", public)),
            ["route `h`: path segment `:id` uses axum 0.7 syntax"]
        );
    }

    #[test]
    fn signature_mistakes() {
        assert_eq!(
            errors(
                quote!(get, "/", public),
                quote!(
                    fn sync() {}
                )
            ),
            ["route `sync`: handler must be an `async fn`"]
        );
        assert_eq!(
            errors(
                quote!(get, "/", public),
                quote!(
                    async fn m(&self) {}
                )
            ),
            ["route `m`: handler must be a free function, not a method"]
        );
    }

    #[test]
    fn path_extractor_arity() {
        let item = quote!(
            async fn h(Path((a, b)): Path<(u32, u32)>) {}
        );
        assert_eq!(
            errors(quote!(get, "/users/{id}", public), item.clone()),
            ["route `h`: `Path` extracts 2 values but path `/users/{id}` has 1 parameter"]
        );
        assert!(validate(quote!(get, "/a/{x}/{y}", public), item).is_ok());
        assert_eq!(
            errors(
                quote!(get, "/users", public),
                quote!(
                    async fn h(id: axum::extract::Path<u32>) {}
                )
            ),
            ["route `h`: `Path` extractor on path `/users`, which has no parameters"]
        );
        // A struct may hold any number of parameters.
        assert!(
            validate(
                quote!(get, "/{a}/{b}", public),
                quote!(
                    async fn h(p: Path<Params>) {}
                )
            )
            .is_ok()
        );
    }

    #[test]
    fn independent_mistakes_are_reported_together() {
        assert_eq!(
            errors(
                quote!(GET, "users/:id", permissions = ["a", "a"], tags = []),
                quote!(
                    fn h() {}
                )
            ),
            [
                "route `h`: HTTP methods are written in lower case",
                "route `h`: path `users/:id` must start with `/`",
                "route `h`: path segment `:id` uses axum 0.7 syntax",
                "route `h`: duplicate permission `a`",
                "route `h`: `tags = []` lists no tags",
                "route `h`: handler must be an `async fn`",
            ]
        );
        // A syntax error stops parsing the arguments, not the signature checks.
        assert_eq!(
            errors(
                quote!(get, "/", colour = "red"),
                quote!(
                    fn h() {}
                )
            ),
            [
                "route `h`: unknown argument `colour`, expected one of: `public`, `authenticated`, \
                 `optional`, `permissions`, `name`, `tags`, `status`, `responses`",
                "route `h`: handler must be an `async fn`",
            ]
        );
    }
}

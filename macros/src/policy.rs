//! Validate stage for `permissions = ...`: checks every permission and
//! normalises the expression to an OR of AND-sets (disjunctive normal form),
//! the shape the runtime checks, the OpenAPI document publishes (one
//! security requirement per set) and the table lists.

use proc_macro2::Span;
use quote::ToTokens as _;
use syn::spanned::Spanned as _;

use crate::parse::{Combinator, PermExpr};

/// One permission as written.
#[derive(Clone)]
pub(crate) enum Atom {
    Lit(String),
    Declared(syn::Path),
}

impl Atom {
    /// Identity for deduplication: the string, or the path as written.
    fn key(&self) -> String {
        match self {
            Atom::Lit(value) => format!("{value:?}"),
            Atom::Declared(path) => path.to_token_stream().to_string().replace(' ', ""),
        }
    }
}

impl PartialEq for Atom {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Atom {}

impl std::fmt::Debug for Atom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key())
    }
}

/// All of these permissions.
pub(crate) type Clause = Vec<Atom>;

/// Any one of these clauses. Never empty, and no clause is empty.
pub(crate) type Dnf = Vec<Clause>;

/// Above this many alternatives an expression is almost certainly a
/// mistake, and every request would pay for checking them.
const MAX_CLAUSES: usize = 32;

type Problems = Vec<(Span, String)>;

pub(crate) fn normalise(expr: &PermExpr) -> Result<Dnf, Problems> {
    let mut problems = Vec::new();
    let dnf = to_dnf(expr, &mut problems);
    if problems.is_empty() && dnf.len() > MAX_CLAUSES {
        problems.push((
            expr_span(expr),
            format!(
                "permission expression expands to {} alternatives (at most {MAX_CLAUSES})\n\
                 help: declare a permission that stands for the combination",
                dnf.len()
            ),
        ));
    }
    if problems.is_empty() { Ok(simplify(dnf)) } else { Err(problems) }
}

fn expr_span(expr: &PermExpr) -> Span {
    match expr {
        PermExpr::List { bracket, .. } => bracket.span.join(),
        PermExpr::Call { ident, .. } => ident.span(),
        PermExpr::Lit(lit) => lit.span(),
        PermExpr::Declared(path) => path.span(),
    }
}

fn to_dnf(expr: &PermExpr, problems: &mut Problems) -> Dnf {
    match expr {
        PermExpr::Lit(lit) => {
            let value = lit.value();
            if let Some(problem) = scope_token_problem(&value) {
                problems.push((lit.span(), problem));
            }
            vec![vec![Atom::Lit(value)]]
        }
        PermExpr::Declared(path) => vec![vec![Atom::Declared(path.clone())]],
        PermExpr::List { bracket, items } => {
            if items.is_empty() {
                problems.push((
                    bracket.span.join(),
                    "`permissions = []` lists no permissions\n\
                     help: list at least one, or use `authenticated` to accept any valid token"
                        .to_owned(),
                ));
            }
            check_duplicates(items, problems);
            all_of(items, problems)
        }
        PermExpr::Call { combinator, ident, paren, items } => {
            if items.is_empty() {
                problems.push((
                    paren.span.join(),
                    format!("`{ident}()` lists no permissions\nhelp: name at least one"),
                ));
            }
            check_duplicates(items, problems);
            match combinator {
                Combinator::All => all_of(items, problems),
                Combinator::Any => items.iter().flat_map(|item| to_dnf(item, problems)).collect(),
            }
        }
    }
}

/// The product: one clause per way of picking a clause from every item.
fn all_of(items: &[PermExpr], problems: &mut Problems) -> Dnf {
    let mut product: Dnf = vec![Vec::new()];
    for item in items {
        let alternatives = to_dnf(item, problems);
        let mut next = Vec::with_capacity(product.len() * alternatives.len());
        for clause in &product {
            for alternative in &alternatives {
                let mut merged = clause.clone();
                for atom in alternative {
                    if !merged.contains(atom) {
                        merged.push(atom.clone());
                    }
                }
                next.push(merged);
            }
        }
        product = next;
        if product.len() > MAX_CLAUSES * 4 {
            // Stop growing; `normalise` reports the size.
            break;
        }
    }
    product
}

/// The same permission twice in one list or call is a typo, not a policy.
fn check_duplicates(items: &[PermExpr], problems: &mut Problems) {
    let mut seen: Vec<String> = Vec::new();
    for item in items {
        let (key, span, shown) = match item {
            PermExpr::Lit(lit) => (Atom::Lit(lit.value()).key(), lit.span(), lit.value()),
            PermExpr::Declared(path) => {
                let atom = Atom::Declared(path.clone());
                (atom.key(), path.span(), atom.key())
            }
            _ => continue,
        };
        if seen.contains(&key) {
            problems.push((span, format!("duplicate permission `{}`", shown.escape_debug())));
        } else {
            seen.push(key);
        }
    }
}

/// Drops clauses that contain another clause (`a OR (a AND b)` is `a`) and
/// repeated clauses, keeping the order in which they were written.
fn simplify(dnf: Dnf) -> Dnf {
    let is_subset = |small: &Clause, big: &Clause| small.iter().all(|a| big.contains(a));
    let mut kept: Dnf = Vec::new();
    for (i, clause) in dnf.iter().enumerate() {
        let absorbed = dnf.iter().enumerate().any(|(j, other)| {
            j != i
                && is_subset(other, clause)
                && (other.len() < clause.len() || (other.len() == clause.len() && j < i))
        });
        if !absorbed {
            kept.push(clause.clone());
        }
    }
    kept
}

/// Permissions are published as OAuth2 scope tokens and matched against the
/// space-separated `scope` claim, so they must be valid `scope-token`s
/// (RFC 6749 §3.3: `1*( %x21 / %x23-5B / %x5D-7E )`).
pub(crate) fn scope_token_problem(value: &str) -> Option<String> {
    const NOTE: &str = "note: permissions are OAuth2 scope tokens (RFC 6749 §3.3): \
                        printable ASCII except space, `\"` and `\\`";
    if value.is_empty() {
        return Some("empty permission `\"\"`".to_owned());
    }
    let bad = value.chars().find(|&c| !matches!(c, '\x21' | '\x23'..='\x5B' | '\x5D'..='\x7E'))?;
    let what = match bad {
        ' ' => "a space".to_owned(),
        c if c.is_whitespace() => "whitespace".to_owned(),
        '"' => "`\"`".to_owned(),
        '\\' => "`\\`".to_owned(),
        c => format!("`{}`, which is not printable ASCII", c.escape_debug()),
    };
    Some(format!("permission `{}` contains {what}\n{NOTE}", value.escape_debug()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::TokenStream;
    use quote::quote;

    fn dnf(tokens: TokenStream) -> Result<Vec<Vec<String>>, Vec<String>> {
        let args = quote!(get, "/", permissions = #tokens);
        let args = crate::parse::RouteArgs::parse(args, "h").map_err(|e| vec![e.to_string()])?;
        let Some(crate::parse::RouteOption::Permissions(_, expr)) = args.options.first() else {
            panic!("no permissions option")
        };
        normalise(expr)
            .map(|dnf| dnf.iter().map(|c| c.iter().map(Atom::key).collect()).collect())
            .map_err(|problems| problems.into_iter().map(|(_, m)| m).collect())
    }

    fn strings(clauses: &[&[&str]]) -> Vec<Vec<String>> {
        clauses.iter().map(|c| c.iter().map(|a| format!("{a:?}")).collect()).collect()
    }

    #[test]
    fn list_is_all_of() {
        assert_eq!(dnf(quote!(["a", "b"])), Ok(strings(&[&["a", "b"]])));
    }

    #[test]
    fn any_and_nesting_normalise_to_dnf() {
        assert_eq!(dnf(quote!(any("a", "b"))), Ok(strings(&[&["a"], &["b"]])));
        assert_eq!(dnf(quote!(all("a", any("b", "c")))), Ok(strings(&[&["a", "b"], &["a", "c"]])));
        assert_eq!(dnf(quote!(any(["a", "b"], "c"))), Ok(strings(&[&["a", "b"], &["c"]])));
    }

    #[test]
    fn absorption_and_repeats_are_simplified() {
        assert_eq!(dnf(quote!(any("a", all("a", "b")))), Ok(strings(&[&["a"]])));
        assert_eq!(dnf(quote!(any(all("a", "b"), all("b", "a")))), Ok(strings(&[&["a", "b"]])));
        assert_eq!(dnf(quote!(all("a", any("a", "b")))), Ok(strings(&[&["a"]])));
    }

    #[test]
    fn declared_permissions_are_atoms() {
        assert_eq!(
            dnf(quote!(any(Perm::Admin, "b"))),
            Ok(vec![vec!["Perm::Admin".to_owned()], vec!["\"b\"".to_owned()]])
        );
    }

    #[test]
    fn mistakes() {
        assert_eq!(
            dnf(quote!(any())).unwrap_err(),
            ["`any()` lists no permissions\nhelp: name at least one"]
        );
        assert_eq!(dnf(quote!(any("a", "a"))).unwrap_err(), ["duplicate permission `a`"]);
        assert_eq!(
            dnf(quote!([Perm::A, Perm::A])).unwrap_err(),
            ["duplicate permission `Perm::A`"]
        );
        assert!(dnf(quote!(either("a"))).unwrap_err()[0].contains("unknown permission combinator"));
        assert!(dnf(quote!(Perm::A)).unwrap_err()[0].contains("expected a permission"));
    }

    #[test]
    fn too_many_alternatives() {
        let expr = quote!(all(
            any("a1", "a2"),
            any("b1", "b2"),
            any("c1", "c2"),
            any("d1", "d2"),
            any("e1", "e2"),
            any("f1", "f2")
        ));
        assert!(dnf(expr).unwrap_err()[0].contains("expands to 64 alternatives"));
    }
}

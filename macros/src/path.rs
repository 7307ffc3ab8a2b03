//! Validate stage, path part: checks a route path written in axum 0.8 syntax
//! (`/users/{id}`, `/files/{*rest}`) and extracts its parameters.
//!
//! Problems are returned as messages, not `syn::Error`s: a span cannot point
//! inside a string literal on stable Rust, so the caller attaches them all to
//! the path literal and prefixes the handler name.

/// A `{name}` or `{*name}` segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathParam {
    pub(crate) name: String,
    /// `{*name}`: matches the rest of the path, slashes included.
    pub(crate) catch_all: bool,
}

/// One `/`-separated piece of the path after its leading `/`; the runtime
/// gets these as `PathSegment`s and never parses the string again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    Static(String),
    Param(PathParam),
}

/// The parameters of `segments`, in order.
pub(crate) fn params(segments: &[Segment]) -> impl Iterator<Item = &PathParam> {
    segments.iter().filter_map(|segment| match segment {
        Segment::Static(_) => None,
        Segment::Param(param) => Some(param),
    })
}

/// Checks `path`; on success returns its segments.
pub(crate) fn parse(path: &str) -> Result<Vec<Segment>, Vec<String>> {
    let mut problems = Vec::new();
    let shown = path.escape_debug().to_string();

    let segments = match path.strip_prefix('/') {
        Some(rest) => rest,
        None => {
            problems
                .push(format!("path `{shown}` must start with `/`\nhelp: write `\"/{shown}\"`"));
            path
        }
    };
    if path.chars().any(char::is_whitespace) {
        problems.push(format!(
            "path `{shown}` contains whitespace\nhelp: percent-encode it (`%20`) or remove it"
        ));
    }
    if path.contains('?') {
        problems.push(format!(
            "path `{shown}` contains a query string\n\
             help: remove the `?...` part and read query parameters with axum's `Query` extractor"
        ));
    }
    if path.contains('#') {
        problems.push(format!(
            "path `{shown}` contains a fragment\n\
             note: clients never send the `#...` part of a URL to the server"
        ));
    }

    let mut parsed: Vec<Segment> = Vec::new();
    let segments: Vec<&str> = segments.split('/').collect();
    for (index, segment) in segments.iter().enumerate() {
        let is_last = index + 1 == segments.len();
        match parse_segment(segment) {
            Parsed::Static => parsed.push(Segment::Static((*segment).to_owned())),
            Parsed::Invalid(problem) => problems.push(problem),
            Parsed::Param(param) => {
                if param.catch_all && !is_last {
                    problems.push(format!(
                        "catch-all parameter `{{*{}}}` must be the last path segment",
                        param.name
                    ));
                }
                if params(&parsed).any(|p| p.name == param.name) {
                    problems.push(format!("duplicate path parameter `{}`", param.name));
                } else {
                    parsed.push(Segment::Param(param));
                }
            }
        }
    }

    if problems.is_empty() { Ok(parsed) } else { Err(problems) }
}

enum Parsed {
    Static,
    Param(PathParam),
    Invalid(String),
}

fn parse_segment(segment: &str) -> Parsed {
    let shown = segment.escape_debug();

    // axum 0.7 (matchit 0.7) syntax is the most likely mistake when porting,
    // and axum 0.8 would treat it as a literal segment, silently.
    if let Some(name) = segment.strip_prefix(':').filter(|n| !n.is_empty()) {
        return Parsed::Invalid(format!(
            "path segment `{shown}` uses axum 0.7 syntax\n\
             help: axum 0.8 writes path parameters as `{{{}}}`",
            name.escape_debug()
        ));
    }
    if let Some(name) = segment.strip_prefix('*').filter(|n| !n.is_empty()) {
        return Parsed::Invalid(format!(
            "path segment `{shown}` uses axum 0.7 syntax\n\
             help: axum 0.8 writes catch-all parameters as `{{*{}}}`",
            name.escape_debug()
        ));
    }

    if !segment.contains(['{', '}']) {
        return Parsed::Static;
    }

    let mut depth = 0_i32;
    for c in segment.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        if !(0..=1).contains(&depth) {
            break;
        }
    }
    if depth != 0 {
        return Parsed::Invalid(format!(
            "unbalanced braces in path segment `{shown}`\nhelp: write path parameters as `{{name}}`"
        ));
    }

    let inner = match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
        Some(inner) if !inner.contains(['{', '}']) => inner,
        _ => {
            return Parsed::Invalid(format!(
                "path parameter in `{shown}` must be a whole segment\n\
                 help: write path parameters as their own segment, e.g. `/users/{{id}}`"
            ));
        }
    };

    if inner.is_empty() {
        return Parsed::Invalid(
            "empty path parameter `{}`\nhelp: name the parameter, e.g. `{id}`".to_owned(),
        );
    }
    let (name, catch_all) = match inner.strip_prefix('*') {
        Some(name) => (name, true),
        None => (inner, false),
    };
    if !is_identifier(name) {
        return Parsed::Invalid(format!(
            "invalid path parameter name `{shown}`\n\
             note: names must look like Rust identifiers (ASCII letters, digits and `_`) \
             so that `Path<T>` can deserialize them into struct fields"
        ));
    }
    Parsed::Param(PathParam { name: name.to_owned(), catch_all })
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let starts_well = matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic());
    starts_well && name != "_" && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(path: &str) -> Vec<(String, bool)> {
        match parse(path) {
            Ok(segments) => {
                super::params(&segments).map(|p| (p.name.clone(), p.catch_all)).collect()
            }
            Err(problems) => panic!("{path:?} rejected: {problems:#?}"),
        }
    }

    /// The first line of every problem, which is enough to tell them apart.
    fn problems(path: &str) -> Vec<String> {
        match parse(path) {
            Ok(params) => panic!("{path:?} accepted with {params:?}"),
            Err(problems) => {
                problems.iter().map(|p| p.lines().next().unwrap_or_default().to_owned()).collect()
            }
        }
    }

    #[test]
    fn accepts_axum_08_paths() {
        assert!(params("/").is_empty());
        assert!(params("/private/info/").is_empty());
        assert!(params("/a-b/c_d/e.json").is_empty());
        assert_eq!(params("/users/{id}"), [("id".to_owned(), false)]);
        assert_eq!(
            params("/users/{user_id}/posts/{_post2}"),
            [("user_id".to_owned(), false), ("_post2".to_owned(), false)]
        );
        assert_eq!(
            params("/files/{dir}/{*rest}"),
            [("dir".to_owned(), false), ("rest".to_owned(), true)]
        );
        // matchit treats `:` inside a segment literally.
        assert!(params("/time/12:30").is_empty());
    }

    #[test]
    fn segments_rebuild_the_path() {
        let param =
            |name: &str, catch_all| Segment::Param(PathParam { name: name.into(), catch_all });
        let stat = |text: &str| Segment::Static(text.into());
        assert_eq!(parse("/"), Ok(vec![stat("")]));
        assert_eq!(
            parse("/users/{id}/files/{*rest}"),
            Ok(vec![stat("users"), param("id", false), stat("files"), param("rest", true)])
        );
        assert_eq!(parse("/a//b/"), Ok(vec![stat("a"), stat(""), stat("b"), stat("")]));
    }

    #[test]
    fn requires_leading_slash() {
        assert_eq!(problems("users"), ["path `users` must start with `/`"]);
        assert_eq!(problems(""), ["path `` must start with `/`"]);
        let help = &parse("users").unwrap_err()[0];
        assert!(help.ends_with("help: write `\"/users\"`"), "{help}");
    }

    #[test]
    fn rejects_whitespace_query_and_fragment() {
        assert_eq!(problems("/a b"), ["path `/a b` contains whitespace"]);
        assert_eq!(problems("/a\tb"), ["path `/a\\tb` contains whitespace"]);
        assert_eq!(problems("/search?q=1"), ["path `/search?q=1` contains a query string"]);
        assert_eq!(problems("/page#top"), ["path `/page#top` contains a fragment"]);
    }

    #[test]
    fn rejects_axum_07_syntax_with_help() {
        let colon = parse("/users/:id").unwrap_err();
        assert_eq!(
            colon,
            ["path segment `:id` uses axum 0.7 syntax\n\
              help: axum 0.8 writes path parameters as `{id}`"]
        );
        let star = parse("/files/*rest").unwrap_err();
        assert_eq!(
            star,
            ["path segment `*rest` uses axum 0.7 syntax\n\
              help: axum 0.8 writes catch-all parameters as `{*rest}`"]
        );
    }

    #[test]
    fn rejects_malformed_parameters() {
        assert_eq!(problems("/users/{id"), ["unbalanced braces in path segment `{id`"]);
        assert_eq!(problems("/users/id}"), ["unbalanced braces in path segment `id}`"]);
        assert_eq!(problems("/users/}id{"), ["unbalanced braces in path segment `}id{`"]);
        assert_eq!(problems("/users/{{id}}"), ["unbalanced braces in path segment `{{id}}`"]);
        assert_eq!(problems("/users/{}"), ["empty path parameter `{}`"]);
        assert_eq!(problems("/users/{*}"), ["invalid path parameter name `{*}`"]);
        assert_eq!(problems("/users/{1st}"), ["invalid path parameter name `{1st}`"]);
        assert_eq!(problems("/users/{a-b}"), ["invalid path parameter name `{a-b}`"]);
        assert_eq!(problems("/users/{_}"), ["invalid path parameter name `{_}`"]);
        assert_eq!(
            problems("/users/user-{id}"),
            ["path parameter in `user-{id}` must be a whole segment"]
        );
        assert_eq!(
            problems("/users/{a}{b}"),
            ["path parameter in `{a}{b}` must be a whole segment"]
        );
    }

    #[test]
    fn rejects_duplicates_and_misplaced_catch_all() {
        assert_eq!(problems("/a/{id}/b/{id}"), ["duplicate path parameter `id`"]);
        assert_eq!(
            problems("/files/{*rest}/meta"),
            ["catch-all parameter `{*rest}` must be the last path segment"]
        );
        assert_eq!(
            problems("/files/{*rest}/"),
            ["catch-all parameter `{*rest}` must be the last path segment"]
        );
    }

    #[test]
    fn reports_every_problem() {
        assert_eq!(
            problems("users?/:id/{id}/{id}"),
            [
                "path `users?/:id/{id}/{id}` must start with `/`",
                "path `users?/:id/{id}/{id}` contains a query string",
                "path segment `:id` uses axum 0.7 syntax",
                "duplicate path parameter `id`",
            ]
        );
    }
}

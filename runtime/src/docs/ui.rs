//! The interactive docs page: Swagger UI, its JS and CSS compiled into the
//! binary by the `swagger-ui-dist` crate, so the page works offline.
//!
//! The crate's own index page builds asset URLs from the request URI, which
//! breaks under a trailing slash (`/docs//swagger-ui.css`) and a query
//! string, so Warden writes the page itself and only forwards the two asset
//! paths to the crate's router.

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use tower::ServiceExt;

const CSS: &str = "swagger-ui.css";
const JS: &str = "swagger-ui-bundle.js";
const INIT: &str = "warden-docs.js";

/// How the docs page behaves.
#[derive(Clone, Debug, Default)]
pub(crate) struct Options {
    /// Swagger UI's `persistAuthorization`: keep a pasted token in the
    /// browser's `localStorage` across reloads. Off by default: any script on
    /// the origin could read it there.
    pub(crate) persist_authorization: bool,
}

/// What every docs response carries: a Content-Security-Policy allowing only
/// the page's own assets (Swagger UI sets inline styles and `data:` images)
/// and requests to its own origin, no framing, no sniffing, no referrer.
const SECURITY_HEADERS: [(header::HeaderName, &str); 4] = [
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'",
    ),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_FRAME_OPTIONS, "DENY"),
];

/// Routes serving the docs page at `path` (e.g. `/docs/`) for the document
/// served at `schema_path`.
///
/// Every URL the page uses is relative (`./swagger-ui.css`,
/// `../schema/`), so the page keeps working when the app is nested under
/// a prefix (`Router::nest("/api/v1", app)`) or served behind a gateway
/// that adds one.
pub(crate) fn routes<S>(path: &str, schema_path: &str, title: &str, options: &Options) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let prefix = path.trim_end_matches('/');
    let assets = swagger_ui_dist::generate_routes(swagger_ui_dist::ApiDefinition {
        uri_prefix: prefix.to_owned(),
        api_definition: swagger_ui_dist::OpenApiSource::Uri(schema_path.to_owned()),
        title: None,
    });
    let page = Html(page(title));
    let init = init_script(&relative(prefix, schema_path), options);
    let mut router = Router::new().route(
        &format!("{prefix}/"),
        get(move || async move {
            (SECURITY_HEADERS, [(header::CACHE_CONTROL, "no-cache")], page.clone())
        }),
    );
    if !prefix.is_empty() {
        // `/docs` → `docs/`: relative, so it resolves under any prefix.
        let last = prefix.rsplit('/').next().unwrap_or_default();
        let location = format!("{last}/");
        router = router.route(
            prefix,
            get(move || async move {
                (StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, location.clone())])
            }),
        );
    }
    router = router.route(
        &format!("{prefix}/{INIT}"),
        get(move || async move {
            (
                SECURITY_HEADERS,
                [
                    (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                    (header::CACHE_CONTROL, "no-cache"),
                ],
                init.clone(),
            )
        }),
    );
    for asset in [CSS, JS] {
        let assets = assets.clone();
        // axum refuses a `Router` as a route service; a handler forwarding to
        // it is fine.
        router = router.route(
            &format!("{prefix}/{asset}"),
            get(move |request: Request| async move {
                let mut response = assets.oneshot(request).await.into_response();
                for (name, value) in SECURITY_HEADERS {
                    response.headers_mut().insert(name, HeaderValue::from_static(value));
                }
                response
            }),
        );
    }
    router
}

/// Every path the docs page occupies under `path`.
pub(crate) fn paths(path: &str) -> Vec<String> {
    let prefix = path.trim_end_matches('/');
    let mut paths = vec![format!("{prefix}/")];
    if !prefix.is_empty() {
        paths.push(prefix.to_owned());
    }
    paths.extend([CSS, JS, INIT].map(|asset| format!("{prefix}/{asset}")));
    paths
}

/// `target` relative to the directory `{dir}/`: `/docs` + `/schema/` →
/// `../schema/`.
fn relative(dir: &str, target: &str) -> String {
    let depth = dir.split('/').filter(|s| !s.is_empty()).count();
    let up = if depth == 0 { "./".to_owned() } else { "../".repeat(depth) };
    format!("{up}{}", target.trim_start_matches('/'))
}

fn page(title: &str) -> String {
    let title = html_escape(title);
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} — docs</title>
  <link rel="stylesheet" href="./{CSS}">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="./{JS}"></script>
  <script src="./{INIT}"></script>
</body>
</html>
"#
    )
}

/// The page's own script, served as an asset so the CSP needs no
/// `'unsafe-inline'` for scripts.
fn init_script(schema_url: &str, options: &Options) -> String {
    // A JSON string literal is a valid JavaScript string literal.
    let schema = serde_json::to_string(schema_url).unwrap_or_default();
    let persist = options.persist_authorization;
    format!(
        r##"window.onload = () => {{
  window.ui = SwaggerUIBundle({{
    url: {schema},
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: {persist},
    withCredentials: true,
    validatorUrl: null,
  }});
}};
"##
    )
}

fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_url_is_relative_to_the_docs_directory() {
        assert_eq!(relative("/docs", "/schema/"), "../schema/");
        assert_eq!(relative("/api/docs", "/schema/"), "../../schema/");
        assert_eq!(relative("", "/schema/"), "./schema/");
    }
}

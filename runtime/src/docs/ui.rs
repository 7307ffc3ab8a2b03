//! The interactive docs page: Swagger UI, its JS and CSS compiled into the
//! binary by the `swagger-ui-dist` crate, so the page works offline.
//!
//! The crate's own index page builds asset URLs from the request URI, which
//! breaks under a trailing slash (`/docs//swagger-ui.css`) and a query
//! string, so Warden writes the page itself and only forwards the two asset
//! paths to the crate's router.

use axum::Router;
use axum::extract::Request;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use tower::ServiceExt;

const CSS: &str = "swagger-ui.css";
const JS: &str = "swagger-ui-bundle.js";

/// Routes serving the docs page at `path` (e.g. `/docs/`) for the document
/// served at `schema_path`.
pub(crate) fn routes<S>(path: &str, schema_path: &str, title: &str) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let prefix = path.trim_end_matches('/');
    let assets = swagger_ui_dist::generate_routes(swagger_ui_dist::ApiDefinition {
        uri_prefix: prefix.to_owned(),
        api_definition: swagger_ui_dist::OpenApiSource::Uri(schema_path.to_owned()),
        title: None,
    });
    let page = Html(page(prefix, schema_path, title));
    let mut router = Router::new();
    for route in page_paths(prefix) {
        let page = page.clone();
        router = router.route(
            &route,
            get(move || async move {
                ([(header::CACHE_CONTROL, "no-cache")], page.clone()).into_response()
            }),
        );
    }
    for asset in [CSS, JS] {
        let assets = assets.clone();
        // axum refuses a `Router` as a route service; a handler forwarding to
        // it is fine.
        router =
            router.route(
                &format!("{prefix}/{asset}"),
                get(move |request: Request| async move {
                    assets.oneshot(request).await.into_response()
                }),
            );
    }
    router
}

/// Every path the docs page occupies under `path`.
pub(crate) fn paths(path: &str) -> Vec<String> {
    let prefix = path.trim_end_matches('/');
    let mut paths = page_paths(prefix);
    paths.extend([CSS, JS].map(|asset| format!("{prefix}/{asset}")));
    paths
}

/// The page answers with and without the trailing slash.
fn page_paths(prefix: &str) -> Vec<String> {
    if prefix.is_empty() {
        vec!["/".to_owned()]
    } else {
        vec![prefix.to_owned(), format!("{prefix}/")]
    }
}

fn page(prefix: &str, schema_path: &str, title: &str) -> String {
    let title = html_escape(title);
    // JSON string literals are valid JavaScript and need no further escaping
    // beyond `</` for the HTML parser.
    let schema = serde_json::to_string(schema_path).unwrap_or_default().replace("</", "<\\/");
    format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} — docs</title>
  <link rel="stylesheet" href="{prefix}/{CSS}">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{prefix}/{JS}"></script>
  <script>
    window.onload = () => {{
      window.ui = SwaggerUIBundle({{
        url: {schema},
        dom_id: "#swagger-ui",
        deepLinking: true,
        persistAuthorization: true,
        withCredentials: true,
        validatorUrl: null,
      }});
    }};
  </script>
</body>
</html>
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

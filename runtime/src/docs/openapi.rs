//! The OpenAPI 3.1 document, built from the same table the auth layer
//! enforces: a protected route cannot be documented without its security,
//! nor enforced without being documented.

use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value, json};

use crate::auth::Authenticator;
use crate::table::{PathSegment, Policy, Route};

/// Security scheme names used in the document.
const BEARER_SCHEME: &str = "bearerAuth";
const COOKIE_SCHEME: &str = "cookieAuth";

/// What the document says about the API as a whole.
#[derive(Debug)]
pub(crate) struct Info<'a> {
    pub(crate) title: &'a str,
    pub(crate) version: &'a str,
    pub(crate) description: Option<&'a str>,
}

/// Builds the document for `routes`.
pub(crate) fn document<'r>(
    info: &Info<'_>,
    routes: impl IntoIterator<Item = &'r Route>,
    auth: Option<&Authenticator>,
) -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator();

    let schemes = auth.map(security_schemes).unwrap_or_default();
    let mut paths = Map::new();
    for route in routes {
        let operation = operation(route, &schemes, &mut generator);
        let item = paths.entry(template(route)).or_insert_with(|| json!({}));
        item[route.method().as_lowercase_str()] = operation;
    }

    let mut schemas = generator.take_definitions(true);
    schemas.insert("Error".into(), error_schema());
    let mut components = json!({
        "schemas": schemas,
        "responses": {
            "Unauthorized": error_response("Missing or invalid token"),
            "Forbidden": error_response(
                "The token lacks a required permission, or a cross-site request used the cookie"
            ),
            "BadRequest": error_response(
                "The request body is invalid, or the request carries several tokens"
            ),
        },
    });
    if !schemes.is_empty() {
        components["securitySchemes"] = Value::Object(schemes.into_iter().collect());
    }

    let mut info_value = json!({"title": info.title, "version": info.version});
    if let Some(description) = info.description {
        info_value["description"] = description.into();
    }
    json!({
        "openapi": "3.1.0",
        "info": info_value,
        "paths": paths,
        "components": components,
    })
}

/// `securitySchemes`: the header as configured (`http bearer` for
/// `Authorization: Bearer`, else an API key header) and the cookie.
fn security_schemes(auth: &Authenticator) -> Vec<(String, Value)> {
    let (header, scheme) = auth.header();
    let header_scheme = if header == axum::http::header::AUTHORIZATION {
        json!({
            "type": "http",
            "scheme": scheme.to_ascii_lowercase(),
            "bearerFormat": "JWT",
            "description": format!("`Authorization: {scheme} <JWT>`"),
        })
    } else {
        json!({
            "type": "apiKey",
            "in": "header",
            "name": header.as_str(),
            "description": format!("`{}: {scheme} <JWT>`", header.as_str()),
        })
    };
    let mut schemes = vec![(BEARER_SCHEME.to_owned(), header_scheme)];
    if let Some(cookie) = auth.cookie_name() {
        schemes.push((
            COOKIE_SCHEME.to_owned(),
            json!({
                "type": "apiKey",
                "in": "cookie",
                "name": cookie,
                "description": "The JWT in a cookie, as browsers send it. Swagger UI cannot set \
                                cookies for its requests: authorize with the header scheme there.",
            }),
        ));
    }
    schemes
}

fn operation(route: &Route, schemes: &[(String, Value)], generator: &mut SchemaGenerator) -> Value {
    let mut op = Map::new();
    op.insert("operationId".into(), route.name().into());
    if let Some(summary) = route.summary() {
        op.insert("summary".into(), summary.into());
    }
    if let Some(description) = route.description() {
        op.insert("description".into(), description.into());
    }
    if !route.tags().is_empty() {
        op.insert("tags".into(), route.tags().into());
    }
    let parameters: Vec<Value> = route
        .params()
        .map(|name| {
            json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}})
        })
        .collect();
    if !parameters.is_empty() {
        op.insert("parameters".into(), parameters.into());
    }

    let mut responses = Map::new();
    let mut ok = json!({"description": "Successful response"});
    if let Some(schema) = route.response_schema(generator) {
        ok["content"] = json!({"application/json": {"schema": schema}});
    }
    responses.insert("200".into(), ok);
    if let Some(schema) = route.request_schema(generator) {
        op.insert(
            "requestBody".into(),
            json!({"required": true, "content": {"application/json": {"schema": schema}}}),
        );
        responses.insert("400".into(), json!({"$ref": "#/components/responses/BadRequest"}));
    }

    let policy = route.policy();
    if !policy.is_public() {
        responses.insert("401".into(), json!({"$ref": "#/components/responses/Unauthorized"}));
        // 403 also on `authenticated` routes: SPEC §4 documents both on every
        // protected route, and a cross-site cookie request gets 403 there.
        responses.insert("403".into(), json!({"$ref": "#/components/responses/Forbidden"}));
        // Ambiguous credentials (two headers or cookies) are a 400.
        responses
            .entry("400")
            .or_insert_with(|| json!({"$ref": "#/components/responses/BadRequest"}));
        let alternatives = policy.alternatives();
        // The requirement list is an OR: one entry per permission set and
        // scheme (any scheme carries the token), each listing the set.
        let sets: &[&[&str]] = if alternatives.is_empty() { &[&[]] } else { alternatives };
        let security: Vec<Value> = sets
            .iter()
            .flat_map(|set| schemes.iter().map(move |(name, _)| json!({ name.as_str(): set })))
            .collect();
        op.insert("security".into(), security.into());
        op.insert("x-permissions".into(), x_permissions(policy));
    }
    op.insert("responses".into(), responses.into());
    Value::Object(op)
}

/// `["a", "b"]` for all-of, `{"anyOf": [["a"], ["b", "c"]]}` for
/// alternatives, `[]` for any valid token.
fn x_permissions(policy: &Policy) -> Value {
    match policy {
        Policy::AnyOf(alternatives) => json!({ "anyOf": alternatives }),
        _ => json!(policy.alternatives().first().copied().unwrap_or_default()),
    }
}

/// The OpenAPI path template: axum's `{*rest}` wildcard is `{rest}` there.
fn template(route: &Route) -> String {
    let mut out = String::with_capacity(route.path().len());
    for segment in route.segments() {
        out.push('/');
        match segment {
            PathSegment::Static(text) => out.push_str(text),
            PathSegment::Param(name) | PathSegment::CatchAll(name) => {
                out.push('{');
                out.push_str(name);
                out.push('}');
            }
        }
    }
    out
}

fn error_schema() -> Value {
    json!({
        "type": "object",
        "description": "Flama's error envelope",
        "required": ["status_code", "detail", "error"],
        "properties": {
            "status_code": {"type": "integer"},
            "detail": {
                "oneOf": [
                    {"type": "string"},
                    {
                        "type": "object",
                        "properties": {
                            "error": {"type": "string"},
                            "description": {"type": "string"},
                        },
                    },
                ],
            },
            "error": {"type": ["string", "null"]},
        },
    })
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    })
}

//! The OpenAPI 3.1 document, built from the same table the auth layer
//! enforces: a protected route cannot be documented without its security,
//! nor enforced without being documented.

use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value, json};

use crate::auth::Authenticator;
use crate::table::{Method, PathSegment, Policy, Route};

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
            "BadRequest": error_response(
                "The request is invalid (its body, path or query parameters), or carries \
                 several tokens"
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
    let policy = route.policy();
    let mut op = Map::new();
    op.insert("operationId".into(), route.name().into());
    if let Some(summary) = route.summary() {
        op.insert("summary".into(), summary.into());
    }
    // Swagger UI shows the description in the operation's view, not the
    // `x-permissions` extension: the policy is written there too.
    let description = match (route.description(), policy_sentence(policy)) {
        (Some(text), Some(policy)) => Some(format!("{text}\n\n{policy}")),
        (Some(text), None) => Some(text.to_owned()),
        (None, policy) => policy,
    };
    if let Some(description) = description {
        op.insert("description".into(), description.into());
    }
    if !route.tags().is_empty() {
        op.insert("tags".into(), route.tags().into());
    }
    let mut parameters = path_parameters(route, generator);
    parameters.extend(query_parameters(route, generator));
    if !parameters.is_empty() {
        op.insert("parameters".into(), parameters.into());
    }

    let mut responses = Map::new();
    let mut ok = json!({"description": "Successful response"});
    if let Some(schema) = route.response_schema(generator) {
        ok["content"] = json!({"application/json": {"schema": schema}});
    }
    responses.insert(route.status().to_string(), ok);
    let request_body = route.request_schema(generator);
    // A body, path or query that does not parse is a 400 (and so are
    // several credentials on a protected route, below).
    if route.extracts_params() || request_body.is_some() {
        responses.insert("400".into(), json!({"$ref": "#/components/responses/BadRequest"}));
    }
    if let Some(schema) = request_body {
        op.insert(
            "requestBody".into(),
            json!({"required": true, "content": {"application/json": {"schema": schema}}}),
        );
    }

    if !policy.is_public() {
        responses.insert("401".into(), json!({"$ref": "#/components/responses/Unauthorized"}));
        responses
            .entry("400")
            .or_insert_with(|| json!({"$ref": "#/components/responses/BadRequest"}));
        if let Some(forbidden) = forbidden(route, schemes) {
            responses.insert("403".into(), error_response(forbidden));
        }
        let alternatives = policy.alternatives();
        // The requirement list is an OR: one entry per permission set and
        // scheme (any scheme carries the token), each listing the set.
        let sets: &[&[&str]] = if alternatives.is_empty() { &[&[]] } else { alternatives };
        let mut security: Vec<Value> = sets
            .iter()
            .flat_map(|set| schemes.iter().map(move |(name, _)| json!({ name.as_str(): set })))
            .collect();
        if matches!(policy, Policy::Optional) {
            // The empty requirement: anonymous requests are accepted too.
            security.push(json!({}));
        }
        op.insert("security".into(), security.into());
        op.insert("x-permissions".into(), x_permissions(policy));
    }
    // The handler's own error answers, as `responses(...)` describes them,
    // win over the generic texts above for the same status.
    for (status, description) in route.responses() {
        responses.insert(status.to_string(), error_response(description));
    }
    op.insert("responses".into(), responses.into());
    Value::Object(op)
}

/// Why the route can answer 403, or `None` when it cannot: a permission it
/// requires, or the CSRF guard, which refuses a token read from the cookie
/// on a cross-site request with an unsafe method.
fn forbidden(route: &Route, schemes: &[(String, Value)]) -> Option<&'static str> {
    if matches!(route.policy(), Policy::Optional) {
        // An optional route never refuses a request for what its token
        // lacks: an invalid token is a 401.
        return None;
    }
    let permissions = !route.policy().alternatives().is_empty();
    let unsafe_method =
        !matches!(route.method(), Method::Get | Method::Head | Method::Options | Method::Trace);
    let cross_site = unsafe_method && schemes.iter().any(|(name, _)| name == COOKIE_SCHEME);
    match (permissions, cross_site) {
        (true, true) => Some(
            "The token lacks the required permissions, or a cross-site request carried it in the \
             cookie",
        ),
        (true, false) => Some("The token lacks the required permissions"),
        (false, true) => Some("A cross-site request carried the token in the cookie"),
        (false, false) => None,
    }
}

/// The policy in words, for the operation's description.
fn policy_sentence(policy: &Policy) -> Option<String> {
    fn all(set: &[&str]) -> String {
        let names: Vec<String> = set.iter().map(|p| format!("`{p}`")).collect();
        match names.as_slice() {
            [one] => format!("the permission {one}"),
            [init @ .., last] => format!("the permissions {} and {last}", init.join(", ")),
            [] => "no permission".to_owned(),
        }
    }
    let sentence = match policy {
        Policy::Public => return None,
        Policy::Authenticated => "any valid token".to_owned(),
        Policy::Optional => "optional; a token, when sent, must be valid".to_owned(),
        Policy::Permissions(set) => format!("a token with {}", all(set)),
        Policy::AnyOf(sets) => {
            let sets: Vec<String> = sets.iter().map(|set| all(set)).collect();
            format!("a token with {}", sets.join(", or "))
        }
    };
    Some(format!("**Authorization:** {sentence}."))
}

/// One `in: path` parameter per `{name}`, typed from `Path<T>`: a tuple by
/// position, a struct by field name, a scalar for a single parameter;
/// `string` where `T` says nothing.
fn path_parameters(route: &Route, generator: &mut SchemaGenerator) -> Vec<Value> {
    let names: Vec<&str> = route.params().collect();
    let schema = route.path_params_schema(generator);
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let typed = schema.as_ref().and_then(|schema| {
                if let Some(items) = schema.get("prefixItems").and_then(Value::as_array) {
                    items.get(i).cloned()
                } else if let Some(fields) = schema.get("properties").and_then(Value::as_object) {
                    fields.get(*name).cloned()
                } else if names.len() == 1 && schema.get("type").is_some_and(|t| t != "object") {
                    Some(schema.clone())
                } else {
                    None
                }
            });
            parameter(name, "path", true, typed.unwrap_or_else(|| json!({"type": "string"})))
        })
        .collect()
}

/// One `in: query` parameter per property of `Query<T>`'s schema, required
/// as the schema says.
fn query_parameters(route: &Route, generator: &mut SchemaGenerator) -> Vec<Value> {
    let Some(schema) = route.query_params_schema(generator) else { return Vec::new() };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, schema)| {
            parameter(name, "query", required.contains(&name.as_str()), schema.clone())
        })
        .collect()
}

/// A parameter object; a description in the schema moves up to it, where
/// Swagger UI shows it.
fn parameter(name: &str, location: &str, required: bool, mut schema: Value) -> Value {
    let mut parameter = json!({"name": name, "in": location, "required": required});
    if let Some(description) = schema.as_object_mut().and_then(|s| s.remove("description")) {
        parameter["description"] = description;
    }
    parameter["schema"] = schema;
    parameter
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

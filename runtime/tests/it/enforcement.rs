//! Policies: who gets 200, 401 or 403, from the header or the cookie.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::json;
use warden::jwt::Algorithm;
use warden::{Auth, PermissionSource, route};

use crate::support::*;

#[tokio::test]
async fn public_route_needs_no_token() {
    let answer = send(&app(), get("/public/").body(Body::empty()).unwrap()).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body, json!({"public": true}));
}

#[tokio::test]
async fn no_token_is_401_with_bearer_challenge() {
    for path in ["/me/", "/private/", "/admin/"] {
        let answer = send(&app(), get(path).body(Body::empty()).unwrap()).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(answer.body, unauthorized_body());
        assert_eq!(answer.www_authenticate(), "Bearer");
        assert_eq!(answer.headers["content-type"], "application/json");
    }
}

#[tokio::test]
async fn authenticated_route_accepts_any_valid_token_and_sees_claims() {
    let answer = get_bearer(&app(), "/me/", &token_with(&[])).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body, json!({"sub": "ada"}));
}

#[tokio::test]
async fn missing_permission_is_403_with_insufficient_scope() {
    let answer = get_bearer(&app(), "/admin/", &token_with(&["read"])).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.body, forbidden_body());
    assert_eq!(
        answer.www_authenticate(),
        r#"Bearer error="insufficient_scope", scope="read admin""#
    );
}

#[tokio::test]
async fn all_permissions_is_200() {
    let answer = get_bearer(&app(), "/admin/", &token_with(&["admin", "read", "other"])).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body, json!({"admin": true}));
}

#[tokio::test]
async fn permissions_from_roles_and_top_level_claim() {
    let router = app();
    let roles = token(Algorithm::HS256, json!({"data": {"roles": {"reader": ["read"]}}}));
    assert_eq!(get_bearer(&router, "/private/", &roles).await.status, StatusCode::OK);
    let top = token(Algorithm::HS256, json!({"permissions": ["read"]}));
    assert_eq!(get_bearer(&router, "/private/", &top).await.status, StatusCode::OK);
    let scope = token(Algorithm::HS256, json!({"scope": "read"}));
    assert_eq!(get_bearer(&router, "/private/", &scope).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn scope_permission_source() {
    let router = app_with(auth(verifier()).permissions(PermissionSource::Scope("scope".into())));
    let scope = token(Algorithm::HS256, json!({"scope": "write read"}));
    assert_eq!(get_bearer(&router, "/private/", &scope).await.status, StatusCode::OK);
    assert_eq!(
        get_bearer(&router, "/private/", &token_with(&["read"])).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn scheme_is_case_insensitive_and_allows_several_spaces() {
    let token = token_with(&["read"]);
    for header in [format!("bearer {token}"), format!("BEARER   {token}")] {
        let answer = get_with_header(&app(), "/private/", &header).await;
        assert_eq!(answer.status, StatusCode::OK, "{header}");
    }
}

#[tokio::test]
async fn non_bearer_header_counts_as_no_token_and_does_not_fall_back_to_cookie() {
    let token = token_with(&["read"]);
    for header in
        ["Basic dXNlcjpwYXNz".to_owned(), "Bearer".to_owned(), "Bearer ".to_owned(), token.clone()]
    {
        let request = get("/private/")
            .header("authorization", &header)
            .header("cookie", format!("access_token={token}"))
            .body(Body::empty())
            .unwrap();
        let answer = send(&app(), request).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{header}");
        assert_eq!(answer.body, unauthorized_body());
    }
}

#[tokio::test]
async fn cookie_carries_the_token_when_no_header() {
    let token = token_with(&["read"]);
    let request = get("/private/")
        .header("cookie", format!("theme=dark; access_token={token}; lang=en"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app(), request).await.status, StatusCode::OK);

    let request = get("/admin/")
        .header("cookie", format!("access_token={token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app(), request).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn cookie_name_is_configurable_and_can_be_disabled() {
    let token = token_with(&["read"]);
    let request = |name: &str| {
        get("/private/").header("cookie", format!("{name}={token}")).body(Body::empty()).unwrap()
    };
    let custom = app_with(auth(verifier()).cookie("jwt"));
    assert_eq!(send(&custom, request("jwt")).await.status, StatusCode::OK);
    assert_eq!(send(&custom, request("access_token")).await.status, StatusCode::UNAUTHORIZED);
    let none = app_with(auth(verifier()).no_cookie());
    assert_eq!(send(&none, request("access_token")).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn custom_header_and_scheme() {
    let router = app_with(auth(verifier()).header("X-Api-Token", "Token").unwrap());
    let token = token_with(&["read"]);
    let request = get("/private/")
        .header("x-api-token", format!("token {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&router, request).await.status, StatusCode::OK);
    let answer = get_bearer(&router, "/private/", &token).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn two_authorization_headers_are_rejected() {
    let token = token_with(&["read"]);
    let request = get("/private/")
        .header("authorization", format!("Bearer {token}"))
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let answer = send(&app(), request).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.www_authenticate(), r#"Bearer error="invalid_request""#);
    assert_eq!(answer.body["detail"], "multiple authorization headers");
}

#[tokio::test]
async fn two_token_cookies_are_rejected() {
    let token = token_with(&["read"]);
    let request = get("/private/")
        .header("cookie", format!("access_token={token}; access_token={token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app(), request).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn head_follows_the_get_policy() {
    let request = axum::http::Request::head("/private/").body(Body::empty()).unwrap();
    assert_eq!(send(&app(), request).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn any_of_accepts_either_set_and_nothing_less() {
    let router = app();
    for (held, status) in [
        (&["admin"][..], StatusCode::OK),
        (&["read", "write"], StatusCode::OK),
        (&["write", "read", "extra"], StatusCode::OK),
        (&["read"], StatusCode::FORBIDDEN),
        (&["write"], StatusCode::FORBIDDEN),
        (&[], StatusCode::FORBIDDEN),
    ] {
        let answer = get_bearer(&router, "/either/", &token_with(held)).await;
        assert_eq!(answer.status, status, "{held:?}");
    }
    let answer = get_bearer(&router, "/either/", &token_with(&["read"])).await;
    // RFC 6750 names one scope: the first alternative.
    assert_eq!(answer.www_authenticate(), r#"Bearer error="insufficient_scope", scope="admin""#);
}

#[tokio::test]
async fn nested_all_of_any() {
    let router = app();
    for (held, status) in [
        (&["read", "x"][..], StatusCode::OK),
        (&["read", "y"], StatusCode::OK),
        (&["read"], StatusCode::FORBIDDEN),
        (&["x", "y"], StatusCode::FORBIDDEN),
    ] {
        assert_eq!(
            get_bearer(&router, "/nested/", &token_with(held)).await.status,
            status,
            "{held:?}"
        );
    }
}

#[tokio::test]
async fn declared_permission_is_enforced_by_its_value() {
    let router = app();
    assert_eq!(
        get_bearer(&router, "/audit/", &token_with(&["audit"])).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get_bearer(&router, "/audit/", &token_with(&["Audit"])).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn routes_from_two_lists_colliding_are_a_build_error() {
    // One `routes![...]` rejects duplicates at compile time; across calls the
    // app checks before serving.
    #[route(get, "/public/", public)]
    async fn again() {}
    let secret = secret();
    let err = warden::App::<()>::new("T", "1")
        .auth(Auth::new(warden::jwt::Verifier::hmac(&secret).build().unwrap()).build().unwrap())
        .routes(warden::routes![crate::support::public])
        .routes(warden::routes![again])
        .build()
        .unwrap_err();
    assert!(err.to_string().starts_with("duplicate route `GET /public/`"), "{err}");
}

#[tokio::test]
async fn quoted_cookie_value_and_stray_quotes() {
    let token = token_with(&["read"]);
    let cookie = |value: String| {
        get("/private/")
            .header("cookie", format!("access_token={value}"))
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(send(&app(), cookie(format!("\"{token}\""))).await.status, StatusCode::OK);
    assert_eq!(
        send(&app(), cookie(format!("\"\"\"{token}"))).await.status,
        StatusCode::UNAUTHORIZED
    );
}

fn cookie_post(token: &str, extra: &[(&str, &str)]) -> axum::http::Request<Body> {
    let mut builder = axum::http::Request::post("/models/")
        .header("host", "api.example.com")
        .header("cookie", format!("access_token={token}"))
        .header("content-type", "application/json");
    for (name, value) in extra {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::from(r#"{"name": "m", "size": 1}"#)).unwrap()
}

#[tokio::test]
async fn cross_site_cookie_requests_are_refused_on_unsafe_methods() {
    let token = token_with(&["write"]);
    let router = app();
    // No Origin (curl, servers) and same origin: accepted.
    assert_eq!(send(&router, cookie_post(&token, &[])).await.status, StatusCode::OK);
    let same = [("origin", "http://api.example.com"), ("sec-fetch-site", "same-origin")];
    assert_eq!(send(&router, cookie_post(&token, &same)).await.status, StatusCode::OK);
    // Another origin, or a browser saying cross-site: refused with 403.
    for extra in [
        &[("origin", "https://evil.example")][..],
        &[("sec-fetch-site", "cross-site")],
        &[("sec-fetch-site", "Cross-Site")],
        &[("origin", "null")],
        // The API is served over http here: another scheme is another origin.
        &[("origin", "https://api.example.com")],
        &[("origin", "foo://api.example.com")],
        &[("origin", "http://api.example.com:8080")],
        &[("origin", "http://api.example.com"), ("origin", "https://evil.example")],
        &[("origin", "http://api.example.com"), ("host", "evil.example")],
    ] {
        let answer = send(&router, cookie_post(&token, extra)).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{extra:?}");
        assert_eq!(answer.body["detail"], "Cross-site request with a cookie credential");
    }
    // The same token in the header is not a CSRF vector.
    let request = axum::http::Request::post("/models/")
        .header("origin", "https://evil.example")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(r#"{"name": "m", "size": 1}"#))
        .unwrap();
    assert_eq!(send(&router, request).await.status, StatusCode::OK);
    // Behind TLS: the https origin is the API's own, the http one is not.
    let https = app_with(auth(verifier()).public_scheme(true));
    let tls = [("origin", "https://api.example.com")];
    assert_eq!(send(&https, cookie_post(&token, &tls)).await.status, StatusCode::OK);
    let plain = [("origin", "http://api.example.com")];
    assert_eq!(send(&https, cookie_post(&token, &plain)).await.status, StatusCode::FORBIDDEN);
    // Trusted origins and the opt-out.
    let evil = [("origin", "https://evil.example")];
    let trusting = app_with(auth(verifier()).trust_origin("https://evil.example"));
    assert_eq!(send(&trusting, cookie_post(&token, &evil)).await.status, StatusCode::OK);
    let open = app_with(auth(verifier()).allow_cross_site_cookies());
    assert_eq!(send(&open, cookie_post(&token, &evil)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn optional_claims_on_a_public_route_are_none() {
    #[route(get, "/maybe/", public)]
    async fn maybe(claims: Option<warden::Claims>) -> String {
        claims.is_some().to_string()
    }
    let router = warden::App::<()>::new("T", "1").routes(warden::routes![maybe]).build().unwrap();
    let response = tower::ServiceExt::oneshot(
        router,
        get("/maybe/")
            .header("authorization", format!("Bearer {}", token_with(&[])))
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    let body = axum::body::to_bytes(response.into_body(), 64).await.unwrap();
    assert_eq!(&body[..], b"false");
}

#[warden::route(get, "/perhaps/", optional)]
async fn perhaps(claims: Option<warden::Claims>) -> warden::Json<serde_json::Value> {
    warden::Json(
        serde_json::json!({"sub": claims.as_ref().and_then(|c| c.sub()).map(str::to_owned)}),
    )
}

#[tokio::test]
async fn optional_routes_run_anonymous_or_with_valid_claims_never_with_bad_ones() {
    let router: axum::Router = warden::App::new("Optional", "1")
        .auth(auth(verifier()).build().unwrap())
        .routes(warden::routes![perhaps])
        .build()
        .unwrap();
    let anonymous = send(&router, get("/perhaps/").body(Body::empty()).unwrap()).await;
    assert_eq!(
        (anonymous.status, anonymous.body["sub"].clone()),
        (StatusCode::OK, serde_json::Value::Null)
    );
    let signed = get_bearer(&router, "/perhaps/", &token_with(&[])).await;
    assert_eq!((signed.status, signed.body["sub"].as_str()), (StatusCode::OK, Some("ada")));
    let forged = format!("{}x", token_with(&[]));
    assert_eq!(get_bearer(&router, "/perhaps/", &forged).await.status, StatusCode::UNAUTHORIZED);
    let not_bearer = get_with_header(&router, "/perhaps/", "Basic YWRhOg==").await;
    assert_eq!(not_bearer.status, StatusCode::OK, "a non-Bearer header is no token");
}

/// Through the verified-token cache (and its per-thread front), a token's
/// permissions are checked per route: one route's pass is not another's,
/// in either order, and each answer stays the same when asked again.
#[tokio::test]
async fn a_cached_token_is_checked_per_route_in_either_order() {
    let cached = app_with(auth(verifier().cache(16)));
    let t = token_with(&["read"]);
    for _ in 0..3 {
        assert_eq!(get_bearer(&cached, "/private/", &t).await.status, 200);
        assert_eq!(get_bearer(&cached, "/admin/", &t).await.status, 403);
    }
    let t = token_with(&["read", "x"]);
    for _ in 0..3 {
        assert_eq!(get_bearer(&cached, "/admin/", &t).await.status, 403);
        assert_eq!(get_bearer(&cached, "/nested/", &t).await.status, 200);
        assert_eq!(get_bearer(&cached, "/private/", &t).await.status, 200);
    }
}

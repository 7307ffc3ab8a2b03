//! Token validation through the router: algorithms, signatures, time claims,
//! issuer and audience, size, headers.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::json;
use warden::jwt::{Algorithm, HmacSecret, Jwt, Verifier};

use crate::support::*;

const DECODE: &str = "JWTDecodeException";
const VALIDATE: &str = "JWTValidateException";

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A token with arbitrary header and payload JSON text, HS256-signed with
/// the test secret over exactly the bytes given.
fn raw_token(header: &str, payload: &str) -> String {
    let input = format!("{}.{}", B64.encode(header), B64.encode(payload));
    let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(SECRET).unwrap();
    hmac::Mac::update(&mut mac, input.as_bytes());
    let sig = hmac::Mac::finalize(mac).into_bytes();
    format!("{input}.{}", B64.encode(sig))
}

#[tokio::test]
async fn hs256_hs384_hs512_are_accepted() {
    for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
        let t = token(alg, json!({"data": {"permissions": ["read"]}}));
        assert_eq!(get_bearer(&app(), "/private/", &t).await.status, 200, "{alg:?}");
    }
}

#[tokio::test]
async fn algorithm_outside_the_allow_list_is_rejected() {
    let router = app_with(auth(Verifier::hmac(&secret())));
    let t = token(Algorithm::HS512, json!({"data": {"permissions": ["read"]}}));
    let answer = get_bearer(&router, "/private/", &t).await;
    // An HMAC algorithm outside the list reads as a bad signature: "not
    // allowed" would tell which HMAC strengths the secret is long enough for.
    assert_invalid_token(&answer, DECODE, "signature verification failed", &t);
    let rs = raw_token(r#"{"alg":"RS256"}"#, r#"{"data":{"permissions":["read"]}}"#);
    let answer = get_bearer(&router, "/private/", &rs).await;
    assert_invalid_token(&answer, DECODE, "algorithm not allowed", &rs);
}

#[tokio::test]
async fn alg_none_and_case_altered_alg_are_rejected() {
    let payload = r#"{"data":{"permissions":["read"]}}"#;
    let none = format!("{}.{}.", B64.encode(r#"{"alg":"none"}"#), B64.encode(payload));
    let answer = get_bearer(&app(), "/private/", &none).await;
    assert_invalid_token(&answer, DECODE, "algorithm not allowed", &none);

    for alg in ["hs256", "Hs256", "HS256 ", "RS256", "ES256"] {
        let t = raw_token(&format!(r#"{{"alg":"{alg}"}}"#), payload);
        let answer = get_bearer(&app(), "/private/", &t).await;
        assert_invalid_token(&answer, DECODE, "algorithm not allowed", &t);
    }
    let t = raw_token(r#"{"typ":"JWT"}"#, payload);
    assert_invalid_token(
        &get_bearer(&app(), "/private/", &t).await,
        DECODE,
        "header has no algorithm",
        &t,
    );
}

#[tokio::test]
async fn wrong_key_is_rejected() {
    let other = HmacSecret::new([9; 64]);
    let t = Jwt::new(Algorithm::HS256, json!({"data": {"permissions": ["read"]}}))
        .unwrap()
        .encode(&other)
        .unwrap();
    let answer = get_bearer(&app(), "/private/", &t).await;
    assert_invalid_token(&answer, DECODE, "signature verification failed", &t);
}

#[tokio::test]
async fn tampered_payload_is_rejected() {
    let t = token_with(&[]);
    let mut parts: Vec<String> = t.split('.').map(str::to_owned).collect();
    parts[1] = B64.encode(r#"{"sub":"ada","data":{"permissions":["read"]}}"#);
    let forged = parts.join(".");
    let answer = get_bearer(&app(), "/private/", &forged).await;
    assert_invalid_token(&answer, DECODE, "signature verification failed", &forged);
}

#[tokio::test]
async fn malformed_tokens_are_401_never_500() {
    let valid = token_with(&["read"]);
    let cases = [
        ("abc", "token must have three segments"),
        ("a.b", "token must have three segments"),
        ("a.b.c.d.e", "token must have three segments"),
        ("!!!.e30.sig", "header is not valid base64url"),
        ("e30.e30.sig", "header has no algorithm"),
        (&format!("{}.e30.x", B64.encode("[1]")), "header is not a JSON object"),
        (&format!("{}.e30.x", B64.encode("{")), "header is not a JSON object"),
    ];
    for (t, description) in cases {
        let answer = get_bearer(&app(), "/private/", t).await;
        assert_invalid_token(&answer, DECODE, description, t);
    }
    let (head, _) = valid.rsplit_once('.').unwrap();
    let bad_sig = format!("{head}.***");
    let answer = get_bearer(&app(), "/private/", &bad_sig).await;
    assert_invalid_token(&answer, DECODE, "signature is not valid base64url", &bad_sig);
    let payload_array = raw_token(r#"{"alg":"HS256"}"#, "[]");
    let answer = get_bearer(&app(), "/private/", &payload_array).await;
    assert_invalid_token(&answer, DECODE, "payload is not a JSON object", &payload_array);
}

#[tokio::test]
async fn expired_token_is_rejected() {
    let t = token(Algorithm::HS256, json!({"exp": now() - 120, "data": {"permissions": ["read"]}}));
    assert_invalid_token(
        &get_bearer(&app(), "/private/", &t).await,
        VALIDATE,
        "token has expired",
        &t,
    );
    let t = token(Algorithm::HS256, json!({"exp": now() + 120, "data": {"permissions": ["read"]}}));
    assert_eq!(get_bearer(&app(), "/private/", &t).await.status, 200);
}

#[tokio::test]
async fn leeway_is_configurable() {
    let t = token(Algorithm::HS256, json!({"exp": now() - 30, "data": {"permissions": ["read"]}}));
    assert_eq!(get_bearer(&app(), "/private/", &t).await.status, 200, "within default 60 s");
    let strict = app_with(auth(verifier().with_leeway(std::time::Duration::ZERO)));
    assert_eq!(get_bearer(&strict, "/private/", &t).await.status, 401);
}

#[tokio::test]
async fn nbf_and_iat_in_the_future_are_rejected() {
    let t = token(Algorithm::HS256, json!({"nbf": now() + 3600}));
    assert_invalid_token(
        &get_bearer(&app(), "/me/", &t).await,
        VALIDATE,
        "token is not valid yet",
        &t,
    );
    let t = token(Algorithm::HS256, json!({"iat": now() + 3600}));
    assert_invalid_token(
        &get_bearer(&app(), "/me/", &t).await,
        VALIDATE,
        "token is issued in the future",
        &t,
    );
    let t = token(Algorithm::HS256, json!({"iat": now(), "nbf": now() - 10}));
    assert_eq!(get_bearer(&app(), "/me/", &t).await.status, 200);
}

#[tokio::test]
async fn issuer_is_checked_when_configured() {
    let router = app_with(auth(verifier().with_issuers(["vortico"])));
    let good = token(Algorithm::HS256, json!({"iss": "vortico"}));
    assert_eq!(get_bearer(&router, "/me/", &good).await.status, 200);
    for claims in [json!({"iss": "evil"}), json!({})] {
        let t = token(Algorithm::HS256, claims);
        assert_invalid_token(
            &get_bearer(&router, "/me/", &t).await,
            VALIDATE,
            "invalid issuer",
            &t,
        );
    }
}

#[tokio::test]
async fn audience_rules() {
    let t = token(Algorithm::HS256, json!({"aud": "api"}));
    let answer = get_bearer(&app(), "/me/", &t).await;
    assert_invalid_token(&answer, VALIDATE, "token has an audience and none is accepted", &t);

    let router = app_with(auth(verifier().with_audiences(["api"])));
    assert_eq!(get_bearer(&router, "/me/", &t).await.status, 200);
    let list = token(Algorithm::HS256, json!({"aud": ["other", "api"]}));
    assert_eq!(get_bearer(&router, "/me/", &list).await.status, 200);
    let other = token(Algorithm::HS256, json!({"aud": "other"}));
    assert_invalid_token(
        &get_bearer(&router, "/me/", &other).await,
        VALIDATE,
        "invalid audience",
        &other,
    );
    let none = token(Algorithm::HS256, json!({}));
    assert_invalid_token(
        &get_bearer(&router, "/me/", &none).await,
        VALIDATE,
        "token has no audience",
        &none,
    );
}

#[tokio::test]
async fn crit_header_is_rejected() {
    let t = raw_token(r#"{"alg":"HS256","crit":["exp"],"exp":1}"#, "{}");
    let answer = get_bearer(&app(), "/me/", &t).await;
    assert_invalid_token(&answer, DECODE, "unsupported critical header parameter", &t);
}

#[tokio::test]
async fn duplicate_claims_are_rejected() {
    let t = raw_token(r#"{"alg":"HS256"}"#, r#"{"data":{"permissions":["read"]},"data":{}}"#);
    let answer = get_bearer(&app(), "/private/", &t).await;
    assert_invalid_token(&answer, DECODE, "duplicate member name in JSON object", &t);
    let t = raw_token(r#"{"alg":"HS256","alg":"none"}"#, "{}");
    let answer = get_bearer(&app(), "/me/", &t).await;
    assert_invalid_token(&answer, DECODE, "duplicate member name in JSON object", &t);
}

#[tokio::test]
async fn oversized_token_is_rejected_before_decoding() {
    let big = token(Algorithm::HS256, json!({"pad": "x".repeat(9000)}));
    let answer = get_bearer(&app(), "/me/", &big).await;
    assert_invalid_token(&answer, DECODE, "token exceeds the maximum size", &big);
    // Not decoded: even garbage of that size gets the size error.
    let garbage = "x".repeat(8 * 1024 + 1);
    let answer = get_bearer(&app(), "/me/", &garbage).await;
    assert_invalid_token(&answer, DECODE, "token exceeds the maximum size", &garbage);
    let roomy = app_with(auth(verifier().with_max_token_len(64 * 1024)));
    assert_eq!(get_bearer(&roomy, "/me/", &big).await.status, 200);
}

#[tokio::test]
async fn flama_padded_vector_verifies_through_the_router() {
    const FLAMA: &str = "eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJkYXRhIjogeyJmb28iOiAiYmFyIn0sICJpYXQiOiAwfQ==.J3zdedMZSFNOimstjJat0V28rM_b1UU62XCp9dg_5kg=";
    let router = app_with(auth(Verifier::hmac(&HmacSecret::flama_demo())));
    assert_eq!(get_bearer(&router, "/me/", FLAMA).await.status, 200);
    // No `data.permissions`: authenticated, but not authorised.
    assert_eq!(get_bearer(&router, "/private/", FLAMA).await.status, 403);
}

#[test]
fn weak_secret_is_refused_at_build_time() {
    // Flama's demo secret without the opt-in `flama_demo()` carries.
    let err = Verifier::hmac(&HmacSecret::new([0; 16])).build().unwrap_err();
    assert!(err.to_string().contains("allow_weak()"), "{err}");
}

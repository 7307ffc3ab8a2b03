//! Warden's per-route auth layer against the hand-written axum +
//! `jsonwebtoken` middleware, side by side in one run, and Warden's cost per
//! request at 10, 100 and 1,000 routes. See `bench/README.md`.
//!
//! Each iteration sends one prebuilt request through `Router::oneshot` on a
//! current-thread tokio runtime; building the request is not timed
//! (`iter_batched`), dropping the response is.

use std::hint::black_box;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use tokio::runtime::Runtime;
use tower::ServiceExt;
use warden_bench::{
    PERMISSION, PRIVATE_PATH, baseline_router, bearer, request, scale, scale_path, token,
    warden_router, warden_scaled,
};

fn bench_request(
    c: &mut Criterion,
    rt: &Runtime,
    id: &str,
    router: &Router,
    path: &str,
    auth: Option<&HeaderValue>,
    expected: StatusCode,
) {
    // Checked once, outside the timing: the bench measures the right answer.
    let response = rt.block_on(router.clone().oneshot(request(path, auth))).expect("infallible");
    assert_eq!(response.status(), expected, "{id}");
    c.bench_function(id, |b| {
        b.iter_batched(
            || request(path, auth),
            |req| black_box(rt.block_on(router.clone().oneshot(req))),
            BatchSize::SmallInput,
        );
    });
}

/// Warden and baseline alternate, case by case, so that both sides of a
/// ratio are measured minutes, not tens of minutes, apart.
fn comparison(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let (warden, baseline) = (warden_router(), baseline_router());
    let granted = bearer(&token(&[PERMISSION]));
    let lacking = bearer(&token(&["other-permission"]));
    let cases = [
        ("protected_200", Some(&granted), StatusCode::OK),
        ("unauthorized_401", None, StatusCode::UNAUTHORIZED),
        ("forbidden_403", Some(&lacking), StatusCode::FORBIDDEN),
    ];
    for (case, auth, expected) in cases {
        for (side, router) in [("warden", &warden), ("baseline", &baseline)] {
            let id = format!("{side}/{case}");
            bench_request(c, &rt, &id, router, PRIVATE_PATH, auth, expected);
        }
    }
}

/// The same protected request at 10, 100 and 1,000 routes, the middle one.
fn scaling(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let granted = bearer(&token(&[PERMISSION]));
    for (n, routes) in
        [(10, scale::routes_10()), (100, scale::routes_100()), (1000, scale::routes_1000())]
    {
        let router = warden_scaled(routes);
        let id = format!("warden/routes_{n}");
        bench_request(c, &rt, &id, &router, &scale_path(n), Some(&granted), StatusCode::OK);
    }
}

/// Verifying one asymmetric token: Warden without its cache, jsonwebtoken
/// (aws-lc backend, the fastest Rust backend measured, see ANCHORS.md) on
/// the same token and key, and Warden on a cache hit.
fn asymmetric(c: &mut Criterion) {
    use warden::jwt::{Algorithm, SigningKey, Verifier};
    let keys: [(&str, &[u8]); 3] = [
        ("ES256", include_bytes!("../../runtime/tests/it/keys/p256.key")),
        ("RS256", include_bytes!("../../runtime/tests/it/keys/rsa.key")),
        ("EdDSA", include_bytes!("../../runtime/tests/it/keys/ed25519.key")),
    ];
    for (name, pem) in keys {
        let signing = SigningKey::from_pem(pem, None).expect("a test key");
        let alg: Algorithm = signing.algorithm();
        let exp = 4_000_000_000u64;
        let claims = serde_json::json!({
            "iss": "vortico", "iat": 0, "exp": exp,
            "data": {"id": "7c9e6679-7425-40de-944b-e07fc1f66e17", "permissions": [PERMISSION]},
        });
        let token = signing.sign(claims).expect("signs");
        let build = |cache: bool| {
            let builder =
                Verifier::builder().key(signing.verification_key()).with_algorithms([alg]);
            if cache { builder.cache(1024) } else { builder }.build().expect("a valid verifier")
        };
        let (cold, cached) = (build(false), build(true));
        let jwk: jsonwebtoken::jwk::Jwk =
            serde_json::from_value(signing.public_jwk().expect("a public key")).expect("a JWK");
        let key = jsonwebtoken::DecodingKey::from_jwk(&jwk).expect("a decoding key");
        let mut validation =
            jsonwebtoken::Validation::new(alg.as_str().parse().expect("same name"));
        validation.required_spec_claims.clear();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs();
        cold.verify_at(&token, now).expect("verifies");
        cached.verify_at(&token, now).expect("verifies");
        jsonwebtoken::decode::<serde_json::Value>(&token, &key, &validation).expect("verifies");
        c.bench_function(&format!("verify_{name}/warden_uncached"), |b| {
            b.iter(|| black_box(cold.verify_at(black_box(&token), now)));
        });
        c.bench_function(&format!("verify_{name}/jsonwebtoken"), |b| {
            b.iter(|| {
                black_box(jsonwebtoken::decode::<warden_bench::Claims>(
                    black_box(&token),
                    &key,
                    &validation,
                ))
            });
        });
        c.bench_function(&format!("verify_{name}/warden_cached"), |b| {
            b.iter(|| black_box(cached.verify_at(black_box(&token), now)));
        });
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = config();
    targets = comparison, scaling, asymmetric
}
criterion_main!(benches);

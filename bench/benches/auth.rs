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
/// on the same token and key, and Warden on a cache hit.
fn asymmetric(c: &mut Criterion) {
    for case in warden_bench::asymmetric::Asymmetric::all() {
        let name = case.name;
        c.bench_function(&format!("verify_{name}/warden_uncached"), |b| {
            b.iter(|| black_box(case.warden_cold()));
        });
        c.bench_function(&format!("verify_{name}/jsonwebtoken"), |b| {
            b.iter(|| black_box(case.jsonwebtoken()));
        });
        c.bench_function(&format!("verify_{name}/warden_cached"), |b| {
            b.iter(|| black_box(case.warden_cached()));
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

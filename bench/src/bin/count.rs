//! Two measurements that criterion's wall-clock numbers cannot give on a
//! noisy machine.
//!
//! `warden-bench-count VARIANT N` sends N identical requests; under callgrind
//! it gives a noise-free instruction count per request:
//!
//! ```sh
//! valgrind --tool=callgrind --toggle-collect='*count::run*' \
//!     target/release/warden-bench-count warden-200 2000
//! ```
//!
//! Only `run` (the request loop) is counted, not building apps and requests.
//! Variants: `{warden,baseline}-{public,200,401,403}`, `warden-cookie`,
//! `scale-{10,100,1000}`.
//!
//! `warden-bench-count verify [ROUNDS]` does the same for verifying one
//! asymmetric token (ES256, RS256, EdDSA): Warden without and with its
//! cache against jsonwebtoken on aws-lc.
//!
//! `warden-bench-count paired [ROUNDS]` times batches of Warden and baseline
//! requests alternately, a few milliseconds apart, and prints the median of
//! the per-round ratios: load that comes and goes hits both sides alike.

use std::hint::black_box;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use tokio::runtime::Runtime;
use tower::ServiceExt;
use warden_bench::asymmetric::Asymmetric;
use warden_bench::cases::{Case, case};

/// The measured loop: `requests` in, each answered with `expected`.
#[inline(never)]
fn run(rt: &Runtime, router: &Router, requests: Vec<Request>, expected: StatusCode) {
    for req in requests {
        let response = rt.block_on(router.clone().oneshot(req)).expect("infallible");
        assert_eq!(response.status(), expected);
        black_box(response);
    }
}

/// Wall time of `n` requests, requests built beforehand.
fn time(case: &Case, rt: &Runtime, n: usize) -> Duration {
    let requests = case.requests(n);
    let start = Instant::now();
    run(rt, &case.router, requests, case.expected);
    start.elapsed()
}

/// [`paired`] for two functions called `batch` times per round.
fn paired_fn(a: impl Fn() -> bool, b: impl Fn() -> bool, rounds: usize, batch: usize) -> [f64; 3] {
    let time = |f: &dyn Fn() -> bool| {
        let start = Instant::now();
        for _ in 0..batch {
            assert!(black_box(f()));
        }
        start.elapsed().as_secs_f64()
    };
    let mut ratios: Vec<f64> = (0..rounds)
        .map(|round| {
            if round % 2 == 0 {
                let ta = time(&a);
                ta / time(&b)
            } else {
                let tb = time(&b);
                time(&a) / tb
            }
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let at = |q: usize| ratios[(ratios.len() - 1) * q / 4];
    [at(2), at(1), at(3)]
}

/// Median, first and last quartile of `a / b` over `rounds` alternating
/// rounds of `batch` requests each.
fn paired(rt: &Runtime, a: &Case, b: &Case, rounds: usize, batch: usize) -> [f64; 3] {
    let mut ratios: Vec<f64> = (0..rounds)
        .map(|round| {
            let (ta, tb) = if round % 2 == 0 {
                let ta = time(a, rt, batch);
                (ta, time(b, rt, batch))
            } else {
                let tb = time(b, rt, batch);
                (time(a, rt, batch), tb)
            };
            ta.as_secs_f64() / tb.as_secs_f64()
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let at = |q: usize| ratios[(ratios.len() - 1) * q / 4];
    [at(2), at(1), at(3)]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "warden-200".into());
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    if mode == "verify" {
        let rounds: usize = args.next().map_or(21, |s| s.parse().expect("ROUNDS is a number"));
        println!("{rounds} rounds of 200 + 200 verifications; ratio median [q1, q3]");
        for case in Asymmetric::all() {
            let name = case.name;
            let cold = paired_fn(|| case.warden_cold(), || case.jsonwebtoken(), rounds, 200);
            let hit = paired_fn(|| case.warden_cached(), || case.jsonwebtoken(), rounds, 200);
            for (label, [median, q1, q3]) in
                [("uncached warden/jsonwebtoken", cold), ("cache hit warden/jsonwebtoken", hit)]
            {
                println!("{name:6} {label:30} {median:.3} [{q1:.3}, {q3:.3}]");
            }
        }
        return;
    }
    if mode == "paired" {
        let rounds: usize = args.next().map_or(41, |s| s.parse().expect("ROUNDS is a number"));
        let pairs = [
            ("protected_200 warden/baseline", "warden-200", "baseline-200"),
            ("unauthorized_401 warden/baseline", "warden-401", "baseline-401"),
            ("forbidden_403 warden/baseline", "warden-403", "baseline-403"),
            ("routes 100/10", "scale-100", "scale-10"),
            ("routes 1000/10", "scale-1000", "scale-10"),
        ];
        println!("{rounds} rounds of 1000 + 1000 requests; ratio median [q1, q3]");
        for (label, a, b) in pairs {
            let (a, b) = (case(a), case(b));
            // Warm both sides (caches, lazy statics) before timing.
            paired(&rt, &a, &b, 3, 1000);
            let [median, q1, q3] = paired(&rt, &a, &b, rounds, 1000);
            println!("{label:34} {median:.3} [{q1:.3}, {q3:.3}]");
        }
        return;
    }
    let n: usize = args.next().map_or(2000, |s| s.parse().expect("N is a number"));
    let case = case(&mode);
    // One request outside the count warms lazy statics (crypto provider, ...).
    let warm = rt.block_on(case.router.clone().oneshot(case.requests(1).remove(0)));
    assert_eq!(warm.expect("infallible").status(), case.expected);
    run(&rt, &case.router, case.requests(n), case.expected);
}

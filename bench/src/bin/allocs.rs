//! Heap allocations per request, counted by allocation-counter's global
//! allocator around the request loop only (the runtime is current-thread, so
//! the counter's thread is the requests' thread), for every variant of
//! [`warden_bench::cases`], and per call of `Verifier::verify_at` alone.
//!
//! ```sh
//! cargo run --release -p warden-bench --bin warden-bench-allocs
//! ```
//!
//! A separate binary from `warden-bench-count`, so that the counting
//! allocator never shows in the instruction counts.

use std::hint::black_box;

use tower::ServiceExt;
use warden::jwt::{HmacSecret, Verifier};
use warden_bench::cases::case;
use warden_bench::{PERMISSION, SECRET, token};

/// Allocations made by `f` (on this thread: the runtime is current-thread).
fn allocations(f: impl FnOnce()) -> u64 {
    allocation_counter::measure(f).count_total
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let rt = &rt;
    const N: u64 = 1000;
    println!("{:18} {:>12}", "variant", "allocs/req");
    for variant in [
        "warden-public",
        "baseline-public",
        "warden-200",
        "warden-cookie",
        "warden-cached",
        "baseline-200",
        "warden-401",
        "baseline-401",
        "warden-403",
        "baseline-403",
    ] {
        let case = case(variant);
        let warm = rt.block_on(case.router.clone().oneshot(case.requests(1).remove(0)));
        assert_eq!(warm.expect("infallible").status(), case.expected);
        let requests = case.requests(usize::try_from(N).expect("small"));
        let count = allocations(|| {
            for req in requests {
                let response = rt.block_on(case.router.clone().oneshot(req)).expect("infallible");
                assert_eq!(response.status(), case.expected);
                black_box(response);
            }
        });
        println!("{variant:18} {:>12.2}", count as f64 / N as f64);
    }
    let granted = token(&[PERMISSION]);
    let secret = HmacSecret::new(SECRET);
    for (label, verifier) in [
        ("verify_at", Verifier::hmac(&secret).build()),
        ("verify_at, cached", Verifier::hmac(&secret).cache(16).build()),
    ] {
        let verifier = verifier.expect("valid verifier");
        let now = warden_now();
        verifier.verify_at(&granted, now).expect("the token verifies");
        let count = allocations(|| {
            for _ in 0..N {
                black_box(verifier.verify_at(black_box(&granted), now).expect("verifies"));
            }
        });
        println!("{label:18} {:>12.2}", count as f64 / N as f64);
    }
}

fn warden_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

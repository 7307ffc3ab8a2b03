//! Generates `scale.rs`: 1,000 protected `#[warden::route]` handlers with
//! distinct paths, and `routes_10`, `routes_100`, `routes_1000` gathering the
//! first N of them with `warden::routes!`. Written out because a route's path
//! must be a string literal, which `macro_rules!` cannot build.

use std::fmt::Write as _;
use std::path::Path;

/// Route counts the scaling benchmark measures.
const SIZES: [usize; 3] = [10, 100, 1000];
/// `routes!` lists are split into chunks of this many routes; see `scale_chunk`.
const CHUNK: usize = 100;

fn main() {
    let max = *SIZES.iter().max().expect("non-empty");
    let mut out = String::new();
    for i in 0..max {
        writeln!(
            out,
            "#[warden::route(get, \"/scale/r{i}/info/\", permissions = [\"my-permission-name\"])]\n\
             pub async fn h{i}() -> warden::Json<crate::Info> {{ crate::private_info() }}"
        )
        .unwrap();
    }
    // One `routes!` per chunk of 100: see the README ("Compile time") for why
    // not one list of 1,000.
    for chunk in 0..max.div_ceil(CHUNK) {
        let handlers: Vec<String> =
            (chunk * CHUNK..((chunk + 1) * CHUNK).min(max)).map(|i| format!("h{i}")).collect();
        writeln!(
            out,
            "fn chunk{chunk}() -> warden::Routes {{ warden::routes![{}] }}",
            handlers.join(", ")
        )
        .unwrap();
    }
    for n in SIZES {
        if n < CHUNK {
            let handlers: Vec<String> = (0..n).map(|i| format!("h{i}")).collect();
            writeln!(
                out,
                "/// The first {n} routes.\npub fn routes_{n}() -> Vec<warden::Routes> {{ \
                 vec![warden::routes![{}]] }}",
                handlers.join(", ")
            )
            .unwrap();
        } else {
            assert_eq!(n % CHUNK, 0, "sizes above CHUNK are multiples of it");
            let chunks: Vec<String> = (0..n / CHUNK).map(|c| format!("chunk{c}()")).collect();
            writeln!(
                out,
                "/// The first {n} routes.\npub fn routes_{n}() -> Vec<warden::Routes> {{ vec![{}] }}",
                chunks.join(", ")
            )
            .unwrap();
        }
    }
    let dir = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&dir).join("scale.rs"), out).expect("write scale.rs");
    println!("cargo::rerun-if-changed=build.rs");
}

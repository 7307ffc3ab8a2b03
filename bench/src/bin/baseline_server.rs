//! The hand-written baseline as a server, for `scripts/bench-e2e.sh`: the
//! same two routes, handlers and claims as `warden_bench::baseline_router`
//! (a user's `from_fn` middleware calling `jsonwebtoken::decode`), served
//! with plain `axum::serve`.
//!
//! Environment (the script sets it):
//!
//! | variable | meaning |
//! |---|---|
//! | `ADDR` | listen address, default `127.0.0.1:8000`; port 0 picks a free one |
//! | `JWT_SECRET_HEX` | HS256 secret as hex bytes |
//! | `JWT_PUBLIC_KEY` | instead: path to a PEM public key (RSA, EC P-256, Ed25519) |
//! | `JWT_ALGORITHMS` | with `JWT_PUBLIC_KEY`: the one algorithm accepted, `RS256`, `ES256` or `EdDSA` |
//! | `BASELINE_SERVE` | `axum` (default): `axum::serve`; `warden`: `warden::serve_listener` (its timeouts and connection cap), to tell the serving loop's cost from the router's |
//!
//! Prints `... listening on http://IP:PORT` on standard error once bound,
//! like the `jwt_api` example.

use std::net::SocketAddr;
use std::process::ExitCode;

use jsonwebtoken::{Algorithm, DecodingKey};
use warden_bench::{JwtKeys, baseline_router_with};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let keys = keys()?;
    let addr: SocketAddr = match std::env::var("ADDR") {
        Ok(addr) => {
            addr.parse().map_err(|_| format!("ADDR: `{addr}` is not an IP:port address"))?
        }
        Err(_) => SocketAddr::from(([127, 0, 0, 1], 8000)),
    };
    let listener =
        tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("ADDR: {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let router = baseline_router_with(keys);
    match std::env::var("BASELINE_SERVE").as_deref() {
        Err(_) | Ok("axum") => {
            eprintln!("baseline (axum + jsonwebtoken from_fn) listening on http://{local}");
            axum::serve(listener, router).await.map_err(|e| e.to_string())
        }
        Ok("warden") => {
            eprintln!(
                "baseline (axum + jsonwebtoken from_fn, served by warden::serve_listener) \
                 listening on http://{local}"
            );
            warden::serve_listener(listener, router).await.map_err(|e| e.to_string())
        }
        Ok(other) => Err(format!("BASELINE_SERVE: `{other}` is not `axum` or `warden`")),
    }
}

fn keys() -> Result<JwtKeys, String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    match (var("JWT_SECRET_HEX"), var("JWT_PUBLIC_KEY")) {
        (Some(hex), None) => {
            let secret = from_hex(hex.trim()).ok_or("JWT_SECRET_HEX: not valid hex")?;
            Ok(JwtKeys::with_key(DecodingKey::from_secret(&secret), Algorithm::HS256))
        }
        (None, Some(path)) => {
            let pem = std::fs::read(&path)
                .map_err(|e| format!("JWT_PUBLIC_KEY: cannot read `{path}`: {e}"))?;
            let name = var("JWT_ALGORITHMS").ok_or("JWT_ALGORITHMS: needed with JWT_PUBLIC_KEY")?;
            let (algorithm, key) = match name.trim() {
                "RS256" => (Algorithm::RS256, DecodingKey::from_rsa_pem(&pem)),
                "ES256" => (Algorithm::ES256, DecodingKey::from_ec_pem(&pem)),
                "EdDSA" => (Algorithm::EdDSA, DecodingKey::from_ed_pem(&pem)),
                other => {
                    return Err(format!(
                        "JWT_ALGORITHMS: `{other}` is not RS256, ES256 or EdDSA (one algorithm)"
                    ));
                }
            };
            let key = key.map_err(|e| format!("JWT_PUBLIC_KEY: `{path}`: {e}"))?;
            Ok(JwtKeys::with_key(key, algorithm))
        }
        (Some(_), Some(_)) => Err("JWT_SECRET_HEX and JWT_PUBLIC_KEY are both set".into()),
        (None, None) => Err("set JWT_SECRET_HEX, or JWT_PUBLIC_KEY and JWT_ALGORITHMS".into()),
    }
}

/// Hex bytes, upper or lower case; `None` when odd-length or not hex.
fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()).collect()
}

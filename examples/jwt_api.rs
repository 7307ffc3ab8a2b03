//! Flama's JWT article app, in Warden.
//!
//! ```text
//! cargo run --example jwt_api                   # serve on 127.0.0.1:8000 (or $ADDR)
//! cargo run --example jwt_api -- routes         # print the permission table
//! cargo run --example jwt_api -- routes --json  # ... as JSON
//! PREFIX=/api/v1 cargo run --example jwt_api -- routes  # paths as served under the prefix
//! ```
//!
//! Configuration comes from the environment (see the README): `ADDR`, `PREFIX`,
//! `JWT_SECRET_HEX` or `JWT_SECRET`, `JWT_ALGORITHMS`, `JWT_ISSUER`,
//! `JWT_AUDIENCE`, `JWT_REQUIRED_CLAIMS`, `JWT_TYP`, `JWT_PERMISSIONS_CLAIM`,
//! `JWT_ALLOW_WEAK_SECRET`, `RUST_LOG`. Without a secret, Flama's demo
//! secret (16 zero bytes) is used, so the article's tokens verify; never run
//! that in production.

use std::net::SocketAddr;
use std::process::ExitCode;

use warden::config::AuthConfig;
use warden_examples::jwt_api;

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

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("routes") {
        // The paths as served: under `PREFIX` when it is set.
        let prefix = jwt_api::prefix_from_env()?;
        match args.get(1).map(String::as_str) {
            None => println!("{}", jwt_api::listing(prefix, false)),
            Some("--json") => println!("{}", jwt_api::listing(prefix, true)),
            Some(other) => {
                return Err(format!("unknown `routes` option `{other}`; try `--json`").into());
            }
        }
        return Ok(());
    }

    warden_examples::telemetry::init_logging()?;
    let configured = AuthConfig::from_env()?.with_demo_fallback().build_remote().await?;
    if configured.is_demo_key() {
        eprintln!(
            "WARNING: the HMAC key is Flama's demo secret or equivalent to it (all zero \
             bytes, an EMPTY HMAC key). Anyone can forge tokens. Set JWT_SECRET_HEX to at \
             least 32 random bytes for anything but a demo."
        );
    }
    let addr: SocketAddr = match warden_examples::env::var("ADDR")? {
        Some(addr) => {
            addr.parse().map_err(|_| format!("ADDR: `{addr}` is not an IP:port address"))?
        }
        None => SocketAddr::from(([127, 0, 0, 1], 8000)),
    };
    let router =
        warden_examples::telemetry::with_request_log(jwt_api::router_configured(&configured)?);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    eprintln!(
        "{} {} listening on http://{}",
        jwt_api::TITLE,
        jwt_api::VERSION,
        listener.local_addr()?
    );
    warden::serve_listener(listener, router).await?;
    Ok(())
}

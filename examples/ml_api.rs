//! A protected ML API: users in SQLite with argon2id passwords, roles,
//! refreshable sessions with logout, an iris classifier behind a
//! permission, a WebSocket prediction stream.
//!
//! ```text
//! ADMIN_PASSWORD='a long admin password' cargo run --example ml_api
//! cargo run --example ml_api -- add-user alice --role analyst   # password on stdin
//! cargo run --example ml_api -- routes [--json]
//! ```
//!
//! Configuration (environment): `ADDR` (default 127.0.0.1:8000),
//! `DATABASE_URL` (default `sqlite://ml_api.db`), `ADMIN_PASSWORD` (creates
//! `admin` on a first start with no users), `REDIS_URL` (sessions and the
//! sign-in limit in Redis, for replicas), the `JWT_*` variables of
//! `jwt_api`, and `RUST_LOG`.

use std::io::Read as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use warden::config::AuthConfig;
use warden::jwt::HmacSecret;
use warden::session::{MemoryStore, SessionStore};
use warden_examples::env;
use warden_examples::ml_api::app::{self, SetupParts};
use warden_examples::ml_api::limit::{MemoryLimit, RedisLimit, SignInLimit};
use warden_examples::ml_api::{Role, UserStore};

type Error = Box<dyn std::error::Error + Send + Sync>;

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

async fn run() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("routes") => return routes(args.get(1).map(String::as_str)),
        Some("add-user") => return add_user(&args[1..]).await,
        Some(other) => {
            return Err(format!("unknown command `{other}`; try `routes` or `add-user`").into());
        }
        None => {}
    }
    warden_examples::telemetry::init_logging()?;
    let addr: SocketAddr = match env::var("ADDR")? {
        Some(addr) => {
            addr.parse().map_err(|_| format!("ADDR: `{addr}` is not an IP:port address"))?
        }
        None => SocketAddr::from(([127, 0, 0, 1], 8000)),
    };
    // The configuration first (`JWT_*`, then `REDIS_URL`, connected): a bad
    // value stops the start before anything (the database file) is created.
    let configured = auth_config()?;
    let (store, limit) = stores().await?;
    let users =
        UserStore::open(&database_url()?).await.map_err(|e| format!("DATABASE_URL: {e}"))?;
    if let Some(password) = env::var("ADMIN_PASSWORD")?
        && let Some(admin) =
            users.bootstrap_admin(&password).await.map_err(|e| format!("ADMIN_PASSWORD: {e}"))?
    {
        tracing::info!(target: "ml_api", user = %admin.username, "created the admin user");
    }
    // Cookies over plain HTTP only on loopback (local development).
    let session_config = app::session_config(!addr.ip().is_loopback());
    let setup = app::setup(SetupParts { users, configured, store, limit, session_config }).await?;
    let router = warden_examples::telemetry::with_request_log(setup.router);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    eprintln!("{} {} listening on http://{}", app::TITLE, app::VERSION, listener.local_addr()?);
    warden::Server::new().serve_listener(listener, router).await?;
    Ok(())
}

fn database_url() -> Result<String, String> {
    Ok(env::var("DATABASE_URL")?.unwrap_or_else(|| "sqlite://ml_api.db".into()))
}

/// The `JWT_*` configuration; without any key, a random HMAC secret for this
/// process (tokens do not survive a restart, and replicas need a shared
/// `JWT_SECRET_HEX` or `JWT_SIGNING_KEY`).
fn auth_config() -> Result<warden::config::Configured, Error> {
    let mut config = AuthConfig::from_env()?;
    if config.jwks_url.is_some() {
        return Err("JWT_JWKS_URL: ml_api signs and verifies its own tokens, so it needs its \
                    own key (JWT_SECRET_HEX, JWT_SECRET or JWT_SIGNING_KEY); a remote JWKS, \
                    for tokens another issuer signs, is for jwt_api and the library"
            .into());
    }
    if config.secret_hex.is_none() && config.secret.is_none() && config.signing_key.is_none() {
        tracing::warn!(
            target: "ml_api",
            "no JWT_SECRET_HEX or JWT_SIGNING_KEY: using a random secret for this process; \
             tokens will not survive a restart nor work on another replica"
        );
        let bytes: Vec<u8> = (0..4).flat_map(|_| uuid::Uuid::new_v4().into_bytes()).collect();
        config.secret_hex = Some(hex_encode(&HmacSecret::new(bytes)));
    }
    Ok(config.build()?)
}

fn hex_encode(secret: &HmacSecret) -> String {
    secret.as_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// Sessions and the sign-in limit: in Redis with `REDIS_URL`, else here.
async fn stores() -> Result<(Arc<dyn SessionStore>, Arc<dyn SignInLimit>), Error> {
    match env::var("REDIS_URL")? {
        Some(url) => redis_stores(&url).await,
        None => Ok((Arc::new(MemoryStore::default()), Arc::new(MemoryLimit::default()))),
    }
}

async fn redis_stores(url: &str) -> Result<(Arc<dyn SessionStore>, Arc<dyn SignInLimit>), Error> {
    let store = warden::session::RedisStore::connect(url)
        .await
        .map_err(|e| format!("REDIS_URL: {e}"))?
        .with_prefix("ml_api:session:");
    let limit = RedisLimit::connect(url).await?;
    Ok((Arc::new(store), Arc::new(limit)))
}

fn routes(option: Option<&str>) -> Result<(), Error> {
    let table = app::routes().table();
    match option {
        None => table.iter().for_each(|route| println!("{route}")),
        Some("--json") => println!("{}", serde_json::to_string_pretty(&warden::table_json(table))?),
        Some(other) => {
            return Err(format!("unknown `routes` option `{other}`; try `--json`").into());
        }
    }
    Ok(())
}

/// `add-user NAME --role ROLE`, the password read from standard input.
async fn add_user(args: &[String]) -> Result<(), Error> {
    let usage = "usage: add-user NAME --role viewer|analyst|admin (password on standard input)";
    let [name, flag, role] = args else { return Err(usage.into()) };
    if flag != "--role" {
        return Err(usage.into());
    }
    let role: Role = role.parse()?;
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password)?;
    let password = password.trim_end_matches(['\n', '\r']);
    let users =
        UserStore::open(&database_url()?).await.map_err(|e| format!("DATABASE_URL: {e}"))?;
    let user = users.create_user(name, password, role).await?;
    println!("created {} ({})", user.username, user.role.as_str());
    Ok(())
}

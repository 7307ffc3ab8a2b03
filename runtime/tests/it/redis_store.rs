#![cfg(feature = "redis")]
//! The Redis store against real `redis-server` processes, one per test on a
//! free loopback port, started and killed here (run `.ci/redis.sh` once to
//! install Debian's `redis-server`): the memory store's behaviours through
//! `Sessions`, replicas sharing one Redis, concurrent rotation, TTLs, and
//! Redis killed, paused and restarted under a live store.
//!
//! The servers run without persistence (`--save '' --appendonly no`) unless
//! a test asks for AOF: a restart then loses every revocation, as it would
//! in production with that configuration.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use serde_json::{Value, json};
use warden::jwt::{Algorithm, SigningKey};
use warden::session::{
    FamilyRules, Grant, Issued, MemoryStore, RedisStore, Rotation, SessionConfig, SessionStore,
    Sessions, StoreFailure, TokenRef,
};
use warden::{Claims, PermissionSource};

use crate::support::*;

// ---------------------------------------------------------------------------
// A redis-server of our own.

/// A `redis-server` child on a free loopback port, in its own directory;
/// killed and its directory removed on drop.
struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    aof: bool,
}

impl RedisServer {
    /// Without persistence.
    fn start() -> Self {
        RedisServer::launch(false)
    }

    /// With an append-only file written on every command.
    fn start_persistent() -> Self {
        RedisServer::launch(true)
    }

    fn launch(aof: bool) -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("warden-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut server = RedisServer { child: None, port, dir, aof };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let port = self.port.to_string();
        let mut command = Command::new("redis-server");
        command
            .args(["--port", &port, "--bind", "127.0.0.1", "--save", ""])
            .args(["--appendonly", if self.aof { "yes" } else { "no" }])
            .args(["--appendfsync", "always", "--daemonize", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .arg("--logfile")
            .arg(self.dir.join("redis.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = match command.spawn() {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
                "`redis-server` is not on PATH: run `bash .ci/redis.sh` (installs Debian's \
                 redis-server), then run these tests again"
            ),
            Err(e) => panic!("could not start redis-server: {e}"),
        };
        self.child = Some(child);
        self.wait_ready();
    }

    /// Waits for `+PONG` (not `-LOADING`) on the port.
    fn wait_ready(&mut self) {
        use std::io::{Read, Write};
        for _ in 0..200 {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                panic!("redis-server exited ({status}): {}", self.log());
            }
            if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
                let mut reply = [0u8; 5];
                if stream.write_all(b"PING\r\n").is_ok()
                    && stream.read_exact(&mut reply).is_ok()
                    && &reply == b"+PONG"
                {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("redis-server did not answer on port {}: {}", self.port, self.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("redis.log")).unwrap_or_default()
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// SIGKILL: no shutdown, no final save.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// A new process on the same port and directory.
    fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        assert!(Command::new("kill").args([signal, &pid]).status().unwrap().success());
    }

    /// SIGSTOP: the port accepts connections, nothing answers.
    fn pause(&self) {
        self.signal("-STOP");
    }

    fn resume(&self) {
        self.signal("-CONT");
    }

    /// A plain connection for looking at keys.
    async fn inspect(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url()).unwrap().get_multiplexed_async_connection().await.unwrap()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(child) = &self.child {
            // A paused server must be able to die.
            let _ = Command::new("kill").args(["-CONT", &child.id().to_string()]).status();
        }
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ---------------------------------------------------------------------------
// Fixtures.

fn key() -> SigningKey {
    SigningKey::hmac(secret(), Algorithm::HS256).unwrap()
}

fn grant() -> Grant {
    Grant { permissions: vec!["read".into()], ..Grant::default() }
}

/// One app instance: its own store connection, sessions and router.
struct Replica {
    sessions: Sessions,
    closed: axum::Router,
    open: axum::Router,
}

async fn replica_with(redis: &RedisServer, config: SessionConfig) -> Replica {
    let store = RedisStore::connect(&redis.url()).await.unwrap();
    let sessions = Sessions::new(key(), Arc::new(store), PermissionSource::Flama, config);
    let closed = app_with(auth(verifier()).sessions(&sessions, StoreFailure::Closed));
    let open = app_with(auth(verifier()).sessions(&sessions, StoreFailure::Open));
    Replica { sessions, closed, open }
}

async fn replica(redis: &RedisServer) -> Replica {
    replica_with(redis, SessionConfig::default()).await
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    let bytes =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn jti(token: &str) -> String {
    claims_of(token)["jti"].as_str().unwrap().to_owned()
}

fn verified(token: &str) -> Claims {
    Claims::from(verifier().build().unwrap().verify(token).unwrap())
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn unavailable_body() -> Value {
    json!({"status_code": 503, "detail": "Session store unavailable", "error": null})
}

/// A request that must be answered, one way or another, within 5 s.
async fn status(router: &axum::Router, token: &str) -> (StatusCode, Value) {
    let answer =
        tokio::time::timeout(Duration::from_secs(5), get_bearer(router, "/private/", token))
            .await
            .expect("answered within 5 s: a store call never hangs");
    (answer.status, answer.body)
}

/// Polls until the store answers again (Redis restarted), at most 10 s.
async fn until_recovered(store: &dyn SessionStore) {
    let token = TokenRef { jti: Some("probe"), sub: None, iat: None, family: None };
    for _ in 0..50 {
        if store.is_revoked(token).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the store did not recover after Redis came back");
}

// ---------------------------------------------------------------------------
// The memory store's behaviours, through `Sessions` backed by Redis.

#[tokio::test]
async fn rotation_grace_retry_and_reuse_through_sessions() {
    let redis = RedisServer::start();
    let app = replica(&redis).await; // grace 5 s
    let sessions = &app.sessions;
    let first = sessions.issue("ada", &grant()).await.unwrap();
    assert_eq!(status(&app.closed, &first.access_token).await.0, 200);
    let second = sessions.refresh(&first.refresh_token).await.unwrap();
    assert_ne!(jti(&second.refresh_token), jti(&first.refresh_token));
    assert_eq!(status(&app.closed, &second.access_token).await.0, 200);
    // A retry of `first` within the grace window: the same successor.
    let retried = sessions.refresh(&first.refresh_token).await.unwrap();
    assert_eq!(jti(&retried.refresh_token), jti(&second.refresh_token));
    assert_eq!(claims_of(&retried.refresh_token)["exp"], claims_of(&second.refresh_token)["exp"]);
    let third = sessions.refresh(&second.refresh_token).await.unwrap();
    // `first` is two rotations back now: reuse, the family is revoked.
    let err = sessions.refresh(&first.refresh_token).await.unwrap_err();
    assert!(err.to_string().contains("revoked"), "{err}");
    assert!(sessions.refresh(&third.refresh_token).await.is_err(), "family revoked");
    let (code, body) = status(&app.closed, &third.access_token).await;
    assert_eq!(code, 401);
    assert_eq!(body["detail"]["description"], "token has been revoked");
}

#[tokio::test]
async fn the_previous_token_after_the_grace_window_revokes_the_family() {
    let redis = RedisServer::start();
    let config = SessionConfig { grace: Duration::ZERO, ..SessionConfig::default() };
    let app = replica_with(&redis, config).await;
    let first = app.sessions.issue("ada", &grant()).await.unwrap();
    let second = app.sessions.refresh(&first.refresh_token).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let err = app.sessions.refresh(&first.refresh_token).await.unwrap_err();
    assert_eq!(err.into_http().status(), StatusCode::UNAUTHORIZED);
    assert!(app.sessions.refresh(&second.refresh_token).await.is_err(), "family revoked");
    assert_eq!(status(&app.closed, &second.access_token).await.0, 401);
}

#[tokio::test]
async fn logout_and_logout_everywhere() {
    let redis = RedisServer::start();
    let app = replica(&redis).await;
    let pair = app.sessions.issue("ada", &grant()).await.unwrap();
    let other = app.sessions.issue("ada", &grant()).await.unwrap();
    let bob = app.sessions.issue("bob", &grant()).await.unwrap();
    app.sessions.logout(&verified(&pair.access_token)).await.unwrap();
    let (code, body) = status(&app.closed, &pair.access_token).await;
    assert_eq!(code, 401);
    assert_eq!(body["detail"]["description"], "token has been revoked");
    assert!(app.sessions.refresh(&pair.refresh_token).await.is_err(), "family revoked");
    // Another session of the same user is untouched ...
    assert_eq!(status(&app.closed, &other.access_token).await.0, 200);
    // ... until "log out everywhere", which spares other users.
    app.sessions.logout_everywhere("ada").await.unwrap();
    assert_eq!(status(&app.closed, &other.access_token).await.0, 401);
    assert_eq!(status(&app.closed, &bob.access_token).await.0, 200);
    // `iat` has a one-second resolution: a sign-in two seconds later is fresh.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let later = app.sessions.issue("ada", &grant()).await.unwrap();
    assert_eq!(status(&app.closed, &later.access_token).await.0, 200);
}

/// The same calls, with the same clock (`FamilyRules::now`), give the same
/// answers from the memory store and the Redis store.
#[tokio::test]
async fn answers_match_the_memory_store() {
    let redis = RedisServer::start();
    let stores: [(&str, Arc<dyn SessionStore>); 2] = [
        ("memory", Arc::new(MemoryStore::default())),
        ("redis", Arc::new(RedisStore::connect(&redis.url()).await.unwrap())),
    ];
    let base = unix_now();
    let issued = |jti: &str| Issued { jti: jti.into(), iat: base, exp: base + 100 };
    let rules = |at: u64, idle: u64, absolute: u64| FamilyRules {
        now: base + at,
        grace: 5,
        idle,
        absolute,
    };
    let mut transcripts = Vec::new();
    for (name, store) in &stores {
        let mut seen: Vec<String> = Vec::new();
        let mut note = |step: &str, answer: String| seen.push(format!("{step}: {answer}"));
        let r = |at| rules(at, 1_000, 10_000);

        // Grace for the previous token only; an older one revokes.
        store.start_family("f1", issued("a"), r(0)).await.unwrap();
        for (step, jti, next, at) in [
            ("a→b", "a", "b", 10),
            ("b→c", "b", "c", 20),
            ("b again in grace", "b", "x", 24),
            ("b again in grace, twice", "b", "y", 25),
            ("a, an ancestor", "a", "z", 21),
            ("c after reuse", "c", "d", 22),
        ] {
            let answer = store.rotate("f1", jti, issued(next), r(at)).await.unwrap();
            note(step, format!("{answer:?}"));
        }
        let family = TokenRef { jti: None, sub: None, iat: None, family: Some("f1") };
        note("f1 revoked", format!("{:?}", store.is_revoked(family).await));

        // The previous token after the grace window.
        store.start_family("f2", issued("a"), r(0)).await.unwrap();
        note("f2 a→b", format!("{:?}", store.rotate("f2", "a", issued("b"), r(10)).await));
        note("f2 a late", format!("{:?}", store.rotate("f2", "a", issued("z"), r(16)).await));
        note("f2 b", format!("{:?}", store.rotate("f2", "b", issued("c"), r(17)).await));

        // Idle and absolute lifetimes, unknown and explicitly revoked families.
        store.start_family("f3", issued("a"), rules(0, 40, 1_000)).await.unwrap();
        let idle = store.rotate("f3", "a", issued("b"), rules(50, 40, 1_000)).await;
        note("f3 idle", format!("{idle:?}"));
        store.start_family("f4", issued("a"), rules(0, 10_000, 1_000)).await.unwrap();
        let old = store.rotate("f4", "a", issued("b"), rules(1_000, 10_000, 1_000)).await;
        note("f4 past absolute", format!("{old:?}"));
        let young = store.rotate("f4", "a", issued("b"), rules(999, 10_000, 1_000)).await;
        note("f4 just before", format!("{young:?}"));
        note("unknown", format!("{:?}", store.rotate("nope", "a", issued("b"), r(1)).await));
        store.start_family("f5", issued("a"), r(0)).await.unwrap();
        store.revoke_family("f5").await.unwrap();
        store.revoke_family("never-started").await.unwrap();
        note("f5 revoked", format!("{:?}", store.rotate("f5", "a", issued("b"), r(1)).await));
        let live = TokenRef { jti: None, sub: None, iat: None, family: Some("f4") };
        note("f4 live", format!("{:?}", store.is_revoked(live).await));

        // Tokens and subjects.
        let token = |jti, sub, iat| TokenRef { jti, sub, iat, family: None };
        store.revoke_token("j1", base + 300).await.unwrap();
        store.revoke_token("j2", base.saturating_sub(1)).await.unwrap();
        store.revoke_subject("ada", base + 1, 600).await.unwrap();
        for (step, t) in [
            ("j1", token(Some("j1"), None, None)),
            ("j2 expired", token(Some("j2"), None, None)),
            ("j3", token(Some("j3"), Some("bob"), Some(base))),
            ("ada before", token(Some("j3"), Some("ada"), Some(base))),
            ("ada after", token(Some("j3"), Some("ada"), Some(base + 1))),
            ("ada no iat", token(None, Some("ada"), None)),
            ("nothing", token(None, None, None)),
        ] {
            note(step, format!("{:?}", store.is_revoked(t).await));
        }
        transcripts.push((name, seen));
    }
    let (memory, in_redis) = (&transcripts[0].1, &transcripts[1].1);
    assert_eq!(memory, in_redis, "memory vs redis");
    // And the transcript is the one Family::rotate prescribes.
    // And it is the one Family::rotate prescribes.
    let successor = format!("Retry(Issued {{ jti: \"c\", iat: {base}, exp: {} }})", base + 100);
    for step in ["b again in grace", "b again in grace, twice"] {
        assert!(memory.contains(&format!("{step}: {successor}")), "{memory:#?}");
    }
    for expected in [
        "a, an ancestor: Reused",
        "c after reuse: Refused",
        "f1 revoked: Ok(true)",
        "f2 a late: Ok(Reused)",
        "f2 b: Ok(Refused)",
        "f3 idle: Ok(Refused)",
        "f4 past absolute: Ok(Refused)",
        "f4 just before: Ok(Rotated)",
        "unknown: Ok(Refused)",
        "f5 revoked: Ok(Refused)",
        "f4 live: Ok(false)",
        "j1: Ok(true)",
        "j2 expired: Ok(false)",
        "j3: Ok(false)",
        "ada before: Ok(true)",
        "ada after: Ok(false)",
        "ada no iat: Ok(true)",
        "nothing: Ok(false)",
    ] {
        assert!(memory.iter().any(|line| line == expected), "{expected} in {memory:#?}");
    }
    // A revocation of a family never started leaves nothing behind.
    let mut raw = redis.inspect().await;
    let exists: bool =
        redis::cmd("EXISTS").arg("warden:fam:never-started").query_async(&mut raw).await.unwrap();
    assert!(!exists);
}

// ---------------------------------------------------------------------------
// Replicas sharing one Redis.

#[tokio::test]
async fn two_replicas_share_logouts_and_refresh_families() {
    let redis = RedisServer::start();
    let (a, b) = (replica(&redis).await, replica(&redis).await);

    // Logout on A: the access token is refused by B at once.
    let pair = a.sessions.issue("ada", &grant()).await.unwrap();
    assert_eq!(status(&b.closed, &pair.access_token).await.0, 200);
    a.sessions.logout(&verified(&pair.access_token)).await.unwrap();
    assert_eq!(status(&b.closed, &pair.access_token).await.0, 401);
    assert!(b.sessions.refresh(&pair.refresh_token).await.is_err());

    // Log out everywhere on B: A refuses the subject's tokens.
    let other = a.sessions.issue("eve", &grant()).await.unwrap();
    b.sessions.logout_everywhere("eve").await.unwrap();
    assert_eq!(status(&a.closed, &other.access_token).await.0, 401);

    // Rotated on A; the old token on B within the grace window is a retry
    // answered with A's successor.
    let first = a.sessions.issue("bob", &grant()).await.unwrap();
    let second = a.sessions.refresh(&first.refresh_token).await.unwrap();
    let retried = b.sessions.refresh(&first.refresh_token).await.unwrap();
    assert_eq!(jti(&retried.refresh_token), jti(&second.refresh_token));
    // Rotated again on A: `first` presented to B is a reuse.
    let third = a.sessions.refresh(&second.refresh_token).await.unwrap();
    let err = b.sessions.refresh(&first.refresh_token).await.unwrap_err();
    assert_eq!(err.into_http().status(), StatusCode::UNAUTHORIZED);
    // The whole family is dead on both replicas.
    assert!(a.sessions.refresh(&third.refresh_token).await.is_err());
    assert_eq!(status(&a.closed, &third.access_token).await.0, 401);
    assert_eq!(status(&b.closed, &third.access_token).await.0, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_rotations_of_one_token_give_one_rotated_and_one_retry() {
    let redis = RedisServer::start();
    let url = redis.url();
    let a = Arc::new(RedisStore::connect(&url).await.unwrap());
    let b = Arc::new(RedisStore::connect(&url).await.unwrap());
    let now = unix_now();
    let rules = FamilyRules { now, grace: 5, idle: 1_000, absolute: 10_000 };
    let issued = move |jti: String| Issued { jti, iat: now, exp: now + 100 };
    for round in 0..40 {
        let family = format!("race-{round}");
        a.start_family(&family, issued("first".into()), rules).await.unwrap();
        let race = |store: Arc<RedisStore>, next: &'static str| {
            let family = family.clone();
            tokio::spawn(async move {
                store.rotate(&family, "first", issued(next.into()), rules).await.unwrap()
            })
        };
        let (x, y) = (race(a.clone(), "from-a"), race(b.clone(), "from-b"));
        let (x, y) = (x.await.unwrap(), y.await.unwrap());
        match (&x, &y) {
            (Rotation::Rotated, Rotation::Retry(won)) => assert_eq!(won.jti, "from-a"),
            (Rotation::Retry(won), Rotation::Rotated) => assert_eq!(won.jti, "from-b"),
            other => panic!("round {round}: {other:?}"),
        }
    }

    // The same through two replicas' `Sessions`: both refreshes succeed, with
    // one and the same successor.
    let (ra, rb) = (replica(&redis).await, replica(&redis).await);
    let pair = ra.sessions.issue("ada", &grant()).await.unwrap();
    let token = pair.refresh_token.clone();
    let (sa, sb) = (ra.sessions.clone(), rb.sessions.clone());
    let (t1, t2) = (token.clone(), token);
    let x = tokio::spawn(async move { sa.refresh(&t1).await.map(|p| p.refresh_token) });
    let y = tokio::spawn(async move { sb.refresh(&t2).await.map(|p| p.refresh_token) });
    let (x, y) = (x.await.unwrap().unwrap(), y.await.unwrap().unwrap());
    assert_eq!(jti(&x), jti(&y));
    assert_ne!(jti(&x), jti(&pair.refresh_token));
}

// ---------------------------------------------------------------------------
// What Redis holds.

#[tokio::test]
async fn entries_expire_with_what_they_protect_and_hold_no_tokens() {
    let redis = RedisServer::start();
    let app = replica(&redis).await;
    let pair = app.sessions.issue("ada", &grant()).await.unwrap();
    let access = claims_of(&pair.access_token);
    let (access_jti, family) = (access["jti"].as_str().unwrap(), access["fam"].as_str().unwrap());
    app.sessions.logout(&verified(&pair.access_token)).await.unwrap();
    app.sessions.logout_everywhere("ada").await.unwrap();

    let mut raw = redis.inspect().await;
    let mut ttl = async |key: String| -> i64 {
        redis::cmd("TTL").arg(&key).query_async(&mut raw).await.unwrap()
    };
    // The revoked jti lives as long as the token would have: exp - now.
    let remaining = access["exp"].as_u64().unwrap() as i64 - unix_now() as i64;
    let jti_ttl = ttl(format!("warden:jti:{access_jti}")).await;
    assert!((remaining - 2..=remaining + 1).contains(&jti_ttl), "{jti_ttl} vs {remaining}");
    // The family: its absolute lifetime; the subject: the longest lifetime.
    let month = 2_592_000;
    let family_ttl = ttl(format!("warden:fam:{family}")).await;
    assert!((month - 5..=month).contains(&family_ttl), "{family_ttl}");
    let subject_ttl = ttl("warden:sub:ada".into()).await;
    assert!((month - 5..=month).contains(&subject_ttl), "{subject_ttl}");

    // Nothing stored is a token: keys and values are ids, times and flags.
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query_async(&mut raw).await.unwrap();
    assert_eq!(keys.len(), 3, "{keys:?}");
    let family_hash: Vec<String> = redis::cmd("HGETALL")
        .arg(format!("warden:fam:{family}"))
        .query_async(&mut raw)
        .await
        .unwrap();
    let everything = format!("{keys:?} {family_hash:?}");
    for token in [&pair.access_token, &pair.refresh_token] {
        assert!(!everything.contains(token.as_str()));
        assert!(!everything.contains(token.split('.').nth(2).unwrap()), "no signature");
    }
    assert!(everything.contains(&jti(&pair.refresh_token)));
}

#[tokio::test]
async fn a_key_prefix_separates_apps_sharing_one_redis() {
    let redis = RedisServer::start();
    let shop = RedisStore::connect(&redis.url()).await.unwrap().with_prefix("shop:");
    let blog = RedisStore::connect(&redis.url()).await.unwrap().with_prefix("blog:");
    assert_eq!(shop.prefix(), "shop:");
    shop.revoke_token("j1", unix_now() + 60).await.unwrap();
    let token = TokenRef { jti: Some("j1"), sub: None, iat: None, family: None };
    assert!(shop.is_revoked(token).await.unwrap());
    assert!(!blog.is_revoked(token).await.unwrap());
    let mut raw = redis.inspect().await;
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query_async(&mut raw).await.unwrap();
    assert_eq!(keys, ["shop:jti:j1"]);
}

// ---------------------------------------------------------------------------
// Connecting, and Redis failing under a live store.

#[tokio::test]
async fn connection_errors_are_clear_and_never_show_the_password() {
    for url in ["not a url", "http://127.0.0.1:6379/", "redis://:hunter2-pw@127.0.0.1:notaport/"] {
        let err = RedisStore::connect(url).await.unwrap_err().to_string();
        assert!(err.contains("invalid Redis URL"), "{err}");
        assert!(!err.contains("hunter2-pw"), "{err}");
    }
    // Nothing listening.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("redis://:hunter2-pw@127.0.0.1:{closed}/");
    let err = RedisStore::connect(&url).await.unwrap_err().to_string();
    assert!(err.contains(&format!("127.0.0.1:{closed} unreachable")), "{err}");
    assert!(!err.contains("hunter2-pw"), "{err}");

    // A Redis with a password: the wrong one is refused, without echo.
    let redis = RedisServer::start();
    let mut raw = redis.inspect().await;
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("requirepass")
        .arg("right-pw")
        .query_async::<()>(&mut raw)
        .await
        .unwrap();
    let wrong = format!("redis://:wrong-pw@127.0.0.1:{}/", redis.port);
    let err = RedisStore::connect(&wrong).await.unwrap_err().to_string();
    assert!(!err.contains("wrong-pw"), "{err}");
    let right = format!("redis://:right-pw@127.0.0.1:{}/", redis.port);
    let store = RedisStore::connect(&right).await.unwrap();
    store.revoke_token("j1", unix_now() + 60).await.unwrap();
    let debug = format!("{store:?}");
    assert!(!debug.contains("right-pw") && debug.contains("127.0.0.1"), "{debug}");
}

#[tokio::test]
async fn redis_killed_then_restarted_the_policy_answers_and_the_store_recovers() {
    let mut redis = RedisServer::start();
    let app = replica(&redis).await;
    let good = app.sessions.issue("ada", &grant()).await.unwrap();
    let gone = app.sessions.issue("ada", &grant()).await.unwrap();
    app.sessions.logout(&verified(&gone.access_token)).await.unwrap();
    assert_eq!(status(&app.closed, &gone.access_token).await.0, 401);

    redis.kill();
    // Fail-closed: 503 in the envelope, within the timeouts, never a hang.
    let (code, body) = status(&app.closed, &good.access_token).await;
    assert_eq!(code, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body, unavailable_body());
    // Fail-open: the verified token is accepted.
    assert_eq!(status(&app.open, &good.access_token).await.0, 200);
    // Issuing and refreshing answer 503 too.
    let err = app.sessions.issue("ada", &grant()).await.unwrap_err();
    assert_eq!(err.into_http().status(), StatusCode::SERVICE_UNAVAILABLE);
    let err = app.sessions.refresh(&good.refresh_token).await.unwrap_err();
    assert_eq!(err.into_http().status(), StatusCode::SERVICE_UNAVAILABLE);

    // Same port, same store object: it reconnects by itself.
    redis.restart();
    until_recovered(app.sessions.store().as_ref()).await;
    assert_eq!(status(&app.closed, &good.access_token).await.0, 200);
    // Without persistence Redis lost everything: the logout is forgotten,
    // and so is the refresh family (its token is refused, not rotated).
    assert_eq!(status(&app.closed, &gone.access_token).await.0, 200);
    assert!(app.sessions.refresh(&good.refresh_token).await.is_err());
    // New sessions and logouts work again.
    let fresh = app.sessions.issue("ada", &grant()).await.unwrap();
    let next = app.sessions.refresh(&fresh.refresh_token).await.unwrap();
    app.sessions.logout(&verified(&next.access_token)).await.unwrap();
    assert_eq!(status(&app.closed, &next.access_token).await.0, 401);
}

#[tokio::test]
async fn with_persistence_revocations_survive_a_restart() {
    let mut redis = RedisServer::start_persistent();
    let app = replica(&redis).await;
    let pair = app.sessions.issue("ada", &grant()).await.unwrap();
    app.sessions.logout(&verified(&pair.access_token)).await.unwrap();
    let kept = app.sessions.issue("bob", &grant()).await.unwrap();
    redis.restart(); // SIGKILL, then the AOF is replayed
    until_recovered(app.sessions.store().as_ref()).await;
    assert_eq!(status(&app.closed, &pair.access_token).await.0, 401);
    assert!(app.sessions.refresh(&pair.refresh_token).await.is_err());
    // The family kept its state: its token still rotates.
    assert!(app.sessions.refresh(&kept.refresh_token).await.is_ok());
}

#[tokio::test]
async fn redis_paused_is_a_timeout_not_a_hang() {
    let redis = RedisServer::start();
    let app = replica(&redis).await;
    let good = app.sessions.issue("ada", &grant()).await.unwrap();
    redis.pause();
    let (code, body) = status(&app.closed, &good.access_token).await;
    assert_eq!(code, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body, unavailable_body());
    assert_eq!(status(&app.open, &good.access_token).await.0, 200);
    // The store's own bound answers before the Sessions one.
    let probe = TokenRef { jti: Some("x"), sub: None, iat: None, family: None };
    let err = app.sessions.store().is_revoked(probe).await.unwrap_err();
    assert!(err.to_string().starts_with("session store unavailable: Redis revocation check"));
    let err = app.sessions.refresh(&good.refresh_token).await.unwrap_err();
    assert_eq!(err.into_http().status(), StatusCode::SERVICE_UNAVAILABLE);
    redis.resume();
    until_recovered(app.sessions.store().as_ref()).await;
    assert_eq!(status(&app.closed, &good.access_token).await.0, 200);
    assert!(app.sessions.refresh(&good.refresh_token).await.is_ok());
}

#[tokio::test]
async fn a_token_without_jti_sub_or_family_needs_no_redis() {
    let mut redis = RedisServer::start();
    let store = RedisStore::connect(&redis.url()).await.unwrap();
    redis.kill();
    let bare = TokenRef { jti: None, sub: None, iat: Some(1), family: None };
    assert_eq!(store.is_revoked(bare).await, Ok(false));
    let with_jti = TokenRef { jti: Some("j"), ..bare };
    assert!(store.is_revoked(with_jti).await.is_err());
}

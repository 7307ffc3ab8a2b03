//! The user store: accounts in SQLite (`rusqlite`, SQLite compiled in),
//! passwords as argon2id PHC strings, one [`Role`] per user.
//!
//! The async API runs every database call and every hash on tokio's blocking
//! pool. A single `rusqlite::Connection` behind a `std::sync::Mutex` is
//! enough here: SQLite allows one writer at a time anyway, the store serves
//! sign-ins and admin requests rather than every API call, and the lock is
//! taken only inside `spawn_blocking` and never held across an `.await` or
//! during a hash, so neither the runtime's workers nor other sign-ins wait
//! on argon2. A pool would add a dependency for no measurable gain.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use argon2::password_hash::{self, PasswordHasher, PasswordVerifier, phc::PasswordHash};
use argon2::{Algorithm, Argon2, Params, Version};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use schemars::JsonSchema;
use serde::Serialize;

use super::roles::Role;

/// The account [`UserStore::bootstrap_admin`] creates.
pub const ADMIN_USERNAME: &str = "admin";
/// Shortest accepted password, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest accepted password, in characters; bounds the work one request
/// can ask of the hasher.
pub const MAX_PASSWORD_CHARS: usize = 1024;
/// Longest accepted username, in characters.
pub const MAX_USERNAME_CHARS: usize = 64;

/// argon2id with OWASP's first recommended setting: 19 MiB, 2 passes, one
/// lane (Password Storage Cheat Sheet). Checked at compile time.
const ARGON2_PARAMS: Params = match Params::new(19 * 1024, 2, 1, None) {
    Ok(params) => params,
    Err(_) => panic!("invalid argon2 parameters"),
};

/// A PHC string with [`ARGON2_PARAMS`] whose password nobody knows. An
/// unknown username is verified against it, so that it costs one argon2 run
/// like a wrong password does and the answer time does not tell which
/// usernames exist. A test keeps its parameters equal to `ARGON2_PARAMS`.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$8V1WnVH0L6xGFrR7j0gvYQ$ABqFqIJ+a0MosS5qCa/KEmACTl/7eewwO3/vL1mfJOs";

/// Schema migrations, applied in order; `PRAGMA user_version` holds how many
/// have run. Append only: never edit one that has shipped.
const MIGRATIONS: &[&str] = &[
    // 1: accounts. NOCASE so that `Alice` cannot be created next to `alice`
    // and sign-in ignores case; usernames are ASCII, which NOCASE covers.
    "CREATE TABLE users (
        id            INTEGER PRIMARY KEY,
        username      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT    NOT NULL,
        role          TEXT    NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
        created_at    INTEGER NOT NULL
    ) STRICT;",
];

/// How long a statement waits for another process's write lock (a second
/// replica on the same file) before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the store lives, parsed from a `DATABASE_URL` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Database {
    /// `sqlite::memory:`: a private database that lives as long as the store.
    Memory,
    /// `sqlite://relative/path.db` or `sqlite:///absolute/path.db`.
    File(PathBuf),
}

impl Database {
    /// Parses `sqlite://PATH` (relative to the working directory),
    /// `sqlite:///ABSOLUTE/PATH` or `sqlite::memory:`. Errors never repeat
    /// the value, which could be another database's URL with a password.
    pub fn parse(url: &str) -> Result<Database, StoreError> {
        let invalid = |reason| StoreError::InvalidDatabaseUrl { reason };
        if url == "sqlite::memory:" || url == "sqlite://:memory:" {
            return Ok(Database::Memory);
        }
        let Some(path) = url.strip_prefix("sqlite://") else {
            return Err(invalid(if url.contains("://") {
                "only `sqlite` URLs are supported"
            } else if url.starts_with("sqlite:") {
                "`sqlite:` must be followed by `//` and a path, or by `:memory:`"
            } else {
                "not a database URL"
            }));
        };
        if path.is_empty() {
            return Err(invalid("the path is empty"));
        }
        if path.contains(['?', '#']) {
            return Err(invalid("query parameters and fragments are not supported"));
        }
        if path.contains('\0') {
            return Err(invalid("the path contains a NUL character"));
        }
        Ok(Database::File(PathBuf::from(path)))
    }
}

impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Memory => f.write_str("sqlite::memory:"),
            Database::File(path) => write!(f, "sqlite://{}", path.display()),
        }
    }
}

/// An account as the API shows it: never the password or its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct User {
    /// Stable numeric id.
    pub id: i64,
    /// The name as it was created (sign-in ignores case).
    pub username: String,
    /// The user's role.
    pub role: Role,
    /// What the role grants, as carried in the user's tokens.
    pub permissions: Vec<&'static str>,
    /// Creation time, seconds since the Unix epoch.
    pub created_at: i64,
}

impl User {
    fn new(id: i64, username: String, role: Role, created_at: i64) -> User {
        User { id, username, role, permissions: role.permissions().to_vec(), created_at }
    }
}

/// Why a store operation failed. No variant carries a password, a hash or
/// the database URL.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `DATABASE_URL` is not one of the accepted forms.
    #[error(
        "invalid `DATABASE_URL`: {reason}; expected `sqlite://PATH`, \
         `sqlite:///ABSOLUTE/PATH` or `sqlite::memory:`"
    )]
    InvalidDatabaseUrl {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The database file could not be opened or created.
    #[error("cannot open the database `{path}`: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// SQLite's reason.
        source: rusqlite::Error,
    },
    /// The database was migrated by a newer version of the program.
    #[error("the database schema is at version {found}, newer than this program's {supported}")]
    SchemaTooNew {
        /// The version in the file.
        found: i64,
        /// The newest version this program knows.
        supported: usize,
    },
    /// Any other SQLite failure.
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// The username exists already (compared without case).
    #[error("username is taken")]
    UsernameTaken,
    /// The username breaks the naming rule.
    #[error(
        "username must be 1 to {MAX_USERNAME_CHARS} characters of `A-Z`, `a-z`, `0-9`, `_`, `.`, `-`"
    )]
    InvalidUsername,
    /// The password is too short.
    #[error("password must be at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    /// The password is too long.
    #[error("password must be at most {MAX_PASSWORD_CHARS} characters")]
    PasswordTooLong,
    /// A stored row holds something the schema should have refused.
    #[error("user {id} has an invalid {what} in the database")]
    Corrupt {
        /// The row's id.
        id: i64,
        /// Which column.
        what: &'static str,
    },
    /// argon2 failed (never because of a wrong password).
    #[error("password hashing failed: {0}")]
    Hash(password_hash::Error),
    /// A blocking task did not finish (runtime shutting down).
    #[error("a database task was interrupted")]
    Interrupted,
}

/// A password on its way to the hasher; `Debug` never shows it.
struct Password(String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// The accounts, behind one SQLite connection. Cloning shares the
/// connection.
#[derive(Clone)]
pub struct UserStore {
    conn: Arc<Mutex<Connection>>,
    database: Database,
}

impl fmt::Debug for UserStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserStore").field("database", &self.database).finish_non_exhaustive()
    }
}

impl UserStore {
    /// Opens (creating if needed) the database a `DATABASE_URL` value names
    /// and brings its schema up to date.
    pub async fn open(url: &str) -> Result<UserStore, StoreError> {
        let database = Database::parse(url)?;
        let target = database.clone();
        let conn = blocking(move || connect(&target)).await?;
        Ok(UserStore { conn: Arc::new(Mutex::new(conn)), database })
    }

    /// Where the store lives.
    pub fn database(&self) -> &Database {
        &self.database
    }

    /// Creates an account. Checks the username and the password's length
    /// before any work, and a taken name before hashing.
    pub async fn create_user(
        &self,
        username: &str,
        password: &str,
        role: Role,
    ) -> Result<User, StoreError> {
        check_username(username)?;
        check_password(password)?;
        let (conn, username, password) = self.owned(username, password);
        blocking(move || {
            if find(&lock(&conn), &username)?.is_some() {
                return Err(StoreError::UsernameTaken);
            }
            let hash = hash(&password)?;
            let created_at = now();
            let id = lock(&conn)
                .query_row(
                    "INSERT INTO users (username, password_hash, role, created_at)
                     VALUES (?1, ?2, ?3, ?4) RETURNING id",
                    params![username, hash, role.as_str(), created_at],
                    |row| row.get(0),
                )
                .map_err(taken_or_database)?;
            Ok(User::new(id, username, role, created_at))
        })
        .await
    }

    /// The user these credentials belong to, or `None`. An unknown or
    /// malformed username costs one argon2 run like a wrong password, so
    /// the two cannot be told apart by timing.
    pub async fn verify(&self, username: &str, password: &str) -> Result<Option<User>, StoreError> {
        let plausible =
            check_username(username).is_ok() && password.chars().count() <= MAX_PASSWORD_CHARS;
        let (conn, username, password) = self.owned(username, password);
        blocking(move || {
            let found = if plausible { find(&lock(&conn), &username)? } else { None };
            match found {
                Some((user, hash)) => Ok(password_matches(&password, &hash)?.then_some(user)),
                None => {
                    // Same work as a wrong password, result ignored.
                    let _ = password_matches(&password, DUMMY_HASH);
                    Ok(None)
                }
            }
        })
        .await
    }

    /// One user by name (case ignored).
    pub async fn get(&self, username: &str) -> Result<Option<User>, StoreError> {
        if check_username(username).is_err() {
            return Ok(None);
        }
        let conn = Arc::clone(&self.conn);
        let username = username.to_owned();
        blocking(move || Ok(find(&lock(&conn), &username)?.map(|(user, _)| user))).await
    }

    /// Every user, oldest first.
    pub async fn list(&self) -> Result<Vec<User>, StoreError> {
        let conn = Arc::clone(&self.conn);
        blocking(move || {
            let conn = lock(&conn);
            let mut statement = conn
                .prepare_cached("SELECT id, username, role, created_at FROM users ORDER BY id")?;
            let rows = statement.query_map([], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get::<_, String>(2)?, row.get(3)?))
            })?;
            rows.map(|row| {
                let (id, username, role, created_at) = row?;
                Ok(User::new(id, username, parse_role(id, &role)?, created_at))
            })
            .collect()
        })
        .await
    }

    /// How many users there are.
    pub async fn count(&self) -> Result<u64, StoreError> {
        let conn = Arc::clone(&self.conn);
        blocking(move || count(&lock(&conn))).await
    }

    /// Creates `admin` with the admin role when the store has no users at
    /// all, and returns it; returns `None` (without hashing) otherwise. Safe
    /// to race: the insert itself is conditional.
    pub async fn bootstrap_admin(&self, password: &str) -> Result<Option<User>, StoreError> {
        check_password(password)?;
        let (conn, username, password) = self.owned(ADMIN_USERNAME, password);
        blocking(move || {
            if count(&lock(&conn))? > 0 {
                return Ok(None);
            }
            let hash = hash(&password)?;
            let created_at = now();
            let role = Role::Admin;
            let id = lock(&conn)
                .query_row(
                    "INSERT INTO users (username, password_hash, role, created_at)
                     SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 FROM users)
                     RETURNING id",
                    params![username, hash, role.as_str(), created_at],
                    |row| row.get(0),
                )
                .optional()
                .map_err(taken_or_database)?;
            Ok(id.map(|id| User::new(id, username, role, created_at)))
        })
        .await
    }

    fn owned(&self, username: &str, password: &str) -> (Arc<Mutex<Connection>>, String, Password) {
        (Arc::clone(&self.conn), username.to_owned(), Password(password.to_owned()))
    }
}

/// Runs `job` on tokio's blocking pool.
async fn blocking<T, F>(job: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
{
    tokio::task::spawn_blocking(job).await.map_err(|_| StoreError::Interrupted)?
}

/// Takes the connection. A panic elsewhere while holding it cannot leave
/// SQLite half-written (statements are atomic, an unfinished transaction
/// rolls back when dropped), so a poisoned lock is still safe to use.
fn lock(conn: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    conn.lock().unwrap_or_else(PoisonError::into_inner)
}

fn connect(database: &Database) -> Result<Connection, StoreError> {
    // No SQLITE_OPEN_URI: a path is always a path, never `file:...?mode=`.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = match database {
        Database::Memory => Connection::open_in_memory_with_flags(flags)?,
        Database::File(path) => Connection::open_with_flags(path, flags)
            .map_err(|source| StoreError::Open { path: path.clone(), source })?,
    };
    conn.busy_timeout(BUSY_TIMEOUT)?;
    if let Database::File(path) = database {
        // WAL lets a second process read while one writes; the pragma also
        // is the first real read of the file, so a non-database fails here.
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
            .map_err(|source| StoreError::Open { path: path.clone(), source })?;
    }
    migrate(&mut conn)?;
    Ok(conn)
}

/// Applies the migrations the database has not seen, all in one immediate
/// transaction (so two processes starting together migrate once). Running
/// it again is a no-op.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let done = usize::try_from(found)
        .ok()
        .filter(|&done| done <= MIGRATIONS.len())
        .ok_or(StoreError::SchemaTooNew { found, supported: MIGRATIONS.len() })?;
    for (version, sql) in (1_i64..).zip(MIGRATIONS).skip(done) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
    }
    tx.commit()?;
    Ok(())
}

/// The user named `username` (case ignored) with their password hash.
fn find(conn: &Connection, username: &str) -> Result<Option<(User, String)>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT id, username, role, created_at, password_hash FROM users WHERE username = ?1",
        )?
        .query_row([username], |row| {
            Ok((
                row.get(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get(3)?,
                row.get::<_, String>(4)?,
            ))
        })
        .optional()?;
    row.map(|(id, username, role, created_at, hash)| {
        Ok((User::new(id, username, parse_role(id, &role)?, created_at), hash))
    })
    .transpose()
}

fn count(conn: &Connection) -> Result<u64, StoreError> {
    let count: i64 = conn.query_row("SELECT count(*) FROM users", [], |row| row.get(0))?;
    // SQLite's count(*) is never negative.
    Ok(u64::try_from(count).unwrap_or_default())
}

fn parse_role(id: i64, role: &str) -> Result<Role, StoreError> {
    role.parse().map_err(|_| StoreError::Corrupt { id, what: "role" })
}

/// A unique-constraint failure means someone took the name between our
/// check and our insert.
fn taken_or_database(error: rusqlite::Error) -> StoreError {
    match error.sqlite_error() {
        Some(e) if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE => {
            StoreError::UsernameTaken
        }
        _ => StoreError::Database(error),
    }
}

fn check_username(username: &str) -> Result<(), StoreError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    // All allowed characters are ASCII, so bytes count characters.
    if (1..=MAX_USERNAME_CHARS).contains(&username.len()) && username.chars().all(allowed) {
        Ok(())
    } else {
        Err(StoreError::InvalidUsername)
    }
}

fn check_password(password: &str) -> Result<(), StoreError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        Err(StoreError::WeakPassword)
    } else if chars > MAX_PASSWORD_CHARS {
        Err(StoreError::PasswordTooLong)
    } else {
        Ok(())
    }
}

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, ARGON2_PARAMS)
}

/// A fresh PHC string (random 16-byte salt) for `password`.
fn hash(password: &Password) -> Result<String, StoreError> {
    argon2()
        .hash_password(password.0.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(StoreError::Hash)
}

/// Whether `password` matches the PHC string `hash`, with the parameters
/// recorded in `hash`.
fn password_matches(password: &Password, hash: &str) -> Result<bool, StoreError> {
    let hash = PasswordHash::new(hash).map_err(|e| StoreError::Hash(e.into()))?;
    match argon2().verify_password(password.0.as_bytes(), &hash) {
        Ok(()) => Ok(true),
        Err(password_hash::Error::PasswordInvalid) => Ok(false),
        Err(error) => Err(StoreError::Hash(error)),
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    // Every argon2 run costs about a second in debug builds: tests share
    // the few users they hash.
    const PASSWORD: &str = "correct horse battery staple";

    fn temp_url(dir: &tempfile::TempDir) -> (String, PathBuf) {
        let path = dir.path().join("users.db");
        (format!("sqlite://{}", path.display()), path)
    }

    #[test]
    fn database_urls() {
        let parsed = |url| Database::parse(url).ok();
        let file = |path: &str| Some(Database::File(PathBuf::from(path)));
        assert_eq!(parsed("sqlite::memory:"), Some(Database::Memory));
        assert_eq!(parsed("sqlite://:memory:"), Some(Database::Memory));
        assert_eq!(parsed("sqlite://ml_api.db"), file("ml_api.db"));
        assert_eq!(parsed("sqlite://data/ml_api.db"), file("data/ml_api.db"));
        assert_eq!(parsed("sqlite:///abs/path.db"), file("/abs/path.db"));
        assert_eq!(file("/abs/path.db").unwrap().to_string(), "sqlite:///abs/path.db");

        for bad in [
            "",
            "ml_api.db",
            "sqlite:",
            "sqlite:ml_api.db",
            "sqlite://",
            "sqlite://db?mode=ro",
            "sqlite://db#x",
            "sqlite://a\0b",
            "SQLITE://ml_api.db",
            "postgres://admin:hunter2hunter2@db/users",
        ] {
            let err = Database::parse(bad).unwrap_err();
            let message = err.to_string();
            assert!(message.starts_with("invalid `DATABASE_URL`: "), "{bad:?}: {message}");
            assert!(!message.contains("hunter2"), "{message}");
        }
    }

    /// Equal parameters make an unknown user cost what a wrong password
    /// costs.
    #[test]
    fn dummy_hash_has_the_current_parameters() {
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(dummy.algorithm, argon2::ARGON2ID_IDENT);
        let params = Params::try_from(&dummy).unwrap();
        let costs = |p: &Params| (p.m_cost(), p.t_cost(), p.p_cost());
        assert_eq!(costs(&params), costs(&ARGON2_PARAMS));
        assert_eq!(ARGON2_PARAMS.output_len(), None);
        assert_eq!(dummy.hash.map(|h| h.len()), Some(Params::DEFAULT_OUTPUT_LEN));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn create_verify_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = UserStore::open(&temp_url(&dir).0).await.unwrap();
        assert_eq!(store.count().await.unwrap(), 0);

        let alice = store.create_user("alice", PASSWORD, Role::Analyst).await.unwrap();
        assert_eq!(alice.username, "alice");
        assert_eq!(alice.role, Role::Analyst);
        assert_eq!(alice.permissions, ["model:read", "model:predict"]);

        let verified = store.verify("alice", PASSWORD).await.unwrap();
        assert_eq!(verified.as_ref(), Some(&alice));

        let started = Instant::now();
        assert_eq!(store.verify("alice", "correct horse battery stapler").await.unwrap(), None);
        let wrong = started.elapsed();
        let started = Instant::now();
        assert_eq!(store.verify("mallory", PASSWORD).await.unwrap(), None);
        let unknown = started.elapsed();
        // Loose on purpose (shared machines): catches an unknown user
        // answered without hashing, which is 1000× faster.
        assert!(unknown * 4 > wrong, "unknown user {unknown:?} vs wrong password {wrong:?}");

        // Malformed input is just a failed sign-in.
        assert_eq!(store.verify("", PASSWORD).await.unwrap(), None);
        assert_eq!(store.verify("alice", &"x".repeat(MAX_PASSWORD_CHARS + 1)).await.unwrap(), None);

        // Names are unique without case, checked before hashing.
        for taken in ["alice", "ALICE"] {
            let err = store.create_user(taken, PASSWORD, Role::Viewer).await.unwrap_err();
            assert!(matches!(err, StoreError::UsernameTaken), "{err:?}");
        }

        assert_eq!(store.get("Alice").await.unwrap(), Some(alice.clone()));
        assert_eq!(store.get("bob").await.unwrap(), None);
        assert_eq!(store.get("not a name").await.unwrap(), None);
        assert_eq!(store.list().await.unwrap(), std::slice::from_ref(&alice));
        assert_eq!(store.count().await.unwrap(), 1);

        let json = serde_json::to_value(&alice).unwrap();
        assert_eq!(json["role"], "analyst");
        assert_eq!(json["permissions"][1], "model:predict");
        assert_eq!(json.as_object().unwrap().len(), 5, "{json}");

        for shown in [format!("{alice:?}"), format!("{store:?}"), json.to_string()] {
            assert!(!shown.contains(PASSWORD) && !shown.contains("argon2"), "{shown}");
        }
        assert_eq!(format!("{:?}", Password(PASSWORD.to_owned())), "Password(<redacted>)");
    }

    #[tokio::test]
    async fn refuses_bad_names_and_passwords_before_hashing() {
        let store = UserStore::open("sqlite::memory:").await.unwrap();
        let long_name = "a".repeat(MAX_USERNAME_CHARS + 1);
        for name in ["", "a b", "ünïcode", "a/b", "a'b", &long_name] {
            let err = store.create_user(name, PASSWORD, Role::Viewer).await.unwrap_err();
            assert!(matches!(err, StoreError::InvalidUsername), "{name:?}: {err:?}");
        }
        // 11 characters, 22 bytes: characters are what count.
        for weak in ["", "short", "elevenchars", "ééééééééééé"] {
            let err = store.create_user("bob", weak, Role::Viewer).await.unwrap_err();
            assert!(matches!(err, StoreError::WeakPassword), "{weak:?}: {err:?}");
            assert!(!err.to_string().contains(weak) || weak.is_empty());
        }
        let err = store.create_user("bob", &"x".repeat(MAX_PASSWORD_CHARS + 1), Role::Viewer).await;
        assert!(matches!(err, Err(StoreError::PasswordTooLong)), "{err:?}");
        assert_eq!(store.count().await.unwrap(), 0);

        assert!("root".parse::<Role>().is_err());
        let max_name = "a".repeat(MAX_USERNAME_CHARS);
        assert!(check_username(&max_name).is_ok() && check_username("A-z_0.9").is_ok());
    }

    #[tokio::test]
    async fn schema_refuses_unknown_roles() {
        let store = UserStore::open("sqlite::memory:").await.unwrap();
        let inserted = lock(&store.conn).execute(
            "INSERT INTO users (username, password_hash, role, created_at) VALUES ('x', 'h', 'root', 0)",
            [],
        );
        let err = inserted.unwrap_err();
        assert_eq!(err.sqlite_error_code(), Some(rusqlite::ErrorCode::ConstraintViolation));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn migrations_are_idempotent_and_data_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let (url, path) = temp_url(&dir);
        let store = UserStore::open(&url).await.unwrap();
        let carol = store.create_user("carol", PASSWORD, Role::Viewer).await.unwrap();
        migrate(&mut lock(&store.conn)).unwrap();
        drop(store);

        let store = UserStore::open(&url).await.unwrap();
        assert_eq!(store.list().await.unwrap(), [carol]);
        let version: i64 =
            lock(&store.conn).pragma_query_value(None, "user_version", |row| row.get(0)).unwrap();
        assert_eq!(version, i64::try_from(MIGRATIONS.len()).unwrap());
        drop(store);

        // The password is stored only as an argon2id PHC string.
        let raw = Connection::open(&path).unwrap();
        let stored: String =
            raw.query_row("SELECT password_hash FROM users", [], |row| row.get(0)).unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
        // A newer program's database is refused, not downgraded.
        raw.pragma_update(None, "user_version", 99).unwrap();
        drop(raw);
        let err = UserStore::open(&url).await.unwrap_err();
        assert!(matches!(err, StoreError::SchemaTooNew { found: 99, .. }), "{err:?}");

        // Every file SQLite wrote (database, WAL, shared memory).
        let mut bytes = Vec::new();
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
        }
        let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        assert!(contains(b"$argon2id$"));
        assert!(!contains(PASSWORD.as_bytes()));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bootstrap_only_on_an_empty_store() {
        let store = UserStore::open("sqlite::memory:").await.unwrap();
        let err = store.bootstrap_admin("too short").await.unwrap_err();
        assert!(matches!(err, StoreError::WeakPassword), "{err:?}");

        let admin = store.bootstrap_admin(PASSWORD).await.unwrap().unwrap();
        assert_eq!((admin.username.as_str(), admin.role), ("admin", Role::Admin));
        assert_eq!(admin.permissions, ["model:read", "model:predict", "users:manage"]);
        assert_eq!(store.bootstrap_admin("another password!").await.unwrap(), None);
        assert_eq!(store.verify("admin", PASSWORD).await.unwrap(), Some(admin));

        // Any user, not only an admin, makes the store non-empty.
        let other = UserStore::open("sqlite::memory:").await.unwrap();
        other.create_user("dave", PASSWORD, Role::Viewer).await.unwrap();
        assert_eq!(other.bootstrap_admin(PASSWORD).await.unwrap(), None);
        assert_eq!(other.get("admin").await.unwrap(), None);
    }
}

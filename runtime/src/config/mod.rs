//! Auth configuration without code: from environment variables
//! ([`AuthConfig::from_env`], the `JWT_*` names of the examples) or from any
//! serde format (TOML, YAML, JSON) into [`AuthConfig`].
//!
//! Every bad value is an error naming its variable, never printing a secret.

use std::fmt;

use serde::Deserialize;

use crate::auth::{Auth, Authenticator, PermissionSource};
use crate::jwt::{
    Algorithm, ConfigError, Family, HmacSecret, Key, SigningKey, SigningKeys, Verifier,
};

/// Verified tokens kept, whatever the keys: a hit costs a map lookup
/// instead of a 20–300 µs asymmetric signature check, or, for HMAC, the
/// base64, MAC and JSON work that makes a protected route cost more than a
/// public one (BENCHMARKS.md). At most this many tokens (a few MB).
const CACHE_CAPACITY: usize = 10_000;

/// The auth configuration of an app, as deployment tools write it.
///
/// ```
/// use warden::config::AuthConfig;
///
/// let config = AuthConfig::from_vars(|name| match name {
///     "JWT_SECRET_HEX" => Some("8f".repeat(32)),
///     "JWT_ISSUER" => Some("vortico".into()),
///     "JWT_REQUIRED_CLAIMS" => Some("exp, iss".into()),
///     _ => None,
/// })?;
/// let configured = config.build()?;
/// assert!(configured.signing_key().is_some());
/// # Ok::<(), warden::config::EnvError>(())
/// ```
#[derive(Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct AuthConfig {
    /// `JWT_SECRET_HEX`: the HMAC secret as hex bytes.
    pub secret_hex: Option<String>,
    /// `JWT_SECRET`: the HMAC secret as UTF-8 text.
    pub secret: Option<String>,
    /// `JWT_SIGNING_KEY`: path to a PEM private key (RSA, EC P-256/P-384,
    /// Ed25519) the app signs its tokens with; its public key is served as
    /// a JWKS.
    pub signing_key: Option<String>,
    /// `JWT_SIGNING_ALG`: overrides the algorithm the signing key implies
    /// (e.g. `PS256` for an RSA key).
    pub signing_alg: Option<String>,
    /// `JWT_JWKS_URL`: a remote JWKS to verify against (feature `jwks`).
    pub jwks_url: Option<String>,
    /// `JWT_ALLOW_WEAK_SECRET`: accept an HMAC secret effectively shorter
    /// than the hash output (interop with an existing weak secret only).
    pub allow_weak_secret: bool,
    /// `JWT_ALGORITHMS`: the allow-list; default: what the keys support.
    pub algorithms: Option<Vec<String>>,
    /// `JWT_ISSUER`: accepted `iss` values; empty: unchecked.
    pub issuers: Vec<String>,
    /// `JWT_AUDIENCE`: accepted `aud` values; empty: tokens with `aud` refused.
    pub audiences: Vec<String>,
    /// `JWT_REQUIRED_CLAIMS`: claims every token must carry, e.g. `exp`.
    pub required_claims: Vec<String>,
    /// `JWT_TYP`: the `typ` header every token must carry, e.g. `at+jwt`.
    pub typ: Option<String>,
    /// `JWT_PERMISSIONS_CLAIM`: `flama` (default), `scope`, `scp`, or a JSON
    /// pointer such as `/realm_access/roles`.
    pub permissions_claim: Option<String>,
    /// Use Flama's demo secret (16 zero bytes, an empty HMAC key) when no
    /// key is configured, for running the article's demo. Never in
    /// production; off by default.
    pub demo_fallback: bool,
}

impl fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |s: &Option<String>| s.as_ref().map(|_| "(redacted)");
        f.debug_struct("AuthConfig")
            .field("secret_hex", &redacted(&self.secret_hex))
            .field("secret", &redacted(&self.secret))
            .field("signing_key", &self.signing_key.as_deref().map(shown_path))
            .field("signing_alg", &self.signing_alg)
            .field("jwks_url", &self.jwks_url)
            .field("allow_weak_secret", &self.allow_weak_secret)
            .field("algorithms", &self.algorithms)
            .field("issuers", &self.issuers)
            .field("audiences", &self.audiences)
            .field("required_claims", &self.required_claims)
            .field("typ", &self.typ)
            .field("permissions_claim", &self.permissions_claim)
            .field("demo_fallback", &self.demo_fallback)
            .finish()
    }
}

/// A configuration value that cannot be used, naming its variable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {message}")]
pub struct EnvError {
    /// The environment variable (or its field's variable), e.g. `JWT_ALGORITHMS`.
    pub var: &'static str,
    /// What is wrong; never the value of a secret.
    pub message: String,
}

impl EnvError {
    fn new(var: &'static str, message: impl Into<String>) -> Self {
        EnvError { var, message: message.into() }
    }
}

/// A built configuration: the authenticator, and the key the app signs its
/// own tokens with.
#[derive(Clone, Debug)]
pub struct Configured {
    authenticator: Authenticator,
    signing: Option<SigningKeys>,
    demo: bool,
}

impl Configured {
    /// How requests are authenticated.
    pub fn authenticator(&self) -> &Authenticator {
        &self.authenticator
    }

    /// The key the app signs with: the `JWT_SIGNING_KEY` private key, else
    /// the HMAC secret; `None` when the app only verifies (a remote JWKS).
    pub fn signing_key(&self) -> Option<&SigningKey> {
        self.signing.as_ref().map(SigningKeys::current)
    }

    /// The signing keys, for serving their public half as a JWKS.
    pub fn signing_keys(&self) -> Option<&SigningKeys> {
        self.signing.as_ref()
    }

    /// The public JWK Set to serve at `/.well-known/jwks.json`; `None` unless
    /// the app signs with a private key.
    pub fn jwks(&self) -> Option<serde_json::Value> {
        let signing = self.signing.as_ref()?;
        signing.current().public_jwk()?;
        Some(signing.jwks())
    }

    /// Whether the key is effectively the empty HMAC key (Flama's demo
    /// secret, or any all-zero secret allowed as weak): anyone can forge
    /// tokens. Warn loudly.
    pub fn is_demo_key(&self) -> bool {
        self.demo
    }
}

const HMAC: [Algorithm; 3] = [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];

impl AuthConfig {
    /// Reads the `JWT_*` variables of the process environment.
    pub fn from_env() -> Result<Self, EnvError> {
        let mut unreadable = None;
        let config = AuthConfig::from_vars(|name| match std::env::var(name) {
            Ok(value) => Some(value),
            Err(std::env::VarError::NotPresent) => None,
            Err(std::env::VarError::NotUnicode(_)) => {
                unreadable.get_or_insert(name.to_owned());
                None
            }
        });
        if let Some(name) = unreadable {
            let var = VARS.iter().copied().find(|v| *v == name).unwrap_or("JWT_*");
            return Err(EnvError::new(var, "is not valid UTF-8"));
        }
        config
    }

    /// Reads the `JWT_*` variables through `var` (a test's map, a secrets
    /// manager). An empty value counts as unset.
    pub fn from_vars(mut var: impl FnMut(&str) -> Option<String>) -> Result<Self, EnvError> {
        let mut get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        Ok(AuthConfig {
            secret_hex: get("JWT_SECRET_HEX"),
            secret: get("JWT_SECRET"),
            signing_key: get("JWT_SIGNING_KEY"),
            signing_alg: get("JWT_SIGNING_ALG").map(|v| v.trim().to_owned()),
            jwks_url: get("JWT_JWKS_URL").map(|v| v.trim().to_owned()),
            allow_weak_secret: match get("JWT_ALLOW_WEAK_SECRET") {
                None => false,
                Some(v) => parse_bool(&v).ok_or_else(|| {
                    EnvError::new("JWT_ALLOW_WEAK_SECRET", "expected 1/0, true/false or yes/no")
                })?,
            },
            algorithms: get("JWT_ALGORITHMS").map(|v| list(&v)),
            issuers: get("JWT_ISSUER")
                .map(|v| named_list("JWT_ISSUER", &v))
                .transpose()?
                .unwrap_or_default(),
            audiences: get("JWT_AUDIENCE")
                .map(|v| named_list("JWT_AUDIENCE", &v))
                .transpose()?
                .unwrap_or_default(),
            required_claims: get("JWT_REQUIRED_CLAIMS")
                .map(|v| named_list("JWT_REQUIRED_CLAIMS", &v))
                .transpose()?
                .unwrap_or_default(),
            typ: get("JWT_TYP").map(|v| v.trim().to_owned()),
            permissions_claim: get("JWT_PERMISSIONS_CLAIM").map(|v| v.trim().to_owned()),
            demo_fallback: false,
        })
    }

    /// Falls back to Flama's demo secret when no key is configured (see
    /// [`demo_fallback`](Self::demo_fallback)).
    #[must_use]
    pub fn with_demo_fallback(mut self) -> Self {
        self.demo_fallback = true;
        self
    }

    /// Checks every value and builds the authenticator. A `JWT_JWKS_URL`
    /// needs the async [`build_remote`](Self::build_remote) (feature `jwks`).
    pub fn build(&self) -> Result<Configured, EnvError> {
        if self.jwks_url.is_some() {
            return Err(EnvError::new(
                "JWT_JWKS_URL",
                "a remote JWKS is fetched asynchronously: build with `AuthConfig::build_remote` \
                 (cargo feature `jwks`)",
            ));
        }
        self.build_with(None)
    }

    /// [`build`](Self::build), with the `JWT_JWKS_URL` key set: fetched at
    /// start; when the endpoint is unreachable, start anyway (a loud
    /// warning, 401 until keys arrive, retried in the background), as SPEC
    /// §8 asks. [`RemoteJwks`](crate::jwt::RemoteJwks) offers fail-fast.
    #[cfg(feature = "jwks")]
    #[cfg_attr(docsrs, doc(cfg(feature = "jwks")))]
    pub async fn build_remote(&self) -> Result<Configured, EnvError> {
        let Some(url) = &self.jwks_url else { return self.build_with(None) };
        let remote = crate::jwt::RemoteJwks::builder(url.clone())
            .start()
            .await
            .map_err(|e| EnvError::new("JWT_JWKS_URL", e.to_string()))?;
        self.build_with(Some(std::sync::Arc::new(remote)))
    }

    /// Builds with `remote` as a further key source (the `JWT_JWKS_URL` one).
    pub(crate) fn build_with(
        &self,
        remote: Option<std::sync::Arc<dyn crate::jwt::KeyRefresh>>,
    ) -> Result<Configured, EnvError> {
        let mut hmac = self.hmac_secret()?;
        let signing_alg = match &self.signing_alg {
            None => None,
            Some(_) if self.signing_key.is_none() => {
                return Err(EnvError::new("JWT_SIGNING_ALG", "is set but JWT_SIGNING_KEY is not"));
            }
            Some(name) => {
                let alg: Algorithm = name.parse().map_err(|_| {
                    EnvError::new("JWT_SIGNING_ALG", format!("unknown algorithm `{name}`"))
                })?;
                if alg.family() == Family::Hmac {
                    return Err(EnvError::new(
                        "JWT_SIGNING_ALG",
                        format!("{alg} is an HMAC algorithm; JWT_SIGNING_KEY is a private key"),
                    ));
                }
                Some(alg)
            }
        };
        let private = match &self.signing_key {
            None => None,
            Some(path) => {
                let pem = read_key_file(path)?;
                let shown = shown_path(path);
                let key = SigningKey::from_pem(&pem, signing_alg)
                    .map_err(|e| EnvError::new("JWT_SIGNING_KEY", format!("`{shown}`: {e}")))?;
                Some(key)
            }
        };
        let mut demo = false;
        if hmac.is_none() && private.is_none() && remote.is_none() {
            if !self.demo_fallback {
                return Err(EnvError::new(
                    "JWT_SECRET_HEX",
                    "no key is configured; set JWT_SECRET_HEX (at least 32 random bytes), \
                     JWT_SIGNING_KEY or JWT_JWKS_URL",
                ));
            }
            hmac = Some(HmacSecret::flama_demo());
            demo = true;
        }
        let secret_var = if self.secret_hex.is_some() { "JWT_SECRET_HEX" } else { "JWT_SECRET" };
        let algorithms = match &self.algorithms {
            Some(names) => Some(Self::allow_list(
                names,
                hmac.is_some(),
                private.is_some() || remote.is_some(),
            )?),
            None if remote.is_some() => None,
            None => {
                let mut list: Vec<Algorithm> = Vec::new();
                if let Some(secret) = &hmac {
                    // What the secret supports: HS256 always (a secret too
                    // weak even for it is an error below), HS384/HS512 when
                    // strong enough.
                    list.extend(
                        HMAC.into_iter().filter(|&a| a == Algorithm::HS256 || secret.can_serve(a)),
                    );
                }
                if let Some(key) = &private {
                    list.push(key.algorithm());
                }
                Some(list)
            }
        };
        let mut verifier = Verifier::builder();
        if let Some(secret) = &hmac {
            verifier = verifier.key(Key::hmac(secret)).cache(CACHE_CAPACITY);
        }
        let signing = match (private, &hmac) {
            (Some(key), _) => {
                verifier = verifier.key(key.verification_key()).cache(CACHE_CAPACITY);
                Some(SigningKeys::new(key))
            }
            (None, Some(secret)) => {
                let alg = algorithms
                    .as_deref()
                    .and_then(|list| list.iter().copied().find(|a| a.family() == Family::Hmac))
                    .unwrap_or(Algorithm::HS256);
                SigningKey::hmac(secret.clone(), alg).ok().map(SigningKeys::new)
            }
            (None, None) => None,
        };
        if let Some(remote) = remote {
            verifier = verifier.key_source(remote).cache(CACHE_CAPACITY);
        }
        if let Some(list) = algorithms {
            verifier = verifier.with_algorithms(list);
        }
        if !self.issuers.is_empty() {
            verifier = verifier.with_issuers(self.issuers.iter().cloned());
        }
        if !self.audiences.is_empty() {
            verifier = verifier.with_audiences(self.audiences.iter().cloned());
        }
        verifier = verifier.require_claims(self.required_claims.iter().cloned());
        if let Some(typ) = &self.typ {
            verifier = verifier.require_typ(typ.clone());
        }
        let verifier = verifier.build().map_err(|e| match e {
            ConfigError::WeakSecret { len, algorithm, min } => EnvError::new(
                secret_var,
                format!(
                    "the HMAC secret is effectively {len} bytes, but {algorithm}{} needs at \
                     least {min} (RFC 7518 §3.2; trailing zero bytes do not count, HMAC pads \
                     with them); use at least {min} random bytes, or set \
                     JWT_ALLOW_WEAK_SECRET=1 to accept it for interop",
                    if self.algorithms.is_some() { " (in JWT_ALGORITHMS)" } else { "" }
                ),
            ),
            ConfigError::EmptyClaimName => EnvError::new("JWT_REQUIRED_CLAIMS", e.to_string()),
            e => EnvError::new("JWT_ALGORITHMS", e.to_string()),
        })?;
        demo |= hmac.as_ref().is_some_and(HmacSecret::is_effectively_empty);
        let authenticator = Auth::new(verifier)
            .permissions(self.permission_source()?)
            .build()
            .map_err(|e| EnvError::new("JWT_PERMISSIONS_CLAIM", e.to_string()))?;
        Ok(Configured { authenticator, signing, demo })
    }

    /// `JWT_ALGORITHMS`, checked against the key sources configured.
    fn allow_list(
        names: &[String],
        has_hmac: bool,
        has_asymmetric: bool,
    ) -> Result<Vec<Algorithm>, EnvError> {
        let mut algorithms = Vec::new();
        for name in names {
            let alg: Algorithm = name.parse().map_err(|_| {
                EnvError::new("JWT_ALGORITHMS", format!("unknown algorithm `{name}`"))
            })?;
            if alg.family() == Family::Hmac && !has_hmac {
                return Err(EnvError::new(
                    "JWT_ALGORITHMS",
                    format!(
                        "{alg} needs an HMAC secret (JWT_SECRET_HEX or JWT_SECRET), and none is set"
                    ),
                ));
            }
            if alg.family() != Family::Hmac && !has_asymmetric {
                return Err(EnvError::new(
                    "JWT_ALGORITHMS",
                    format!(
                        "{alg} needs an asymmetric key (JWT_SIGNING_KEY or JWT_JWKS_URL), and none is set"
                    ),
                ));
            }
            algorithms.push(alg);
        }
        if algorithms.is_empty() {
            return Err(EnvError::new("JWT_ALGORITHMS", "names no algorithm"));
        }
        Ok(algorithms)
    }

    fn hmac_secret(&self) -> Result<Option<HmacSecret>, EnvError> {
        let secret = match (&self.secret_hex, &self.secret) {
            (Some(_), Some(_)) => {
                return Err(EnvError::new(
                    "JWT_SECRET_HEX",
                    "both JWT_SECRET_HEX and JWT_SECRET are set; set only one",
                ));
            }
            (Some(hex), None) => HmacSecret::from_hex(hex)
                .map_err(|_| EnvError::new("JWT_SECRET_HEX", "is not valid hex"))?,
            (None, Some(text)) => HmacSecret::new(text.as_bytes().to_vec()),
            (None, None) => return Ok(None),
        };
        Ok(Some(if self.allow_weak_secret { secret.allow_weak() } else { secret }))
    }

    fn permission_source(&self) -> Result<PermissionSource, EnvError> {
        Ok(match self.permissions_claim.as_deref() {
            None | Some("flama") => PermissionSource::Flama,
            Some("scope") => PermissionSource::Scope("scope".into()),
            Some("scp") => PermissionSource::Scope("scp".into()),
            Some("auth0") => PermissionSource::Pointer("/permissions".into()),
            Some("entra") => PermissionSource::entra_id(),
            Some("keycloak") => PermissionSource::Keycloak { client: None },
            Some(kc) if kc.starts_with("keycloak:") && kc.len() > 9 => {
                PermissionSource::Keycloak { client: Some(kc[9..].to_owned()) }
            }
            Some(pointer) if pointer.starts_with('/') && usable_pointer(pointer) => {
                PermissionSource::Pointer(pointer.to_owned())
            }
            Some(pointer) if pointer.starts_with('/') => {
                return Err(EnvError::new(
                    "JWT_PERMISSIONS_CLAIM",
                    format!(
                        "`{pointer}` is not a usable JSON pointer: it has an empty segment, or \
                         a `~` not followed by 0 or 1 (RFC 6901)"
                    ),
                ));
            }
            Some(other) => {
                return Err(EnvError::new(
                    "JWT_PERMISSIONS_CLAIM",
                    format!(
                        "`{other}` is not `flama`, `scope`, `scp`, `auth0`, `entra`, \
                         `keycloak`, `keycloak:<client>` or a JSON pointer such as \
                         `/realm_access/roles`"
                    ),
                ));
            }
        })
    }
}

/// Every variable [`AuthConfig::from_env`] reads.
pub const VARS: [&str; 13] = [
    "JWT_SECRET_HEX",
    "JWT_SECRET",
    "JWT_SIGNING_KEY",
    "JWT_SIGNING_ALG",
    "JWT_JWKS_URL",
    "JWT_ALLOW_WEAK_SECRET",
    "JWT_ALGORITHMS",
    "JWT_ISSUER",
    "JWT_AUDIENCE",
    "JWT_REQUIRED_CLAIMS",
    "JWT_TYP",
    "JWT_PERMISSIONS_CLAIM",
    "RUST_LOG",
];

fn list(value: &str) -> Vec<String> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// A JSON pointer (RFC 6901) that can name a claim: no empty segment (a
/// trailing `/` names the key `""`, never what was meant), and `~` only as
/// `~0` or `~1`.
fn usable_pointer(pointer: &str) -> bool {
    pointer.split('/').skip(1).all(|segment| {
        !segment.is_empty() && segment.split('~').skip(1).all(|rest| rest.starts_with(['0', '1']))
    })
}

/// A set list that names nothing (`,`, ` , `) is a mistake, not "unset": an
/// empty issuer or audience list would turn its check off.
fn named_list(var: &'static str, value: &str) -> Result<Vec<String>, EnvError> {
    let names = list(value);
    if names.is_empty() {
        return Err(EnvError::new(var, "names nothing (only commas and spaces); unset it instead"));
    }
    Ok(names)
}

/// The most of a key file read: PEM keys are a few KiB at most (an RSA-4096
/// private key is ~3.3 KiB), and `/dev/zero` must not fill the memory.
const MAX_KEY_FILE: u64 = 64 * 1024;

/// `JWT_SIGNING_KEY` as shown in an error: the value only when it looks like
/// a path (starts with `/` or `.`, or ends in `.pem`, `.key` or `.der`; no
/// whitespace, quotes or braces; at most 512 bytes). Anything else may be
/// the key itself pasted in its place (PEM, base64 of it, a JWK), never
/// echoed.
fn shown_path(value: &str) -> &str {
    let pathlike = (value.starts_with(['/', '.'])
        || [".pem", ".key", ".der"].iter().any(|ext| value.ends_with(ext)))
        && value.len() <= 512
        && !value.contains("-----")
        && !value.contains(|c: char| c.is_whitespace() || matches!(c, '{' | '}' | '"' | '\''));
    if pathlike { value } else { "(a value that does not look like a path)" }
}

/// The key file at `path`: a regular file (a FIFO would block start-up
/// forever) of at most [`MAX_KEY_FILE`] bytes.
fn read_key_file(path: &str) -> Result<Vec<u8>, EnvError> {
    use std::io::Read;
    let err = |message: String| EnvError::new("JWT_SIGNING_KEY", message);
    if path.contains("-----BEGIN") {
        return Err(err(
            "holds a PEM key itself; it must be the path of a file holding the key".to_owned()
        ));
    }
    let shown = shown_path(path);
    let cannot = |e: std::io::Error| err(format!("cannot read `{shown}`: {}", e.kind()));
    // Checked before opening: opening a FIFO waits for a writer.
    if !std::fs::metadata(path).map_err(cannot)?.is_file() {
        return Err(err(format!("`{shown}` is not a regular file")));
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut pem = Vec::new();
    file.take(MAX_KEY_FILE + 1).read_to_end(&mut pem).map_err(cannot)?;
    if pem.len() as u64 > MAX_KEY_FILE {
        return Err(err(format!(
            "`{shown}` is larger than {} KiB: not a PEM key",
            MAX_KEY_FILE / 1024
        )));
    }
    Ok(pem)
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<AuthConfig, EnvError> {
        AuthConfig::from_vars(|name| {
            vars.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned())
        })
    }

    fn build(vars: &[(&str, &str)]) -> Result<Configured, EnvError> {
        config(vars)?.build()
    }

    #[test]
    fn every_bad_value_names_its_variable_and_no_secret() {
        let strong = "ab".repeat(32);
        for (vars, var) in [
            (vec![("JWT_SECRET_HEX", "zz-not-hex")], "JWT_SECRET_HEX"),
            (vec![("JWT_SECRET_HEX", &"00".repeat(64)[..])], "JWT_SECRET_HEX"),
            (vec![("JWT_SECRET", "hunter2")], "JWT_SECRET"),
            (vec![("JWT_SECRET_HEX", &strong[..]), ("JWT_SECRET", "x")], "JWT_SECRET_HEX"),
            (
                vec![("JWT_SECRET_HEX", &strong[..]), ("JWT_ALGORITHMS", "HS256,hs512")],
                "JWT_ALGORITHMS",
            ),
            (vec![("JWT_SECRET_HEX", &strong[..]), ("JWT_ALGORITHMS", "RS256")], "JWT_ALGORITHMS"),
            (
                vec![("JWT_SECRET_HEX", &strong[..]), ("JWT_PERMISSIONS_CLAIM", "roles")],
                "JWT_PERMISSIONS_CLAIM",
            ),
            (
                vec![("JWT_SECRET_HEX", &strong[..]), ("JWT_ALLOW_WEAK_SECRET", "maybe")],
                "JWT_ALLOW_WEAK_SECRET",
            ),
            (vec![], "JWT_SECRET_HEX"),
        ] {
            let err = build(&vars).unwrap_err();
            assert_eq!(err.var, var, "{vars:?}: {err}");
            assert!(err.to_string().starts_with(var), "{err}");
            for (name, value) in &vars {
                if matches!(*name, "JWT_SECRET" | "JWT_SECRET_HEX") && value.len() > 4 {
                    assert!(!err.to_string().contains(value), "{err} echoes {value}");
                }
            }
        }
    }

    #[test]
    fn a_pem_key_in_place_of_its_path_is_refused_and_never_echoed() {
        let pem = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";
        let err = build(&[("JWT_SIGNING_KEY", pem)]).unwrap_err();
        assert_eq!(err.var, "JWT_SIGNING_KEY");
        assert!(err.message.contains("must be the path of a file"), "{err}");
        assert!(!err.to_string().contains("MIGHAgEA"), "{err} echoes the key");
        let debug = format!("{:?}", config(&[("JWT_SIGNING_KEY", pem)]).unwrap());
        assert!(!debug.contains("MIGHAgEA"), "Debug echoes the key: {debug}");
        // A path is shown, as it helps and is no secret.
        let err = build(&[("JWT_SIGNING_KEY", "/no/such/key.pem")]).unwrap_err();
        assert!(err.message.contains("`/no/such/key.pem`"), "{err}");
        // What may be a key in another form is not: base64 of a PEM, a JWK.
        for value in [
            "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JR0hBZ0VBTUJNR0J5cUdTTTQ5",
            r#"{"kty":"EC","crv":"P-256","d":"c2VjcmV0LXNjYWxhcg"}"#,
        ] {
            let err = build(&[("JWT_SIGNING_KEY", value)]).unwrap_err();
            assert!(!err.to_string().contains(&value[..20]), "{err} echoes {value}");
            let debug = format!("{:?}", config(&[("JWT_SIGNING_KEY", value)]).unwrap());
            assert!(!debug.contains(&value[..20]), "Debug echoes {value}: {debug}");
        }
    }

    #[test]
    fn a_key_path_that_is_no_regular_file_or_too_large_is_refused() {
        let err = build(&[("JWT_SIGNING_KEY", "/dev/zero")]).unwrap_err();
        assert!(err.message.contains("is not a regular file"), "{err}");
        let dir = std::env::temp_dir().join(format!("warden-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let err = build(&[("JWT_SIGNING_KEY", dir.to_str().unwrap())]).unwrap_err();
        assert!(err.message.contains("is not a regular file"), "{err}");
        let big = dir.join("big.pem");
        std::fs::write(&big, vec![b'A'; 64 * 1024 + 1]).unwrap();
        let err = build(&[("JWT_SIGNING_KEY", big.to_str().unwrap())]).unwrap_err();
        assert!(err.message.contains("larger than 64 KiB"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_list_of_only_separators_is_an_error_not_an_unset_check() {
        let strong = "ab".repeat(32);
        for var in ["JWT_ISSUER", "JWT_AUDIENCE", "JWT_REQUIRED_CLAIMS"] {
            for value in [",", " , ,"] {
                let err = build(&[("JWT_SECRET_HEX", &strong), (var, value)]).unwrap_err();
                assert_eq!(err.var, var, "{value:?}: {err}");
                assert!(err.message.contains("names nothing"), "{err}");
            }
            // Empty stays "unset" (`VAR=${VAR:-}` in compose files).
            assert!(build(&[("JWT_SECRET_HEX", &strong), (var, "")]).is_ok(), "{var}");
        }
        let issuers = config(&[("JWT_ISSUER", "a, ,b")]).unwrap().issuers;
        assert_eq!(issuers, ["a", "b"]);
    }

    #[test]
    fn a_malformed_permissions_pointer_is_refused() {
        let strong = "ab".repeat(32);
        for bad in ["/realm_access/roles/", "//roles", "/a~2b", "/a~"] {
            let err = build(&[("JWT_SECRET_HEX", &strong), ("JWT_PERMISSIONS_CLAIM", bad)]);
            let err = err.unwrap_err();
            assert_eq!(err.var, "JWT_PERMISSIONS_CLAIM");
            assert!(err.message.contains("not a usable JSON pointer"), "{bad}: {err}");
        }
        for good in ["/realm_access/roles", "/a~1b/c~0d"] {
            let ok = build(&[("JWT_SECRET_HEX", &strong), ("JWT_PERMISSIONS_CLAIM", good)]);
            assert!(ok.is_ok(), "{good}");
        }
    }

    #[test]
    fn zero_padded_secret_is_refused_unless_weak_keys_are_allowed() {
        let padded = format!("{}{}", hex::encode("hunter2"), "00".repeat(57));
        let err = build(&[("JWT_SECRET_HEX", &padded)]).unwrap_err();
        assert!(err.message.contains("effectively 7 bytes"), "{err}");
        let weak = build(&[("JWT_SECRET_HEX", &padded), ("JWT_ALLOW_WEAK_SECRET", "1")]).unwrap();
        assert!(!weak.is_demo_key());
        let zeros =
            build(&[("JWT_SECRET_HEX", &"00".repeat(64)), ("JWT_ALLOW_WEAK_SECRET", "yes")]);
        assert!(zeros.unwrap().is_demo_key(), "all zero bytes are the empty key");
    }

    #[test]
    fn algorithms_default_to_what_the_secret_is_strong_enough_for() {
        let algs = |hex: String| {
            build(&[("JWT_SECRET_HEX", &hex)])
                .unwrap()
                .authenticator()
                .verifier()
                .algorithms()
                .to_vec()
        };
        assert_eq!(algs("ab".repeat(32)), [Algorithm::HS256]);
        assert_eq!(algs("ab".repeat(64)), HMAC);
        let err = build(&[("JWT_SECRET_HEX", &"ab".repeat(32)), ("JWT_ALGORITHMS", "HS512")]);
        assert_eq!(err.unwrap_err().var, "JWT_SECRET_HEX");
    }

    #[test]
    fn verified_hmac_tokens_are_cached() {
        let secret = "ab".repeat(32);
        let configured = build(&[("JWT_SECRET_HEX", &secret)]).unwrap();
        let signing = configured.signing_keys().expect("the secret signs");
        let token = signing.current().sign(serde_json::json!({"sub": "ada"})).unwrap();
        let verifier = configured.authenticator().verifier();
        let first = verifier.verify_at(&token, 1_000).unwrap();
        let again = verifier.verify_at(&token, 1_000).unwrap();
        assert!(std::sync::Arc::ptr_eq(&first, &again), "the second check is a cache hit");
    }

    #[test]
    fn demo_fallback_only_when_asked_and_no_key_is_set() {
        let demo = config(&[]).unwrap().with_demo_fallback().build().unwrap();
        assert!(demo.is_demo_key());
        let real = config(&[("JWT_SECRET", &"k".repeat(40))]).unwrap().with_demo_fallback();
        assert!(!real.build().unwrap().is_demo_key());
    }

    fn key_path(name: &str) -> String {
        format!("{}/tests/it/keys/{name}", env!("CARGO_MANIFEST_DIR"))
    }

    #[test]
    fn a_signing_key_signs_publishes_and_shuts_hmac_out() {
        let rsa = key_path("rsa.key");
        let configured = build(&[("JWT_SIGNING_KEY", &rsa)]).unwrap();
        let key = configured.signing_key().unwrap();
        assert_eq!(key.algorithm(), Algorithm::RS256);
        let jwks = configured.jwks().unwrap();
        assert_eq!(jwks["keys"][0]["kid"].as_str(), key.kid());
        let verifier = configured.authenticator().verifier();
        assert!(verifier.verify(&key.sign(serde_json::json!({"sub": "a"})).unwrap()).is_ok());
        // No HMAC secret configured: no HMAC token is accepted, whatever key.
        let hs = crate::jwt::Jwt::new(Algorithm::HS256, serde_json::json!({}))
            .unwrap()
            .encode(&HmacSecret::new([0; 16]).allow_weak())
            .unwrap();
        assert_eq!(verifier.verify(&hs).unwrap_err(), crate::jwt::JwtError::AlgorithmNotAllowed);
        assert!(!configured.is_demo_key());

        let ps = build(&[("JWT_SIGNING_KEY", &rsa), ("JWT_SIGNING_ALG", "PS256")]).unwrap();
        assert_eq!(ps.signing_key().unwrap().algorithm(), Algorithm::PS256);
        let ed = build(&[("JWT_SIGNING_KEY", &key_path("ed25519.key"))]).unwrap();
        assert_eq!(ed.jwks().unwrap()["keys"][0]["alg"], "EdDSA");
        // With an HMAC secret too, both kinds verify; the private key signs.
        let both = build(&[("JWT_SIGNING_KEY", &rsa), ("JWT_SECRET", &"s".repeat(40))]).unwrap();
        assert_eq!(both.signing_key().unwrap().algorithm(), Algorithm::RS256);
        assert_eq!(
            both.authenticator().verifier().algorithms(),
            [Algorithm::HS256, Algorithm::RS256]
        );
    }

    #[test]
    fn signing_key_mistakes_name_their_variable() {
        let rsa = key_path("rsa.key");
        let public = key_path("rsa.pub");
        for (vars, var) in [
            (vec![("JWT_SIGNING_KEY", "/nonexistent/key.pem")], "JWT_SIGNING_KEY"),
            (vec![("JWT_SIGNING_KEY", &public[..])], "JWT_SIGNING_KEY"),
            (vec![("JWT_SIGNING_KEY", &rsa[..]), ("JWT_SIGNING_ALG", "ES256")], "JWT_SIGNING_KEY"),
            (vec![("JWT_SIGNING_KEY", &rsa[..]), ("JWT_SIGNING_ALG", "HS256")], "JWT_SIGNING_ALG"),
            (vec![("JWT_SIGNING_KEY", &rsa[..]), ("JWT_SIGNING_ALG", "RS999")], "JWT_SIGNING_ALG"),
            (
                vec![("JWT_SECRET", &"s".repeat(40)[..]), ("JWT_SIGNING_ALG", "PS256")],
                "JWT_SIGNING_ALG",
            ),
            (vec![("JWT_SIGNING_KEY", &rsa[..]), ("JWT_ALGORITHMS", "HS256")], "JWT_ALGORITHMS"),
            (vec![("JWT_JWKS_URL", "https://idp.example/jwks.json")], "JWT_JWKS_URL"),
        ] {
            let err = build(&vars).unwrap_err();
            assert_eq!(err.var, var, "{vars:?}: {err}");
            assert!(!err.message.contains("BEGIN"), "key material in {err}");
        }
    }

    #[test]
    fn serde_config_reads_the_same_fields() {
        let config: AuthConfig = serde_json::from_value(serde_json::json!({
            "secret": "k".repeat(40),
            "issuers": ["vortico"],
            "required_claims": ["exp"],
            "permissions_claim": "/realm_access/roles",
        }))
        .unwrap();
        let configured = config.build().unwrap();
        assert_eq!(
            configured.authenticator().permission_source(),
            &PermissionSource::Pointer("/realm_access/roles".into())
        );
        assert!(format!("{config:?}").contains("(redacted)"));
        assert!(!format!("{config:?}").contains("kkkk"));
    }
}

//! Auth configuration without code: from environment variables
//! ([`AuthConfig::from_env`], the `JWT_*` names of the examples) or from any
//! serde format (TOML, YAML, JSON) into [`AuthConfig`].
//!
//! Every bad value is an error naming its variable, never printing a secret.

use std::fmt;

use serde::Deserialize;

use crate::auth::{Auth, Authenticator, PermissionSource};
use crate::jwt::{Algorithm, ConfigError, HmacSecret, Verifier};

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
/// assert!(configured.signing_secret().is_some());
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

/// A built configuration: the authenticator, and the secret the app signs
/// its own tokens with.
#[derive(Clone, Debug)]
pub struct Configured {
    authenticator: Authenticator,
    signing_secret: Option<HmacSecret>,
    demo: bool,
}

impl Configured {
    /// How requests are authenticated.
    pub fn authenticator(&self) -> &Authenticator {
        &self.authenticator
    }

    /// The HMAC secret, for apps that sign their own tokens.
    pub fn signing_secret(&self) -> Option<&HmacSecret> {
        self.signing_secret.as_ref()
    }

    /// The algorithm the app signs with: the strongest allowed HMAC
    /// algorithm is not chosen for you; this is the first allowed one.
    pub fn signing_algorithm(&self) -> Option<Algorithm> {
        self.signing_secret.as_ref()?;
        self.authenticator.verifier().algorithms().first().copied()
    }

    /// Whether the key is effectively the empty HMAC key (Flama's demo
    /// secret, or any all-zero secret allowed as weak): anyone can forge
    /// tokens. Warn loudly.
    pub fn is_demo_key(&self) -> bool {
        self.demo || self.signing_secret.as_ref().is_some_and(HmacSecret::is_effectively_empty)
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
            allow_weak_secret: match get("JWT_ALLOW_WEAK_SECRET") {
                None => false,
                Some(v) => parse_bool(&v).ok_or_else(|| {
                    EnvError::new("JWT_ALLOW_WEAK_SECRET", "expected 1/0, true/false or yes/no")
                })?,
            },
            algorithms: get("JWT_ALGORITHMS").map(|v| list(&v)),
            issuers: get("JWT_ISSUER").map(|v| list(&v)).unwrap_or_default(),
            audiences: get("JWT_AUDIENCE").map(|v| list(&v)).unwrap_or_default(),
            required_claims: get("JWT_REQUIRED_CLAIMS").map(|v| list(&v)).unwrap_or_default(),
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

    /// Checks every value and builds the authenticator.
    pub fn build(&self) -> Result<Configured, EnvError> {
        let (secret, demo) = self.secret()?;
        let algorithms = match &self.algorithms {
            Some(names) => {
                let mut algorithms = Vec::new();
                for name in names {
                    let alg: Algorithm = name.parse().map_err(|_| {
                        EnvError::new("JWT_ALGORITHMS", format!("unknown algorithm `{name}`"))
                    })?;
                    if alg.family() != crate::jwt::Family::Hmac {
                        return Err(EnvError::new(
                            "JWT_ALGORITHMS",
                            format!("{alg} needs an asymmetric key, and none is configured"),
                        ));
                    }
                    algorithms.push(alg);
                }
                if algorithms.is_empty() {
                    return Err(EnvError::new("JWT_ALGORITHMS", "names no algorithm"));
                }
                algorithms
            }
            // What the key supports: HS256 always (a secret too weak even
            // for it is an error below), HS384/HS512 when strong enough.
            None => HMAC
                .into_iter()
                .filter(|&alg| alg == Algorithm::HS256 || secret.can_serve(alg))
                .collect(),
        };
        let secret_var = if self.secret_hex.is_some() { "JWT_SECRET_HEX" } else { "JWT_SECRET" };
        let mut verifier = Verifier::hmac(&secret).with_algorithms(algorithms);
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
            e => EnvError::new(secret_var, e.to_string()),
        })?;
        let authenticator = Auth::new(verifier)
            .permissions(self.permission_source()?)
            .build()
            .map_err(|e| EnvError::new("JWT_PERMISSIONS_CLAIM", e.to_string()))?;
        Ok(Configured { authenticator, signing_secret: Some(secret), demo })
    }

    fn secret(&self) -> Result<(HmacSecret, bool), EnvError> {
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
            (None, None) if self.demo_fallback => return Ok((HmacSecret::flama_demo(), true)),
            (None, None) => {
                return Err(EnvError::new(
                    "JWT_SECRET_HEX",
                    "no key is configured; set JWT_SECRET_HEX to at least 32 random bytes",
                ));
            }
        };
        Ok((if self.allow_weak_secret { secret.allow_weak() } else { secret }, false))
    }

    fn permission_source(&self) -> Result<PermissionSource, EnvError> {
        Ok(match self.permissions_claim.as_deref() {
            None | Some("flama") => PermissionSource::Flama,
            Some("scope") => PermissionSource::Scope("scope".into()),
            Some("scp") => PermissionSource::Scope("scp".into()),
            Some(pointer) if pointer.starts_with('/') && pointer.len() > 1 => {
                PermissionSource::Pointer(pointer.to_owned())
            }
            Some(other) => {
                return Err(EnvError::new(
                    "JWT_PERMISSIONS_CLAIM",
                    format!(
                        "`{other}` is not `flama`, `scope`, `scp` or a JSON pointer such as \
                         `/realm_access/roles`"
                    ),
                ));
            }
        })
    }
}

/// Every variable [`AuthConfig::from_env`] reads.
pub const VARS: [&str; 10] = [
    "JWT_SECRET_HEX",
    "JWT_SECRET",
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
    fn demo_fallback_only_when_asked_and_no_key_is_set() {
        let demo = config(&[]).unwrap().with_demo_fallback().build().unwrap();
        assert!(demo.is_demo_key());
        let real = config(&[("JWT_SECRET", &"k".repeat(40))]).unwrap().with_demo_fallback();
        assert!(!real.build().unwrap().is_demo_key());
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

//! The [`Verifier`]: keys, algorithm allow-list and claim rules, checked once
//! when it is built.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use super::compact::Compact;
use super::{Algorithm, ConfigError, HmacSecret, Jwt, JwtError, Key};

/// Default leeway for `exp`, `nbf` and `iat`.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);
/// Default maximum token length in bytes.
pub const DEFAULT_MAX_TOKEN_LEN: usize = 8 * 1024;

/// Verifies tokens: the keys, the algorithm allow-list and the claim rules.
///
/// A `Verifier` exists only valid: [`VerifierBuilder::build`] checks once
/// that every allowed algorithm has a key able to verify it and that every
/// HMAC secret is strong enough for the algorithms it serves.
///
/// ```
/// use warden::jwt::{Algorithm, HmacSecret, Verifier};
///
/// let secret = HmacSecret::new(b"0123456789abcdef0123456789abcdef".to_vec());
/// let verifier = Verifier::hmac(&secret)
///     .with_issuers(["vortico"])
///     .require_claims(["exp"])
///     .build()?;
/// assert_eq!(verifier.algorithms(), [Algorithm::HS256]);
/// # Ok::<(), warden::jwt::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct Verifier {
    rules: Rules,
}

/// Builds a [`Verifier`].
#[derive(Clone)]
pub struct VerifierBuilder {
    rules: Rules,
}

#[derive(Clone)]
struct Rules {
    keys: Vec<Key>,
    algorithms: Vec<Algorithm>,
    leeway: u64,
    issuers: Option<Vec<String>>,
    audiences: Option<Vec<String>>,
    required: Vec<String>,
    typ: Option<String>,
    max_token_len: usize,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.rules.fmt("Verifier", f)
    }
}

impl fmt::Debug for VerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.rules.fmt("VerifierBuilder", f)
    }
}

impl Rules {
    fn fmt(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("algorithms", &self.algorithms)
            .field("keys", &self.keys)
            .field("leeway", &self.leeway)
            .field("issuers", &self.issuers)
            .field("audiences", &self.audiences)
            .field("required", &self.required)
            .field("typ", &self.typ)
            .field("max_token_len", &self.max_token_len)
            .finish()
    }
}

impl Verifier {
    /// A builder with no key; add them with [`VerifierBuilder::key`].
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder {
            rules: Rules {
                keys: Vec::new(),
                algorithms: Vec::new(),
                leeway: DEFAULT_LEEWAY.as_secs(),
                issuers: None,
                audiences: None,
                required: Vec::new(),
                typ: None,
                max_token_len: DEFAULT_MAX_TOKEN_LEN,
            },
        }
    }

    /// A builder verifying HMAC tokens with `secret`; HS256 only until
    /// [`with_algorithms`](VerifierBuilder::with_algorithms) says otherwise.
    pub fn hmac(secret: &HmacSecret) -> VerifierBuilder {
        Verifier::builder().key(Key::hmac(secret)).with_algorithms([Algorithm::HS256])
    }

    /// The allowed algorithms.
    pub fn algorithms(&self) -> &[Algorithm] {
        &self.rules.algorithms
    }

    /// Decodes `token`, checks its signature over the bytes as received and
    /// validates its claims.
    pub fn verify(&self, token: &str) -> Result<Jwt, JwtError> {
        self.verify_at(token, unix_now())
    }

    /// [`verify`](Self::verify) at `now`, in seconds since the Unix epoch.
    pub fn verify_at(&self, token: &str, now: u64) -> Result<Jwt, JwtError> {
        let rules = &self.rules;
        if token.len() > rules.max_token_len {
            return Err(JwtError::TooLarge);
        }
        let compact = Compact::parse(token)?;
        let alg = compact.algorithm;
        if compact.header.contains_key("crit") {
            // RFC 7515 §4.1.11: Warden implements no JWS extension, so every
            // critical parameter is one it does not understand.
            return Err(JwtError::UnknownCritical);
        }
        let family_keys = || rules.keys.iter().filter(|k| k.family() == alg.family());
        if !rules.algorithms.contains(&alg) {
            // An algorithm of a family the verifier has keys for is answered
            // as a bad signature: "not allowed" would tell an attacker which
            // HMAC strengths the secret is long enough for.
            return Err(if family_keys().next().is_some() {
                JwtError::BadSignature
            } else {
                JwtError::AlgorithmNotAllowed
            });
        }
        if let Some(typ) = &rules.typ
            && !compact.header.get("typ").and_then(Value::as_str).is_some_and(|t| same_typ(t, typ))
        {
            return Err(JwtError::WrongType);
        }
        let message = compact.signing_input.as_bytes();
        if !family_keys().any(|k| k.verify(alg, message, &compact.signature)) {
            return Err(JwtError::BadSignature);
        }
        let payload = compact.payload()?;
        self.validate_claims(&payload, now)?;
        Ok(Jwt::verified(compact.header, payload, alg))
    }

    fn validate_claims(&self, claims: &Map<String, Value>, now: u64) -> Result<(), JwtError> {
        let rules = &self.rules;
        if rules.required.iter().any(|name| !claims.contains_key(name)) {
            return Err(JwtError::MissingClaim);
        }
        // In f64: claims may be fractional, and no leeway can overflow.
        #[allow(clippy::cast_precision_loss)] // seconds below 2^53 are exact
        let (now, leeway) = (now as f64, rules.leeway as f64);
        if let Some(exp) = numeric_date(claims, "exp")?
            && now >= exp + leeway
        {
            return Err(JwtError::Expired);
        }
        if let Some(nbf) = numeric_date(claims, "nbf")?
            && now + leeway < nbf
        {
            return Err(JwtError::NotYetValid);
        }
        if let Some(iat) = numeric_date(claims, "iat")?
            && iat > now + leeway
        {
            return Err(JwtError::IssuedInFuture);
        }
        if let Some(issuers) = &rules.issuers {
            match claims.get("iss") {
                Some(Value::String(iss)) if issuers.iter().any(|i| i == iss) => {}
                _ => return Err(JwtError::WrongIssuer),
            }
        }
        match (claims.get("aud"), &rules.audiences) {
            (None, None) => {}
            (Some(_), None) => return Err(JwtError::UnexpectedAudience),
            (None, Some(_)) => return Err(JwtError::MissingAudience),
            (Some(aud), Some(accepted)) => {
                let matches = |a: &str| accepted.iter().any(|x| x == a);
                let ok = match aud {
                    Value::String(a) => matches(a),
                    Value::Array(list) => {
                        list.iter().all(Value::is_string)
                            && list.iter().filter_map(Value::as_str).any(matches)
                    }
                    _ => false,
                };
                if !ok {
                    return Err(JwtError::WrongAudience);
                }
            }
        }
        Ok(())
    }
}

impl VerifierBuilder {
    /// Adds a verification key.
    #[must_use]
    pub fn key(mut self, key: Key) -> Self {
        self.rules.keys.push(key);
        self
    }

    /// The algorithm allow-list. A token's `alg` must be one of these, spelled
    /// exactly; `none` is never accepted.
    #[must_use]
    pub fn with_algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.rules.algorithms = algorithms.into_iter().collect();
        self.rules.algorithms.dedup();
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat` (default 60 s).
    #[must_use]
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.rules.leeway = leeway.as_secs();
        self
    }

    /// Requires `iss` to be one of these.
    #[must_use]
    pub fn with_issuers<I: Into<String>>(mut self, issuers: impl IntoIterator<Item = I>) -> Self {
        self.rules.issuers = Some(issuers.into_iter().map(Into::into).collect());
        self
    }

    /// Requires `aud` to contain one of these. Without this, a token that has
    /// an `aud` claim is rejected (it was meant for someone else).
    #[must_use]
    pub fn with_audiences<I: Into<String>>(
        mut self,
        audiences: impl IntoIterator<Item = I>,
    ) -> Self {
        self.rules.audiences = Some(audiences.into_iter().map(Into::into).collect());
        self
    }

    /// Claims every token must carry, e.g. `["exp"]` so that no token is
    /// valid forever. None by default, as Flama issues tokens without `exp`.
    #[must_use]
    pub fn require_claims<I: Into<String>>(mut self, claims: impl IntoIterator<Item = I>) -> Self {
        self.rules.required.extend(claims.into_iter().map(Into::into));
        self
    }

    /// The `typ` header every token must carry (RFC 8725 §3.11), e.g.
    /// `at+jwt` for access tokens (RFC 9068). Compared as a media type:
    /// case-insensitively, with or without `application/`.
    #[must_use]
    pub fn require_typ(mut self, typ: impl Into<String>) -> Self {
        self.rules.typ = Some(typ.into());
        self
    }

    /// Tokens longer than this many bytes are refused before decoding
    /// (default 8 KiB).
    #[must_use]
    pub fn with_max_token_len(mut self, max: usize) -> Self {
        self.rules.max_token_len = max;
        self
    }

    /// Checks the configuration: a non-empty allow-list, a key for every
    /// allowed algorithm, and every HMAC secret effectively long enough for
    /// the algorithms it serves.
    pub fn build(self) -> Result<Verifier, ConfigError> {
        let rules = self.rules;
        if rules.algorithms.is_empty() || rules.keys.is_empty() {
            return Err(ConfigError::NoAlgorithms);
        }
        if rules.required.iter().any(String::is_empty) {
            return Err(ConfigError::EmptyClaimName);
        }
        for &alg in &rules.algorithms {
            let mut keys = rules.keys.iter().filter(|k| k.family() == alg.family()).peekable();
            if keys.peek().is_none() {
                return Err(ConfigError::AlgorithmKeyMismatch(alg));
            }
            for key in keys {
                key.check(alg)?;
            }
        }
        Ok(Verifier { rules })
    }
}

/// `typ` values compare as media types: case-insensitive, and
/// `application/` may be left out (RFC 7515 §4.1.9).
fn same_typ(got: &str, expected: &str) -> bool {
    fn short(t: &str) -> &str {
        t.get(..12).filter(|p| p.eq_ignore_ascii_case("application/")).map_or(t, |_| &t[12..])
    }
    short(got).eq_ignore_ascii_case(short(expected))
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn numeric_date(claims: &Map<String, Value>, name: &'static str) -> Result<Option<f64>, JwtError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(JwtError::InvalidTimeClaim),
        },
        Some(_) => Err(JwtError::InvalidTimeClaim),
    }
}

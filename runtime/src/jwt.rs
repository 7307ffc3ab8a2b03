//! JSON Web Tokens: the [`Jwt`] value, its encoding, and verification.
//!
//! Warden parses and verifies the compact serialization itself and uses
//! `jsonwebtoken` only for the signature primitives. The reason is Flama: it
//! writes base64url segments *with* `=` padding and signs that padded text,
//! while `jsonwebtoken::decode` accepts unpadded segments only. Here each
//! segment may be padded or not, and the signature is always checked over the
//! exact `header.payload` bytes received.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::{DecodePaddingMode, general_purpose};
use hmac::{Hmac, Mac};
use jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use sha2::{Sha256, Sha384, Sha512};

pub use jsonwebtoken::Algorithm;

/// Accepts base64url with or without `=` padding (RFC 7515 says without;
/// Flama writes with), but rejects non-canonical trailing bits.
const B64_LENIENT_PAD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A JSON Web Token: a JOSE header and a claims payload, as in Flama's `JWT`.
///
/// ```
/// use warden::jwt::{Algorithm, HmacSecret, Jwt};
/// use serde_json::json;
///
/// let secret = HmacSecret::new(b"a secret of at least thirty-two bytes!".to_vec());
/// let jwt = Jwt::new(Algorithm::HS256, json!({"sub": "ada", "iat": 0}))?;
/// let token = jwt.encode(&secret)?;
/// assert_eq!(token.split('.').count(), 3);
/// # Ok::<(), warden::jwt::JwtError>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct Jwt {
    header: Map<String, Value>,
    payload: Map<String, Value>,
}

impl Jwt {
    /// A token with header `{"alg": ALG, "typ": "JWT"}` and the given payload,
    /// which must be a JSON object.
    pub fn new(algorithm: Algorithm, payload: Value) -> Result<Self, JwtError> {
        let mut header = Map::new();
        header.insert("alg".into(), Value::String(alg_name(algorithm).into()));
        header.insert("typ".into(), Value::String("JWT".into()));
        Self::from_parts(header, payload)
    }

    /// A token from an explicit header and payload, both JSON objects. The
    /// header must name a supported `alg`.
    pub fn from_parts(header: Map<String, Value>, payload: Value) -> Result<Self, JwtError> {
        let Value::Object(payload) = payload else {
            return Err(JwtError::decode("JWT payload must be a JSON object"));
        };
        header_algorithm(&header)?;
        Ok(Jwt { header, payload })
    }

    /// The JOSE header.
    pub fn header(&self) -> &Map<String, Value> {
        &self.header
    }

    /// The claims.
    pub fn payload(&self) -> &Map<String, Value> {
        &self.payload
    }

    /// The algorithm named by the header.
    pub fn algorithm(&self) -> Algorithm {
        header_algorithm(&self.header).expect("checked on construction")
    }

    /// Encodes and signs with `secret`, in the standard unpadded form.
    pub fn encode(&self, secret: &HmacSecret) -> Result<String, JwtError> {
        self.encode_with(secret, Padding::None)
    }

    /// Encodes and signs with `secret`, choosing the base64url padding:
    /// [`Padding::Flama`] writes `=` padding as Flama does (and signs the
    /// padded text), for clients that expect exactly Flama's output.
    pub fn encode_with(&self, secret: &HmacSecret, padding: Padding) -> Result<String, JwtError> {
        let alg = self.algorithm();
        if alg.family() != jsonwebtoken::AlgorithmFamily::Hmac {
            return Err(JwtError::decode("only HMAC algorithms can sign with an HMAC secret"));
        }
        if !secret.allow_weak && secret.as_bytes().len() < hmac_min_len(alg) {
            return Err(JwtError::decode(
                "the HMAC secret is shorter than the hash output; see `HmacSecret::allow_weak`",
            ));
        }
        let engine = match padding {
            Padding::None => URL_SAFE_NO_PAD,
            Padding::Flama => general_purpose::URL_SAFE,
        };
        let header = serde_json::to_vec(&self.header).expect("a JSON map always serializes");
        let payload = serde_json::to_vec(&self.payload).expect("a JSON map always serializes");
        let mut token = engine.encode(header);
        token.push('.');
        token.push_str(&engine.encode(payload));
        let key = EncodingKey::from_secret(secret.as_bytes());
        let signature = jsonwebtoken::crypto::sign(token.as_bytes(), &key, alg)
            .map_err(|_| JwtError::decode("could not sign the token"))?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| JwtError::decode("could not sign the token"))?;
        token.push('.');
        token.push_str(&engine.encode(signature));
        Ok(token)
    }

    /// Decodes and verifies `token` with `verifier`'s keys and rules.
    pub fn decode(token: &str, verifier: &Verifier) -> Result<Self, JwtError> {
        verifier.verify(token)
    }
}

impl fmt::Debug for Jwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jwt").field("header", &self.header).field("payload", &self.payload).finish()
    }
}

/// Base64url padding of encoded segments. See [`Jwt::encode_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Padding {
    /// No `=` padding (RFC 7515). The default.
    #[default]
    None,
    /// `=` padding on every segment, as Flama writes tokens.
    Flama,
}

/// An HMAC secret. Its bytes never appear in `Debug` output.
///
/// Signing with a secret shorter than the hash output (32 bytes for HS256,
/// RFC 7518 §3.2) is refused unless [`allow_weak`](Self::allow_weak) says
/// otherwise.
#[derive(Clone)]
pub struct HmacSecret {
    bytes: Vec<u8>,
    allow_weak: bool,
}

impl HmacSecret {
    /// Wraps raw secret bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        HmacSecret { bytes: bytes.into(), allow_weak: false }
    }

    /// Decodes a hex string, e.g. from `JWT_SECRET_HEX`.
    pub fn from_hex(hex: &str) -> Result<Self, ConfigError> {
        hex::decode(hex.trim()).map(HmacSecret::new).map_err(|_| ConfigError::InvalidHexSecret)
    }

    /// The secret bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Lets [`Jwt::encode`] sign with this secret even though it is shorter
    /// than the hash output. Only for interop with an existing weak secret.
    pub fn allow_weak(mut self) -> Self {
        self.allow_weak = true;
        self
    }

    /// Flama's demo secret: 16 zero bytes, which under HMAC equals an empty
    /// key. Only for running Flama's article against Warden; calling this is
    /// the explicit opt-in to signing with it ([`allow_weak`](Self::allow_weak)).
    pub fn flama_demo() -> Self {
        HmacSecret::new(vec![0; 16]).allow_weak()
    }
}

impl fmt::Debug for HmacSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HmacSecret({} bytes, redacted)", self.bytes.len())
    }
}

/// The class of a [`JwtError`], named as Flama names its exceptions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JwtErrorKind {
    /// The token could not be decoded or its signature is wrong
    /// (`JWTDecodeException`).
    Decode,
    /// The token is authentic but its claims are not acceptable
    /// (`JWTValidateException`).
    Validate,
}

impl JwtErrorKind {
    /// `"JWTDecodeException"` or `"JWTValidateException"`.
    pub const fn flama_name(self) -> &'static str {
        match self {
            JwtErrorKind::Decode => "JWTDecodeException",
            JwtErrorKind::Validate => "JWTValidateException",
        }
    }
}

/// Why a token was refused. The description never contains the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JwtError {
    kind: JwtErrorKind,
    description: &'static str,
}

impl JwtError {
    const fn decode(description: &'static str) -> Self {
        JwtError { kind: JwtErrorKind::Decode, description }
    }

    const fn validate(description: &'static str) -> Self {
        JwtError { kind: JwtErrorKind::Validate, description }
    }

    /// Decode or validate.
    pub fn kind(&self) -> JwtErrorKind {
        self.kind
    }

    /// A short, fixed, human-readable reason.
    pub fn description(&self) -> &'static str {
        self.description
    }
}

impl fmt::Display for JwtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.flama_name(), self.description)
    }
}

impl std::error::Error for JwtError {}

/// A mistake in the JWT configuration, reported before serving.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The HMAC secret is shorter than the hash output of an allowed
    /// algorithm (RFC 7518 §3.2).
    WeakSecret {
        /// Secret length in bytes.
        len: usize,
        /// The algorithm that needs a longer secret.
        algorithm: Algorithm,
        /// The minimum length for it.
        min: usize,
    },
    /// The algorithm allow-list is empty.
    NoAlgorithms,
    /// An allowed algorithm cannot be used with the configured key.
    AlgorithmKeyMismatch(Algorithm),
    /// `JWT_SECRET_HEX` (or another hex secret) is not valid hex.
    InvalidHexSecret,
    /// The header name or scheme is not a valid HTTP token.
    InvalidHeader,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::WeakSecret { len, algorithm, min } => write!(
                f,
                "HMAC secret is {len} bytes, but {} needs at least {min} (RFC 7518 §3.2); \
                 use a longer secret or call `allow_weak_secret()` explicitly",
                alg_name(*algorithm)
            ),
            ConfigError::NoAlgorithms => f.write_str("the JWT algorithm allow-list is empty"),
            ConfigError::AlgorithmKeyMismatch(alg) => {
                write!(f, "algorithm {} cannot be used with the configured key", alg_name(*alg))
            }
            ConfigError::InvalidHexSecret => f.write_str("the hex-encoded secret is not valid hex"),
            ConfigError::InvalidHeader => {
                f.write_str("the token header name or scheme is not a valid HTTP token")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// A verification key bound to the algorithms it may verify. A key set is a
/// list of these, which leaves room for `kid` selection and asymmetric keys
/// without ever letting an HMAC key verify an RSA-labelled token.
#[derive(Clone)]
struct KeyEntry {
    algorithms: Vec<Algorithm>,
    key: DecodingKey,
    /// HMAC states keyed once. jsonwebtoken's verifiers re-derive the keyed
    /// state on every call and are not `Sync`, so cannot be kept; these are
    /// cloned per request instead (about 12% of a protected request's
    /// instructions saved, `bench/callgrind.sh`).
    hmac: Option<HmacKeys>,
}

#[derive(Clone)]
struct HmacKeys {
    hs256: Hmac<Sha256>,
    hs384: Hmac<Sha384>,
    hs512: Hmac<Sha512>,
}

impl HmacKeys {
    fn new(secret: &[u8]) -> Self {
        // HMAC accepts keys of any length; `new_from_slice` cannot fail.
        HmacKeys {
            hs256: Hmac::new_from_slice(secret).expect("HMAC takes any key length"),
            hs384: Hmac::new_from_slice(secret).expect("HMAC takes any key length"),
            hs512: Hmac::new_from_slice(secret).expect("HMAC takes any key length"),
        }
    }

    /// `None` for a non-HMAC algorithm.
    fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> Option<bool> {
        fn check<M: Mac + Clone>(keyed: &M, message: &[u8], signature: &[u8]) -> bool {
            let mut mac = keyed.clone();
            mac.update(message);
            // Constant-time comparison.
            mac.verify_slice(signature).is_ok()
        }
        Some(match alg {
            Algorithm::HS256 => check(&self.hs256, message, signature),
            Algorithm::HS384 => check(&self.hs384, message, signature),
            Algorithm::HS512 => check(&self.hs512, message, signature),
            _ => return None,
        })
    }
}

/// Verifies tokens: the keys, the algorithm allow-list and the claim rules.
///
/// Build it with [`Verifier::hmac`] and the chained setters.
#[derive(Clone)]
pub struct Verifier {
    keys: Vec<KeyEntry>,
    allow_weak_secret: bool,
    secret_len: usize,
    leeway: u64,
    issuers: Option<Vec<String>>,
    audiences: Option<Vec<String>>,
    max_token_len: usize,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("algorithms", &self.algorithms().collect::<Vec<_>>())
            .field("keys", &format_args!("{} (redacted)", self.keys.len()))
            .field("leeway", &self.leeway)
            .field("issuers", &self.issuers)
            .field("audiences", &self.audiences)
            .field("max_token_len", &self.max_token_len)
            .finish()
    }
}

/// Default leeway for `exp`, `nbf` and `iat`.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);
/// Default maximum token length in bytes.
pub const DEFAULT_MAX_TOKEN_LEN: usize = 8 * 1024;

impl Verifier {
    /// Verifies HMAC tokens with `secret`; HS256 only until
    /// [`algorithms`](Self::algorithms) says otherwise.
    pub fn hmac(secret: &HmacSecret) -> Self {
        Verifier {
            keys: vec![KeyEntry {
                algorithms: vec![Algorithm::HS256],
                key: DecodingKey::from_secret(secret.as_bytes()),
                hmac: Some(HmacKeys::new(secret.as_bytes())),
            }],
            allow_weak_secret: false,
            secret_len: secret.as_bytes().len(),
            leeway: DEFAULT_LEEWAY.as_secs(),
            issuers: None,
            audiences: None,
            max_token_len: DEFAULT_MAX_TOKEN_LEN,
        }
    }

    /// The algorithm allow-list. A token's `alg` must be one of these, spelled
    /// exactly; `none` is never accepted.
    pub fn with_algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        let algorithms: Vec<_> = algorithms.into_iter().collect();
        for entry in &mut self.keys {
            entry.algorithms.clone_from(&algorithms);
        }
        self
    }

    /// Accepts an HMAC secret shorter than the hash output. Only for interop
    /// with systems that already use such a secret (Flama's demo uses 16 zero
    /// bytes).
    pub fn allow_weak_secret(mut self) -> Self {
        self.allow_weak_secret = true;
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat` (default 60 s).
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway.as_secs();
        self
    }

    /// Requires `iss` to be one of these.
    pub fn with_issuers<I: Into<String>>(mut self, issuers: impl IntoIterator<Item = I>) -> Self {
        self.issuers = Some(issuers.into_iter().map(Into::into).collect());
        self
    }

    /// Requires `aud` to contain one of these. Without this, a token that has
    /// an `aud` claim is rejected (it was meant for someone else).
    pub fn with_audiences<I: Into<String>>(
        mut self,
        audiences: impl IntoIterator<Item = I>,
    ) -> Self {
        self.audiences = Some(audiences.into_iter().map(Into::into).collect());
        self
    }

    /// Tokens longer than this many bytes are refused before decoding
    /// (default 8 KiB).
    pub fn with_max_token_len(mut self, max: usize) -> Self {
        self.max_token_len = max;
        self
    }

    /// The allowed algorithms.
    pub fn algorithms(&self) -> impl Iterator<Item = Algorithm> + '_ {
        self.keys.iter().flat_map(|k| k.algorithms.iter().copied())
    }

    /// Checks the configuration: a non-empty allow-list, algorithms that fit
    /// the keys, and secrets long enough for their algorithms.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.algorithms().next().is_none() {
            return Err(ConfigError::NoAlgorithms);
        }
        for entry in &self.keys {
            for &alg in &entry.algorithms {
                if alg.family() != entry.key.family() {
                    return Err(ConfigError::AlgorithmKeyMismatch(alg));
                }
                let min = hmac_min_len(alg);
                if !self.allow_weak_secret && self.secret_len < min {
                    return Err(ConfigError::WeakSecret {
                        len: self.secret_len,
                        algorithm: alg,
                        min,
                    });
                }
            }
        }
        Ok(())
    }

    /// Decodes `token`, checks its signature over the bytes as received and
    /// validates its claims.
    pub fn verify(&self, token: &str) -> Result<Jwt, JwtError> {
        self.verify_at(token, unix_now())
    }

    pub(crate) fn verify_at(&self, token: &str, now: u64) -> Result<Jwt, JwtError> {
        // A `Verifier` used on its own must not verify with, say, an empty
        // HMAC key either; `Authenticator` checked once at `Auth::build` and
        // calls `verify_validated` instead.
        if self.validate().is_err() {
            return Err(JwtError::decode("the verifier is misconfigured"));
        }
        self.verify_validated(token, now)
    }

    /// [`verify_at`](Self::verify_at) for a verifier already validated.
    pub(crate) fn verify_validated(&self, token: &str, now: u64) -> Result<Jwt, JwtError> {
        if token.len() > self.max_token_len {
            return Err(JwtError::decode("token exceeds the maximum size"));
        }
        let (signing_input, signature) =
            token.rsplit_once('.').ok_or(JwtError::decode("token must have three segments"))?;
        let (header_b64, payload_b64) = signing_input
            .split_once('.')
            .ok_or(JwtError::decode("token must have three segments"))?;
        if payload_b64.contains('.') {
            return Err(JwtError::decode("token must have three segments"));
        }

        let header = decode_object(header_b64, "header")?;
        let alg = header_algorithm(&header)?;
        if header.contains_key("crit") {
            // RFC 7515 §4.1.11: Warden implements no JWS extension, so every
            // critical parameter is one it does not understand.
            return Err(JwtError::decode("unsupported critical header parameter"));
        }
        let entry = self
            .keys
            .iter()
            .find(|k| k.algorithms.contains(&alg))
            .ok_or(JwtError::decode("algorithm not allowed"))?;

        // Flama pads the signature even when the signed segments happen to
        // need no padding, so padding is accepted on it regardless. One token
        // thus has two spellings (`h.p.s`, `h.p.s=`): anything keyed by a
        // token (a revocation list) must key on the decoded signature or
        // `jti`, never on the text.
        let signature = B64_LENIENT_PAD
            .decode(signature)
            .map_err(|_| JwtError::decode("signature is not valid base64url"))?;
        let message = signing_input.as_bytes();
        let authentic = match entry.hmac.as_ref().and_then(|k| k.verify(alg, message, &signature)) {
            Some(authentic) => authentic,
            None => (DEFAULT_PROVIDER.verifier_factory)(&alg, &entry.key)
                .map_err(|_| JwtError::decode("algorithm not allowed"))?
                .verify(message, &signature)
                .is_ok(),
        };
        if !authentic {
            return Err(JwtError::decode("signature verification failed"));
        }

        let payload = decode_object(payload_b64, "payload")?;
        self.validate_claims(&payload, now)?;
        Ok(Jwt { header, payload })
    }

    fn validate_claims(&self, claims: &Map<String, Value>, now: u64) -> Result<(), JwtError> {
        // In f64: claims may be fractional, and no leeway can overflow.
        let (now, leeway) = (now as f64, self.leeway as f64);
        if let Some(exp) = numeric_date(claims, "exp")?
            && now >= exp + leeway
        {
            return Err(JwtError::validate("token has expired"));
        }
        if let Some(nbf) = numeric_date(claims, "nbf")?
            && now + leeway < nbf
        {
            return Err(JwtError::validate("token is not valid yet"));
        }
        if let Some(iat) = numeric_date(claims, "iat")?
            && iat > now + leeway
        {
            return Err(JwtError::validate("token is issued in the future"));
        }
        if let Some(issuers) = &self.issuers {
            match claims.get("iss") {
                Some(Value::String(iss)) if issuers.iter().any(|i| i == iss) => {}
                _ => return Err(JwtError::validate("invalid issuer")),
            }
        }
        match (claims.get("aud"), &self.audiences) {
            (None, None) => {}
            (Some(_), None) => {
                return Err(JwtError::validate("token has an audience and none is accepted"));
            }
            (None, Some(_)) => return Err(JwtError::validate("token has no audience")),
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
                    return Err(JwtError::validate("invalid audience"));
                }
            }
        }
        Ok(())
    }
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
            _ => Err(JwtError::validate("time claim is not a valid number")),
        },
        Some(_) => Err(JwtError::validate("time claim is not a number")),
    }
}

const fn hmac_min_len(alg: Algorithm) -> usize {
    match alg {
        Algorithm::HS384 => 48,
        Algorithm::HS512 => 64,
        _ => 32,
    }
}

pub(crate) fn alg_name(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::HS256 => "HS256",
        Algorithm::HS384 => "HS384",
        Algorithm::HS512 => "HS512",
        Algorithm::ES256 => "ES256",
        Algorithm::ES384 => "ES384",
        Algorithm::RS256 => "RS256",
        Algorithm::RS384 => "RS384",
        Algorithm::RS512 => "RS512",
        Algorithm::PS256 => "PS256",
        Algorithm::PS384 => "PS384",
        Algorithm::PS512 => "PS512",
        Algorithm::EdDSA => "EdDSA",
        _ => "unknown",
    }
}

/// The header's `alg`, matched exactly (case-sensitive, RFC 7515 §4.1.1).
fn header_algorithm(header: &Map<String, Value>) -> Result<Algorithm, JwtError> {
    let Some(Value::String(alg)) = header.get("alg") else {
        return Err(JwtError::decode("header has no algorithm"));
    };
    Ok(match alg.as_str() {
        "HS256" => Algorithm::HS256,
        "HS384" => Algorithm::HS384,
        "HS512" => Algorithm::HS512,
        "ES256" => Algorithm::ES256,
        "ES384" => Algorithm::ES384,
        "RS256" => Algorithm::RS256,
        "RS384" => Algorithm::RS384,
        "RS512" => Algorithm::RS512,
        "PS256" => Algorithm::PS256,
        "PS384" => Algorithm::PS384,
        "PS512" => Algorithm::PS512,
        "EdDSA" => Algorithm::EdDSA,
        _ => return Err(JwtError::decode("algorithm not allowed")),
    })
}

fn decode_object(segment: &str, what: &'static str) -> Result<Map<String, Value>, JwtError> {
    let (b64_error, json_error) = match what {
        "header" => ("header is not valid base64url", "header is not a JSON object"),
        _ => ("payload is not valid base64url", "payload is not a JSON object"),
    };
    let bytes = B64_LENIENT_PAD.decode(segment).map_err(|_| JwtError::decode(b64_error))?;
    match serde_json::from_slice::<StrictValue>(&bytes) {
        Ok(StrictValue(Value::Object(map))) => Ok(map),
        Ok(_) => Err(JwtError::decode(json_error)),
        Err(e) if e.to_string().starts_with(DUPLICATE_MEMBER) => {
            Err(JwtError::decode("duplicate member name in JSON object"))
        }
        Err(_) => Err(JwtError::decode(json_error)),
    }
}

const DUPLICATE_MEMBER: &str = "duplicate member";

/// A JSON value whose objects, at any depth, have unique member names.
///
/// RFC 7515 §5.2 / RFC 7519 §4 let a parser reject duplicate names or keep
/// the last one. Parsers disagree on which they keep, and a token read one way
/// by an issuer and another way here is an attack; so Warden rejects them.
struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            let StrictValue(value) = access.next_value()?;
            if map.insert(key, value).is_some() {
                return Err(de::Error::custom(DUPLICATE_MEMBER));
            }
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const FLAMA_TOKEN: &str = "eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJkYXRhIjogeyJmb28iOiAiYmFyIn0sICJpYXQiOiAwfQ==.J3zdedMZSFNOimstjJat0V28rM_b1UU62XCp9dg_5kg=";

    fn flama_verifier() -> Verifier {
        Verifier::hmac(&HmacSecret::flama_demo()).allow_weak_secret()
    }

    #[test]
    fn verifies_flama_padded_vector() {
        let jwt = flama_verifier().verify(FLAMA_TOKEN).unwrap();
        assert_eq!(Value::Object(jwt.payload().clone()), json!({"data": {"foo": "bar"}, "iat": 0}));
    }

    #[test]
    fn flama_vector_fails_once_its_padding_is_normalised() {
        // The signature covers the padded text: stripping `=` from the
        // payload changes the signing input, so verification must fail.
        let mut parts: Vec<&str> = FLAMA_TOKEN.split('.').collect();
        let stripped = parts[1].trim_end_matches('=').to_owned();
        parts[1] = &stripped;
        let err = flama_verifier().verify(&parts.join(".")).unwrap_err();
        assert_eq!(err.description(), "signature verification failed");
    }

    #[test]
    fn padded_encoding_round_trips_and_matches_flama() {
        let secret = HmacSecret::flama_demo();
        let header = json!({"alg": "HS256", "typ": "JWT"});
        let Value::Object(header) = header else { unreachable!() };
        let jwt = Jwt::from_parts(header, json!({"data": {"foo": "bar"}, "iat": 0})).unwrap();
        let token = jwt.encode_with(&secret, Padding::Flama).unwrap();
        assert!(token.split('.').all(|s| s.len() % 4 == 0));
        assert_eq!(flama_verifier().verify(&token).unwrap(), jwt);
        let unpadded = jwt.encode(&secret).unwrap();
        assert!(!unpadded.contains('='));
        assert_eq!(flama_verifier().verify(&unpadded).unwrap(), jwt);
    }

    #[test]
    fn weak_secret_is_refused_unless_opted_in() {
        let v = Verifier::hmac(&HmacSecret::flama_demo());
        assert!(matches!(v.validate(), Err(ConfigError::WeakSecret { len: 16, min: 32, .. })));
        assert_eq!(v.allow_weak_secret().validate(), Ok(()));
        let v = Verifier::hmac(&HmacSecret::new([7; 32]))
            .with_algorithms([Algorithm::HS256, Algorithm::HS512]);
        assert!(matches!(v.validate(), Err(ConfigError::WeakSecret { min: 64, .. })));
    }

    #[test]
    fn weak_secrets_neither_sign_nor_verify_without_opt_in() {
        let jwt = Jwt::new(Algorithm::HS256, json!({})).unwrap();
        let weak = HmacSecret::new([7; 31]);
        assert!(jwt.encode(&weak).is_err());
        let token = jwt.encode(&weak.clone().allow_weak()).unwrap();
        let err = Verifier::hmac(&weak).verify(&token).unwrap_err();
        assert_eq!(err.description(), "the verifier is misconfigured");
        assert!(Verifier::hmac(&weak).allow_weak_secret().verify(&token).is_ok());
        let hs512 = Jwt::new(Algorithm::HS512, json!({})).unwrap();
        assert!(hs512.encode(&HmacSecret::new([7; 32])).is_err());
    }

    #[test]
    fn huge_leeway_does_not_overflow() {
        let secret = HmacSecret::new([1; 32]);
        let v = Verifier::hmac(&secret).with_leeway(Duration::from_secs(u64::MAX));
        let token = Jwt::new(Algorithm::HS256, json!({"nbf": 5, "exp": 1, "iat": 3}))
            .unwrap()
            .encode(&secret)
            .unwrap();
        assert!(v.verify_at(&token, 1_000).is_ok());
        assert!(v.verify_at(&token, u64::MAX).is_err(), "expired even with the largest leeway");
    }

    #[test]
    fn rejects_duplicate_members_at_any_depth() {
        let secret = HmacSecret::new([1; 32]);
        let sign = |payload: &str| {
            let input = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256"}"#),
                URL_SAFE_NO_PAD.encode(payload)
            );
            let sig = jsonwebtoken::crypto::sign(
                input.as_bytes(),
                &EncodingKey::from_secret(secret.as_bytes()),
                Algorithm::HS256,
            )
            .unwrap();
            format!("{input}.{sig}")
        };
        let v = Verifier::hmac(&secret);
        assert!(v.verify(&sign(r#"{"sub":"a"}"#)).is_ok());
        for payload in
            [r#"{"sub":"a","sub":"b"}"#, r#"{"data":{"permissions":[],"permissions":["x"]}}"#]
        {
            let err = v.verify(&sign(payload)).unwrap_err();
            assert_eq!(err.description(), "duplicate member name in JSON object");
        }
    }

    #[test]
    fn time_claims_respect_leeway() {
        let secret = HmacSecret::new([1; 32]);
        let v = Verifier::hmac(&secret);
        let token = |claims| Jwt::new(Algorithm::HS256, claims).unwrap().encode(&secret).unwrap();
        let now = 1_000_000;
        assert!(v.verify_at(&token(json!({"exp": now - 59})), now).is_ok());
        assert_eq!(
            v.verify_at(&token(json!({"exp": now - 60})), now).unwrap_err().description(),
            "token has expired"
        );
        assert!(v.verify_at(&token(json!({"nbf": now + 60})), now).is_ok());
        assert!(v.verify_at(&token(json!({"nbf": now + 61})), now).is_err());
        assert!(v.verify_at(&token(json!({"iat": now + 61})), now).is_err());
        assert!(v.verify_at(&token(json!({"exp": "tomorrow"})), now).is_err());
    }
}

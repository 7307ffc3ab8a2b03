//! The [`Jwt`] value and its signing.

use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::{Map, Value};

use super::Malformed;
use super::compact::{header_algorithm, parse_object};
use super::key::hmac_sign;
use super::paths::Spans;
use super::scan::Times;
use super::{Algorithm, HmacSecret, SignError};

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
/// # Ok::<(), warden::jwt::SignError>(())
/// ```
#[derive(Clone)]
pub struct Jwt {
    algorithm: Algorithm,
    // A verified token keeps its decoded JSON and builds these `Map`s the
    // first time they are asked for: the auth path reads what it needs
    // from the bytes, and a handler that never looks at the claims never
    // pays for them.
    header: OnceLock<Map<String, Value>>,
    payload: OnceLock<Map<String, Value>>,
    raw: Option<Raw>,
    times: Times,
    granted: Granted,
}

/// The route permission checks this token passed, by their ids (see
/// [`Jwt::granted_before`]); 0 marks a free slot.
#[derive(Default)]
struct Granted([AtomicU64; GRANTED_SLOTS]);

/// How many routes' checks a token remembers passing: a client calls a
/// few routes; past that, checks read the claims again.
pub(crate) const GRANTED_SLOTS: usize = 4;

impl Clone for Granted {
    /// A copy starts with nothing remembered: it is a token of its own.
    fn clone(&self) -> Self {
        Granted::default()
    }
}

/// A verified token's decoded header JSON, then its claims JSON, and where
/// the permission strings are in the claims.
#[derive(Clone)]
struct Raw {
    json: Vec<u8>,
    split: usize,
    spans: Option<Spans>,
}

impl PartialEq for Jwt {
    fn eq(&self, other: &Self) -> bool {
        self.algorithm == other.algorithm
            && self.header() == other.header()
            && self.payload() == other.payload()
    }
}

impl Jwt {
    /// A token with header `{"alg": ALG, "typ": "JWT"}` and the given payload,
    /// which must be a JSON object.
    pub fn new(algorithm: Algorithm, payload: Value) -> Result<Self, SignError> {
        let mut header = Map::new();
        header.insert("alg".into(), Value::String(algorithm.as_str().into()));
        header.insert("typ".into(), Value::String("JWT".into()));
        Self::from_parts(header, payload)
    }

    /// A token from an explicit header and payload, both JSON objects. The
    /// header must name a supported `alg`.
    pub fn from_parts(header: Map<String, Value>, payload: Value) -> Result<Self, SignError> {
        let Value::Object(payload) = payload else {
            return Err(SignError::PayloadNotObject);
        };
        let algorithm = header_algorithm(&header).ok_or(SignError::NoAlgorithm)?;
        Ok(Jwt {
            algorithm,
            header: OnceLock::from(header),
            payload: OnceLock::from(payload),
            raw: None,
            times: Times::default(),
            granted: Granted::default(),
        })
    }

    /// A verified token: `json` holds the decoded header (its first `split`
    /// bytes) and claims, both already checked to be JSON objects with
    /// unique member names; `spans`, where its permission strings are.
    pub(crate) fn verified(
        algorithm: Algorithm,
        json: Vec<u8>,
        split: usize,
        times: Times,
        spans: Option<Spans>,
    ) -> Self {
        Jwt {
            algorithm,
            header: OnceLock::new(),
            payload: OnceLock::new(),
            raw: Some(Raw { json, split, spans }),
            times,
            granted: Granted::default(),
        }
    }

    /// Whether the permission check of id `check` found this token's
    /// permissions sufficient before. A verified token's claims never
    /// change and a check's verdict depends on nothing else, so a token
    /// presented again (found in the verified-token cache) is not read
    /// again: it would be the claims JSON, rarely still in the CPU's
    /// caches. Only checks whose verdict depends on the claims alone
    /// record theirs; refusals are not recorded.
    pub(crate) fn granted_before(&self, check: u64) -> bool {
        self.granted.0.iter().any(|slot| slot.load(Ordering::Relaxed) == check)
    }

    /// Records that the check of id `check` (never 0) found this token's
    /// permissions sufficient, if a slot is free.
    pub(crate) fn remember_granted(&self, check: u64) {
        for slot in &self.granted.0 {
            // Relaxed: the id is the whole message; nothing else is
            // published through it.
            match slot.compare_exchange(0, check, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return,
                Err(held) if held == check => return,
                Err(_) => {}
            }
        }
    }

    /// The JOSE header.
    pub fn header(&self) -> &Map<String, Value> {
        self.header.get_or_init(|| self.parse(|raw| &raw.json[..raw.split], Malformed::HeaderJson))
    }

    /// The claims.
    pub fn payload(&self) -> &Map<String, Value> {
        self.payload
            .get_or_init(|| self.parse(|raw| &raw.json[raw.split..], Malformed::PayloadJson))
    }

    /// A verified token's claims as decoded JSON, for readers that need not
    /// build the `Map`.
    pub(crate) fn claims_json(&self) -> Option<&[u8]> {
        self.raw.as_ref().map(|raw| &raw.json[raw.split..])
    }

    /// Hands `each` the permission strings verification found on the
    /// [`Paths`] of id `paths` (see `paths.rs`); `None` if it did not look
    /// for them there.
    ///
    /// [`Paths`]: super::paths::Paths
    pub(crate) fn permission_strings(&self, paths: u64, each: impl FnMut(&[u8])) -> Option<()> {
        let raw = self.raw.as_ref()?;
        let spans = raw.spans.as_ref().filter(|s| s.paths == paths)?;
        spans.for_each(&raw.json[raw.split..], each);
        Some(())
    }

    /// A verified token's time claims.
    pub(crate) fn times(&self) -> Times {
        self.times
    }

    fn parse(&self, part: impl Fn(&Raw) -> &[u8], malformed: Malformed) -> Map<String, Value> {
        // Verification already parsed these bytes strictly: this parse
        // cannot fail, and an empty map is never seen.
        self.raw
            .as_ref()
            .and_then(|raw| parse_object(part(raw), malformed).ok())
            .unwrap_or_default()
    }

    /// The algorithm named by the header.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Encodes and signs with `secret`, in the standard unpadded form.
    pub fn encode(&self, secret: &HmacSecret) -> Result<String, SignError> {
        self.encode_with(secret, Padding::None)
    }

    /// Encodes and signs with `secret`, choosing the base64url padding:
    /// [`Padding::Flama`] writes `=` padding as Flama does (and signs the
    /// padded text), for clients that expect exactly Flama's output.
    pub fn encode_with(&self, secret: &HmacSecret, padding: Padding) -> Result<String, SignError> {
        let engine = match padding {
            Padding::None => URL_SAFE_NO_PAD,
            Padding::Flama => URL_SAFE,
        };
        let header = serde_json::to_vec(self.header()).map_err(|_| SignError::Crypto)?;
        let payload = serde_json::to_vec(self.payload()).map_err(|_| SignError::Crypto)?;
        let mut token = engine.encode(header);
        token.push('.');
        token.push_str(&engine.encode(payload));
        let signature = hmac_sign(secret, self.algorithm, token.as_bytes())?;
        token.push('.');
        token.push_str(&engine.encode(signature));
        Ok(token)
    }
}

impl fmt::Debug for Jwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jwt")
            .field("header", self.header())
            .field("payload", self.payload())
            .finish()
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

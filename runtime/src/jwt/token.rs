//! The [`Jwt`] value and its signing.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::{Map, Value};

use super::compact::header_algorithm;
use super::key::hmac_sign;
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
#[derive(Clone, PartialEq)]
pub struct Jwt {
    header: Map<String, Value>,
    payload: Map<String, Value>,
    algorithm: Algorithm,
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
        Ok(Jwt { header, payload, algorithm })
    }

    /// A verified token, already checked.
    pub(crate) fn verified(
        header: Map<String, Value>,
        payload: Map<String, Value>,
        algorithm: Algorithm,
    ) -> Self {
        Jwt { header, payload, algorithm }
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
        let header = serde_json::to_vec(&self.header).map_err(|_| SignError::Crypto)?;
        let payload = serde_json::to_vec(&self.payload).map_err(|_| SignError::Crypto)?;
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

//! Keys an app signs its own tokens with, and the public key set (JWKS) it
//! publishes for them.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::EncodingKey;
use jsonwebtoken::jwk::Jwk;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::key::{KeyError, hmac_sign};
use super::{Algorithm, Family, HmacSecret, Jwt, Key, SignError};

/// A key that signs tokens: an HMAC secret, or a private key whose public
/// half is published (see [`SigningKeys::jwks`]).
///
/// ```
/// use warden::jwt::{Algorithm, HmacSecret, SigningKey};
/// use serde_json::json;
///
/// let key = SigningKey::hmac(HmacSecret::new([7; 32]), Algorithm::HS256)?;
/// let token = key.sign(json!({"sub": "ada"}))?;
/// assert_eq!(token.split('.').count(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SigningKey {
    algorithm: Algorithm,
    material: Material,
    kid: Option<String>,
}

#[derive(Clone)]
enum Material {
    Hmac(HmacSecret),
    Private { key: EncodingKey, public: Box<Jwk> },
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Signs with an HMAC secret under `algorithm` (HS256/384/512), checked
    /// against the secret's effective strength.
    pub fn hmac(secret: HmacSecret, algorithm: Algorithm) -> Result<Self, SignError> {
        if algorithm.family() != Family::Hmac {
            return Err(SignError::KeyMismatch { algorithm, family: Family::Hmac });
        }
        if let Err((len, min)) = secret.check_strength(algorithm) {
            return Err(SignError::WeakKey { len, algorithm, min });
        }
        Ok(SigningKey { algorithm, material: Material::Hmac(secret), kid: None })
    }

    /// A private key from PEM: RSA (PKCS#1 or PKCS#8, at least 2048 bits:
    /// RS256 unless `algorithm` says e.g. `PS256`), EC P-256 (ES256) or
    /// P-384 (ES384) in PKCS#8, Ed25519 in PKCS#8 (EdDSA). Its `kid` is the
    /// RFC 7638 thumbprint of its public key unless [`with_kid`](Self::with_kid).
    pub fn from_pem(pem: &[u8], algorithm: Option<Algorithm>) -> Result<Self, KeyError> {
        super::crypto::install();
        let candidates: Vec<(Algorithm, EncodingKey)> =
            if let Ok(key) = EncodingKey::from_rsa_pem(pem) {
                vec![(Algorithm::RS256, key)]
            } else if let Ok(key) = EncodingKey::from_ec_pem(pem) {
                vec![(Algorithm::ES256, key.clone()), (Algorithm::ES384, key)]
            } else if let Ok(key) = EncodingKey::from_ed_pem(pem) {
                vec![(Algorithm::EdDSA, key)]
            } else {
                return Err(KeyError::UnsupportedPrivatePem);
            };
        // The public half, which also tells an EC key's curve.
        let rsa = candidates.first().is_some_and(|(alg, _)| alg.family() == Family::Rsa);
        let (implied, key, public) = candidates
            .into_iter()
            .find_map(|(alg, key)| {
                Jwk::from_encoding_key(&key, alg.backend()).ok().map(|jwk| (alg, key, jwk))
            })
            // An RSA key the backend will not load is, in practice, one
            // under 2048 bits: say so rather than "unsupported".
            .ok_or(if rsa { KeyError::UnusableRsa } else { KeyError::UnsupportedPrivatePem })?;
        let algorithm = match algorithm {
            None => implied,
            Some(alg)
                if alg == implied
                    || (alg.family() == Family::Rsa && implied.family() == Family::Rsa) =>
            {
                alg
            }
            // An EC key's curve decides its one algorithm.
            Some(alg) if alg.family() == implied.family() => {
                return Err(KeyError::CurveMismatch { algorithm: alg, implied });
            }
            Some(alg) => {
                return Err(KeyError::AlgorithmMismatch {
                    algorithm: alg,
                    family: implied.family(),
                });
            }
        };
        let mut signing = SigningKey {
            algorithm,
            material: Material::Private { key, public: Box::new(public) },
            kid: None,
        };
        // Checks the public half as a verification key would be: an RSA key
        // under 2048 bits is refused as such (`WeakRsa`), not as unknown.
        let public = signing.public_jwk().ok_or(KeyError::UnsupportedPrivatePem)?;
        Key::from_jwk(&public)?;
        signing.kid = signing.thumbprint();
        Ok(signing)
    }

    /// Sets the key id written into the tokens' `kid` header and the JWKS.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// The key id.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The algorithm it signs with.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The public JWK (with `kid`, `alg` and `use: sig`); `None` for HMAC.
    pub fn public_jwk(&self) -> Option<Value> {
        let Material::Private { public, .. } = &self.material else { return None };
        let mut jwk = serde_json::to_value(public.algorithm.clone()).ok()?;
        let object = jwk.as_object_mut()?;
        object.insert("use".into(), json!("sig"));
        object.insert("alg".into(), json!(self.algorithm.as_str()));
        if let Some(kid) = &self.kid {
            object.insert("kid".into(), json!(kid));
        }
        Some(jwk)
    }

    /// The key that verifies what this one signs.
    pub fn verification_key(&self) -> Key {
        let key = match &self.material {
            Material::Hmac(secret) => Key::hmac(secret),
            Material::Private { .. } => match self.public_key() {
                Some(key) => key,
                // `from_pem` checked the public half; unreachable in practice.
                None => Key::hmac(&HmacSecret::new(Vec::new())),
            },
        };
        match &self.kid {
            Some(kid) => key.with_kid(kid.clone()),
            None => key,
        }
    }

    fn public_key(&self) -> Option<Key> {
        let jwk = self.public_jwk()?;
        Key::from_jwk(&jwk).ok()
    }

    fn thumbprint(&self) -> Option<String> {
        thumbprint(&self.public_jwk()?)
    }

    /// Signs `claims` (a JSON object) with header `{"alg", "typ": "JWT", "kid"}`.
    pub fn sign(&self, claims: Value) -> Result<String, SignError> {
        let mut header = Map::new();
        header.insert("alg".into(), json!(self.algorithm.as_str()));
        header.insert("typ".into(), json!("JWT"));
        if let Some(kid) = &self.kid {
            header.insert("kid".into(), json!(kid));
        }
        self.sign_jwt(&Jwt::from_parts(header, claims)?)
    }

    /// Signs `jwt` as it is; its header's `alg` must be this key's.
    pub fn sign_jwt(&self, jwt: &Jwt) -> Result<String, SignError> {
        if jwt.algorithm() != self.algorithm {
            return Err(SignError::KeyMismatch {
                algorithm: jwt.algorithm(),
                family: self.algorithm.family(),
            });
        }
        let header = serde_json::to_vec(jwt.header()).map_err(|_| SignError::Crypto)?;
        let payload = serde_json::to_vec(jwt.payload()).map_err(|_| SignError::Crypto)?;
        let mut token = URL_SAFE_NO_PAD.encode(header);
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(payload));
        let signature = match &self.material {
            Material::Hmac(secret) => hmac_sign(secret, self.algorithm, token.as_bytes())?,
            Material::Private { key, .. } => {
                let signer =
                    (super::crypto::provider().signer_factory)(&self.algorithm.backend(), key)
                        .map_err(|_| SignError::Crypto)?;
                signer.try_sign(token.as_bytes()).map_err(|_| SignError::Crypto)?
            }
        };
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(signature));
        Ok(token)
    }
}

/// The RFC 7638 thumbprint of a public JWK: SHA-256 over its required
/// members in lexicographic order, base64url. `None` for an unknown `kty`.
pub fn thumbprint(jwk: &Value) -> Option<String> {
    let members: &[&str] = match jwk.get("kty")?.as_str()? {
        "RSA" => &["e", "kty", "n"],
        "EC" => &["crv", "kty", "x", "y"],
        "OKP" => &["crv", "kty", "x"],
        _ => return None,
    };
    let mut required = Map::new();
    for m in members {
        required.insert((*m).to_owned(), jwk.get(*m)?.clone());
    }
    // serde_json's map is ordered by key (no `preserve_order` here) and
    // writes no whitespace: the canonical form RFC 7638 asks for.
    let canonical = serde_json::to_vec(&Value::Object(required)).ok()?;
    Some(URL_SAFE_NO_PAD.encode(Sha256::digest(canonical)))
}

/// An app's signing keys through a rotation: the `current` key signs; a
/// `next` key is published before it signs (so every verifier has it when
/// it starts to); `retired` keys are published, and verify, until the
/// tokens they signed have expired.
#[derive(Clone, Debug)]
pub struct SigningKeys {
    current: SigningKey,
    next: Option<SigningKey>,
    retired: Vec<SigningKey>,
}

impl SigningKeys {
    /// One key, signing and published.
    pub fn new(current: SigningKey) -> Self {
        SigningKeys { current, next: None, retired: Vec::new() }
    }

    /// Publishes `next` ahead of its use.
    #[must_use]
    pub fn with_next(mut self, next: SigningKey) -> Self {
        self.next = Some(next);
        self
    }

    /// Keeps publishing a key that no longer signs.
    #[must_use]
    pub fn with_retired(mut self, retired: SigningKey) -> Self {
        self.retired.push(retired);
        self
    }

    /// The next step of the rotation: `next` signs, the current key retires.
    /// `None` when no next key was published.
    #[must_use]
    pub fn rotate(mut self) -> Option<Self> {
        let next = self.next.take()?;
        self.retired.push(std::mem::replace(&mut self.current, next));
        Some(self)
    }

    /// The key that signs.
    pub fn current(&self) -> &SigningKey {
        &self.current
    }

    /// Every key: current, next, retired.
    pub fn all(&self) -> impl Iterator<Item = &SigningKey> {
        std::iter::once(&self.current).chain(&self.next).chain(&self.retired)
    }

    /// The verification keys of every key.
    pub fn verification_keys(&self) -> Vec<Key> {
        self.all().map(SigningKey::verification_key).collect()
    }

    /// The public JWK Set (RFC 7517 §5) to serve at
    /// `/.well-known/jwks.json`; HMAC keys are never in it.
    pub fn jwks(&self) -> Value {
        json!({"keys": self.all().filter_map(SigningKey::public_jwk).collect::<Vec<_>>()})
    }
}

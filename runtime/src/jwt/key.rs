//! Keys: HMAC secrets judged by their effective strength, and verification
//! keys bound to an algorithm family when they are made.

use std::fmt;

use hmac::{Hmac, Mac};
use jsonwebtoken::{DecodingKey, DecodingKeyKind};
use sha2::{Sha256, Sha384, Sha512};

use super::{Algorithm, ConfigError, Family};

/// An HMAC secret. Its bytes never appear in `Debug` output.
///
/// HMAC pads a key shorter than the hash block with zero bytes, so a secret
/// that ends in zero bytes is as strong as the secret without them: 64 zero
/// bytes *are* the empty key, and `hunter2` followed by zeros *is*
/// `hunter2`. Warden judges a secret by its [effective
/// length](Self::effective_len) and refuses one shorter than the hash output
/// (32 bytes for HS256, RFC 7518 §3.2) unless [`allow_weak`](Self::allow_weak)
/// says otherwise.
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

    /// Lets this secret sign and verify although it is effectively shorter
    /// than the hash output. Only for interop with an existing weak secret.
    #[must_use]
    pub fn allow_weak(mut self) -> Self {
        self.allow_weak = true;
        self
    }

    /// Whether [`allow_weak`](Self::allow_weak) was given.
    pub fn is_weak_allowed(&self) -> bool {
        self.allow_weak
    }

    /// The length of the key HMAC actually uses with `algorithm`: for a
    /// secret no longer than the hash block, trailing zero bytes do not
    /// count (HMAC pads with them). A longer secret is hashed first, so
    /// every byte counts, unless all are zero: such a key is public
    /// knowledge whatever its length, and counts as 0.
    pub fn effective_len(&self, algorithm: Algorithm) -> usize {
        if self.bytes.iter().all(|&b| b == 0) {
            return 0;
        }
        let block = match algorithm {
            Algorithm::HS384 | Algorithm::HS512 => 128,
            _ => 64,
        };
        if self.bytes.len() > block {
            return self.bytes.len();
        }
        self.bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1)
    }

    /// Whether this secret is, under HMAC, the empty key: all zero bytes or
    /// none, like Flama's demo secret.
    pub fn is_effectively_empty(&self) -> bool {
        self.effective_len(Algorithm::HS256) == 0
    }

    /// Flama's demo secret: 16 zero bytes, which under HMAC equals an empty
    /// key. Only for running Flama's article against Warden; calling this is
    /// the explicit opt-in to using it ([`allow_weak`](Self::allow_weak)).
    pub fn flama_demo() -> Self {
        HmacSecret::new(vec![0; 16]).allow_weak()
    }

    /// Whether this secret may sign and verify `algorithm`: an HMAC
    /// algorithm, and effectively long enough or weak secrets allowed.
    pub fn can_serve(&self, algorithm: Algorithm) -> bool {
        algorithm.family() == Family::Hmac && self.check_strength(algorithm).is_ok()
    }

    /// `Err` when the secret is too weak for `algorithm` and weak secrets
    /// were not allowed.
    pub(crate) fn check_strength(&self, algorithm: Algorithm) -> Result<(), (usize, usize)> {
        let (len, min) = (self.effective_len(algorithm), min_len(algorithm));
        if self.allow_weak || len >= min { Ok(()) } else { Err((len, min)) }
    }
}

impl fmt::Debug for HmacSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HmacSecret({} bytes, redacted)", self.bytes.len())
    }
}

/// RFC 7518 §3.2: a key at least as long as the hash output.
pub(crate) const fn min_len(alg: Algorithm) -> usize {
    match alg {
        Algorithm::HS384 => 48,
        Algorithm::HS512 => 64,
        _ => 32,
    }
}

/// A verification key, bound to what it may verify when it is made: an
/// HMAC secret can never verify a token labelled with an RSA algorithm, nor
/// an RSA key an HMAC one, whatever the token's header says; an EC key
/// serves only its curve's algorithm; a JWK with `alg` serves only that.
#[derive(Clone)]
pub struct Key {
    material: Material,
    kid: Option<String>,
}

#[derive(Clone)]
enum Material {
    Hmac { secret: HmacSecret, keyed: Box<HmacKeys> },
    Public { family: Family, algorithms: Vec<Algorithm>, key: Box<DecodingKey> },
}

/// Why a key cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Not a PEM public key Warden can use (SPKI or PKCS#1 RSA, SPKI EC
    /// P-256/P-384, SPKI Ed25519).
    #[error("not a supported PEM public key (RSA, EC P-256/P-384 or Ed25519)")]
    UnsupportedPem,
    /// Not a PEM private key Warden can sign with.
    #[error(
        "not a supported PEM private key (RSA PKCS#1/PKCS#8, EC P-256/P-384 PKCS#8, Ed25519 PKCS#8)"
    )]
    UnsupportedPrivatePem,
    /// An RSA key shorter than 2048 bits (RFC 7518 §3.3).
    #[error("RSA key is {0} bits; at least 2048 are required")]
    WeakRsa(usize),
    /// A JWK that is not a usable verification key.
    #[error("unusable JWK: {0}")]
    Jwk(&'static str),
    /// An RSA private key the crypto backend will not load: under 2048
    /// bits (RFC 7518 §3.3), or malformed.
    #[error("RSA private key refused: at least 2048 bits are required (or it is malformed)")]
    UnusableRsa,
    /// An EC key's curve signs another algorithm (a P-384 key is ES384's).
    #[error("{algorithm} cannot be used with this EC key: its curve signs {implied}")]
    CurveMismatch {
        /// The algorithm asked for.
        algorithm: Algorithm,
        /// The algorithm the key's curve signs.
        implied: Algorithm,
    },
    /// The algorithm cannot be used with this key.
    #[error("{algorithm} cannot be used with a {family:?} key")]
    AlgorithmMismatch {
        /// The algorithm asked for.
        algorithm: Algorithm,
        /// The key's family.
        family: Family,
    },
}

impl Key {
    /// A key verifying HS256, HS384 and HS512 with `secret` (as far as the
    /// verifier's allow-list and the secret's strength permit).
    pub fn hmac(secret: &HmacSecret) -> Self {
        Key {
            material: Material::Hmac {
                secret: secret.clone(),
                keyed: Box::new(HmacKeys::new(secret.as_bytes())),
            },
            kid: None,
        }
    }

    /// A public key from PEM: RSA (SPKI `PUBLIC KEY` or PKCS#1 `RSA PUBLIC
    /// KEY`, at least 2048 bits; RS256/384/512 and PS256/384/512), EC
    /// (P-256 → ES256 only, P-384 → ES384 only) or Ed25519 (EdDSA).
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        super::crypto::install();
        let (family, key) = if let Ok(key) = DecodingKey::from_rsa_pem(pem) {
            (Family::Rsa, key)
        } else if let Ok(key) = DecodingKey::from_ec_pem(pem) {
            (Family::Ec, key)
        } else if let Ok(key) = DecodingKey::from_ed_pem(pem) {
            (Family::Ed, key)
        } else {
            return Err(KeyError::UnsupportedPem);
        };
        Key::public(family, key, None).map_err(|e| match e {
            KeyError::Jwk(_) => KeyError::UnsupportedPem,
            e => e,
        })
    }

    /// A public key from one JWK (RFC 7517), e.g. an entry of an identity
    /// provider's JWKS. Its `kid` is kept; its `alg`, when present, is the
    /// only algorithm it serves; `use` must be `sig` and `key_ops` must
    /// include `verify` when present. Symmetric (`oct`) JWKs are refused: a
    /// key published in a key set is public.
    pub fn from_jwk(jwk: &serde_json::Value) -> Result<Self, KeyError> {
        super::crypto::install();
        let object = jwk.as_object().ok_or(KeyError::Jwk("not a JSON object"))?;
        if let Some(u) = object.get("use")
            && u.as_str() != Some("sig")
        {
            return Err(KeyError::Jwk("`use` is not `sig`"));
        }
        if let Some(ops) = object.get("key_ops")
            && !ops.as_array().is_some_and(|ops| ops.iter().any(|o| o.as_str() == Some("verify")))
        {
            return Err(KeyError::Jwk("`key_ops` lacks `verify`"));
        }
        let alg = match object.get("alg") {
            None => None,
            Some(serde_json::Value::String(name)) => {
                Some(name.parse::<Algorithm>().map_err(|_| KeyError::Jwk("unsupported `alg`"))?)
            }
            Some(_) => return Err(KeyError::Jwk("`alg` is not a string")),
        };
        let kid = match object.get("kid") {
            None => None,
            Some(serde_json::Value::String(kid)) => Some(kid.clone()),
            Some(_) => return Err(KeyError::Jwk("`kid` is not a string")),
        };
        let family = match object.get("kty").and_then(serde_json::Value::as_str) {
            Some("RSA") => Family::Rsa,
            Some("EC") => Family::Ec,
            Some("OKP") => Family::Ed,
            Some("oct") => return Err(KeyError::Jwk("symmetric keys are not accepted in a JWK")),
            _ => return Err(KeyError::Jwk("unsupported `kty`")),
        };
        let parsed: jsonwebtoken::jwk::Jwk =
            serde_json::from_value(jwk.clone()).map_err(|_| KeyError::Jwk("malformed key"))?;
        let key = DecodingKey::from_jwk(&parsed).map_err(|_| KeyError::Jwk("malformed key"))?;
        let mut key = Key::public(family, key, alg)?;
        key.kid = kid;
        Ok(key)
    }

    /// A public key of `family`, checked, serving `alg` only when given.
    pub(crate) fn public(
        family: Family,
        key: DecodingKey,
        alg: Option<Algorithm>,
    ) -> Result<Self, KeyError> {
        let mut algorithms: Vec<Algorithm> = match family {
            Family::Rsa => {
                let bits = rsa_bits(&key).ok_or(KeyError::Jwk("malformed RSA key"))?;
                if bits < 2048 {
                    return Err(KeyError::WeakRsa(bits));
                }
                Algorithm::ALL.into_iter().filter(|a| a.family() == Family::Rsa).collect()
            }
            Family::Ec => match ec_point_len(&key) {
                Some(65) => vec![Algorithm::ES256],
                Some(97) => vec![Algorithm::ES384],
                _ => return Err(KeyError::Jwk("unsupported EC curve (P-256 and P-384 only)")),
            },
            Family::Ed => match ed_key_len(&key) {
                Some(32) => vec![Algorithm::EdDSA],
                _ => return Err(KeyError::Jwk("unsupported OKP curve (Ed25519 only)")),
            },
            Family::Hmac => return Err(KeyError::Jwk("symmetric keys are not accepted in a JWK")),
        };
        if let Some(alg) = alg {
            if !algorithms.contains(&alg) {
                return Err(KeyError::AlgorithmMismatch { algorithm: alg, family });
            }
            algorithms = vec![alg];
        }
        Ok(Key { material: Material::Public { family, algorithms, key: Box::new(key) }, kid: None })
    }

    /// The key id tokens select this key by (`kid` header).
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// The key id, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The algorithm family this key serves.
    pub fn family(&self) -> Family {
        match &self.material {
            Material::Hmac { .. } => Family::Hmac,
            Material::Public { family, .. } => *family,
        }
    }

    /// Whether this key may verify `algorithm` (for HMAC: the secret is
    /// effectively long enough, or weak secrets were allowed).
    pub fn serves(&self, algorithm: Algorithm) -> bool {
        match &self.material {
            Material::Hmac { secret, .. } => secret.can_serve(algorithm),
            Material::Public { algorithms, .. } => algorithms.contains(&algorithm),
        }
    }

    /// Checks that this key may serve `algorithm`, saying why not.
    pub(crate) fn check(&self, algorithm: Algorithm) -> Result<(), ConfigError> {
        match &self.material {
            Material::Hmac { secret, .. } => secret
                .check_strength(algorithm)
                .map_err(|(len, min)| ConfigError::WeakSecret { len, algorithm, min }),
            Material::Public { .. } if self.serves(algorithm) => Ok(()),
            Material::Public { .. } => Err(ConfigError::AlgorithmKeyMismatch(algorithm)),
        }
    }

    /// Whether `signature` is `algorithm`'s signature of `message` under
    /// this key. `false` for an algorithm the key does not serve.
    pub(crate) fn verify(&self, algorithm: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        if !self.serves(algorithm) {
            return false;
        }
        match &self.material {
            Material::Hmac { keyed, .. } => keyed.verify(algorithm, message, signature),
            Material::Public { key, .. } => {
                // The backend's `Verifier<Vec<u8>>` takes a `Vec`: one copy,
                // next to a public-key operation that costs far more.
                (super::crypto::provider().verifier_factory)(&algorithm.backend(), key)
                    .is_ok_and(|v| v.verify(message, &signature.to_vec()).is_ok())
            }
        }
    }
}

/// The modulus length in bits of an RSA public key.
fn rsa_bits(key: &DecodingKey) -> Option<usize> {
    let n = match key.kind() {
        DecodingKeyKind::RsaModulusExponent { n, .. } => n.clone(),
        DecodingKeyKind::SecretOrDer(der) => {
            (super::crypto::provider().key_utils.rsa_pub_components_from_public_key)(der).ok()?.0
        }
    };
    let first = n.iter().position(|&b| b != 0)?;
    Some((n.len() - first) * 8 - n[first].leading_zeros() as usize)
}

/// Length of an uncompressed EC point (65 for P-256, 97 for P-384).
fn ec_point_len(key: &DecodingKey) -> Option<usize> {
    match key.kind() {
        DecodingKeyKind::SecretOrDer(point) if point.first() == Some(&4) => Some(point.len()),
        _ => None,
    }
}

fn ed_key_len(key: &DecodingKey) -> Option<usize> {
    match key.kind() {
        DecodingKeyKind::SecretOrDer(bytes) => Some(bytes.len()),
        DecodingKeyKind::RsaModulusExponent { .. } => None,
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("family", &self.family())
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// HMAC states keyed once. Cloning a keyed state per request saves about
/// 12% of a protected request's instructions over re-keying
/// (`bench/callgrind.sh`).
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

    fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        fn check<M: Mac + Clone>(keyed: &M, message: &[u8], signature: &[u8]) -> bool {
            let mut mac = keyed.clone();
            mac.update(message);
            // Constant-time comparison.
            mac.verify_slice(signature).is_ok()
        }
        match alg {
            Algorithm::HS256 => check(&self.hs256, message, signature),
            Algorithm::HS384 => check(&self.hs384, message, signature),
            Algorithm::HS512 => check(&self.hs512, message, signature),
            _ => false,
        }
    }

    fn sign(&self, alg: Algorithm, message: &[u8]) -> Option<Vec<u8>> {
        fn mac<M: Mac + Clone>(keyed: &M, message: &[u8]) -> Vec<u8> {
            let mut mac = keyed.clone();
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        Some(match alg {
            Algorithm::HS256 => mac(&self.hs256, message),
            Algorithm::HS384 => mac(&self.hs384, message),
            Algorithm::HS512 => mac(&self.hs512, message),
            _ => return None,
        })
    }
}

/// Signs `message` with an HMAC `secret`, checking its strength first.
pub(crate) fn hmac_sign(
    secret: &HmacSecret,
    alg: Algorithm,
    message: &[u8],
) -> Result<Vec<u8>, super::SignError> {
    if alg.family() != Family::Hmac {
        return Err(super::SignError::KeyMismatch { algorithm: alg, family: Family::Hmac });
    }
    secret.check_strength(alg).map_err(|(len, min)| super::SignError::WeakKey {
        len,
        algorithm: alg,
        min,
    })?;
    HmacKeys::new(secret.as_bytes()).sign(alg, message).ok_or(super::SignError::Crypto)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_zero_bytes_do_not_count_up_to_the_block_size() {
        assert_eq!(HmacSecret::new([0; 64]).effective_len(Algorithm::HS256), 0);
        assert!(HmacSecret::new([0; 64]).is_effectively_empty());
        assert!(HmacSecret::new([0; 16]).is_effectively_empty());
        let mut padded = b"hunter2".to_vec();
        padded.resize(64, 0);
        assert_eq!(HmacSecret::new(padded.clone()).effective_len(Algorithm::HS256), 7);
        // HS512's block is 128 bytes: still padding there.
        assert_eq!(HmacSecret::new(padded).effective_len(Algorithm::HS512), 7);
        // Longer than the block: hashed first, every byte counts.
        assert_eq!(HmacSecret::new([1; 65]).effective_len(Algorithm::HS256), 65);
        assert_eq!(HmacSecret::new([0; 65]).effective_len(Algorithm::HS256), 0);
        let mut inner_zeros = vec![0; 40];
        inner_zeros[0] = 1;
        inner_zeros[39] = 1;
        assert_eq!(HmacSecret::new(inner_zeros).effective_len(Algorithm::HS256), 40);
    }

    #[test]
    fn zero_padded_secret_is_the_short_one_under_hmac() {
        let mut padded = b"hunter2".to_vec();
        padded.resize(64, 0);
        let short = HmacKeys::new(b"hunter2").sign(Algorithm::HS256, b"m").unwrap();
        let long = HmacKeys::new(&padded).sign(Algorithm::HS256, b"m").unwrap();
        assert_eq!(short, long, "the premise of effective_len");
        assert!(HmacSecret::new(padded).check_strength(Algorithm::HS256).is_err());
    }
}

//! Keys: HMAC secrets judged by their effective strength, and verification
//! keys bound to an algorithm family when they are made.

use std::fmt;

use hmac::{Hmac, Mac};
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

/// A verification key, bound to its algorithm family when it is made: an
/// HMAC secret can never verify a token labelled with an RSA algorithm, nor
/// the reverse, whatever the token's header says.
#[derive(Clone)]
pub struct Key {
    material: Material,
    kid: Option<String>,
}

#[derive(Clone)]
enum Material {
    Hmac { secret: HmacSecret, keyed: Box<HmacKeys> },
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
        match self.material {
            Material::Hmac { .. } => Family::Hmac,
        }
    }

    /// Checks that this key may serve `algorithm`.
    pub(crate) fn check(&self, algorithm: Algorithm) -> Result<(), ConfigError> {
        match &self.material {
            Material::Hmac { secret, .. } => secret
                .check_strength(algorithm)
                .map_err(|(len, min)| ConfigError::WeakSecret { len, algorithm, min }),
        }
    }

    /// Whether `signature` is `algorithm`'s signature of `message` under
    /// this key. The caller has checked that the family matches.
    pub(crate) fn verify(&self, algorithm: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        match &self.material {
            Material::Hmac { keyed, .. } => keyed.verify(algorithm, message, signature),
        }
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

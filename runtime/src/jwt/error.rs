//! Why a token is refused, why one cannot be signed, and why a verifier
//! cannot be built. Descriptions are fixed texts: they never contain the
//! token, a key or anything else the request sent.

use super::Algorithm;

/// Why a token was refused.
///
/// [`description`](Self::description) is the text clients read in the error
/// envelope; [`kind`](Self::kind) is Flama's exception class.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwtError {
    /// Longer than the verifier's size limit; not decoded.
    TooLarge,
    /// Not a JWS in compact serialization.
    Malformed(Malformed),
    /// A JSON object of the header or payload names a member twice.
    DuplicateMember,
    /// `alg` names an algorithm no configured key may verify (or `none`).
    AlgorithmNotAllowed,
    /// The header has a `crit` parameter (no extension is understood).
    UnknownCritical,
    /// The header's `typ` is not the one the verifier requires.
    WrongType,
    /// The signature does not verify with any candidate key.
    BadSignature,
    /// The token names a `kid` no configured key has.
    UnknownKey,
    /// `exp` has passed (beyond the leeway).
    Expired,
    /// `nbf` has not come yet (beyond the leeway).
    NotYetValid,
    /// `iat` is in the future (beyond the leeway).
    IssuedInFuture,
    /// `exp`, `nbf` or `iat` is not a finite number.
    InvalidTimeClaim,
    /// `iss` is missing or not an accepted issuer.
    WrongIssuer,
    /// `aud` names none of the accepted audiences.
    WrongAudience,
    /// The token has an `aud` but the verifier accepts none.
    UnexpectedAudience,
    /// The verifier accepts audiences but the token has no `aud`.
    MissingAudience,
    /// A claim the verifier requires is absent.
    MissingClaim,
    /// The token, its session or its subject was revoked (logout).
    Revoked,
}

/// How a token fails to be a compact JWS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformed {
    /// Not exactly three `.`-separated segments.
    Segments,
    /// The header segment is not base64url.
    HeaderBase64,
    /// The header is not a JSON object.
    HeaderJson,
    /// The header has no string `alg`.
    NoAlgorithm,
    /// The payload segment is not base64url.
    PayloadBase64,
    /// The payload is not a JSON object.
    PayloadJson,
    /// The signature segment is not base64url.
    SignatureBase64,
    /// The header's `kid` is not a string.
    KeyId,
}

/// `JWTDecodeException: token has expired`: Flama's class, then the text.
impl std::fmt::Display for JwtError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind().flama_name(), self.description())
    }
}

impl std::error::Error for JwtError {}

impl From<Malformed> for JwtError {
    fn from(m: Malformed) -> Self {
        JwtError::Malformed(m)
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

impl JwtError {
    /// Decode (the token itself) or validate (its claims).
    pub const fn kind(&self) -> JwtErrorKind {
        match self {
            JwtError::TooLarge
            | JwtError::Malformed(_)
            | JwtError::DuplicateMember
            | JwtError::AlgorithmNotAllowed
            | JwtError::UnknownCritical
            | JwtError::WrongType
            | JwtError::BadSignature
            | JwtError::UnknownKey => JwtErrorKind::Decode,
            JwtError::Expired
            | JwtError::NotYetValid
            | JwtError::IssuedInFuture
            | JwtError::InvalidTimeClaim
            | JwtError::WrongIssuer
            | JwtError::WrongAudience
            | JwtError::UnexpectedAudience
            | JwtError::MissingAudience
            | JwtError::MissingClaim
            | JwtError::Revoked => JwtErrorKind::Validate,
        }
    }

    /// The fixed text clients read, e.g. `"token has expired"`.
    pub const fn description(&self) -> &'static str {
        match self {
            JwtError::TooLarge => "token exceeds the maximum size",
            JwtError::Malformed(m) => m.description(),
            JwtError::DuplicateMember => "duplicate member name in JSON object",
            JwtError::AlgorithmNotAllowed => "algorithm not allowed",
            JwtError::UnknownCritical => "unsupported critical header parameter",
            JwtError::WrongType => "token type is not accepted",
            JwtError::BadSignature => "signature verification failed",
            JwtError::UnknownKey => "no key matches the token's key id",
            JwtError::Expired => "token has expired",
            JwtError::NotYetValid => "token is not valid yet",
            JwtError::IssuedInFuture => "token is issued in the future",
            JwtError::InvalidTimeClaim => "time claim is not a valid number",
            JwtError::WrongIssuer => "invalid issuer",
            JwtError::WrongAudience => "invalid audience",
            JwtError::UnexpectedAudience => "token has an audience and none is accepted",
            JwtError::MissingAudience => "token has no audience",
            JwtError::MissingClaim => "token lacks a required claim",
            JwtError::Revoked => "token has been revoked",
        }
    }

    /// A short machine name for logs, e.g. `"expired"`.
    pub const fn reason(&self) -> &'static str {
        match self {
            JwtError::TooLarge => "too_large",
            JwtError::Malformed(_) => "malformed",
            JwtError::DuplicateMember => "duplicate_member",
            JwtError::AlgorithmNotAllowed => "algorithm_not_allowed",
            JwtError::UnknownCritical => "unknown_critical",
            JwtError::WrongType => "wrong_type",
            JwtError::BadSignature => "bad_signature",
            JwtError::UnknownKey => "unknown_key",
            JwtError::Expired => "expired",
            JwtError::NotYetValid => "not_yet_valid",
            JwtError::IssuedInFuture => "issued_in_future",
            JwtError::InvalidTimeClaim => "invalid_time_claim",
            JwtError::WrongIssuer => "wrong_issuer",
            JwtError::WrongAudience => "wrong_audience",
            JwtError::UnexpectedAudience => "unexpected_audience",
            JwtError::MissingAudience => "missing_audience",
            JwtError::MissingClaim => "missing_claim",
            JwtError::Revoked => "revoked",
        }
    }
}

impl Malformed {
    const fn description(self) -> &'static str {
        match self {
            Malformed::Segments => "token must have three segments",
            Malformed::HeaderBase64 => "header is not valid base64url",
            Malformed::HeaderJson => "header is not a JSON object",
            Malformed::NoAlgorithm => "header has no algorithm",
            Malformed::PayloadBase64 => "payload is not valid base64url",
            Malformed::PayloadJson => "payload is not a JSON object",
            Malformed::SignatureBase64 => "signature is not valid base64url",
            Malformed::KeyId => "key id is not a string",
        }
    }
}

/// Why a token could not be signed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The payload given to [`Jwt::new`](super::Jwt::new) is not a JSON object.
    #[error("the JWT payload must be a JSON object")]
    PayloadNotObject,
    /// The header given to [`Jwt::from_parts`](super::Jwt::from_parts) has
    /// no supported `alg`.
    #[error("the JWT header must name a supported `alg`")]
    NoAlgorithm,
    /// The key cannot sign with the token's algorithm.
    #[error("a {family:?} key cannot sign {algorithm}")]
    KeyMismatch {
        /// The token's algorithm.
        algorithm: Algorithm,
        /// The key's family.
        family: super::Family,
    },
    /// The HMAC secret is too weak for the algorithm; see
    /// [`HmacSecret::allow_weak`](super::HmacSecret::allow_weak).
    #[error(
        "the HMAC secret is effectively {len} bytes, but {algorithm} needs at least {min}; \
         see `HmacSecret::allow_weak`"
    )]
    WeakKey {
        /// The effective length of the secret.
        len: usize,
        /// The token's algorithm.
        algorithm: Algorithm,
        /// The minimum effective length.
        min: usize,
    },
    /// The crypto backend failed.
    #[error("the signature could not be computed")]
    Crypto,
}

/// A mistake in the JWT configuration, reported before serving.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The HMAC secret is effectively shorter than the hash output of an
    /// allowed algorithm (RFC 7518 §3.2). HMAC pads keys with zero bytes, so
    /// trailing zero bytes do not count.
    #[error(
        "HMAC secret is effectively {len} bytes, but {algorithm} needs at least {min} \
         (RFC 7518 §3.2; trailing zero bytes do not count, HMAC pads with them); use a \
         longer random secret or opt in with `HmacSecret::allow_weak()`"
    )]
    WeakSecret {
        /// Effective secret length in bytes.
        len: usize,
        /// The algorithm that needs a longer secret.
        algorithm: Algorithm,
        /// The minimum length for it.
        min: usize,
    },
    /// The algorithm allow-list is empty, or no key is configured.
    #[error("the JWT algorithm allow-list is empty or no key is configured")]
    NoAlgorithms,
    /// An allowed algorithm has no key that can verify it.
    #[error("algorithm {0} is allowed but no configured key can verify it")]
    AlgorithmKeyMismatch(Algorithm),
    /// A hex-encoded secret is not valid hex.
    #[error("the hex-encoded secret is not valid hex")]
    InvalidHexSecret,
    /// The header name or scheme is not a valid HTTP token.
    #[error("the token header name or scheme is not a valid HTTP token")]
    InvalidHeader,
    /// A required claim name is empty.
    #[error("a required claim name is empty")]
    EmptyClaimName,
}

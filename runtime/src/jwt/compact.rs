//! The JWS compact serialization (RFC 7515 §7.1), parsed by Warden itself.
//!
//! The reason is Flama: it writes base64url segments *with* `=` padding and
//! signs that padded text, while common JWT crates accept unpadded segments
//! only. Here each segment may be padded or not, and the signature is always
//! checked over the exact `header.payload` bytes received.
//!
//! Verification reads the header and claims in one borrowing pass
//! (`scan.rs`); the `Map`s of [`Jwt`](super::Jwt) are parsed here, only
//! when asked for.

use std::fmt;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use smallvec::SmallVec;

use super::scan::{DUPLICATE_MEMBER, Header, Text};
use super::{Algorithm, JwtError, Malformed};

/// Accepts base64url with or without `=` padding (RFC 7515 says without;
/// Flama writes with), but rejects non-canonical trailing bits.
const B64_LENIENT_PAD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A token split into its segments, nothing decoded yet.
pub(crate) struct Parts<'t> {
    /// `header.payload`, exactly as received: what the signature covers.
    pub(crate) signing_input: &'t str,
    pub(crate) header: &'t str,
    pub(crate) payload: &'t str,
    pub(crate) signature: &'t str,
}

impl<'t> Parts<'t> {
    /// Splits `token` into exactly three segments.
    pub(crate) fn split(token: &'t str) -> Result<Self, JwtError> {
        let (signing_input, signature) = token.rsplit_once('.').ok_or(Malformed::Segments)?;
        let (header, payload) = signing_input.split_once('.').ok_or(Malformed::Segments)?;
        if payload.contains('.') {
            return Err(Malformed::Segments.into());
        }
        Ok(Parts { signing_input, header, payload, signature })
    }
}

/// Appends the base64url-decoded `segment` to `out`, which the caller sized
/// with [`decoded_len`] (no reallocation).
pub(crate) fn decode_into(
    segment: &str,
    out: &mut Vec<u8>,
    not_base64: Malformed,
) -> Result<(), JwtError> {
    B64_LENIENT_PAD.decode_vec(segment, out).map_err(|_| not_base64.into())
}

/// An upper bound of the decoded length of `segment`.
pub(crate) fn decoded_len(segment: &str) -> usize {
    base64::decoded_len_estimate(segment.len())
}

/// A decoded signature: on the stack up to RSA-4096's 512 bytes.
pub(crate) type Signature = SmallVec<[u8; 520]>;

/// Decodes the signature segment. Flama pads the signature even when the
/// signed segments happen to need no padding, so padding is accepted on it
/// regardless. One token thus has two spellings (`h.p.s`, `h.p.s=`):
/// anything keyed by a token (a revocation list) must key on the decoded
/// signature or `jti`, never on the text.
pub(crate) fn decode_signature(segment: &str) -> Result<Signature, JwtError> {
    let mut signature = Signature::new();
    signature.resize(decoded_len(segment), 0);
    let len = B64_LENIENT_PAD
        .decode_slice(segment, &mut signature)
        .map_err(|_| Malformed::SignatureBase64)?;
    signature.truncate(len);
    Ok(signature)
}

/// The `kid` of a token's header, if it has a well-formed one.
pub(crate) fn token_kid(token: &str) -> Option<String> {
    let parts = Parts::split(token).ok()?;
    let mut header = Vec::with_capacity(decoded_len(parts.header));
    decode_into(parts.header, &mut header, Malformed::HeaderBase64).ok()?;
    match Header::scan(&header).ok()?.kid? {
        Text::String(kid) => Some(kid.into_owned()),
        Text::NotString => None,
    }
}

/// The header's `alg`, matched exactly (case-sensitive, RFC 7515 §4.1.1).
pub(crate) fn header_algorithm(header: &Map<String, Value>) -> Option<Algorithm> {
    header.get("alg")?.as_str()?.parse().ok()
}

/// Decoded JSON that must be one object with unique member names, as a
/// `Map`.
pub(crate) fn parse_object(
    bytes: &[u8],
    not_object: Malformed,
) -> Result<Map<String, Value>, JwtError> {
    match serde_json::from_slice::<StrictValue>(bytes) {
        Ok(StrictValue(Value::Object(map))) => Ok(map),
        Err(e) if e.to_string().starts_with(DUPLICATE_MEMBER) => Err(JwtError::DuplicateMember),
        Ok(_) | Err(_) => Err(not_object.into()),
    }
}

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

//! The JWS compact serialization (RFC 7515 §7.1), parsed by Warden itself.
//!
//! The reason is Flama: it writes base64url segments *with* `=` padding and
//! signs that padded text, while common JWT crates accept unpadded segments
//! only. Here each segment may be padded or not, and the signature is always
//! checked over the exact `header.payload` bytes received.

use std::fmt;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::{Algorithm, JwtError, Malformed};

/// Accepts base64url with or without `=` padding (RFC 7515 says without;
/// Flama writes with), but rejects non-canonical trailing bits.
const B64_LENIENT_PAD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A token split into its segments, the header decoded.
pub(crate) struct Compact<'t> {
    pub(crate) header: Map<String, Value>,
    pub(crate) algorithm: Algorithm,
    /// `header.payload`, exactly as received.
    pub(crate) signing_input: &'t str,
    pub(crate) payload_b64: &'t str,
    pub(crate) signature: Vec<u8>,
}

impl<'t> Compact<'t> {
    /// Splits `token` and decodes its header and signature; the payload is
    /// decoded only once the signature holds ([`Compact::payload`]).
    pub(crate) fn parse(token: &'t str) -> Result<Self, JwtError> {
        let (signing_input, signature) = token.rsplit_once('.').ok_or(Malformed::Segments)?;
        let (header_b64, payload_b64) = signing_input.split_once('.').ok_or(Malformed::Segments)?;
        if payload_b64.contains('.') {
            return Err(Malformed::Segments.into());
        }
        let header = decode_object(header_b64, Malformed::HeaderBase64, Malformed::HeaderJson)?;
        let algorithm = header_algorithm(&header).ok_or_else(|| match header.get("alg") {
            Some(Value::String(_)) => JwtError::AlgorithmNotAllowed,
            _ => Malformed::NoAlgorithm.into(),
        })?;
        // Flama pads the signature even when the signed segments happen to
        // need no padding, so padding is accepted on it regardless. One token
        // thus has two spellings (`h.p.s`, `h.p.s=`): anything keyed by a
        // token (a revocation list) must key on the decoded signature or
        // `jti`, never on the text.
        let signature =
            B64_LENIENT_PAD.decode(signature).map_err(|_| Malformed::SignatureBase64)?;
        Ok(Compact { header, algorithm, signing_input, payload_b64, signature })
    }

    /// The decoded claims.
    pub(crate) fn payload(&self) -> Result<Map<String, Value>, JwtError> {
        decode_object(self.payload_b64, Malformed::PayloadBase64, Malformed::PayloadJson)
    }
}

/// The header's `alg`, matched exactly (case-sensitive, RFC 7515 §4.1.1).
pub(crate) fn header_algorithm(header: &Map<String, Value>) -> Option<Algorithm> {
    header.get("alg")?.as_str()?.parse().ok()
}

fn decode_object(
    segment: &str,
    not_base64: Malformed,
    not_object: Malformed,
) -> Result<Map<String, Value>, JwtError> {
    let bytes = B64_LENIENT_PAD.decode(segment).map_err(|_| not_base64)?;
    match serde_json::from_slice::<StrictValue>(&bytes) {
        Ok(StrictValue(Value::Object(map))) => Ok(map),
        Err(e) if e.to_string().starts_with(DUPLICATE_MEMBER) => Err(JwtError::DuplicateMember),
        Ok(_) | Err(_) => Err(not_object.into()),
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

//! The oracle: whether a token must verify, decided from the JWS/JWT rules
//! and Warden's documented behaviour, written here independently of
//! Warden's code (its own duplicate-member scan, key selection, claim
//! checks).
//!
//! Only tokens signed here can verify at all: an [`Anchor`] records what
//! was signed, by which key, for which algorithm. Any other text must be
//! refused, except the spellings of an anchor's signature that decode to
//! the same bytes (Flama compatibility: `=` padding, full or partial, is
//! accepted on the signature segment, which is not signed).

use std::collections::HashSet;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use serde_json::{Map, Value};
use warden::jwt::Algorithm;

use crate::keys::{
    AUDIENCE, ISSUER, KeySpec, LEEWAY, MAX_LEN, NOW, REQUIRED, SignerId, Signers, Subject, TYP,
};

/// base64url, `=` padding optional (RFC 7515 says none, Flama writes it),
/// non-zero trailing bits refused.
pub(crate) const B64_ANY_PAD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A token signed here.
#[derive(Clone, Debug)]
pub(crate) struct Anchor {
    /// The signing input, `header.payload`, exactly as signed.
    pub(crate) message: String,
    /// The signature, base64url without padding.
    pub(crate) sig_core: String,
    pub(crate) signer: SignerId,
    pub(crate) alg: Algorithm,
}

/// How many `=` make a base64 text of `len` characters a multiple of four.
pub(crate) fn canonical_pad(len: usize) -> usize {
    match len % 4 {
        2 => 2,
        3 => 1,
        _ => 0,
    }
}

impl Anchor {
    /// Signs `message` with `signer` for `alg`; `None` when that key cannot.
    pub(crate) fn sign(
        signers: &Signers,
        signer: SignerId,
        alg: Algorithm,
        message: String,
    ) -> Option<Anchor> {
        let sig = signers.sign(signer, alg, message.as_bytes())?;
        Some(Anchor { message, sig_core: URL_SAFE_NO_PAD.encode(sig), signer, alg })
    }

    /// The token with `pad` `=` after the signature (at most the canonical
    /// number).
    pub(crate) fn token(&self, pad: usize) -> String {
        let pad = pad.min(canonical_pad(self.sig_core.len()));
        format!("{}.{}{}", self.message, self.sig_core, "=".repeat(pad))
    }

    /// Whether `token` is this token: the same signing input, byte for
    /// byte, and a signature segment that decodes to the same bytes (the
    /// same base64url text, with no, partial or canonical `=` padding).
    pub(crate) fn spells(&self, token: &str) -> bool {
        let Some((message, sig)) = token.rsplit_once('.') else { return false };
        let core = sig.trim_end_matches('=');
        message == self.message
            && core == self.sig_core
            && sig.len() - core.len() <= canonical_pad(core.len())
    }
}

/// What a verifier must answer.
#[derive(Debug)]
pub(crate) enum Expect {
    /// Verified, with exactly this header, payload and algorithm.
    Accept { header: Map<String, Value>, payload: Map<String, Value>, alg: Algorithm },
    /// Any error.
    Refuse,
}

/// What `subject` must answer for `token`, a spelling of `anchor`.
pub(crate) fn expect(token: &str, anchor: &Anchor, subject: &Subject) -> Expect {
    accepts(token, anchor, subject)
        .map_or(Expect::Refuse, |(header, payload, alg)| Expect::Accept { header, payload, alg })
}

type Decoded = (Map<String, Value>, Map<String, Value>, Algorithm);

fn accepts(token: &str, anchor: &Anchor, subject: &Subject) -> Option<Decoded> {
    if token.len() > MAX_LEN || !anchor.spells(token) {
        return None;
    }
    let (header_b64, payload_b64) = anchor.message.split_once('.')?;
    if payload_b64.contains('.') {
        return None;
    }
    let header = object(header_b64)?;
    // `alg`: a string naming a supported algorithm exactly (RFC 7515 §4.1.1).
    let alg: Algorithm = header.get("alg")?.as_str()?.parse().ok()?;
    // No JWS extension is implemented, so any `crit` is not understood
    // (RFC 7515 §4.1.11).
    if header.contains_key("crit") {
        return None;
    }
    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(kid)) => Some(kid.as_str()),
        Some(_) => return None,
    };
    if !subject.allowed.contains(&alg) || !subject.keys.iter().any(|k| k.family == alg.family()) {
        return None;
    }
    if subject.strict && !header.get("typ").and_then(Value::as_str).is_some_and(same_typ) {
        return None;
    }
    // The signature holds only under the key that made it, for the
    // algorithm it was made for; that key must be one the verifier tries.
    let tried = candidates(&subject.keys, kid, alg);
    if anchor.alg != alg || !tried.iter().any(|k| k.signer == anchor.signer) {
        return None;
    }
    let payload = object(payload_b64)?;
    claims_ok(&payload, subject).then_some((header, payload, alg))
}

/// A segment that decodes to a JSON object naming no member twice.
fn object(segment: &str) -> Option<Map<String, Value>> {
    let bytes = B64_ANY_PAD.decode(segment).ok()?;
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&bytes) else { return None };
    (!has_duplicate(&bytes)?).then_some(map)
}

/// Warden's documented key selection: with a `kid`, the usable keys
/// carrying it, else the usable keys without one; without a `kid`, the
/// usable keys without one, else the only usable key. At most four.
fn candidates<'k>(keys: &'k [KeySpec], kid: Option<&str>, alg: Algorithm) -> Vec<&'k KeySpec> {
    let usable: Vec<&KeySpec> = keys.iter().filter(|k| k.serves.contains(&alg)).collect();
    let mut found: Vec<&KeySpec> = match kid {
        Some(kid) => usable.iter().copied().filter(|k| k.kid == Some(kid)).collect(),
        None => Vec::new(),
    };
    if found.is_empty() {
        found = usable.iter().copied().filter(|k| k.kid.is_none()).collect();
    }
    if found.is_empty() && kid.is_none() && usable.len() == 1 {
        found = usable;
    }
    found.truncate(4);
    found
}

/// `typ` compared as a media type: case-insensitive, `application/`
/// optional (RFC 7515 §4.1.9).
fn same_typ(typ: &str) -> bool {
    let lower = typ.to_ascii_lowercase();
    lower.strip_prefix("application/").unwrap_or(&lower) == TYP
}

fn claims_ok(claims: &Map<String, Value>, subject: &Subject) -> bool {
    let now = NOW as f64;
    let date = |name| match claims.get(name) {
        None => Some(None),
        Some(Value::Number(n)) => n.as_f64().map(Some),
        Some(_) => None,
    };
    let (Some(exp), Some(nbf), Some(iat)) = (date("exp"), date("nbf"), date("iat")) else {
        return false;
    };
    if exp.is_some_and(|exp| now >= exp + LEEWAY)
        || nbf.is_some_and(|nbf| now + LEEWAY < nbf)
        || iat.is_some_and(|iat| iat > now + LEEWAY)
    {
        return false;
    }
    if !subject.strict {
        // Without accepted audiences, a token meant for someone is refused.
        return !claims.contains_key("aud");
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(aud)) => aud == AUDIENCE,
        Some(Value::Array(list)) => {
            list.iter().all(Value::is_string) && list.iter().any(|a| a == AUDIENCE)
        }
        _ => false,
    };
    audience_ok
        && claims.get("iss").and_then(Value::as_str) == Some(ISSUER)
        && REQUIRED.iter().all(|name| claims.contains_key(*name))
}

/// Whether some object in `json` names a member twice, names compared after
/// unescaping (`"sub"` and `"\u0073ub"` are one name). `json` must be text
/// serde_json accepted; `None` if it is not.
pub(crate) fn has_duplicate(json: &[u8]) -> Option<bool> {
    let mut scan = Scan { s: json, i: 0 };
    scan.value()
}

struct Scan<'a> {
    s: &'a [u8],
    i: usize,
}

impl Scan<'_> {
    fn peek(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
        self.s.get(self.i).copied()
    }

    fn value(&mut self) -> Option<bool> {
        match self.peek()? {
            b'{' => {
                self.i += 1;
                let mut names = HashSet::new();
                let mut duplicate = false;
                loop {
                    match self.peek()? {
                        b'}' => break,
                        b',' => self.i += 1,
                        _ => {
                            self.peek()?;
                            duplicate |= !names.insert(self.string()?);
                            if self.peek()? != b':' {
                                return None;
                            }
                            self.i += 1;
                            duplicate |= self.value()?;
                        }
                    }
                }
                self.i += 1;
                Some(duplicate)
            }
            b'[' => {
                self.i += 1;
                let mut duplicate = false;
                loop {
                    match self.peek()? {
                        b']' => break,
                        b',' => self.i += 1,
                        _ => duplicate |= self.value()?,
                    }
                }
                self.i += 1;
                Some(duplicate)
            }
            b'"' => self.string().map(|_| false),
            _ => {
                let start = self.i;
                while let Some(b) = self.s.get(self.i) {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.i += 1;
                }
                (self.i > start).then_some(false)
            }
        }
    }

    /// A string's UTF-16 code units, escapes resolved.
    fn string(&mut self) -> Option<Vec<u16>> {
        if self.s.get(self.i) != Some(&b'"') {
            return None;
        }
        self.i += 1;
        let mut units = Vec::new();
        loop {
            match *self.s.get(self.i)? {
                b'"' => {
                    self.i += 1;
                    return Some(units);
                }
                b'\\' => {
                    let escape = *self.s.get(self.i + 1)?;
                    self.i += 2;
                    units.push(match escape {
                        b'u' => {
                            let hex = std::str::from_utf8(self.s.get(self.i..self.i + 4)?).ok()?;
                            self.i += 4;
                            u16::from_str_radix(hex, 16).ok()?
                        }
                        b'b' => 0x08,
                        b'f' => 0x0c,
                        b'n' => 0x0a,
                        b'r' => 0x0d,
                        b't' => 0x09,
                        other => u16::from(other),
                    });
                }
                first => {
                    let width = match first {
                        0x00..=0x7f => 1,
                        0xc0..=0xdf => 2,
                        0xe0..=0xef => 3,
                        _ => 4,
                    };
                    let text = std::str::from_utf8(self.s.get(self.i..self.i + width)?).ok()?;
                    units.extend(text.encode_utf16());
                    self.i += width;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_found_after_unescaping_at_any_depth() {
        let cases: [(&str, bool); 8] = [
            (r#"{"a":1,"b":2}"#, false),
            (r#"{"a":1,"a":2}"#, true),
            (r#"{"sub":1,"\u0073ub":2}"#, true),
            (r#"{"é":1,"\u00e9":2}"#, true),
            (r#"{"x":[{"a":1},{"a":1}]}"#, false),
            (r#"{"x":[{"a":1,"b":{"c":[],"c":{}}}]}"#, true),
            (r#" { "a" : "\"a" , "\"a" : 1 } "#, false),
            (r#"{"😀":1,"\ud83d\ude00":2}"#, true),
        ];
        for (json, duplicate) in cases {
            assert!(serde_json::from_str::<Value>(json).is_ok(), "{json}");
            assert_eq!(has_duplicate(json.as_bytes()), Some(duplicate), "{json}");
        }
    }

    #[test]
    fn spellings_of_a_signature_differ_only_in_padding() {
        let anchor = Anchor {
            message: "h.p".into(),
            sig_core: "abcdef".into(),
            signer: SignerId::Hmac,
            alg: Algorithm::HS256,
        };
        for ok in ["h.p.abcdef", "h.p.abcdef=", "h.p.abcdef=="] {
            assert!(anchor.spells(ok), "{ok}");
        }
        for bad in ["h.p.abcdef===", "h.p.abcdeF", "h.p=.abcdef", "h.p.abcde", "x.h.p.abcdef"] {
            assert!(!anchor.spells(bad), "{bad}");
        }
    }
}

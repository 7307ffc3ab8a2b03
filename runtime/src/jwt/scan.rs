//! One strict, borrowing pass over a decoded JOSE header or claims set: the
//! JSON must be one object whose member names are unique at every depth,
//! and the members verification needs are read on the way, without building
//! a `serde_json::Map` (which costs an allocation per name, string and
//! nested value). The `Map` a handler reads is built later, only if asked
//! for ([`Jwt::payload`](super::Jwt::payload)).
//!
//! The set of documents accepted is exactly the one the `Map` parser
//! ([`parse_object`](super::compact::parse_object)) accepts: both run
//! `serde_json` over the same bytes and refuse the same duplicates.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use smallvec::SmallVec;

use super::paths::{Collector, Paths, Spans};
use super::{JwtError, Malformed};

/// The message a duplicate member name fails the parse with.
pub(crate) const DUPLICATE_MEMBER: &str = "duplicate member";

/// Member names seen in one object so far. Names compare unescaped
/// (`"a"` and `"\u0061"` are duplicates), as `serde_json::Map` keys do.
///
/// A list up to [`SEEN_LINEAR`] names (every token in practice), a hash set
/// beyond: the header is read before its signature is checked, and a
/// quadratic scan of an object of thousands of names would let anyone cost
/// the server milliseconds per request.
#[derive(Default)]
pub(crate) struct Seen<'de> {
    names: SmallVec<[Cow<'de, str>; 12]>,
    many: Option<std::collections::HashSet<Cow<'de, str>>>,
}

/// Names compared one by one before [`Seen`] switches to a hash set.
const SEEN_LINEAR: usize = 32;

/// The error of a duplicate member name.
pub(crate) fn duplicate<E: de::Error>() -> E {
    E::custom(DUPLICATE_MEMBER)
}

impl<'de> Seen<'de> {
    /// `false` when `name` was seen before.
    pub(crate) fn insert(&mut self, name: Cow<'de, str>) -> bool {
        if let Some(many) = &mut self.many {
            return many.insert(name);
        }
        if self.names.contains(&name) {
            return false;
        }
        if self.names.len() == SEEN_LINEAR {
            let mut many: std::collections::HashSet<_> = self.names.drain(..).collect();
            many.insert(name);
            self.many = Some(many);
        } else {
            self.names.push(name);
        }
        true
    }

    /// Whether `name` was seen.
    pub(crate) fn contains(&self, name: &str) -> bool {
        match &self.many {
            Some(many) => many.contains(name),
            None => self.names.iter().any(|n| n == name),
        }
    }
}

/// A member name, borrowed from the input unless written with escapes.
/// (serde's own `Cow<str>` always copies.)
pub(crate) struct NameSeed;

impl<'de> DeserializeSeed<'de> for NameSeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Cow<'de, str>, D::Error> {
        deserializer.deserialize_str(NameSeed)
    }
}

impl<'de> Visitor<'de> for NameSeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
}

/// Any JSON value, checked for duplicate member names at every depth and
/// otherwise skipped.
pub(crate) struct Strict;

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(StrictVisitor)
    }
}

pub(crate) struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Strict)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = Seen::default();
        while let Some(name) = map.next_key_seed(NameSeed)? {
            if !seen.insert(name) {
                return Err(de::Error::custom(DUPLICATE_MEMBER));
            }
            map.next_value_seed(Strict)?;
        }
        Ok(())
    }
}

/// A value read where a string is expected: the string, or `NotString`
/// (the value still checked strictly).
pub(crate) enum Text<'de> {
    String(Cow<'de, str>),
    NotString,
}

impl<'de> DeserializeSeed<'de> for TextSeed {
    type Value = Text<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Text<'de>, D::Error> {
        deserializer.deserialize_any(TextVisitor)
    }
}

pub(crate) struct TextSeed;

struct TextVisitor;

/// The non-string cases of a `Text` or `Number` read: checked strictly,
/// then reported as "not what was expected".
macro_rules! other_values {
    ($other:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($other)
        }

        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($other)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            StrictVisitor.visit_seq(seq).map(|()| $other)
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            StrictVisitor.visit_map(map).map(|()| $other)
        }
    };
}

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
        Ok(Text::String(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
        Ok(Text::String(Cow::Owned(v.to_owned())))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Text<'de>, E> {
        Ok(Text::NotString)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Text<'de>, E> {
        Ok(Text::NotString)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Text<'de>, E> {
        Ok(Text::NotString)
    }

    other_values!(Text::NotString);
}

/// A value read where a NumericDate is expected: the number, or `None`.
struct NumberSeed;

impl<'de> DeserializeSeed<'de> for NumberSeed {
    type Value = Option<f64>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<f64>, D::Error> {
        deserializer.deserialize_any(NumberVisitor)
    }
}

struct NumberVisitor;

impl<'de> Visitor<'de> for NumberVisitor {
    type Value = Option<f64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    // As `serde_json::Number::as_f64`: the nearest double.
    #[allow(clippy::cast_precision_loss)]
    fn visit_i64<E>(self, v: i64) -> Result<Option<f64>, E> {
        Ok(Some(v as f64))
    }

    #[allow(clippy::cast_precision_loss)]
    fn visit_u64<E>(self, v: u64) -> Result<Option<f64>, E> {
        Ok(Some(v as f64))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Option<f64>, E> {
        Ok(Some(v))
    }

    fn visit_str<E>(self, _: &str) -> Result<Option<f64>, E> {
        Ok(None)
    }

    other_values!(None);
}

/// `aud`: a string, or an array of strings, matched against the accepted
/// audiences on the way.
struct AudienceSeed<'r>(&'r [String]);

/// What an `aud` value says.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Audience {
    /// One of the accepted audiences is named.
    Accepted,
    /// A well-formed audience naming none of them.
    Other,
    /// Neither a string nor an array of strings.
    Malformed,
}

impl<'de> DeserializeSeed<'de> for AudienceSeed<'_> {
    type Value = Audience;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Audience, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for AudienceSeed<'_> {
    type Value = Audience;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E>(self, v: &str) -> Result<Audience, E> {
        Ok(if self.0.iter().any(|a| a == v) { Audience::Accepted } else { Audience::Other })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Audience, A::Error> {
        let mut answer = Audience::Other;
        while let Some(item) = seq.next_element_seed(TextSeed)? {
            match item {
                Text::String(a) if self.0.iter().any(|x| *x == a) => {
                    if answer == Audience::Other {
                        answer = Audience::Accepted;
                    }
                }
                Text::String(_) => {}
                Text::NotString => answer = Audience::Malformed,
            }
        }
        Ok(answer)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Audience, E> {
        Ok(Audience::Malformed)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Audience, E> {
        Ok(Audience::Malformed)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Audience, E> {
        Ok(Audience::Malformed)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Audience, E> {
        Ok(Audience::Malformed)
    }

    fn visit_unit<E>(self) -> Result<Audience, E> {
        Ok(Audience::Malformed)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Audience, A::Error> {
        StrictVisitor.visit_map(map).map(|()| Audience::Malformed)
    }
}

/// Runs `visitor` over `bytes`, which must hold one JSON object and nothing
/// else; a duplicate name is [`JwtError::DuplicateMember`], anything else
/// wrong is `not_object`.
fn scan<'de, V: Visitor<'de>>(
    bytes: &'de [u8],
    visitor: V,
    not_object: Malformed,
) -> Result<V::Value, JwtError> {
    let value = match std::str::from_utf8(bytes) {
        // UTF-8 throughout (every token in practice): checked once here, so
        // serde_json does not check each string again.
        Ok(text) => read_object(serde_json::Deserializer::from_str(text), visitor),
        // Not UTF-8: serde_json says where, and refuses it as it would.
        Err(_) => read_object(serde_json::Deserializer::from_slice(bytes), visitor),
    };
    value.map_err(|e| classify(bytes, &e, not_object))
}

/// A parse error as a token error: the one the `Map` parser gives for the
/// same bytes. This pass stops at a top level that is not an object
/// without reading it, where the `Map` parser reads it through (and may
/// find a duplicate name inside first); on the error path, reading the
/// bytes again keeps the answers identical.
fn classify(bytes: &[u8], e: &serde_json::Error, not_object: Malformed) -> JwtError {
    match super::compact::parse_object(bytes, not_object) {
        Err(error) => error,
        Ok(_) if e.to_string().starts_with(DUPLICATE_MEMBER) => JwtError::DuplicateMember,
        Ok(_) => not_object.into(),
    }
}

/// One JSON object and nothing after it.
pub(crate) fn read_object<'de, R: serde_json::de::Read<'de>, V: Visitor<'de>>(
    mut deserializer: serde_json::Deserializer<R>,
    visitor: V,
) -> Result<V::Value, serde_json::Error> {
    let value = deserializer.deserialize_map(visitor)?;
    deserializer.end()?;
    Ok(value)
}

/// The JOSE header members verification reads.
#[derive(Default)]
pub(crate) struct Header<'de> {
    /// `alg`: `None` when absent, `Some(NotString)` when not a string.
    pub(crate) alg: Option<Text<'de>>,
    pub(crate) typ: Option<Text<'de>>,
    pub(crate) kid: Option<Text<'de>>,
    pub(crate) crit: bool,
}

impl<'de> Header<'de> {
    /// Reads a decoded header.
    pub(crate) fn scan(bytes: &'de [u8]) -> Result<Self, JwtError> {
        scan(bytes, HeaderVisitor, Malformed::HeaderJson)
    }

    /// `typ`, when it is a string.
    pub(crate) fn typ(&self) -> Option<&str> {
        match &self.typ {
            Some(Text::String(t)) => Some(t),
            _ => None,
        }
    }
}

struct HeaderVisitor;

impl<'de> Visitor<'de> for HeaderVisitor {
    type Value = Header<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JOSE header object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Header<'de>, A::Error> {
        let mut header = Header::default();
        let mut seen = Seen::default();
        while let Some(name) = map.next_key_seed(NameSeed)? {
            let slot = match &*name {
                "alg" => Some(&mut header.alg),
                "typ" => Some(&mut header.typ),
                "kid" => Some(&mut header.kid),
                _ => None,
            };
            match slot {
                Some(slot) => *slot = Some(map.next_value_seed(TextSeed)?),
                None => {
                    header.crit |= name == "crit";
                    map.next_value_seed(Strict)?;
                }
            }
            if !seen.insert(name) {
                return Err(de::Error::custom(DUPLICATE_MEMBER));
            }
        }
        Ok(header)
    }
}

/// The time claims, kept with a verified token so that a cache hit checks
/// them again without parsing anything. A claim present but not a finite
/// number is `Some(NaN)`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Times {
    pub(crate) exp: Option<f64>,
    pub(crate) nbf: Option<f64>,
    pub(crate) iat: Option<f64>,
}

/// What the claim rules need from a claims set.
pub(crate) struct ClaimRules<'r> {
    pub(crate) required: &'r [String],
    pub(crate) issuers: Option<&'r [String]>,
    pub(crate) audiences: Option<&'r [String]>,
}

/// The registered claims of a claims set, read in one strict pass.
pub(crate) struct Registered {
    pub(crate) times: Times,
    /// Every required claim is present.
    pub(crate) has_required: bool,
    /// `iss` is a string naming an accepted issuer (`true` when no issuer
    /// is required).
    pub(crate) issuer_ok: bool,
    /// `aud`, when present.
    pub(crate) audience: Option<Audience>,
}

impl Registered {
    /// Reads a decoded claims set.
    #[cfg(test)]
    pub(crate) fn scan(bytes: &[u8], rules: &ClaimRules<'_>) -> Result<Self, JwtError> {
        Self::scan_with(bytes, rules, None).map(|(registered, _)| registered)
    }

    /// Reads a decoded claims set, and where the strings on `paths` are.
    pub(crate) fn scan_with(
        bytes: &[u8],
        rules: &ClaimRules<'_>,
        paths: Option<&Paths>,
    ) -> Result<(Self, Option<Spans>), JwtError> {
        let Ok(text) = std::str::from_utf8(bytes) else {
            return scan(bytes, ClaimsVisitor(rules, None), Malformed::PayloadJson)
                .map(|registered| (registered, None));
        };
        let collector = paths.map(|paths| Collector::new(paths, text));
        let registered = read_object(
            serde_json::Deserializer::from_str(text),
            ClaimsVisitor(rules, collector.as_ref()),
        )
        .map_err(|e| classify(bytes, &e, Malformed::PayloadJson))?;
        Ok((registered, collector.and_then(Collector::finish)))
    }
}

struct ClaimsVisitor<'r, 'a, 'c>(&'r ClaimRules<'a>, Option<&'c Collector<'c>>);

impl<'de> Visitor<'de> for ClaimsVisitor<'_, '_, '_> {
    type Value = Registered;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JWT claims set object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Registered, A::Error> {
        let rules = self.0;
        let mut times = Times::default();
        let mut issuer_ok = rules.issuers.is_none();
        let mut audience = None;
        let mut seen = Seen::default();
        while let Some(name) = map.next_key_seed(NameSeed)? {
            match &*name {
                "exp" | "nbf" | "iat" => {
                    let value = map
                        .next_value_seed(NumberSeed)?
                        .filter(|v| v.is_finite())
                        .unwrap_or(f64::NAN);
                    let slot = match &*name {
                        "exp" => &mut times.exp,
                        "nbf" => &mut times.nbf,
                        _ => &mut times.iat,
                    };
                    *slot = Some(value);
                }
                "iss" => {
                    let iss = map.next_value_seed(TextSeed)?;
                    if let (Some(issuers), Text::String(iss)) = (rules.issuers, iss) {
                        issuer_ok = issuers.iter().any(|i| *i == iss);
                    }
                }
                "aud" => {
                    audience = Some(
                        map.next_value_seed(AudienceSeed(rules.audiences.unwrap_or_default()))?,
                    );
                }
                _ => match self.1.and_then(|c| c.member(&name)) {
                    Some(walk) => map.next_value_seed(walk)?,
                    None => map.next_value_seed(Strict)?,
                },
            }
            if !seen.insert(name) {
                return Err(duplicate());
            }
        }
        let has_required = rules.required.iter().all(|r| seen.contains(r));
        Ok(Registered { times, has_required, issuer_ok, audience })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::compact::parse_object;

    /// Documents on the edge of what is accepted: the borrowing pass and
    /// the `Map` parser must agree on every one, error for error.
    const DOCUMENTS: &[&str] = &[
        "{}",
        r#"{"a":1}"#,
        r#"{"a":1,"a":2}"#,
        r#"{"a":1,"\u0061":2}"#,
        r#"{"a":{"b":1,"b":1}}"#,
        r#"{"a":[{"b":1},{"b":1,"b":2}]}"#,
        r#"{"a":[[[{"c":{"d":1,"d":1}}]]]}"#,
        r#"{"a":1} "#,
        r#"{"a":1}x"#,
        r#"{"a":1}{"b":2}"#,
        "[1,2]",
        r#""text""#,
        r#"{"a":1e400}"#,
        r#"{"a":-0.0,"b":18446744073709551616}"#,
        r#"{"exp":"1","nbf":null,"iat":[1]}"#,
        r#"{"aud":["x",1],"iss":{"a":1,"a":2}}"#,
        r#"{"a":"\ud800"}"#,
        "{\"a\":\"\u{e9}\"}",
        r#"{"a":"\uD83D\uDE00","b":"\n"}"#,
        "{\"a\":\"\u{7f}\"}",
        r#"{"a":1,}"#,
        r#"[{"a":1,"a":2}]"#,
        r#"[{"a":1},"#,
        r#"{"crit":["exp"],"alg":"HS256","alg2":{"alg":1}}"#,
        "",
    ];

    #[test]
    fn the_borrowing_pass_accepts_what_the_map_parser_accepts() {
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(200), "]".repeat(200));
        let rules = ClaimRules { required: &[], issuers: None, audiences: None };
        for doc in DOCUMENTS.iter().copied().chain([deep.as_str()]) {
            let by_map = parse_object(doc.as_bytes(), Malformed::PayloadJson).map(|_| ());
            let by_scan = Registered::scan(doc.as_bytes(), &rules).map(|_| ());
            assert_eq!(by_scan, by_map, "claims {doc}");
            let by_map = parse_object(doc.as_bytes(), Malformed::HeaderJson).map(|_| ());
            let by_scan = Header::scan(doc.as_bytes()).map(|_| ());
            assert_eq!(by_scan, by_map, "header {doc}");
        }
        // Not UTF-8, inside and outside a string, after a duplicate.
        let bytes: [&[u8]; 3] =
            [b"{\"a\":\"\xff\"}", b"{\"a\":1,\xc3}", b"{\"a\":1,\"a\":\"\xff\"}"];
        for doc in bytes {
            let by_map = parse_object(doc, Malformed::PayloadJson).map(|_| ());
            let by_scan = Registered::scan(doc, &rules).map(|_| ());
            assert_eq!(by_scan, by_map, "claims {doc:?}");
        }
    }

    #[test]
    fn duplicates_are_found_among_thousands_of_names_past_the_short_list() {
        let names: Vec<String> = (0..5000).map(|i| format!("\"n{i}\":0")).collect();
        let unique = format!("{{{}}}", names.join(","));
        assert!(Header::scan(unique.as_bytes()).is_ok());
        let twice = format!("{{{},\"n4321\":1}}", names.join(","));
        assert_eq!(Header::scan(twice.as_bytes()).err(), Some(JwtError::DuplicateMember));
        let early = format!("{{{},\"n7\":1}}", names[..20].join(","));
        assert_eq!(Header::scan(early.as_bytes()).err(), Some(JwtError::DuplicateMember));
    }

    #[test]
    fn registered_claims_are_read_as_the_rules_need() {
        let (issuers, audiences) = (vec!["me".to_owned()], vec!["api".to_owned()]);
        let required = vec!["exp".to_owned(), "sub".to_owned()];
        let rules = ClaimRules {
            required: &required,
            issuers: Some(&issuers),
            audiences: Some(&audiences),
        };
        let read = |doc: &str| Registered::scan(doc.as_bytes(), &rules).expect("an object");
        let claims = read(r#"{"exp":5,"nbf":1.5,"sub":"a","iss":"me","aud":["x","api"]}"#);
        assert!(claims.has_required && claims.issuer_ok);
        assert_eq!(claims.times, Times { exp: Some(5.0), nbf: Some(1.5), iat: None });
        assert!(claims.audience == Some(Audience::Accepted));
        let claims = read(r#"{"exp":"5","iss":"you","aud":["api",3]}"#);
        assert!(!claims.has_required && !claims.issuer_ok);
        assert!(claims.times.exp.is_some_and(f64::is_nan));
        assert!(claims.audience == Some(Audience::Malformed));
        let claims = read(r#"{"iss":["me"],"aud":"other","sub":1,"exp":1}"#);
        assert!(claims.has_required && !claims.issuer_ok);
        assert!(claims.audience == Some(Audience::Other));
    }
}

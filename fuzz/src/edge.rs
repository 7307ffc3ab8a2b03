//! Header and payload JSON written byte by byte, so that what serializers
//! never produce can be signed: duplicate members (also spelled with
//! escapes), deep nesting, huge and out-of-range numbers, non-string
//! `alg`/`kid`, `crit`, unicode, NUL, lone surrogates, invalid UTF-8, odd
//! whitespace, trailing bytes, non-object tops; then base64url with or
//! without padding.
//!
//! Each token has at most one deliberate [`Flaw`]; everything else is
//! valid, if unusual (escaped names, huge but finite numbers, NUL escapes,
//! nesting below the parser's limit), so that a good share of tokens pass
//! the parser and reach the claim checks. Whether a token must verify is
//! still the oracle's call, not the generator's.

use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use warden::jwt::Algorithm;

use crate::keys::{AUDIENCE, ISSUER, NOW, SignerId, Subject, TYP};
use crate::rng::Rng;

/// The one thing made wrong in a generated token, if any.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flaw {
    None,
    /// `alg` missing, not a string, or not an exact algorithm name.
    Alg,
    /// `kid` not a string, or naming no key.
    Kid,
    Crit,
    /// Not JSON, or not one object: stray bytes, bad whitespace, another
    /// top-level value, a member twice.
    HeaderSyntax,
    /// A member whose value is not JSON (lone surrogate, raw control
    /// character, invalid UTF-8, `1e400`, nesting past the limit).
    HeaderValue,
    PayloadSyntax,
    PayloadValue,
    /// Time claims, audience, issuer, a required claim.
    Claims,
}

impl Flaw {
    pub(crate) fn pick(rng: &mut Rng) -> Flaw {
        match rng.below(20) {
            0..8 => Flaw::None,
            8 => Flaw::Alg,
            9 => Flaw::Kid,
            10 => Flaw::Crit,
            11 | 12 => Flaw::HeaderSyntax,
            13 => Flaw::HeaderValue,
            14 | 15 => Flaw::PayloadSyntax,
            16 => Flaw::PayloadValue,
            _ => Flaw::Claims,
        }
    }
}

/// base64url of `bytes`: unpadded (mostly), canonically padded, or with
/// one `=` where two belong.
pub(crate) fn encode(rng: &mut Rng, bytes: &[u8]) -> String {
    match rng.below(10) {
        0..=5 => URL_SAFE_NO_PAD.encode(bytes),
        6..=8 => URL_SAFE.encode(bytes),
        _ => {
            let mut text = URL_SAFE.encode(bytes);
            if text.ends_with("==") {
                text.pop();
            }
            text
        }
    }
}

/// A JSON string literal for `name`, sometimes with a letter written as a
/// `\u` escape (the same name to a JSON parser).
fn name(rng: &mut Rng, name: &str) -> Vec<u8> {
    let mut out = vec![b'"'];
    let escape_at = if rng.chance(15) { rng.below(name.len().max(1)) } else { usize::MAX };
    for (i, c) in name.char_indices() {
        if i == escape_at && c.is_ascii_alphanumeric() {
            out.extend(format!("\\u{:04x}", c as u32).bytes());
        } else if c == '\0' {
            out.extend(b"\\u0000");
        } else {
            let mut buf = [0; 4];
            out.extend(c.encode_utf8(&mut buf).bytes());
        }
    }
    out.push(b'"');
    out
}

fn string(text: &str) -> Vec<u8> {
    serde_json::to_vec(text).expect("a string serializes")
}

/// A string value; not JSON when `bad`.
fn string_value(rng: &mut Rng, bad: bool) -> Vec<u8> {
    if bad {
        return match rng.below(8) {
            0 => "\"a\u{0}b\"".as_bytes().to_vec(), // raw NUL
            1 => br#""\ud800""#.to_vec(),           // lone surrogate
            2 => b"\"\x01\"".to_vec(),              // raw control character
            3 => b"\"\xff\xfe\"".to_vec(),          // invalid UTF-8
            4 => b"\"\xc3\x28\"".to_vec(),
            5 => b"\"\xc0\xaf\"".to_vec(),     // overlong
            6 => b"\"\xed\xa0\x80\"".to_vec(), // a surrogate in UTF-8
            _ => br#""\x41""#.to_vec(),        // not a JSON escape
        };
    }
    match rng.below(9) {
        0 => b"\"\"".to_vec(),
        1 => string("ada"),
        2 => br#""\u0000""#.to_vec(),
        3 => "\"é😀\u{202e}\u{feff}\"".as_bytes().to_vec(),
        4 => br#""\ud83d\ude00""#.to_vec(),
        5 => br#""\"\\\/\b\f\n\r\t""#.to_vec(),
        6 => string(&"w".repeat(rng.range(1, 300))),
        7 => string(&"€".repeat(rng.range(1, 50))),
        _ => string("\u{0}\u{1f}\u{7f}\u{10ffff}"),
    }
}

/// A number; not a JSON number (or out of range) when `bad`.
fn number_value(rng: &mut Rng, bad: bool) -> Vec<u8> {
    if bad {
        let bad = ["1e400", "-1e400", "01", "1.", ".5", "+1", "NaN", "Infinity", "0x10", "1e"];
        return rng.one_of(&bad).as_bytes().to_vec();
    }
    const NUMBERS: [&str; 16] = [
        "0",
        "-0",
        "1.5",
        "1E2",
        "1e308",
        "-1e308",
        "1e-400",
        "123456789012345678901234567890",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "9007199254740993",
        "0.1e1",
        "5e-324",
        "-0.0",
    ];
    if rng.chance(30) {
        let n = rng.next_u64() >> rng.below(64);
        if rng.chance(50) { format!("-{n}") } else { n.to_string() }.into_bytes()
    } else {
        rng.one_of(&NUMBERS).as_bytes().to_vec()
    }
}

/// Arrays or objects nested `depth` deep (serde_json stops past 128).
fn nested(rng: &mut Rng, depth: usize) -> Vec<u8> {
    let (open, close): (&[u8], &[u8]) =
        if rng.chance(50) { (b"[", b"]") } else { (b"{\"a\":", b"}") };
    let mut out = open.repeat(depth);
    out.extend_from_slice(b"1");
    out.extend(close.repeat(depth));
    out
}

/// Any value; not JSON when `bad`.
pub(crate) fn value(rng: &mut Rng, depth: usize, bad: bool) -> Vec<u8> {
    if bad {
        return match rng.below(4) {
            0 => string_value(rng, true),
            1 => number_value(rng, true),
            2 => {
                rng.one_of(&[&b"tru"[..], b"nul", b"True", b"undefined", b"[1,]", b"{,}"]).to_vec()
            }
            _ => {
                let depth = rng.range(129, 600);
                nested(rng, depth)
            }
        };
    }
    match rng.below(if depth > 2 { 6 } else { 8 }) {
        0 | 1 => string_value(rng, false),
        2 | 3 => number_value(rng, false),
        4 => rng.one_of(&[&b"true"[..], b"false", b"null"]).to_vec(),
        5 => {
            let depth = rng.range(1, 120);
            nested(rng, depth)
        }
        6 => {
            let mut out = b"[".to_vec();
            for i in 0..rng.below(4) {
                if i > 0 {
                    out.push(b',');
                }
                out.extend(value(rng, depth + 1, false));
            }
            out.push(b']');
            out
        }
        _ => {
            let members = (0..rng.below(4))
                .map(|i| {
                    // Distinct names: a duplicate here is a flaw of its own.
                    let key = format!("{}{i}", rng.one_of(&["a", "é", "\u{0}", "😀", ""]));
                    (name(rng, &key), value(rng, depth + 1, false))
                })
                .collect();
            object(rng, members, false)
        }
    }
}

fn whitespace(rng: &mut Rng) -> &'static [u8] {
    if rng.chance(85) { b"" } else { rng.one_of(&[&b" "[..], b"\n", b"\t", b"\r\n", b"  \t"]) }
}

/// An object of `members` with odd but valid whitespace; when `flawed`,
/// not one valid object: a member twice, stray bytes around it, a byte
/// JSON does not count as whitespace, or another top-level value.
fn object(rng: &mut Rng, mut members: Vec<(Vec<u8>, Vec<u8>)>, flawed: bool) -> Vec<u8> {
    let flaw = if flawed { rng.below(5) } else { usize::MAX };
    if flaw == 0 && !members.is_empty() {
        let i = rng.below(members.len());
        let twin = if rng.chance(50) {
            members[i].clone()
        } else {
            (members[i].0.clone(), value(rng, 3, false))
        };
        let at = rng.below(members.len() + 1);
        members.insert(at, twin);
    }
    let mut out = Vec::new();
    if flaw == 1 {
        out.extend_from_slice(rng.one_of(&[&b"\xef\xbb\xbf"[..], b"\0", b"x", b","]));
    }
    out.push(b'{');
    let bad_space_at = if flaw == 2 { rng.below(members.len() + 1) } else { usize::MAX };
    for (i, (name, value)) in members.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if i == bad_space_at {
            out.extend_from_slice(rng.one_of(&[&b"\x0b"[..], b"\x0c", "\u{a0}".as_bytes(), b"\0"]));
        }
        out.extend(whitespace(rng));
        out.extend(name);
        out.extend(whitespace(rng));
        out.push(b':');
        out.extend(value);
    }
    out.extend(whitespace(rng));
    out.push(b'}');
    if flaw == 3 {
        out.extend_from_slice(rng.one_of(&[&b"}"[..], b",", b"\0", b"{}", b"x", b"\xff"]));
    } else if flawed && flaw == 4 {
        return rng.one_of(&[&b""[..], b"[]", b"\"x\"", b"1", b"null", b"[{}]", b"{"]).to_vec();
    } else if rng.chance(3) {
        out.extend_from_slice(rng.one_of(&[&b" "[..], b"\n", b"\r\n\t"]));
    }
    out
}

fn shuffled(rng: &mut Rng, mut members: Vec<(Vec<u8>, Vec<u8>)>) -> Vec<(Vec<u8>, Vec<u8>)> {
    let at = rng.below(members.len() + 1);
    let mut out = members.split_off(at);
    out.extend(members);
    out
}

/// A header naming `alg` and `kid`, unless `flaw` says otherwise.
pub(crate) fn header(
    rng: &mut Rng,
    alg: Algorithm,
    kid: Option<&str>,
    flaw: Flaw,
    strict: bool,
) -> Vec<u8> {
    let mut members = Vec::new();
    let alg_value = if flaw == Flaw::Alg {
        match rng.below(9) {
            0 => None,
            1 => Some(number_value(rng, false)),
            2 => Some(b"null".to_vec()),
            3 => Some(format!("[\"{alg}\"]").into_bytes()),
            4 => Some(string(&alg.as_str().to_ascii_lowercase())),
            5 => Some(string("none")),
            6 => Some(string(&format!("{alg}\u{0}"))),
            7 => Some(string(&format!("{alg} "))),
            _ => Some(string(rng.pick(&Algorithm::ALL).as_str())),
        }
    } else if rng.chance(10) {
        // The name with its first letter escaped: the same string.
        let first = alg.as_str().as_bytes()[0];
        Some(format!("\"\\u{first:04x}{}\"", &alg.as_str()[1..]).into_bytes())
    } else {
        Some(string(alg.as_str()))
    };
    if let Some(v) = alg_value {
        members.push((name(rng, "alg"), v));
    }
    if strict || rng.chance(60) {
        let typ = match rng.below(6) {
            0 if !strict => b"7".to_vec(),
            1 => string("application/AT+JWT"),
            2 if !strict => string("JWT"),
            _ => string(TYP),
        };
        members.push((name(rng, "typ"), typ));
    }
    if flaw == Flaw::Kid {
        let kid = if rng.chance(60) {
            value(rng, 2, false)
        } else {
            string(rng.one_of(&["rsa-1", "rsa-2", "p256", "p384", "ed", "", "x", "RSA-1"]))
        };
        members.push((name(rng, "kid"), kid));
    } else if let Some(kid) = kid
        && rng.chance(85)
    {
        members.push((name(rng, "kid"), string(kid)));
    }
    if flaw == Flaw::Crit {
        let crit = rng.one_of(&[&b"[\"exp\"]"[..], b"[]", b"null", b"[\"b64\"]", b"1"]).to_vec();
        members.push((name(rng, "crit"), crit));
    }
    let extras = if flaw == Flaw::HeaderValue { rng.range(1, 2) } else { rng.below(3) };
    for i in 0..extras {
        let extra = rng.one_of(&["x5u", "jku", "jwk", "cty", "b64", "zip", "é", "\u{0}", "a"]);
        let bad = flaw == Flaw::HeaderValue && i == 0;
        members.push((name(rng, extra), value(rng, 1, bad)));
    }
    let members = shuffled(rng, members);
    object(rng, members, flaw == Flaw::HeaderSyntax)
}

/// A NumericDate that passes the time checks, or (`good` false) one that
/// may not: in the past, the future, at the leeway's edges, not a number.
fn date(rng: &mut Rng, claim: &str, good: bool) -> Vec<u8> {
    let now = NOW as i64;
    let seconds = match (claim, good) {
        ("exp", true) => rng.one_of(&[now + 3600, now + 1, now - 59, now + 86_400 * 365 * 100]),
        ("exp", false) => rng.one_of(&[now - 60, now - 61, now - 3600, -1, 0]),
        (_, true) => rng.one_of(&[now, now - 3600, now + 60, 0, -5]),
        (_, false) => rng.one_of(&[now + 61, now + 3600, now + 60]),
    };
    match rng.below(if good { 10 } else { 14 }) {
        0 => format!("{seconds}.25").into_bytes(),
        1 => format!("{seconds}e0").into_bytes(),
        10 => string(&seconds.to_string()),
        11 => b"null".to_vec(),
        12 => b"[]".to_vec(),
        13 => b"1e308".to_vec(),
        _ => seconds.to_string().into_bytes(),
    }
}

/// Claims meant to pass the verifier's rules (the strict one's too),
/// unless `flaw` says otherwise.
pub(crate) fn payload(rng: &mut Rng, flaw: Flaw, strict: bool) -> Vec<u8> {
    let mut members = Vec::new();
    let claims_flaw = if flaw == Flaw::Claims { rng.below(7) } else { usize::MAX };
    let sub = if rng.chance(80) { string("ada") } else { string_value(rng, false) };
    if claims_flaw != 0 && (strict || rng.chance(85)) {
        members.push((name(rng, "sub"), sub));
    }
    if strict || rng.chance(60) || claims_flaw == 1 {
        let exp = date(rng, "exp", claims_flaw != 1);
        members.push((name(rng, "exp"), exp));
    }
    if rng.chance(20) || claims_flaw == 2 {
        let nbf = date(rng, "nbf", claims_flaw != 2);
        members.push((name(rng, "nbf"), nbf));
    }
    if rng.chance(40) || claims_flaw == 3 {
        let iat = date(rng, "iat", claims_flaw != 3);
        members.push((name(rng, "iat"), iat));
    }
    if strict || rng.chance(40) || claims_flaw == 4 {
        let iss = if claims_flaw == 4 { string_value(rng, false) } else { string(ISSUER) };
        members.push((name(rng, "iss"), iss));
    }
    // Without accepted audiences any `aud` is refused; with them, a missing
    // or non-matching one is.
    let aud_flaw = claims_flaw == 5;
    let aud_present = if aud_flaw { !strict || rng.chance(75) } else { strict };
    if aud_present {
        let aud = if aud_flaw && strict {
            let bad = [
                format!("[1,\"{AUDIENCE}\"]"),
                format!("[[\"{AUDIENCE}\"]]"),
                format!("[\"{AUDIENCE}\",null]"),
                "[]".to_owned(),
                "\"API\"".to_owned(),
                format!("\"{AUDIENCE} \""),
                "[\"x\"]".to_owned(),
                "null".to_owned(),
                "7".to_owned(),
            ];
            rng.pick(&bad).clone().into_bytes()
        } else if rng.chance(30) {
            format!("[\"x\",\"{AUDIENCE}\"]").into_bytes()
        } else {
            string(AUDIENCE)
        };
        members.push((name(rng, "aud"), aud));
    }
    if rng.chance(50) {
        let data = if rng.chance(80) {
            br#"{"permissions":["read","write"]}"#.to_vec()
        } else {
            value(rng, 1, false)
        };
        members.push((name(rng, "data"), data));
    }
    let extras = if flaw == Flaw::PayloadValue { rng.range(1, 2) } else { rng.below(3) };
    for i in 0..extras {
        let key = format!("{}{i}", rng.one_of(&["x", "é", "\u{0}", "😀", "", "jti"]));
        let bad = flaw == Flaw::PayloadValue && i == 0;
        members.push((name(rng, &key), value(rng, 1, bad)));
    }
    if rng.chance(1) || claims_flaw == 6 {
        // Around the 8 KiB limit once encoded and signed.
        let filler = string(&"z".repeat(rng.range(5_700, 6_300)));
        members.push((name(rng, "filler"), filler));
    }
    let members = shuffled(rng, members);
    object(rng, members, flaw == Flaw::PayloadSyntax)
}

/// Who signs a generated token and for which algorithm: mostly a key of
/// `subject`, sometimes another key, sometimes the algorithm-confusion
/// forgery (HS256 keyed with an RSA public key's PEM).
pub(crate) fn signer(
    rng: &mut Rng,
    subject: &Subject,
) -> (SignerId, Algorithm, Option<&'static str>) {
    match rng.below(20) {
        0 => (SignerId::RsaPemAsHmac, Algorithm::HS256, None),
        1 | 2 => {
            // Another key, rarely an RSA one (signing costs a millisecond).
            let others = [SignerId::Hmac, SignerId::FlamaHmac, SignerId::P256, SignerId::Ed25519];
            let signer =
                if rng.chance(10) { rng.one_of(&SignerId::ALL) } else { rng.one_of(&others) };
            let algs: Vec<Algorithm> =
                Algorithm::ALL.into_iter().filter(|&a| signer.can_sign(a)).collect();
            (signer, rng.one_of(&algs), None)
        }
        _ => {
            let key = rng.pick(&subject.keys);
            let algs: Vec<Algorithm> =
                key.serves.iter().copied().filter(|a| subject.allowed.contains(a)).collect();
            (key.signer, rng.one_of(&algs), key.kid)
        }
    }
}

/// Text no key signed: empty, dots, junk, oversized.
pub(crate) fn garbage(rng: &mut Rng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=.";
    match rng.below(6) {
        0 => rng
            .one_of(&["", ".", "..", "...", "....", "a.b.c", "=.=.=", "e30.e30.", "e30.e30.e30"])
            .to_owned(),
        1 => format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode("{}")
        ),
        2 => "A".repeat(rng.range(8_000, 9_000)),
        3 => ".".repeat(rng.range(1, 5_000)),
        _ => (0..rng.range(1, 400)).map(|_| rng.one_of(ALPHABET) as char).collect(),
    }
}

//! Mutations of a token: bytes (flips, inserts, deletes), segments (swap,
//! splice from another token, drop, add, empty), padding, base64 details
//! (case, alphabet, trailing bits), the JSON inside a segment re-encoded
//! with the old signature, and the same re-signed with the right key.

use base64::Engine as _;
use serde_json::{Map, Value};
use warden::jwt::Algorithm;

use crate::edge;
use crate::keys::{Fixture, Subject};
use crate::oracle::{Anchor, B64_ANY_PAD, canonical_pad};
use crate::rng::Rng;

const INTERESTING: &[u8] = b"AZaz09-_=.+/ \0\"%\\\n\t,~";
const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn interesting(rng: &mut Rng) -> u8 {
    if rng.chance(80) { rng.one_of(INTERESTING) } else { rng.byte() }
}

fn segments(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes.split(|&b| b == b'.').map(<[u8]>::to_vec).collect()
}

fn join(segments: &[Vec<u8>]) -> Vec<u8> {
    segments.join(&b'.')
}

/// One mutation of `token`'s text; `donors` are other valid tokens.
pub(crate) fn text(rng: &mut Rng, token: &str, donors: &[&str]) -> String {
    let mut b = token.as_bytes().to_vec();
    let len = b.len();
    let at = |rng: &mut Rng| rng.below(len.max(1));
    match rng.below(18) {
        0 if len > 0 => {
            for _ in 0..rng.range(1, 3) {
                let i = at(rng);
                b[i] ^= 1 << rng.below(8);
            }
        }
        1 if len > 0 => {
            let i = at(rng);
            b[i] = interesting(rng);
        }
        2 => {
            let i = rng.below(len + 1);
            let byte = interesting(rng);
            b.insert(i, byte);
        }
        3 if len > 0 => {
            b.remove(at(rng));
        }
        4 if len > 0 => {
            let i = at(rng);
            let j = rng.range(i, len.min(i + 16));
            b.drain(i..j);
        }
        5 if len > 0 => {
            let i = at(rng);
            let j = rng.range(i, len.min(i + 16));
            let copy = b[i..j].to_vec();
            b.splice(j..j, copy);
        }
        6 if len > 0 => b.truncate(at(rng)),
        7 => {
            let mut s = segments(&b);
            let (i, j) = (rng.below(s.len()), rng.below(s.len()));
            s.swap(i, j);
            b = join(&s);
        }
        8 => {
            let mut s = segments(&b);
            let donor = segments(rng.pick(donors).as_bytes());
            let i = rng.below(s.len());
            let j = if rng.chance(70) { i.min(donor.len() - 1) } else { rng.below(donor.len()) };
            s[i] = donor[j].clone();
            b = join(&s);
        }
        9 => {
            let mut s = segments(&b);
            match rng.below(4) {
                0 if s.len() > 1 => {
                    s.remove(rng.below(s.len()));
                }
                1 => {
                    let copy = rng.pick(&s).clone();
                    s.insert(rng.below(s.len() + 1), copy);
                }
                2 => {
                    let i = rng.below(s.len());
                    s[i].clear();
                }
                _ => s.insert(rng.below(s.len() + 1), Vec::new()),
            }
            b = join(&s);
        }
        10 => {
            let mut s = segments(&b);
            let i = rng.below(s.len());
            if rng.chance(50) {
                s[i].extend(b"=".repeat(rng.range(1, 3)));
            } else {
                for _ in 0..rng.range(1, 2) {
                    if s[i].last() == Some(&b'=') {
                        s[i].pop();
                    }
                }
            }
            b = join(&s);
        }
        11 => {
            // New JSON under the old signature.
            let mut s = segments(&b);
            let i = rng.below(s.len().min(2));
            if let Ok(json) = B64_ANY_PAD.decode(&s[i]) {
                let changed = json_mutation(rng, &json);
                s[i] = edge::encode(rng, &changed).into_bytes();
            }
            b = join(&s);
        }
        12 => {
            // The same bytes, padded differently.
            let mut s = segments(&b);
            let i = rng.below(s.len());
            if let Ok(bytes) = B64_ANY_PAD.decode(&s[i]) {
                s[i] = edge::encode(rng, &bytes).into_bytes();
            }
            b = join(&s);
        }
        13 if len > 0 => {
            let i = at(rng);
            b[i] = match b[i] {
                c if c.is_ascii_alphabetic() => c ^ 0x20,
                b'-' => b'+',
                b'_' => b'/',
                b'=' => b'.',
                c => c.wrapping_add(1),
            };
        }
        14 => match rng.below(4) {
            0 => b.extend(format!(".{}", rng.pick(donors)).into_bytes()),
            1 => {
                let prefix = rng.one_of(&[&b" "[..], b"Bearer ", b"\n", b"\xef\xbb\xbf"]);
                b.splice(0..0, prefix.iter().copied());
            }
            2 => b.extend_from_slice(rng.one_of(&[&b" "[..], b"\n", b"\r\n", b"\0", b"."])),
            _ => {
                let i = at(rng);
                let fill = rng.range(1, 9_000);
                b.splice(i..i, std::iter::repeat_n(rng.one_of(B64URL), fill));
            }
        },
        15 if len > 0 => {
            let i = at(rng);
            let c = rng.pick(&["é", "\u{ffff}", "😀", "\u{0}", "%3D", "\u{200b}", "Ａ"]);
            b.splice(i..=i, c.bytes());
        }
        16 => {
            // The last character of a segment changed in its unused low
            // bits only: the same bytes to a lax decoder.
            let mut s = segments(&b);
            let i = rng.below(s.len());
            let core_len = s[i].iter().rposition(|&c| c != b'=').map_or(0, |p| p + 1);
            if core_len > 0
                && let Some(v) = B64URL.iter().position(|&c| c == s[i][core_len - 1])
            {
                let spare = match core_len % 4 {
                    2 => 0b1111,
                    3 => 0b11,
                    _ => 0b1,
                };
                let flipped = v ^ (1 + rng.below(spare));
                s[i][core_len - 1] = B64URL[flipped & 63];
            }
            b = join(&s);
        }
        _ => {
            // A donor's signature or payload under this token's other parts.
            let mut s = segments(&b);
            let donor = segments(rng.pick(donors).as_bytes());
            let i = s.len() - 1;
            s[i] = donor[donor.len() - 1].clone();
            b = join(&s);
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

/// `json` with one change: a byte, whitespace, or a member added, replaced
/// or repeated (a duplicate).
pub(crate) fn json_mutation(rng: &mut Rng, json: &[u8]) -> Vec<u8> {
    const JSON_BYTES: &[u8] = b"{}[]\",:\\0123456789eE-+. tfn\0\xff";
    let mut b = json.to_vec();
    let len = b.len();
    match rng.below(8) {
        0 if len > 0 => {
            let i = rng.below(len);
            b[i] ^= 1 << rng.below(8);
        }
        1 => {
            let byte = rng.one_of(JSON_BYTES);
            b.insert(rng.below(len + 1), byte);
        }
        2 if len > 0 => {
            b.remove(rng.below(len));
        }
        3 | 4 => {
            let name = rng.one_of(&[
                "exp", "nbf", "iat", "aud", "iss", "sub", "alg", "kid", "crit", "typ", "data",
                "jti", "é", "",
            ]);
            let bad = rng.chance(30);
            let value = edge::value(rng, 1, bad);
            b = insert_member(&b, &serde_json::to_vec(name).expect("a name"), &value);
        }
        5 | 6 => {
            if let Ok(mut map) = serde_json::from_slice::<Map<String, Value>>(&b)
                && !map.is_empty()
            {
                let key = map.keys().nth(rng.below(map.len())).expect("in range").clone();
                let old = map[&key].clone();
                let name = serde_json::to_vec(&key).expect("a name");
                let value = if rng.chance(50) {
                    // The same member twice.
                    serde_json::to_vec(&old).expect("a value")
                } else {
                    map.remove(&key);
                    let bad = rng.chance(30);
                    edge::value(rng, 1, bad)
                };
                let rest = serde_json::to_vec(&map).expect("an object");
                b = insert_member(&rest, &name, &value);
            }
        }
        _ => {
            let ws = rng.one_of(&[&b" "[..], b"\n", b"\t", b"\r"]);
            let i = rng.below(len + 1);
            b.splice(i..i, ws.iter().copied());
        }
    }
    b
}

/// `"name":value` as the first member of the object `json`; `json`
/// unchanged if it is not an object.
fn insert_member(json: &[u8], name: &[u8], value: &[u8]) -> Vec<u8> {
    let is_ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r');
    let Some(open) = json.iter().position(|c| !is_ws(c)).filter(|&i| json[i] == b'{') else {
        return json.to_vec();
    };
    let empty = json[open + 1..].iter().find(|c| !is_ws(c)) == Some(&b'}');
    let mut out = json[..=open].to_vec();
    out.extend_from_slice(name);
    out.push(b':');
    out.extend_from_slice(value);
    if !empty {
        out.push(b',');
    }
    out.extend_from_slice(&json[open + 1..]);
    out
}

/// The header and payload of `token`, their JSON changed or not, re-encoded
/// and signed with the key `subject` would use for the header's `alg` and
/// `kid` (else the previous signer's): the claims checks after the
/// signature are reached.
pub(crate) fn resign(
    rng: &mut Rng,
    fx: &Fixture,
    subject: &Subject,
    token: &str,
    previous: &Anchor,
) -> Option<(String, Anchor)> {
    let mut parts = token.split('.');
    let (header, payload) = (parts.next()?, parts.next()?);
    let mut header = header.to_owned();
    let mut payload = payload.to_owned();
    let which = rng.below(10);
    if which < 3
        && let Ok(json) = B64_ANY_PAD.decode(&header)
    {
        let changed = json_mutation(rng, &json);
        header = edge::encode(rng, &changed);
    } else if which < 8
        && let Ok(json) = B64_ANY_PAD.decode(&payload)
    {
        let changed = json_mutation(rng, &json);
        payload = edge::encode(rng, &changed);
    }
    let decoded = B64_ANY_PAD
        .decode(&header)
        .ok()
        .and_then(|json| serde_json::from_slice::<Map<String, Value>>(&json).ok());
    let alg: Option<Algorithm> =
        decoded.as_ref().and_then(|h| h.get("alg")?.as_str()?.parse().ok());
    let kid = decoded.as_ref().and_then(|h| h.get("kid")?.as_str().map(str::to_owned));
    let key = alg.and_then(|alg| {
        let serving: Vec<_> = subject.keys.iter().filter(|k| k.serves.contains(&alg)).collect();
        let by_kid = serving.iter().find(|k| k.kid.is_some() && k.kid == kid.as_deref());
        by_kid.or(serving.first()).copied()
    });
    let (signer, alg) = match (key, alg) {
        (Some(key), Some(alg)) => (key.signer, alg),
        _ => (previous.signer, previous.alg),
    };
    let anchor = Anchor::sign(&fx.signers, signer, alg, format!("{header}.{payload}"))?;
    let pad = match rng.below(4) {
        0 => canonical_pad(anchor.sig_core.len()),
        1 => 1,
        _ => 0,
    };
    Some((anchor.token(pad), anchor))
}

//! Any change to a signed token's bytes is refused, for each of the twelve
//! algorithms, with and without Flama's `=` padding: every byte replaced
//! (other base64url characters, `=`, `.`), removed or doubled, and padding
//! added or removed at each segment's end. The only changes that may still
//! verify are the spellings of the signature segment that decode to the same
//! signature (see [`still_verifies`]). Every position is tried (about 4 s
//! in a debug build); one refusal in forty also goes through the router.

use std::collections::BTreeSet;
use std::str::FromStr as _;

use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use warden::Auth;
use warden::jwt::{Algorithm, Family, Key, Verifier};

use crate::support::*;

const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn pem(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/it/keys/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// 46 bytes of JSON: base64url needs `==` after it, so the padded tokens
/// pad their payload whatever the algorithm.
fn claims() -> Value {
    json!({"sub": "adam", "data": {"permissions": ["read"]}})
}

/// The test key pair for `alg`'s family (a file stem under `keys/`).
fn key_name(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::ES256 => "p256",
        Algorithm::ES384 => "p384",
        Algorithm::EdDSA => "ed25519",
        _ => "rsa",
    }
}

/// A verifier that accepts `alg` only.
fn verifier_for(alg: Algorithm) -> Verifier {
    let builder = match alg.family() {
        Family::Hmac => Verifier::hmac(&secret()),
        _ => {
            Verifier::builder().key(Key::from_pem(&pem(&format!("{}.pub", key_name(alg)))).unwrap())
        }
    };
    builder.with_algorithms([alg]).build().unwrap()
}

/// `alg`'s signature of exactly `message`. Warden's own signing writes
/// unpadded segments only; Flama signs its padded text, so the padded
/// tokens are signed here with the backend directly.
fn sign(alg: Algorithm, message: &[u8]) -> Vec<u8> {
    use hmac::Mac as _;
    match alg {
        Algorithm::HS256 => hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET)
            .unwrap()
            .chain_update(message)
            .finalize()
            .into_bytes()
            .to_vec(),
        Algorithm::HS384 => hmac::Hmac::<sha2::Sha384>::new_from_slice(SECRET)
            .unwrap()
            .chain_update(message)
            .finalize()
            .into_bytes()
            .to_vec(),
        Algorithm::HS512 => hmac::Hmac::<sha2::Sha512>::new_from_slice(SECRET)
            .unwrap()
            .chain_update(message)
            .finalize()
            .into_bytes()
            .to_vec(),
        _ => {
            let private = pem(&format!("{}.key", key_name(alg)));
            let key = match alg.family() {
                Family::Rsa => jsonwebtoken::EncodingKey::from_rsa_pem(&private),
                Family::Ec => jsonwebtoken::EncodingKey::from_ec_pem(&private),
                _ => jsonwebtoken::EncodingKey::from_ed_pem(&private),
            }
            .unwrap();
            // Loading a verification key above installed Warden's backend
            // as jsonwebtoken's default provider.
            let backend = jsonwebtoken::Algorithm::from_str(alg.as_str()).unwrap();
            let b64 = jsonwebtoken::crypto::sign(message, &key, backend).unwrap();
            URL_SAFE_NO_PAD.decode(b64).unwrap()
        }
    }
}

/// A token for `alg`, every segment `=`-padded (Flama) or none (RFC 7515).
fn token(alg: Algorithm, padded: bool) -> String {
    let engine = if padded { URL_SAFE } else { URL_SAFE_NO_PAD };
    let header = json!({"alg": alg.as_str(), "typ": "JWT"}).to_string();
    let message = format!("{}.{}", engine.encode(header), engine.encode(claims().to_string()));
    let signature = sign(alg, message.as_bytes());
    format!("{message}.{}", engine.encode(signature))
}

/// How many `=` pad base64 text of `len` characters to a multiple of four.
fn canonical_pad(len: usize) -> usize {
    [0, 0, 2, 1][len % 4]
}

/// Whether `tampered`, a changed copy of the valid `original`, must still
/// verify. What is signed is `header.payload` *as received* (Flama pads it
/// and signs the padded text), so any change there, padding included, must
/// fail. The signature segment is not signed: it is decoded, leniently
/// about padding (the base64 crate's `Indifferent` mode, strict about
/// unused trailing bits). So a change still verifies exactly when the
/// signed text is byte-identical and the signature segment is the same
/// base64url text followed by no `=`, or by at most as many as canonical
/// padding has (`xx`, `xx=`, `xx==` are one signature; `xx===` is not).
fn still_verifies(original: &str, tampered: &str) -> bool {
    let (message, signature) = original.rsplit_once('.').unwrap();
    let core = signature.trim_end_matches('=');
    let Some((t_message, t_signature)) = tampered.rsplit_once('.') else { return false };
    let t_core = t_signature.trim_end_matches('=');
    t_message == message
        && t_core == core
        && t_signature.len() - t_core.len() <= canonical_pad(core.len())
}

/// The changes at byte `i`: two other base64url characters, `=`, `.`,
/// the byte removed, the byte doubled.
fn changes_at(token: &str, i: usize) -> Vec<String> {
    let bytes = token.as_bytes();
    let c = bytes[i];
    let shift =
        |by: usize| B64URL.iter().position(|&x| x == c).map_or(b'A', |p| B64URL[(p + by) % 64]);
    let mut out = Vec::new();
    for replacement in [shift(1), shift(33), b'=', b'.'] {
        if replacement != c {
            let mut t = bytes.to_vec();
            t[i] = replacement;
            out.push(String::from_utf8(t).unwrap());
        }
    }
    let mut removed = bytes.to_vec();
    removed.remove(i);
    out.push(String::from_utf8(removed).unwrap());
    let mut doubled = bytes.to_vec();
    doubled.insert(i, c);
    out.push(String::from_utf8(doubled).unwrap());
    out
}

/// At each segment's end: one to three `=` added, one or two removed.
fn padding_changes(token: &str) -> Vec<String> {
    let segments: Vec<&str> = token.split('.').collect();
    let mut out = Vec::new();
    for i in 0..segments.len() {
        let mut variants: Vec<String> =
            (1..=3).map(|n| format!("{}{}", segments[i], "=".repeat(n))).collect();
        for n in 1..=2 {
            if segments[i].len() >= n
                && segments[i][segments[i].len() - n..].bytes().all(|b| b == b'=')
            {
                variants.push(segments[i][..segments[i].len() - n].to_owned());
            }
        }
        for variant in variants {
            let mut changed = segments.clone();
            changed[i] = &variant;
            out.push(changed.join("."));
        }
    }
    out
}

#[tokio::test]
async fn any_change_to_a_signed_token_is_refused_for_every_algorithm() {
    let (mut checked, mut sampled) = (0, 0);
    for alg in Algorithm::ALL {
        let verifier = verifier_for(alg);
        let router = app_with(Auth::new(verifier.clone()));
        for padded in [false, true] {
            let original = token(alg, padded);
            let what = format!("{alg} {}", if padded { "padded" } else { "unpadded" });
            assert_eq!(padded, original.contains('='), "{what}: padding as intended");
            assert_eq!(
                verifier.verify(&original).unwrap().payload(),
                claims().as_object().unwrap()
            );
            assert_eq!(get_bearer(&router, "/private/", &original).await.status, 200, "{what}");

            let mut changed: Vec<(String, String)> = Vec::new();
            for i in 0..original.len() {
                for t in changes_at(&original, i) {
                    changed.push((format!("byte {i}"), t));
                }
            }
            for t in padding_changes(&original) {
                changed.push(("padding".into(), t));
            }

            let mut verified = BTreeSet::new();
            checked += changed.len();
            for (n, (place, tampered)) in changed.iter().enumerate() {
                let expected = still_verifies(&original, tampered);
                match verifier.verify(tampered) {
                    Ok(jwt) => {
                        assert!(expected, "{what}, {place}: a changed token verified: {tampered}");
                        assert_eq!(jwt.payload(), claims().as_object().unwrap());
                        if verified.insert(tampered.clone()) {
                            let answer = get_bearer(&router, "/private/", tampered).await;
                            assert_eq!(answer.status, 200, "{what}, {place}: {tampered}");
                        }
                    }
                    Err(e) => {
                        assert!(
                            !expected,
                            "{what}, {place}: refused ({e}), but only the signature's padding changed: {tampered}"
                        );
                        if n % 40 == 0 {
                            // Through the router: the 401 envelope, naming the same error.
                            let answer = get_bearer(&router, "/private/", tampered).await;
                            let (error, description) = (e.kind().flama_name(), e.description());
                            assert_invalid_token(&answer, error, description, tampered);
                            sampled += 1;
                        }
                    }
                }
            }

            // What did verify is exactly the signature's other spellings
            // (each reached by some change above): none, partial and
            // canonical `=` padding.
            let (message, signature) = original.rsplit_once('.').unwrap();
            let core = signature.trim_end_matches('=');
            let spellings: BTreeSet<String> = (0..=canonical_pad(core.len()))
                .map(|pad| format!("{message}.{core}{}", "=".repeat(pad)))
                .filter(|spelling| *spelling != original)
                .collect();
            assert_eq!(verified, spellings, "{what}");
        }
    }
    assert!(checked > 30_000 && sampled > 500, "{checked} changes, {sampled} through the router");
}

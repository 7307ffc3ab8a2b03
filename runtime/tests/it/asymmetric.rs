//! RS/PS/ES/EdDSA keys: signing, verification from PEM and JWK, binding to
//! the algorithm family, `kid` selection, swapping, the verified-token cache.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Value, json};
use warden::jwt::{
    Algorithm, HmacSecret, Jwt, JwtError, Key, KeyError, KeySet, KeySetHandle, Malformed,
    SigningKey, SigningKeys, Verifier, thumbprint,
};
use warden::{App, Auth};

use crate::support::*;

fn pem(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/it/keys/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn signing(name: &str, alg: Option<Algorithm>) -> SigningKey {
    SigningKey::from_pem(&pem(&format!("{name}.key")), alg).unwrap()
}

fn claims() -> Value {
    json!({"sub": "ada", "data": {"permissions": ["read"]}})
}

fn router_for(verifier: Verifier) -> axum::Router {
    app_with(Auth::new(verifier))
}

/// Flips one bit of every segment in turn: each must be refused.
fn tampered(token: &str) -> Vec<String> {
    (0..3)
        .map(|i| {
            let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
            let mut bytes = B64.decode(&parts[i]).unwrap();
            let last = bytes.len() - 1;
            bytes[last] ^= 1;
            parts[i] = B64.encode(bytes);
            parts.join(".")
        })
        .collect()
}

#[tokio::test]
async fn every_asymmetric_algorithm_signs_and_verifies_from_pem_and_jwk() {
    for (name, alg) in [
        ("rsa", Algorithm::RS256),
        ("rsa", Algorithm::RS384),
        ("rsa", Algorithm::RS512),
        ("rsa", Algorithm::PS256),
        ("rsa", Algorithm::PS384),
        ("rsa", Algorithm::PS512),
        ("rsa-pkcs1", Algorithm::RS256),
        ("p256", Algorithm::ES256),
        ("p384", Algorithm::ES384),
        ("ed25519", Algorithm::EdDSA),
    ] {
        let key = signing(name, Some(alg));
        assert_eq!(key.algorithm(), alg);
        let token = key.sign(claims()).unwrap();
        let public = pem(&format!("{name}.pub"));
        for verifier in [
            Verifier::builder().key(Key::from_pem(&public).unwrap()).build().unwrap(),
            Verifier::builder()
                .key(Key::from_jwk(&key.public_jwk().unwrap()).unwrap())
                .build()
                .unwrap(),
            Verifier::builder().key(key.verification_key()).build().unwrap(),
        ] {
            let router = router_for(verifier);
            assert_eq!(get_bearer(&router, "/private/", &token).await.status, 200, "{name} {alg}");
            for bad in tampered(&token) {
                let answer = get_bearer(&router, "/private/", &bad).await;
                assert_eq!(answer.status, 401, "{name} {alg}: a changed byte must be refused");
            }
        }
    }
}

#[test]
fn the_key_implies_its_algorithm() {
    assert_eq!(signing("rsa", None).algorithm(), Algorithm::RS256);
    assert_eq!(signing("p256", None).algorithm(), Algorithm::ES256);
    assert_eq!(signing("p384", None).algorithm(), Algorithm::ES384);
    assert_eq!(signing("ed25519", None).algorithm(), Algorithm::EdDSA);
    let err = SigningKey::from_pem(&pem("p256.key"), Some(Algorithm::ES384)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "ES384 cannot be used with this EC key: its curve signs ES256",
        "the curve, not the family, is the mismatch"
    );
    let err = SigningKey::from_pem(&pem("p384.key"), Some(Algorithm::ES256)).unwrap_err();
    assert_eq!(
        err,
        KeyError::CurveMismatch { algorithm: Algorithm::ES256, implied: Algorithm::ES384 }
    );
    let err = SigningKey::from_pem(&pem("p256.key"), Some(Algorithm::RS256)).unwrap_err();
    assert!(matches!(err, KeyError::AlgorithmMismatch { .. }), "{err}");
    assert_eq!(
        SigningKey::from_pem(b"not a key", None).unwrap_err(),
        KeyError::UnsupportedPrivatePem
    );
    assert_eq!(
        Key::from_pem(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").unwrap_err(),
        KeyError::UnsupportedPem
    );
}

#[test]
fn rsa_keys_under_2048_bits_are_refused() {
    assert_eq!(Key::from_pem(&pem("rsa1024.pub")).unwrap_err(), KeyError::WeakRsa(1024));
    // The private key too is refused as weak, not as unknown.
    let err = SigningKey::from_pem(&pem("rsa1024.key"), None).unwrap_err();
    assert!(matches!(err, KeyError::UnusableRsa | KeyError::WeakRsa(1024)), "{err}");
    assert!(err.to_string().contains("at least 2048"), "{err}");
}

#[test]
fn an_ec_key_serves_its_curve_only() {
    let p256 = Key::from_pem(&pem("p256.pub")).unwrap();
    assert!(p256.serves(Algorithm::ES256));
    assert!(!p256.serves(Algorithm::ES384));
    let verifier =
        Verifier::builder().key(p256.clone()).with_algorithms([Algorithm::ES384]).build();
    assert!(verifier.is_err(), "ES384 has no key that can verify it");
    // Both curves side by side, each serving its own algorithm.
    let p384 = Key::from_pem(&pem("p384.pub")).unwrap();
    let both = Verifier::builder()
        .key(p256)
        .key(p384)
        .with_algorithms([Algorithm::ES256, Algorithm::ES384])
        .build()
        .unwrap();
    for (name, alg) in [("p256", Algorithm::ES256), ("p384", Algorithm::ES384)] {
        assert!(both.verify(&signing(name, Some(alg)).sign(claims()).unwrap()).is_ok(), "{alg}");
    }
}

#[tokio::test]
async fn the_public_key_used_as_an_hmac_secret_verifies_nothing() {
    // Algorithm confusion: an attacker signs HS256 with the public key's
    // PEM text, or its JWK text, as the secret.
    let rsa = signing("rsa", None);
    let verifier =
        Verifier::builder().key(Key::from_pem(&pem("rsa.pub")).unwrap()).build().unwrap();
    let router = router_for(verifier.clone());
    for secret in [pem("rsa.pub"), rsa.public_jwk().unwrap().to_string().into_bytes()] {
        let forged = Jwt::new(Algorithm::HS256, claims())
            .unwrap()
            .encode(&HmacSecret::new(secret).allow_weak())
            .unwrap();
        assert_eq!(verifier.verify(&forged).unwrap_err(), JwtError::AlgorithmNotAllowed);
        assert_eq!(get_bearer(&router, "/private/", &forged).await.status, 401);
    }
    // And an RSA key can never be made into an HMAC key through a JWK.
    let oct = json!({"kty": "oct", "k": B64.encode(pem("rsa.pub"))});
    assert!(matches!(Key::from_jwk(&oct), Err(KeyError::Jwk(_))));
}

#[test]
fn kid_selects_the_key() {
    let a = signing("rsa", None).with_kid("a");
    let b = signing("rsa2", None).with_kid("b");
    let verifier =
        Verifier::builder().key(a.verification_key()).key(b.verification_key()).build().unwrap();
    assert!(verifier.verify(&a.sign(claims()).unwrap()).is_ok());
    assert!(verifier.verify(&b.sign(claims()).unwrap()).is_ok());
    // b's signature under a's kid: the kid decides, so it fails.
    let mislabelled = signing("rsa2", None).with_kid("a").sign(claims()).unwrap();
    assert_eq!(verifier.verify(&mislabelled).unwrap_err(), JwtError::BadSignature);
    let unknown = signing("rsa2", None).with_kid("zzz").sign(claims()).unwrap();
    assert_eq!(verifier.verify(&unknown).unwrap_err(), JwtError::UnknownKey);
    // A kid that is not a string.
    let mut header = serde_json::Map::new();
    header.insert("alg".into(), json!("RS256"));
    header.insert("kid".into(), json!(7));
    let token = signing("rsa", None).sign_jwt(&Jwt::from_parts(header, claims()).unwrap()).unwrap();
    assert_eq!(verifier.verify(&token).unwrap_err(), JwtError::Malformed(Malformed::KeyId));
}

#[test]
fn a_swapped_key_set_takes_effect_at_once_even_through_the_cache() {
    let old = signing("rsa", None);
    let new = signing("p256", None);
    let handle = KeySetHandle::new(KeySet::new([old.verification_key()]));
    let verifier = Verifier::builder().key_set(handle.clone()).cache(100).build().unwrap();
    let token = old.sign(claims()).unwrap();
    let first = verifier.verify_at(&token, 0).unwrap();
    let again = verifier.verify_at(&token, 0).unwrap();
    assert!(std::sync::Arc::ptr_eq(&first, &again), "the second check is a cache hit");
    handle.store(KeySet::new([new.verification_key()]));
    assert!(verifier.verify_at(&token, 0).is_err(), "the removed key's token is refused");
    assert!(verifier.verify_at(&new.sign(claims()).unwrap(), 0).is_ok());
}

/// The cache hashes a token by its length and its last bytes (the
/// signature's end); a hit still needs the whole text to be equal.
#[test]
fn a_token_ending_like_a_cached_one_is_verified_on_its_own() {
    for key in [signing("ed25519", None), signing("p256", None)] {
        let verifier = Verifier::builder().key(key.verification_key()).cache(10).build().unwrap();
        let token = key.sign(json!({"sub": "ada", "n": 1})).unwrap();
        assert!(verifier.verify_at(&token, 0).is_ok());
        // Same length, same signature, another claim: `"n":2`.
        let (head, rest) = token.split_once('.').unwrap();
        let (_, signature) = rest.split_once('.').unwrap();
        let forged_claims = B64.encode(br#"{"sub":"ada","n":2}"#);
        let forged = format!("{head}.{forged_claims}.{signature}");
        assert_eq!(forged.len(), token.len());
        assert_ne!(forged, token);
        assert_eq!(verifier.verify_at(&forged, 0).unwrap_err(), JwtError::BadSignature);
        assert!(verifier.verify_at(&token, 0).is_ok(), "the cached one still verifies");
    }
}

/// Each thread keeps the last tokens it found in front of the shared cache:
/// a token another verifier (another secret) cached on this thread is not
/// this verifier's, though its bytes are the same.
#[test]
fn a_token_cached_by_another_verifier_is_verified_again() {
    let hmac = |secret: &[u8]| {
        let secret = HmacSecret::new(secret.to_vec());
        let verifier = Verifier::hmac(&secret).cache(10).build().unwrap();
        (SigningKey::hmac(secret, Algorithm::HS256).unwrap(), verifier)
    };
    let (key, ours) = hmac(b"0123456789abcdef0123456789abcdef");
    let (_, theirs) = hmac(b"fedcba9876543210fedcba9876543210");
    let token = key.sign(claims()).unwrap();
    assert!(ours.verify_at(&token, 0).is_ok());
    assert!(ours.verify_at(&token, 0).is_ok(), "a hit on this thread");
    assert_eq!(theirs.verify_at(&token, 0).unwrap_err(), JwtError::BadSignature);
    // And a token the other one refused stays verified for the first.
    assert!(ours.verify_at(&token, 0).is_ok());
}

/// A token cached on one thread is a hit on the others, through the shared
/// cache: the same verified token, not a second verification (the front
/// itself is tested in `jwt/cache.rs`).
#[test]
fn a_token_cached_on_one_thread_is_a_hit_on_another() {
    let key = signing("p256", None);
    let verifier = Verifier::builder().key(key.verification_key()).cache(10).build().unwrap();
    let token = key.sign(claims()).unwrap();
    let first = verifier.verify_at(&token, 0).unwrap();
    let elsewhere = std::thread::scope(|s| {
        s.spawn(|| {
            let a = verifier.verify_at(&token, 0).unwrap();
            let b = verifier.verify_at(&token, 0).unwrap();
            (a, b)
        })
        .join()
        .unwrap()
    });
    assert!(std::sync::Arc::ptr_eq(&first, &elsewhere.0), "found in the shared cache");
    assert!(std::sync::Arc::ptr_eq(&first, &elsewhere.1), "and again");
}

#[test]
fn a_cached_token_still_expires() {
    let key = signing("ed25519", None);
    let verifier = Verifier::builder().key(key.verification_key()).cache(10).build().unwrap();
    let token = key.sign(json!({"exp": 1_000})).unwrap();
    assert!(verifier.verify_at(&token, 900).is_ok());
    assert!(verifier.verify_at(&token, 900).is_ok());
    assert_eq!(verifier.verify_at(&token, 2_000).unwrap_err(), JwtError::Expired);
}

#[test]
fn jwks_publishes_public_keys_through_a_rotation() {
    let current = signing("rsa", None);
    let next = signing("p256", None);
    let keys = SigningKeys::new(current.clone()).with_next(next.clone());
    let jwks = keys.jwks();
    let published: Vec<&Value> = jwks["keys"].as_array().unwrap().iter().collect();
    assert_eq!(published.len(), 2);
    for jwk in &published {
        assert_eq!(jwk["use"], "sig");
        assert!(jwk.get("d").is_none() && jwk.get("p").is_none(), "no private member: {jwk}");
        assert_eq!(
            jwk["kid"].as_str(),
            thumbprint(jwk).as_deref(),
            "kid is the RFC 7638 thumbprint"
        );
    }
    assert_eq!(published[0]["alg"], "RS256");
    assert_eq!(published[1]["alg"], "ES256");
    // After the rotation the next key signs and the old one still verifies.
    let rotated = keys.rotate().unwrap();
    assert_eq!(rotated.current().kid(), next.kid());
    let verifier = rotated
        .verification_keys()
        .into_iter()
        .fold(Verifier::builder(), |b, k| b.key(k))
        .build()
        .unwrap();
    assert!(verifier.verify(&current.sign(claims()).unwrap()).is_ok());
    assert!(verifier.verify(&rotated.current().sign(claims()).unwrap()).is_ok());
    // HMAC keys are never published.
    let hmac = SigningKey::hmac(HmacSecret::new([3; 32]), Algorithm::HS256).unwrap();
    assert_eq!(SigningKeys::new(hmac).jwks(), json!({"keys": []}));
}

#[test]
fn rfc_7638_thumbprint_example() {
    // RFC 7638 §3.1.
    let jwk = json!({
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29"
    });
    assert_eq!(thumbprint(&jwk).unwrap(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

#[test]
fn jwks_documents_skip_bad_keys_but_keep_the_good_ones() {
    let good = signing("ed25519", None).public_jwk().unwrap();
    let document = json!({"keys": [
        {"kty": "RSA", "n": "!!", "e": "AQAB", "kid": "broken"},
        {"kty": "oct", "k": "c2VjcmV0", "kid": "symmetric"},
        good,
        {"kty": "EC", "crv": "P-521", "x": "AA", "y": "AA"},
        "not an object",
    ]});
    let (set, skipped) = KeySet::from_jwks(&document).unwrap();
    assert_eq!(set.keys().len(), 1);
    assert_eq!(skipped.len(), 4);
    assert!(KeySet::from_jwks(&json!({"nokeys": []})).is_err());
}

#[test]
fn an_app_with_rsa_keys_builds() {
    // A PEM public key serves its family; a signing key's public half only
    // the algorithm it signs with (its JWK names it).
    let from_pem =
        Verifier::builder().key(Key::from_pem(&pem("rsa.pub")).unwrap()).build().unwrap();
    assert_eq!(from_pem.algorithms().len(), 6, "RS256..PS512 from an RSA key");
    let key = signing("rsa", Some(Algorithm::PS256));
    let verifier = Verifier::builder().key(key.verification_key()).build().unwrap();
    assert_eq!(verifier.algorithms(), [Algorithm::PS256]);
    let app: axum::Router = App::new("T", "1")
        .auth(Auth::new(verifier).build().unwrap())
        .routes(warden::routes![public])
        .build()
        .unwrap();
    drop(app);
}

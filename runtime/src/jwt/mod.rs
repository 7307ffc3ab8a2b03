//! JSON Web Tokens: Warden's own [`Algorithm`], keys, the compact parser that
//! keeps Flama's padded tokens verifiable, the [`Verifier`] and its typed
//! errors.
//!
//! | module | owns |
//! |---|---|
//! | `algorithm` | [`Algorithm`], [`Family`] |
//! | `key` | [`HmacSecret`] (judged by effective strength), [`Key`] (a verification key bound to its family and algorithms: HMAC, RSA, EC, Ed25519; from PEM or JWK) |
//! | `keyset` | [`KeySet`] (keys by `kid`), [`KeySetHandle`] (swapped at run time, read without a lock) |
//! | `signing` | [`SigningKey`], [`SigningKeys`] (rotation: current, next, retired) and the app's own JWKS |
//! | `crypto` | the asymmetric backend: `aws-lc` (default) or `rust-crypto` |
//! | `compact` | the JWS compact serialization, padded or not, duplicate members refused |
//! | `token` | [`Jwt`] and its signing |
//! | `verify` | [`Verifier`]: allow-list, keys, time claims, `iss`/`aud`/`typ`, required claims |
//! | `error` | [`JwtError`], [`SignError`], [`ConfigError`] |

mod algorithm;
mod cache;
mod compact;
mod crypto;
mod error;
mod key;
mod keyset;
pub(crate) mod paths;
#[cfg(feature = "jwks")]
mod remote;
pub(crate) mod scan;
mod signing;
mod token;
mod verify;

pub use algorithm::{Algorithm, Family, UnknownAlgorithm};
pub use error::{ConfigError, JwtError, JwtErrorKind, Malformed, SignError};
pub use key::{HmacSecret, Key, KeyError};
pub use keyset::{KeyRefresh, KeySet, KeySetHandle};
#[cfg(feature = "jwks")]
pub use remote::{FetchError, JwksError, JwksHealth, RemoteJwks, RemoteJwksBuilder};
pub use signing::{SigningKey, SigningKeys, thumbprint};
#[cfg(test)]
pub(crate) use token::GRANTED_SLOTS;
pub use token::{Jwt, Padding};
pub(crate) use verify::unix_now;
pub use verify::{DEFAULT_LEEWAY, DEFAULT_MAX_TOKEN_LEN, REFRESH_TYP, Verifier, VerifierBuilder};

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::{Value, json};
    use std::time::Duration;

    const FLAMA_TOKEN: &str = "eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJkYXRhIjogeyJmb28iOiAiYmFyIn0sICJpYXQiOiAwfQ==.J3zdedMZSFNOimstjJat0V28rM_b1UU62XCp9dg_5kg=";

    fn flama_verifier() -> Verifier {
        Verifier::hmac(&HmacSecret::flama_demo()).build().unwrap()
    }

    #[test]
    fn verifies_flama_padded_vector() {
        let jwt = flama_verifier().verify(FLAMA_TOKEN).unwrap();
        assert_eq!(Value::Object(jwt.payload().clone()), json!({"data": {"foo": "bar"}, "iat": 0}));
    }

    #[test]
    fn flama_vector_fails_once_its_padding_is_normalised() {
        // The signature covers the padded text: stripping `=` from the
        // payload changes the signing input, so verification must fail.
        let mut parts: Vec<&str> = FLAMA_TOKEN.split('.').collect();
        let stripped = parts[1].trim_end_matches('=').to_owned();
        parts[1] = &stripped;
        let err = flama_verifier().verify(&parts.join(".")).unwrap_err();
        assert_eq!(err, JwtError::BadSignature);
    }

    #[test]
    fn padded_encoding_round_trips_and_matches_flama() {
        let secret = HmacSecret::flama_demo();
        let header = json!({"alg": "HS256", "typ": "JWT"});
        let Value::Object(header) = header else { unreachable!() };
        let jwt = Jwt::from_parts(header, json!({"data": {"foo": "bar"}, "iat": 0})).unwrap();
        let token = jwt.encode_with(&secret, Padding::Flama).unwrap();
        assert!(token.split('.').all(|s| s.len() % 4 == 0));
        assert_eq!(flama_verifier().verify(&token).unwrap(), jwt);
        let unpadded = jwt.encode(&secret).unwrap();
        assert!(!unpadded.contains('='));
        assert_eq!(flama_verifier().verify(&unpadded).unwrap(), jwt);
    }

    #[test]
    fn weak_secret_is_refused_unless_opted_in() {
        let err = Verifier::hmac(&HmacSecret::new([0; 16])).build().unwrap_err();
        assert!(matches!(err, ConfigError::WeakSecret { len: 0, min: 32, .. }), "{err}");
        assert!(Verifier::hmac(&HmacSecret::flama_demo()).build().is_ok());
        let err = Verifier::hmac(&HmacSecret::new([7; 32]))
            .with_algorithms([Algorithm::HS256, Algorithm::HS512])
            .build()
            .unwrap_err();
        assert!(matches!(err, ConfigError::WeakSecret { min: 64, .. }), "{err}");
    }

    #[test]
    fn zero_padded_and_all_zero_secrets_are_weak() {
        let mut padded = b"hunter2".to_vec();
        padded.resize(64, 0);
        for bytes in [padded, vec![0; 64], vec![0; 100]] {
            let err = Verifier::hmac(&HmacSecret::new(bytes)).build().unwrap_err();
            assert!(matches!(err, ConfigError::WeakSecret { .. }), "{err}");
        }
    }

    #[test]
    fn weak_secrets_neither_sign_nor_verify_without_opt_in() {
        let jwt = Jwt::new(Algorithm::HS256, json!({})).unwrap();
        let weak = HmacSecret::new([7; 31]);
        assert!(matches!(jwt.encode(&weak), Err(SignError::WeakKey { len: 31, min: 32, .. })));
        let token = jwt.encode(&weak.clone().allow_weak()).unwrap();
        assert!(Verifier::hmac(&weak).build().is_err());
        let verifier = Verifier::hmac(&weak.allow_weak()).build().unwrap();
        assert!(verifier.verify(&token).is_ok());
        let hs512 = Jwt::new(Algorithm::HS512, json!({})).unwrap();
        assert!(hs512.encode(&HmacSecret::new([7; 32])).is_err());
    }

    #[test]
    fn disallowed_algorithm_of_a_keyed_family_reads_as_a_bad_signature() {
        // "algorithm not allowed" for HS512 but "bad signature" for HS256
        // would tell an attacker the secret is shorter than 64 bytes.
        let secret = HmacSecret::new([7; 32]);
        let v = Verifier::hmac(&secret).build().unwrap();
        let hs512 = Jwt::new(Algorithm::HS512, json!({})).unwrap();
        let token = hs512.encode(&HmacSecret::new([7; 64])).unwrap();
        assert_eq!(v.verify(&token).unwrap_err(), JwtError::BadSignature);
        let forged = Jwt::new(Algorithm::HS256, json!({})).unwrap();
        let token = forged.encode(&HmacSecret::new([8; 32])).unwrap();
        assert_eq!(v.verify(&token).unwrap_err(), JwtError::BadSignature);
    }

    #[test]
    fn required_claims_and_typ() {
        let secret = HmacSecret::new([1; 32]);
        let v = Verifier::hmac(&secret).require_claims(["exp", "iss"]).build().unwrap();
        let sign = |claims| Jwt::new(Algorithm::HS256, claims).unwrap().encode(&secret).unwrap();
        assert_eq!(v.verify(&sign(json!({"iss": "x"}))).unwrap_err(), JwtError::MissingClaim);
        assert!(v.verify(&sign(json!({"iss": "x", "exp": u32::MAX}))).is_ok());

        let typed = Verifier::hmac(&secret).require_typ("at+jwt").build().unwrap();
        assert_eq!(typed.verify(&sign(json!({}))).unwrap_err(), JwtError::WrongType);
        for typ in ["at+jwt", "AT+JWT", "application/at+jwt"] {
            let mut header = serde_json::Map::new();
            header.insert("alg".into(), "HS256".into());
            header.insert("typ".into(), typ.into());
            let token = Jwt::from_parts(header, json!({})).unwrap().encode(&secret).unwrap();
            assert!(typed.verify(&token).is_ok(), "{typ}");
        }
    }

    #[test]
    fn huge_leeway_does_not_overflow() {
        let secret = HmacSecret::new([1; 32]);
        let v = Verifier::hmac(&secret).with_leeway(Duration::from_secs(u64::MAX)).build().unwrap();
        let token = Jwt::new(Algorithm::HS256, json!({"nbf": 5, "exp": 1, "iat": 3}))
            .unwrap()
            .encode(&secret)
            .unwrap();
        assert!(v.verify_at(&token, 1_000).is_ok());
        assert!(v.verify_at(&token, u64::MAX).is_err(), "expired even with the largest leeway");
    }

    #[test]
    fn rejects_duplicate_members_at_any_depth() {
        let secret = HmacSecret::new([1; 32]);
        let sign = |payload: &str| {
            let input = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256"}"#),
                URL_SAFE_NO_PAD.encode(payload)
            );
            let sig = key::hmac_sign(&secret, Algorithm::HS256, input.as_bytes()).unwrap();
            format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
        };
        let v = Verifier::hmac(&secret).build().unwrap();
        assert!(v.verify(&sign(r#"{"sub":"a"}"#)).is_ok());
        for payload in [
            r#"{"sub":"a","sub":"b"}"#,
            r#"{"sub":"a","\u0073ub":"b"}"#,
            r#"{"data":{"permissions":[],"permissions":["x"]}}"#,
            r#"{"data":[{"a":1},{"a":1,"a":2}]}"#,
        ] {
            assert_eq!(v.verify(&sign(payload)).unwrap_err(), JwtError::DuplicateMember);
        }
    }

    #[test]
    fn time_claims_respect_leeway() {
        let secret = HmacSecret::new([1; 32]);
        let v = Verifier::hmac(&secret).build().unwrap();
        let token = |claims| Jwt::new(Algorithm::HS256, claims).unwrap().encode(&secret).unwrap();
        let now = 1_000_000;
        assert!(v.verify_at(&token(json!({"exp": now - 59})), now).is_ok());
        assert_eq!(v.verify_at(&token(json!({"exp": now - 60})), now), Err(JwtError::Expired));
        assert!(v.verify_at(&token(json!({"nbf": now + 60})), now).is_ok());
        assert!(v.verify_at(&token(json!({"nbf": now + 61})), now).is_err());
        assert!(v.verify_at(&token(json!({"iat": now + 61})), now).is_err());
        assert!(v.verify_at(&token(json!({"exp": "tomorrow"})), now).is_err());
    }
}

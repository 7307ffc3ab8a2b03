//! One asymmetric token per algorithm, with Warden's verifier (its cache
//! off and on) and the same check written with jsonwebtoken (aws-lc, the
//! fastest Rust backend measured: ANCHORS.md), for `benches/auth.rs` and
//! `warden-bench-count verify`.

use jsonwebtoken::{DecodingKey, Validation};
use warden::jwt::{Algorithm, SigningKey, Verifier};

use crate::{Claims, PERMISSION};

/// One algorithm's token and verifiers.
pub struct Asymmetric {
    /// The JOSE name.
    pub name: &'static str,
    /// A token holding the permission, valid until 2096.
    pub token: String,
    /// Warden, no cache.
    pub cold: Verifier,
    /// Warden, the verified-token cache on (and warm).
    pub cached: Verifier,
    key: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for Asymmetric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Asymmetric").field("name", &self.name).finish_non_exhaustive()
    }
}

/// A time inside every token's validity.
pub const NOW: u64 = 2_000_000_000;

impl Asymmetric {
    /// ES256 (P-256), RS256 (2048-bit) and EdDSA (Ed25519), from the
    /// runtime's test keys.
    ///
    /// # Panics
    ///
    /// If a test key does not load (a broken checkout).
    pub fn all() -> Vec<Self> {
        let keys: [(&str, &[u8]); 3] = [
            ("ES256", include_bytes!("../../runtime/tests/it/keys/p256.key")),
            ("RS256", include_bytes!("../../runtime/tests/it/keys/rsa.key")),
            ("EdDSA", include_bytes!("../../runtime/tests/it/keys/ed25519.key")),
        ];
        keys.into_iter()
            .map(|(name, pem)| {
                let signing = SigningKey::from_pem(pem, None).expect("a test key");
                let alg: Algorithm = signing.algorithm();
                let claims = serde_json::json!({
                    "iss": "vortico", "iat": 0, "exp": 4_000_000_000u64,
                    "data": {"id": "7c9e6679-7425-40de-944b-e07fc1f66e17", "permissions": [PERMISSION]},
                });
                let token = signing.sign(claims).expect("signs");
                let build = |cache: bool| {
                    let builder =
                        Verifier::builder().key(signing.verification_key()).with_algorithms([alg]);
                    if cache { builder.cache(1024) } else { builder }.build().expect("a verifier")
                };
                let jwk: jsonwebtoken::jwk::Jwk =
                    serde_json::from_value(signing.public_jwk().expect("a public key"))
                        .expect("a JWK");
                let key = DecodingKey::from_jwk(&jwk).expect("a decoding key");
                let mut validation = Validation::new(name.parse().expect("a JOSE name"));
                validation.required_spec_claims.clear();
                let case = Asymmetric {
                    name,
                    token,
                    cold: build(false),
                    cached: build(true),
                    key,
                    validation,
                };
                assert!(case.warden_cold() && case.warden_cached() && case.jsonwebtoken());
                case
            })
            .collect()
    }

    /// Warden verifies, without its cache.
    pub fn warden_cold(&self) -> bool {
        self.cold.verify_at(&self.token, NOW).is_ok()
    }

    /// Warden verifies, a cache hit.
    pub fn warden_cached(&self) -> bool {
        self.cached.verify_at(&self.token, NOW).is_ok()
    }

    /// jsonwebtoken decodes into the typed claims.
    pub fn jsonwebtoken(&self) -> bool {
        jsonwebtoken::decode::<Claims>(&self.token, &self.key, &self.validation).is_ok()
    }
}

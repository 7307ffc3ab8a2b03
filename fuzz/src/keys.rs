//! The keys tokens are signed with and the verifiers under test, each with
//! the description the oracle reads (its keys, `kid`s, allow-list, rules).

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair,
    RSA_PKCS1_SHA256, RSA_PKCS1_SHA384, RSA_PKCS1_SHA512, RSA_PSS_SHA256, RSA_PSS_SHA384,
    RSA_PSS_SHA512, RsaEncoding, RsaKeyPair,
};
use hmac::{Hmac, Mac};
use jsonwebtoken::EncodingKey;
use sha2::{Sha256, Sha384, Sha512};
use warden::jwt::{Algorithm, Family, HmacSecret, Key, KeySet, KeySetHandle, Verifier};

/// The clock every verification runs at, so that a seed replays exactly.
pub(crate) const NOW: u64 = 2_000_000_000;
/// The verifiers' leeway (Warden's default), in seconds.
pub(crate) const LEEWAY: f64 = 60.0;
/// The verifiers' size limit (Warden's default), in bytes.
pub(crate) const MAX_LEN: usize = warden::jwt::DEFAULT_MAX_TOKEN_LEN;

pub(crate) const ISSUER: &str = "https://issuer.example";
pub(crate) const AUDIENCE: &str = "api";
pub(crate) const TYP: &str = "at+jwt";
pub(crate) const REQUIRED: [&str; 2] = ["exp", "sub"];

/// 64 bytes, so every HMAC algorithm may use it.
const SECRET: &[u8; 64] = b"fuzz-secret-0123456789abcdef0123456789abcdef0123456789abcdef!!!!";

const RSA_KEY: &[u8] = include_bytes!("../../runtime/tests/it/keys/rsa.key");
const RSA_PUB: &[u8] = include_bytes!("../../runtime/tests/it/keys/rsa.pub");
const RSA2_KEY: &[u8] = include_bytes!("../../runtime/tests/it/keys/rsa2.key");
const RSA2_PUB: &[u8] = include_bytes!("../../runtime/tests/it/keys/rsa2.pub");
const P256_KEY: &[u8] = include_bytes!("../../runtime/tests/it/keys/p256.key");
const P256_PUB: &[u8] = include_bytes!("../../runtime/tests/it/keys/p256.pub");
const P384_KEY: &[u8] = include_bytes!("../../runtime/tests/it/keys/p384.key");
const P384_PUB: &[u8] = include_bytes!("../../runtime/tests/it/keys/p384.pub");
const ED_KEY: &[u8] = include_bytes!("../../runtime/tests/it/keys/ed25519.key");
const ED_PUB: &[u8] = include_bytes!("../../runtime/tests/it/keys/ed25519.pub");

/// Who signed a token. Two signers are the same key exactly when their ids
/// are equal (the Flama secret, 16 zero bytes, is under HMAC the empty key
/// and no other).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SignerId {
    Hmac,
    FlamaHmac,
    Rsa,
    Rsa2,
    P256,
    P384,
    Ed25519,
    /// The RSA public key's PEM text used as an HMAC secret: the classic
    /// algorithm-confusion forgery. No verifier may accept it.
    RsaPemAsHmac,
}

impl SignerId {
    pub(crate) const ALL: [SignerId; 8] = [
        SignerId::Hmac,
        SignerId::FlamaHmac,
        SignerId::Rsa,
        SignerId::Rsa2,
        SignerId::P256,
        SignerId::P384,
        SignerId::Ed25519,
        SignerId::RsaPemAsHmac,
    ];

    /// Whether this key can produce `alg` signatures at all.
    pub(crate) fn can_sign(self, alg: Algorithm) -> bool {
        match self {
            SignerId::Hmac | SignerId::FlamaHmac | SignerId::RsaPemAsHmac => {
                alg.family() == Family::Hmac
            }
            SignerId::Rsa | SignerId::Rsa2 => alg.family() == Family::Rsa,
            SignerId::P256 => alg == Algorithm::ES256,
            SignerId::P384 => alg == Algorithm::ES384,
            SignerId::Ed25519 => alg == Algorithm::EdDSA,
        }
    }
}

/// The private keys, parsed once: jsonwebtoken's signers parse (and, for
/// RSA, validate) the key again for every signature, which made RSA
/// re-signing the harness's main cost.
pub(crate) struct Signers {
    rsa: RsaKeyPair,
    rsa2: RsaKeyPair,
    p256: EcdsaKeyPair,
    p384: EcdsaKeyPair,
    ed: Ed25519KeyPair,
    random: SystemRandom,
}

fn der(key: Result<EncodingKey, jsonwebtoken::errors::Error>) -> Vec<u8> {
    key.expect("a test private key").as_bytes().to_vec()
}

impl Signers {
    fn load() -> Self {
        let rsa = |pem| RsaKeyPair::from_der(&der(EncodingKey::from_rsa_pem(pem))).expect("RSA");
        let ec = |alg, pem| {
            EcdsaKeyPair::from_pkcs8(alg, &der(EncodingKey::from_ec_pem(pem))).expect("EC")
        };
        Signers {
            rsa: rsa(RSA_KEY),
            rsa2: rsa(RSA2_KEY),
            p256: ec(&ECDSA_P256_SHA256_FIXED_SIGNING, P256_KEY),
            p384: ec(&ECDSA_P384_SHA384_FIXED_SIGNING, P384_KEY),
            ed: Ed25519KeyPair::from_pkcs8(&der(EncodingKey::from_ed_pem(ED_KEY)))
                .expect("Ed25519"),
            random: SystemRandom::new(),
        }
    }

    /// `alg`'s signature of `message` by `signer`; `None` when that key
    /// cannot make one.
    pub(crate) fn sign(&self, signer: SignerId, alg: Algorithm, message: &[u8]) -> Option<Vec<u8>> {
        if !signer.can_sign(alg) {
            return None;
        }
        let rsa = match signer {
            SignerId::Hmac => return Some(hmac(SECRET, alg, message)),
            SignerId::FlamaHmac => return Some(hmac(&[0; 16], alg, message)),
            SignerId::RsaPemAsHmac => return Some(hmac(RSA_PUB, alg, message)),
            SignerId::P256 => {
                return Some(self.p256.sign(&self.random, message).ok()?.as_ref().to_vec());
            }
            SignerId::P384 => {
                return Some(self.p384.sign(&self.random, message).ok()?.as_ref().to_vec());
            }
            SignerId::Ed25519 => return Some(self.ed.sign(message).as_ref().to_vec()),
            SignerId::Rsa => &self.rsa,
            SignerId::Rsa2 => &self.rsa2,
        };
        let encoding: &'static dyn RsaEncoding = match alg {
            Algorithm::RS256 => &RSA_PKCS1_SHA256,
            Algorithm::RS384 => &RSA_PKCS1_SHA384,
            Algorithm::RS512 => &RSA_PKCS1_SHA512,
            Algorithm::PS256 => &RSA_PSS_SHA256,
            Algorithm::PS384 => &RSA_PSS_SHA384,
            _ => &RSA_PSS_SHA512,
        };
        let mut signature = vec![0; rsa.public_modulus_len()];
        rsa.sign(encoding, &self.random, message, &mut signature).ok()?;
        Some(signature)
    }
}

fn hmac(secret: &[u8], alg: Algorithm, message: &[u8]) -> Vec<u8> {
    fn mac<M: Mac + hmac::digest::KeyInit>(secret: &[u8], message: &[u8]) -> Vec<u8> {
        let mut mac = <M as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(message);
        mac.finalize().into_bytes().to_vec()
    }
    match alg {
        Algorithm::HS384 => mac::<Hmac<Sha384>>(secret, message),
        Algorithm::HS512 => mac::<Hmac<Sha512>>(secret, message),
        _ => mac::<Hmac<Sha256>>(secret, message),
    }
}

/// One key of a verifier, as the oracle sees it.
#[derive(Clone, Debug)]
pub(crate) struct KeySpec {
    pub(crate) kid: Option<&'static str>,
    pub(crate) signer: SignerId,
    pub(crate) family: Family,
    pub(crate) serves: Vec<Algorithm>,
}

/// A verifier under test and what it is configured with.
pub(crate) struct Subject {
    pub(crate) name: &'static str,
    pub(crate) verifier: Verifier,
    pub(crate) keys: Vec<KeySpec>,
    pub(crate) allowed: Vec<Algorithm>,
    /// Issuer, audience, required claims and `typ` (the constants above).
    pub(crate) strict: bool,
    /// Built with the verified-token cache: every input is verified twice.
    pub(crate) cached: bool,
}

pub(crate) struct Fixture {
    pub(crate) signers: Signers,
    pub(crate) subjects: Vec<Subject>,
}

fn family_algs(family: Family) -> Vec<Algorithm> {
    Algorithm::ALL.into_iter().filter(|a| a.family() == family).collect()
}

fn spec(kid: Option<&'static str>, signer: SignerId, family: Family) -> KeySpec {
    let serves = Algorithm::ALL.into_iter().filter(|&a| signer.can_sign(a)).collect();
    KeySpec { kid, signer, family, serves }
}

fn public(pem: &[u8], kid: Option<&'static str>) -> Key {
    let key = Key::from_pem(pem).expect("test public key");
    match kid {
        Some(kid) => key.with_kid(kid),
        None => key,
    }
}

impl Fixture {
    pub(crate) fn new() -> Self {
        let secret = HmacSecret::new(SECRET.to_vec());
        let hs = family_algs(Family::Hmac);
        let single = |name, pem, signer, family| {
            let verifier = Verifier::builder().key(public(pem, None)).build().expect(name);
            let key = spec(None, signer, family);
            let allowed = key.serves.clone();
            Subject { name, verifier, keys: vec![key], allowed, strict: false, cached: false }
        };
        let mixed_keys = [
            (None, SignerId::Hmac, Family::Hmac),
            (Some("rsa-1"), SignerId::Rsa, Family::Rsa),
            (Some("rsa-2"), SignerId::Rsa2, Family::Rsa),
            (Some("p256"), SignerId::P256, Family::Ec),
            (Some("p384"), SignerId::P384, Family::Ec),
            (Some("ed"), SignerId::Ed25519, Family::Ed),
        ];
        // In a key set (as from a JWKS) rather than static keys: a static
        // P-256 key next to a P-384 one is refused at build time (every
        // static key of a family must serve each allowed algorithm of it).
        let mixed_set = KeySet::new(mixed_keys.map(|(kid, signer, _)| match signer {
            SignerId::Hmac => Key::hmac(&secret),
            SignerId::Rsa => public(RSA_PUB, kid),
            SignerId::Rsa2 => public(RSA2_PUB, kid),
            SignerId::P256 => public(P256_PUB, kid),
            SignerId::P384 => public(P384_PUB, kid),
            _ => public(ED_PUB, kid),
        }));
        let mixed = Verifier::builder()
            .key_set(KeySetHandle::new(mixed_set))
            .with_algorithms(Algorithm::ALL);
        let subjects = vec![
            Subject {
                name: "hmac",
                verifier: Verifier::hmac(&secret)
                    .with_algorithms(hs.clone())
                    .build()
                    .expect("hmac"),
                keys: vec![spec(None, SignerId::Hmac, Family::Hmac)],
                allowed: hs.clone(),
                strict: false,
                cached: false,
            },
            Subject {
                name: "flama",
                verifier: Verifier::hmac(&HmacSecret::flama_demo()).build().expect("flama"),
                keys: vec![spec(None, SignerId::FlamaHmac, Family::Hmac)],
                allowed: vec![Algorithm::HS256],
                strict: false,
                cached: false,
            },
            single("rsa", RSA_PUB, SignerId::Rsa, Family::Rsa),
            single("p256", P256_PUB, SignerId::P256, Family::Ec),
            single("p384", P384_PUB, SignerId::P384, Family::Ec),
            single("ed25519", ED_PUB, SignerId::Ed25519, Family::Ed),
            Subject {
                name: "mixed",
                verifier: mixed.build().expect("mixed"),
                keys: mixed_keys.into_iter().map(|(kid, s, f)| spec(kid, s, f)).collect(),
                allowed: Algorithm::ALL.to_vec(),
                strict: false,
                cached: false,
            },
            Subject {
                name: "strict",
                verifier: Verifier::hmac(&secret)
                    .with_algorithms([Algorithm::HS256, Algorithm::HS512])
                    .with_issuers([ISSUER])
                    .with_audiences([AUDIENCE])
                    .require_claims(REQUIRED)
                    .require_typ(TYP)
                    .cache(256)
                    .build()
                    .expect("strict"),
                keys: vec![spec(None, SignerId::Hmac, Family::Hmac)],
                allowed: vec![Algorithm::HS256, Algorithm::HS512],
                strict: true,
                cached: true,
            },
        ];
        Fixture { signers: Signers::load(), subjects }
    }

    pub(crate) fn subject(&self, name: &str) -> usize {
        self.subjects.iter().position(|s| s.name == name).expect("known subject")
    }
}

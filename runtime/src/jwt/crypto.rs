//! The crypto backend for asymmetric algorithms, chosen by cargo feature:
//! `aws-lc` (the default: RS256 ~8x, ES256 ~4x faster to verify here) or
//! `rust-crypto` (pure Rust, no C toolchain). HMAC always uses the RustCrypto
//! `hmac` crate, keyed once per key.

use jsonwebtoken::crypto::CryptoProvider;

#[cfg(not(any(feature = "aws-lc", feature = "rust-crypto")))]
compile_error!(
    "warden needs a crypto backend: enable the `aws-lc` (default) or `rust-crypto` feature"
);

/// The provider Warden calls explicitly, whatever the process default is.
pub(crate) fn provider() -> &'static CryptoProvider {
    #[cfg(feature = "aws-lc")]
    {
        &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER
    }
    #[cfg(all(feature = "rust-crypto", not(feature = "aws-lc")))]
    {
        &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER
    }
}

/// Makes [`provider`] jsonwebtoken's process default unless one is set, so
/// its key helpers (public JWK of a private key) work even when both of its
/// backend features are enabled.
pub(crate) fn install() {
    let _ = CryptoProvider::install_default(provider());
}

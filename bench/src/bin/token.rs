//! Mints the token `scripts/bench-e2e.sh` loads the servers with: the
//! claims of the example's `/auth/` (`iss`, `iat`, `data.id`,
//! `data.permissions`) plus an `exp` 30 days ahead, signed by jsonwebtoken
//! (neither server's own signing code).
//!
//! ```sh
//! warden-bench-token HS256 SECRET_HEX [--count N] [PERMISSION...]
//! warden-bench-token RS256|ES256|EdDSA PRIVATE_KEY.pem [--count N] [PERMISSION...]
//! ```
//!
//! Without permissions the token holds `my-permission-name`. Prints the
//! token, standard unpadded base64url; with `--count N`, N distinct tokens
//! (`jti` 0 to N-1), one a line, for loading a server with tokens it has
//! not seen (a verified-token cache that misses).

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};

/// Thirty days: outlives any benchmark run.
const LIFETIME_SECS: u64 = 30 * 24 * 3600;

fn main() -> ExitCode {
    match run() {
        Ok(token) => {
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<String, String> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut count = None;
    if let Some(at) = args.iter().position(|a| a == "--count") {
        let n = args.get(at + 1).and_then(|n| n.parse::<usize>().ok()).filter(|&n| n > 0);
        count = Some(n.ok_or("--count needs a positive number")?);
        args.drain(at..at + 2);
    }
    let [alg, key, permissions @ ..] = args.as_slice() else {
        return Err("usage: warden-bench-token HS256 SECRET_HEX | RS256|ES256|EdDSA KEY.pem \
                    [--count N] [PERMISSION...]"
            .into());
    };
    let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
        &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER,
    );
    let pem = || std::fs::read(key).map_err(|e| format!("cannot read `{key}`: {e}"));
    let (algorithm, key) = match alg.as_str() {
        "HS256" => (Algorithm::HS256, Ok(EncodingKey::from_secret(&from_hex(key)?))),
        "RS256" => (Algorithm::RS256, EncodingKey::from_rsa_pem(&pem()?)),
        "ES256" => (Algorithm::ES256, EncodingKey::from_ec_pem(&pem()?)),
        "EdDSA" => (Algorithm::EdDSA, EncodingKey::from_ed_pem(&pem()?)),
        other => return Err(format!("`{other}` is not HS256, RS256, ES256 or EdDSA")),
    };
    let key = key.map_err(|e| format!("key: {e}"))?;
    let permissions: Vec<&str> = if permissions.is_empty() {
        vec![warden_bench::PERMISSION]
    } else {
        permissions.iter().map(String::as_str).collect()
    };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|e| e.to_string())?.as_secs();
    let mut claims = serde_json::json!({
        "iss": "vortico",
        "iat": now,
        "exp": now + LIFETIME_SECS,
        "data": {"id": "7c9e6679-7425-40de-944b-e07fc1f66e17", "permissions": permissions},
    });
    let header = Header::new(algorithm);
    let Some(count) = count else {
        return jsonwebtoken::encode(&header, &claims, &key).map_err(|e| e.to_string());
    };
    let mut out = String::new();
    for jti in 0..count {
        claims["jti"] = jti.to_string().into();
        out.push_str(&jsonwebtoken::encode(&header, &claims, &key).map_err(|e| e.to_string())?);
        if jti + 1 < count {
            out.push('\n');
        }
    }
    Ok(out)
}

fn from_hex(hex: &str) -> Result<Vec<u8>, String> {
    let bad = || "the secret is not hex".to_owned();
    if !hex.len().is_multiple_of(2) {
        return Err(bad());
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| hex.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()).ok_or_else(bad))
        .collect()
}

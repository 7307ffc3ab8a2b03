//! The [`Verifier`]: key sources, algorithm allow-list and claim rules,
//! checked once when it is built, and the optional verified-token cache.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use smallvec::SmallVec;

use super::cache::TokenCache;
use super::compact::{Parts, decode_into, decode_signature, decoded_len, token_kid};
use super::keyset::{KeyRefresh, KeySet, KeySetHandle};
use super::paths::Paths;
use super::scan::{Audience, ClaimRules, Header, Registered, Text, Times};
use super::{Algorithm, ConfigError, HmacSecret, Jwt, JwtError, Key, Malformed};

/// The `typ` of refresh tokens Warden issues; never accepted as access tokens.
pub const REFRESH_TYP: &str = "refresh+jwt";

/// Default leeway for `exp`, `nbf` and `iat`.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);
/// Default maximum token length in bytes.
pub const DEFAULT_MAX_TOKEN_LEN: usize = 8 * 1024;
/// At most this many signature checks per token, whatever the key sets
/// hold: a token cannot make the server try every key.
const MAX_ATTEMPTS: usize = 4;

/// Verifies tokens: the keys, the algorithm allow-list and the claim rules.
///
/// A `Verifier` exists only valid: [`VerifierBuilder::build`] checks once
/// that every allowed algorithm has a key able to verify it and that every
/// HMAC secret is strong enough for the algorithms it serves.
///
/// ```
/// use warden::jwt::{Algorithm, HmacSecret, Verifier};
///
/// let secret = HmacSecret::new(b"0123456789abcdef0123456789abcdef".to_vec());
/// let verifier = Verifier::hmac(&secret)
///     .with_issuers(["vortico"])
///     .require_claims(["exp"])
///     .build()?;
/// assert_eq!(verifier.algorithms(), [Algorithm::HS256]);
/// # Ok::<(), warden::jwt::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct Verifier {
    rules: Arc<Rules>,
    cache: Option<Arc<TokenCache>>,
    refreshers: Arc<[Arc<dyn KeyRefresh>]>,
    /// Where the auth layer reads permissions (`paths.rs`).
    paths: Option<Arc<Paths>>,
}

/// Builds a [`Verifier`].
#[derive(Clone)]
pub struct VerifierBuilder {
    rules: Rules,
    static_keys: Vec<Key>,
    cache: Option<usize>,
    refreshers: Vec<Arc<dyn KeyRefresh>>,
}

#[derive(Clone)]
struct Rules {
    sources: Vec<KeySetHandle>,
    /// `None`: whatever the selected key serves (keys are bound to their
    /// algorithms when made); only with dynamic sources and no list given.
    algorithms: Option<Vec<Algorithm>>,
    leeway: u64,
    /// The leeway on `iat` alone, when it differs from `leeway` (refresh
    /// tokens: `exp` exact, `iat` from a replica a second ahead accepted).
    iat_leeway: Option<u64>,
    issuers: Option<Vec<String>>,
    audiences: Option<Vec<String>>,
    required: Vec<String>,
    typ: Option<String>,
    /// Refresh tokens (`typ: refresh+jwt`) are what this verifier accepts,
    /// and only them; otherwise they are refused as access tokens.
    refresh: bool,
    max_token_len: usize,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.rules.fmt("Verifier", f)
    }
}

impl fmt::Debug for VerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.rules.fmt("VerifierBuilder", f)
    }
}

impl Rules {
    fn fmt(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("algorithms", &self.algorithms)
            .field("sources", &self.sources)
            .field("leeway", &self.leeway)
            .field("iat_leeway", &self.iat_leeway)
            .field("issuers", &self.issuers)
            .field("audiences", &self.audiences)
            .field("required", &self.required)
            .field("typ", &self.typ)
            .field("max_token_len", &self.max_token_len)
            .finish()
    }

    /// The sum of the sources' generations: changes whenever a set does.
    fn generation(&self) -> u64 {
        self.sources.iter().map(KeySetHandle::generation).sum()
    }
}

impl Verifier {
    /// A builder with no key; add them with [`VerifierBuilder::key`] or
    /// [`VerifierBuilder::key_set`].
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder {
            rules: Rules {
                sources: Vec::new(),
                algorithms: None,
                leeway: DEFAULT_LEEWAY.as_secs(),
                iat_leeway: None,
                issuers: None,
                audiences: None,
                required: Vec::new(),
                typ: None,
                refresh: false,
                max_token_len: DEFAULT_MAX_TOKEN_LEN,
            },
            static_keys: Vec::new(),
            cache: None,
            refreshers: Vec::new(),
        }
    }

    /// A builder verifying HMAC tokens with `secret`; HS256 only until
    /// [`with_algorithms`](VerifierBuilder::with_algorithms) says otherwise.
    pub fn hmac(secret: &HmacSecret) -> VerifierBuilder {
        Verifier::builder().key(Key::hmac(secret)).with_algorithms([Algorithm::HS256])
    }

    /// The allowed algorithms: the allow-list, or what the keys known at
    /// build time serve when none was given.
    pub fn algorithms(&self) -> &[Algorithm] {
        self.rules.algorithms.as_deref().unwrap_or(&[])
    }

    /// Decodes `token`, checks its signature over the bytes as received and
    /// validates its claims.
    pub fn verify(&self, token: &str) -> Result<Jwt, JwtError> {
        self.verify_at(token, unix_now()).map(Arc::unwrap_or_clone)
    }

    /// [`verify`](Self::verify) at `now`, in seconds since the Unix epoch,
    /// sharing the verified token (no copy on a cache hit).
    pub fn verify_at(&self, token: &str, now: u64) -> Result<Arc<Jwt>, JwtError> {
        match self.cached(token.as_bytes(), now) {
            Some(verified) => verified,
            None => self.verify_fresh(token, now),
        }
    }

    /// A token verified before, found by its bytes alone (they need not
    /// be known to be text), its time claims checked again at `now`: time
    /// has passed since. The other checks depend on the token and the rules
    /// alone. `None` when it is not in the cache (or there is none).
    pub(crate) fn cached(&self, token: &[u8], now: u64) -> Option<Result<Arc<Jwt>, JwtError>> {
        let jwt = self.cache.as_ref()?.get(token, self.rules.generation())?;
        Some(self.check_times(jwt.times(), now).map(|()| jwt))
    }

    /// [`verify_at`](Self::verify_at) past the cache: the token is verified,
    /// and kept in the cache if there is one.
    pub(crate) fn verify_fresh(&self, token: &str, now: u64) -> Result<Arc<Jwt>, JwtError> {
        let rules = &*self.rules;
        if token.len() > rules.max_token_len {
            return Err(JwtError::TooLarge);
        }
        // Read before verifying: a key set changing meanwhile leaves the
        // entry stale rather than passing it for the new keys' verdict.
        let generation = rules.generation();
        let jwt = Arc::new(self.verify_uncached(token, now)?);
        if let Some(cache) = &self.cache {
            cache.insert(token, jwt.clone(), generation);
        }
        Ok(jwt)
    }

    /// [`verify_at`](Self::verify_at), and, when a source can fetch keys
    /// ([`KeyRefresh`]), once more after asking it to if the token names a
    /// `kid` no key has, or a `kid` whose key (held by such a source) does
    /// not verify its signature: providers may replace a key without
    /// changing its `kid`. The second verification runs only if the keys
    /// changed meanwhile.
    pub async fn verify_refreshing(&self, token: &str, now: u64) -> Result<Arc<Jwt>, JwtError> {
        // Read first: keys a concurrent fetch brings in after this count as
        // a change, even if that fetch ends before ours would start.
        let generation = self.key_generation();
        match self.verify_at(token, now) {
            Err(error) => self.refresh_after(token, error, generation, now).await,
            verified => verified,
        }
    }

    /// The keys' generation, bumped by every key-set swap: read it before
    /// a verification whose failure may go to
    /// [`refresh_after`](Self::refresh_after).
    pub(crate) fn key_generation(&self) -> u64 {
        self.rules.generation()
    }

    /// The rest of [`verify_refreshing`](Self::verify_refreshing) after a
    /// first verification failed with `error`, `generation` read before it:
    /// the signature is checked again only if a source's keys changed.
    pub(crate) async fn refresh_after(
        &self,
        token: &str,
        error: JwtError,
        generation: u64,
        now: u64,
    ) -> Result<Arc<Jwt>, JwtError> {
        let rejected = match error {
            JwtError::UnknownKey => false,
            JwtError::BadSignature => true,
            _ => return Err(error),
        };
        if self.refreshers.is_empty() {
            return Err(error);
        }
        let Some(kid) = token_kid(token) else { return Err(error) };
        for source in self.refreshers.iter() {
            if rejected {
                source.refresh_for_rejected_kid(&kid).await;
            } else {
                source.refresh_for_kid(&kid).await;
            }
        }
        if self.rules.generation() == generation {
            return Err(error);
        }
        self.verify_at(token, now)
    }

    /// Whether a token failing with [`JwtError::UnknownKey`] may verify after
    /// a refresh ([`verify_refreshing`](Self::verify_refreshing)).
    pub fn can_refresh(&self) -> bool {
        !self.refreshers.is_empty()
    }

    /// Whether a token that failed with [`JwtError::BadSignature`] names a
    /// `kid` held by a source that can fetch keys, so that it may verify
    /// after a refresh. Reads the token's header again: failures only.
    pub(crate) fn may_refresh_rejected(&self, token: &str) -> bool {
        !self.refreshers.is_empty()
            && token_kid(token).is_some_and(|kid| {
                self.refreshers.iter().any(|source| source.handle().load().has_kid(&kid))
            })
    }

    fn verify_uncached(&self, token: &str, now: u64) -> Result<Jwt, JwtError> {
        let rules = &*self.rules;
        let parts = Parts::split(token)?;
        // One buffer for the decoded header and claims; it becomes the
        // verified token's storage (the only allocation of a verification).
        let mut json = Vec::with_capacity(decoded_len(parts.header) + decoded_len(parts.payload));
        decode_into(parts.header, &mut json, Malformed::HeaderBase64)?;
        let split = json.len();
        let header = Header::scan(&json)?;
        let alg: Algorithm = match &header.alg {
            Some(Text::String(alg)) => alg.parse().map_err(|_| JwtError::AlgorithmNotAllowed)?,
            _ => return Err(Malformed::NoAlgorithm.into()),
        };
        let signature = decode_signature(parts.signature)?;
        if header.crit {
            // RFC 7515 §4.1.11: Warden implements no JWS extension, so every
            // critical parameter is one it does not understand.
            return Err(JwtError::UnknownCritical);
        }
        let kid = match &header.kid {
            None => None,
            Some(Text::String(kid)) => Some(&**kid),
            Some(Text::NotString) => return Err(Malformed::KeyId.into()),
        };
        let sets: SmallVec<[_; 2]> = rules.sources.iter().map(KeySetHandle::load).collect();
        let family_keyed = sets.iter().any(|s| s.keys().iter().any(|k| k.family() == alg.family()));
        if !family_keyed {
            // A source that fetches keys may not have this family's yet (a
            // degraded start, a provider moving from RSA to EC keys); it is
            // never asked for HMAC keys, which no key set publishes.
            let fetchable =
                kid.is_some() && !self.refreshers.is_empty() && alg.family() != super::Family::Hmac;
            return Err(if fetchable {
                JwtError::UnknownKey
            } else {
                JwtError::AlgorithmNotAllowed
            });
        }
        if let Some(allowed) = &rules.algorithms
            && !allowed.contains(&alg)
        {
            // An algorithm of a family the verifier has keys for is answered
            // as a bad signature: "not allowed" would tell an attacker which
            // HMAC strengths the secret is long enough for.
            return Err(JwtError::BadSignature);
        }
        if let Some(typ) = &rules.typ
            && !header.typ().is_some_and(|t| same_typ(t, typ))
        {
            return Err(JwtError::WrongType);
        }
        let is_refresh = header.typ().is_some_and(|t| same_typ(t, REFRESH_TYP));
        if is_refresh != rules.refresh {
            // A refresh token is never an access token, nor the reverse.
            return Err(JwtError::WrongType);
        }
        let candidates = candidates(&sets, kid, alg);
        if candidates.is_empty() {
            let kid_known = kid.is_none_or(|kid| sets.iter().any(|s| s.has_kid(kid)));
            return Err(if kid_known { JwtError::BadSignature } else { JwtError::UnknownKey });
        }
        let message = parts.signing_input.as_bytes();
        if !candidates.iter().any(|k| k.verify(alg, message, &signature)) {
            return Err(JwtError::BadSignature);
        }
        drop(header);
        decode_into(parts.payload, &mut json, Malformed::PayloadBase64)?;
        let (claims, spans) =
            Registered::scan_with(&json[split..], &self.claim_rules(), self.paths.as_deref())?;
        self.check_claims(&claims, now)?;
        Ok(Jwt::verified(alg, json, split, claims.times, spans))
    }

    /// This verifier, also noting where the strings on `paths` are in the
    /// claims of the tokens it verifies.
    pub(crate) fn with_claim_paths(mut self, paths: Option<Paths>) -> Self {
        self.paths = paths.map(Arc::new);
        self
    }

    /// The id of the paths given to [`with_claim_paths`](Self::with_claim_paths).
    pub(crate) fn claim_paths(&self) -> Option<u64> {
        self.paths.as_ref().map(|p| p.id())
    }

    fn claim_rules(&self) -> ClaimRules<'_> {
        let rules = &*self.rules;
        ClaimRules {
            required: &rules.required,
            issuers: rules.issuers.as_deref(),
            audiences: rules.audiences.as_deref(),
        }
    }

    /// The claim rules, in a fixed order: required claims, the time claims,
    /// the issuer, the audience.
    fn check_claims(&self, claims: &Registered, now: u64) -> Result<(), JwtError> {
        if !claims.has_required {
            return Err(JwtError::MissingClaim);
        }
        self.check_times(claims.times, now)?;
        if !claims.issuer_ok {
            return Err(JwtError::WrongIssuer);
        }
        match (claims.audience, &self.rules.audiences) {
            (None, None) | (Some(Audience::Accepted), Some(_)) => Ok(()),
            (Some(_), None) => Err(JwtError::UnexpectedAudience),
            (None, Some(_)) => Err(JwtError::MissingAudience),
            (Some(Audience::Other | Audience::Malformed), Some(_)) => Err(JwtError::WrongAudience),
        }
    }

    /// `exp`, `nbf` and `iat` against `now`, with the leeway.
    fn check_times(&self, times: Times, now: u64) -> Result<(), JwtError> {
        let valid = |t: Option<f64>| match t {
            Some(t) if t.is_nan() => Err(JwtError::InvalidTimeClaim),
            t => Ok(t),
        };
        // In f64: claims may be fractional, and no leeway can overflow.
        #[allow(clippy::cast_precision_loss)] // seconds below 2^53 are exact
        let (now, leeway) = (now as f64, self.rules.leeway as f64);
        if let Some(exp) = valid(times.exp)?
            && now >= exp + leeway
        {
            return Err(JwtError::Expired);
        }
        if let Some(nbf) = valid(times.nbf)?
            && now + leeway < nbf
        {
            return Err(JwtError::NotYetValid);
        }
        #[allow(clippy::cast_precision_loss)]
        let iat_leeway = self.rules.iat_leeway.map_or(leeway, |l| l as f64);
        if let Some(iat) = valid(times.iat)?
            && iat > now + iat_leeway
        {
            return Err(JwtError::IssuedInFuture);
        }
        Ok(())
    }
}

/// The keys a token may be verified with, at most [`MAX_ATTEMPTS`]: with a
/// `kid`, the keys carrying it, else the keys without one (a static secret);
/// without a `kid`, the keys without one, else a set's only key of the
/// family.
fn candidates<'s>(
    sets: &'s [arc_swap::Guard<Arc<KeySet>>],
    kid: Option<&str>,
    alg: Algorithm,
) -> SmallVec<[&'s Key; MAX_ATTEMPTS]> {
    let usable = |k: &&Key| k.family() == alg.family() && k.serves(alg);
    let all = || sets.iter().flat_map(|s| s.keys().iter()).filter(usable);
    let mut found: SmallVec<[&Key; MAX_ATTEMPTS]> = match kid {
        Some(kid) => all().filter(|k| k.kid() == Some(kid)).take(MAX_ATTEMPTS).collect(),
        None => SmallVec::new(),
    };
    if found.is_empty() {
        found = all().filter(|k| k.kid().is_none()).take(MAX_ATTEMPTS).collect();
    }
    if found.is_empty() && kid.is_none() {
        found = sets
            .iter()
            .filter_map(|s| {
                let mut keys = s.keys().iter().filter(usable);
                match (keys.next(), keys.next()) {
                    (Some(only), None) => Some(only),
                    _ => None,
                }
            })
            .take(MAX_ATTEMPTS)
            .collect();
    }
    found
}

impl VerifierBuilder {
    /// Adds a verification key.
    #[must_use]
    pub fn key(mut self, key: Key) -> Self {
        self.static_keys.push(key);
        self
    }

    /// Adds a shared key set that can be swapped at run time (rotation, a
    /// remote JWKS).
    #[must_use]
    pub fn key_set(mut self, handle: KeySetHandle) -> Self {
        self.rules.sources.push(handle);
        self
    }

    /// Adds a key source that can fetch unknown keys (a remote JWKS).
    #[must_use]
    pub fn key_source(mut self, source: Arc<dyn KeyRefresh>) -> Self {
        self.rules.sources.push(source.handle().clone());
        self.refreshers.push(source);
        self
    }

    /// The algorithm allow-list. A token's `alg` must be one of these, spelled
    /// exactly; `none` is never accepted. Default: what the keys serve.
    #[must_use]
    pub fn with_algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        let mut list: Vec<Algorithm> = algorithms.into_iter().collect();
        list.dedup();
        self.rules.algorithms = Some(list);
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat` (default 60 s).
    #[must_use]
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.rules.leeway = leeway.as_secs();
        self
    }

    /// Clock skew tolerated on `iat` alone, overriding [`with_leeway`]'s
    /// for it: the refresh verifier keeps `exp` exact but accepts a token
    /// minted by a replica whose clock is a little ahead.
    ///
    /// [`with_leeway`]: Self::with_leeway
    #[must_use]
    pub(crate) fn with_iat_leeway(mut self, leeway: Duration) -> Self {
        self.rules.iat_leeway = Some(leeway.as_secs());
        self
    }

    /// Requires `iss` to be one of these.
    #[must_use]
    pub fn with_issuers<I: Into<String>>(mut self, issuers: impl IntoIterator<Item = I>) -> Self {
        self.rules.issuers = Some(issuers.into_iter().map(Into::into).collect());
        self
    }

    /// Requires `aud` to contain one of these. Without this, a token that has
    /// an `aud` claim is rejected (it was meant for someone else).
    #[must_use]
    pub fn with_audiences<I: Into<String>>(
        mut self,
        audiences: impl IntoIterator<Item = I>,
    ) -> Self {
        self.rules.audiences = Some(audiences.into_iter().map(Into::into).collect());
        self
    }

    /// Claims every token must carry, e.g. `["exp"]` so that no token is
    /// valid forever. None by default, as Flama issues tokens without `exp`.
    #[must_use]
    pub fn require_claims<I: Into<String>>(mut self, claims: impl IntoIterator<Item = I>) -> Self {
        self.rules.required.extend(claims.into_iter().map(Into::into));
        self
    }

    /// The `typ` header every token must carry (RFC 8725 §3.11), e.g.
    /// `at+jwt` for access tokens (RFC 9068). Compared as a media type:
    /// case-insensitively, with or without `application/`.
    #[must_use]
    pub fn require_typ(mut self, typ: impl Into<String>) -> Self {
        self.rules.typ = Some(typ.into());
        self
    }

    /// Accepts refresh tokens (`typ: refresh+jwt`), and nothing else: for
    /// the refresh endpoint's verifier only.
    #[must_use]
    pub(crate) fn refresh_tokens(mut self) -> Self {
        self.rules.refresh = true;
        self
    }

    /// Tokens longer than this many bytes are refused before decoding
    /// (default 8 KiB).
    #[must_use]
    pub fn with_max_token_len(mut self, max: usize) -> Self {
        self.rules.max_token_len = max;
        self
    }

    /// Keeps up to `capacity` verified tokens, keyed by their exact text,
    /// so a token presented again skips the signature check: what makes
    /// RS256/ES256 routes nearly as cheap as HMAC ones when clients reuse
    /// their tokens. A hit still checks the time claims, and after any
    /// change to a key set no token cached before it is a hit. Each thread
    /// also keeps tokens it found twice in a row (up to 8, of at most
    /// 2 KiB) in front of the shared cache, read without a lock. Off by
    /// default.
    #[must_use]
    pub fn cache(mut self, capacity: usize) -> Self {
        self.cache = (capacity > 0).then_some(capacity);
        self
    }

    /// Checks the configuration: a key for every allowed algorithm (unless
    /// a key set can still change), and every HMAC secret effectively long
    /// enough for the algorithms it serves.
    pub fn build(self) -> Result<Verifier, ConfigError> {
        let VerifierBuilder { mut rules, static_keys, cache, refreshers } = self;
        if rules.required.iter().any(String::is_empty) {
            return Err(ConfigError::EmptyClaimName);
        }
        let dynamic = !rules.sources.is_empty();
        match &rules.algorithms {
            Some(list) if list.is_empty() => return Err(ConfigError::NoAlgorithms),
            Some(list) => {
                for &alg in list {
                    let mut keys =
                        static_keys.iter().filter(|k| k.family() == alg.family()).peekable();
                    if keys.peek().is_none() {
                        if dynamic {
                            continue;
                        }
                        return Err(ConfigError::AlgorithmKeyMismatch(alg));
                    }
                    if alg.family() == super::Family::Hmac {
                        // Every secret must serve it: a weak HMAC secret is
                        // refused rather than silently skipped.
                        for key in keys {
                            key.check(alg)?;
                        }
                    } else if !keys.any(|k| k.serves(alg)) {
                        // P-256 and P-384 keys side by side: each serves its
                        // own curve's algorithm.
                        return Err(ConfigError::AlgorithmKeyMismatch(alg));
                    }
                }
            }
            None => {
                if static_keys.is_empty() && !dynamic {
                    return Err(ConfigError::NoAlgorithms);
                }
                for key in &static_keys {
                    if key.family() == super::Family::Hmac {
                        key.check(Algorithm::HS256)?;
                    }
                }
                if !dynamic {
                    let served = Algorithm::ALL
                        .into_iter()
                        .filter(|&a| static_keys.iter().any(|k| k.serves(a)))
                        .collect();
                    rules.algorithms = Some(served);
                }
            }
        }
        if !static_keys.is_empty() {
            rules.sources.insert(0, KeySetHandle::new(KeySet::new(static_keys)));
        }
        let cache = cache.map(|capacity| Arc::new(TokenCache::new(capacity)));
        Ok(Verifier { rules: Arc::new(rules), cache, refreshers: refreshers.into(), paths: None })
    }
}

/// `typ` values compare as media types: case-insensitive, and
/// `application/` may be left out (RFC 7515 §4.1.9).
fn same_typ(got: &str, expected: &str) -> bool {
    fn short(t: &str) -> &str {
        t.get(..12).filter(|p| p.eq_ignore_ascii_case("application/")).map_or(t, |_| &t[12..])
    }
    short(got).eq_ignore_ascii_case(short(expected))
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

//! A generated policy test matrix: every route of the permission table is
//! called in-process, with and without tokens, and the answers are compared
//! with what its [`Policy`] promises. Enabled by the `testing` feature.
//!
//! The matrix checks the *policy*, not the handler: requests carry no body,
//! so a route that answers 400, 415 or 422 to a well-authorized request has
//! passed (it is neither 401 nor 403).
//!
//! | route policy | case | expected |
//! |---|---|---|
//! | `public` | no token | neither 401 nor 403 |
//! | `optional` | no token | neither 401 nor 403 |
//! | `optional` | token signed with another key | 401 |
//! | `optional` | valid token without permissions | neither 401 nor 403 |
//! | `authenticated`, `permissions` | no token | 401 |
//! | `authenticated`, `permissions` | token signed with another key | 401 |
//! | `authenticated` | valid token without permissions | neither 401 nor 403 |
//! | `permissions` | valid token without permissions | 403 |
//! | `permissions` | valid token with only other permissions of the table | 403 |
//! | `permissions = [a, b, ...]` | each "all but one" | 403 |
//! | `permissions` | exactly the required permissions | neither 401 nor 403 |
//!
//! Every token case is sent in the configured header and, when the app reads
//! one, in the configured cookie. Tokens are written where the app's
//! [`PermissionSource`] reads permissions.
//!
//! ```
//! use warden::jwt::{Algorithm, HmacSecret, Verifier};
//! use warden::testing::PolicyMatrix;
//! use warden::{App, Auth, route, routes};
//!
//! #[route(get, "/public/", public)]
//! async fn public() {}
//!
//! #[route(get, "/models/{id}", permissions = ["read"])]
//! async fn model() {}
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let secret = HmacSecret::new(b"0123456789abcdef0123456789abcdef".to_vec());
//! let app = App::new("Demo", "1.0.0")
//!     .auth(Auth::new(Verifier::hmac(&secret).build()?).build()?)
//!     .routes(routes![public, model]);
//! PolicyMatrix::from_app(app, (), secret, Algorithm::HS256)?.check().await;
//! # Ok(()) }
//! ```

use std::fmt;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderName, Request, StatusCode, header};
use serde_json::{Map, Value};
use tower::ServiceExt;

use crate::app::{App, BuildError};
use crate::auth::{Authenticator, PermissionSource};
use crate::jwt::{Algorithm, HmacSecret, Jwt};
use crate::table::{PathSegment, Policy, Route};

/// Default value for path parameters (`{id}`, `{*rest}`).
pub const DEFAULT_PLACEHOLDER: &str = "1";

/// Held by "other permissions" tokens so that they are never empty; chosen
/// to be a valid RFC 6749 scope token.
const DECOY: &str = "warden-matrix-decoy";

/// The policy test matrix of an app. See the [module docs](self).
#[derive(Debug)]
pub struct PolicyMatrix {
    router: Router,
    routes: Vec<&'static Route>,
    auth: Option<Authenticator>,
    secret: HmacSecret,
    algorithm: Algorithm,
    claims: Map<String, Value>,
    placeholder: String,
    params: Vec<(String, String)>,
}

impl PolicyMatrix {
    /// A matrix checking `router` against `table`, with tokens found as
    /// `auth` says and signed with `secret` under `algorithm`.
    ///
    /// `router` must be the one built from `table` (after `with_state`);
    /// checking it against another table is how a mismatch is found.
    pub fn new(
        router: Router,
        table: impl IntoIterator<Item = &'static Route>,
        auth: &Authenticator,
        secret: HmacSecret,
        algorithm: Algorithm,
    ) -> Self {
        PolicyMatrix {
            router,
            routes: table.into_iter().collect(),
            auth: Some(auth.clone()),
            secret,
            algorithm,
            claims: Map::new(),
            placeholder: DEFAULT_PLACEHOLDER.to_owned(),
            params: Vec::new(),
        }
    }

    /// A matrix for `app`: its table and authenticator, and the router it
    /// builds with `state`.
    pub fn from_app<S>(
        app: App<S>,
        state: S,
        secret: HmacSecret,
        algorithm: Algorithm,
    ) -> Result<Self, BuildError>
    where
        S: Clone + Send + Sync + 'static,
    {
        let routes: Vec<_> = app.table().collect();
        let auth = app.authenticator().cloned();
        let router = app.build()?.with_state(state);
        Ok(PolicyMatrix {
            router,
            routes,
            auth,
            secret,
            algorithm,
            claims: Map::new(),
            placeholder: DEFAULT_PLACEHOLDER.to_owned(),
            params: Vec::new(),
        })
    }

    /// Claims every minted token carries besides its permissions, e.g.
    /// `{"iss": "vortico"}` when the verifier requires an issuer. Where the
    /// permission source reads, the matrix's permissions replace these.
    ///
    /// # Panics
    ///
    /// When `claims` is not a JSON object.
    pub fn claims(mut self, claims: Value) -> Self {
        let Value::Object(claims) = claims else {
            panic!("PolicyMatrix::claims takes a JSON object");
        };
        self.claims = claims;
        self
    }

    /// The value of every path parameter without its own
    /// [`param`](Self::param) (default [`DEFAULT_PLACEHOLDER`]).
    pub fn placeholder(mut self, value: impl Into<String>) -> Self {
        self.placeholder = value.into();
        self
    }

    /// The value of the path parameter `name` (`{name}` or `{*name}`), e.g.
    /// a UUID where the handler parses one.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// Runs every case. `Ok` when all passed; either way the [`Report`]
    /// holds every outcome.
    pub async fn run(&self) -> Result<Report, Report> {
        let mut report = Report { outcomes: Vec::new(), problems: Vec::new() };
        let universe = self.all_permissions();
        let minter = self.minter(&mut report);
        for &route in &self.routes {
            let uri = self.uri(route);
            let cases = plan(route.policy()).unwrap_or_else(|| {
                report.problems.push(format!(
                    "{}: the matrix does not know this policy; only its no-token case ran",
                    Label(route)
                ));
                vec![(Case::NoToken, Expected::Status(StatusCode::UNAUTHORIZED))]
            });
            for (case, expected) in cases {
                let token = match (&case, &minter) {
                    (Case::NoToken, _) => None,
                    // No authenticator (then every route is public), or
                    // minting failed, which `minter` reported.
                    (_, None) => continue,
                    (case, Some(minter)) => match minter.token(case, route.policy(), &universe) {
                        Ok(token) => Some(token),
                        Err(problem) => {
                            report.problems.push(format!("{}: {case}: {problem}", Label(route)));
                            continue;
                        }
                    },
                };
                for transport in self.transports(token.is_some()) {
                    let request = self.request(route, &uri, &transport, token.as_deref());
                    let got = match request {
                        Ok(request) => {
                            let response = self.router.clone().oneshot(request).await;
                            match response {
                                Ok(response) => response.status(),
                                Err(never) => match never {},
                            }
                        }
                        Err(problem) => {
                            report.problems.push(format!("{}: {problem}", Label(route)));
                            continue;
                        }
                    };
                    report.outcomes.push(Outcome {
                        route,
                        case: case.clone(),
                        transport,
                        expected,
                        got,
                    });
                }
            }
        }
        if report.passed() { Ok(report) } else { Err(report) }
    }

    /// Runs every case and panics with the report when one failed.
    pub async fn check(&self) -> Report {
        match self.run().await {
            Ok(report) => report,
            Err(report) => panic!("{report}"),
        }
    }

    /// Every permission named in the table, in table order.
    fn all_permissions(&self) -> Vec<&'static str> {
        let mut all = Vec::new();
        for p in
            self.routes.iter().flat_map(|r| r.policy().alternatives().iter().copied().flatten())
        {
            if !all.contains(p) {
                all.push(*p);
            }
        }
        all
    }

    /// Sets up token minting and checks that the app accepts what is minted,
    /// so a misconfigured matrix is reported as such and not as a hundred
    /// unexplained 401s.
    fn minter(&self, report: &mut Report) -> Option<Minter<'_>> {
        let auth = self.auth.as_ref()?;
        let minter = Minter {
            source: auth.permission_source(),
            base: &self.claims,
            secret: &self.secret,
            other_secret: other_secret(&self.secret),
            algorithm: self.algorithm,
        };
        match minter.mint(&[], &self.secret) {
            Ok(token) => {
                if let Err(error) = auth.verifier().verify(&token) {
                    report.problems.push(format!(
                        "the app's verifier refuses the matrix's tokens ({error}); pass the \
                         app's secret, an allowed algorithm and the claims it requires \
                         (`PolicyMatrix::claims`, e.g. `iss` or `aud`)"
                    ));
                }
            }
            Err(problem) => {
                report.problems.push(format!("cannot mint tokens: {problem}"));
                return None;
            }
        }
        Some(minter)
    }

    fn transports(&self, with_token: bool) -> Vec<Transport> {
        let Some(auth) = self.auth.as_ref().filter(|_| with_token) else {
            return vec![Transport::None];
        };
        let (name, scheme) = auth.header();
        let mut transports =
            vec![Transport::Header { name: name.clone(), scheme: scheme.to_owned() }];
        if let Some(cookie) = auth.cookie_name() {
            transports.push(Transport::Cookie(cookie.to_owned()));
        }
        transports
    }

    fn uri(&self, route: &Route) -> String {
        fill_path(route.segments(), |name| {
            self.params
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map_or(self.placeholder.as_str(), |(_, v)| v.as_str())
        })
    }

    #[allow(clippy::unused_self)] // one of the matrix's request helpers; no state needed yet
    fn request(
        &self,
        route: &Route,
        uri: &str,
        transport: &Transport,
        token: Option<&str>,
    ) -> Result<Request<Body>, String> {
        let mut builder = Request::builder().method(route.method().as_str()).uri(uri);
        match (transport, token) {
            (Transport::Header { name, scheme }, Some(token)) => {
                builder = builder.header(name, format!("{scheme} {token}"));
            }
            (Transport::Cookie(name), Some(token)) => {
                builder = builder.header(header::COOKIE, format!("{name}={token}"));
            }
            _ => {}
        }
        // The error names the URI or header at fault, never the token value.
        builder.body(Body::empty()).map_err(|_| format!("cannot build a request for `{uri}`"))
    }
}

/// The cases a policy calls for, with what each must get; `None` for a
/// policy this matrix predates.
fn plan(policy: &Policy) -> Option<Vec<(Case, Expected)>> {
    let unauthorized = Expected::Status(StatusCode::UNAUTHORIZED);
    let forbidden = Expected::Status(StatusCode::FORBIDDEN);
    let alternatives = policy.alternatives();
    let cases = match policy {
        Policy::Public => vec![(Case::NoToken, Expected::Allowed)],
        Policy::Optional => vec![
            (Case::NoToken, Expected::Allowed),
            (Case::BadSignature, unauthorized),
            (Case::NoPermissions, Expected::Allowed),
        ],
        _ if alternatives.iter().all(|set| set.is_empty()) => vec![
            (Case::NoToken, unauthorized),
            (Case::BadSignature, unauthorized),
            (Case::NoPermissions, Expected::Allowed),
        ],
        Policy::Permissions(required) => {
            let mut cases = vec![
                (Case::NoToken, unauthorized),
                (Case::BadSignature, unauthorized),
                (Case::NoPermissions, forbidden),
                (Case::OtherPermissions, forbidden),
            ];
            if required.len() > 1 {
                cases.extend(required.iter().map(|p| (Case::AllBut(p), forbidden)));
            }
            cases.push((Case::ExactPermissions, Expected::Allowed));
            cases
        }
        Policy::AnyOf(sets) => {
            let mut cases = vec![
                (Case::NoToken, unauthorized),
                (Case::BadSignature, unauthorized),
                (Case::NoPermissions, forbidden),
                (Case::OtherPermissions, forbidden),
            ];
            // `#[route]` drops a set that contains another, so a set less one
            // permission satisfies no other set.
            for set in *sets {
                if set.len() > 1 {
                    cases.extend(set.iter().map(|p| (Case::SetAllBut(set, p), forbidden)));
                }
                cases.push((Case::ExactSet(set), Expected::Allowed));
            }
            cases
        }
        // `Policy` is `#[non_exhaustive]` for users; a variant added later
        // is reported by `run` instead of being silently skipped.
        #[allow(unreachable_patterns)]
        _ => return None,
    };
    Some(cases)
}

/// Writes and signs the matrix's tokens.
struct Minter<'a> {
    source: &'a PermissionSource,
    base: &'a Map<String, Value>,
    secret: &'a HmacSecret,
    other_secret: HmacSecret,
    algorithm: Algorithm,
}

impl Minter<'_> {
    fn token(&self, case: &Case, policy: &Policy, universe: &[&str]) -> Result<String, String> {
        let alternatives = policy.alternatives();
        // Every permission the policy names, in any set.
        let named: Vec<&str> = alternatives.iter().copied().flatten().copied().collect();
        let first = alternatives.first().copied().unwrap_or_default();
        let all_but = |set: &[&'static str], missing: &str| -> Vec<&'static str> {
            set.iter().copied().filter(|p| *p != missing).collect()
        };
        match case {
            Case::NoToken => Err("the no-token case has no token".to_owned()),
            Case::BadSignature => self.mint(first, &self.other_secret),
            Case::NoPermissions => self.mint(&[], self.secret),
            Case::OtherPermissions => {
                let mut held: Vec<&str> =
                    universe.iter().copied().filter(|p| !named.contains(p)).collect();
                held.push(decoy(&named));
                self.mint(&held, self.secret)
            }
            Case::AllBut(missing) => self.mint(&all_but(first, missing), self.secret),
            Case::ExactPermissions => self.mint(first, self.secret),
            Case::SetAllBut(set, missing) => self.mint(&all_but(set, missing), self.secret),
            Case::ExactSet(set) => self.mint(set, self.secret),
        }
    }

    fn mint(&self, permissions: &[&str], secret: &HmacSecret) -> Result<String, String> {
        let claims = claims_granting(self.source, self.base, permissions).ok_or(
            "the app's custom claim layout cannot be written; implement `ClaimLayout::write`",
        )?;
        Jwt::new(self.algorithm, Value::Object(claims))
            .and_then(|jwt| jwt.encode(secret))
            .map_err(|e| e.to_string())
    }
}

/// A secret that differs from `secret` as an HMAC key. Flipping every bit
/// matters: HMAC pads keys with zeros, so appending zeros would not change it.
fn other_secret(secret: &HmacSecret) -> HmacSecret {
    let bytes = secret.as_bytes();
    if bytes.is_empty() {
        return HmacSecret::new(vec![0xff; 32]);
    }
    // Only ever used to forge a bad signature, so its length is moot.
    HmacSecret::new(bytes.iter().map(|b| !b).collect::<Vec<_>>()).allow_weak()
}

/// A permission none of `required` is.
fn decoy(required: &[&str]) -> &'static str {
    const DECOYS: [&str; 3] = [DECOY, "warden-matrix-decoy-2", "warden-matrix-decoy-3"];
    DECOYS.into_iter().find(|d| !required.contains(d)).expect("at most two can collide")
}

/// `base` with `permissions` written where `source` reads them, and nothing
/// else that `source` would read as a permission (`None`: a custom layout
/// that cannot be written).
pub(crate) fn claims_granting(
    source: &PermissionSource,
    base: &Map<String, Value>,
    permissions: &[&str],
) -> Option<Map<String, Value>> {
    let mut claims = base.clone();
    source.write(&mut claims, permissions).then_some(claims)
}

/// The route's path with each parameter replaced by `value(name)`,
/// percent-encoded (a catch-all keeps its `/`).
fn fill_path<'v>(segments: &[PathSegment], value: impl Fn(&str) -> &'v str) -> String {
    let mut out = String::new();
    for segment in segments {
        out.push('/');
        match segment {
            PathSegment::Static(text) => out.push_str(text),
            PathSegment::Param(name) => percent_encode(value(name), false, &mut out),
            PathSegment::CatchAll(name) => percent_encode(value(name), true, &mut out),
        }
    }
    out
}

fn percent_encode(value: &str, keep_slash: bool, out: &mut String) {
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'.' | b'_' | b'~')
            || (keep_slash && byte == b'/')
        {
            out.push(char::from(byte));
        } else {
            let _ = std::fmt::Write::write_fmt(out, format_args!("%{byte:02X}"));
        }
    }
}

/// One kind of request the matrix sends.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Case {
    /// No credentials at all.
    NoToken,
    /// A token holding the required permissions, signed with another key.
    BadSignature,
    /// A valid token holding no permissions.
    NoPermissions,
    /// A valid token holding every permission of the table except the
    /// route's, plus one no route uses.
    OtherPermissions,
    /// A valid token holding every required permission but this one.
    AllBut(&'static str),
    /// A valid token holding exactly the required permissions.
    ExactPermissions,
    /// For `any(...)`: a valid token holding one set but this permission.
    SetAllBut(&'static [&'static str], &'static str),
    /// For `any(...)`: a valid token holding exactly one set.
    ExactSet(&'static [&'static str]),
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Case::NoToken => f.write_str("no token"),
            Case::BadSignature => f.write_str("token signed with another key"),
            Case::NoPermissions => f.write_str("valid token without permissions"),
            Case::OtherPermissions => f.write_str("valid token with only other permissions"),
            Case::AllBut(missing) => write!(f, "valid token with all permissions but {missing:?}"),
            Case::ExactPermissions => f.write_str("valid token with exactly the permissions"),
            Case::SetAllBut(set, missing) => {
                write!(f, "valid token with all of {set:?} but {missing:?}")
            }
            Case::ExactSet(set) => write!(f, "valid token with exactly {set:?}"),
        }
    }
}

/// Where a case's token travels.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transport {
    /// No token sent.
    None,
    /// `NAME: SCHEME TOKEN`.
    Header {
        /// The header name.
        name: HeaderName,
        /// The scheme, e.g. `Bearer`.
        scheme: String,
    },
    /// `Cookie: NAME=TOKEN`.
    Cookie(String),
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transport::None => f.write_str("no credentials"),
            Transport::Header { name, scheme } => write!(f, "header `{name}: {scheme}`"),
            Transport::Cookie(name) => write!(f, "cookie `{name}`"),
        }
    }
}

/// What a case must get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expected {
    /// Exactly this status.
    Status(StatusCode),
    /// Past the policy: anything but 401 and 403 (a 400 or 422 for the
    /// missing body is fine).
    Allowed,
}

impl Expected {
    /// Whether `status` satisfies the expectation.
    pub fn matches(self, status: StatusCode) -> bool {
        match self {
            Expected::Status(expected) => status == expected,
            Expected::Allowed => {
                status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN
            }
        }
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::Status(status) => write!(f, "{}", status.as_u16()),
            Expected::Allowed => f.write_str("neither 401 nor 403"),
        }
    }
}

/// One request of the matrix and its answer.
#[derive(Clone, Debug)]
pub struct Outcome {
    route: &'static Route,
    case: Case,
    transport: Transport,
    expected: Expected,
    got: StatusCode,
}

impl Outcome {
    /// The route called.
    pub fn route(&self) -> &'static Route {
        self.route
    }

    /// What the request carried.
    pub fn case(&self) -> &Case {
        &self.case
    }

    /// Where the token travelled.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// What the policy promises.
    pub fn expected(&self) -> Expected {
        self.expected
    }

    /// What the app answered.
    pub fn got(&self) -> StatusCode {
        self.got
    }

    /// Whether the answer kept the promise.
    pub fn passed(&self) -> bool {
        self.expected.matches(self.got)
    }
}

impl fmt::Display for Outcome {
    /// `GET /p/ (name, permissions = ["a"]): no token via no credentials: expected 401, got 200 OK`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} via {}: expected {}, got {}",
            Label(self.route),
            self.case,
            self.transport,
            self.expected,
            self.got
        )
    }
}

/// `GET /p/ (name, policy)`.
struct Label<'a>(&'a Route);

impl fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let route = self.0;
        write!(f, "{} {} ({}, {})", route.method(), route.path(), route.name(), route.policy())
    }
}

/// Every outcome of a [`PolicyMatrix`] run. Its `Display` (and `Debug`, so
/// that `?` in a test prints it too) lists one line per failing case; it
/// never contains a token.
#[derive(Clone)]
pub struct Report {
    outcomes: Vec<Outcome>,
    problems: Vec<String>,
}

impl Report {
    /// Every request sent, in table order.
    pub fn outcomes(&self) -> &[Outcome] {
        &self.outcomes
    }

    /// The requests whose answer broke the policy.
    pub fn failures(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes.iter().filter(|o| !o.passed())
    }

    /// Why some cases could not run (the matrix's setup, not the app).
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// No failure and no problem.
    pub fn passed(&self) -> bool {
        self.problems.is_empty() && self.failures().next().is_none()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.outcomes.len();
        let failed = self.failures().count();
        let mut routes: Vec<_> =
            self.outcomes.iter().map(|o| std::ptr::from_ref(o.route)).collect();
        routes.dedup();
        if failed == 0 {
            write!(f, "policy matrix: all {total} cases passed on {} routes", routes.len())?;
        } else {
            write!(
                f,
                "policy matrix: {failed} of {total} cases failed on {} routes",
                routes.len()
            )?;
        }
        for problem in &self.problems {
            write!(f, "\n  problem: {problem}")?;
        }
        for outcome in self.failures() {
            write!(f, "\n  FAIL {outcome}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Report {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn granting(source: &PermissionSource, base: Value, perms: &[&str]) -> Value {
        let Value::Object(base) = base else { panic!("not an object") };
        Value::Object(claims_granting(source, &base, perms).unwrap())
    }

    #[test]
    fn flama_layout_writes_data_permissions_and_drops_other_grants() {
        let base = json!({
            "iss": "vortico",
            "permissions": ["x"],
            "data": {"id": 7, "roles": {"admin": ["x"]}},
        });
        assert_eq!(
            granting(&PermissionSource::Flama, base, &["a", "b"]),
            json!({"iss": "vortico", "data": {"id": 7, "permissions": ["a", "b"]}})
        );
        assert_eq!(
            granting(&PermissionSource::Flama, json!({"data": 1}), &[]),
            json!({"data": {"permissions": []}})
        );
    }

    #[test]
    fn pointer_writes_a_nested_array() {
        let keycloak = PermissionSource::Pointer("/realm_access/roles".into());
        assert_eq!(
            granting(&keycloak, json!({"realm_access": {"other": true}}), &["admin"]),
            json!({"realm_access": {"other": true, "roles": ["admin"]}})
        );
        assert_eq!(
            granting(&keycloak, json!({"realm_access": "oops"}), &[]),
            json!({"realm_access": {"roles": []}})
        );
        let top = PermissionSource::Pointer("permissions".into());
        assert_eq!(granting(&top, json!({}), &["a"]), json!({"permissions": ["a"]}));
        let escaped = PermissionSource::Pointer("/a/b~1c/d~0e".into());
        assert_eq!(granting(&escaped, json!({}), &["p"]), json!({"a": {"b/c": {"d~e": ["p"]}}}));
    }

    #[test]
    fn scope_writes_a_space_separated_string() {
        let scope = PermissionSource::Scope("scope".into());
        assert_eq!(
            granting(&scope, json!({"scope": ["x"]}), &["read", "write"]),
            json!({"scope": "read write"})
        );
        assert_eq!(granting(&scope, json!({}), &[]), json!({"scope": ""}));
    }

    #[test]
    fn placement_is_what_the_runtime_reads() {
        use axum::http::HeaderMap;

        use crate::auth::Auth;
        use crate::jwt::Verifier;

        let secret = HmacSecret::new([7; 32]);
        // Status the auth layer would answer for `claims` under `required`.
        let status = |auth: &Authenticator, claims: Value, required: &'static [&'static str]| {
            let token = Jwt::new(Algorithm::HS256, claims).unwrap().encode(&secret).unwrap();
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, format!("Bearer {token}").parse().unwrap());
            match auth.authorize(&axum::http::Method::GET, &headers, &Policy::Permissions(required))
            {
                Ok(_) => StatusCode::OK,
                Err(error) => error.status(),
            }
        };
        let sources = [
            PermissionSource::Flama,
            PermissionSource::Pointer("/realm_access/roles".into()),
            PermissionSource::Pointer("permissions".into()),
            PermissionSource::Scope("scp".into()),
        ];
        for source in sources {
            let auth = Auth::new(Verifier::hmac(&secret).build().unwrap())
                .permissions(source.clone())
                .build();
            let auth = auth.unwrap();
            let both = granting(&source, json!({"sub": "ada"}), &["a", "b"]);
            assert_eq!(status(&auth, both.clone(), &["a", "b"]), StatusCode::OK, "{source:?}");
            assert_eq!(status(&auth, both, &["c"]), StatusCode::FORBIDDEN, "{source:?}");
            let base = json!({"permissions": ["a"], "data": {"roles": {"r": ["a"]}}});
            let none = granting(&source, base, &[]);
            assert_eq!(status(&auth, none, &["a"]), StatusCode::FORBIDDEN, "{source:?}");
        }
    }

    #[test]
    fn path_parameters_are_filled_and_encoded() {
        use PathSegment::{CatchAll, Param, Static};
        let value = |name: &str| if name == "id" { "a b/c" } else { "1" };
        assert_eq!(fill_path(&[Static("u"), Param("id"), Static("x")], value), "/u/a%20b%2Fc/x");
        assert_eq!(fill_path(&[Static("f"), CatchAll("id")], value), "/f/a%20b/c");
        assert_eq!(fill_path(&[Static("n"), Param("n"), Static("")], value), "/n/1/");
        assert_eq!(fill_path(&[Static("")], value), "/");
    }

    #[test]
    fn other_secret_differs_as_an_hmac_key() {
        let zero = HmacSecret::flama_demo();
        assert_eq!(other_secret(&zero).as_bytes(), [0xff; 16]);
        assert_eq!(other_secret(&HmacSecret::new(Vec::new())).as_bytes(), [0xff; 32]);
    }

    #[test]
    fn plans_follow_the_policy() {
        let cases = |policy: Policy| -> Vec<Case> {
            plan(&policy).unwrap().into_iter().map(|(case, _)| case).collect()
        };
        assert_eq!(cases(Policy::Public), [Case::NoToken]);
        assert_eq!(
            cases(Policy::Authenticated),
            [Case::NoToken, Case::BadSignature, Case::NoPermissions]
        );
        let expected = |policy: Policy| -> Vec<Expected> {
            plan(&policy).unwrap().into_iter().map(|(_, expected)| expected).collect()
        };
        assert_eq!(cases(Policy::Optional), cases(Policy::Authenticated));
        assert_eq!(
            expected(Policy::Optional),
            [Expected::Allowed, Expected::Status(StatusCode::UNAUTHORIZED), Expected::Allowed]
        );
        assert_eq!(
            cases(Policy::Permissions(&["a", "b"])),
            [
                Case::NoToken,
                Case::BadSignature,
                Case::NoPermissions,
                Case::OtherPermissions,
                Case::AllBut("a"),
                Case::AllBut("b"),
                Case::ExactPermissions,
            ]
        );
        assert!(!cases(Policy::Permissions(&["a"])).iter().any(|c| matches!(c, Case::AllBut(_))));
    }
}

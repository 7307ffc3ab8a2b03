//! The permission check of a protected route, without building the claims
//! `Map`.
//!
//! A [`PermissionSource`] is turned once into the places permissions live
//! (`data.permissions`, `scope`, a pointer...: [`paths`]), which the
//! authenticator gives its verifier: verification notes where the strings
//! on those paths are, and [`Grants::check_jwt`] compares them with the
//! names the route's policy can ask for. Where the verifier did not note
//! them (a string written with escapes, a path under a registered claim),
//! [`Grants::check`] walks the claims JSON once, descending only into
//! members on a path. Custom layouts, and policies naming more than 64
//! permissions, keep the `Map`-based check ([`PermissionSource::grants`]);
//! all three must agree (tested below).

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

use smallvec::SmallVec;

use super::PermissionSource;
use super::claims::unescape;
use crate::jwt::Jwt;
use crate::jwt::paths::{self, Paths, Segment, Target};
use crate::table::Policy;

/// A route's permission check over claims JSON.
#[derive(Debug)]
pub(crate) struct Grants {
    /// Every permission the policy names, once; bit `i` of a check's answer
    /// is `names[i]`.
    names: SmallVec<[&'static str; 4]>,
    /// Per alternative of the policy, the bits of the names it needs; none
    /// for a policy asking nothing.
    alternatives: SmallVec<[u64; 2]>,
    /// Where `check` looks for them.
    paths: Paths,
    /// The id of the verifier's paths, whose strings a verified token
    /// carries.
    spans_from: Option<u64>,
    /// This check's id, unique in the process: a token remembers the
    /// checks it passed ([`Jwt::granted_before`]).
    id: u64,
}

/// The next [`Grants::id`]; 0 is never one.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Where `source` keeps permissions, for the verifier; `None` for a custom
/// layout (or one [`Paths`] cannot follow).
pub(crate) fn paths(source: &PermissionSource) -> Option<Paths> {
    let mut targets = SmallVec::new();
    collect_targets(source, &mut targets)?;
    Paths::new(targets).filter(Paths::verification_can_follow)
}

impl Grants {
    /// The check of `policy` under `source`; `None` where only the `Map`
    /// check applies.
    pub(crate) fn new(
        source: &PermissionSource,
        policy: &Policy,
        spans_from: Option<u64>,
    ) -> Option<Self> {
        let mut names: SmallVec<[&'static str; 4]> = SmallVec::new();
        for name in policy.alternatives().iter().flat_map(|set| set.iter()) {
            if !names.contains(name) {
                names.push(name);
            }
        }
        if names.len() > 64 {
            return None;
        }
        let alternatives = policy
            .alternatives()
            .iter()
            .map(|set| {
                set.iter().fold(0, |bits, name| {
                    bits | names.iter().position(|n| n == name).map_or(0, |i| 1 << i)
                })
            })
            .collect();
        let mut targets = SmallVec::new();
        collect_targets(source, &mut targets)?;
        let paths = Paths::new(targets)?;
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        Some(Grants { names, alternatives, paths, spans_from, id })
    }

    /// Whether `jwt` satisfies the policy given to [`new`](Self::new):
    /// from the strings its verification noted, else from its claims JSON;
    /// `None` if neither can be read. A token that passed this check before
    /// passes without being read again ([`Jwt::granted_before`]).
    pub(crate) fn check_jwt(&self, jwt: &Jwt) -> Option<bool> {
        if jwt.granted_before(self.id) {
            return Some(true);
        }
        let granted = self.read_jwt(jwt)?;
        if granted {
            jwt.remember_granted(self.id);
        }
        Some(granted)
    }

    /// [`check_jwt`](Self::check_jwt) on the token itself.
    fn read_jwt(&self, jwt: &Jwt) -> Option<bool> {
        if let Some(paths) = self.spans_from {
            let mut found = 0u64;
            if jwt.permission_strings(paths, |candidate| self.mark(candidate, &mut found)).is_some()
            {
                return Some(self.satisfied(found));
            }
        }
        self.check(jwt.claims_json()?)
    }

    /// Whether the names marked in `found` satisfy the policy.
    fn satisfied(&self, found: u64) -> bool {
        self.alternatives.is_empty() || self.alternatives.iter().any(|&set| set & !found == 0)
    }

    /// Whether the claims JSON satisfies the policy given to
    /// [`new`](Self::new); `None` if the JSON cannot be read (never for a
    /// verified token).
    pub(crate) fn check(&self, claims_json: &[u8]) -> Option<bool> {
        if self.names.is_empty() {
            return Some(true);
        }
        let marks = Marks { grants: self, found: Cell::new(0) };
        // Verified claims are UTF-8 (the strict pass read them as JSON).
        let text = std::str::from_utf8(claims_json).ok()?;
        paths::walk(&self.paths, text, &marks).then(|| self.satisfied(marks.found.get()))
    }

    /// Marks `candidate` in `found` if the policy names it.
    fn mark(&self, candidate: &[u8], found: &mut u64) {
        if let Some(i) = self.names.iter().position(|n| n.as_bytes() == candidate) {
            *found |= 1 << i;
        }
    }
}

/// The policy's names a walk of the claims meets.
struct Marks<'g> {
    grants: &'g Grants,
    found: Cell<u64>,
}

impl paths::Sink for Marks<'_> {
    fn string(&self, text: &str, _borrowed: bool, spaced: bool) {
        let mut found = self.found.get();
        if spaced {
            for word in text.split(' ') {
                self.grants.mark(word.as_bytes(), &mut found);
            }
        } else {
            self.grants.mark(text.as_bytes(), &mut found);
        }
        self.found.set(found);
    }
}

/// The targets of `source`; `None` for a custom layout.
fn collect_targets(source: &PermissionSource, out: &mut SmallVec<[Target; 3]>) -> Option<()> {
    let list = |path: Vec<Segment>| Target { path, spaced: false };
    match source {
        PermissionSource::Flama => {
            out.push(list(vec![Segment::member("data"), Segment::member("permissions")]));
            out.push(list(vec![
                Segment::member("data"),
                Segment::member("roles"),
                Segment::AnyMember,
            ]));
            out.push(list(vec![Segment::member("permissions")]));
        }
        PermissionSource::Pointer(pointer) => {
            let pointer = pointer.strip_prefix('/').unwrap_or(pointer);
            out.push(list(pointer.split('/').map(|s| Segment::pointer(unescape(s))).collect()));
        }
        PermissionSource::Scope(claim) => {
            out.push(Target { path: vec![Segment::member(claim.as_str())], spaced: true });
        }
        PermissionSource::Keycloak { client } => {
            out.push(list(vec![Segment::member("realm_access"), Segment::member("roles")]));
            if let Some(client) = client {
                out.push(list(vec![
                    Segment::member("resource_access"),
                    Segment::member(client.as_str()),
                    Segment::member("roles"),
                ]));
            }
        }
        PermissionSource::AnyOf(all) => {
            for source in all {
                collect_targets(source, out)?;
            }
        }
        PermissionSource::Custom(_) => return None,
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::jwt::Algorithm;
    use crate::jwt::GRANTED_SLOTS as GRANTED;
    use crate::jwt::scan::{ClaimRules, Registered, Times};

    /// The three checks, the `Map` one, the walk and the strings noted by
    /// verification, over every policy of `names` (each alone, all
    /// together, any of them).
    fn agree(source: &PermissionSource, claims: &Value, names: &'static [&'static str]) {
        let map = claims.as_object().expect("an object");
        let bytes = serde_json::to_vec(claims).expect("serializes");
        let paths = paths(source);
        let rules = ClaimRules { required: &[], issuers: None, audiences: None };
        let (_, spans) = Registered::scan_with(&bytes, &rules, paths.as_ref()).expect("an object");
        assert_eq!(spans.is_some(), paths.is_some(), "{source:?} over {claims}");
        let jwt = Jwt::verified(Algorithm::HS256, bytes.clone(), 0, Times::default(), spans);
        let alternatives: &'static [&'static [&'static str]] = Box::leak(
            names.iter().map(std::slice::from_ref).collect::<Vec<_>>().into_boxed_slice(),
        );
        let mut policies = vec![Policy::Permissions(names), Policy::AnyOf(alternatives)];
        policies.extend(names.iter().map(|n| Policy::Permissions(std::slice::from_ref(n))));
        for policy in &policies {
            let grants = Grants::new(source, policy, None).expect("a built-in layout");
            let by_map = policy.is_satisfied_by(|p| source.grants(map, p));
            let by_scan = grants.check(&bytes).expect("readable claims");
            assert_eq!(by_scan, by_map, "walk: {source:?} {policy} over {claims}");
            let spans_from = paths.as_ref().map(Paths::id);
            let grants = Grants::new(source, policy, spans_from).expect("a built-in layout");
            let by_spans = grants.check_jwt(&jwt).expect("readable claims");
            assert_eq!(by_spans, by_map, "spans: {source:?} {policy} over {claims}");
        }
    }

    const NAMES: &[&str] = &["read", "write", "a/b", "x~y"];

    fn claim_sets() -> Vec<Value> {
        vec![
            json!({}),
            json!({"data": {"permissions": ["read"]}}),
            json!({"data": {"permissions": ["read", "write", 7, null, {"read": 1}]}}),
            json!({"data": {"permissions": "read write"}}),
            json!({"data": {"roles": {"admin": ["write"], "user": ["read"], "odd": "x~y"}}}),
            json!({"permissions": ["a/b"], "data": 3}),
            json!({"scope": "read write", "scp": "a/b"}),
            json!({"scope": "read  write", "roles": ["x~y"]}),
            json!({"realm_access": {"roles": ["read"]}, "resource_access": {"api": {"roles": ["write"]}}}),
            json!({"resource_access": {"other": {"roles": ["write"]}}}),
            json!({"groups": [{"perms": ["read"]}, {"perms": ["write"]}], "a/b": {"x~y": ["read"]}}),
            json!({"nested": {"deep": {"list": ["write", ["read"]]}}, "": ["read"]}),
            json!({"data": {"permissions": ["re\u{0061}d"], "roles": []}, "permissions": {}}),
            json!({"resource_access": [{"roles": ["write"]}], "data": [["read"]], "scope": ["read"]}),
        ]
    }

    #[test]
    fn every_built_in_layout_agrees_with_the_map_check() {
        let sources = [
            PermissionSource::Flama,
            PermissionSource::Pointer("/permissions".into()),
            PermissionSource::Pointer("/groups/1/perms".into()),
            PermissionSource::Pointer("/groups/01/perms".into()),
            PermissionSource::Pointer("/a~1b/x~0y".into()),
            PermissionSource::Pointer("nested/deep/list".into()),
            PermissionSource::Pointer("/nested/deep/list/1".into()),
            PermissionSource::Pointer(String::new()),
            PermissionSource::Scope("scope".into()),
            PermissionSource::Keycloak { client: Some("api".into()) },
            PermissionSource::Keycloak { client: None },
            PermissionSource::Keycloak { client: Some("0".into()) },
            PermissionSource::entra_id(),
            PermissionSource::AnyOf(vec![
                PermissionSource::Pointer("/groups/0/perms".into()),
                PermissionSource::Pointer("/groups".into()),
            ]),
        ];
        for source in &sources {
            for claims in claim_sets() {
                agree(source, &claims, NAMES);
            }
        }
    }

    #[test]
    fn a_passed_check_is_remembered_by_the_token_and_by_no_other_check() {
        let source = PermissionSource::Flama;
        let bytes = serde_json::to_vec(&json!({"data": {"permissions": ["read"]}})).unwrap();
        let jwt = Jwt::verified(Algorithm::HS256, bytes, 0, Times::default(), None);
        let check = |names: &'static [&'static str]| {
            Grants::new(&source, &Policy::Permissions(names), None).expect("built in")
        };
        let (read, write) = (check(&["read"]), check(&["write"]));
        assert_eq!(write.check_jwt(&jwt), Some(false));
        assert!(!jwt.granted_before(write.id), "a refusal is not remembered");
        assert_eq!(read.check_jwt(&jwt), Some(true));
        assert!(jwt.granted_before(read.id));
        assert_eq!(read.check_jwt(&jwt), Some(true));
        assert_eq!(write.check_jwt(&jwt), Some(false), "another route's check reads the claims");
        // More checks than a token remembers: each still answers right.
        let more: Vec<Grants> = (0..2 * GRANTED).map(|_| check(&["read"])).collect();
        for grants in &more {
            assert_eq!(grants.check_jwt(&jwt), Some(true));
            assert_eq!(grants.check_jwt(&jwt), Some(true));
        }
        assert!(!jwt.granted_before(more[2 * GRANTED - 1].id), "no slot was left");
        assert_eq!(write.check_jwt(&jwt), Some(false));
        assert!(!jwt.clone().granted_before(read.id), "a copy is a token of its own");
    }

    #[test]
    fn an_escaped_permission_is_read_by_the_walk() {
        // The claims' bytes do not hold "read" as written: verification
        // notes no strings, and the check walks the claims instead.
        let bytes = br#"{"data":{"permissions":["re\u0061d"]}}"#.to_vec();
        let source = PermissionSource::Flama;
        let paths = paths(&source).expect("built in");
        let rules = ClaimRules { required: &[], issuers: None, audiences: None };
        let (_, spans) = Registered::scan_with(&bytes, &rules, Some(&paths)).expect("an object");
        assert!(spans.is_none());
        let jwt = Jwt::verified(Algorithm::HS256, bytes, 0, Times::default(), spans);
        let policy = Policy::Permissions(&["read"]);
        let grants = Grants::new(&source, &policy, Some(paths.id())).expect("built in");
        assert_eq!(grants.check_jwt(&jwt), Some(true));
    }

    #[test]
    fn a_custom_layout_keeps_the_map_check() {
        struct Everything;
        impl super::super::ClaimLayout for Everything {
            fn grants(&self, _: &serde_json::Map<String, Value>, _: &str) -> bool {
                true
            }
        }
        let policy = Policy::Permissions(&["read"]);
        assert!(Grants::new(&PermissionSource::custom(Everything), &policy, None).is_none());
    }

    #[test]
    fn a_thousand_permissions_are_read_in_one_pass() {
        let many: Vec<String> = (0..1000).map(|i| format!("perm-{i}")).collect();
        let claims = json!({"data": {"permissions": many}});
        let policy = Policy::Permissions(&["perm-999", "perm-0", "perm-500", "perm-1", "perm-2"]);
        let grants = Grants::new(&PermissionSource::Flama, &policy, None).expect("built in");
        let bytes = serde_json::to_vec(&claims).expect("serializes");
        assert_eq!(grants.check(&bytes), Some(true));
        let lacking = Policy::Permissions(&["perm-1000"]);
        let grants = Grants::new(&PermissionSource::Flama, &lacking, None).expect("built in");
        assert_eq!(grants.check(&bytes), Some(false));
    }
}

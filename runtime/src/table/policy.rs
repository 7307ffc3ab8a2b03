//! Who may call a route.

use std::fmt;

/// Who may call a route. Every `#[route]` states one; there is no default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Policy {
    /// No token needed.
    Public,
    /// Any valid token.
    Authenticated,
    /// A token is optional: a request without one is let through, a valid
    /// one is let through (the handler reads it with `Option<Claims>`), an
    /// invalid one is refused with 401.
    Optional,
    /// A valid token holding every listed permission: `permissions = [...]`.
    Permissions(&'static [&'static str]),
    /// A valid token holding every permission of at least one set:
    /// `permissions = any(...)`, normalised by `#[route]` to alternatives
    /// none of which contains another.
    AnyOf(&'static [&'static [&'static str]]),
}

impl Policy {
    /// `true` for [`Policy::Public`], where no token is ever read. An
    /// [`Optional`](Policy::Optional) route reads one when sent, so it is not
    /// public.
    pub const fn is_public(&self) -> bool {
        matches!(self, Policy::Public)
    }

    /// The sets of permissions of which a token must hold at least one
    /// entirely. Empty when no permission is needed (public, authenticated
    /// and optional routes).
    pub fn alternatives(&self) -> &[&'static [&'static str]] {
        match self {
            Policy::Permissions(all) => std::slice::from_ref(all),
            Policy::AnyOf(alternatives) => alternatives,
            Policy::Public | Policy::Authenticated | Policy::Optional => &[],
        }
    }

    /// Whether a token granting what `grants` says satisfies the permission
    /// part of this policy (always true without one).
    pub fn is_satisfied_by(&self, mut grants: impl FnMut(&str) -> bool) -> bool {
        let alternatives = self.alternatives();
        alternatives.is_empty() || alternatives.iter().any(|set| set.iter().all(|p| grants(p)))
    }
}

impl fmt::Display for Policy {
    /// As it would be written in `#[route]`: `permissions = ["a", "b"]` or
    /// `permissions = any(["a"], ["b", "c"])`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list(f: &mut fmt::Formatter<'_>, perms: &[&str]) -> fmt::Result {
            f.write_str("[")?;
            for (i, p) in perms.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{p:?}")?;
            }
            f.write_str("]")
        }
        match self {
            Policy::Public => f.write_str("public"),
            Policy::Authenticated => f.write_str("authenticated"),
            Policy::Optional => f.write_str("optional"),
            Policy::Permissions(perms) => {
                f.write_str("permissions = ")?;
                list(f, perms)
            }
            Policy::AnyOf(alternatives) => {
                f.write_str("permissions = any(")?;
                for (i, set) in alternatives.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    list(f, set)?;
                }
                f.write_str(")")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_reads_a_token_and_needs_no_permission() {
        assert!(!Policy::Optional.is_public());
        assert!(Policy::Optional.alternatives().is_empty());
        assert!(Policy::Optional.is_satisfied_by(|_| false));
        assert_eq!(Policy::Optional.to_string(), "optional");
    }
}

//! Roles and the permissions they grant. A user has exactly one role; the
//! token issued at sign-in carries the role's permissions, and routes ask
//! for permissions, never for roles.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Read the model's metadata.
pub const MODEL_READ: &str = "model:read";
/// Ask the model for predictions.
pub const MODEL_PREDICT: &str = "model:predict";
/// List and create users.
pub const USERS_MANAGE: &str = "users:manage";

/// A user's role, stored by its lower-case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// May read the model's metadata.
    Viewer,
    /// A viewer who may also ask for predictions.
    Analyst,
    /// An analyst who may also manage users.
    Admin,
}

impl Role {
    /// Every role, from least to most privileged.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Analyst, Role::Admin];

    /// The name stored in the database and accepted by [`FromStr`].
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    /// The permissions the role grants, in a fixed order.
    pub const fn permissions(self) -> &'static [&'static str] {
        match self {
            Role::Viewer => &[MODEL_READ],
            Role::Analyst => &[MODEL_READ, MODEL_PREDICT],
            Role::Admin => &[MODEL_READ, MODEL_PREDICT, USERS_MANAGE],
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is none of `viewer`, `analyst`, `admin`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{shown}`; expected one of `viewer`, `analyst`, `admin`")]
pub struct UnknownRole {
    /// The rejected name, cut to a few characters so an error never carries
    /// an arbitrarily long input.
    shown: String,
}

impl FromStr for Role {
    type Err = UnknownRole;

    /// Exact, lower-case names only: `Admin` is not a role, so that a
    /// stored value and its spelling on the command line always agree.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|role| role.as_str() == name).ok_or_else(|| {
            const SHOWN: usize = 32;
            let mut shown: String = name.chars().take(SHOWN).collect();
            if name.chars().nth(SHOWN).is_some() {
                shown.push('…');
            }
            UnknownRole { shown }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(role.to_string(), role.as_str());
            assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
        }
    }

    #[test]
    fn unknown_role_is_an_error_naming_the_choices() {
        for name in ["", "root", "Admin", " admin", "viewer\0"] {
            let err = name.parse::<Role>().unwrap_err();
            assert!(err.to_string().contains("expected one of `viewer`"), "{err}");
        }
        let long = "x".repeat(10_000);
        assert!(long.parse::<Role>().unwrap_err().to_string().len() < 150);
    }

    #[test]
    fn permissions_grow_with_the_role() {
        assert_eq!(Role::Viewer.permissions(), [MODEL_READ]);
        assert_eq!(Role::Analyst.permissions(), [MODEL_READ, MODEL_PREDICT]);
        assert_eq!(Role::Admin.permissions(), [MODEL_READ, MODEL_PREDICT, USERS_MANAGE]);
    }
}

//! The checks `App::build` runs on the whole table, across every
//! `routes![...]` list: names, method and path shapes, auth presence.

use super::BuildError;
use crate::table::{Route, shape_order};

pub(super) fn check_table(
    mut routes: Vec<&'static Route>,
    has_auth: bool,
) -> Result<(), BuildError> {
    if !has_auth && let Some(route) = routes.iter().find(|r| !r.policy().is_public()) {
        return Err(BuildError::MissingAuth {
            route: format!("{} {}", route.method(), route.path()),
        });
    }
    let mut by_name: Vec<&&Route> = routes.iter().collect();
    by_name.sort_by_key(|r| r.name());
    for pair in by_name.windows(2) {
        let [a, b] = pair else { unreachable!() };
        if a.name() == b.name() {
            return Err(BuildError::DuplicateName {
                name: a.name(),
                handlers: [a.handler(), b.handler()],
            });
        }
    }
    routes.sort_by(|a, b| shape_order(a, b).then(a.method().cmp(&b.method())));
    for pair in routes.windows(2) {
        let [a, b] = pair else { unreachable!() };
        if shape_order(a, b).is_ne() {
            continue;
        }
        if a.path() != b.path() {
            return Err(BuildError::ConflictingPaths { paths: [a.path(), b.path()] });
        }
        if a.method() == b.method() {
            return Err(BuildError::DuplicateRoute {
                route: format!("{} {}", a.method(), a.path()),
                handlers: [a.handler(), b.handler()],
            });
        }
    }
    Ok(())
}

/// Every permission a route requires is one of `declared`.
pub(super) fn check_permissions(
    routes: impl IntoIterator<Item = &'static Route>,
    declared: &[String],
) -> Result<(), BuildError> {
    for route in routes {
        let required = route.policy().alternatives().iter().flat_map(|set| set.iter());
        for &permission in required {
            if !declared.iter().any(|d| d == permission) {
                return Err(BuildError::UnknownPermission {
                    route: format!("{} {}", route.method(), route.path()),
                    handler: route.handler(),
                    permission,
                    suggestion: closest(permission, declared).map(str::to_owned),
                });
            }
        }
    }
    Ok(())
}

/// The declared permission within a third of `permission`'s length in
/// edits (at least one), as rustc suggests similar names.
fn closest<'d>(permission: &str, declared: &'d [String]) -> Option<&'d str> {
    let limit = (permission.chars().count() / 3).max(1);
    declared
        .iter()
        .map(|d| (edit_distance(permission, d), d))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, d)| d.as_str())
}

/// Edit distance over chars counting a swap of two neighbours as one edit
/// (optimal string alignment): `amdin` is one edit from `admin`.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // rows[i][j]: the distance between a[..i] and b[..j].
    let mut rows = vec![vec![0; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let substitution = rows[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let mut best = substitution.min(rows[i - 1][j] + 1).min(rows[i][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_close_names_only() {
        let declared = ["my-permission-name".to_owned(), "admin".to_owned()];
        assert_eq!(closest("my-permision-name", &declared), Some("my-permission-name"));
        assert_eq!(closest("amdin", &declared), Some("admin"));
        assert_eq!(closest("users:manage", &declared), None);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("amdin", "admin"), 1);
        assert_eq!(edit_distance("admin", ""), 5);
    }
}

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

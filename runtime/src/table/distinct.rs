//! The compile-time check of one `routes![...]` list: distinct names and
//! distinct (method, path shape) pairs, in `O(n log n)` const evaluation.

use super::{PathSegment, Route};

/// What is wrong, naming both handlers, when two routes share a name (the
/// OpenAPI `operationId`), or a method and a path (parameter names aside:
/// axum cannot tell `/u/{id}` from `/u/{name}`, nor from `/u/{*rest}`).
///
/// `routes![...]` panics with the message in a `const` of its own, so the
/// compile error points at the user's `routes![...]`, not into this file.
///
/// Hashes each route's name and its (method, shape) once, sorts the
/// hashes (heapsort: `O(n log n)` comparisons, since rustc stops const
/// evaluation that runs too long), and compares the routes in full only
/// where hashes are equal. Const evaluation is interpreted, so comparing
/// `u64`s instead of strings is most of the cost of a long list: at 500
/// routes, sorting by the strings themselves made a crate 20% slower to
/// build (`scripts/bench-compile.sh`).
#[doc(hidden)]
pub const fn duplicate<const N: usize>(routes: &[Route]) -> Option<Message> {
    if let Some((a, b)) = first_duplicate::<N>(routes, Key::Name) {
        let message = Message::new()
            .push("duplicate route name `")
            .push(a.name())
            .push("` (the OpenAPI operationId): used by both ")
            .push_handler(a)
            .push(" and ")
            .push_handler(b)
            .push("; give one of them `name = \"...\"`");
        return Some(message);
    }
    if let Some((a, b)) = first_duplicate::<N>(routes, Key::MethodAndShape) {
        let message = Message::new()
            .push("duplicate route `")
            .push(a.method().as_str())
            .push(" ")
            .push(a.path())
            .push("`: declared by both ")
            .push_handler(a)
            .push(" and ")
            .push_handler(b);
        return Some(message);
    }
    None
}

/// Two routes equal in `key`, in list order, if any: among routes of equal
/// hash (a run of the sorted order, almost always of one), every pair.
const fn first_duplicate<const N: usize>(routes: &[Route], key: Key) -> Option<(&Route, &Route)> {
    let mut hashes = [0u64; N];
    let mut i = 0;
    while i < N {
        hashes[i] = hash(&routes[i], key);
        i += 1;
    }
    let order = sorted::<N>(&hashes);
    let mut run = 0;
    while run < N {
        let mut end = run + 1;
        while end < N && hashes[order[end]] == hashes[order[run]] {
            end += 1;
        }
        let mut i = run;
        while i < end {
            let mut j = i + 1;
            while j < end {
                let (a, b) = in_list_order(routes, order[i], order[j]);
                if compare(a, b, key) == 0 {
                    return Some((a, b));
                }
                j += 1;
            }
            i += 1;
        }
        run = end;
    }
    None
}

/// The two routes in `routes![...]` order, so messages read as written.
const fn in_list_order(routes: &[Route], i: usize, j: usize) -> (&Route, &Route) {
    if i < j { (&routes[i], &routes[j]) } else { (&routes[j], &routes[i]) }
}

#[derive(Clone, Copy)]
enum Key {
    Name,
    MethodAndShape,
}

/// FNV-1a over what `compare` compares for `key`: routes equal in `key`
/// hash the same.
const fn hash(route: &Route, key: Key) -> u64 {
    let mut h = Fnv::new();
    match key {
        Key::Name => h = h.bytes(route.name().as_bytes()),
        Key::MethodAndShape => {
            h = h.byte(route.method() as u8);
            let segments = route.segments();
            let mut i = 0;
            while i < segments.len() {
                h = match &segments[i] {
                    // Any parameter equals any other (see `compare_shapes`).
                    PathSegment::Static(text) => h.byte(1).bytes(text.as_bytes()).byte(0xff),
                    _ => h.byte(2),
                };
                i += 1;
            }
        }
    }
    h.0
}

struct Fnv(u64);

impl Fnv {
    const fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    const fn byte(self, b: u8) -> Self {
        Fnv((self.0 ^ b as u64).wrapping_mul(0x0100_0000_01b3))
    }

    const fn bytes(mut self, bytes: &[u8]) -> Self {
        let mut i = 0;
        while i < bytes.len() {
            self = self.byte(bytes[i]);
            i += 1;
        }
        self
    }
}

/// Indices of `hashes` in ascending order of their hash.
const fn sorted<const N: usize>(hashes: &[u64; N]) -> [usize; N] {
    let mut order = [0; N];
    let mut i = 0;
    while i < N {
        order[i] = i;
        i += 1;
    }
    let mut start = N / 2;
    while start > 0 {
        start -= 1;
        sift_down(&mut order, start, N, hashes);
    }
    let mut end = N;
    while end > 1 {
        end -= 1;
        let top = order[0];
        order[0] = order[end];
        order[end] = top;
        sift_down(&mut order, 0, end, hashes);
    }
    order
}

const fn sift_down(order: &mut [usize], mut root: usize, end: usize, hashes: &[u64]) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && hashes[order[child]] < hashes[order[child + 1]] {
            child += 1;
        }
        if hashes[order[root]] >= hashes[order[child]] {
            return;
        }
        let parent = order[root];
        order[root] = order[child];
        order[child] = parent;
        root = child;
    }
}

/// -1, 0 or 1.
const fn compare(a: &Route, b: &Route, key: Key) -> i32 {
    match key {
        Key::Name => compare_bytes(a.name().as_bytes(), b.name().as_bytes()),
        Key::MethodAndShape => {
            let (ma, mb) = (a.method() as u8, b.method() as u8);
            if ma != mb {
                return if ma < mb { -1 } else { 1 };
            }
            compare_shapes(a.segments(), b.segments())
        }
    }
}

/// Orders routes by path shape: the segments `#[route]` parsed, parameter
/// names erased (`/u/{id}`, `/u/{name}` and `/u/{*rest}` are equal: axum's
/// router cannot tell them apart). Shared by the compile-time check above
/// and `App::build`'s check across lists.
pub(crate) fn shape_order(a: &Route, b: &Route) -> std::cmp::Ordering {
    compare_shapes(a.segments(), b.segments()).cmp(&0)
}

/// Segment by segment; any parameter equals any other and sorts before a
/// literal.
const fn compare_shapes(a: &[PathSegment], b: &[PathSegment]) -> i32 {
    let mut i = 0;
    while i < a.len() && i < b.len() {
        let order = match (&a[i], &b[i]) {
            (PathSegment::Static(x), PathSegment::Static(y)) => {
                compare_bytes(x.as_bytes(), y.as_bytes())
            }
            (PathSegment::Static(_), _) => 1,
            (_, PathSegment::Static(_)) => -1,
            _ => 0,
        };
        if order != 0 {
            return order;
        }
        i += 1;
    }
    compare_len(a.len(), b.len())
}

/// Lexicographic.
const fn compare_bytes(a: &[u8], b: &[u8]) -> i32 {
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return if a[i] < b[i] { -1 } else { 1 };
        }
        i += 1;
    }
    compare_len(a.len(), b.len())
}

const fn compare_len(a: usize, b: usize) -> i32 {
    if a == b {
        0
    } else if a < b {
        -1
    } else {
        1
    }
}

/// A fixed buffer to build a panic message in const context, where `format!`
/// is unavailable. Long messages are cut at a character boundary.
#[doc(hidden)]
#[derive(Debug)]
pub struct Message {
    bytes: [u8; 512],
    len: usize,
}

impl Message {
    const fn new() -> Self {
        Message { bytes: [0; 512], len: 0 }
    }

    const fn push(mut self, text: &str) -> Self {
        let text = text.as_bytes();
        let mut i = 0;
        while i < text.len() && self.len < self.bytes.len() {
            self.bytes[self.len] = text[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    const fn push_handler(self, route: &Route) -> Self {
        self.push("`").push(route.module_path()).push("::").push(route.handler_name()).push("`")
    }

    /// The message.
    pub const fn as_str(&self) -> &str {
        let mut len = self.len;
        loop {
            let (head, _) = self.bytes.split_at(len);
            match core::str::from_utf8(head) {
                Ok(text) => return text,
                Err(_) => len -= 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{Method, Policy};
    use PathSegment::{CatchAll, Param, Static};

    const fn route(segments: &'static [PathSegment]) -> Route {
        Route::for_tests(Method::Get, "/", segments, Policy::Public)
    }

    #[test]
    fn shapes_erase_parameter_names_and_kinds() {
        let order = |a, b| shape_order(&route(a), &route(b));
        assert!(
            order(
                &[Static("u"), Param("id"), Static("x")],
                &[Static("u"), Param("name"), Static("x")]
            )
            .is_eq()
        );
        assert!(order(&[Static("f"), CatchAll("rest")], &[Static("f"), Param("id")]).is_eq());
        assert!(order(&[Static("plain"), Static("")], &[Static("plain"), Static("")]).is_eq());
        assert!(
            order(
                &[Static("u"), Param("id"), Static("x")],
                &[Static("u"), Param("id"), Static("y")]
            )
            .is_lt()
        );
        assert!(
            order(&[Static("u"), Param("id")], &[Static("u"), Param("id"), Static("")]).is_lt()
        );
        // A literal segment is never a parameter's shape, whatever its text.
        assert!(order(&[Static("{id}")], &[Param("id")]).is_gt());
    }

    #[test]
    fn distinct_routes_pass_in_const_context() {
        const ROUTES: [Route; 3] = [
            route(&[Static("u"), Param("id")]),
            route(&[Static("u"), Param("id"), Static("")]),
            route(&[Static("u"), Static("me")]),
        ];
        // Names are the paths here, and "/" thrice would collide.
        const NAMED: [Route; 3] = [
            Route::for_tests(Method::Get, "a", ROUTES[0].segments(), Policy::Public),
            Route::for_tests(Method::Get, "b", ROUTES[1].segments(), Policy::Public),
            Route::for_tests(Method::Post, "c", ROUTES[0].segments(), Policy::Public),
        ];
        const _: () = assert!(duplicate::<3>(&NAMED).is_none());
    }
}

#[cfg(test)]
mod messages {
    use super::*;
    use crate::table::{Method, Policy};
    use PathSegment::{Param, Static};

    #[test]
    fn duplicates_name_the_route_and_both_handlers_in_list_order() {
        // `for_tests` names a route after its path.
        let a =
            Route::for_tests(Method::Get, "/u/{id}", &[Static("u"), Param("id")], Policy::Public);
        let b = Route::for_tests(
            Method::Get,
            "/u/{name}",
            &[Static("u"), Param("name")],
            Policy::Public,
        );
        let c =
            Route::for_tests(Method::Put, "/u/{id}", &[Static("u"), Param("id")], Policy::Public);
        let message = duplicate::<2>(&[a, b]).expect("same method and shape");
        assert_eq!(
            message.as_str(),
            "duplicate route `GET /u/{id}`: declared by both `tests::handler` and `tests::handler`"
        );
        let message = duplicate::<2>(&[c, a]).expect("same name");
        assert!(
            message.as_str().starts_with("duplicate route name `/u/{id}`"),
            "{}",
            message.as_str()
        );
        assert!(duplicate::<2>(&[b, c]).is_none());
    }

    #[test]
    fn a_duplicate_is_found_wherever_it_sits_in_a_long_list() {
        let leak = |text: String| -> &'static str { Box::leak(text.into_boxed_str()) };
        let mut routes: Vec<Route> = (0..300)
            .map(|i| {
                let name = leak(format!("r{i}"));
                let segments: &'static [PathSegment] =
                    Box::leak(Box::new([Static(name), Param("id")]));
                Route::for_tests(
                    Method::Get,
                    leak(format!("/{name}/{{id}}")),
                    segments,
                    Policy::Public,
                )
            })
            .collect();
        assert!(duplicate::<300>(&routes).is_none());
        // Another parameter name: the same shape as route 7.
        let segments: &'static [PathSegment] = Box::leak(Box::new([Static("r7"), Param("key")]));
        routes.push(Route::for_tests(Method::Get, "/r7/{key}", segments, Policy::Public));
        let message = duplicate::<301>(&routes).expect("the same method and shape as r7");
        assert!(
            message.as_str().starts_with("duplicate route `GET /r7/{id}`"),
            "{}",
            message.as_str()
        );
    }
}

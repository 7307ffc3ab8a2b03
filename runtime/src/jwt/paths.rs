//! Where in the claims permissions live, read during verification.
//!
//! The auth layer turns its permission layout into [`Paths`] (Flama's
//! `data.permissions`, a pointer, `scope`...) and gives them to its
//! [`Verifier`](super::Verifier). The verifier's one strict pass over the
//! claims then also notes where the strings found on those paths are, as
//! byte ranges of the decoded claims, kept with the verified token (and so
//! with a cached one). A route's permission check reads those strings: no
//! second pass over the JSON, on a cache hit no JSON at all.

use std::cell::RefCell;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use smallvec::SmallVec;

use super::scan::{NameSeed, Seen, Strict, StrictVisitor, duplicate, read_object};

/// The places permissions live, each a path from the claims object.
#[derive(Debug)]
pub(crate) struct Paths {
    targets: SmallVec<[Target; 3]>,
    /// Tells which `Paths` a token's spans were found with.
    id: u64,
}

/// One place: the path to it, and whether it holds a list of strings or one
/// space-separated string (`scope`).
#[derive(Debug)]
pub(crate) struct Target {
    pub(crate) path: Vec<Segment>,
    pub(crate) spaced: bool,
}

/// A step of a path: an object member (or, like RFC 6901, an array index)
/// or any member of an object (Flama's `data.roles.*`).
#[derive(Debug)]
pub(crate) enum Segment {
    Name { name: String, index: Option<usize> },
    AnyMember,
}

impl Segment {
    /// An object member only (Flama's, Keycloak's and scope's names).
    pub(crate) fn member(name: impl Into<String>) -> Self {
        Segment::Name { name: name.into(), index: None }
    }

    /// An RFC 6901 reference token: an object member, or an array index.
    pub(crate) fn pointer(token: impl Into<String>) -> Self {
        let name = token.into();
        let index = array_index(&name);
        Segment::Name { name, index }
    }

    pub(crate) fn matches_member(&self, member: &str) -> bool {
        match self {
            Segment::Name { name, .. } => name == member,
            Segment::AnyMember => true,
        }
    }

    pub(crate) fn matches_index(&self, i: usize) -> bool {
        matches!(self, Segment::Name { index: Some(j), .. } if *j == i)
    }
}

/// An RFC 6901 array index as `serde_json::Value::pointer` reads one: no
/// sign, no leading zero.
fn array_index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.starts_with('0') && token.len() != 1) {
        return None;
    }
    token.parse().ok()
}

/// The registered claims verification reads itself; a path through one of
/// them is not followed during verification.
const REGISTERED: [&str; 5] = ["exp", "nbf", "iat", "iss", "aud"];

impl Paths {
    /// `None` when there is nothing to follow or more than 64 places.
    pub(crate) fn new(targets: SmallVec<[Target; 3]>) -> Option<Self> {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        if targets.is_empty() || targets.len() > 64 {
            return None;
        }
        Some(Paths { targets, id: NEXT_ID.fetch_add(1, Ordering::Relaxed) })
    }

    /// Whether verification can follow these paths: none goes through a
    /// registered claim, whose value verification reads itself.
    pub(crate) fn verification_can_follow(&self) -> bool {
        !self.targets.iter().any(|t| match t.path.first() {
            Some(Segment::Name { name, .. }) => REGISTERED.contains(&name.as_str()),
            Some(Segment::AnyMember) | None => true,
        })
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }
}

/// Where the strings on the paths are in the decoded claims.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Spans {
    pub(crate) paths: u64,
    spans: SmallVec<[Span; 4]>,
}

/// A string's bytes in the claims; `spaced`: a space-separated list.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Span {
    start: u32,
    len: u32,
    spaced: bool,
}

impl Spans {
    /// Hands `each` the permission strings in `claims` (the bytes the spans
    /// were found in): each list item, each word of a space-separated
    /// string. As bytes: they are compared with names, which are text, so
    /// equality alone says they are text too.
    pub(crate) fn for_each(&self, claims: &[u8], mut each: impl FnMut(&[u8])) {
        for span in &self.spans {
            let start = span.start as usize;
            let Some(bytes) = claims.get(start..start + span.len as usize) else { continue };
            if span.spaced {
                bytes.split(|&b| b == b' ').for_each(&mut each);
            } else {
                each(bytes);
            }
        }
    }
}

/// What a walk does with the strings it finds on the paths.
pub(crate) trait Sink {
    /// `text` is a list item or (`spaced`) a space-separated string;
    /// `borrowed`: read straight from the claims, not unescaped.
    fn string(&self, text: &str, borrowed: bool, spaced: bool);
}

/// Walks the whole claims object `claims` along `paths` (as strictly as
/// verification does), handing `sink` every string on them; `false` if the
/// claims are not a JSON object.
pub(crate) fn walk(paths: &Paths, claims: &str, sink: &dyn Sink) -> bool {
    let root = Walk { paths, sink, depth: 0, follow: u64::MAX, list: false, spaced: false };
    read_object(serde_json::Deserializer::from_str(claims), Item { walk: root, item: false })
        .is_ok()
}

/// Collects spans while the strict pass walks a member on a path.
pub(crate) struct Collector<'p> {
    paths: &'p Paths,
    /// The claims text's start address: a borrowed string's offset is its
    /// address minus this.
    base: usize,
    end: usize,
    spans: RefCell<Option<Spans>>,
}

impl<'p> Collector<'p> {
    pub(crate) fn new(paths: &'p Paths, claims: &str) -> Self {
        let base = claims.as_ptr() as usize;
        let spans = Spans { paths: paths.id, spans: SmallVec::new() };
        Collector { paths, base, end: base + claims.len(), spans: RefCell::new(Some(spans)) }
    }

    /// The spans found; `None` if a string on a path was written with
    /// escapes (it is not in the claims as it reads), so the check must
    /// read the claims itself.
    pub(crate) fn finish(self) -> Option<Spans> {
        self.spans.into_inner()
    }

    /// The walk of member `member`'s value, or `None` if it is on no path.
    pub(crate) fn member<'c>(&'c self, member: &str) -> Option<Walk<'c, 'p>> {
        let root = Walk {
            paths: self.paths,
            sink: self,
            depth: 0,
            follow: u64::MAX,
            list: false,
            spaced: false,
        };
        let walk = root.child(|s| s.matches_member(member));
        (!walk.is_dead_end()).then_some(walk)
    }
}

impl Sink for Collector<'_> {
    fn string(&self, text: &str, borrowed: bool, spaced: bool) {
        let mut spans = self.spans.borrow_mut();
        let at = text.as_ptr() as usize;
        let within = borrowed && at >= self.base && at + text.len() <= self.end;
        match (spans.as_mut(), within) {
            (Some(found), true) => {
                let (Ok(start), Ok(len)) =
                    (u32::try_from(at - self.base), u32::try_from(text.len()))
                else {
                    *spans = None;
                    return;
                };
                found.spans.push(Span { start, len, spaced });
            }
            (Some(_), false) => *spans = None,
            (None, _) => {}
        }
    }
}

/// A value on (or below) a path: `follow` are the targets to go on with,
/// `depth` segments down; `list`: it is a target's list; `spaced`: a
/// target's space-separated string. Checked as strictly as [`Strict`].
pub(crate) struct Walk<'c, 'p> {
    paths: &'p Paths,
    sink: &'c dyn Sink,
    depth: usize,
    follow: u64,
    list: bool,
    spaced: bool,
}

impl<'c, 'p> Walk<'c, 'p> {
    fn child(&self, matches: impl Fn(&Segment) -> bool) -> Walk<'c, 'p> {
        let (mut follow, mut list, mut spaced) = (0u64, false, false);
        for (i, target) in self.paths.targets.iter().enumerate() {
            if self.follow & (1 << i) == 0 {
                continue;
            }
            let Some(segment) = target.path.get(self.depth) else { continue };
            if !matches(segment) {
                continue;
            }
            if self.depth + 1 == target.path.len() {
                if target.spaced {
                    spaced = true;
                } else {
                    list = true;
                }
            } else {
                follow |= 1 << i;
            }
        }
        Walk { paths: self.paths, sink: self.sink, depth: self.depth + 1, follow, list, spaced }
    }

    fn is_dead_end(&self) -> bool {
        self.follow == 0 && !self.list && !self.spaced
    }

    fn string(&self, v: &str, borrowed: bool, item: bool) {
        if item {
            self.sink.string(v, borrowed, false);
        }
        if self.spaced {
            self.sink.string(v, borrowed, true);
        }
    }
}

impl<'de> DeserializeSeed<'de> for Walk<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(Item { walk: self, item: false })
    }
}

/// A [`Walk`]; `item`: an element of a target's list, a permission if it
/// is a string.
struct Item<'c, 'p> {
    walk: Walk<'c, 'p>,
    item: bool,
}

impl<'de> DeserializeSeed<'de> for Item<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Item<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<(), E> {
        self.walk.string(v, true, self.item);
        Ok(())
    }

    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        // Unescaped into a scratch buffer: not in the claims as written.
        self.walk.string(v, false, self.item);
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let walk = self.walk;
        if walk.follow == 0 && !walk.list {
            return StrictVisitor.visit_seq(seq);
        }
        let mut i = 0usize;
        loop {
            let child = walk.child(|s| s.matches_index(i));
            let more = if child.is_dead_end() && !walk.list {
                seq.next_element_seed(Strict)?.is_some()
            } else {
                seq.next_element_seed(Item { walk: child, item: walk.list })?.is_some()
            };
            if !more {
                return Ok(());
            }
            i += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let walk = self.walk;
        if walk.follow == 0 {
            return StrictVisitor.visit_map(map);
        }
        let mut seen = Seen::default();
        while let Some(name) = map.next_key_seed(NameSeed)? {
            let child = walk.child(|s| s.matches_member(&name));
            if child.is_dead_end() {
                map.next_value_seed(Strict)?;
            } else {
                map.next_value_seed(child)?;
            }
            if !seen.insert(name) {
                return Err(duplicate());
            }
        }
        Ok(())
    }
}

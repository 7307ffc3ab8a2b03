//! Compile-time behaviour of `#[route]` and `routes![...]`: what compiles,
//! and the exact messages users see when it does not. Conventions and
//! re-blessing: `ui/README.md`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}

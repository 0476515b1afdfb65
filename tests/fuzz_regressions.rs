//! Inputs on which a fuzz target (`fuzz/fuzz_targets/`) once failed, each
//! replayed through the same library functions, so they stay fixed. Run the
//! targets with `scripts/fuzz`; see fuzz/README.md.

use plansite::markdown;

/// `frontmatter_markdown`: two headings with the same explicit id gave two
/// elements the same `id`; the repeated one now gets a suffix.
#[test]
fn repeated_explicit_heading_id_is_made_unique() {
    let ids: Vec<String> = markdown::analyze("# {#t}\n# {#t}")
        .headings
        .into_iter()
        .map(|h| h.id)
        .collect();
    assert_eq!(ids, ["t", "t-1"]);
    // a later explicit `{#t-1}` keeps its id; the repeat takes the next free one
    let ids: Vec<String> = markdown::analyze("# A {#t}\n# B {#t}\n# C {#t-1}")
        .headings
        .into_iter()
        .map(|h| h.id)
        .collect();
    assert_eq!(ids, ["t", "t-2", "t-1"]);
}

//! Inputs on which a fuzz target (`fuzz/fuzz_targets/`) once failed, each
//! replayed through the same library functions, so they stay fixed. Run the
//! targets with `scripts/fuzz`; see fuzz/README.md.

use std::collections::BTreeMap;
use std::path::Path;

use plansite::site::markdown;
use plansite::source::i18n::{Catalog, Strings};
use plansite::source::values::PartialDate;

fn heading_ids(body: &str) -> Vec<String> {
    markdown::analyze(body, &Default::default())
        .headings
        .into_iter()
        .map(|h| h.id)
        .collect()
}

/// `frontmatter_markdown`: two headings with the same explicit id gave two
/// elements the same `id`; the repeated one now gets a suffix.
#[test]
fn repeated_explicit_heading_id_is_made_unique() {
    assert_eq!(heading_ids("# {#t}\n# {#t}"), ["t", "t-1"]);
    // a later explicit `{#t-1}` keeps its id; the repeat takes the next free one
    assert_eq!(heading_ids("# A {#t}\n# B {#t}\n# C {#t-1}"), ["t", "t-2", "t-1"]);
}

/// `i18n_format`: a fraction that rounded up to a whole lost its carry
/// (32.999996 was "32,1"), and a negative number that rounds to zero kept
/// its sign ("−0").
#[test]
fn numbers_round_with_carry_and_no_negative_zero() {
    let sv = "format:\n  group_separator: \"\\u00A0\"\n  decimal_separator: \",\"\n";
    let strings = Strings {
        catalogs: BTreeMap::from([("sv".to_owned(), Catalog::parse(Path::new("i18n/sv.yaml"), sv).unwrap())]),
        source: "sv".to_owned(),
    };
    assert_eq!(strings.format_number("sv", 32.999996), "33");
    assert_eq!(strings.format_number("sv", 1.996), "2");
    assert_eq!(strings.format_number("sv", 99999.999), "100\u{a0}000");
    assert_eq!(strings.format_number("sv", -9.999), "−10");
    assert_eq!(strings.format_number("sv", -0.001), "0");
    assert_eq!(strings.format_number("sv", 32.5), "32,5");
}

/// `i18n_format`: `str::parse` accepts a sign, so "+026" was the year 26.
#[test]
fn dates_take_digits_only() {
    for text in ["+026", "2024-+1", "2024-01-+5", "-202"] {
        assert!(PartialDate::parse(text).is_err(), "{text} was accepted");
    }
    assert_eq!(PartialDate::parse("2024-02-29").unwrap().to_string(), "2024-02-29");
}

//! Link destinations through the link policy: never panics; an accepted
//! `@/id#anchor` id is slugs joined by `/` (so it cannot leave `content/`:
//! no `..` or `.` segment, no leading `/`, no backslash); and whatever is
//! accepted has no scheme outside `http`, `https`, `mailto` and `tel`, as a
//! browser would read the scheme.

use plansite::source::link_policy::{self, Dest};
use plansite::source::slug;

/// Checks one input; panics when a property fails.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Most random strings are not `@/` links; try each input as one too.
    for dest in [text.to_owned(), format!("@/{text}")] {
        let Ok(accepted) = link_policy::classify(&dest) else {
            continue;
        };
        assert_scheme_allowed(&dest);
        let Dest::Page { id, anchor } = accepted else {
            continue;
        };
        assert!(slug::check_id(id).is_ok(), "{dest:?} gave id {id:?}");
        assert!(dest.starts_with("@/"), "{dest:?} is not an internal link");
        assert!(
            !id.split('/').any(|segment| segment == ".." || segment == "."),
            "{dest:?} gave id {id:?} with a `..` or `.` segment"
        );
        assert!(!id.starts_with('/'), "{dest:?} gave absolute id {id:?}");
        assert!(!id.contains('\\'), "{dest:?} gave id {id:?} with a backslash");
        assert!(!id.contains('#'), "{dest:?} gave id {id:?} with a `#`");
        if let Some(anchor) = anchor {
            assert!(
                !anchor.is_empty() && !anchor.contains(char::is_whitespace),
                "{dest:?}: anchor {anchor:?}"
            );
        }
    }
}

/// The scheme a browser reads: C0 controls and spaces stripped around the
/// URL, tabs and newlines removed inside it, then letters up to a `:`.
fn assert_scheme_allowed(dest: &str) {
    let url: String = dest
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    if url.starts_with("//") || url.starts_with('\\') {
        panic!("{dest:?} is accepted but leaves the site without a scheme");
    }
    let Some((scheme, _)) = url.split_once(':') else {
        return;
    };
    let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if is_scheme {
        let scheme = scheme.to_ascii_lowercase();
        assert!(
            ["http", "https", "mailto", "tel"].contains(&scheme.as_str()),
            "{dest:?} is accepted with the scheme {scheme:?}"
        );
    }
}

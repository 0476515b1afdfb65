//! `@/id#anchor` link destinations: never panics, and an accepted id is a
//! path under `content/` that cannot leave it — no `..` (or `.`) segment, no
//! leading `/`, no backslash — whatever the destination holds.

use plansite::markdown::parse_internal;

/// Checks one input; panics when a property fails.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Most random strings are not `@/` links; try each input as one too.
    for dest in [text.to_owned(), format!("@/{text}")] {
        let Ok(Some((id, anchor))) = parse_internal(&dest) else {
            continue;
        };
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

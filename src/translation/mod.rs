//! The translators' tools: what is stale (`status`, `plansite i18n`), what
//! changed in the source since a translation was reviewed (`diff`, `plansite
//! i18n diff`, with `history` reading the old source from git), and whether a
//! translation holds the site's terminology (`glossary`). They read the
//! site through `source::load` and share one idea of what a translator
//! translates ([`source_hash`]) and of a page's blocks ([`blocks`]).

pub mod blocks;
pub mod diff;
pub mod glossary;
pub mod history;
pub mod status;

use sha2::{Digest, Sha256};

use crate::source::frontmatter::FrontMatter;
use crate::source::load::SourcePage;

/// Number of hex digits of a source hash kept in `translated_from`.
pub const HASH_LEN: usize = 12;

/// A front-matter field a translator translates: its name and its value.
pub type Field = (&'static str, fn(&FrontMatter) -> Option<&str>);

/// The front-matter fields a translator translates, in the order they are
/// hashed and shown.
pub const FIELDS: [Field; 3] = [
    ("title", |f| Some(f.title.as_str())),
    ("link_title", |f| f.link_title.as_deref()),
    ("description", |f| f.description.as_deref()),
];

/// What `translated_from` records: the first [`HASH_LEN`] hex digits of the
/// SHA-256 of everything a translator translates on a source page — its
/// title, link title, description and body. Each field is framed by its name
/// and length, so no edit can move text from one field to another unseen.
pub fn source_hash(front: &FrontMatter, body: &str) -> String {
    let mut hasher = Sha256::new();
    let fields = FIELDS.iter().map(|(name, get)| (*name, get(front)));
    for (name, value) in fields.chain([("body", Some(body))]) {
        let value = value.unwrap_or("");
        hasher.update(format!("{name} {}\n", value.len()).as_bytes());
        hasher.update(value.as_bytes());
        hasher.update(b"\n");
    }
    hex(&hasher.finalize())
}

/// The hash `translated_from` recorded before titles and descriptions were
/// covered: of the body alone. A translation marked so stays `ok` while the
/// body is unchanged; marking it again records [`source_hash`].
pub fn body_hash(body: &str) -> String {
    hex(&Sha256::digest(body.as_bytes()))
}

/// Whether a recorded `translated_from` names this version of a source page
/// (hex digits in either case).
pub fn names_version(recorded: &str, front: &FrontMatter, body: &str) -> bool {
    is_hash(recorded)
        && (recorded.eq_ignore_ascii_case(&source_hash(front, body)) || recorded.eq_ignore_ascii_case(&body_hash(body)))
}

/// Whether `recorded` has the form of a hash `mark` writes: [`HASH_LEN`]
/// hex digits.
pub fn is_hash(recorded: &str) -> bool {
    recorded.len() == HASH_LEN && recorded.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Line of a front-matter field of a page (`name:` at the start of a line).
fn field_line(page: &SourcePage, name: &str) -> Option<usize> {
    page.text()
        .lines()
        .take(page.body_line_offset)
        .position(|l| l.strip_prefix(name).is_some_and(|rest| rest.starts_with(':')))
        .map(|i| i + 1)
}

fn hex(digest: &[u8]) -> String {
    digest.iter().take(HASH_LEN / 2).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn front(title: &str, description: Option<&str>) -> FrontMatter {
        FrontMatter {
            title: title.into(),
            description: description.map(Into::into),
            ..FrontMatter::default()
        }
    }

    #[test]
    fn the_hash_covers_title_link_title_description_and_body() {
        let base = source_hash(&front("Uleåborg", Some("Vänort")), "Text.\n");
        assert_eq!(base.len(), HASH_LEN);
        assert_ne!(base, source_hash(&front("Uleåborg!", Some("Vänort")), "Text.\n"));
        assert_ne!(base, source_hash(&front("Uleåborg", Some("Vänorter")), "Text.\n"));
        assert_ne!(base, source_hash(&front("Uleåborg", Some("Vänort")), "Text!\n"));
        let mut linked = front("Uleåborg", Some("Vänort"));
        linked.link_title = Some("Uleå".into());
        assert_ne!(base, source_hash(&linked, "Text.\n"));
        // text cannot move between fields unseen
        assert_ne!(
            source_hash(&front("a", Some("b")), ""),
            source_hash(&front("a\n", Some("")), "b")
        );
    }

    #[test]
    fn a_body_hash_recorded_earlier_still_names_the_version() {
        let page = front("Titel", None);
        assert!(names_version(&body_hash("Text.\n"), &page, "Text.\n"));
        assert!(names_version(&source_hash(&page, "Text.\n"), &page, "Text.\n"));
        assert!(!names_version(&body_hash("Text.\n"), &page, "Annan text.\n"));
    }
}

//! A page file as the loader hands it over: front matter split off, then the
//! body analysed and rendered to HTML the way pages and the print edition do.
//!
//! Never panics, and:
//! - the body is a suffix of the file and `body_line_offset` counts the lines before it;
//! - heading ids from `analyze` are non-empty and unique, and `events` sets exactly those ids
//!   (with the caller's prefix), in the same order;
//! - link offsets are inside the body, on character boundaries;
//! - the rewritten event stream is balanced (every `Start` has its `End`);
//! - with `escape_html`, no raw HTML from the body reaches the output: every
//!   tag in the HTML is one pulldown-cmark or the link rewriter writes.

use std::path::Path;

use plansite::site::markdown::{self, EventOptions, LinkTarget};
use pulldown_cmark::{Event, Tag, TagEnd};

/// Tags pulldown-cmark's HTML writer emits for `markdown::options()`, plus the
/// `<a>` and `<span class="lang-note">` of rewritten links.
const TAGS: &str = "a blockquote br code del div em h1 h2 h3 h4 h5 h6 hr img li ol p pre span strong sup table tbody \
                    td th thead tr ul";

/// Checks one input; panics when a property fails.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let body = match plansite::source::frontmatter::split(Path::new("x.sv.md"), text) {
        Ok(split) => {
            assert!(text.ends_with(split.body), "the body is the end of the file");
            let before = &text[..text.len() - split.body.len()];
            assert_eq!(split.body_line_offset, before.matches('\n').count());
            split.body
        }
        // A file without valid front matter is still Markdown to try.
        Err(_) => text,
    };

    let reserved: std::collections::BTreeSet<String> = ["main".to_owned()].into();
    let analysis = markdown::analyze(body, &reserved);
    let mut ids = std::collections::BTreeSet::new();
    for heading in &analysis.headings {
        assert!(!heading.id.is_empty(), "empty heading id");
        assert!(
            !reserved.contains(&heading.id),
            "heading took the theme's id {:?}",
            heading.id
        );
        assert!(ids.insert(heading.id.as_str()), "duplicate heading id {:?}", heading.id);
    }
    for link in &analysis.links {
        assert!(link.offset < body.len() && body.is_char_boundary(link.offset));
    }

    let resolve = |_: &str, _: Option<&str>| {
        Some(LinkTarget {
            href: "../a/?q=\"1\"&r='<2>'".to_owned(),
            hreflang: Some("sv".to_owned()),
            note: Some("(på svenska)".to_owned()),
        })
    };
    for (escape_html, plain_links) in [(true, false), (false, true)] {
        let prefix = if plain_links { "ch-x--" } else { "" };
        let file = |_: &str, _: bool| None::<markdown::FileTarget>;
        let options = EventOptions {
            resolve: &resolve,
            file: &file,
            id_prefix: prefix,
            reserved_ids: &reserved,
            escape_html,
            plain_links,
            heading_shift: u8::from(plain_links),
            lang: "sv",
        };
        let events = markdown::events(body, &options);

        // The ids rendered are the ids analysed.
        let rendered: Vec<String> = events
            .iter()
            .filter_map(|event| match event {
                Event::Start(Tag::Heading { id, .. }) => Some(id.as_deref().unwrap_or("<none>").to_owned()),
                _ => None,
            })
            .collect();
        let analysed: Vec<String> = analysis.headings.iter().map(|h| format!("{prefix}{}", h.id)).collect();
        assert_eq!(rendered, analysed, "events and analyze disagree on heading ids");

        assert_balanced(&events);

        let html = markdown::to_html(events);
        if escape_html {
            assert_only_known_tags(&html);
        }
    }
}

fn assert_balanced(events: &[Event]) {
    let mut open: Vec<TagEnd> = Vec::new();
    for event in events {
        match event {
            Event::Start(tag) => open.push(tag.to_end()),
            Event::End(end) => assert_eq!(open.pop(), Some(*end), "unbalanced event stream"),
            _ => {}
        }
    }
    assert!(open.is_empty(), "unclosed tags: {open:?}");
}

fn assert_only_known_tags(html: &str) {
    for (i, _) in html.match_indices('<') {
        let rest = html[i + 1..].strip_prefix('/').unwrap_or(&html[i + 1..]);
        let name: String = rest.chars().take_while(char::is_ascii_alphanumeric).collect();
        assert!(
            TAGS.split_whitespace().any(|tag| tag == name.to_ascii_lowercase()),
            "raw HTML <{name}… in escaped output:\n{html}"
        );
    }
}

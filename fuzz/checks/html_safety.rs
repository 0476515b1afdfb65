//! A Markdown body rendered as a site with `build.allow_html = false`
//! renders it, then read by a real HTML5 parser (html5ever, through scraper)
//! the way a browser reads a page's `<body>`.
//!
//! Input: a page body. It is rendered as a page (`markdown::events` with
//! `escape_html`, every `@/` link resolved to a relative path) and as a
//! chapter of the print edition (ids prefixed, headings one level down, plan
//! links as in-document anchors, other pages as absolute URLs), each through
//! `markdown::to_html`. Never panics, and in the tree the parser builds:
//! - every element is an HTML element that pulldown-cmark's HTML writer
//!   emits for `markdown::options()` or that the link rewriter writes;
//! - every attribute is one that element gets from them, with a value of
//!   the form they give it (no `on…`, no `style` but a table cell's
//!   alignment, heading classes of `a–z`, `0–9`, `-` only, heading ids
//!   of those or a slug's letters);
//! - ids are unique, hold no whitespace, and none is the theme's `main`;
//! - every `href` and `src` is a relative path, a `#fragment`, or an
//!   `http`, `https`, `mailto` or `tel` URL, its scheme read as a browser
//!   reads it (C0 controls and spaces around it and tabs and newlines in
//!   it ignored, letters in any case); never `//host`, a path from the
//!   server's root, or an `http(s)` URL with a user name. Whatever stands
//!   before a `:` that comes before any `/`, `?` or `#` counts as a scheme,
//!   even where a browser would not take it for one (`%20javascript:`,
//!   `..x:`): a relative path has no colon there (RFC 3986, 4.2), so no
//!   reader of the URL can take such a path for a scheme;
//! - there is no comment (raw HTML in the body shows as text);
//! - and what had to be left out stops the build: `markdown::analyze`
//!   reports every refused destination and heading attribute at its place,
//!   and every piece of raw HTML (escaped, with a warning).
//!
//! The property is about the output alone: it does not trust the link
//! policy's own classification, so a destination the policy misjudges shows
//! up here.

use std::collections::BTreeSet;

use plansite::site::markdown::{self, EventOptions, FileTarget, LinkTarget};
use pulldown_cmark::{Event, LinkType, Parser, Tag};
use scraper::{ElementRef, Html, Node};

const XHTML: &str = "http://www.w3.org/1999/xhtml";

/// The elements the HTML writer emits for `markdown::options()` (CommonMark,
/// tables, footnotes, strikethrough, heading attributes; no task lists,
/// math, definition lists, sub/superscript or alert blockquotes), plus the
/// link rewriter's `<a>` and `<span class="lang-note">`, with the attributes
/// each may carry.
const ELEMENTS: &[(&str, &[&str])] = &[
    ("p", &[]),
    ("h1", &["id", "class"]),
    ("h2", &["id", "class"]),
    ("h3", &["id", "class"]),
    ("h4", &["id", "class"]),
    ("h5", &["id", "class"]),
    ("h6", &["id", "class"]),
    ("a", &["href", "title", "hreflang"]),
    (
        "img",
        &["src", "alt", "title", "width", "height", "loading", "decoding"],
    ),
    ("em", &[]),
    ("strong", &[]),
    ("del", &[]),
    ("code", &["class"]),
    ("pre", &[]),
    ("blockquote", &[]),
    ("ul", &[]),
    ("ol", &["start"]),
    ("li", &[]),
    ("table", &[]),
    ("thead", &[]),
    ("tbody", &[]),
    ("tr", &[]),
    ("th", &["style"]),
    ("td", &["style"]),
    ("hr", &[]),
    ("br", &[]),
    ("sup", &["class"]),
    ("div", &["class", "id"]),
    ("span", &["class", "lang"]),
];

/// The schemes a link or image may use.
const SCHEMES: &[&str] = &["http", "https", "mailto", "tel"];

/// The id the theme gives its own element, which content must not take.
const THEME_ID: &str = "main";

/// The ids the theme reserves, as the renderer is told them.
fn reserved() -> std::collections::BTreeSet<String> {
    [THEME_ID.to_owned()].into()
}

/// Checks one input; panics when a property fails.
pub fn check(data: &[u8]) {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    for (what, html) in [("page", page_html(body)), ("print page", print_html(body))] {
        let found = violations(&html);
        assert!(
            found.is_empty(),
            "unsafe HTML on a {what}:\n- {}\nMarkdown: {body:?}\nHTML:\n{html}",
            found.join("\n- ")
        );
    }
    let missed = unreported(body);
    assert!(
        missed.is_empty(),
        "`analyze` lets through what the renderer must leave out:\n- {}\nMarkdown: {body:?}",
        missed.join("\n- ")
    );
}

/// What the body holds that cannot be published as written, but that
/// `markdown::analyze` does not report at its place: a link or image whose
/// destination this check refuses (as it would read in the HTML, or with a
/// control character in it), a heading attribute beyond `#id` and `.class`
/// of `a–z 0–9 -` or the theme's id, and raw HTML (escaped, with a warning).
/// `@/` links are left to the resolver.
pub fn unreported(body: &str) -> Vec<String> {
    let analysis = markdown::analyze(body, &reserved());
    let reported =
        |offset: usize| analysis.problems.iter().any(|p| p.offset == offset) || analysis.raw_html.contains(&offset);
    let mut missed = Vec::new();
    for (event, range) in Parser::new_ext(body, markdown::options()).into_offset_iter() {
        let offset = range.start;
        match &event {
            Event::Start(
                Tag::Link {
                    link_type, dest_url, ..
                }
                | Tag::Image {
                    link_type, dest_url, ..
                },
            ) => {
                if *link_type == LinkType::Email || dest_url.starts_with("@/") {
                    continue;
                }
                let refused = if dest_url.contains(char::is_control) {
                    Err("a control character".to_owned())
                } else {
                    url(dest_url)
                };
                if let Err(why) = refused
                    && !reported(offset)
                {
                    missed.push(format!("destination {:?} at {offset} ({why})", &**dest_url));
                }
            }
            Event::Start(Tag::Heading { id, classes, attrs, .. }) => {
                let bad_id = id.as_deref().is_some_and(|id| !is_name(id) || id == THEME_ID);
                let bad_class = classes.iter().any(|class| !is_name(class));
                if (bad_id || bad_class || !attrs.is_empty()) && !reported(offset) {
                    missed.push(format!("heading attributes at {offset}: {event:?}"));
                }
            }
            Event::Html(_) | Event::InlineHtml(_) if !analysis.raw_html.contains(&offset) => {
                missed.push(format!("raw HTML at {offset}: {event:?}"));
            }
            _ => {}
        }
    }
    missed
}

/// The body as a page's HTML, with `build.allow_html = false`.
/// Every relative path names a file, published under a name that keeps
/// the path as written: what an attacker writes reaches the attribute.
fn file(path: &str, _image: bool) -> Option<FileTarget> {
    Some(FileTarget {
        href: format!("../../assets/files/{path}"),
        size: Some((640, 480)),
    })
}

pub fn page_html(body: &str) -> String {
    let resolve = |_: &str, _: Option<&str>| {
        Some(LinkTarget {
            href: "../x/index.html".to_owned(),
            hreflang: Some("sv".to_owned()),
            note: Some("(på svenska)".to_owned()),
        })
    };
    let options = EventOptions {
        resolve: &resolve,
        file: &file,
        id_prefix: "",
        reserved_ids: &reserved(),
        escape_html: true,
        plain_links: false,
        heading_shift: 0,
        lang: "sv",
    };
    markdown::to_html(markdown::events(body, &options))
}

/// The body as a chapter of the print page, with `build.allow_html = false`.
pub fn print_html(body: &str) -> String {
    let resolve = |id: &str, heading: Option<&str>| {
        let href = match heading {
            Some(heading) if id.starts_with("plan") => format!("#plan-x--{heading}"),
            None if id.starts_with("plan") => "#plan-x".to_owned(),
            _ => "https://example.org/sv/x/".to_owned(),
        };
        Some(LinkTarget {
            href,
            hreflang: Some("fi".to_owned()),
            note: None,
        })
    };
    let options = EventOptions {
        resolve: &resolve,
        file: &file,
        id_prefix: "plan-x--",
        reserved_ids: &reserved(),
        escape_html: true,
        plain_links: false,
        heading_shift: 1,
        lang: "sv",
    };
    markdown::to_html(markdown::events(body, &options))
}

/// Everything in `html`, parsed as a browser parses a page's body, that the
/// renderer must never write; empty when the HTML is safe.
pub fn violations(html: &str) -> Vec<String> {
    let fragment = Html::parse_fragment(html);
    let mut found = Vec::new();
    let mut ids = BTreeSet::new();
    // the fragment's root is the parser's own `<html>`
    for node in fragment.root_element().descendants().skip(1) {
        match node.value() {
            Node::Text(_) => {}
            Node::Element(element) => {
                found.extend(element_violations(ElementRef::wrap(node).expect("an element node")));
                if let Some(id) = element.id()
                    && !ids.insert(id)
                {
                    found.push(format!("two elements with the id {id:?}"));
                }
            }
            Node::Comment(comment) => found.push(format!("comment <!--{}-->", &**comment)),
            other => found.push(format!("node {other:?}")),
        }
    }
    found
}

fn element_violations(element: ElementRef) -> Vec<String> {
    let value = element.value();
    let name = value.name();
    if &*value.name.ns != XHTML {
        return vec![format!("<{name}> in namespace {}", &*value.name.ns)];
    }
    let Some((_, allowed)) = ELEMENTS.iter().find(|(n, _)| *n == name) else {
        return vec![format!("element <{name}>")];
    };
    let mut found = Vec::new();
    for (attr, text) in value.attrs() {
        if !allowed.contains(&attr) {
            found.push(format!("attribute {attr}={text:?} on <{name}>"));
        } else if let Err(why) = attribute_value(name, attr, text) {
            found.push(format!("{attr}={text:?} on <{name}>: {why}"));
        }
    }
    found
}

/// Whether an allowed attribute has a value of the form the writers give it.
fn attribute_value(element: &str, attr: &str, value: &str) -> Result<(), String> {
    match (element, attr) {
        (_, "href" | "src") => url(value),
        (_, "title" | "alt") => Ok(()),
        (_, "hreflang" | "lang") => expect(
            !value.is_empty() && value.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "not a language code",
        ),
        ("img", "width" | "height") => expect(
            !value.is_empty() && value.chars().all(|c| c.is_ascii_digit()),
            "not a number",
        ),
        ("img", "loading") => expect(value == "lazy", "not `lazy`"),
        ("img", "decoding") => expect(value == "async", "not `async`"),
        ("ol", "start") => expect(
            !value.is_empty() && value.chars().all(|c| c.is_ascii_digit()),
            "not a number",
        ),
        ("th" | "td", "style") => expect(
            matches!(value, "text-align: left" | "text-align: center" | "text-align: right"),
            "not a cell alignment",
        ),
        ("code", "class") => expect(
            value.starts_with("language-") && !value.contains(is_html_space),
            "not one `language-…` class",
        ),
        ("sup", "class") => expect(
            matches!(value, "footnote-reference" | "footnote-definition-label"),
            "not a footnote class",
        ),
        ("div", "class") => expect(value == "footnote-definition", "not a footnote class"),
        ("span", "class") => expect(value == "lang-note", "not the language note's class"),
        (_, "class") => expect(
            value.split(is_html_space).all(is_name) && !value.trim_matches(is_html_space).is_empty(),
            "a class other than a–z, 0–9, `-`",
        ),
        (_, "id") => id(element, value),
        _ => Err("unexpected attribute".to_owned()),
    }
}

/// A heading's id is its `{#id}` (`a–z 0–9 -`) or a slug of its text
/// (letters of any script, digits, `-`); a footnote's is its label. Neither
/// is the theme's id or holds whitespace.
fn id(element: &str, value: &str) -> Result<(), String> {
    if value.is_empty() || value.contains(is_html_space) {
        return Err("empty or with whitespace".to_owned());
    }
    if value == THEME_ID {
        return Err("the theme's id".to_owned());
    }
    expect(
        element == "div" || value.chars().all(|c| c.is_alphanumeric() || c == '-'),
        "neither a slug nor a `{#id}` of a–z, 0–9, `-`",
    )
}

/// A link or image URL as a browser reads it: a `#fragment`, a relative
/// path, or a URL with an allowed scheme.
pub fn url(value: &str) -> Result<(), String> {
    // what the URL parser ignores: C0 controls and spaces around the URL,
    // tabs and newlines anywhere in it
    let trimmed = value.trim_matches(|c: char| c <= ' ');
    let url: String = trimmed.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    if url.starts_with('#') {
        return Ok(());
    }
    let scheme_end = url.find([':', '/', '?', '#']);
    match scheme_end.map(|end| (end, url.as_bytes()[end])) {
        Some((end, b':')) => {
            let scheme = url[..end].to_ascii_lowercase();
            if !SCHEMES.contains(&scheme.as_str()) {
                return Err(format!("the scheme `{scheme}:`"));
            }
            if scheme.starts_with("http") {
                // browsers read `\` as `/` in http(s) URLs
                let rest = url[end + 1..].replace('\\', "/");
                let authority = rest
                    .strip_prefix("//")
                    .map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
                match authority {
                    Some(authority) if authority.contains('@') => return Err("a user name before the host".to_owned()),
                    Some(authority) if !authority.is_empty() => {}
                    _ => return Err("an http(s) URL without a host".to_owned()),
                }
            }
            Ok(())
        }
        // a relative path: never `//host` or `/path` (`\` counts as `/`)
        _ if url.starts_with(['/', '\\']) => Err("not relative to the page".to_owned()),
        _ => Ok(()),
    }
}

fn expect(ok: bool, why: &str) -> Result<(), String> {
    if ok { Ok(()) } else { Err(why.to_owned()) }
}

fn is_name(class: &str) -> bool {
    !class.is_empty()
        && class
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// ASCII whitespace as HTML splits attribute values on it.
fn is_html_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{c}' | '\r')
}

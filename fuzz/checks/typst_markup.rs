//! The PDF edition's typst source: content can never change the document's
//! structure.
//!
//! Input: one flag byte, then UTF-8 text; chapters are separated by form
//! feeds (`\x0c`), and a chapter's first line is `number|id|title`, the rest
//! its Markdown. The flags choose pulldown-cmark's options (`markdown::options()`
//! or all of them), whether the events go through `markdown::events` as the
//! print edition does, and which attack payload (if any) is appended to every
//! piece of content: text, inline code, link targets, heading ids, footnote
//! names, chapter numbers, titles and ids, and the edition's own strings.
//!
//! The generated source is parsed with typst's own parser (`typst-syntax`,
//! the version typst compiles it with) and checked against a baseline: the
//! same edition with every chapter body empty and every string neutral
//! (same emptiness, same equalities). Then:
//! 1. the source has no syntax errors (an unbalanced `[`, `"` or `<` from
//!    content would show up here);
//! 2. body markup uses only the writer's vocabulary — function calls, content
//!    blocks, text, escapes, strings, numbers, labels. Every other node kind
//!    (set/show rules, `let`, closures, `*strong*`, `= heading`, lists,
//!    equations, raw, comments, smart quotes, shorthands, …) occurs exactly
//!    as often as in the baseline, i.e. only in the preamble;
//! 3. calls to functions other than the ones the body writer uses
//!    (`pagebreak`, `page`, `outline`, `text`, anything injected …) occur
//!    exactly as often as in the baseline, and `#` in markup starts nothing
//!    but a call (a bare `#pagebreak` or `#x.y` occurs only in the baseline);
//! 4. no call takes more than one trailing `[…]` (a `][` break-out would);
//! 5. every label has one of the writer's forms;
//! 6. no payload appears verbatim outside string literals: content always
//!    comes out escaped.
//!
//! Compiling with typst is left to `plansite::pdf`'s unit tests: it takes
//! seconds per document, a thousand times slower than this check.

use std::collections::BTreeMap;

use plansite::pdf::{Chapter, Edition, Image};
use plansite::site::markdown::{self, EventOptions, FileTarget, LinkTarget};
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag};
use typst_syntax::{SyntaxKind, SyntaxNode};

/// Attack payloads appended to content, and whether the payload must never
/// appear verbatim (outside string literals) in the source.
const PAYLOADS: &[(&str, bool)] = &[
    ("", false),
    ("#set page(width: 1cm)", true),
    ("#pagebreak()", true),
    ("]#plansite_injected()[", true),
    ("\")#plansite_injected()(\"", true),
    ("*plansite* _injected_ `raw` $x^2$", true),
    (
        "<plansite-label> @plansite-ref https://plansite.invalid // comment",
        true,
    ),
    ("\n= Heading\n- list\n+ enum\n/ term: x\n", false),
    ("#let plansite = 1; #show: plansite_injected", true),
    ("#import \"plansite.typ\": * #include \"plansite.typ\"", true),
    ("\\", false),
    ("/* plansite", true),
    ("`", false),
    ("$", false),
    ("\"", false),
    ("\u{2028}#pagebreak()\u{85}\r\n#pagebreak()", true),
];

/// Functions the chapter-body writer calls (by their last name: `terms.item`
/// is `item`). Calls to anything else come only from the preamble, cover and
/// chapter headings, whose count the baseline fixes.
const BODY_CALLS: &[&str] = &[
    "artifact",
    "box",
    "divider",
    "emph",
    "enum",
    "footnote",
    "header",
    "heading",
    "image",
    "item",
    "link",
    "linebreak",
    "list",
    "metadata",
    "quote",
    "raw",
    "strike",
    "strong",
    "sub",
    "super",
    "table",
    "terms",
];

/// Node kinds the body writer emits. Any other kind is counted against the baseline.
const BODY_KINDS: &[SyntaxKind] = &[
    SyntaxKind::Markup,
    SyntaxKind::Text,
    SyntaxKind::Space,
    SyntaxKind::Parbreak,
    SyntaxKind::Escape,
    SyntaxKind::Label,
    SyntaxKind::Hash,
    SyntaxKind::FuncCall,
    // an image's width: `box(image(…, width: 480pt))`
    SyntaxKind::Numeric,
    SyntaxKind::Args,
    SyntaxKind::Named,
    SyntaxKind::Ident,
    SyntaxKind::FieldAccess,
    SyntaxKind::Dot,
    SyntaxKind::ContentBlock,
    SyntaxKind::LeftBracket,
    SyntaxKind::RightBracket,
    SyntaxKind::LeftParen,
    SyntaxKind::RightParen,
    SyntaxKind::Array,
    SyntaxKind::Comma,
    SyntaxKind::Colon,
    SyntaxKind::Str,
    SyntaxKind::Int,
    SyntaxKind::Bool,
    SyntaxKind::None,
];

/// Checks one input; panics when a property fails.
pub fn check(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let options = if flags & 1 == 0 {
        markdown::options()
    } else {
        Options::all()
    };
    let through_events = flags & 2 != 0;
    let (payload, verbatim) = PAYLOADS[usize::from(flags >> 4) % PAYLOADS.len()];

    let chapters: Vec<Chapter> = text
        .split('\x0c')
        .take(8)
        .enumerate()
        .map(|(index, chunk)| {
            let (header, body) = chunk.split_once('\n').unwrap_or((chunk, ""));
            let mut fields = header.splitn(3, '|');
            let number = fields.next().unwrap_or_default().to_owned();
            let id = fields.next().map_or_else(|| format!("ch-{index}"), str::to_owned);
            let title = fields.next().unwrap_or_default().to_owned();
            let events = if through_events {
                print_events(body, &format!("{id}--"))
            } else {
                Parser::new_ext(body, options).map(Event::into_static).collect()
            };
            Chapter {
                depth: if number.contains('.') { 2 } else { 1 },
                number: inject(&number, payload),
                id: inject(&id, payload),
                title: inject(&title, payload),
                // some chapters in another language (and region), as a
                // chapter not yet translated is
                lang: number.ends_with('2').then(|| "en-GB".to_owned()),
                events: events.into_iter().map(|event| inject_event(event, payload)).collect(),
            }
        })
        .collect();
    let edition = Edition {
        lang: "sv".to_owned(),
        title: inject("Övergripande aktivitetsplan", payload),
        subtitle: inject("2024–2027", payload),
        author: inject("Luleå kommun", payload),
        language_name: inject("Svenska", payload),
        date: (2024, 3, 1),
        contents_label: inject("Innehåll", payload),
        page_label: inject("Sida {page} av {pages}", payload),
        images: {
            let mut images = images(&chapters);
            images.insert(
                "/map.svg".to_owned(),
                plansite::pdf::Image {
                    bytes: br#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>"#
                        .as_slice()
                        .into(),
                    width: 10,
                },
            );
            images
        },
        // the map's text comes from the content (names, kinds, countries)
        map: Some(plansite::pdf::EditionMap {
            path: "/map.svg".to_owned(),
            alt: inject("Karta: planen", payload),
            caption: inject("Platserna på kartan", payload),
            places: vec![inject("Uleåborg – Samarbetspartner, Finland", payload)],
        }),
        chapters,
    };

    let source = plansite::pdf::markup(&edition);
    let baseline = plansite::pdf::markup(&neutral(&edition));
    let root = typst_syntax::parse(&source);
    let (errors, _) = root.errors_and_warnings();
    assert!(
        errors.is_empty(),
        "typst syntax errors {:?} in\n{source}",
        errors.iter().map(|e| &e.message).collect::<Vec<_>>()
    );
    let found = Census::of(&root);
    let expected = Census::of(&typst_syntax::parse(&baseline));

    for (kind, count) in &found.kinds {
        if !BODY_KINDS.iter().any(|k| k.name() == *kind) {
            assert_eq!(
                Some(count),
                expected.kinds.get(kind),
                "`{kind}` nodes come from content:\n{source}"
            );
        }
    }
    for (callee, count) in &found.calls {
        if !BODY_CALLS.contains(&callee.as_str()) {
            assert_eq!(
                Some(count),
                expected.calls.get(callee),
                "calls to `{callee}` come from content:\n{source}"
            );
        }
    }
    for (kind, count) in &found.embeds {
        if *kind != SyntaxKind::FuncCall.name() {
            assert_eq!(
                Some(count),
                expected.embeds.get(kind),
                "`#` embeds a {kind} from content:\n{source}"
            );
        }
    }
    assert!(
        found.max_trailing_blocks <= 1,
        "a call with two trailing `[…]`:\n{source}"
    );
    for label in &found.labels {
        assert!(
            writer_label(label),
            "label {label} not written by the writer:\n{source}"
        );
    }
    if verbatim {
        assert!(
            !found.outside_strings.contains(payload),
            "{payload:?} is not escaped:\n{source}"
        );
    }
}

/// The events the print edition hands over: through `markdown::events`, with
/// plan links as in-document anchors and other links absolute.
fn print_events(body: &str, prefix: &str) -> Vec<Event<'static>> {
    let resolve = |id: &str, anchor: Option<&str>| {
        Some(LinkTarget {
            href: match anchor {
                Some(anchor) => format!("#{id}--{anchor}"),
                None if id.starts_with("plan") => format!("#{id}"),
                None => format!("https://example.org/sv/{id}/"),
            },
            hreflang: None,
            note: None,
        })
    };
    // every relative path names an image file of the edition
    let file = |path: &str, _: bool| {
        Some(FileTarget {
            href: format!("/assets/files/{path}"),
            size: Some((640, 480)),
        })
    };
    let options = EventOptions {
        resolve: &resolve,
        file: &file,
        id_prefix: prefix,
        reserved_ids: &std::collections::BTreeSet::new(),
        escape_html: true,
        plain_links: true,
        heading_shift: 0,
        lang: "sv",
    };
    markdown::events(body, &options)
        .into_iter()
        .map(Event::into_static)
        .collect()
}

fn inject(content: &str, payload: &str) -> String {
    format!("{content}{payload}")
}

/// Appends the payload to every piece of content an event carries.
fn inject_event(event: Event<'static>, payload: &str) -> Event<'static> {
    if payload.is_empty() {
        return event;
    }
    let add = |s: CowStr<'static>| CowStr::from(inject(&s, payload));
    match event {
        Event::Text(s) => Event::Text(add(s)),
        Event::Code(s) => Event::Code(add(s)),
        Event::InlineMath(s) => Event::InlineMath(add(s)),
        Event::FootnoteReference(s) => Event::FootnoteReference(add(s)),
        Event::Start(Tag::FootnoteDefinition(s)) => Event::Start(Tag::FootnoteDefinition(add(s))),
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level,
            id: id.map(add),
            classes,
            attrs,
        }),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: add(dest_url),
            title,
            id,
        }),
        other => other,
    }
}

/// The edition with empty chapter bodies and every string replaced by one of
/// the same emptiness; equal ids stay equal. Its source has the structure
/// the writer itself gives the edition, with no content in it.
fn neutral(edition: &Edition) -> Edition {
    fn plain(s: &str) -> String {
        match (s.is_empty(), s.trim().is_empty()) {
            (true, _) => String::new(),
            (false, true) => " ".to_owned(),
            (false, false) => "a".to_owned(),
        }
    }
    let mut ids: Vec<&str> = Vec::new();
    let chapters = edition
        .chapters
        .iter()
        .map(|chapter| {
            let n = ids.iter().position(|id| *id == chapter.id).unwrap_or_else(|| {
                ids.push(&chapter.id);
                ids.len() - 1
            });
            Chapter {
                number: plain(&chapter.number),
                depth: chapter.depth,
                title: plain(&chapter.title),
                id: format!("id{n}"),
                lang: chapter.lang.clone(),
                events: Vec::new(),
            }
        })
        .collect();
    Edition {
        lang: edition.lang.clone(),
        title: plain(&edition.title),
        subtitle: plain(&edition.subtitle),
        author: plain(&edition.author),
        language_name: plain(&edition.language_name),
        date: edition.date,
        contents_label: plain(&edition.contents_label),
        page_label: "Sida {page} av {pages}".to_owned(),
        chapters,
        images: BTreeMap::new(),
        map: edition.map.as_ref().map(|map| plansite::pdf::EditionMap {
            path: map.path.clone(),
            alt: plain(&map.alt),
            caption: plain(&map.caption),
            places: map.places.iter().map(|place| plain(place)).collect(),
        }),
    }
}

/// Every image the chapters show, as a file of the edition, so that the
/// writer's image call meets every path content can give it.
fn images(chapters: &[Chapter]) -> BTreeMap<String, Image> {
    let mut images = BTreeMap::new();
    for chapter in chapters {
        for event in &chapter.events {
            if let Event::Start(Tag::Image { dest_url, .. }) = event {
                let image = Image {
                    bytes: std::sync::Arc::from(&b""[..]),
                    width: 640,
                };
                images.insert(dest_url.to_string(), image);
            }
        }
    }
    images
}

/// What a syntax tree holds.
#[derive(Default)]
struct Census {
    /// Nodes per kind.
    kinds: BTreeMap<&'static str, usize>,
    /// Calls per callee (the last name of the callee expression).
    calls: BTreeMap<String, usize>,
    /// Code embedded in markup with `#`, per kind of expression.
    embeds: BTreeMap<&'static str, usize>,
    labels: Vec<String>,
    /// The most `[…]` arguments after a call's parentheses.
    max_trailing_blocks: usize,
    /// The source without the text of string literals.
    outside_strings: String,
}

impl Census {
    fn of(root: &SyntaxNode) -> Census {
        let mut census = Census::default();
        census.visit(root);
        census
    }

    fn visit(&mut self, node: &SyntaxNode) {
        *self.kinds.entry(node.kind().name()).or_default() += 1;
        match node.kind() {
            SyntaxKind::FuncCall => {
                let mut children = node.children();
                let callee = children.next().map_or_else(String::new, callee_name);
                *self.calls.entry(callee).or_default() += 1;
                if let Some(args) = children.last() {
                    let trailing = args
                        .children()
                        .rev()
                        .take_while(|arg| arg.kind() != SyntaxKind::RightParen)
                        .filter(|arg| arg.kind() == SyntaxKind::ContentBlock)
                        .count();
                    self.max_trailing_blocks = self.max_trailing_blocks.max(trailing);
                }
            }
            SyntaxKind::Label => self.labels.push(node.leaf_text().to_string()),
            SyntaxKind::Markup => {
                for pair in node.children().collect::<Vec<_>>().windows(2) {
                    if pair[0].kind() == SyntaxKind::Hash {
                        *self.embeds.entry(pair[1].kind().name()).or_default() += 1;
                    }
                }
            }
            _ => {}
        }
        if node.children().len() == 0 && node.kind() != SyntaxKind::Str {
            self.outside_strings.push_str(node.leaf_text());
        }
        for child in node.children() {
            self.visit(child);
        }
    }
}

fn callee_name(callee: &SyntaxNode) -> String {
    match callee.kind() {
        SyntaxKind::Ident => callee.leaf_text().to_string(),
        SyntaxKind::FieldAccess => callee
            .children()
            .rev()
            .find(|child| child.kind() == SyntaxKind::Ident)
            .map_or_else(String::new, |ident| ident.leaf_text().to_string()),
        kind => format!("<{}>", kind.name()),
    }
}

/// `<x…>` for ids (letters, digits, `-` and `_`), `<plansite:chapter>`, and
/// `<plansite:fn:N:x…>` for footnotes.
fn writer_label(label: &str) -> bool {
    let Some(name) = label.strip_prefix('<').and_then(|l| l.strip_suffix('>')) else {
        return false;
    };
    let id = |s: &str| s.starts_with('x') && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if name == "plansite:chapter" || id(name) {
        return true;
    }
    let number = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if let Some((chapter, footnote)) = name.strip_prefix("plansite:fn:").and_then(|rest| rest.split_once(':')) {
        return number(chapter) && id(footnote);
    }
    // the footnote of a link's address: chapter and its number there
    match name.strip_prefix("plansite:url:").and_then(|rest| rest.split_once(':')) {
        Some((chapter, address)) => number(chapter) && number(address),
        None => false,
    }
}

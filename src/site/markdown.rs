//! Markdown: parsing bodies with pulldown-cmark, heading ids, and link rewriting.
//!
//! [`analyze`] finds a body's headings (with their ids), its links (sorted
//! by [`crate::source::link_policy`]) and what cannot be published as written,
//! before anything is resolved; [`events`] produces the body's event stream
//! with heading ids set, every link passed through a caller's rewriter and
//! whatever the link policy refuses left out, ready for HTML ([`to_html`])
//! or for the PDF converter. Both walk the body with the same rules, so the
//! ids the resolver checks are the ids rendered. Nothing here knows about
//! pages, languages or files.

use std::collections::BTreeSet;

use crate::escape;
use crate::source::files;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

use crate::source::link_policy::{self, Dest};

pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// A link to another page by id: `@/partners/oulu#anchor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalLink {
    pub id: String,
    pub anchor: Option<String>,
    /// Byte offset of the link in the body.
    pub offset: usize,
}

/// A file named by a relative path: `![Karta](karta.png)`, `[Rapport](rapport.pdf)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRef {
    /// The path as written, `#fragment` included.
    pub path: String,
    pub image: bool,
    pub offset: usize,
}

/// Something in a body that cannot be published as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub offset: usize,
    pub message: String,
    pub hint: String,
}

#[derive(Debug, Default, Clone)]
pub struct Analysis {
    pub headings: Vec<Heading>,
    pub links: Vec<InternalLink>,
    /// Links to headings of the same page (`#id`): (id, offset).
    pub fragments: Vec<(String, usize)>,
    pub files: Vec<FileRef>,
    /// Links and attributes the link policy refuses; each stops the build.
    pub problems: Vec<Problem>,
    /// Offsets of raw HTML.
    pub raw_html: Vec<usize>,
    /// Links and images to other sites (`http://`, `https://`): (URL, offset).
    pub external: Vec<(String, usize)>,
}

/// Headings, links and problems of a body. `reserved` are ids the theme
/// gives its own elements, which headings must not take.
pub fn analyze(body: &str, reserved: &BTreeSet<String>) -> Analysis {
    let mut analysis = Analysis::default();
    let mut events: Vec<(Event, usize)> = Parser::new_ext(body, options())
        .into_offset_iter()
        .map(|(e, r)| (e, r.start))
        .collect();
    assign_heading_ids(&mut events, reserved, &mut analysis.headings, &mut analysis.problems);
    let mut footnotes = BTreeSet::new();
    for (i, (event, offset)) in events.iter().enumerate() {
        let offset = *offset;
        let (dest, link_type, image) = match event {
            Event::Start(Tag::FootnoteDefinition(name)) => {
                if !footnotes.insert(name.to_string()) {
                    analysis.problems.push(Problem {
                        offset,
                        message: format!("footnote `{name}` is defined twice"),
                        hint: "give each footnote a label of its own".to_owned(),
                    });
                }
                continue;
            }
            Event::Start(Tag::Link {
                dest_url, link_type, ..
            }) => (dest_url, link_type, false),
            Event::Start(Tag::Image {
                dest_url,
                link_type,
                title,
                ..
            }) => {
                if alt_text(events[i + 1..].iter().map(|(e, _)| e)).trim().is_empty()
                    && title.as_ref() != files::DECORATIVE
                {
                    analysis.problems.push(Problem {
                        offset,
                        message: "the image has no alt text".to_owned(),
                        hint: format!(
                            "say what it shows for those who cannot see it: `![Karta över Luleå]({dest_url})`; \
                             if it only decorates, mark it: `![]({dest_url} \"{}\")`",
                            files::DECORATIVE
                        ),
                    });
                }
                (dest_url, link_type, true)
            }
            Event::Html(_) | Event::InlineHtml(_) => {
                analysis.raw_html.push(offset);
                continue;
            }
            _ => continue,
        };
        match classify(dest, *link_type) {
            Ok(Dest::Page { .. }) if image => analysis.problems.push(Problem {
                offset,
                message: format!("an image cannot show the page `{dest}`"),
                hint: "link to the page with `[text](@/id)`, or show an image file by its path: `![text](karta.png)`"
                    .to_owned(),
            }),
            Ok(Dest::Page { id, anchor }) => analysis.links.push(InternalLink {
                id: id.to_owned(),
                anchor: anchor.map(str::to_owned),
                offset,
            }),
            Ok(Dest::Fragment(id)) => analysis.fragments.push((id.to_owned(), offset)),
            Ok(Dest::Relative(path)) => analysis.files.push(FileRef {
                path: path.to_owned(),
                image,
                offset,
            }),
            Ok(Dest::Web) => analysis.external.push((dest.to_string(), offset)),
            Ok(Dest::Mail | Dest::Tel) => {}
            Err(refused) => analysis.problems.push(Problem {
                offset,
                message: refused.message,
                hint: refused.hint,
            }),
        }
    }
    analysis
}

/// The link policy's verdict on a destination; an e-mail autolink
/// (`<info@lulea.se>`) is written without its `mailto:`.
fn classify(dest: &str, link_type: LinkType) -> Result<Dest<'_>, link_policy::Refused> {
    if link_type == LinkType::Email {
        return Ok(Dest::Mail);
    }
    link_policy::classify(dest)
}

/// A link to another site, checked by `plansite check --external`.
pub fn is_external(dest: &str) -> bool {
    link_policy::classify(dest) == Ok(Dest::Web)
}

/// Where a rewritten link points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkTarget {
    pub href: String,
    /// Language of the target when it differs from the page's.
    pub hreflang: Option<String>,
    /// Visible note after the link text, e.g. "(på svenska)".
    pub note: Option<String>,
}

/// Where a file named by a relative path is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileTarget {
    /// The address to write: relative to the page, or absolute.
    pub href: String,
    /// An image's width and height in pixels.
    pub size: Option<(u32, u32)>,
}

pub struct EventOptions<'r> {
    /// Resolves an internal link (by its id and anchor) to its target.
    pub resolve: &'r dyn Fn(&str, Option<&str>) -> Option<LinkTarget>,
    /// Resolves a relative path (as written, `#fragment` included) to the
    /// file it names; the flag tells an image (`![…](…)`) from a link.
    pub file: &'r dyn Fn(&str, bool) -> Option<FileTarget>,
    /// Prefix for every heading and footnote id (the print edition makes ids unique).
    pub id_prefix: &'r str,
    /// Ids the theme uses, which headings do not take (as in [`analyze`]).
    pub reserved_ids: &'r BTreeSet<String>,
    /// Escape raw HTML instead of passing it through.
    pub escape_html: bool,
    /// Emit internal links as `Tag::Link` (for non-HTML consumers) instead of HTML.
    pub plain_links: bool,
    /// Levels to add to every heading (a chapter inside a document is one level deeper).
    pub heading_shift: u8,
    /// The reader's language, which the notes after links are written in.
    pub lang: &'r str,
}

/// What became of a link's start, to close it the same way.
enum OpenLink {
    /// Written as HTML, with its note to follow the text.
    Html(LinkTarget),
    /// Passed on as `Tag::Link`, with the note for non-HTML consumers.
    Plain(Option<String>),
    /// Left as it was.
    Kept,
    /// Refused by the link policy or not resolved: only its text is kept.
    Dropped,
}

/// The body's events: heading ids set, internal links rewritten, and
/// everything the link policy refuses dropped (a build reports it from
/// [`analyze`]; this makes sure it never reaches a page regardless).
pub fn events<'a>(body: &'a str, options_: &EventOptions) -> Vec<Event<'a>> {
    let mut events: Vec<(Event, usize)> = Parser::new_ext(body, options())
        .into_offset_iter()
        .map(|(e, r)| (e, r.start))
        .collect();
    assign_heading_ids(&mut events, options_.reserved_ids, &mut Vec::new(), &mut Vec::new());
    let mut out = Vec::with_capacity(events.len());
    let mut open_links: Vec<OpenLink> = Vec::new();
    let mut open_images: Vec<bool> = Vec::new();
    let footnote = |name: &str| CowStr::from(format!("{}fn-{}", options_.id_prefix, footnote_id(name)));
    let mut footnotes_defined = BTreeSet::new();
    let mut in_comment = false;
    let mut events = events.into_iter().map(|(event, _)| event);
    while let Some(event) = events.next() {
        match event {
            Event::Start(Tag::Heading { level, id, classes, .. }) => {
                let id = id.map(|id| CowStr::from(format!("{}{id}", options_.id_prefix)));
                out.push(Event::Start(Tag::Heading {
                    level: shift(level, options_.heading_shift),
                    id,
                    classes: classes.into_iter().filter(|c| is_class(c)).collect(),
                    // attributes other than id and class are never written (see `analyze`)
                    attrs: Vec::new(),
                }));
            }
            Event::End(TagEnd::Heading(level)) => {
                out.push(Event::End(TagEnd::Heading(shift(level, options_.heading_shift))))
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let (event, open) = start_link(link_type, dest_url, title, id, options_);
                out.extend(event);
                open_links.push(open);
            }
            Event::End(TagEnd::Link) => match open_links.pop() {
                Some(OpenLink::Html(target)) => {
                    out.push(Event::InlineHtml("</a>".into()));
                    if let Some(note) = target.note {
                        out.push(Event::InlineHtml(
                            format!(
                                " <span class=\"lang-note\" lang=\"{}\">",
                                escape::html_attr(options_.lang)
                            )
                            .into(),
                        ));
                        out.push(Event::Text(note.into()));
                        out.push(Event::InlineHtml("</span>".into()));
                    }
                }
                Some(OpenLink::Plain(note)) => {
                    out.push(Event::End(TagEnd::Link));
                    if let Some(note) = note {
                        out.push(Event::Text(format!(" {note}").into()));
                    }
                }
                Some(OpenLink::Kept) => out.push(Event::End(TagEnd::Link)),
                Some(OpenLink::Dropped) | None => {}
            },
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let target = match classify(&dest_url, link_type) {
                    Ok(Dest::Web) => Some(None),
                    Ok(Dest::Relative(path)) => (options_.file)(path, true).map(Some),
                    _ => None,
                };
                let decorative = title.as_ref() == files::DECORATIVE;
                match target {
                    Some(Some(target)) if !options_.plain_links => {
                        let alt = alt_text(&inner_events(&mut events));
                        out.push(Event::InlineHtml(image_html(&target, &alt, &title, decorative).into()));
                    }
                    Some(target) => {
                        out.push(Event::Start(Tag::Image {
                            link_type,
                            dest_url: target.map_or(dest_url, |t| t.href.into()),
                            title,
                            id,
                        }));
                        open_images.push(true);
                    }
                    None => open_images.push(false),
                }
            }
            Event::End(TagEnd::Image) => {
                if open_images.pop().unwrap_or(false) {
                    out.push(Event::End(TagEnd::Image));
                }
            }
            Event::FootnoteReference(name) => out.push(Event::FootnoteReference(footnote(&name))),
            Event::Start(Tag::FootnoteDefinition(name)) => {
                // a label defined twice would give two elements one id
                // (`analyze` reports it); the repeat gets an id of its own
                let mut id = footnote(&name);
                let mut n = 1;
                while !footnotes_defined.insert(id.to_string()) {
                    id = CowStr::from(format!("{}-{n}", footnote(&name)));
                    n += 1;
                }
                out.push(Event::Start(Tag::FootnoteDefinition(id)))
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => out.push(Event::Start(Tag::CodeBlock(
                CodeBlockKind::Fenced(code_language(&info)),
            ))),
            // an editor's note in a comment is not for a PDF's or a book's
            // reader (a block comes a line at a time; a comment may span lines)
            Event::Html(html) | Event::InlineHtml(html) if options_.plain_links => {
                let text = without_comments(&html, &mut in_comment);
                if !text.trim().is_empty() {
                    out.push(Event::Text(text.into()));
                }
            }
            Event::Html(html) | Event::InlineHtml(html) if options_.escape_html => out.push(Event::Text(html)),
            other => out.push(other),
        }
    }
    out
}

/// Raw HTML without its comments (`<!-- … -->`); `in_comment` carries a
/// comment not yet closed from one piece of HTML to the next.
fn without_comments(html: &str, in_comment: &mut bool) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    loop {
        if *in_comment {
            match rest.find("-->") {
                Some(end) => {
                    rest = &rest[end + 3..];
                    *in_comment = false;
                }
                None => return out,
            }
        }
        match rest.find("<!--") {
            Some(start) => {
                out.push_str(&rest[..start]);
                rest = &rest[start + 4..];
                *in_comment = true;
            }
            None => {
                out.push_str(rest);
                return out;
            }
        }
    }
}

/// The events that start a link, and how to close it.
fn start_link<'a>(
    link_type: LinkType,
    dest_url: CowStr<'a>,
    title: CowStr<'a>,
    id: CowStr<'a>,
    options_: &EventOptions,
) -> (Option<Event<'a>>, OpenLink) {
    let dest = match classify(&dest_url, link_type) {
        Ok(dest) => dest,
        Err(_) => return (None, OpenLink::Dropped),
    };
    let target = match dest {
        Dest::Page { id: target, anchor } => match (options_.resolve)(target, anchor) {
            Some(target) => target,
            None => return (None, OpenLink::Dropped),
        },
        other => {
            let dest_url = match other {
                // a heading of the same page carries the document's id prefix
                Dest::Fragment(fragment) if !options_.id_prefix.is_empty() => {
                    CowStr::from(format!("#{}{fragment}", options_.id_prefix))
                }
                Dest::Relative(path) => match (options_.file)(path, false) {
                    Some(target) => target.href.into(),
                    None => return (None, OpenLink::Dropped),
                },
                _ => dest_url,
            };
            let link = Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            };
            return (Some(Event::Start(link)), OpenLink::Kept);
        }
    };
    if options_.plain_links {
        let link = Tag::Link {
            link_type,
            dest_url: target.href.clone().into(),
            title,
            id,
        };
        return (Some(Event::Start(link)), OpenLink::Plain(target.note));
    }
    let mut html = format!("<a href=\"{}\"", escape::html_attr(&target.href));
    if let Some(lang) = &target.hreflang {
        html.push_str(&format!(" hreflang=\"{}\"", escape::html_attr(lang)));
    }
    if !title.is_empty() {
        html.push_str(&format!(" title=\"{}\"", escape::html_attr(&title)));
    }
    html.push('>');
    (Some(Event::InlineHtml(html.into())), OpenLink::Html(target))
}

/// The events inside the tag just started, up to and without its end,
/// which is consumed.
fn inner_events<'a>(events: &mut impl Iterator<Item = Event<'a>>) -> Vec<Event<'a>> {
    let mut inner = Vec::new();
    let mut depth = 0usize;
    for event in events {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) if depth == 0 => break,
            Event::End(_) => depth -= 1,
            _ => {}
        }
        inner.push(event);
    }
    inner
}

/// An image beside the page as HTML: its size given, so that nothing moves
/// when it loads; a decorative one with an empty `alt`, so that screen
/// readers pass over it.
fn image_html(target: &FileTarget, alt: &str, title: &str, decorative: bool) -> String {
    let alt = if decorative { "" } else { alt.trim() };
    let mut html = format!(
        "<img src=\"{}\" alt=\"{}\"",
        escape::html_attr(&target.href),
        escape::html_attr(alt)
    );
    if let Some((width, height)) = target.size {
        html.push_str(&format!(" width=\"{width}\" height=\"{height}\""));
    }
    if !decorative && !title.is_empty() {
        html.push_str(&format!(" title=\"{}\"", escape::html_attr(title)));
    }
    html.push_str(" loading=\"lazy\" decoding=\"async\">");
    html
}

/// The text of an image's description: the events after its start, up to
/// its end (an image inside it gives its own text, as HTML writes it).
fn alt_text<'e, 'a: 'e>(events: impl IntoIterator<Item = &'e Event<'a>>) -> String {
    let mut alt = String::new();
    let mut depth = 0usize;
    for event in events {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) if depth == 0 => break,
            Event::End(_) => depth -= 1,
            Event::Text(text) | Event::Code(text) | Event::InlineMath(text) | Event::DisplayMath(text) => {
                alt.push_str(text)
            }
            Event::SoftBreak | Event::HardBreak => alt.push(' '),
            _ => {}
        }
    }
    alt
}

/// A footnote label as an id: letters, digits and `-` as they are, any
/// other character as `_<hex>_`, so different labels stay different ids
/// and no label brings a space into one.
fn footnote_id(label: &str) -> String {
    let mut id = String::with_capacity(label.len());
    for c in label.chars() {
        if c.is_ascii_alphanumeric() || c == '-' {
            id.push(c);
        } else {
            id.push_str(&format!("_{:x}_", u32::from(c)));
        }
    }
    id
}

/// The language of a fenced code block, which becomes `class="language-…"`:
/// its first word, in characters a class name can hold (a tab or a form
/// feed in it would start a second class).
fn code_language(info: &str) -> CowStr<'static> {
    let word = info.split(|c: char| c.is_whitespace()).next().unwrap_or("");
    word.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '.' | '#'))
        .collect::<String>()
        .into()
}

/// A class or explicit id a heading may carry: `a–z`, `0–9`, `-`.
fn is_class(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

pub fn to_html<'a>(events: impl IntoIterator<Item = Event<'a>>) -> String {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html
}

/// Gives every heading an id: its `{#id}` or a slug of its text, unique in
/// the body and never one of `reserved`. Attribute blocks beyond `#id` and
/// `.class` (`a–z 0–9 -`), and explicit ids the theme uses, are problems.
fn assign_heading_ids(
    events: &mut [(Event, usize)],
    reserved: &BTreeSet<String>,
    headings: &mut Vec<Heading>,
    problems: &mut Vec<Problem>,
) {
    // footnotes' ids (`fn-<label>`) are taken as the theme's are
    let footnotes: BTreeSet<String> = events
        .iter()
        .filter_map(|(event, _)| match event {
            Event::Start(Tag::FootnoteDefinition(label)) => Some(format!("fn-{}", footnote_id(label))),
            _ => None,
        })
        .collect();
    let with_footnotes: BTreeSet<String>;
    let reserved = if footnotes.is_empty() {
        reserved
    } else {
        with_footnotes = reserved.union(&footnotes).cloned().collect();
        &with_footnotes
    };
    // ids taken on this page, besides the reserved ones
    let mut used = BTreeSet::new();
    // explicit ids are reserved first, so a slug never takes one
    for (event, _) in events.iter() {
        if let Event::Start(Tag::Heading { id: Some(id), .. }) = event
            && is_class(id)
            && !reserved.contains(id.as_ref())
        {
            used.insert(id.to_string());
        }
    }
    let mut explicit_taken = BTreeSet::new();
    let mut i = 0;
    while i < events.len() {
        if let (
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }),
            offset,
        ) = &events[i]
        {
            let level = heading_level(*level);
            let offset = *offset;
            let mut explicit = id.clone();
            if let Some(id) = explicit.as_deref() {
                let problem = if !is_class(id) {
                    Some((
                        format!("heading id `{id}` is not allowed"),
                        "use lowercase letters a–z, digits and `-`: `{#syfte}`",
                    ))
                } else if footnotes.contains(id) {
                    Some((
                        format!("heading id `{id}` is a footnote's id"),
                        "choose another id for the heading",
                    ))
                } else if reserved.contains(id) {
                    Some((
                        format!("heading id `{id}` is used by the theme"),
                        "choose another id for the heading",
                    ))
                } else {
                    None
                };
                if let Some((message, hint)) = problem {
                    problems.push(Problem {
                        offset,
                        message,
                        hint: hint.to_owned(),
                    });
                    explicit = None;
                }
            }
            for class in classes.iter().filter(|c| !is_class(c)) {
                problems.push(Problem {
                    offset,
                    message: format!("heading class `{class}` is not allowed"),
                    hint: "use lowercase letters a–z, digits and `-`".to_owned(),
                });
            }
            for (name, _) in attrs {
                problems.push(Problem {
                    offset,
                    message: format!("heading attribute `{name}` is not allowed"),
                    hint: "a heading may carry an id and classes only: `## Title {#id .class}`".to_owned(),
                });
            }
            let mut text = String::new();
            let mut j = i + 1;
            while j < events.len() && !matches!(events[j].0, Event::End(TagEnd::Heading(_))) {
                if let Event::Text(t) | Event::Code(t) = &events[j].0 {
                    text.push_str(t);
                }
                j += 1;
            }
            let id = match explicit {
                // The first heading with an explicit id keeps it. A repeated
                // `{#id}` would give two elements the same id (found by
                // fuzzing): later ones get a suffix, as repeated slugs do.
                Some(id) if explicit_taken.insert(id.to_string()) => id.to_string(),
                explicit => {
                    let base = match explicit {
                        Some(id) => id.to_string(),
                        None => slugify(&text),
                    };
                    let base = if base.is_empty() { "section".to_owned() } else { base };
                    let mut candidate = base.clone();
                    let mut n = 1;
                    while reserved.contains(&candidate) || used.contains(&candidate) {
                        candidate = format!("{base}-{n}");
                        n += 1;
                    }
                    used.insert(candidate.clone());
                    candidate
                }
            };
            if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[i].0 {
                *slot = Some(id.clone().into());
            }
            headings.push(Heading {
                level,
                id,
                text: text.trim().to_owned(),
            });
            i = j;
        }
        i += 1;
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    level as u8
}

fn shift(level: HeadingLevel, by: u8) -> HeadingLevel {
    HeadingLevel::try_from(usize::from(heading_level(level) + by).min(6)).unwrap_or(HeadingLevel::H6)
}

/// Lowercase words joined by `-`; letters of every script are kept.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(body: &str, reserved: &[&str]) -> Vec<String> {
        let reserved = reserved.iter().map(|s| s.to_string()).collect();
        analyze(body, &reserved).headings.into_iter().map(|h| h.id).collect()
    }

    fn html(body: &str) -> String {
        let resolve = |id: &str, _: Option<&str>| {
            (id == "a").then(|| LinkTarget {
                href: "../a/index.html".into(),
                hreflang: Some("sv".into()),
                note: Some("(ruotsiksi)".into()),
            })
        };
        let file = |path: &str, _: bool| {
            (path == "karta.png").then(|| FileTarget {
                href: "../../assets/files/karta.0123456789.png".into(),
                size: Some((640, 480)),
            })
        };
        let opts = EventOptions {
            resolve: &resolve,
            file: &file,
            id_prefix: "",
            reserved_ids: &["main".to_owned()].into(),
            escape_html: true,
            plain_links: false,
            heading_shift: 0,
            lang: "fi",
        };
        to_html(events(body, &opts))
    }

    #[test]
    fn headings_get_unique_ids_and_explicit_ids_win() {
        assert_eq!(
            ids("## Mål\n\n## Mål\n\n## Syfte {#purpose}\n\n## purpose\n", &[]),
            ["mål", "mål-1", "purpose", "purpose-1"]
        );
    }

    #[test]
    fn headings_never_take_the_themes_ids() {
        assert_eq!(ids("## Main\n\n## Main\n", &["main"]), ["main-1", "main-2"]);
        let a = analyze("## Huvud {#main}\n", &["main".to_owned()].into());
        assert_eq!(a.headings[0].id, "huvud");
        assert_eq!(a.problems[0].message, "heading id `main` is used by the theme");
        assert_eq!(html("## Huvud {#main}\n"), "<h2 id=\"huvud\">Huvud</h2>\n");
    }

    #[test]
    fn internal_links_are_found_with_offsets() {
        let body = "See [Oulu](@/partners/oulu) and [goal](@/plan/inledning#syfte).";
        let a = analyze(body, &BTreeSet::new());
        assert_eq!(a.links.len(), 2);
        assert_eq!(a.links[1].id, "plan/inledning");
        assert_eq!(a.links[1].anchor.as_deref(), Some("syfte"));
        assert_eq!(&body[a.links[0].offset..a.links[0].offset + 1], "[");
    }

    #[test]
    fn links_are_rewritten_with_language_note() {
        assert_eq!(
            html("[A](@/a) <b>x</b>"),
            "<p><a href=\"../a/index.html\" hreflang=\"sv\">A</a> <span class=\"lang-note\" lang=\"fi\">(ruotsiksi)</span> &lt;b&gt;x&lt;/b&gt;</p>\n"
        );
    }

    #[test]
    fn what_the_policy_refuses_is_reported_and_never_rendered() {
        for (body, message) in [
            (
                "[x](javascript:alert(1))",
                "links with the scheme `javascript:` are not allowed",
            ),
            (
                "<javascript:alert(1)>",
                "links with the scheme `javascript:` are not allowed",
            ),
            (
                "[x](&#106;avascript:alert(1))",
                "links with the scheme `javascript:` are not allowed",
            ),
            (
                "![x](data:image/svg+xml,<svg>)",
                "links with the scheme `data:` are not allowed",
            ),
            ("![x](@/a)", "an image cannot show the page `@/a`"),
            (
                "## Mål {onmouseover=alert(1) tabindex=0}",
                "heading attribute `onmouseover` is not allowed",
            ),
            ("## Mål {.a\"b}", "heading class `a\"b` is not allowed"),
            ("## Mål {#Mål}", "heading id `Mål` is not allowed"),
            (
                "[x][r]\n\n[r]: vbscript:x",
                "links with the scheme `vbscript:` are not allowed",
            ),
        ] {
            let analysis = analyze(body, &BTreeSet::new());
            assert_eq!(
                analysis.problems.first().map(|p| p.message.as_str()),
                Some(message),
                "{body}"
            );
            let html = html(body);
            for bad in ["<a ", "<img", "onmouseover", "tabindex", "a\"b"] {
                assert!(!html.contains(bad), "{body} gave {html}");
            }
        }
        assert_eq!(html("[x](javascript:alert(1))"), "<p>x</p>\n");
        assert_eq!(html("## Mål {onclick=x .ok}"), "<h2 id=\"mål\" class=\"ok\">Mål</h2>\n");
    }

    #[test]
    fn allowed_links_pass() {
        let a = analyze(
            "[a](https://x.org) [b](mailto:a@b.se) [c](tel:+46) <a@b.se> [d](#mål) ![e](karta.png)",
            &BTreeSet::new(),
        );
        assert!(a.problems.is_empty(), "{:?}", a.problems);
        assert_eq!(a.external.len(), 1);
        assert_eq!(a.fragments, [("mål".to_owned(), 60)]);
        assert_eq!(a.files[0].path, "karta.png");
        assert!(a.files[0].image);
    }

    #[test]
    fn footnote_labels_and_code_languages_cannot_bring_spaces_or_repeats() {
        let a = analyze("x[^1]\n\n[^1]: y\n\n[^1]: z\n", &BTreeSet::new());
        assert_eq!(a.problems[0].message, "footnote `1` is defined twice");
        let html = html("x[^a b]\n\n[^a b]: y\n\n[^1]: z\n\n[^1]: w\n\n```x\tlang-note\ny\n```\n");
        assert!(html.contains("id=\"fn-a_20_b\""), "{html}");
        assert!(html.contains("id=\"fn-1\"") && html.contains("id=\"fn-1-1\""), "{html}");
        assert!(html.contains("<code class=\"language-x\">"), "{html}");
    }

    #[test]
    fn footnotes_get_their_own_ids() {
        assert_eq!(
            html("x[^main]\n\n[^main]: y\n"),
            "<p>x<sup class=\"footnote-reference\"><a href=\"#fn-main\">1</a></sup></p>\n<div class=\"footnote-definition\" id=\"fn-main\"><sup class=\"footnote-definition-label\">1</sup>\n<p>y</p>\n</div>\n"
        );
    }

    #[test]
    fn a_heading_never_takes_a_footnotes_id() {
        let html = html("## Fn 1\n\nText[^1].\n\n[^1]: One.\n");
        assert_eq!(html.matches("id=\"fn-1\"").count(), 1, "{html}");
        let a = analyze("## Fotnot {#fn-1}\n\nText[^1].\n\n[^1]: One.\n", &BTreeSet::new());
        assert_eq!(a.problems[0].message, "heading id `fn-1` is a footnote's id");
    }

    #[test]
    fn comments_stay_out_of_the_pdf_and_the_book() {
        let resolve = |_: &str, _: Option<&str>| None;
        let file = |_: &str, _: bool| None;
        let plain = |body: &str| {
            let opts = EventOptions {
                resolve: &resolve,
                file: &file,
                id_prefix: "",
                reserved_ids: &BTreeSet::new(),
                escape_html: true,
                plain_links: true,
                heading_shift: 0,
                lang: "fi",
            };
            to_html(events(body, &opts))
        };
        let out = plain("<!-- TODO: kolla -->\n\nBudget 5.<!-- internt: 3 -->\n\n<!--\nmer\n-->\n\nH<sub>2</sub>O\n");
        assert!(
            !out.contains("TODO") && !out.contains("internt") && !out.contains("mer"),
            "{out}"
        );
        assert!(out.contains("Budget 5."), "{out}");
        // other raw HTML is shown as text, as before
        assert!(out.contains("H&lt;sub&gt;2&lt;/sub&gt;O"), "{out}");
        // a comment among other HTML goes; the other HTML stays, as text
        let mixed = plain(
            "<div>\nBlock <!-- SECRET4 -->\n</div>\n\n<!-- SECRET14 --><b>after</b>\n\n<p>p</p> <!-- SECRET15 -->\n",
        );
        assert!(!mixed.contains("SECRET"), "{mixed}");
        assert!(mixed.contains("Block") && mixed.contains("&lt;b&gt;after"), "{mixed}");
    }
}

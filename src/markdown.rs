//! Markdown: parsing bodies with pulldown-cmark, heading ids, and link rewriting.
//!
//! [`analyze`] finds a body's headings (with their ids) and its `@/` links
//! before anything is resolved; [`events`] produces the body's event stream
//! with heading ids set and every link passed through a caller's rewriter,
//! ready for HTML ([`to_html`]) or for the PDF converter. Both walk the body
//! with the same rules, so the ids the resolver checks are the ids rendered.
//! Nothing here knows about pages, languages or files.

use std::collections::BTreeSet;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

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

#[derive(Debug, Default, Clone)]
pub struct Analysis {
    pub headings: Vec<Heading>,
    pub links: Vec<InternalLink>,
    /// Malformed `@/` links: (offset, message).
    pub bad_links: Vec<(usize, String)>,
    /// Offsets of raw HTML.
    pub raw_html: Vec<usize>,
    /// Links and images to other sites (`http://`, `https://`): (URL, offset).
    pub external: Vec<(String, usize)>,
}

/// Parses `@/id#anchor`; `Ok(None)` for links that are not internal.
pub fn parse_internal(dest: &str) -> Result<Option<(String, Option<String>)>, String> {
    let Some(rest) = dest.strip_prefix("@/") else {
        return Ok(None);
    };
    let (id, anchor) = match rest.split_once('#') {
        Some((id, anchor)) => (id, Some(anchor)),
        None => (rest, None),
    };
    let id = id.trim_end_matches('/');
    if id.split('/').any(|s| s == ".." || s == ".") || id.starts_with('/') || id.contains('\\') {
        return Err(format!(
            "`{dest}` is not a page id: ids are paths under content/ without `.` or `..`"
        ));
    }
    if id.contains(|c: char| c.is_whitespace() || c == '?' || c == '%') {
        return Err(format!("`{dest}` is not a page id"));
    }
    if anchor.is_some_and(|a| a.is_empty() || a.contains(char::is_whitespace)) {
        return Err(format!("`{dest}` has an empty or malformed anchor"));
    }
    Ok(Some((id.to_owned(), anchor.map(str::to_owned))))
}

/// Headings and internal links of a body.
pub fn analyze(body: &str) -> Analysis {
    let mut analysis = Analysis::default();
    let mut events: Vec<(Event, usize)> = Parser::new_ext(body, options())
        .into_offset_iter()
        .map(|(e, r)| (e, r.start))
        .collect();
    assign_heading_ids(&mut events, &mut analysis.headings);
    for (event, offset) in &events {
        match event {
            Event::Start(Tag::Link { dest_url, .. }) | Event::Start(Tag::Image { dest_url, .. }) => {
                match parse_internal(dest_url) {
                    Ok(Some((id, anchor))) => analysis.links.push(InternalLink {
                        id,
                        anchor,
                        offset: *offset,
                    }),
                    Ok(None) if is_external(dest_url) => analysis.external.push((dest_url.to_string(), *offset)),
                    Ok(None) => {}
                    Err(message) => analysis.bad_links.push((*offset, message)),
                }
            }
            Event::Html(_) | Event::InlineHtml(_) => analysis.raw_html.push(*offset),
            _ => {}
        }
    }
    analysis
}

/// A link to another site, checked by `plansite check --external`.
pub fn is_external(dest: &str) -> bool {
    let scheme = dest.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    matches!(scheme.as_deref(), Some("http" | "https"))
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

pub struct EventOptions<'r> {
    /// Resolves an internal link (by its id and anchor) to its target.
    pub resolve: &'r dyn Fn(&str, Option<&str>) -> Option<LinkTarget>,
    /// Prefix for every heading id (the print edition makes ids unique).
    pub id_prefix: &'r str,
    /// Escape raw HTML instead of passing it through.
    pub escape_html: bool,
    /// Emit internal links as `Tag::Link` (for non-HTML consumers) instead of HTML.
    pub plain_links: bool,
    /// Levels to add to every heading (a chapter inside a document is one level deeper).
    pub heading_shift: u8,
}

/// The body's events: heading ids set, internal links rewritten.
pub fn events<'a>(body: &'a str, options_: &EventOptions) -> Vec<Event<'a>> {
    let mut events: Vec<(Event, usize)> = Parser::new_ext(body, options())
        .into_offset_iter()
        .map(|(e, r)| (e, r.start))
        .collect();
    assign_heading_ids(&mut events, &mut Vec::new());
    let mut out = Vec::with_capacity(events.len());
    let mut open_links: Vec<Option<LinkTarget>> = Vec::new();
    for (event, _) in events {
        match event {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                let id = id.map(|id| CowStr::from(format!("{}{id}", options_.id_prefix)));
                out.push(Event::Start(Tag::Heading {
                    level: shift(level, options_.heading_shift),
                    id,
                    classes,
                    attrs,
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
                let internal = parse_internal(&dest_url).ok().flatten();
                match internal.and_then(|(target, anchor)| (options_.resolve)(&target, anchor.as_deref())) {
                    Some(target) if !options_.plain_links => {
                        let mut html = format!("<a href=\"{}\"", escape_attr(&target.href));
                        if let Some(lang) = &target.hreflang {
                            html.push_str(&format!(" hreflang=\"{}\"", escape_attr(lang)));
                        }
                        if !title.is_empty() {
                            html.push_str(&format!(" title=\"{}\"", escape_attr(&title)));
                        }
                        html.push('>');
                        out.push(Event::InlineHtml(html.into()));
                        open_links.push(Some(target));
                    }
                    Some(target) => {
                        out.push(Event::Start(Tag::Link {
                            link_type,
                            dest_url: target.href.clone().into(),
                            title,
                            id,
                        }));
                        open_links.push(Some(LinkTarget {
                            note: target.note,
                            hreflang: None,
                            href: String::new(),
                        }));
                    }
                    None => {
                        out.push(Event::Start(Tag::Link {
                            link_type,
                            dest_url,
                            title,
                            id,
                        }));
                        open_links.push(None);
                    }
                }
            }
            Event::End(TagEnd::Link) => match open_links.pop().flatten() {
                Some(target) if !options_.plain_links => {
                    out.push(Event::InlineHtml("</a>".into()));
                    if let (Some(note), Some(lang)) = (target.note, target.hreflang) {
                        out.push(Event::InlineHtml(
                            format!(" <span class=\"lang-note\" lang=\"{}\">", escape_attr(&lang)).into(),
                        ));
                        out.push(Event::Text(note.into()));
                        out.push(Event::InlineHtml("</span>".into()));
                    }
                }
                Some(target) => {
                    out.push(Event::End(TagEnd::Link));
                    if let Some(note) = target.note {
                        out.push(Event::Text(format!(" {note}").into()));
                    }
                }
                None => out.push(Event::End(TagEnd::Link)),
            },
            Event::Html(html) | Event::InlineHtml(html) if options_.escape_html => out.push(Event::Text(html)),
            other => out.push(other),
        }
    }
    out
}

pub fn to_html<'a>(events: impl IntoIterator<Item = Event<'a>>) -> String {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html
}

/// Gives every heading an id: its `{#id}` or a slug of its text, unique in the body.
fn assign_heading_ids(events: &mut [(Event, usize)], headings: &mut Vec<Heading>) {
    let mut used = BTreeSet::new();
    // explicit ids are reserved first, so a slug never takes one
    for (event, _) in events.iter() {
        if let Event::Start(Tag::Heading { id: Some(id), .. }) = event {
            used.insert(id.to_string());
        }
    }
    let mut explicit_taken = BTreeSet::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { level, id, .. }) = &events[i].0 {
            let level = heading_level(*level);
            let explicit = id.clone();
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
                    while used.contains(&candidate) {
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

pub fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_get_unique_ids_and_explicit_ids_win() {
        let a = analyze("## Mål\n\n## Mål\n\n## Syfte {#purpose}\n\n## purpose\n");
        let ids: Vec<_> = a.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["mål", "mål-1", "purpose", "purpose-1"]);
    }

    #[test]
    fn internal_links_are_found_with_offsets() {
        let body = "See [Oulu](@/partners/oulu) and [goal](@/plan/inledning#syfte).";
        let a = analyze(body);
        assert_eq!(a.links.len(), 2);
        assert_eq!(a.links[1].id, "plan/inledning");
        assert_eq!(a.links[1].anchor.as_deref(), Some("syfte"));
        assert_eq!(&body[a.links[0].offset..a.links[0].offset + 1], "[");
    }

    #[test]
    fn traversal_in_ids_is_rejected() {
        assert!(parse_internal("@/../secret").is_err());
        assert!(parse_internal("@//etc/passwd").is_err());
        assert_eq!(parse_internal("https://x").unwrap(), None);
    }

    #[test]
    fn links_are_rewritten_with_language_note() {
        let resolve = |id: &str, _: Option<&str>| {
            (id == "a").then(|| LinkTarget {
                href: "../a/index.html".into(),
                hreflang: Some("sv".into()),
                note: Some("(ruotsiksi)".into()),
            })
        };
        let opts = EventOptions {
            resolve: &resolve,
            id_prefix: "",
            escape_html: true,
            plain_links: false,
            heading_shift: 0,
        };
        let html = to_html(events("[A](@/a) <b>x</b>", &opts));
        assert_eq!(
            html,
            "<p><a href=\"../a/index.html\" hreflang=\"sv\">A</a> <span class=\"lang-note\" lang=\"sv\">(ruotsiksi)</span> &lt;b&gt;x&lt;/b&gt;</p>\n"
        );
    }
}

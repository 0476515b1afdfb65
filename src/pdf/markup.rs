//! Writes an [`Edition`] as typst source: the page style, the cover, the
//! outline and one numbered heading plus body per chapter.
//!
//! Safety rests on three writers, and every piece of the edition goes
//! through one of them: [`text`] for markup (every ASCII punctuation mark is
//! backslash-escaped, so no typst syntax can start), [`string`] for string
//! literals in code, and [`label`] for labels (an injective mapping onto
//! label syntax). Nothing else from the edition reaches the source.

use std::collections::{BTreeMap, BTreeSet};

use pulldown_cmark::{Alignment, CodeBlockKind, Event, LinkType, Tag};

use super::{Chapter, Edition};

/// The accent colour of headings and rules.
const ACCENT: &str = "rgb(\"#1d4f73\")";

/// Label of the invisible marker before each chapter heading; the running
/// header finds the current chapter through it. Sanitised ids never contain
/// `:`, so internal labels cannot collide with the caller's.
const CHAPTER_MARK: &str = "plansite:chapter";

/// How deeply tags may nest (lists in quotes in lists …) before the rest is
/// written as plain text.
const MAX_NESTING: usize = 10;

/// The typst source of a whole edition, without a font choice.
pub(super) fn document(edition: &Edition) -> String {
    let mut out = String::new();
    preamble(edition, &mut out);
    cover(edition, &mut out);
    out.push_str(&format!(
        "#outline(title: [{}], indent: auto)\n\n",
        text(&edition.contents_label)
    ));
    if let Some(map) = &edition.map {
        // the places numbered as on the map: its text alternative in print
        // too, on the same page
        out.push_str(&format!(
            "#figure(image({}, height: 15cm, alt: {}), caption: [{}])

",
            string(&map.path),
            string(&map.alt),
            text(&map.caption)
        ));
        for place in &map.places {
            out.push_str(&format!(
                "+ {}
",
                text(place)
            ));
        }
        out.push_str(
            "
#pagebreak(weak: true)

",
        );
    }
    // A link to a label that is not in the document stops typst, so links
    // point only at labels that were written. The first pass finds those.
    let labels = chapters(edition, &BTreeSet::new()).1;
    out.push_str(&chapters(edition, &labels).0);
    out
}

/// The chapters as markup, linking only to the ids in `known`, and the ids
/// that became labels.
fn chapters(edition: &Edition, known: &BTreeSet<String>) -> (String, BTreeSet<String>) {
    let mut out = String::new();
    let mut attached = BTreeSet::new();
    let mut in_part = false;
    let mut lang = edition.lang.as_str();
    for (index, chapter) in edition.chapters.iter().enumerate() {
        let level = if chapter.depth >= 2 && in_part { 2 } else { 1 };
        if level == 1 {
            in_part = next_is_nested(&edition.chapters[index + 1..]);
        }
        // a chapter not translated is hyphenated and tagged in its own language
        let chapter_lang = chapter.lang.as_deref().unwrap_or(&edition.lang);
        if chapter_lang != lang {
            lang = chapter_lang;
            out.push_str(&format!("#set text({})\n", text_language(lang)));
        }
        chapter_heading(chapter, level, &mut attached, &mut out);
        let mut converter = Converter {
            events: &chapter.events,
            pos: 0,
            level,
            last_level: level,
            chapter: index,
            footnotes: footnote_definitions(&chapter.events),
            emitted: BTreeSet::new(),
            nesting: 0,
            open: Vec::new(),
            known,
            attached: &mut attached,
            images: &edition.images,
            addresses: BTreeMap::new(),
            in_heading: false,
        };
        converter.blocks(&mut out);
        out.push('\n');
    }
    (out, attached)
}

/// The `#set text(font: …)` line that puts `families` before typst's
/// embedded fonts.
pub(super) fn font_prelude(families: &[String]) -> String {
    let mut list: Vec<String> = families.iter().map(|family| string(family)).collect();
    list.push(string("Libertinus Serif"));
    format!("#set text(font: ({},))\n", list.join(", "))
}

/// Whether the chapters after a depth-1 chapter start with a nested one, which
/// makes that chapter a part.
fn next_is_nested(rest: &[Chapter]) -> bool {
    rest.first().is_some_and(|next| next.depth >= 2)
}

fn preamble(edition: &Edition, out: &mut String) {
    let (year, month, day) = edition.date;
    out.push_str(&format!(
        "#set document(title: {}, author: {}, date: datetime(year: {year}, month: {month}, day: {day}))\n",
        string(&edition.title),
        string(&edition.author),
    ));
    out.push_str(&format!(
        "#set text({}, hyphenate: true, size: 11.5pt, costs: (hyphenation: 150%))\n",
        text_language(&edition.lang)
    ));
    out.push_str(&format!(
        r#"#set par(justify: false, linebreaks: "optimized", leading: 0.7em, spacing: 1.2em)
#set page(paper: "a4", margin: (x: 28mm, top: 30mm, bottom: 27mm), numbering: "1",
  header: context {{
    let page = here().page()
    let marks = query(<{CHAPTER_MARK}>)
    let here-marks = marks.filter(mark => mark.location().page() == page)
    let before = marks.filter(mark => mark.location().page() < page)
    let mark = if here-marks.len() > 0 {{ here-marks.first() }} else if before.len() > 0 {{ before.last() }} else {{ none }}
    if mark != none {{
      set text(size: 9pt, fill: luma(80))
      block(width: 100%, inset: (bottom: 4pt), stroke: (bottom: 0.5pt + luma(160)),
        if mark.value.number == "" {{ mark.value.title }} else [#mark.value.number#h(0.6em)#mark.value.title])
    }}
  }},
  footer: context {{
    set text(size: 9pt, fill: luma(80))
    align(center)[{footer}]
  }},
)
#show heading: set text(fill: {ACCENT})
#show heading: set text(hyphenate: false)
#show heading.where(level: 1): set text(size: 22pt)
#show heading.where(level: 1): set block(above: 0pt, below: 1.4em)
#show heading.where(level: 2): set text(size: 15pt)
#show heading.where(level: 2): set block(above: 1.8em, below: 0.9em)
#show heading.where(level: 2, outlined: true): set text(size: 18pt)
#show heading.where(level: 2, outlined: true): set block(above: 2.4em, below: 1.1em)
#show heading.where(level: 3): set text(size: 12.5pt)
#show heading.where(level: 3): set block(above: 1.5em, below: 0.8em)
#show heading.where(level: 4): set text(size: 11.5pt)
#show outline.entry.where(level: 1): set block(above: 1.1em)
#show outline.entry.where(level: 1): set text(weight: "bold")
#show link: set text(fill: {ACCENT})
#show footnote.entry: set par(hanging-indent: 1.2em)
#show quote.where(block: true): it => block(inset: (y: 2pt), stroke: (left: 2pt + luma(190)), it)
#show raw: set text(size: 10pt)
#show raw.where(block: true): set text(size: 9.5pt)
#show raw.where(block: true): it => block(fill: luma(245), inset: 8pt, radius: 2pt, width: 100%, it)
#show divider: set line(stroke: 0.5pt + luma(160))
#set table(stroke: 0.5pt + luma(170), inset: (x: 6pt, y: 5pt))
#show table.cell.where(y: 0): set text(weight: "bold")
#set list(indent: 0.6em)
#set enum(indent: 0.6em)
"#,
        footer = page_label(&edition.page_label),
    ));
}

/// The footer pattern as markup, with `{page}` and `{pages}` replaced by the
/// current page number and the page count.
fn page_label(pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        out.push_str(&text(&rest[..start]));
        rest = &rest[start..];
        if let Some(after) = rest.strip_prefix("{pages}") {
            out.push_str("#str(counter(page).final().first())");
            rest = after;
        } else if let Some(after) = rest.strip_prefix("{page}") {
            out.push_str("#str(counter(page).get().first())");
            rest = after;
        } else {
            out.push_str(&text("{"));
            rest = &rest[1..];
        }
    }
    out.push_str(&text(rest));
    out
}

fn cover(edition: &Edition, out: &mut String) {
    out.push_str(&format!(
        r#"#page(header: none, footer: none, margin: (x: 28mm, top: 36mm, bottom: 30mm))[
  #set par(leading: 0.55em)
  #set text(hyphenate: false)
  #text(size: 13pt, weight: "bold", fill: {ACCENT})[{author}]
  #v(1fr)
  #line(length: 30%, stroke: 3pt + {ACCENT})
  #v(0.6em)
  #show title: set text(size: 28pt, fill: {ACCENT})
  #show title: set block(below: 1em)
  #title()
  #text(size: 17pt)[{subtitle}]
  #v(2fr)
  #text(size: 12pt, fill: luma(70))[{language}]
]
"#,
        author = text(&edition.author),
        subtitle = text(&edition.subtitle),
        language = text(&edition.language_name),
    ));
}

fn chapter_heading(chapter: &Chapter, level: u8, attached: &mut BTreeSet<String>, out: &mut String) {
    if level == 1 {
        out.push_str("#pagebreak(weak: true)\n");
    }
    out.push_str(&format!(
        "#metadata((number: {}, title: {})){}\n",
        string(&chapter.number),
        string(&chapter.title),
        internal_label(CHAPTER_MARK),
    ));
    let numbering = if chapter.number.is_empty() {
        "none".to_string()
    } else {
        format!("(..n) => {}", string(&chapter.number))
    };
    // PDF/UA-1 forbids empty headings.
    let title = [&chapter.title, &chapter.number, &chapter.id]
        .into_iter()
        .find(|title| !title.trim().is_empty())
        .map_or_else(|| "\u{2014}".to_string(), |title| text(title.trim()));
    out.push_str(&format!(
        "#heading(level: {level}, numbering: {numbering}, outlined: true, bookmarked: true)[{title}]"
    ));
    if attached.insert(chapter.id.clone()) {
        out.push_str(&label(&chapter.id));
    }
    out.push_str("\n\n");
}

/// Where each footnote's content starts (the event after its `Start`); the
/// first definition of a name wins.
fn footnote_definitions(events: &[Event<'static>]) -> BTreeMap<String, usize> {
    let mut definitions = BTreeMap::new();
    for (index, event) in events.iter().enumerate() {
        if let Event::Start(Tag::FootnoteDefinition(name)) = event {
            definitions.entry(name.to_string()).or_insert(index + 1);
        }
    }
    definitions
}

/// Walks one chapter's events and writes them as markup.
struct Converter<'e> {
    events: &'e [Event<'static>],
    pos: usize,
    /// The typst level of the chapter heading; a body `##` is one below it.
    level: u8,
    /// The typst level of the last heading written.
    last_level: u8,
    chapter: usize,
    footnotes: BTreeMap<String, usize>,
    /// Footnotes already placed, which later references point back to.
    emitted: BTreeSet<String>,
    /// How many tags enclose the current one.
    nesting: usize,
    /// Footnotes being written, to stop a definition that refers to itself.
    open: Vec<String>,
    known: &'e BTreeSet<String>,
    attached: &'e mut BTreeSet<String>,
    images: &'e BTreeMap<String, super::Image>,
    /// The addresses of the chapter's links already given a footnote, by
    /// URL, with that footnote's number in the chapter.
    addresses: BTreeMap<String, usize>,
    /// Inside a heading, whose text also goes to the outline, bookmarks
    /// and running header: no footnotes there.
    in_heading: bool,
}

impl Converter<'_> {
    fn next(&mut self) -> Option<&Event<'static>> {
        let event = self.events.get(self.pos)?;
        self.pos += 1;
        Some(event)
    }

    /// Writes events until the `End` of the tag just opened (or the end of
    /// the chapter), consuming that `End`.
    fn blocks(&mut self, out: &mut String) {
        while let Some(event) = self.next() {
            match event.clone() {
                Event::End(_) => return,
                Event::Start(tag) => self.tag(tag, out),
                Event::Text(content) => out.push_str(&text(&content)),
                Event::Code(code) | Event::InlineMath(code) => {
                    out.push_str(&format!("#raw({})", string(&code)));
                }
                Event::DisplayMath(code) => {
                    out.push_str(&format!("#raw(block: true, {})\n\n", string(&code)));
                }
                Event::Html(_) | Event::InlineHtml(_) => {}
                Event::FootnoteReference(name) => self.footnote(&name, out),
                Event::SoftBreak => out.push(' '),
                Event::HardBreak => out.push_str("#linebreak()"),
                Event::Rule => out.push_str("#divider()\n\n"),
                Event::TaskListMarker(done) => {
                    out.push_str(&text(if done { "[x] " } else { "[ ] " }));
                }
            }
        }
    }

    fn inner(&mut self) -> String {
        let mut out = String::new();
        self.blocks(&mut out);
        out
    }

    /// Skips to the end of the tag just opened.
    fn skip(&mut self) {
        let mut depth = 0usize;
        while let Some(event) = self.next() {
            match event {
                Event::Start(_) => depth += 1,
                Event::End(_) if depth == 0 => return,
                Event::End(_) => depth -= 1,
                _ => {}
            }
        }
    }

    /// The plain text inside the tag just opened (code, image alt text).
    fn plain(&mut self) -> String {
        let mut plain = String::new();
        let mut depth = 0usize;
        while let Some(event) = self.next() {
            match event {
                Event::Start(_) => depth += 1,
                Event::End(_) if depth == 0 => break,
                Event::End(_) => depth -= 1,
                Event::Text(content) | Event::Code(content) => plain.push_str(content),
                Event::SoftBreak | Event::HardBreak => plain.push(' '),
                _ => {}
            }
        }
        plain
    }

    fn tag(&mut self, tag: Tag<'static>, out: &mut String) {
        if self.nesting >= MAX_NESTING {
            // Deeper structure is flattened to its text, which bounds the
            // recursion here and in typst's parser.
            out.push_str(&text(&self.plain()));
            out.push(' ');
            return;
        }
        self.nesting += 1;
        self.open_tag(tag, out);
        self.nesting -= 1;
    }

    fn open_tag(&mut self, tag: Tag<'static>, out: &mut String) {
        match tag {
            Tag::Paragraph => {
                let content = self.inner();
                out.push_str(content.trim());
                out.push_str("\n\n");
            }
            Tag::Heading { level, id, .. } => self.heading(level as u8, id.as_deref(), out),
            Tag::BlockQuote(_) => {
                let content = self.inner();
                out.push_str(&format!("#quote(block: true)[{}]\n\n", content.trim()));
            }
            Tag::CodeBlock(kind) => {
                let code = self.plain();
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info.split_whitespace().next().map(str::to_string),
                    CodeBlockKind::Indented => None,
                };
                let lang = lang
                    .map(|lang| format!("lang: {}, ", string(&lang)))
                    .unwrap_or_default();
                let code = code.strip_suffix('\n').unwrap_or(&code);
                out.push_str(&format!("#raw(block: true, {lang}{})\n\n", string(code)));
            }
            Tag::HtmlBlock | Tag::MetadataBlock(_) | Tag::FootnoteDefinition(_) => self.skip(),
            Tag::List(start) => self.list(start, out),
            Tag::Item | Tag::TableHead | Tag::TableRow | Tag::TableCell => {
                // Only reachable from malformed streams; keep the content.
                let content = self.inner();
                out.push_str(content.trim());
                out.push_str("\n\n");
            }
            Tag::DefinitionList => self.definition_list(out),
            Tag::DefinitionListTitle | Tag::DefinitionListDefinition => {
                let content = self.inner();
                out.push_str(content.trim());
                out.push_str("\n\n");
            }
            Tag::Table(alignments) => self.table(&alignments, out),
            Tag::Emphasis => self.wrap("emph", out),
            Tag::Strong => self.wrap("strong", out),
            Tag::Strikethrough => self.wrap("strike", out),
            Tag::Superscript => self.wrap("super", out),
            Tag::Subscript => self.wrap("sub", out),
            Tag::Link {
                link_type, dest_url, ..
            } => {
                let content = self.inner();
                self.link(link_type, &dest_url, content, out);
            }
            Tag::Image { dest_url, title, .. } => {
                let alt = self.plain();
                let alt = alt.trim();
                if let Some(image) = self.images.get(dest_url.as_ref()) {
                    self.image(
                        &dest_url,
                        image,
                        alt,
                        title.as_ref() == crate::source::files::DECORATIVE,
                        out,
                    );
                } else if !alt.is_empty() {
                    out.push_str(&text(&format!("[{alt}]")));
                }
            }
        }
    }

    /// An image file of the edition, inline, at 96 pixels to the inch but
    /// never wider than the text; a decorative one as an artifact, which
    /// assistive technology passes over.
    fn image(&self, path: &str, image: &super::Image, alt: &str, decorative: bool, out: &mut String) {
        let points = f64::from(image.width) * 0.75;
        let width = if points > 400.0 {
            "100%".to_owned()
        } else {
            format!("{points}pt")
        };
        let call = format!("box(image({}, width: {width}", string(path));
        if decorative {
            out.push_str(&format!("#pdf.artifact({call})))"));
        } else {
            out.push_str(&format!("#{call}, alt: {}))", string(alt)));
        }
    }

    fn wrap(&mut self, function: &str, out: &mut String) {
        let content = self.inner();
        out.push_str(&format!("#{function}[{content}]"));
    }

    /// Writes a body heading one typst level below the chapter's for `##`.
    /// PDF/UA-1 forbids skipped levels and empty headings: a level is at most
    /// one below the previous heading's, and an empty heading leaves only its
    /// label, on an invisible marker.
    fn heading(&mut self, level: u8, id: Option<&str>, out: &mut String) {
        self.in_heading = true;
        let content = self.inner();
        self.in_heading = false;
        let content = content.trim();
        if !self.open.is_empty() {
            // A heading inside a footnote: typst has no place for it there.
            out.push_str(&format!("#strong[{content}]\n\n"));
            return;
        }
        let label = id
            .filter(|id| self.attached.insert(id.to_string()))
            .map(label)
            .unwrap_or_default();
        if content.is_empty() {
            out.push_str(&format!("#metadata(none){label}\n\n"));
            return;
        }
        let level = (self.level + level.max(2) - 1).min(self.last_level + 1);
        self.last_level = level;
        out.push_str(&format!(
            "#heading(level: {level}, outlined: false, bookmarked: true)[{content}]{label}\n\n"
        ));
    }

    fn list(&mut self, start: Option<u64>, out: &mut String) {
        let tight = self.list_is_tight();
        let mut items = Vec::new();
        while let Some(event) = self.next() {
            match event {
                Event::Start(Tag::Item) => {
                    let content = self.inner();
                    items.push(format!("[{}]", content.trim()));
                }
                Event::End(_) => break,
                _ => {}
            }
        }
        let call = match start {
            Some(start) => format!("#enum(start: {}, tight: {tight}", start.min(999_999_999)),
            None => format!("#list(tight: {tight}"),
        };
        out.push_str(&call);
        for item in items {
            out.push_str(", ");
            out.push_str(&item);
        }
        out.push_str(")\n\n");
    }

    /// A list is loose when one of its items holds a paragraph directly.
    fn list_is_tight(&self) -> bool {
        let mut depth = 0usize;
        for event in &self.events[self.pos..] {
            match event {
                Event::Start(Tag::Paragraph) if depth == 1 => return false,
                Event::Start(_) => depth += 1,
                Event::End(_) if depth == 0 => break,
                Event::End(_) => depth -= 1,
                _ => {}
            }
        }
        true
    }

    fn definition_list(&mut self, out: &mut String) {
        let mut items: Vec<(String, Vec<String>)> = Vec::new();
        while let Some(event) = self.next() {
            match event {
                Event::Start(Tag::DefinitionListTitle) => {
                    let content = self.inner();
                    items.push((content.trim().to_string(), Vec::new()));
                }
                Event::Start(Tag::DefinitionListDefinition) => {
                    let content = self.inner();
                    if items.is_empty() {
                        items.push((String::new(), Vec::new()));
                    }
                    if let Some((_, definitions)) = items.last_mut() {
                        definitions.push(content.trim().to_string());
                    }
                }
                Event::End(_) => break,
                _ => {}
            }
        }
        out.push_str("#terms(");
        for (term, definitions) in items {
            out.push_str(&format!("terms.item([{term}], [{}]), ", definitions.join("\n\n")));
        }
        out.push_str(")\n\n");
    }

    fn table(&mut self, alignments: &[Alignment], out: &mut String) {
        let mut head: Vec<String> = Vec::new();
        let mut rows: Vec<Vec<String>> = Vec::new();
        while let Some(event) = self.next() {
            match event {
                Event::Start(Tag::TableHead) => head = self.cells(),
                Event::Start(Tag::TableRow) => {
                    let row = self.cells();
                    rows.push(row);
                }
                Event::End(_) => break,
                _ => {}
            }
        }
        let columns = rows
            .iter()
            .map(Vec::len)
            .chain([head.len(), alignments.len(), 1])
            .max()
            .unwrap_or(1);
        let align: Vec<&str> = (0..columns)
            .map(|column| match alignments.get(column) {
                Some(Alignment::Center) => "center",
                Some(Alignment::Right) => "right",
                _ => "left",
            })
            .collect();
        out.push_str(&format!("#table(columns: {columns}, align: ({},)", align.join(", ")));
        let padded = |mut cells: Vec<String>| {
            cells.resize(columns, "[]".to_string());
            cells.join(", ")
        };
        if !head.is_empty() {
            out.push_str(&format!(", table.header({})", padded(head)));
        }
        for row in rows {
            out.push_str(", ");
            out.push_str(&padded(row));
        }
        out.push_str(")\n\n");
    }

    /// The cells of the head or row just opened, each as a content block.
    fn cells(&mut self) -> Vec<String> {
        let mut cells = Vec::new();
        while let Some(event) = self.next() {
            match event {
                Event::Start(Tag::TableCell) => {
                    let content = self.inner();
                    cells.push(format!("[{}]", content.trim()));
                }
                Event::End(_) => break,
                _ => {}
            }
        }
        cells
    }

    fn link(&mut self, link_type: LinkType, dest: &str, content: String, out: &mut String) {
        if let Some(id) = dest.strip_prefix('#') {
            if self.known.contains(id) {
                out.push_str(&format!("#link({})[{content}]", label(id)));
            } else {
                out.push_str(&content);
            }
            return;
        }
        let url = if link_type == LinkType::Email && !dest.contains(':') {
            format!("mailto:{dest}")
        } else {
            dest.to_string()
        };
        let shown = text(dest.strip_prefix("mailto:").unwrap_or(dest));
        let content = content.trim();
        let scheme = url.split(':').next().unwrap_or_default().to_ascii_lowercase();
        if !["http", "https", "mailto"].contains(&scheme.as_str()) || !url.contains(':') {
            // Not a web address: show it, but make nothing clickable.
            if content.is_empty() || content == shown {
                out.push_str(&shown);
            } else {
                out.push_str(&format!("{content} ({shown})"));
            }
            return;
        }
        let target = string(&url);
        if content.is_empty() || content == shown {
            out.push_str(&format!("#link({target})[{shown}]"));
        } else if self.in_heading || !self.open.is_empty() {
            // no footnote in a heading or in another footnote
            out.push_str(&format!("#link({target})[{content}] (#link({target})[{shown}])"));
        } else {
            // Printed, the address goes to a footnote, once per chapter, so
            // that the running text keeps only the words; still clickable.
            let next = self.addresses.len();
            let number = *self.addresses.entry(url.clone()).or_insert(next);
            let note = internal_label(&format!("plansite:url:{}:{number}", self.chapter));
            if number == next {
                out.push_str(&format!(
                    "#link({target})[{content}]#footnote[#link({target})[{shown}]]{note}"
                ));
            } else {
                out.push_str(&format!("#link({target})[{content}]#footnote({note})"));
            }
        }
    }

    fn footnote(&mut self, name: &str, out: &mut String) {
        let footnote_label = internal_label(&format!("plansite:fn:{}:{}", self.chapter, sanitise(name)));
        if self.emitted.contains(name) {
            out.push_str(&format!("#footnote({footnote_label})"));
            return;
        }
        let start = match self.footnotes.get(name) {
            Some(&start) if !self.open.iter().any(|open| open == name) => start,
            _ => {
                out.push_str(&text(&format!("[^{name}]")));
                return;
            }
        };
        let resume = self.pos;
        self.pos = start;
        self.open.push(name.to_string());
        let content = self.inner();
        self.open.pop();
        self.pos = resume;
        self.emitted.insert(name.to_string());
        out.push_str(&format!("#footnote[{}]{footnote_label}", content.trim()));
    }
}

/// Text as typst markup that shows exactly that text: every ASCII
/// punctuation mark is escaped with a backslash (which typst reads as the
/// literal character), and line ends become spaces, so no markup, code,
/// math, comment, shorthand or smart quote can start.
pub(super) fn text(content: &str) -> String {
    let mut out = String::with_capacity(content.len() + content.len() / 4);
    for c in content.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
            out.push(c);
        } else if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// A typst string literal holding exactly `content`.
pub(super) fn string(content: &str) -> String {
    let mut out = String::with_capacity(content.len() + 2);
    out.push('"');
    for c in content.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The label of a caller's id, as `<…>` markup.
pub(super) fn label(id: &str) -> String {
    internal_label(&sanitise(id))
}

fn internal_label(name: &str) -> String {
    format!("<{name}>")
}

/// Maps any id onto label syntax, injectively: ASCII letters, digits and `-`
/// stay; every other character becomes `_` + its hex code point + `_`. The
/// result never contains `:`, which internal labels use. A leading `x` keeps
/// an empty id valid.
fn sanitise(id: &str) -> String {
    let mut out = String::from("x");
    for c in id.chars() {
        if c.is_ascii_alphanumeric() || c == '-' {
            out.push(c);
        } else {
            out.push_str(&format!("_{:x}_", c as u32));
        }
    }
    out
}

/// Splits a BCP 47 tag into typst's `lang` (ISO 639 letters) and optional
/// `region` (ISO 3166 letters); anything else falls back to English.
/// The `lang` and `region` arguments of `text` for a BCP 47 tag.
fn text_language(tag: &str) -> String {
    let (lang, region) = language(tag);
    let region = region.map_or_else(|| "none".to_owned(), |region| string(&region));
    format!("lang: {}, region: {region}", string(&lang))
}

fn language(tag: &str) -> (String, Option<String>) {
    let mut parts = tag.split(['-', '_']);
    let lang = parts.next().unwrap_or_default().to_ascii_lowercase();
    let lang = if (2..=3).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_lowercase()) {
        lang
    } else {
        "en".to_string()
    };
    let region = parts
        .find(|part| part.len() == 2 && part.chars().all(|c| c.is_ascii_alphabetic()))
        .map(str::to_ascii_uppercase);
    (lang, region)
}

//! The plan edition as EPUB 3, one book per language.
//!
//! It owns turning a [`Book`] (chapters as pulldown-cmark events whose
//! heading ids, links and image paths the caller has already resolved for
//! the book) into the bytes of a reflowable EPUB: a title page, the
//! navigation document (table of contents and landmarks), one XHTML
//! document per chapter or part, the theme's stylesheet with the fonts it
//! names, the images the chapters show, and a package document with EPUB
//! Accessibility 1.1 metadata. A chapter shown in another language than the
//! book's is marked as that language, so a reading system hyphenates and
//! speaks it as such.
//!
//! It never touches the filesystem, the network or the clock: everything
//! comes in as bytes and the modification date comes from the book, so the
//! same book gives byte-identical EPUB.

use std::collections::BTreeMap;
use std::io::{Cursor, Write};

use pulldown_cmark::{Event, Tag, TagEnd};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::escape;

/// Where the chapters' images live in the book: an image event whose path
/// starts with this is one of [`Book::images`].
pub const FILES_DIR: &str = "files/";

/// One language edition of the plan as a book.
#[derive(Debug, Clone)]
pub struct Book {
    /// BCP 47 language tag: "sv", "fi", "en".
    pub lang: String,
    pub title: String,
    /// Shown under the title on the title page, e.g. the period "2024–2027".
    pub subtitle: String,
    /// Who wrote and publishes the book; left out when empty.
    pub author: String,
    /// Which language edition this is, on the title page: "Svensk utgåva".
    pub edition_label: String,
    /// The book's unique identifier: the address it is published at.
    pub identifier: String,
    /// The publication date (year, month, day); also the modification
    /// date the package records, at midnight UTC (1970-01-01 without one).
    /// Never the clock.
    pub date: Option<(i32, u8, u8)>,
    pub labels: Labels,
    pub chapters: Vec<Chapter>,
    /// The stylesheet of the book; `url("../fonts/NAME")` in it names a
    /// font of [`Book::fonts`], which the book then carries.
    pub css: String,
    /// Font files by name (`SourceSans3-Regular.woff2`).
    pub fonts: BTreeMap<String, Vec<u8>>,
    /// Images by the path their image events carry (`files/…`).
    pub images: BTreeMap<String, Vec<u8>>,
}

/// The book's own words, in its language.
#[derive(Debug, Clone)]
pub struct Labels {
    /// Title of the table of contents: "Innehåll".
    pub contents: String,
    /// Title of the (hidden) landmarks list.
    pub landmarks: String,
    /// The landmark of the title page.
    pub title_page: String,
    /// The landmark of the first chapter: where the text starts.
    pub start: String,
    /// What a reader of the book can expect from it, for the package's
    /// accessibility summary.
    pub accessibility_summary: String,
    /// After a chapter shown in another language in the table of contents,
    /// by that language: "sv" → "på svenska".
    pub in_language: BTreeMap<String, String>,
}

/// A chapter, or a part when chapters of depth 2 follow it.
#[derive(Debug, Clone)]
pub struct Chapter {
    /// The number shown, as on the web: "9" or "9.1".
    pub number: String,
    /// 1 = chapter or part; 2 = chapter inside the preceding part.
    pub depth: u8,
    /// A part: the chapters of depth 2 after it are its own.
    pub part: bool,
    pub title: String,
    /// Unique id of the chapter heading; the chapter's document is
    /// `<id>.xhtml`, and links to it and its headings point there.
    pub id: String,
    /// The language of the chapter's text when it is not the book's.
    pub lang: Option<String>,
    /// The body: events with heading ids unique in the book, links that are
    /// `<chapter id>.xhtml#…`, `#…` or absolute URLs, and images under
    /// [`FILES_DIR`] (any other image shows as its description).
    pub events: Vec<Event<'static>>,
}

impl Chapter {
    fn document(&self) -> String {
        format!("{}.xhtml", self.id)
    }
}

/// The EPUB of `book`: a zip whose first entry is the uncompressed
/// `mimetype`, as the OCF container format requires. A book needs a
/// chapter: its table of contents cannot be empty.
pub fn render(book: &Book) -> Result<Vec<u8>, String> {
    if book.chapters.is_empty() {
        return Err("the plan has no chapter to put in it".to_owned());
    }
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    // fixed time and permissions: the same book gives the same bytes
    let time = DateTime::from_date_and_time(1980, 1, 1, 0, 0, 0).map_err(|e| e.to_string())?;
    let stored = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(time)
        .unix_permissions(0o644);
    let deflated = stored
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(9));
    let mut add = |name: &str, bytes: &[u8], compress: bool| -> Result<(), String> {
        zip.start_file(name, if compress { deflated } else { stored })
            .and_then(|()| zip.write_all(bytes).map_err(Into::into))
            .map_err(|e| format!("cannot write {name} into the EPUB: {e}"))
    };
    add("mimetype", b"application/epub+zip", false)?;
    add("META-INF/container.xml", CONTAINER.as_bytes(), true)?;
    let fonts = fonts_used(book);
    add("EPUB/package.opf", package(book, &fonts).as_bytes(), true)?;
    add("EPUB/nav.xhtml", navigation(book).as_bytes(), true)?;
    add("EPUB/title.xhtml", title_page(book).as_bytes(), true)?;
    for chapter in &book.chapters {
        let xhtml = chapter_document(book, chapter);
        add(&format!("EPUB/{}", chapter.document()), xhtml.as_bytes(), true)?;
    }
    add("EPUB/css/book.css", book.css.as_bytes(), true)?;
    for name in &fonts {
        // fonts and raster images are compressed already
        add(&format!("EPUB/fonts/{name}"), &book.fonts[name], false)?;
    }
    for (path, bytes) in &book.images {
        let compress = media_type(path) == Some("image/svg+xml");
        add(&format!("EPUB/{path}"), bytes, compress)?;
    }
    let cursor = zip.finish().map_err(|e| format!("cannot finish the EPUB: {e}"))?;
    Ok(cursor.into_inner())
}

const CONTAINER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"#;

/// The fonts the stylesheet names as `url("../fonts/NAME")` (quoted or
/// not) that the book has, in name order.
fn fonts_used(book: &Book) -> Vec<String> {
    let css = without_comments(&book.css);
    let mut used = std::collections::BTreeSet::new();
    for (_, url) in urls_in(&css) {
        if let Some(name) = url.strip_prefix("../fonts/")
            && book.fonts.contains_key(name)
        {
            used.insert(name.to_owned());
        }
    }
    used.into_iter().collect()
}

/// What in a stylesheet for the book a reading system could not find in
/// it, or would fetch from the network: the byte offset and the problem.
/// A book's stylesheet may name only fonts the book carries, as
/// `url("../fonts/NAME")`, and imports nothing.
pub fn stylesheet_problem(css: &str, fonts: &BTreeMap<String, Vec<u8>>) -> Option<(usize, String)> {
    let css = without_comments(css);
    // an escape can spell `url(` or `@import` past the checks below
    if let Some(at) = css.find('\\') {
        return Some((at, "a stylesheet for the EPUB cannot hold escapes (`\\`)".to_owned()));
    }
    if let Some(at) = css.to_ascii_lowercase().find("image-set(") {
        return Some((
            at,
            "a stylesheet for the EPUB cannot load images with image-set()".to_owned(),
        ));
    }
    if let Some(at) = css.to_ascii_lowercase().find("@import") {
        return Some((
            at,
            "a stylesheet for the EPUB cannot import another: the book carries one".to_owned(),
        ));
    }
    for (at, url) in urls_in(&css) {
        let font = url.strip_prefix("../fonts/").filter(|name| fonts.contains_key(*name));
        match font {
            Some(name) if name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) => {}
            Some(name) => {
                return Some((
                    at,
                    format!("the font name `{name}` needs letters a–z, digits, `-`, `_` and `.` only in a book"),
                ));
            }
            None => {
                return Some((
                    at,
                    format!(
                        "`{url}` is not a font of the theme: the book can carry only `url(\"../fonts/NAME\")` of a file in fonts/"
                    ),
                ));
            }
        }
    }
    None
}

/// `css` with each comment blanked out, byte offsets kept.
fn without_comments(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        let end = rest[start + 2..].find("*/").map_or(rest.len(), |e| start + 2 + e + 2);
        for c in rest[start..end].chars() {
            match c {
                '\n' => out.push('\n'),
                c => out.extend(std::iter::repeat_n(' ', c.len_utf8())),
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Each `url(…)` of `css` (any case), unquoted, with its byte offset.
fn urls_in(css: &str) -> Vec<(usize, String)> {
    let lower = css.to_ascii_lowercase();
    lower
        .match_indices("url(")
        .map(|(i, _)| {
            let rest = &css[i + 4..];
            let end = rest.find(')').unwrap_or(rest.len());
            (i, rest[..end].trim().trim_matches(['"', '\'']).to_owned())
        })
        .collect()
}

/// The media type of a file of the book by its extension; `None` for a
/// type EPUB reading systems need not support.
pub fn media_type(path: &str) -> Option<&'static str> {
    let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "otf" => "font/otf",
        "ttf" => "font/ttf",
        _ => return None,
    })
}

/// `lang` and `xml:lang`, as XHTML wants both.
fn lang_attrs(lang: &str) -> String {
    let lang = escape::xml(lang);
    format!("lang=\"{lang}\" xml:lang=\"{lang}\"")
}

/// An XHTML content document around `body`.
fn xhtml(lang: &str, title: &str, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n\
         <html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\" {}>\n\
         <head>\n<meta charset=\"UTF-8\"/>\n<title>{}</title>\n\
         <link rel=\"stylesheet\" type=\"text/css\" href=\"css/book.css\"/>\n</head>\n\
         <body>\n{body}</body>\n</html>\n",
        lang_attrs(lang),
        escape::xml(title),
    )
}

fn package(book: &Book, fonts: &[String]) -> String {
    let (y, m, d) = book.date.unwrap_or((1970, 1, 1));
    let mut meta = String::new();
    let mut property = |name: &str, value: &str| {
        meta.push_str(&format!(
            "    <meta property=\"{name}\">{}</meta>\n",
            escape::xml(value)
        ));
    };
    property("dcterms:modified", &format!("{y:04}-{m:02}-{d:02}T00:00:00Z"));
    let has_images = !book.images.is_empty();
    property("schema:accessMode", "textual");
    if has_images {
        property("schema:accessMode", "visual");
    }
    property("schema:accessModeSufficient", "textual");
    let mut features = vec![
        "structuralNavigation",
        "tableOfContents",
        "readingOrder",
        "displayTransformability",
    ];
    if has_images {
        features.push("alternativeText");
    }
    for feature in features {
        property("schema:accessibilityFeature", feature);
    }
    property("schema:accessibilityHazard", "none");
    property("schema:accessibilitySummary", &book.labels.accessibility_summary);
    property("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA");
    let author = book.author.trim();
    if !author.is_empty() {
        property("a11y:certifiedBy", author);
    }

    let mut items = String::new();
    let mut item = |id: &str, href: &str, media_type: &str, properties: &str| {
        let properties = if properties.is_empty() {
            String::new()
        } else {
            format!(" properties=\"{properties}\"")
        };
        items.push_str(&format!(
            "    <item id=\"{id}\" href=\"{}\" media-type=\"{media_type}\"{properties}/>\n",
            escape::xml(href)
        ));
    };
    item("nav", "nav.xhtml", "application/xhtml+xml", "nav");
    item("title", "title.xhtml", "application/xhtml+xml", "");
    for (i, chapter) in book.chapters.iter().enumerate() {
        item(&format!("c{i}"), &chapter.document(), "application/xhtml+xml", "");
    }
    item("css", "css/book.css", "text/css", "");
    for (i, name) in fonts.iter().enumerate() {
        item(
            &format!("f{i}"),
            &format!("fonts/{name}"),
            media_type(name).unwrap_or("font/woff2"),
            "",
        );
    }
    for (i, path) in book.images.keys().enumerate() {
        item(&format!("i{i}"), path, media_type(path).unwrap_or("image/png"), "");
    }
    let mut spine = String::from("    <itemref idref=\"title\"/>\n    <itemref idref=\"nav\"/>\n");
    for i in 0..book.chapters.len() {
        spine.push_str(&format!("    <itemref idref=\"c{i}\"/>\n"));
    }
    let lang = escape::xml(&book.lang);
    let mut described = String::new();
    if !author.is_empty() {
        let author = escape::xml(author);
        described.push_str(&format!(
            "    <dc:creator>{author}</dc:creator>\n    <dc:publisher>{author}</dc:publisher>\n"
        ));
    }
    if book.date.is_some() {
        described.push_str(&format!("    <dc:date>{y:04}-{m:02}-{d:02}</dc:date>\n"));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <package xmlns=\"http://www.idpf.org/2007/opf\" version=\"3.0\" unique-identifier=\"pub-id\" xml:lang=\"{lang}\" \
         prefix=\"a11y: http://www.idpf.org/epub/vocab/package/a11y/#\">\n\
         \x20 <metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n\
         \x20   <dc:identifier id=\"pub-id\">{identifier}</dc:identifier>\n\
         \x20   <dc:title>{title}</dc:title>\n\
         \x20   <dc:language>{lang}</dc:language>\n\
         {described}{meta}\
         \x20 </metadata>\n\
         \x20 <manifest>\n{items}  </manifest>\n\
         \x20 <spine>\n{spine}  </spine>\n\
         </package>\n",
        identifier = escape::xml(&book.identifier),
        title = escape::xml(&book.title),
    )
}

/// A chapter's number and title as a heading or table-of-contents entry,
/// the title in its own language when it is not the book's.
fn numbered_title(chapter: &Chapter) -> String {
    let title = escape::xml(&chapter.title);
    let title = match &chapter.lang {
        Some(lang) => format!("<span {}>{title}</span>", lang_attrs(lang)),
        None => title,
    };
    format!("<span class=\"number\">{}</span> {title}", escape::xml(&chapter.number))
}

fn navigation(book: &Book) -> String {
    // an entry is one link and, for a part, the list of its chapters
    // (opened at its first chapter: a list may not be empty)
    enum Open {
        Nothing,
        Part,
        PartList,
    }
    let close = |toc: &mut String, open: &Open| match open {
        Open::Nothing => {}
        Open::Part => toc.push_str("</li>\n"),
        Open::PartList => toc.push_str("</ol></li>\n"),
    };
    let mut toc = String::from("<ol>\n");
    let mut open = Open::Nothing;
    for chapter in &book.chapters {
        let mut inner = numbered_title(chapter);
        if let Some(note) = chapter.lang.as_ref().and_then(|l| book.labels.in_language.get(l)) {
            inner.push_str(&format!(" <span class=\"lang-note\">({})</span>", escape::xml(note)));
        }
        let entry = format!("<a href=\"{}\">{inner}</a>", escape::xml(&chapter.document()));
        if chapter.depth == 2 && matches!(open, Open::Part | Open::PartList) {
            // a chapter of its part
            if let Open::Part = open {
                toc.push_str("\n<ol>\n");
                open = Open::PartList;
            }
            toc.push_str(&format!("<li>{entry}</li>\n"));
            continue;
        }
        close(&mut toc, &open);
        if chapter.part {
            toc.push_str(&format!("<li>{entry}"));
            open = Open::Part;
        } else {
            // a chapter of depth 2 whose part the edition leaves out stands on its own
            toc.push_str(&format!("<li>{entry}</li>\n"));
            open = Open::Nothing;
        }
    }
    close(&mut toc, &open);
    toc.push_str("</ol>\n");
    let labels = &book.labels;
    let mut landmarks = format!(
        "<li><a epub:type=\"titlepage\" href=\"title.xhtml\">{}</a></li>\n\
         <li><a epub:type=\"toc\" href=\"nav.xhtml#toc\">{}</a></li>\n",
        escape::xml(&labels.title_page),
        escape::xml(&labels.contents)
    );
    if let Some(first) = book.chapters.first() {
        landmarks.push_str(&format!(
            "<li><a epub:type=\"bodymatter\" href=\"{}\">{}</a></li>\n",
            escape::xml(&first.document()),
            escape::xml(&labels.start)
        ));
    }
    let body = format!(
        "<nav epub:type=\"toc\" role=\"doc-toc\" id=\"toc\" aria-labelledby=\"toc-title\">\n\
         <h1 id=\"toc-title\">{}</h1>\n{toc}</nav>\n\
         <nav epub:type=\"landmarks\" aria-labelledby=\"landmarks-title\" hidden=\"hidden\">\n\
         <h2 id=\"landmarks-title\">{}</h2>\n<ol>\n{landmarks}</ol>\n</nav>\n",
        escape::xml(&labels.contents),
        escape::xml(&labels.landmarks),
    );
    xhtml(&book.lang, &labels.contents, &body)
}

fn title_page(book: &Book) -> String {
    let mut body = String::from(
        "<section class=\"cover\" epub:type=\"titlepage\" aria-labelledby=\"book-title\">
",
    );
    if !book.author.trim().is_empty() {
        body.push_str(&format!(
            "<p class=\"cover-author\">{}</p>
",
            escape::xml(&book.author)
        ));
    }
    body.push_str(&format!(
        "<h1 id=\"book-title\">{}</h1>
",
        escape::xml(&book.title)
    ));
    if !book.subtitle.is_empty() {
        body.push_str(&format!(
            "<p class=\"cover-period\">{}</p>\n",
            escape::xml(&book.subtitle)
        ));
    }
    body.push_str(&format!(
        "<p class=\"cover-language\">{}</p>\n</section>\n",
        escape::xml(&book.edition_label)
    ));
    xhtml(&book.lang, &book.title, &body)
}

fn chapter_document(book: &Book, chapter: &Chapter) -> String {
    let (kind, role) = if chapter.part {
        ("part", "doc-part")
    } else {
        ("chapter", "doc-chapter")
    };
    let lang = chapter.lang.as_deref().unwrap_or(&book.lang);
    let id = escape::xml(&chapter.id);
    let mut body = format!(
        "<section epub:type=\"{kind}\" role=\"{role}\" aria-labelledby=\"{id}\">\n\
         <h1 id=\"{id}\"><span class=\"number\">{}</span> {}</h1>\n",
        escape::xml(&chapter.number),
        escape::xml(&chapter.title),
    );
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, book_events(&chapter.events, &book.images));
    // a character reference (`&#x1;`) can bring what XML forbids
    body.extend(html.chars().filter(|&c| escape::is_xml_char(c)));
    body.push_str("</section>\n");
    xhtml(lang, &format!("{} {}", chapter.number, chapter.title), &body)
}

/// The chapter's events as the book shows them: an image that is not one
/// of the book's files becomes its description, as running text; a
/// decorative image keeps no title.
fn book_events<'e>(
    events: &'e [Event<'static>],
    images: &'e BTreeMap<String, Vec<u8>>,
) -> impl Iterator<Item = Event<'static>> + 'e {
    let mut dropped = Vec::new();
    events.iter().filter_map(move |event| match event {
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let keep = images.contains_key(dest_url.as_ref());
            dropped.push(!keep);
            let decorative = title.as_ref() == crate::source::files::DECORATIVE;
            keep.then(|| {
                Event::Start(Tag::Image {
                    link_type: *link_type,
                    dest_url: dest_url.clone(),
                    title: if decorative { "".into() } else { title.clone() },
                    id: id.clone(),
                })
            })
        }
        Event::End(TagEnd::Image) => (!dropped.pop().unwrap_or(false)).then(|| event.clone()),
        _ => Some(event.clone()),
    })
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use pulldown_cmark::{Options, Parser};

    use super::*;

    fn events(markdown: &str) -> Vec<Event<'static>> {
        Parser::new_ext(markdown, Options::ENABLE_FOOTNOTES | Options::ENABLE_TABLES)
            .map(Event::into_static)
            .collect()
    }

    fn chapter(number: &str, depth: u8, id: &str, lang: Option<&str>, markdown: &str) -> Chapter {
        Chapter {
            number: number.into(),
            depth,
            part: id == "ch-b",
            title: format!("Kapitel {number}"),
            id: id.into(),
            lang: lang.map(Into::into),
            events: events(markdown),
        }
    }

    fn book() -> Book {
        Book {
            lang: "fi".into(),
            title: "Toimintasuunnitelma & <muut>".into(),
            subtitle: "2024–2027".into(),
            author: "Luleån kunta".into(),
            edition_label: "Suomenkielinen laitos".into(),
            identifier: "https://example.org/fi/plan.epub".into(),
            date: Some((2024, 3, 5)),
            labels: Labels {
                contents: "Sisällys".into(),
                landmarks: "Maamerkit".into(),
                title_page: "Nimiösivu".into(),
                start: "Suunnitelman teksti".into(),
                accessibility_summary: "Tiivistelmä".into(),
                in_language: [("sv".to_owned(), "ruotsiksi".to_owned())].into(),
            },
            chapters: vec![
                chapter(
                    "1",
                    1,
                    "ch-a",
                    None,
                    "Teksti [b](ch-c.xhtml#ch-c--x).\n\n![kuva](files/i0.png) ![verkko](https://example.org/x.png)",
                ),
                chapter("2", 1, "ch-b", None, "Osa."),
                chapter("2.1", 2, "ch-c", Some("sv"), "## Rubrik {#ch-c--x}\n\nSvensk text."),
            ],
            css: "@font-face { src: url(\"../fonts/Regular.woff2\") format(\"woff2\"); }\n\
                  @font-face { src: url(../fonts/Missing.woff2); }"
                .into(),
            fonts: [
                ("Regular.woff2".to_owned(), vec![1, 2, 3]),
                ("Unused.woff2".to_owned(), vec![4]),
            ]
            .into(),
            images: [("files/i0.png".to_owned(), vec![0x89, b'P', b'N', b'G'])].into(),
        }
    }

    fn entries(epub: &[u8]) -> Vec<(String, String)> {
        let mut archive = zip::ZipArchive::new(Cursor::new(epub)).expect("the EPUB is a zip");
        (0..archive.len())
            .map(|i| {
                let mut file = archive.by_index(i).expect("entry");
                let mut bytes = Vec::new();
                file.read_to_end(&mut bytes).expect("entry bytes");
                (
                    file.name().expect("a UTF-8 name").into_owned(),
                    String::from_utf8_lossy(&bytes).into_owned(),
                )
            })
            .collect()
    }

    fn entry(epub: &[u8], name: &str) -> String {
        entries(epub)
            .into_iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no {name} in the EPUB"))
            .1
    }

    #[test]
    fn the_mimetype_comes_first_stored_and_the_bytes_repeat() {
        let epub = render(&book()).expect("an EPUB");
        // OCF: "mimetype" at offset 30 of the first local header, uncompressed
        assert_eq!(&epub[30..38], b"mimetype");
        assert_eq!(&epub[38..58], b"application/epub+zip");
        assert_eq!(
            epub,
            render(&book()).expect("an EPUB"),
            "the same book gives the same bytes"
        );
        let names: Vec<String> = entries(&epub).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names[0], "mimetype");
        assert!(names.contains(&"EPUB/fonts/Regular.woff2".to_owned()));
        assert!(!names.contains(&"EPUB/fonts/Unused.woff2".to_owned()), "{names:?}");
    }

    #[test]
    fn a_chapter_in_another_language_is_marked_as_that_language() {
        let epub = render(&book()).expect("an EPUB");
        let swedish = entry(&epub, "EPUB/ch-c.xhtml");
        assert!(swedish.contains(r#"<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="sv" xml:lang="sv">"#), "{swedish}");
        let finnish = entry(&epub, "EPUB/ch-a.xhtml");
        assert!(finnish.contains(r#"lang="fi" xml:lang="fi""#), "{finnish}");
        let nav = entry(&epub, "EPUB/nav.xhtml");
        assert!(
            nav.contains(
                r#"<span lang="sv" xml:lang="sv">Kapitel 2.1</span> <span class="lang-note">(ruotsiksi)</span></a></li>"#
            ),
            "{nav}"
        );
    }

    #[test]
    fn parts_nest_their_chapters_and_documents_say_what_they_are() {
        let epub = render(&book()).expect("an EPUB");
        let nav = entry(&epub, "EPUB/nav.xhtml");
        let part = nav.find("href=\"ch-b.xhtml\"").expect("part in the nav");
        let nested = nav
            .find("<ol>\n<li><a href=\"ch-c.xhtml\"")
            .expect("chapter nested under it");
        assert!(part < nested, "{nav}");
        assert!(entry(&epub, "EPUB/ch-b.xhtml").contains(r#"epub:type="part" role="doc-part""#));
        assert!(entry(&epub, "EPUB/ch-a.xhtml").contains(r#"epub:type="chapter" role="doc-chapter""#));
        assert!(nav.contains(r#"<a epub:type="bodymatter" href="ch-a.xhtml">Suunnitelman teksti</a>"#));
    }

    #[test]
    fn images_are_the_books_or_their_description() {
        let epub = render(&book()).expect("an EPUB");
        let first = entry(&epub, "EPUB/ch-a.xhtml");
        assert!(first.contains(r#"<img src="files/i0.png" alt="kuva" />"#), "{first}");
        assert!(!first.contains("example.org/x.png"), "no remote image: {first}");
        assert!(first.contains("verkko"), "{first}");
        let package = entry(&epub, "EPUB/package.opf");
        assert!(package.contains(r#"<item id="i0" href="files/i0.png" media-type="image/png"/>"#));
        assert!(package.contains("<meta property=\"schema:accessMode\">visual</meta>"));
    }

    #[test]
    fn the_package_escapes_and_dates_without_the_clock() {
        let package = entry(&render(&book()).expect("an EPUB"), "EPUB/package.opf");
        assert!(
            package.contains("<dc:title>Toimintasuunnitelma &amp; &lt;muut&gt;</dc:title>"),
            "{package}"
        );
        assert!(package.contains("<meta property=\"dcterms:modified\">2024-03-05T00:00:00Z</meta>"));
        assert!(package.contains("<dc:date>2024-03-05</dc:date>"));
        assert!(package.contains("<meta property=\"schema:accessibilitySummary\">Tiivistelmä</meta>"));
    }

    #[test]
    fn a_part_left_out_leaves_its_chapters_on_their_own() {
        let mut book = book();
        book.chapters.remove(1);
        let nav = entry(&render(&book).expect("an EPUB"), "EPUB/nav.xhtml");
        assert!(
            !nav.contains("<ol>\n<li><a href=\"ch-c.xhtml\""),
            "not nested under chapter 1: {nav}"
        );
        assert!(nav.contains("<li><a href=\"ch-c.xhtml\">"), "{nav}");
        // a part with none of its chapters has no empty list
        let mut book = self::book();
        book.chapters.pop();
        let nav = entry(&render(&book).expect("an EPUB"), "EPUB/nav.xhtml");
        assert!(nav.contains("Kapitel 2</a></li>"), "{nav}");
        assert!(!nav.contains("<ol>\n</ol>"), "{nav}");
    }

    #[test]
    fn what_xml_cannot_hold_is_left_out() {
        let mut book = book();
        book.chapters[0].events = events("A &#x1; B &#xFFFF; C");
        book.author = "  ".into();
        book.date = None;
        let epub = render(&book).expect("an EPUB");
        let chapter = entry(&epub, "EPUB/ch-a.xhtml");
        assert!(chapter.contains("<p>A  B  C</p>"), "{chapter}");
        let package = entry(&epub, "EPUB/package.opf");
        assert!(
            !package.contains("dc:creator") && !package.contains("certifiedBy"),
            "{package}"
        );
        assert!(!package.contains("dc:date"), "{package}");
        assert!(package.contains("<meta property=\"dcterms:modified\">1970-01-01T00:00:00Z</meta>"));
        assert!(!entry(&epub, "EPUB/title.xhtml").contains("cover-author"));
        book.chapters.clear();
        assert!(render(&book).is_err(), "a book without chapters");
    }

    #[test]
    fn a_decorative_image_keeps_no_title() {
        let mut book = book();
        book.chapters[0].events = events("![](files/i0.png \"decorative\")");
        let chapter = entry(&render(&book).expect("an EPUB"), "EPUB/ch-a.xhtml");
        assert!(chapter.contains(r#"<img src="files/i0.png" alt="" />"#), "{chapter}");
    }

    #[test]
    fn the_stylesheet_names_only_fonts_the_book_carries() {
        let fonts: BTreeMap<String, Vec<u8>> =
            [("A.woff2".to_owned(), vec![1]), ("a b.woff2".to_owned(), vec![2])].into();
        let ok = "/* url(https://x.example/in-a-comment.css) ü */ @font-face { src: URL( '../fonts/A.woff2' ) }";
        assert_eq!(stylesheet_problem(ok, &fonts), None);
        for (css, found) in [
            ("@import url(\"https://evil.example/x.css\");", "cannot import"),
            (
                "/* ü */ body { background: url(https://evil.example/bg.png) }",
                "https://evil.example/bg.png",
            ),
            ("@font-face { src: url(../fonts/A.woff2?v=1) }", "../fonts/A.woff2?v=1"),
            (
                "@font-face { src: url(../fonts/Missing.woff2) }",
                "../fonts/Missing.woff2",
            ),
            ("@font-face { src: url(\"../fonts/a b.woff2\") }", "a b.woff2"),
            ("@font-face { src: u\\72l(\"https://example.org/a.woff2\") }", "escapes"),
            ("@\\69mport \"https://example.org/d.css\";", "escapes"),
            (
                "body { background-image: -webkit-image-set(\"https://x.example/a.png\" 1x) }",
                "image-set",
            ),
        ] {
            let (at, problem) = stylesheet_problem(css, &fonts).unwrap_or_else(|| panic!("no problem in {css}"));
            assert!(problem.contains(found), "{problem}");
            let there = css[at..].to_ascii_lowercase();
            assert!(
                ["url(", "@import", "\\", "-webkit-image-set(", "image-set("]
                    .iter()
                    .any(|s| there.starts_with(s)),
                "{css} at {at}"
            );
        }
    }
}

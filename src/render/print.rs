//! The plan edition: the whole plan as one printable HTML document per
//! language (`/<lang>/plan/print/`) and, with the `pdf` feature, as a PDF.
//!
//! The same chapters make the EPUB of each language (`epub` under [plan]).
//!
//! Chapters come in the order of `[plan] chapters` in book.toml. Heading ids
//! are prefixed with the chapter's slug so they are unique in the edition;
//! links to plan chapters become links inside the edition, and links to the
//! rest of the site become absolute URLs (print shows them in full).

use minijinja::{Environment, Value};
use pulldown_cmark::Event;
use serde::Serialize;
use std::collections::BTreeMap;

use crate::diagnostics::Diagnostic;
use crate::render::assets::Assets;
use crate::render::cache::Cache;
use crate::render::{self, OutputFile};
use crate::site::Site;
use crate::site::markdown::{self, EventOptions, FileTarget, LinkTarget};
use crate::source::config::ChapterEntry;
use crate::urls;

/// One chapter of the edition, in one language.
pub struct PrintChapter<'a> {
    pub number: String,
    pub depth: u8,
    pub title: String,
    /// Unique anchor of the chapter heading.
    pub anchor: String,
    pub events: Vec<Event<'a>>,
    /// Language of the text when the chapter has no version in the edition's language.
    pub fallback_lang: Option<String>,
}

#[derive(Serialize)]
struct ChapterView {
    number: String,
    depth: u8,
    title: String,
    anchor: String,
    html: String,
    fallback_lang: Option<String>,
}

#[derive(Serialize)]
struct PrintContext {
    lang: String,
    site_title: String,
    title: String,
    period: String,
    author: String,
    css: String,
    favicon: Option<String>,
    fonts: BTreeMap<String, String>,
    canonical: String,
    home: String,
    /// The page's schema.org graph (JSON-LD), safe inside a script element.
    json_ld: String,
    chapters: Vec<ChapterView>,
}

fn anchor_of(chapter_id: &str) -> String {
    format!("ch-{}", chapter_id.rsplit('/').next().unwrap_or(chapter_id))
}

/// What an edition's chapters are written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Medium {
    /// The print page: HTML, one document, files relative to the page.
    Page,
    /// The PDF: links as plain events (their addresses become footnotes),
    /// images by their published path.
    Pdf,
    /// The EPUB: plain events, one document per chapter, images under the
    /// book's `files/`.
    Epub,
}

/// The document of a chapter inside the EPUB.
fn epub_document(chapter_id: &str) -> String {
    format!("{}.xhtml", anchor_of(chapter_id))
}

/// The chapters of the plan in `lang`, with links rewritten for one edition.
pub fn chapters<'s>(site: &'s Site, lang: &str, medium: Medium) -> Vec<PrintChapter<'s>> {
    let Some(plan) = &site.plan else {
        return Vec::new();
    };
    let base = &site.config.site.base_url;
    let mut out = Vec::new();
    for chapter in &plan.chapters {
        let Some(page) = site.version(&chapter.id, lang) else {
            continue;
        };
        if page.front.print == Some(false) {
            continue;
        }
        let anchor = anchor_of(&chapter.id);
        let prefix = format!("{anchor}--");
        let resolve = |id: &str, heading: Option<&str>| -> Option<LinkTarget> {
            // a chapter the edition leaves out is linked on the site
            let in_edition =
                site.chapter(id).is_some() && site.version(id, lang).is_some_and(|p| p.front.print != Some(false));
            if in_edition {
                let document = match medium {
                    Medium::Epub => epub_document(id),
                    Medium::Page | Medium::Pdf => String::new(),
                };
                let href = match heading {
                    Some(h) => format!("{document}#{}--{h}", anchor_of(id)),
                    None if document.is_empty() => format!("#{}", anchor_of(id)),
                    None => document,
                };
                return Some(LinkTarget {
                    href,
                    hreflang: None,
                    note: None,
                });
            }
            let target = site.version(id, lang)?;
            let mut href = urls::absolute(base, &urls::page_dir(&target.lang, id));
            if let Some(h) = heading {
                href = format!("{href}#{h}");
            }
            let other = target.lang != lang;
            Some(LinkTarget {
                href,
                hreflang: other.then(|| target.lang.clone()),
                note: None,
            })
        };
        // files: relative to the print page; in the PDF and the EPUB, images
        // are files of the edition (by their output path) and links go to
        // the site
        let print_dir = format!("{}print/", urls::page_dir(lang, &plan.section));
        let html = medium == Medium::Page;
        let file = |dest: &str, image: bool| -> Option<FileTarget> {
            if html {
                render::file_link(site, page, Some(&print_dir), dest)
            } else if image {
                let (file, _) = site.file(page, dest)?;
                let href = match medium {
                    Medium::Epub => format!("{}{}", crate::epub::FILES_DIR, file.path),
                    Medium::Page | Medium::Pdf => format!("/{}", file.path),
                };
                Some(FileTarget { href, size: file.size })
            } else {
                render::file_link(site, page, None, dest)
            }
        };
        let options = EventOptions {
            resolve: &resolve,
            file: &file,
            id_prefix: &prefix,
            reserved_ids: &site.reserved_ids,
            escape_html: !site.config.build.allow_html || !html,
            plain_links: !html,
            heading_shift: u8::from(html),
            lang,
        };
        out.push(PrintChapter {
            number: chapter.number.clone(),
            depth: chapter.depth,
            title: page.front.title.clone(),
            anchor,
            events: markdown::events(page.body(), &options),
            fallback_lang: (page.lang != lang).then(|| page.lang.clone()),
        });
    }
    out
}

/// Print pages of every language, and their PDFs when `pdf` names the
/// cache they are looked up in.
pub fn render(
    site: &Site,
    env: &Environment<'static>,
    assets: &Assets,
    pdf: Option<&Cache>,
) -> (Vec<OutputFile>, Vec<Diagnostic>) {
    let Some(plan) = &site.plan else {
        return (Vec::new(), Vec::new());
    };
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    let source = site.source_lang();
    let plan_config = site.config.plan.as_ref().expect("a plan has its configuration");
    for lang in site.languages() {
        let Some(plan_page) = site.version(&plan.section, lang) else {
            continue;
        };
        let dir = format!("{}print/", urls::page_dir(lang, &plan.section));
        let ctx = PrintContext {
            lang: lang.clone(),
            site_title: site.config.site.title.get(lang, source).to_owned(),
            title: plan_page.front.title.clone(),
            period: plan_config.period.clone(),
            author: site.config.author(lang).to_owned(),
            css: urls::relative(&dir, &assets.css_path),
            favicon: assets
                .published
                .get("static/favicon.svg")
                .map(|path| urls::relative(&dir, path)),
            fonts: assets.fonts(&dir),
            canonical: urls::absolute(&site.config.site.base_url, &dir),
            home: urls::link_to_page(&dir, lang, &plan.section, site.config.build.link_index_html),
            json_ld: crate::render::structured::json_ld(
                site,
                &crate::render::Texts::new(&site.strings),
                &crate::render::Extras::default(),
                lang,
                &crate::render::structured::Subject::Generated {
                    id: &format!("{}/print", plan.section),
                    title: &plan_page.front.title,
                },
            ),
            chapters: chapters(site, lang, Medium::Page)
                .into_iter()
                .map(|c| ChapterView {
                    number: c.number,
                    depth: c.depth,
                    title: c.title,
                    anchor: c.anchor,
                    html: markdown::to_html(c.events),
                    fallback_lang: c.fallback_lang,
                })
                .collect(),
        };
        match env
            .get_template("print.html")
            .and_then(|t| t.render(Value::from(minijinja::value::Serde(&ctx))))
        {
            Ok(html) => files.push(OutputFile::new(format!("{dir}index.html"), html)),
            Err(e) => diagnostics.push(Diagnostic::error(
                format!("themes/{}/templates/print.html", site.config.site.theme),
                format!("template error: {e}"),
            )),
        }
    }
    if plan_config.epub {
        let (books, epub_diagnostics) = epubs(site);
        files.extend(books);
        diagnostics.extend(epub_diagnostics);
    }
    if plan_config.pdf
        && let Some(cache) = pdf
    {
        let (pdfs, pdf_diagnostics) = pdfs(site, cache);
        files.extend(pdfs);
        diagnostics.extend(pdf_diagnostics);
    }
    (files, diagnostics)
}

/// What goes under the title on a cover: the period, unless the title
/// already holds it.
fn subtitle(title: &str, period: &str) -> String {
    if title.contains(period) {
        String::new()
    } else {
        period.to_owned()
    }
}

/// The EPUB of every language: the theme's `css/epub.css` with the fonts it
/// names, and the images the chapters show.
fn epubs(site: &Site) -> (Vec<OutputFile>, Vec<Diagnostic>) {
    let Some(plan) = &site.plan else {
        return (Vec::new(), Vec::new());
    };
    let plan_config = site.config.plan.as_ref().expect("a plan has its configuration");
    let theme = &site.config.site.theme;
    let Some(css) = site.theme.css.get("epub.css") else {
        let d = Diagnostic::error(
            format!("themes/{theme}/css/epub.css"),
            "`epub = true` under [plan], but the theme has no stylesheet for the EPUB",
        )
        .with_hint("add css/epub.css to the theme, or set `epub = false` under [plan]");
        return (Vec::new(), vec![d]);
    };
    let fonts: BTreeMap<String, Vec<u8>> = site
        .theme
        .static_files
        .iter()
        .filter_map(|(path, bytes)| Some((path.strip_prefix("fonts/")?.to_owned(), bytes.clone())))
        .collect();
    if let Some((offset, problem)) = crate::epub::stylesheet_problem(css, &fonts) {
        let d = Diagnostic::error(format!("themes/{theme}/css/epub.css"), problem)
            .at_offset(css, offset)
            .with_hint("name the theme's fonts as url(\"../fonts/SourceSans3-Regular.woff2\"), or set `epub = false` under [plan]");
        return (Vec::new(), vec![d]);
    }
    // the published files by their output path, to find an image's bytes
    let by_output: BTreeMap<&str, &str> = site
        .published
        .iter()
        .map(|(source, file)| (file.path.as_str(), source.as_str()))
        .collect();
    let date = plan_config
        .date
        .map(|d| (d.year, d.month.unwrap_or(1), d.day.unwrap_or(1)));
    // the chapters that are parts, by their anchors
    let parts: std::collections::BTreeSet<String> = plan_config
        .chapters
        .iter()
        .filter_map(|entry| match entry {
            ChapterEntry::Part { part, .. } => Some(anchor_of(part.as_str())),
            ChapterEntry::Chapter(_) => None,
        })
        .collect();
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    for lang in site.languages() {
        let Some(plan_page) = site.version(&plan.section, lang) else {
            continue;
        };
        let texts = crate::render::Texts::new(&site.strings);
        let chapters: Vec<crate::epub::Chapter> = chapters(site, lang, Medium::Epub)
            .into_iter()
            .map(|c| crate::epub::Chapter {
                number: c.number,
                depth: c.depth,
                part: parts.contains(&c.anchor),
                title: c.title,
                id: c.anchor,
                lang: c.fallback_lang,
                events: c.events.into_iter().map(Event::into_static).collect(),
            })
            .collect();
        let mut images = BTreeMap::new();
        for event in chapters.iter().flat_map(|c| &c.events) {
            if let Event::Start(pulldown_cmark::Tag::Image { dest_url, .. }) = event
                && let Some(output) = dest_url.strip_prefix(crate::epub::FILES_DIR)
                && let Some(source) = by_output.get(output)
                && crate::epub::media_type(output).is_some_and(|t| t.starts_with("image/"))
            {
                images.insert(dest_url.to_string(), site.files[*source].bytes.to_vec());
            }
        }
        let name = plan_config.pdf_name.get(lang, site.source_lang());
        let path = format!("{lang}/{name}.epub");
        let book = crate::epub::Book {
            lang: lang.clone(),
            title: plan_page.front.title.clone(),
            subtitle: subtitle(&plan_page.front.title, &plan_config.period),
            author: site.config.author(lang).to_owned(),
            edition_label: texts.t(lang, "plan.edition_language"),
            identifier: urls::absolute(&site.config.site.base_url, &path),
            date,
            labels: crate::epub::Labels {
                contents: texts.t(lang, "plan.contents"),
                landmarks: texts.t(lang, "plan.landmarks"),
                title_page: texts.t(lang, "plan.title_page"),
                start: texts.t(lang, "plan.start"),
                accessibility_summary: texts.t(lang, "plan.epub_summary"),
                in_language: site
                    .languages()
                    .iter()
                    .map(|other| (other.clone(), texts.t(lang, &format!("language.in.{other}"))))
                    .collect(),
            },
            chapters,
            css: css.clone(),
            fonts: fonts.clone(),
            images,
        };
        if let Err(missing) = texts.check(site, &path) {
            diagnostics.push(missing);
            continue;
        }
        if book.chapters.is_empty() {
            // nothing to read: the plan page links no book (the build has
            // already said which chapters are missing)
            continue;
        }
        match crate::epub::render(&book) {
            Ok(bytes) => files.push(OutputFile::new(path, bytes)),
            Err(e) => diagnostics.push(Diagnostic::error(
                "book.toml",
                format!("cannot make the EPUB {path}: {e}"),
            )),
        }
    }
    (files, diagnostics)
}

/// The PDF of every language, made in parallel, or taken from `cache` when
/// nothing it is made from changed.
#[cfg(feature = "pdf")]
fn pdfs(site: &Site, cache: &Cache) -> (Vec<OutputFile>, Vec<Diagnostic>) {
    use rayon::prelude::*;
    let typesetter = crate::render::cache::typesetter();
    let Some(plan) = &site.plan else {
        return (Vec::new(), Vec::new());
    };
    let plan_config = site.config.plan.as_ref().expect("a plan has its configuration");
    let fonts: Vec<Vec<u8>> = site.theme.fonts.iter().map(|(_, bytes)| bytes.clone()).collect();
    let date = plan_config
        .date
        .map_or((1970, 1, 1), |d| (d.year, d.month.unwrap_or(1), d.day.unwrap_or(1)));
    let results: Vec<Result<OutputFile, Diagnostic>> = site
        .languages()
        .par_iter()
        .filter_map(|lang| {
            let plan_page = site.version(&plan.section, lang)?;
            let texts = crate::render::Texts::new(&site.strings);
            let t = |lang: &str, key: &str, args: &[(&str, String)]| texts.t_with(lang, key, None, args);
            let map = super::maps::plan_map(site, &texts, lang, &plan_page.front.title);
            let mut images: std::collections::BTreeMap<String, crate::pdf::Image> = site
                .published
                .iter()
                .filter_map(|(path, file)| {
                    let (width, _) = file.size?;
                    let image = crate::pdf::Image {
                        bytes: site.files[path].bytes.clone(),
                        width,
                    };
                    Some((format!("/{}", file.path), image))
                })
                .collect();
            // the map among the images, under a name no published file has
            const MAP_PATH: &str = "/plansite-map.svg";
            let map = map.map(|(svg, alt, caption, places)| {
                images.insert(
                    MAP_PATH.to_owned(),
                    crate::pdf::Image {
                        bytes: svg.into_bytes().into(),
                        width: 600,
                    },
                );
                crate::pdf::EditionMap {
                    path: MAP_PATH.to_owned(),
                    alt,
                    caption,
                    places,
                }
            });
            let edition = crate::pdf::Edition {
                lang: lang.clone(),
                title: plan_page.front.title.clone(),
                subtitle: subtitle(&plan_page.front.title, &plan_config.period),
                author: site.config.author(lang).to_owned(),
                language_name: t(lang, &format!("language.name.{lang}"), &[]),
                date,
                contents_label: t(lang, "plan.contents", &[]),
                page_label: t(
                    lang,
                    "plan.page",
                    &[("page", "{page}".to_owned()), ("pages", "{pages}".to_owned())],
                ),
                images,
                map,
                chapters: chapters(site, lang, Medium::Pdf)
                    .into_iter()
                    .map(|c| crate::pdf::Chapter {
                        number: c.number,
                        depth: c.depth,
                        title: c.title,
                        id: c.anchor,
                        lang: c.fallback_lang,
                        events: c.events.into_iter().map(Event::into_static).collect(),
                    })
                    .collect(),
            };
            let name = plan_config.pdf_name.get(lang, site.source_lang());
            let path = format!("{lang}/{name}.pdf");
            if let Err(missing) = texts.check(site, &path) {
                return Some(Err(missing));
            }
            let typeset = || crate::pdf::render(&edition, &fonts);
            let bytes = match &typesetter {
                Some(typesetter) => {
                    let key = crate::pdf::fingerprint(&edition, &fonts, typesetter);
                    cache.get_or_make("pdf", lang, "pdf", &key, |b| b.starts_with(b"%PDF-"), typeset)
                }
                None => typeset(),
            };
            Some(
                bytes
                    .map(|bytes| OutputFile::new(path.clone(), bytes))
                    .map_err(|e| pdf_error(site, &path, e.lines().next().unwrap_or(""))),
            )
        })
        .collect();
    crate::diagnostics::partition(results)
}

/// The diagnostic of a PDF that could not be made: at the image typst
/// could not use, when it was one (its header passed, its data did not),
/// else at book.toml.
#[cfg(feature = "pdf")]
fn pdf_error(site: &Site, pdf: &str, error: &str) -> Diagnostic {
    let image = error.split_once(crate::pdf::IMAGE_PREFIX).and_then(|(_, rest)| {
        let (published, message) = rest.split_once("\": ")?;
        let published = published.strip_prefix('/')?;
        let (source, _) = site.published.iter().find(|(_, file)| file.path == published)?;
        Some((&site.files[source].file, message))
    });
    match image {
        Some((file, message)) => Diagnostic::error(
            file,
            format!(
                "cannot put this image into the PDF {pdf}: {}",
                message.trim_start_matches("error: ")
            ),
        )
        .with_hint(
            "its data is damaged or in a form the PDF cannot hold: open it and save it again as PNG, or as JPEG in RGB",
        ),
        None => Diagnostic::error("book.toml", format!("cannot make the PDF {pdf}: {error}"))
            .with_hint("set `pdf = false` under [plan] to build without the PDF"),
    }
}

#[cfg(not(feature = "pdf"))]
fn pdfs(_site: &Site, _cache: &Cache) -> (Vec<OutputFile>, Vec<Diagnostic>) {
    let d = Diagnostic::error(
        "book.toml",
        "`pdf = true` under [plan], but plansite was built without the `pdf` feature",
    )
    .with_hint("set `pdf = false`, or build plansite with `--features pdf`");
    (Vec::new(), vec![d])
}

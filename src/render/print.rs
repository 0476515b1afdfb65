//! The plan edition: the whole plan as one printable HTML document per
//! language (`/<lang>/plan/print/`) and, with the `pdf` feature, as a PDF.
//!
//! Chapters come in the order of `[plan] chapters` in book.toml. Heading ids
//! are prefixed with the chapter's slug so they are unique in the document;
//! links to plan chapters become in-document anchors, and links to the rest
//! of the site become absolute URLs (print shows them in full).

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

/// The chapters of the plan in `lang`, with links rewritten for a single document.
pub fn chapters<'s>(site: &'s Site, lang: &str, html: bool) -> Vec<PrintChapter<'s>> {
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
            if site.chapter(id).is_some() {
                let href = match heading {
                    Some(h) => format!("#{}--{h}", anchor_of(id)),
                    None => format!("#{}", anchor_of(id)),
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
        // files: relative to the print page; in the PDF, images are files of
        // the edition (by their output path) and links go to the site
        let print_dir = format!("{}print/", urls::page_dir(lang, &plan.section));
        let file = |dest: &str, image: bool| -> Option<FileTarget> {
            if html {
                render::file_link(site, page, Some(&print_dir), dest)
            } else if image {
                let (file, _) = site.file(page, dest)?;
                Some(FileTarget {
                    href: format!("/{}", file.path),
                    size: file.size,
                })
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
            home: urls::link_to_dir(
                &dir,
                &urls::page_dir(lang, &plan.section),
                site.config.build.link_index_html,
            ),
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
            chapters: chapters(site, lang, true)
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
    if plan_config.pdf
        && let Some(cache) = pdf
    {
        let (pdfs, pdf_diagnostics) = pdfs(site, cache);
        files.extend(pdfs);
        diagnostics.extend(pdf_diagnostics);
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
                // the period goes under the title unless the title already ends with it
                subtitle: if plan_page.front.title.contains(&plan_config.period) {
                    String::new()
                } else {
                    plan_config.period.clone()
                },
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
                chapters: chapters(site, lang, false)
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

//! Rendering: a resolved [`Site`] in, output files out.
//!
//! Builds one template context per output page (home, sections, pages,
//! taxonomy pages, the language chooser, 404), renders them in parallel with
//! minijinja, and adds the machine-readable files (sitemap, feeds, robots).
//! Pure: every output is a function of the site; errors become diagnostics.

pub mod assets;
pub mod cache;
pub mod data;
pub mod dcat;
pub mod feeds;
mod maps;
pub mod print;
pub mod structured;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use minijinja::value::Kwargs;
use minijinja::{Environment, Error as TemplateError, ErrorKind, State, Value};
use rayon::prelude::*;
use serde::Serialize;

use crate::diagnostics::Diagnostic;
use crate::escape;
use crate::render::assets::Assets;
use crate::site::Site;
use crate::site::markdown::{self, EventOptions, FileTarget, LinkTarget};
use crate::source::collation;
use crate::source::config::MissingTranslation;
use crate::source::i18n::Strings;
use crate::source::load::SourcePage;
use crate::source::values::PartialDate;
use crate::urls;

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Path relative to the output root, with `/`.
    pub path: String,
    pub bytes: Vec<u8>,
}

impl OutputFile {
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        OutputFile {
            path: path.into(),
            bytes: bytes.into(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub title: String,
    pub href: String,
    /// Set when the target is in another language than the page.
    pub hreflang: Option<String>,
    /// "(på svenska)": visible note for a link to another language.
    pub note: Option<String>,
}

/// A link in a list of other pages, with the section it belongs to (pages
/// of different sections can share a name: the partner Uleåborg and the
/// plan's chapter Uleåborg).
#[derive(Serialize)]
struct Listed {
    link: Link,
    section: Option<String>,
}

#[derive(Serialize)]
struct Alternate {
    lang: String,
    href: String,
}

#[derive(Serialize)]
struct SwitchItem {
    lang: String,
    name: String,
    href: String,
    current: bool,
    /// False when the page has no version in that language and the link goes to the section.
    available: bool,
    /// Tooltip, in the target language, for a link that goes to the section instead.
    note: Option<String>,
}

#[derive(Serialize)]
struct NavItem {
    link: Link,
    current: bool,
}

#[derive(Serialize)]
struct Entry {
    link: Link,
    description: Option<String>,
    date: Option<String>,
    number: Option<String>,
    depth: u8,
}

#[derive(Serialize)]
struct FactRow {
    label: String,
    value: String,
    href: Option<String>,
}

#[derive(Serialize)]
struct FigureView {
    label: String,
    value: String,
    source: String,
    year: i32,
}

#[derive(Serialize)]
struct TermGroup {
    title: String,
    terms: Vec<Link>,
}

#[derive(Serialize)]
struct ChapterView {
    number: String,
    prev: Option<Link>,
    next: Option<Link>,
}

/// The pages of one initial letter in the A–Z index.
#[derive(Serialize)]
struct Letter {
    letter: String,
    /// Its heading's id: `az-a`.
    id: String,
    entries: Vec<Listed>,
}

/// A plural form of a line the search page's script fills in.
#[derive(Serialize)]
struct Form {
    category: String,
    text: String,
}

/// A taxonomy a search can be narrowed to.
#[derive(Serialize)]
struct Filter {
    key: String,
    title: String,
}

/// What only the search page has.
#[derive(Serialize)]
struct SearchPage {
    /// The theme's `static/search.js`, when it has one.
    script: Option<String>,
    /// The index (relative, ends in `/`).
    bundle: String,
    /// The site's root (relative), which result addresses are under.
    root: String,
    index_html: bool,
    /// "{count} träffar för ”{query}”", per plural category.
    count: Vec<Form>,
    filters: Vec<Filter>,
    /// `form=token` for each form of the language's exact words, separated
    /// by spaces: a query's word the script sends as the token.
    exact: String,
    az: Vec<Letter>,
}

/// The id of every language's search page.
pub const SEARCH_ID: &str = "search";

#[derive(Serialize)]
pub struct Downloads {
    pub print_href: String,
    pub pdf_href: Option<String>,
    pub pdf_size: Option<String>,
    pub epub_href: Option<String>,
    pub epub_size: Option<String>,
}

#[derive(Serialize, Default)]
struct Context {
    lang: String,
    kind: &'static str,
    site_title: String,
    title: String,
    description: String,
    root: String,
    home: String,
    css: String,
    /// The theme's `static/favicon.svg`, when it has one.
    favicon: Option<String>,
    /// The theme's web fonts by file name (`Assets::fonts`), to preload.
    fonts: BTreeMap<String, String>,
    canonical: String,
    locale: String,
    alternates: Vec<Alternate>,
    x_default: String,
    switcher: Vec<SwitchItem>,
    nav: Vec<NavItem>,
    breadcrumbs: Vec<Link>,
    content: String,
    toc: Vec<markdown::Heading>,
    date: Option<String>,
    updated: Option<String>,
    source: Option<String>,
    facts: Vec<FactRow>,
    figures: Vec<FigureView>,
    terms: Vec<TermGroup>,
    related: Vec<Listed>,
    backlinks: Vec<Listed>,
    children: Vec<Entry>,
    chapter: Option<ChapterView>,
    downloads: Option<Downloads>,
    feed: Option<String>,
    /// The language of the content when it is shown under another language.
    content_lang: Option<String>,
    /// The search page of this language, which the header's form goes to.
    search: Option<String>,
    search_page: Option<SearchPage>,
    /// The page's schema.org graph (JSON-LD), safe inside a script element.
    json_ld: Option<String>,
    /// The map of a section's places, or an entity's locator.
    map: Option<maps::MapView>,
    /// The open data page of this language, which the footer links to.
    open_data: Option<String>,
    open_data_page: Option<OpenDataPage>,
}

/// What only the open data page has.
#[derive(Serialize)]
struct OpenDataPage {
    files: Vec<DataFile>,
    /// How many entities the files give, and how many of them have coordinates.
    count: usize,
    located: usize,
    licence: Option<Link>,
    /// The columns of `entities.csv` with what each holds.
    columns: Vec<(String, String)>,
    /// The catalogue for data portals (`datasets/dcat.rdf`).
    catalogue: Option<String>,
}

#[derive(Serialize)]
struct DataFile {
    name: String,
    href: String,
    format: &'static str,
    size: String,
    description: String,
}

/// Extra facts from other stages that pages show (the editions' sizes).
#[derive(Default, Clone, PartialEq)]
pub struct Extras {
    /// PDF path and size in bytes per language.
    pub pdfs: BTreeMap<String, (String, usize)>,
    /// EPUB path and size in bytes per language.
    pub epubs: BTreeMap<String, (String, usize)>,
}

pub fn environment(site: &Site) -> (Environment<'static>, Vec<Diagnostic>) {
    let mut env = Environment::new();
    let mut diagnostics = Vec::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    // HTML-escape strings as minijinja does, but leave `/` alone so URLs stay readable.
    env.set_formatter(|out, state, value| match value.as_str() {
        Some(s) if !value.is_safe() && matches!(state.auto_escape(), minijinja::AutoEscape::Html) => {
            escape::write_html_attr(out, s)
                .map_err(|_| TemplateError::new(ErrorKind::WriteFailure, "cannot write output"))
        }
        _ => minijinja::escape_formatter(out, state, value),
    });
    for (name, source) in &site.theme.templates {
        if let Err(e) = env.add_template_owned(name.clone(), source.clone()) {
            diagnostics.push(template_diagnostic(site, &e));
        }
    }
    let strings = Arc::new(site.strings.clone());
    let t_strings = strings.clone();
    env.add_function(
        "t",
        move |state: &State, key: &str, kwargs: Kwargs| -> Result<String, TemplateError> {
            let lang = current_lang(state)?;
            let count = kwargs.get::<Option<i64>>("count")?;
            let mut args = Vec::new();
            for name in kwargs.args() {
                if name != "count" {
                    let value: Value = kwargs.get(name)?;
                    args.push((name, value.to_string()));
                }
            }
            let args: Vec<(&str, String)> = args.into_iter().collect();
            t_strings
                .translate(&lang, key, count, &args)
                .map_err(|m| TemplateError::new(ErrorKind::InvalidOperation, m))
        },
    );
    let date_strings = strings.clone();
    env.add_filter(
        "date",
        move |state: &State, value: &str| -> Result<String, TemplateError> {
            let lang = current_lang(state)?;
            let date = PartialDate::parse(value).map_err(|m| TemplateError::new(ErrorKind::InvalidOperation, m))?;
            Ok(date_strings.format_date(&lang, &date))
        },
    );
    env.add_filter("css_string", |value: &str| {
        Value::from_safe_string(escape::css_string(value))
    });
    let number_strings = strings;
    env.add_filter(
        "number",
        move |state: &State, value: f64| -> Result<String, TemplateError> {
            let lang = current_lang(state)?;
            Ok(number_strings.format_number(&lang, value))
        },
    );
    (env, diagnostics)
}

fn current_lang(state: &State) -> Result<String, TemplateError> {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().map(str::to_owned))
        .ok_or_else(|| TemplateError::new(ErrorKind::UndefinedError, "`lang` is not set in this template"))
}

fn template_diagnostic(site: &Site, e: &TemplateError) -> Diagnostic {
    let name = e.name().unwrap_or("?");
    let file = PathBuf::from("themes")
        .join(&site.config.site.theme)
        .join("templates")
        .join(name);
    let mut message = e
        .detail()
        .map_or_else(|| e.kind().to_string(), |d| format!("{}: {d}", e.kind()));
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        message.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    let d = Diagnostic::error(file, format!("template error: {}", message.to_lowercase()));
    let template_source = site
        .theme
        .templates
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, s)| s.as_str());
    match (e.line(), template_source) {
        (Some(line), Some(src)) => d.at(src, line, 1),
        _ => d,
    }
}

/// Which pages [`render`] makes.
pub enum Scope {
    /// The whole site.
    All,
    /// The pages of these ids and of these (taxonomy, term) pairs in every
    /// language, and the `listings` named. For `serve`.
    Ids {
        ids: BTreeSet<String>,
        terms: BTreeSet<(String, String)>,
        listings: Listings,
    },
}

/// Which of the files that list every page a [`Scope::Ids`] makes again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Listings {
    /// A page's date: the sitemap (with robots.txt) and the open data's
    /// catalogue (the site's newest date).
    pub dates: bool,
    /// A page's title, description or date, or the body of a page in a
    /// feed's section: the feeds.
    pub feeds: bool,
    /// A page's title or description: the search pages.
    pub search: bool,
}

impl Listings {
    pub const ALL: Listings = Listings {
        dates: true,
        feeds: true,
        search: true,
    };
}

/// Where each file goes as soon as it is made (written, kept, indexed):
/// called from any thread.
pub type Emit<'a> = dyn Fn(OutputFile) + Sync + 'a;

/// Which of a scope's pages a call to [`render`] makes. The pages that show
/// the plan's editions (links with their sizes) wait for the editions;
/// everything else is made while the PDFs are typeset.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Every page that does not show the editions, and the machine-readable files.
    BesideEditions,
    /// The plan's page and its chapters, which show the editions.
    AfterEditions,
}

/// Renders the HTML pages of `scope` and `pass`, and with the first pass the
/// machine-readable files, handing each to `emit` as it is made.
pub fn render(
    site: &Site,
    env: &Environment<'static>,
    assets: &Assets,
    extras: &Extras,
    scope: &Scope,
    pass: Pass,
    emit: &Emit,
) -> Vec<Diagnostic> {
    let (ids, terms, listings) = match scope {
        Scope::All => (None, None, Listings::ALL),
        Scope::Ids { ids, terms, listings } => (Some(ids), Some(terms), *listings),
    };
    let shows_editions = |id: &str| site.edition_pages().any(|page| page == id);
    let mut jobs: Vec<Job> = Vec::new();
    for lang in site.languages() {
        jobs.extend(
            site.ids
                .iter()
                .filter(|(id, _)| ids.is_none_or(|ids| ids.contains(*id)))
                .filter(|(id, _)| shows_editions(id) == (pass == Pass::AfterEditions))
                .filter_map(|(_, versions)| versions.get(lang))
                .map(|ix| Job::Page(*ix)),
        );
    }
    if pass == Pass::AfterEditions {
        return render_jobs(site, env, assets, extras, &jobs, emit);
    }
    for lang in site.languages() {
        for taxonomy in &site.config.site.taxonomies {
            if terms.is_none() {
                jobs.push(Job::Taxonomy {
                    lang: lang.clone(),
                    taxonomy: taxonomy.to_string(),
                    term: None,
                });
            }
            for term in site.terms.get(taxonomy.as_str()).into_iter().flat_map(|t| t.keys()) {
                if terms.is_some_and(|terms| !terms.contains(&(taxonomy.to_string(), term.clone()))) {
                    continue;
                }
                jobs.push(Job::Taxonomy {
                    lang: lang.clone(),
                    taxonomy: taxonomy.to_string(),
                    term: Some(term.clone()),
                });
            }
        }
    }
    // the search pages list every page's title
    if site.config.build.search && listings.search {
        jobs.extend(site.languages().iter().map(|lang| Job::Search(lang.clone())));
    }
    if ids.is_none() {
        jobs.push(Job::Chooser);
        jobs.push(Job::NotFound);
    }
    // the open data files, and a page per language that lists them with their
    // sizes: made again when an entity's page or facts are
    // (the catalogue's `modified` is the newest date of any page)
    let data_changed = listings.dates || ids.is_none_or(|ids| ids.iter().any(|id| site.facts.contains_key(id)));
    let (data, mut diagnostics) = if site.config.build.open_data && data_changed {
        data::files(site)
    } else {
        (Vec::new(), Vec::new())
    };
    if site.config.build.open_data && data_changed && diagnostics.is_empty() {
        let sizes: Vec<usize> = data.iter().map(|file| file.bytes.len()).collect();
        jobs.extend(
            site.languages()
                .iter()
                .map(|lang| Job::OpenData(lang.clone(), sizes.clone())),
        );
    }
    diagnostics.extend(render_jobs(site, env, assets, extras, &jobs, emit));
    if listings.dates {
        crate::render::feeds::sitemap(site, emit);
        emit(crate::render::feeds::robots(site));
    }
    if listings.feeds {
        let (feeds, problems) = crate::render::feeds::atom_feeds(site, &|page| page_content(site, page, None));
        feeds.into_iter().for_each(emit);
        diagnostics.extend(problems);
    }
    if !data.is_empty() {
        emit(dcat::catalogue(site, &Texts::new(&site.strings)));
    }
    data.into_iter().for_each(emit);
    diagnostics
}

/// Renders `jobs` in parallel, each page handed to `emit` as it is made.
fn render_jobs(
    site: &Site,
    env: &Environment<'static>,
    assets: &Assets,
    extras: &Extras,
    jobs: &[Job],
    emit: &Emit,
) -> Vec<Diagnostic> {
    jobs.par_iter()
        .filter_map(|job| render_job(site, env, assets, extras, job).map(emit).err())
        .collect()
}

enum Job {
    Page(usize),
    Taxonomy {
        lang: String,
        taxonomy: String,
        term: Option<String>,
    },
    Search(String),
    /// A language's open data page, with the sizes of the files in bytes.
    OpenData(String, Vec<usize>),
    Chooser,
    NotFound,
}

fn render_job(
    site: &Site,
    env: &Environment<'static>,
    assets: &Assets,
    extras: &Extras,
    job: &Job,
) -> Result<OutputFile, Diagnostic> {
    let texts = Texts::new(&site.strings);
    let (path, template, ctx) = match job {
        Job::Page(ix) => {
            let page = &site.pages[*ix];
            let dir = urls::page_dir(&page.lang, &page.id);
            (
                format!("{dir}index.html"),
                "page.html",
                page_context(site, &texts, page, &dir, assets, extras)?,
            )
        }
        Job::Taxonomy { lang, taxonomy, term } => {
            let id = match term {
                Some(term) => format!("{taxonomy}/{term}"),
                None => taxonomy.clone(),
            };
            let dir = urls::page_dir(lang, &id);
            (
                format!("{dir}index.html"),
                "taxonomy.html",
                taxonomy_context(site, &texts, lang, taxonomy, term.as_deref(), &dir, assets),
            )
        }
        Job::Search(lang) => (
            format!("{}index.html", urls::page_dir(lang, SEARCH_ID)),
            "search.html",
            search_context(site, &texts, lang, assets),
        ),
        Job::OpenData(lang, sizes) => (
            format!("{}index.html", urls::page_dir(lang, data::PAGE_ID)),
            "open-data.html",
            open_data_context(site, &texts, lang, assets, sizes),
        ),
        Job::Chooser => (
            "index.html".to_owned(),
            "chooser.html",
            chooser_context(site, &texts, assets),
        ),
        Job::NotFound => (
            "404.html".to_owned(),
            "404.html",
            not_found_context(site, &texts, assets),
        ),
    };
    let mut ctx = ctx;
    let term_id = match job {
        Job::Taxonomy { taxonomy, term, .. } => match term {
            Some(term) => format!("{taxonomy}/{term}"),
            None => taxonomy.clone(),
        },
        _ => String::new(),
    };
    let subject = match job {
        Job::Page(ix) => Some(structured::Subject::Page(&site.pages[*ix])),
        Job::Taxonomy { .. } => Some(structured::Subject::Generated {
            id: &term_id,
            title: &ctx.title,
        }),
        Job::Search(_) => Some(structured::Subject::Generated {
            id: SEARCH_ID,
            title: &ctx.title,
        }),
        Job::OpenData(..) => Some(structured::Subject::Generated {
            id: data::PAGE_ID,
            title: &ctx.title,
        }),
        Job::Chooser | Job::NotFound => None,
    };
    let json_ld = subject.map(|subject| structured::json_ld(site, &texts, extras, &ctx.lang, &subject));
    ctx.json_ld = json_ld;
    texts.check(site, &path)?;
    let template = env.get_template(template).map_err(|e| template_diagnostic(site, &e))?;
    let html = template
        .render(Value::from(minijinja::value::Serde(&ctx)))
        .map_err(|e| template_diagnostic(site, &e))?;
    Ok(OutputFile::new(path, html))
}

/// A link from `from_dir` (a page in `lang`) to `id` as that reader sees it.
pub fn link(site: &Site, from_dir: &str, lang: &str, id: &str, anchor: Option<&str>) -> Option<Link> {
    let target = site.version(id, lang)?;
    if target.lang != lang && site.config.site.missing_translation == MissingTranslation::Omit {
        return None;
    }
    let name = site.facts.get(id).and_then(|f| f.facts.name.as_ref());
    let title = match (&target.front.link_title, name) {
        (Some(short), _) => short.clone(),
        (None, Some(name)) => name.get(&target.lang, site.source_lang()).to_owned(),
        (None, None) => target.front.title.clone(),
    };
    let LinkTarget { href, hreflang, note } = link_to(site, Some(from_dir), lang, target, anchor);
    Some(Link {
        title,
        href,
        hreflang,
        note,
    })
}

fn listed(site: &Site, from_dir: &str, lang: &str, id: &str) -> Option<Listed> {
    let section = Site::parent(id)
        .filter(|p| !p.is_empty())
        .and_then(|p| link(site, from_dir, lang, p, None));
    Some(Listed {
        link: link(site, from_dir, lang, id, None)?,
        section: section.map(|s| s.title),
    })
}

/// A link in prose: never omitted, since the text around it refers to it.
/// `from_dir` None gives an absolute URL (for feeds, read outside the site).
fn prose_link(site: &Site, from_dir: Option<&str>, lang: &str, id: &str, anchor: Option<&str>) -> Option<LinkTarget> {
    Some(link_to(site, from_dir, lang, site.version(id, lang)?, anchor))
}

/// The address and language note of a link from a page in `lang` to
/// `target`, the version of a page that reader is sent to.
fn link_to(site: &Site, from_dir: Option<&str>, lang: &str, target: &SourcePage, anchor: Option<&str>) -> LinkTarget {
    let other_lang = target.lang != lang;
    let mut href = match from_dir {
        Some(dir) => urls::link_to_page(dir, &target.lang, &target.id, site.config.build.link_index_html),
        None => urls::absolute(&site.config.site.base_url, &urls::page_dir(&target.lang, &target.id)),
    };
    if let Some(anchor) = anchor {
        href.push('#');
        href.push_str(anchor);
    }
    LinkTarget {
        href,
        hreflang: other_lang.then(|| target.lang.clone()),
        note: other_lang.then(|| language_note(&site.strings, lang, &target.lang)),
    }
}

fn language_note(strings: &Strings, reader: &str, target: &str) -> String {
    strings
        .translate(reader, &format!("language.in.{target}"), None, &[])
        .map(|s| format!("({s})"))
        .unwrap_or_else(|_| format!("({target})"))
}

/// Where a file beside the pages, named by `dest` in `page`, is linked
/// from a page in `from_dir` (or absolutely, for `None`).
pub(crate) fn file_link(site: &Site, page: &SourcePage, from_dir: Option<&str>, dest: &str) -> Option<FileTarget> {
    let (file, fragment) = site.file(page, dest)?;
    let mut href = match from_dir {
        Some(dir) => urls::relative(dir, &file.path),
        None => urls::absolute(&site.config.site.base_url, &file.path),
    };
    if let Some(fragment) = fragment {
        href = format!("{href}#{fragment}");
    }
    Some(FileTarget { href, size: file.size })
}

fn page_content(site: &Site, page: &SourcePage, dir: Option<&str>) -> Result<String, Diagnostic> {
    let text = page.read()?;
    let resolve = |id: &str, anchor: Option<&str>| prose_link(site, dir, &page.lang, id, anchor);
    let file = |dest: &str, _image: bool| file_link(site, page, dir, dest);
    let options = EventOptions {
        resolve: &resolve,
        file: &file,
        id_prefix: "",
        reserved_ids: &site.reserved_ids,
        escape_html: !site.config.build.allow_html,
        plain_links: false,
        heading_shift: 0,
        lang: &page.lang,
    };
    Ok(markdown::to_html(markdown::events(&text[page.body_start..], &options)))
}

/// Interface strings looked up while one page's context is built. A key
/// missing in the source language (and so in every language) is recorded
/// and fails the page with a diagnostic, as `t()` in a template does.
pub(crate) struct Texts<'s> {
    strings: &'s Strings,
    missing: std::cell::RefCell<BTreeSet<String>>,
    /// Strings there but not given: the language whose file holds each,
    /// its key, and why.
    unfilled: std::cell::RefCell<BTreeMap<(String, String), String>>,
}

impl<'s> Texts<'s> {
    pub(crate) fn new(strings: &'s Strings) -> Self {
        Texts {
            strings,
            missing: Default::default(),
            unfilled: Default::default(),
        }
    }

    pub(crate) fn t(&self, lang: &str, key: &str) -> String {
        self.t_with(lang, key, None, &[])
    }

    pub(crate) fn t_with(&self, lang: &str, key: &str, count: Option<i64>, args: &[(&str, String)]) -> String {
        self.strings.translate(lang, key, count, args).unwrap_or_else(|why| {
            match self.strings.holder(lang, key) {
                // a placeholder the caller does not give, or a plural without a count
                Some(file_lang) => {
                    self.unfilled
                        .borrow_mut()
                        .insert((file_lang.to_owned(), key.to_owned()), why);
                }
                None => {
                    self.missing.borrow_mut().insert(key.to_owned());
                }
            }
            key.to_owned()
        })
    }

    /// The error for the page at `path`, if a string was missing or could
    /// not be given: a string written wrong is reported at its line.
    pub(crate) fn check(self, site: &Site, path: &str) -> Result<(), Diagnostic> {
        if let Some(((lang, key), why)) = self.unfilled.into_inner().into_iter().next() {
            let line = site.strings.catalogs.get(&lang).and_then(|c| c.lines.get(&key));
            let d = Diagnostic::error(format!("i18n/{lang}.yaml"), format!("{why} (needed for {path})"))
                .with_hint("use only the placeholders the string has in the source language");
            return Err(match line {
                Some(&line) => d.at_line(line),
                None => d,
            });
        }
        let missing = self.missing.into_inner();
        if missing.is_empty() {
            return Ok(());
        }
        let keys: Vec<String> = missing.iter().map(|k| format!("`{k}`")).collect();
        Err(Diagnostic::error(
            format!("i18n/{}.yaml", site.source_lang()),
            format!("interface string {} is missing (needed for {path})", keys.join(", ")),
        )
        .with_hint("add it to the source language's i18n file; `plansite i18n` lists what each language lacks"))
    }
}

fn base_context(site: &Site, texts: &Texts, lang: &str, dir: &str, assets: &Assets, kind: &'static str) -> Context {
    let source = site.source_lang();
    let nav = site
        .children
        .get("")
        .into_iter()
        .flatten()
        .filter(|id| site.children.contains_key(*id))
        .filter_map(|id| {
            link(site, dir, lang, id, None).map(|l| NavItem {
                current: dir.starts_with(&urls::page_dir(lang, id)) && !id.is_empty(),
                link: l,
            })
        })
        .collect();
    Context {
        lang: lang.to_owned(),
        kind,
        site_title: site.config.site.title.get(lang, source).to_owned(),
        description: site
            .config
            .site
            .description
            .as_ref()
            .map(|d| d.get(lang, source).to_owned())
            .unwrap_or_default(),
        root: urls::relative(dir, ""),
        home: urls::link_to_page(dir, lang, "", site.config.build.link_index_html),
        css: urls::relative(dir, &assets.css_path),
        favicon: assets
            .published
            .get("static/favicon.svg")
            .map(|path| urls::relative(dir, path)),
        fonts: assets.fonts(dir),
        canonical: urls::absolute(&site.config.site.base_url, dir),
        locale: texts.t(lang, "locale"),
        x_default: urls::absolute(&site.config.site.base_url, ""),
        nav,
        search: site
            .config
            .build
            .search
            .then(|| urls::link_to_page(dir, lang, SEARCH_ID, site.config.build.link_index_html)),
        open_data: site
            .config
            .build
            .open_data
            .then(|| urls::link_to_page(dir, lang, data::PAGE_ID, site.config.build.link_index_html)),
        ..Context::default()
    }
}

/// hreflang alternates and the language switcher for a page id; `generated`
/// pages (taxonomies) exist in every language.
fn languages_context(site: &Site, texts: &Texts, ctx: &mut Context, lang: &str, dir: &str, id: &str, generated: bool) {
    for other in site.languages() {
        let exists = generated || site.has(id, other);
        let target_dir = if exists {
            urls::page_dir(other, id)
        } else {
            nearest_existing_dir(site, other, id)
        };
        if exists {
            ctx.alternates.push(Alternate {
                lang: other.clone(),
                href: urls::absolute(&site.config.site.base_url, &target_dir),
            });
        }
        ctx.switcher.push(SwitchItem {
            lang: other.clone(),
            name: texts.t(other, &format!("language.name.{other}")),
            href: urls::link_to_dir(dir, &target_dir, site.config.build.link_index_html),
            current: other == lang,
            available: exists,
            note: (!exists).then(|| texts.t(other, "nav.not_translated")),
        });
    }
    if generated || site.has(id, site.source_lang()) {
        ctx.x_default = urls::absolute(&site.config.site.base_url, &urls::page_dir(site.source_lang(), id));
    }
}

/// The closest ancestor section of `id` that exists in `lang` (at worst the home page).
fn nearest_existing_dir(site: &Site, lang: &str, id: &str) -> String {
    let mut current = Site::parent(id);
    while let Some(candidate) = current {
        if site.has(candidate, lang) {
            return urls::page_dir(lang, candidate);
        }
        current = Site::parent(candidate);
    }
    urls::page_dir(lang, "")
}

fn breadcrumbs(site: &Site, lang: &str, dir: &str, id: &str) -> Vec<Link> {
    site.ancestors(id)
        .iter()
        .filter_map(|ancestor| link(site, dir, lang, ancestor, None))
        .collect()
}

fn page_context(
    site: &Site,
    texts: &Texts,
    page: &SourcePage,
    dir: &str,
    assets: &Assets,
    extras: &Extras,
) -> Result<Context, Diagnostic> {
    let lang = &page.lang;
    let kind = if page.id.is_empty() {
        "home"
    } else if site.chapter(&page.id).is_some() {
        "chapter"
    } else if page.is_section {
        "section"
    } else if site.facts.contains_key(&page.id) {
        "entity"
    } else {
        "page"
    };
    let mut ctx = base_context(site, texts, lang, dir, assets, kind);
    languages_context(site, texts, &mut ctx, lang, dir, &page.id, false);
    ctx.title = page.front.title.clone();
    if let Some(d) = &page.front.description {
        ctx.description = d.clone();
    }
    ctx.breadcrumbs = breadcrumbs(site, lang, dir, &page.id);
    ctx.content = page_content(site, page, Some(dir))?;
    ctx.toc = site
        .analysis(page)
        .headings
        .iter()
        .filter(|h| h.level == 2)
        .cloned()
        .collect();
    ctx.date = page.front.date.map(|d| d.to_string());
    ctx.updated = page.front.updated.map(|d| d.to_string());
    ctx.source = page.front.source.clone();

    if let Some(entity) = site.facts.get(&page.id) {
        facts_context(site, texts, &mut ctx, lang, dir, entity);
    }
    ctx.related = site
        .related
        .get(&page.id)
        .into_iter()
        .flatten()
        .filter_map(|id| listed(site, dir, lang, id))
        .collect();
    ctx.backlinks = site
        .backlinks
        .get(&page.id)
        .into_iter()
        .flatten()
        .filter(|id| !site.related.get(&page.id).is_some_and(|r| r.contains(*id)))
        .filter_map(|id| listed(site, dir, lang, id))
        .collect();

    if page.is_section {
        let is_plan = site.plan.as_ref().is_some_and(|p| p.section == page.id);
        let mut children: Vec<(Option<i64>, Option<PartialDate>, Entry)> = site
            .children
            .get(&page.id)
            .into_iter()
            .flatten()
            .filter_map(|id| {
                let target = site.version(id, lang)?;
                let chapter = site.chapter(id);
                let entry = Entry {
                    link: link(site, dir, lang, id, None)?,
                    description: target.front.description.clone(),
                    date: target.front.date.map(|d| d.to_string()),
                    number: chapter.map(|c| c.number.clone()),
                    depth: chapter.map_or(1, |c| c.depth),
                };
                Some((target.front.weight, target.front.date, entry))
            })
            .collect();
        // the plan keeps its chapters' order; other sections list by weight,
        // newest first, then by the title shown, in this language's order
        if !is_plan {
            children.sort_by(|(wa, da, a), (wb, db, b)| {
                (wa.unwrap_or(i64::MAX), std::cmp::Reverse(da))
                    .cmp(&(wb.unwrap_or(i64::MAX), std::cmp::Reverse(db)))
                    .then_with(|| collation::compare(lang, &a.link.title, &b.link.title))
            });
        }
        ctx.children = children.into_iter().map(|(.., entry)| entry).collect();
        if is_plan {
            ctx.kind = "plan";
            ctx.downloads = Some(downloads(site, lang, dir, extras));
        }
        if site.config.site.feeds.iter().any(|f| *f == page.id) {
            ctx.feed = Some(urls::relative(
                dir,
                &format!("{}atom.xml", urls::page_dir(lang, &page.id)),
            ));
        }
    }
    ctx.map = maps::map_view(site, texts, page, dir);
    if let (Some(plan), Some(chapter)) = (&site.plan, site.chapter(&page.id)) {
        let pos = plan.chapters.iter().position(|c| c.id == chapter.id).unwrap_or(0);
        let prev = pos.checked_sub(1).and_then(|p| plan.chapters.get(p));
        let next = plan.chapters.get(pos + 1);
        ctx.chapter = Some(ChapterView {
            number: chapter.number.clone(),
            prev: prev.and_then(|c| link(site, dir, lang, &c.id, None)),
            next: next.and_then(|c| link(site, dir, lang, &c.id, None)),
        });
        ctx.downloads = Some(downloads(site, lang, dir, extras));
    }
    Ok(ctx)
}

fn downloads(site: &Site, lang: &str, dir: &str, extras: &Extras) -> Downloads {
    let plan_section = site.plan.as_ref().map_or("plan", |p| p.section.as_str());
    Downloads {
        print_href: urls::link_to_dir(
            dir,
            &format!("{}print/", urls::page_dir(lang, plan_section)),
            site.config.build.link_index_html,
        ),
        pdf_href: extras.pdfs.get(lang).map(|(path, _)| urls::relative(dir, path)),
        pdf_size: extras.pdfs.get(lang).map(|(_, size)| size_text(site, lang, *size)),
        epub_href: extras.epubs.get(lang).map(|(path, _)| urls::relative(dir, path)),
        epub_size: extras.epubs.get(lang).map(|(_, size)| size_text(site, lang, *size)),
    }
}

fn facts_context(
    site: &Site,
    texts: &Texts,
    ctx: &mut Context,
    lang: &str,
    dir: &str,
    entity: &crate::source::load::EntityFacts,
) {
    let source = site.source_lang();
    let f = &entity.facts;
    let mut rows = Vec::new();
    let strings = &site.strings;
    let mut row = |label_key: &str, value: String, href: Option<String>| {
        rows.push(FactRow {
            label: texts.t(lang, label_key),
            value,
            href,
        })
    };
    if let Some(status) = f.status {
        row("facts.status", texts.t(lang, &format!("status.{}", status.key())), None);
    }
    if let Some(since) = &f.since {
        row("facts.since", strings.format_date_in(lang, since, Some("since")), None);
    }
    if let Some(period) = &f.period {
        let value = match &period.to {
            Some(to) => format!(
                "{} – {}",
                strings.format_date(lang, &period.from),
                strings.format_date(lang, to)
            ),
            None => {
                let from = strings.format_date_in(lang, &period.from, Some("from"));
                texts.t_with(lang, "facts.from_date", None, &[("date", from)])
            }
        };
        row("facts.period", value, None);
    }
    if let Some(programme) = &f.programme {
        row("facts.programme", programme.get(lang, source).to_owned(), None);
    }
    if let Some(lead) = &f.lead {
        row("facts.lead", lead.get(lang, source).to_owned(), None);
    }
    if let Some(c) = &f.coordinates {
        row("facts.coordinates", coordinates_text(texts, strings, lang, c), None);
    }
    if let Some(website) = &f.website {
        row(
            "facts.website",
            website.as_str().to_owned(),
            Some(website.as_str().to_owned()),
        );
    }
    ctx.facts = rows;
    ctx.figures = f
        .figures
        .iter()
        .map(|fig| FigureView {
            label: fig.label.get(lang, source).to_owned(),
            value: strings.format_number(lang, fig.value),
            source: fig.source.get(lang, source).to_owned(),
            year: fig.year,
        })
        .collect();
    for taxonomy in &site.config.site.taxonomies {
        let known = site.terms.get(taxonomy.as_str());
        let terms: Vec<Link> = f
            .terms(taxonomy)
            .iter()
            // an unknown term is reported where it is written, not again here
            .filter(|term| known.is_some_and(|k| k.contains_key(term.value.as_str())))
            .map(|term| Link {
                title: texts.t(lang, &format!("taxonomy.{taxonomy}.terms.{}", term.value)),
                href: urls::link_to_page(
                    dir,
                    lang,
                    &format!("{taxonomy}/{}", term.value),
                    site.config.build.link_index_html,
                ),
                hreflang: None,
                note: None,
            })
            .collect();
        if !terms.is_empty() {
            ctx.terms.push(TermGroup {
                title: texts.t(lang, &format!("taxonomy.{taxonomy}.title")),
                terms,
            });
        }
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn taxonomy_context(
    site: &Site,
    texts: &Texts,
    lang: &str,
    taxonomy: &str,
    term: Option<&str>,
    dir: &str,
    assets: &Assets,
) -> Context {
    let mut ctx = base_context(
        site,
        texts,
        lang,
        dir,
        assets,
        if term.is_some() { "term" } else { "taxonomy" },
    );
    let id = term.map_or_else(|| taxonomy.to_owned(), |term| format!("{taxonomy}/{term}"));
    languages_context(site, texts, &mut ctx, lang, dir, &id, true);
    let taxonomy_title = texts.t(lang, &format!("taxonomy.{taxonomy}.title"));
    let index_html = site.config.build.link_index_html;
    let terms = site.terms.get(taxonomy);
    match term {
        None => {
            ctx.title = taxonomy_title;
            ctx.children = terms
                .into_iter()
                .flatten()
                .map(|(term, ids)| Entry {
                    link: Link {
                        title: texts.t(lang, &format!("taxonomy.{taxonomy}.terms.{term}")),
                        href: urls::link_to_page(dir, lang, &format!("{taxonomy}/{term}"), index_html),
                        hreflang: None,
                        note: None,
                    },
                    description: Some(texts.t_with(lang, "taxonomy.count", Some(ids.len() as i64), &[])),
                    date: None,
                    number: None,
                    depth: 1,
                })
                .collect();
            ctx.children
                .sort_by(|a, b| collation::compare(lang, &a.link.title, &b.link.title));
        }
        Some(term) => {
            ctx.title = texts.t(lang, &format!("taxonomy.{taxonomy}.terms.{term}"));
            ctx.breadcrumbs.push(Link {
                title: taxonomy_title,
                href: urls::link_to_page(dir, lang, taxonomy, index_html),
                hreflang: None,
                note: None,
            });
            ctx.children = terms
                .and_then(|t| t.get(term))
                .into_iter()
                .flatten()
                .filter_map(|id| {
                    Some(Entry {
                        link: link(site, dir, lang, id, None)?,
                        description: site.version(id, lang)?.front.description.clone(),
                        date: None,
                        number: None,
                        depth: 1,
                    })
                })
                .collect();
            ctx.children
                .sort_by(|a, b| collation::compare(lang, &a.link.title, &b.link.title));
        }
    }
    ctx.breadcrumbs.insert(
        0,
        Link {
            title: texts.t(lang, "nav.home"),
            href: ctx.home.clone(),
            hreflang: None,
            note: None,
        },
    );
    ctx
}

/// A page the site makes under the home page, in every language (the
/// search page, the open data page): its directory and its context with
/// title and breadcrumb.
fn generated_context(
    site: &Site,
    texts: &Texts,
    lang: &str,
    assets: &Assets,
    id: &str,
    kind: &'static str,
    title_key: &str,
) -> (String, Context) {
    let dir = urls::page_dir(lang, id);
    let mut ctx = base_context(site, texts, lang, &dir, assets, kind);
    languages_context(site, texts, &mut ctx, lang, &dir, id, true);
    ctx.title = texts.t(lang, title_key);
    ctx.breadcrumbs.push(Link {
        title: texts.t(lang, "nav.home"),
        href: ctx.home.clone(),
        hreflang: None,
        note: None,
    });
    (dir, ctx)
}

/// The search page: the form's results when a script runs, and always an
/// A–Z index of every page in the language.
fn search_context(site: &Site, texts: &Texts, lang: &str, assets: &Assets) -> Context {
    let (dir, mut ctx) = generated_context(site, texts, lang, assets, SEARCH_ID, "search", "search.title");
    let rules = site.search.get(lang).cloned().unwrap_or_default();
    let collation = crate::search::terms::Collation::new(&rules);
    // every page a reader of `lang` can reach (another language's where this
    // one has none and the site falls back), filed under the title it shows
    let fallback = site.config.site.missing_translation == MissingTranslation::Fallback;
    let mut pages: Vec<_> = site
        .ids
        .iter()
        .filter(|(id, versions)| !id.is_empty() && (versions.contains_key(lang) || fallback))
        .filter_map(|(id, _)| {
            let entry = listed(site, &dir, lang, id)?;
            Some((
                collation.key(&entry.link.title),
                collation.initial(&entry.link.title),
                entry,
            ))
        })
        .collect();
    pages.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.2.section.cmp(&b.2.section)));
    let mut az: Vec<Letter> = Vec::new();
    for (_, letter, entry) in pages {
        match az.last_mut() {
            Some(last) if last.letter == letter => last.entries.push(entry),
            _ => az.push(Letter {
                id: format!(
                    "az-{}",
                    if letter == "#" {
                        "0".to_owned()
                    } else {
                        letter.to_lowercase()
                    }
                ),
                letter,
                entries: vec![entry],
            }),
        }
    }
    let count = match site.strings.forms(lang, "search.count") {
        Ok(forms) => forms
            .into_iter()
            .map(|(category, text)| Form { category, text })
            .collect(),
        Err(_) => {
            // recorded as missing, which fails the page
            texts.t(lang, "search.count");
            Vec::new()
        }
    };
    ctx.search_page = Some(SearchPage {
        script: assets
            .published
            .get("static/search.js")
            .map(|path| urls::relative(&dir, path)),
        bundle: urls::relative(&dir, &format!("{}/", crate::search::BUNDLE_DIR)),
        root: urls::relative(&dir, ""),
        index_html: site.config.build.link_index_html,
        count,
        filters: site
            .config
            .site
            .taxonomies
            .iter()
            .map(|taxonomy| Filter {
                key: taxonomy.to_string(),
                title: texts.t(lang, &format!("taxonomy.{taxonomy}.title")),
            })
            .collect(),
        exact: rules
            .exact_forms()
            .map(|(form, lemma)| format!("{form}={}", crate::search::terms::exact_token(lemma)))
            .collect::<Vec<_>>()
            .join(" "),
        az,
    });
    ctx
}

/// The open data page: the files with their formats and sizes, their
/// licence, and what the columns of the CSV hold.
fn open_data_context(site: &Site, texts: &Texts, lang: &str, assets: &Assets, sizes: &[usize]) -> Context {
    let (dir, mut ctx) = generated_context(site, texts, lang, assets, data::PAGE_ID, "open-data", "open_data.title");
    let files = data::FILES
        .iter()
        .zip(sizes)
        .map(|((name, format, description), size)| DataFile {
            name: (*name).to_owned(),
            href: urls::relative(&dir, &format!("{}/{name}", data::DATA_DIR)),
            format,
            size: size_text(site, lang, *size),
            description: texts.t(lang, description),
        })
        .collect();
    let per_language = |prefix: &str| {
        site.languages()
            .iter()
            .map(|l| format!("{prefix}_{l}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let columns = [
        ("id", "id"),
        ("kind", "kind"),
        ("name", "name_*"),
        ("country", "country"),
        ("status", "status"),
        ("since", "since"),
        ("period", "period_from, period_to"),
        ("coordinates", "lat, lon"),
        ("website", "website"),
        ("focus", "focus"),
        ("figures", "figures"),
        ("programme", "programme_*"),
        ("lead", "lead_*"),
        ("related", "related"),
        ("url", "url_*"),
    ]
    .map(|(key, columns)| {
        let columns = match columns.strip_suffix("_*") {
            Some(prefix) => per_language(prefix),
            None => columns.to_owned(),
        };
        (columns, texts.t(lang, &format!("open_data.column.{key}")))
    })
    .to_vec();
    let entities: Vec<_> = data::entities(site).collect();
    ctx.open_data_page = Some(OpenDataPage {
        files,
        count: entities.len(),
        located: entities
            .iter()
            .filter(|(_, facts)| facts.facts.coordinates.is_some())
            .count(),
        licence: site.config.open_data.licence.as_ref().map(|licence| Link {
            title: licence.name.clone(),
            href: licence.url.as_str().to_owned(),
            hreflang: None,
            note: None,
        }),
        columns,
        catalogue: Some(urls::relative(&dir, dcat::PATH)),
    });
    ctx
}

/// A place's coordinates as pages show them, the hemispheres' letters and
/// the order from the language's `facts.position` strings: "65,0121° N,
/// 25,4651° Ö" in Swedish, "65,0121° P, 25,4651° I" in Finnish.
fn coordinates_text(texts: &Texts, strings: &Strings, lang: &str, c: &crate::source::facts::Coordinates) -> String {
    let key = format!(
        "facts.position.{}{}",
        if c.lat < 0.0 { "s" } else { "n" },
        if c.lon < 0.0 { "w" } else { "e" }
    );
    texts.t_with(
        lang,
        &key,
        None,
        &[
            ("lat", strings.format_number(lang, round4(c.lat.abs()))),
            ("lon", strings.format_number(lang, round4(c.lon.abs()))),
        ],
    )
}

/// A file's size as the site writes sizes: "412 kB".
fn size_text(site: &Site, lang: &str, bytes: usize) -> String {
    let kb = (bytes as f64 / 1000.0).round().max(1.0);
    format!("{} kB", site.strings.format_number(lang, kb))
}

fn chooser_context(site: &Site, texts: &Texts, assets: &Assets) -> Context {
    let source = site.source_lang();
    let mut ctx = base_context(site, texts, source, "", assets, "chooser");
    ctx.nav.clear();
    ctx.search = None;
    ctx.title = ctx.site_title.clone();
    ctx.canonical = urls::absolute(&site.config.site.base_url, "");
    for lang in site.languages() {
        ctx.alternates.push(Alternate {
            lang: lang.clone(),
            href: urls::absolute(&site.config.site.base_url, &urls::page_dir(lang, "")),
        });
        ctx.switcher.push(SwitchItem {
            lang: lang.clone(),
            name: texts.t(lang, &format!("language.name.{lang}")),
            href: urls::link_to_page("", lang, "", site.config.build.link_index_html),
            current: false,
            available: true,
            note: None,
        });
        ctx.children.push(Entry {
            link: Link {
                title: site.config.site.title.get(lang, source).to_owned(),
                href: String::new(),
                hreflang: Some(lang.clone()),
                note: None,
            },
            description: site
                .config
                .site
                .description
                .as_ref()
                .map(|d| d.get(lang, source).to_owned()),
            date: None,
            number: None,
            depth: 1,
        });
    }
    ctx
}

fn not_found_context(site: &Site, texts: &Texts, assets: &Assets) -> Context {
    // 404.html is served for any missing path, so its links are absolute.
    let source = site.source_lang();
    let base = &site.config.site.base_url;
    let mut ctx = base_context(site, texts, source, "", assets, "404");
    ctx.nav.clear();
    ctx.search = None;
    ctx.favicon = None;
    ctx.fonts.clear();
    ctx.home = urls::absolute(base, "");
    ctx.canonical = String::new();
    ctx.title = texts.t(source, "not_found.title");
    for lang in site.languages() {
        ctx.children.push(Entry {
            link: Link {
                title: texts.t(lang, "not_found.title"),
                href: urls::absolute(base, &urls::page_dir(lang, "")),
                hreflang: Some(lang.clone()),
                note: Some(texts.t(lang, "not_found.home")),
            },
            description: Some(texts.t(lang, "not_found.text")),
            date: None,
            number: None,
            depth: 1,
        });
    }
    ctx
}

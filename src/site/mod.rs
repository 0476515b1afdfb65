//! Resolving: [`Sources`] in, a cross-linked [`Site`] out.
//!
//! Indexes pages by id and language, checks every `@/` link and anchor,
//! makes `related:` two-way, collects backlinks, builds the sections, the
//! taxonomy terms and the plan's chapter structure. Pure: no filesystem, no
//! clock, only ordered maps, so the same sources give the same site.

pub mod markdown;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde_saphyr::Spanned;

use crate::diagnostics::{self, Diagnostic};
use crate::source::config::{ChapterEntry, Config};
use crate::source::files::{self, Kind};
use crate::source::i18n::Strings;
use crate::source::load::{ContentFile, EntityFacts, SourcePage, Sources, Theme};
use crate::source::search_rules::Rules;
use markdown::Analysis;

type Ids = BTreeMap<String, BTreeMap<String, usize>>;
type Children = BTreeMap<String, Vec<String>>;
type Terms = BTreeMap<String, BTreeMap<String, Vec<String>>>;

pub struct Site {
    pub config: Config,
    pub strings: Strings,
    /// How each language's words are searched.
    pub search: BTreeMap<String, Rules>,
    pub theme: Theme,
    pub pages: Vec<SourcePage>,
    /// Shared with the site a rebuild reuses them from (`serve`).
    pub analyses: Vec<Arc<Analysis>>,
    /// Page index by id, then language.
    pub ids: BTreeMap<String, BTreeMap<String, usize>>,
    /// Each id's pages in `pages`, which are in (id, language) order: the
    /// lookup of every link, made without walking `ids` or comparing ids.
    versions: FxHashMap<String, Range<usize>>,
    pub facts: BTreeMap<String, EntityFacts>,
    /// Ids that link to an id (in any of their languages).
    pub backlinks: BTreeMap<String, BTreeSet<String>>,
    /// Related ids, both ways.
    pub related: BTreeMap<String, BTreeSet<String>>,
    /// Child ids of each section id ("" is the home page).
    pub children: BTreeMap<String, Vec<String>>,
    /// Entity ids by taxonomy, then term.
    pub terms: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    pub plan: Option<Plan>,
    /// Ids the theme gives its own elements; headings never take them.
    pub reserved_ids: BTreeSet<String>,
    /// Every file beside the pages, by its path under `content/`.
    pub files: BTreeMap<String, ContentFile>,
    /// The files pages link or show, by their path under `content/`.
    pub published: BTreeMap<String, PublishedFile>,
}

/// A file beside the pages as it is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedFile {
    /// Output path: `assets/files/karta.1a2b3c4d5e.png`.
    pub path: String,
    /// An image's width and height in pixels.
    pub size: Option<(u32, u32)>,
}

/// The plan's chapters in document order.
#[derive(Clone, PartialEq)]
pub struct Plan {
    pub section: String,
    pub chapters: Vec<Chapter>,
}

#[derive(Clone, PartialEq)]
pub struct Chapter {
    pub id: String,
    pub number: String,
    /// 1 for chapters and parts, 2 for chapters inside a part.
    pub depth: u8,
    pub part: Option<String>,
}

impl Site {
    pub fn languages(&self) -> &[String] {
        &self.config.site.languages
    }

    pub fn source_lang(&self) -> &str {
        self.config.source_language()
    }

    /// The version of `id` shown to a reader of `lang`: its own, or the
    /// fallback (source language first, then the configured order).
    pub fn version(&self, id: &str, lang: &str) -> Option<&SourcePage> {
        let versions = self.versions(id);
        let find = |lang: &str| versions.iter().find(|page| page.lang == lang);
        find(lang)
            .or_else(|| find(self.source_lang()))
            .or_else(|| self.languages().iter().find_map(|l| find(l)))
    }

    pub fn has(&self, id: &str, lang: &str) -> bool {
        self.versions(id).iter().any(|page| page.lang == lang)
    }

    /// The pages of `id`, one per language.
    fn versions(&self, id: &str) -> &[SourcePage] {
        match self.versions.get(id) {
            Some(range) => &self.pages[range.clone()],
            None => &[],
        }
    }

    pub fn analysis(&self, page: &SourcePage) -> &Analysis {
        &self.analyses[self.ids[&page.id][&page.lang]]
    }

    /// The pages above `id`, from the home page down: its sections and, for
    /// a chapter in a part, the part — what its breadcrumbs show.
    pub fn ancestors(&self, id: &str) -> Vec<String> {
        let mut chain = Vec::new();
        if let Some(part) = self.chapter(id).and_then(|c| c.part.as_deref()) {
            chain.push(part.to_owned());
        }
        let mut current = Site::parent(id);
        while let Some(ancestor) = current {
            chain.push(ancestor.to_owned());
            current = Site::parent(ancestor);
        }
        chain.reverse();
        chain
    }

    /// What `page` calls its subject: the entity's short name in the page's
    /// language, else the page's title.
    pub fn name_of(&self, page: &SourcePage) -> String {
        match self.facts.get(&page.id).and_then(|f| f.facts.name.as_ref()) {
            Some(name) => name.get(&page.lang, self.source_lang()).to_owned(),
            None => page.front.title.clone(),
        }
    }

    /// The section a page id belongs to.
    pub fn parent(id: &str) -> Option<&str> {
        if id.is_empty() {
            None
        } else {
            Some(id.rsplit_once('/').map_or("", |(parent, _)| parent))
        }
    }

    /// The ids of the pages that show the plan's editions: its section and
    /// its chapters.
    pub fn edition_pages(&self) -> impl Iterator<Item = &str> {
        self.plan
            .iter()
            .flat_map(|plan| std::iter::once(plan.section.as_str()).chain(plan.chapters.iter().map(|c| c.id.as_str())))
    }

    pub fn chapter(&self, id: &str) -> Option<&Chapter> {
        self.plan.as_ref()?.chapters.iter().find(|c| c.id == id)
    }

    /// The published file that `dest`, a relative path written in `page`,
    /// names, and the `#fragment` it carried.
    pub fn file<'d>(&self, page: &SourcePage, dest: &'d str) -> Option<(&PublishedFile, Option<&'d str>)> {
        let (path, fragment) = files::resolve(&page.file, dest).ok()?;
        Some((self.published.get(&path)?, fragment))
    }
}

pub fn resolve(sources: Sources) -> (Site, Vec<Diagnostic>) {
    resolve_reusing(sources, None)
}

/// What a site is resolved from: the [`Sources`] but what only the
/// commands read (the root, the glossary).
pub struct Inputs {
    pub config: Config,
    pub pages: Vec<SourcePage>,
    pub facts: BTreeMap<String, EntityFacts>,
    pub files: BTreeMap<String, ContentFile>,
    pub strings: Strings,
    pub search: BTreeMap<String, Rules>,
    pub theme: Theme,
}

impl From<Sources> for Inputs {
    fn from(sources: Sources) -> Self {
        Inputs {
            config: sources.config,
            pages: sources.pages,
            facts: sources.facts,
            files: sources.files,
            strings: sources.strings,
            search: sources.search,
            theme: sources.theme,
        }
    }
}

impl Site {
    /// The site taken apart into what it was resolved from and its pages'
    /// analyses (in the order of the pages), to be edited and resolved
    /// again with [`resolve_digested`] without copying a page (`serve`).
    pub fn into_inputs(self) -> (Inputs, Vec<Arc<Analysis>>) {
        let inputs = Inputs {
            config: self.config,
            pages: self.pages,
            facts: self.facts,
            files: self.files,
            strings: self.strings,
            search: self.search,
            theme: self.theme,
        };
        (inputs, self.analyses)
    }
}

/// [`resolve`], taking the analysis of a page whose body is unchanged from
/// `previous` instead of parsing it again.
pub fn resolve_reusing(sources: Sources, previous: Option<&Site>) -> (Site, Vec<Diagnostic>) {
    resolve_with(sources.into(), Analyses::Make(previous))
}

/// Each page's [`Analysis`] as the loader digests it ([`load_digesting`]).
///
/// [`load_digesting`]: crate::source::load::load_digesting
pub fn digest() -> impl Fn(&Theme, &SourcePage) -> Arc<Analysis> + Sync {
    let reserved_ids = std::sync::OnceLock::new();
    move |theme, page| {
        Arc::new(markdown::analyze(
            page.body(),
            reserved_ids.get_or_init(|| theme.reserved_ids()),
        ))
    }
}

/// [`resolve`], with each page's analysis made already (in the order of
/// the pages): by [`digest`] as it was loaded, or kept from the site the
/// inputs were taken from ([`Site::into_inputs`]).
pub fn resolve_digested(inputs: impl Into<Inputs>, analyses: Vec<Arc<Analysis>>) -> (Site, Vec<Diagnostic>) {
    resolve_with(inputs.into(), Analyses::Made(analyses))
}

/// Where the analyses of the pages come from.
enum Analyses<'a> {
    /// Made here, reusing those of an earlier site's unchanged bodies.
    Make(Option<&'a Site>),
    /// Made as the pages were loaded, in their order.
    Made(Vec<Arc<Analysis>>),
}

fn resolve_with(inputs: Inputs, analyses: Analyses) -> (Site, Vec<Diagnostic>) {
    let Inputs {
        config,
        pages,
        facts,
        files,
        strings,
        search,
        theme,
    } = inputs;
    let mut diagnostics = Vec::new();
    let reserved_ids = theme.reserved_ids();
    let ids = index(&pages);
    let analyses = match analyses {
        Analyses::Make(previous) => analyze(&pages, previous, &reserved_ids),
        Analyses::Made(analyses) => analyses,
    };
    check_homes(&config, &pages, &ids, &mut diagnostics);
    check_language_names(&config, &strings, &mut diagnostics);
    let mut children = sections(&config, &pages, &ids, &mut diagnostics);
    check_facts(&config, &facts, &ids, &mut diagnostics);
    let backlinks = links(&config, &pages, &analyses, &ids, &mut diagnostics);
    let published = publish_files(&pages, &analyses, &files, &mut diagnostics);
    let related = related(&facts, &ids, &mut diagnostics);
    let mut terms = taxonomies(&config, &facts, &ids, &strings, &mut diagnostics);
    let plan = plan(&config, &pages, &ids, &children, &mut diagnostics);
    check_map_sections(&config, &pages, &mut diagnostics);
    order(&config, &pages, &ids, plan.as_ref(), &mut children, &mut terms);
    debug_assert!(
        pages
            .windows(2)
            .all(|w| (&w[0].id, &w[0].lang) <= (&w[1].id, &w[1].lang)),
        "pages come in (id, language) order"
    );
    let mut versions = FxHashMap::with_capacity_and_hasher(ids.len(), Default::default());
    for (ix, page) in pages.iter().enumerate() {
        versions.entry(page.id.clone()).or_insert(ix..ix).end = ix + 1;
    }
    let site = Site {
        versions,
        reserved_ids,
        config,
        strings,
        search,
        theme,
        pages,
        analyses,
        ids,
        facts,
        backlinks,
        related,
        children,
        terms,
        plan,
        files,
        published,
    };
    (site, diagnostics)
}

/// Page index by id, then language: each page's place in `pages`.
fn index(pages: &[SourcePage]) -> Ids {
    let mut ids: Ids = BTreeMap::new();
    for (ix, page) in pages.iter().enumerate() {
        ids.entry(page.id.clone()).or_default().insert(page.lang.clone(), ix);
    }
    ids
}

/// Each page's analysis, taken from `previous` where its body is unchanged.
fn analyze(pages: &[SourcePage], previous: Option<&Site>, reserved_ids: &BTreeSet<String>) -> Vec<Arc<Analysis>> {
    use rayon::prelude::*;
    pages
        .par_iter()
        .map(|p| {
            let old = previous
                .filter(|s| s.reserved_ids == *reserved_ids)
                .and_then(|s| Some((s, s.ids.get(&p.id)?.get(&p.lang)?)));
            match old {
                Some((s, ix)) if s.pages[*ix].body() == p.body() => Arc::clone(&s.analyses[*ix]),
                _ => Arc::new(markdown::analyze(p.body(), reserved_ids)),
            }
        })
        .collect()
}

fn check_homes(config: &Config, pages: &[SourcePage], ids: &Ids, diagnostics: &mut Vec<Diagnostic>) {
    // every language has its home page, which every other page links to
    if pages.is_empty() {
        diagnostics.push(
            Diagnostic::error("content", "content/ holds no pages").with_hint(format!(
                "create content/_index.{}.md, the home page",
                config.source_language()
            )),
        );
    } else {
        for lang in &config.site.languages {
            if !ids.get("").is_some_and(|versions| versions.contains_key(lang)) {
                diagnostics.push(
                    Diagnostic::error("content", format!("language `{lang}` has no home page")).with_hint(format!(
                        "create content/_index.{lang}.md, or remove `{lang}` from `languages` in book.toml"
                    )),
                );
            }
        }
    }
}

fn check_language_names(config: &Config, strings: &Strings, diagnostics: &mut Vec<Diagnostic>) {
    // the names links use for a language (the switcher, "(på svenska)")
    for lang in &config.site.languages {
        for key in [format!("language.name.{lang}"), format!("language.in.{lang}")] {
            if !strings.has(config.source_language(), &key) {
                diagnostics.push(
                    Diagnostic::error(
                        format!("i18n/{}.yaml", config.source_language()),
                        format!("interface string `{key}` is missing"),
                    )
                    .with_hint(format!(
                        "every configured language needs `language.name.{lang}` and `language.in.{lang}`"
                    )),
                );
            }
        }
    }
}

/// Each section's children; every page's parent must be a section with an
/// `_index` page.
fn sections(config: &Config, pages: &[SourcePage], ids: &Ids, diagnostics: &mut Vec<Diagnostic>) -> Children {
    // sections: every page's parent must be a section with an _index page
    let mut children: Children = BTreeMap::new();
    for (id, versions) in ids {
        let Some(parent) = Site::parent(id) else {
            continue;
        };
        if ids.contains_key(parent) {
            children.entry(parent.to_owned()).or_default().push(id.clone());
        } else {
            let page = &pages[*versions.values().next().unwrap_or(&0)];
            let dir = if parent.is_empty() {
                "content/".to_owned()
            } else {
                format!("content/{parent}/")
            };
            diagnostics.push(
                Diagnostic::error(
                    &page.file,
                    format!("page `{id}` is in section `{parent}`, which has no index page"),
                )
                .with_hint(format!("create {dir}_index.{}.md", config.source_language())),
            );
        }
    }
    for versions in ids.values() {
        for ix in versions.values() {
            let page = &pages[*ix];
            if !page.is_section && page.id.is_empty() {
                diagnostics.push(Diagnostic::error(&page.file, "a page cannot have an empty id"));
            }
        }
    }
    children
}

fn check_facts(config: &Config, facts: &BTreeMap<String, EntityFacts>, ids: &Ids, diagnostics: &mut Vec<Diagnostic>) {
    // facts belong to a page
    for (id, entity) in facts {
        if !ids.contains_key(id) {
            diagnostics.push(
                Diagnostic::error(&entity.file, format!("facts for `{id}`, but there is no page `{id}`"))
                    .with_hint(format!("create content/{id}.{}.md", config.source_language())),
            );
        }
    }
}

/// Checks every page's links and anchors, and the problems its analysis
/// found; the backlinks.
fn links(
    config: &Config,
    pages: &[SourcePage],
    analyses: &[Arc<Analysis>],
    ids: &Ids,
    diagnostics: &mut Vec<Diagnostic>,
) -> BTreeMap<String, BTreeSet<String>> {
    // links and anchors
    let mut backlinks: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (page, analysis) in pages.iter().zip(analyses) {
        let place = page.placer();
        for problem in &analysis.problems {
            diagnostics.push(
                place
                    .at(
                        Diagnostic::error(&page.file, problem.message.clone()),
                        page.body_start + problem.offset,
                    )
                    .with_hint(problem.hint.clone()),
            );
        }
        for (fragment, offset) in &analysis.fragments {
            if !analysis.headings.iter().any(|h| &h.id == fragment) {
                let hint = diagnostics::did_you_mean(fragment, analysis.headings.iter().map(|h| h.id.as_str()))
                    .unwrap_or_else(|| format!("give the heading an explicit id: `## Title {{#{fragment}}}`"));
                diagnostics.push(
                    place
                        .at(
                            Diagnostic::error(&page.file, format!("no heading `#{fragment}` on this page")),
                            page.body_start + offset,
                        )
                        .with_hint(hint),
                );
            }
        }
        if !config.build.allow_html {
            for offset in &analysis.raw_html {
                diagnostics.push(
                    place
                        .at(
                            Diagnostic::warning(&page.file, "raw HTML is not allowed and is shown as text"),
                            page.body_start + offset,
                        )
                        .with_hint("use Markdown, or set `allow_html = true` under [build] in book.toml"),
                );
            }
        }
        for link in &analysis.links {
            let at = page.body_start + link.offset;
            let Some(versions) = ids.get(&link.id) else {
                let hint = diagnostics::did_you_mean(&link.id, ids.keys().map(String::as_str)).unwrap_or_else(|| {
                    "link to an existing page id: its path under content/ without language and extension".to_owned()
                });
                diagnostics.push(
                    place
                        .at(
                            Diagnostic::error(
                                &page.file,
                                format!("link to `@/{}`, but there is no page `{}`", link.id, link.id),
                            ),
                            at,
                        )
                        .with_hint(hint),
                );
                continue;
            };
            if link.id != page.id {
                backlinks.entry(link.id.clone()).or_default().insert(page.id.clone());
            }
            if let Some(anchor) = &link.anchor {
                let target_ix = versions
                    .get(&page.lang)
                    .or_else(|| versions.get(config.source_language()))
                    .or_else(|| versions.values().next());
                let target = &analyses[*target_ix.unwrap_or(&0)];
                if !target.headings.iter().any(|h| &h.id == anchor) {
                    let target_lang = &pages[*target_ix.unwrap_or(&0)].lang;
                    let hint = diagnostics::did_you_mean(anchor, target.headings.iter().map(|h| h.id.as_str()))
                        .unwrap_or_else(|| {
                            format!("give the heading an explicit id in every language: `## Title {{#{anchor}}}`")
                        });
                    diagnostics.push(
                        place
                            .at(
                                Diagnostic::error(
                                    &page.file,
                                    format!("no heading `#{anchor}` in `{}` ({target_lang})", link.id),
                                ),
                                at,
                            )
                            .with_hint(hint),
                    );
                }
            }
        }
    }
    backlinks
}

/// Related ids from the facts, both ways.
fn related(
    facts: &BTreeMap<String, EntityFacts>,
    ids: &Ids,
    diagnostics: &mut Vec<Diagnostic>,
) -> BTreeMap<String, BTreeSet<String>> {
    // related, both ways
    let mut related: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, entity) in facts {
        for other in &entity.facts.related {
            if ids.contains_key(other.value.as_str()) && other.value != *id {
                related.entry(id.clone()).or_default().insert(other.value.to_string());
                related.entry(other.value.to_string()).or_default().insert(id.clone());
            } else {
                let message = if other.value == *id {
                    format!("`{id}` is related to itself")
                } else {
                    format!("related id `{}` is not a page", other.value)
                };
                let hint = diagnostics::did_you_mean(&other.value, ids.keys().map(String::as_str).filter(|k| k != id));
                diagnostics.push(spanned_error(entity, other, message).with_hint_opt(hint));
            }
        }
    }
    related
}

/// Entity ids by taxonomy, then term; each term must be named in the
/// interface strings.
fn taxonomies(
    config: &Config,
    facts: &BTreeMap<String, EntityFacts>,
    ids: &Ids,
    strings: &Strings,
    diagnostics: &mut Vec<Diagnostic>,
) -> Terms {
    // taxonomies
    let mut terms: Terms = BTreeMap::new();
    for taxonomy in &config.site.taxonomies {
        let by_term = terms.entry(taxonomy.to_string()).or_default();
        if ids.contains_key(taxonomy.as_str()) {
            diagnostics.push(
                Diagnostic::error(
                    format!("content/{taxonomy}"),
                    format!("section `{taxonomy}` has the name of a taxonomy"),
                )
                .with_hint("rename the section; taxonomy pages live at /<lang>/<taxonomy>/"),
            );
        }
        for (id, entity) in facts {
            for term in entity.facts.terms(taxonomy) {
                let key = format!("taxonomy.{taxonomy}.terms.{}", term.value);
                if !strings.has(config.source_language(), &key) {
                    let known: Vec<String> = strings
                        .catalogs
                        .get(config.source_language())
                        .map(|c| {
                            c.messages
                                .keys()
                                .filter_map(|k| {
                                    k.strip_prefix(&format!("taxonomy.{taxonomy}.terms."))
                                        .map(str::to_owned)
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    let hint =
                        diagnostics::did_you_mean(&term.value, known.iter().map(String::as_str)).unwrap_or_else(|| {
                            let file = format!("i18n/{}.yaml", config.source_language());
                            if known.is_empty() {
                                format!("add `{key}` to {file}, which names no {taxonomy} yet")
                            } else {
                                format!("add `{key}` to {file}, or use one of: {}", known.join(", "))
                            }
                        });
                    diagnostics.push(
                        spanned_error(entity, term, format!("unknown {taxonomy} `{}`", term.value)).with_hint(hint),
                    );
                    continue;
                }
                let list = by_term.entry(term.value.to_string()).or_default();
                if !list.contains(id) {
                    list.push(id.clone());
                }
            }
        }
    }
    terms
}

/// The plan's numbered chapters, each with its page, and every page of its
/// section among them.
fn plan(
    config: &Config,
    pages: &[SourcePage],
    ids: &Ids,
    children: &Children,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Plan> {
    config.plan.as_ref().map(|plan_config| {
        let section = plan_config.section.to_string();
        let mut chapters = Vec::new();
        let mut number = 0;
        for entry in &plan_config.chapters {
            number += 1;
            match entry {
                ChapterEntry::Chapter(slug) => chapters.push(Chapter {
                    id: format!("{section}/{slug}"),
                    number: number.to_string(),
                    depth: 1,
                    part: None,
                }),
                ChapterEntry::Part { part, chapters: inner } => {
                    let part_id = format!("{section}/{part}");
                    chapters.push(Chapter {
                        id: part_id.clone(),
                        number: number.to_string(),
                        depth: 1,
                        part: None,
                    });
                    for (i, slug) in inner.iter().enumerate() {
                        chapters.push(Chapter {
                            id: format!("{section}/{slug}"),
                            number: format!("{number}.{}", i + 1),
                            depth: 2,
                            part: Some(part_id.clone()),
                        });
                    }
                }
            }
        }
        for chapter in &chapters {
            if !ids.contains_key(&chapter.id) {
                let slug = chapter.id.rsplit('/').next().unwrap_or("");
                let hint = diagnostics::did_you_mean(&chapter.id, ids.keys().map(String::as_str))
                    .unwrap_or_else(|| format!("create content/{}.{}.md", chapter.id, config.source_language()));
                diagnostics.push(
                    Diagnostic::error(
                        "book.toml",
                        format!("plan chapter `{slug}` has no page `{}`", chapter.id),
                    )
                    .with_hint(hint),
                );
            }
        }
        for child in children.get(&section).into_iter().flatten() {
            if !chapters.iter().any(|c| &c.id == child) {
                let page = &pages[*ids[child].values().next().unwrap_or(&0)];
                diagnostics.push(
                    Diagnostic::warning(
                        &page.file,
                        format!("`{child}` is in the plan section but not in `chapters` of [plan] in book.toml"),
                    )
                    .with_hint("add it to the chapter list, or move it to another section"),
                );
            }
        }
        if !ids.contains_key(&section) {
            diagnostics.push(
                Diagnostic::error("book.toml", format!("plan section `{section}` has no index page")).with_hint(
                    format!("create content/{section}/_index.{}.md", config.source_language()),
                ),
            );
        }
        Plan { section, chapters }
    })
}

fn check_map_sections(config: &Config, pages: &[SourcePage], diagnostics: &mut Vec<Diagnostic>) {
    // the sections `[map]` names must be sections of the site
    for section in config.map.sections.iter().flatten() {
        if !pages.iter().any(|p| p.is_section && p.id == section.as_str()) {
            let sections = pages
                .iter()
                .filter(|p| p.is_section && !p.id.is_empty())
                .map(|p| p.id.as_str());
            let hint = diagnostics::did_you_mean(section.as_str(), sections)
                .unwrap_or_else(|| "name a folder under content/ that has an _index page".to_owned());
            diagnostics.push(
                Diagnostic::error(
                    "book.toml",
                    format!("map section `{section}` is not a section of the site"),
                )
                .with_hint(hint),
            );
        }
    }
}

/// Orders each section's children (the plan's in chapter order, others by
/// weight, date, newest first, and title) and each term's ids.
fn order(
    config: &Config,
    pages: &[SourcePage],
    ids: &Ids,
    plan: Option<&Plan>,
    children: &mut Children,
    terms: &mut Terms,
) {
    // order section children: plan in chapter order, others by weight, date (newest first), title
    for (section, list) in children.iter_mut() {
        let source = config.source_language().to_owned();
        let first = |id: &String| {
            &pages[*ids[id]
                .get(&source)
                .unwrap_or_else(|| ids[id].values().next().expect("every id has a version"))]
        };
        if plan.is_some_and(|p| &p.section == section) {
            let order = |id: &String| {
                plan.and_then(|p| p.chapters.iter().position(|c| &c.id == id))
                    .unwrap_or(usize::MAX)
            };
            list.sort_by_key(|id| (order(id), id.clone()));
        } else {
            // each key looked up once, not at every comparison
            list.sort_by_cached_key(|id| {
                let page = first(id);
                (
                    page.front.weight.unwrap_or(i64::MAX),
                    std::cmp::Reverse(page.front.date),
                    page.front.title.clone(),
                    id.clone(),
                )
            });
        }
    }
    for by_term in terms.values_mut() {
        for list in by_term.values_mut() {
            list.sort();
        }
    }
}

/// The files beside the pages that pages link or show, each checked where
/// it is named (it exists, inside `content/`; an image is an image) and,
/// once, as a file (an image's size can be read and is one the PDF can
/// decode). Files no page names are not published.
fn publish_files(
    pages: &[SourcePage],
    analyses: &[Arc<Analysis>],
    files: &BTreeMap<String, ContentFile>,
    diagnostics: &mut Vec<Diagnostic>,
) -> BTreeMap<String, PublishedFile> {
    let mut published = BTreeMap::new();
    let mut unusable = BTreeSet::new();
    for (page, analysis) in pages.iter().zip(analyses) {
        let place = page.placer();
        for reference in &analysis.files {
            let error = |message: String, hint: String| {
                place
                    .at(
                        Diagnostic::error(&page.file, message),
                        page.body_start + reference.offset,
                    )
                    .with_hint(hint)
            };
            let path = match files::resolve(&page.file, &reference.path) {
                Ok((path, _)) => path,
                Err(why) => {
                    diagnostics.push(error(
                        why,
                        "name a file inside content/ by its path from this page's directory".to_owned(),
                    ));
                    continue;
                }
            };
            if let Some(id) = page_file_id(&path) {
                diagnostics.push(error(
                    format!("`{}` is the file of a page", reference.path),
                    format!("link the page by its id: `@/{id}`"),
                ));
                continue;
            }
            let extension = path.rsplit_once('.').map_or("", |(_, extension)| extension);
            if files::kind(&extension.to_ascii_lowercase()).is_none() {
                diagnostics.push(error(
                    format!("`content/{path}` is not a kind of file the site publishes"),
                    format!(
                        "files beside pages may be: {}; SVG, HTML and XML are left out, as they can run script",
                        files::EXTENSIONS
                    ),
                ));
                continue;
            }
            let Some(file) = files.get(&path) else {
                // a file of a near name in the same directory, in the words the page used
                let (dir, name) = path.rsplit_once('/').unwrap_or(("", path.as_str()));
                let beside = files.keys().filter_map(|other| {
                    let (other_dir, other_name) = other.rsplit_once('/').unwrap_or(("", other.as_str()));
                    (other_dir == dir).then_some(other_name)
                });
                let written = reference.path.split('#').next().unwrap_or("");
                let written_dir = written.rsplit_once('/').map_or("", |(d, _)| d);
                let hint = match diagnostics::nearest(name, beside) {
                    Some(near) if written_dir.is_empty() => format!("did you mean `{near}`?"),
                    Some(near) => format!("did you mean `{written_dir}/{near}`?"),
                    None => {
                        format!("put the file at content/{path}: a path leads from the directory of the page's file")
                    }
                };
                diagnostics.push(error(format!("no file `content/{path}`"), hint));
                continue;
            };
            if reference.image && file.kind == Kind::Document {
                diagnostics.push(error(
                    format!("`content/{path}` is not an image"),
                    "show PNG, JPEG, GIF or WebP images; link other files: `[text](path)`".to_owned(),
                ));
                continue;
            }
            if published.contains_key(&path) || unusable.contains(&path) {
                continue;
            }
            // a file's problem is reported once, where it is first shown or linked
            let checked = match file.kind {
                Kind::Image(format) => files::image_size(format, &file.bytes).map(Some),
                Kind::Document => {
                    files::document_problem(&extension.to_ascii_lowercase(), &file.bytes).map_or(Ok(None), Err)
                }
            };
            let size = match checked {
                Ok(size) => size,
                Err(problem) => {
                    diagnostics.push(error(
                        format!("cannot publish `content/{path}`: {}", problem.message),
                        problem.hint,
                    ));
                    unusable.insert(path);
                    continue;
                }
            };
            published.insert(
                path.clone(),
                PublishedFile {
                    path: files::published_path(&path, &file.bytes),
                    size,
                },
            );
        }
    }
    published
}

/// The page id a path under `content/` names, if it names a page's file
/// (`partners/oulu.sv.md` -> `partners/oulu`).
fn page_file_id(path: &str) -> Option<String> {
    let stem = path.strip_suffix(".md")?;
    let (id, _lang) = stem.rsplit_once('.')?;
    Some(
        id.strip_suffix("/_index")
            .or(id.strip_suffix("_index"))
            .unwrap_or(id)
            .to_owned(),
    )
}

fn spanned_error<T>(entity: &EntityFacts, value: &Spanned<T>, message: String) -> Diagnostic {
    Diagnostic::error(&entity.file, message).at(
        &entity.text,
        value.referenced.line() as usize,
        value.referenced.column() as usize,
    )
}

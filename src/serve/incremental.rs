//! Incremental rebuilds, for `serve`.
//!
//! A [`Session`] keeps the site in memory between builds. Told which files
//! changed, and each is a page of the site it rendered last, it does not
//! look at the site's other files again: a page whose body changed where
//! no other page can see it (same front matter, links, files and heading
//! ids; no problem) is taken into the site in place and rendered alone;
//! other edits of pages are taken into the site, which is taken apart and
//! resolved again, every check made, without copying a page. Otherwise a
//! rebuild looks at every source file again, but parses only the files
//! whose text changed (and those named changed, whatever their size and
//! time) and analyses only the bodies that changed; it resolves the whole
//! site, so every error is still found. Either way it then renders only
//! the pages a change can show on:
//!
//! - a page whose body changed (same front matter, same outgoing links):
//!   that page in each of its languages, and the plan's print pages when
//!   it is part of the plan (and every page that shows the editions, when
//!   an edition's size changed);
//! - a page whose front matter or links changed: also the pages showing its
//!   title, description or date (its section's list, pages it links to and
//!   related pages, which list it; its descendants' breadcrumbs; the plan's
//!   neighbours; for an entity, the home page and sections, whose maps list
//!   it), and the pages of its taxonomy terms;
//! - the home page or a section in the menu, an entity's facts, a page
//!   added or removed, book.toml, the interface strings or the theme: the
//!   whole site.
//!
//! The feeds and search pages are made again when front matter changed
//! (feeds also when a body in a feed's section did), the sitemap and the
//! open data when a date did (the open data also when an entity did); the
//! search index after the pages, apart ([`Session::search_index`]).
//! `tests/integration/incremental.rs` checks that each kind of edit gives
//! exactly the files a full build gives.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::build::{self, BuildOptions};
use crate::diagnostics::{self, Diagnostic};
use crate::render::{Extras, Listings, OutputFile, Scope};
use crate::search;
use crate::site::markdown::{self, Analysis, FileRef, Heading, InternalLink};
use crate::site::{self, Plan, PublishedFile, Site};
use crate::source::load::{self, SourcePage};

pub struct Session {
    options: BuildOptions,
    /// The last site resolved, good or not: its parsed files are reused.
    latest: Option<Site>,
    /// The site the current output was rendered from.
    rendered: Option<Site>,
    /// What loading `rendered`'s files reported (warnings only, each about
    /// the file it read): they stand while those files are unchanged.
    loaded: Vec<Diagnostic>,
    /// All that loading and resolving `rendered` reported: a page edited
    /// where nothing else can see it is not resolved again, and these stand.
    resolved: Vec<Diagnostic>,
    /// The plan's editions the output shows.
    editions: Extras,
}

/// A page of the site rendered last whose file changed, with the same id
/// and language.
struct Edit {
    ix: usize,
    page: SourcePage,
    /// `None` when the text is as it was (only the file's time changed).
    analysis: Option<Arc<Analysis>>,
    /// Only its body changed, where no other page can see it (the same
    /// links, files and headings; no problem): nothing is to be resolved
    /// again.
    unseen: bool,
}

/// What a rebuild changed.
pub struct Update {
    /// `files` is the whole output (replace everything) rather than the
    /// files rendered again (replace those).
    pub full: bool,
    pub files: Vec<OutputFile>,
    /// Sorted; when one is an error, nothing was rendered.
    pub diagnostics: Vec<Diagnostic>,
}

impl Update {
    pub fn is_ok(&self) -> bool {
        !self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

impl Session {
    pub fn new(options: BuildOptions) -> Self {
        Session {
            options,
            latest: None,
            rendered: None,
            loaded: Vec::new(),
            resolved: Vec::new(),
            editions: Extras::default(),
        }
    }

    /// [`rebuild`](Self::rebuild) after the files `changed` (relative to
    /// the root) changed and nothing else. When each is a page of the site
    /// rendered last, the site is not looked at again: a body edited where
    /// no other page can see it is taken in and its page rendered alone;
    /// other edits of pages are taken into the site, which is resolved
    /// again without copying a page. Any other change rebuilds as
    /// [`rebuild`](Self::rebuild) does.
    pub fn rebuild_changed(&mut self, changed: &[PathBuf]) -> Update {
        match self.edits(changed) {
            Some(edits) if edits.iter().all(|edit| edit.unseen) => self.take_unseen(edits, changed),
            Some(edits) => self.take_edits(edits, changed),
            None => self.rebuild_reading(changed),
        }
    }

    /// Takes edits no other page can see into the site rendered last, and
    /// renders their pages.
    fn take_unseen(&mut self, edits: Vec<Edit>, changed: &[PathBuf]) -> Update {
        let Some(site) = self.rendered.as_mut() else {
            return self.rebuild_reading(changed);
        };
        let mut scope = Affected::default();
        let mut replaced = Vec::new();
        for edit in edits {
            if edit.analysis.is_some() {
                scope.add(site, &edit.page.id, Change::UNSEEN, BTreeSet::new);
            }
            let page = std::mem::replace(&mut site.pages[edit.ix], edit.page);
            let analysis = edit
                .analysis
                .map(|analysis| std::mem::replace(&mut site.analyses[edit.ix], analysis));
            replaced.push((edit.ix, page, analysis));
        }
        let mut diagnostics = self.resolved.clone();
        let Some((scope, print)) = scope.into_scope(site) else {
            return Update {
                full: false,
                files: Vec::new(),
                diagnostics,
            };
        };
        let rendered = render(site, &self.options, &scope, print, &self.editions);
        diagnostics.extend(rendered.diagnostics);
        if diagnostics.iter().any(Diagnostic::is_error) {
            // as it was, and built again the usual way, which reports the error
            for (ix, page, analysis) in replaced {
                site.pages[ix] = page;
                if let Some(analysis) = analysis {
                    site.analyses[ix] = analysis;
                }
            }
            return self.rebuild_reading(changed);
        }
        diagnostics::sort(&mut diagnostics);
        if let Some(editions) = rendered.editions {
            self.editions = editions;
        }
        // the pages replaced are freed after the reload has gone out
        std::thread::spawn(move || drop(replaced));
        Update {
            full: false,
            files: rendered.files,
            diagnostics,
        }
    }

    /// Takes edited pages into the site rendered last, which is taken apart
    /// and resolved again (every check made, no page copied), and renders
    /// what the edits show on.
    fn take_edits(&mut self, edits: Vec<Edit>, changed: &[PathBuf]) -> Update {
        let Some(site) = self.rendered.take() else {
            return self.rebuild_reading(changed);
        };
        let mut before = Before {
            plan: site.plan.clone(),
            published: site.published.clone(),
            pages: Vec::new(),
        };
        let (mut inputs, mut analyses) = site.into_inputs();
        for edit in edits {
            let page = std::mem::replace(&mut inputs.pages[edit.ix], edit.page);
            let analysis = match edit.analysis {
                Some(analysis) => std::mem::replace(&mut analyses[edit.ix], analysis),
                None => Arc::clone(&analyses[edit.ix]),
            };
            before.pages.push((edit.ix, page, analysis));
        }
        let (site, resolve_diagnostics) = site::resolve_digested(inputs, analyses);
        // the files read again reported nothing, now and before
        let mut diagnostics = self.loaded.clone();
        diagnostics.extend(resolve_diagnostics);
        let resolved = diagnostics.clone();
        let (mut files, mut editions) = (Vec::new(), None);
        if !diagnostics.iter().any(Diagnostic::is_error)
            && let Some((scope, print)) = affected_by_edits(&before, &site)
        {
            let rendered = render(&site, &self.options, &scope, print, &self.editions);
            (files, editions) = (rendered.files, rendered.editions);
            diagnostics.extend(rendered.diagnostics);
        }
        if diagnostics.iter().any(Diagnostic::is_error) {
            // the site as it was, and built again the usual way, which
            // reports the error
            let (mut inputs, mut analyses) = site.into_inputs();
            for (ix, page, analysis) in before.pages {
                inputs.pages[ix] = page;
                analyses[ix] = analysis;
            }
            self.rendered = Some(site::resolve_digested(inputs, analyses).0);
            return self.rebuild_reading(changed);
        }
        diagnostics::sort(&mut diagnostics);
        self.rendered = Some(site);
        self.resolved = resolved;
        if let Some(editions) = editions {
            self.editions = editions;
        }
        std::thread::spawn(move || drop(before));
        Update {
            full: false,
            files,
            diagnostics,
        }
    }

    /// The edits of `changed` when each is a page of the site rendered
    /// last, which was good, read again without a warning and with the same
    /// id and language (or a file of `content/` that is gone and was never
    /// part of the site, an editor's): `None` when any is something else.
    fn edits(&self, changed: &[PathBuf]) -> Option<Vec<Edit>> {
        if self.latest.is_some() {
            return None;
        }
        let site = self.rendered.as_ref()?;
        let root = &self.options.root;
        let changed: BTreeSet<&PathBuf> = changed.iter().collect();
        let mut edits = Vec::new();
        for &path in &changed {
            let Some(ix) = site.pages.iter().position(|page| page.file == *path) else {
                let known = |file: &Path| file.starts_with(path);
                let gone_and_unknown = path.starts_with("content")
                    && std::fs::symlink_metadata(root.join(path)).is_err()
                    && !site.pages.iter().any(|p| known(&p.file))
                    && !site.facts.values().any(|f| known(&f.file))
                    && !site.files.values().any(|f| known(&f.file));
                if gone_and_unknown {
                    continue;
                }
                return None;
            };
            let old = &site.pages[ix];
            let (page, warnings) = load::reload_page(root, path, site.languages())?;
            // what reading it reports, now or before, is reported the full way
            if !warnings.is_empty()
                || self.loaded.iter().any(|d| d.file == *path)
                || page.id != old.id
                || page.lang != old.lang
                || (page.front.draft && !self.options.drafts)
            {
                return None;
            }
            if page.text() == old.text() {
                edits.push(Edit {
                    ix,
                    page,
                    analysis: None,
                    unseen: true,
                });
                continue;
            }
            let same_front = page.text()[..page.body_start] == old.text()[..old.body_start];
            let analysis = if page.body() == old.body() {
                Arc::clone(&site.analyses[ix])
            } else {
                Arc::new(markdown::analyze(page.body(), &site.reserved_ids))
            };
            let unseen = same_front
                && !self.resolved.iter().any(|d| d.file == *path)
                && unseen_elsewhere(&site.analyses[ix], &analysis, site.config.build.allow_html);
            edits.push(Edit {
                ix,
                page,
                analysis: Some(analysis),
                unseen,
            });
        }
        Some(edits)
    }

    /// Builds the site again; the first call, and any call after a change
    /// beyond page content, renders everything.
    pub fn rebuild(&mut self) -> Update {
        self.rebuild_reading(&[])
    }

    /// [`rebuild`](Self::rebuild), reading the files `changed` again
    /// whatever their size and time.
    fn rebuild_reading(&mut self, changed: &[PathBuf]) -> Update {
        let cache = self.latest.as_ref().or(self.rendered.as_ref());
        let (resolved, loaded, resolve_diagnostics) = build::load_and_resolve(&self.options, cache, changed);
        let mut diagnostics = loaded.clone();
        diagnostics.extend(resolve_diagnostics);
        let failed = diagnostics.iter().any(Diagnostic::is_error);
        let resolved_diagnostics = diagnostics.clone();
        let site = match resolved {
            Some((site, _)) if !failed => site,
            unusable => {
                diagnostics::sort(&mut diagnostics);
                self.latest = unusable.map(|(site, _)| site);
                return Update {
                    full: false,
                    files: Vec::new(),
                    diagnostics,
                };
            }
        };
        let scope = match &self.rendered {
            Some(old) => affected(old, &site),
            None => Some((Scope::All, true)),
        };
        let (full, mut files, editions) = match scope {
            None => (false, Vec::new(), None),
            Some((scope, print)) => {
                let rendered = render(&site, &self.options, &scope, print, &self.editions);
                diagnostics.extend(rendered.diagnostics);
                (matches!(scope, Scope::All), rendered.files, rendered.editions)
            }
        };
        diagnostics::sort(&mut diagnostics);
        if diagnostics.iter().any(Diagnostic::is_error) {
            files.clear();
            self.latest = Some(site);
        } else {
            // after a good build the site rendered is also the cache; the
            // sites replaced are freed on another thread (tens of
            // milliseconds for a large site), after the reload has gone out
            let replaced = (self.latest.take(), self.rendered.replace(site));
            std::thread::spawn(move || drop(replaced));
            self.loaded = loaded;
            self.resolved = resolved_diagnostics;
            if let Some(editions) = editions {
                self.editions = editions;
            }
        }
        Update {
            full,
            files,
            diagnostics,
        }
    }
}

impl Session {
    /// The search index of the site last rendered, made from `files`, the
    /// pages being served. `serve` makes it after the browser has reloaded
    /// with a page's rebuild, so an edit never waits for it (a rebuild of
    /// the whole site makes it itself). `None` without search, or when it
    /// cannot be made (the build that made the site reported why).
    pub fn search_index(&self, files: &BTreeMap<String, Vec<u8>>) -> Option<Vec<OutputFile>> {
        let site = self.rendered.as_ref().filter(|site| site.config.build.search)?;
        let pages = files
            .iter()
            .filter(|(path, _)| path.ends_with(".html"))
            .map(|(path, bytes)| (path.as_str(), &bytes[..]));
        // serve keeps nothing on disk: its index is made in memory
        let (index, diagnostics) = search::index(site, pages, None);
        diagnostics.is_empty().then_some(index)
    }
}

/// Replaces the search index among the served `files` with `index`.
pub fn replace_search_index(files: &mut BTreeMap<String, Vec<u8>>, index: Vec<OutputFile>) {
    let bundle = format!("{}/", search::BUNDLE_DIR);
    files.retain(|path, _| !path.starts_with(&bundle));
    files.extend(index.into_iter().map(|f| (f.path, f.bytes)));
}

/// What to render for `new`, given that `old` was rendered last: `None`
/// when nothing changed, else the scope and whether the print pages too.
fn affected(old: &Site, new: &Site) -> Option<(Scope, bool)> {
    let everything = Some((Scope::All, true));
    if old.config != new.config
        || old.strings != new.strings
        || old.theme != new.theme
        || old.plan != new.plan
        || old.published != new.published
        || old.ids.len() != new.ids.len()
        || old
            .ids
            .iter()
            .zip(&new.ids)
            .any(|((a, av), (b, bv))| a != b || !av.keys().eq(bv.keys()))
        || !old
            .facts
            .iter()
            .map(|(id, f)| (id, &f.text))
            .eq(new.facts.iter().map(|(id, f)| (id, &f.text)))
    {
        return everything;
    }
    let mut scope = Affected::default();
    for (id, versions) in &new.ids {
        let change = Change::of(versions.iter().map(|(lang, ix)| {
            let was = old.ids[id][lang];
            (
                (&old.pages[was], &*old.analyses[was]),
                (&new.pages[*ix], &*new.analyses[*ix]),
            )
        }));
        if !scope.add(new, id, change, || shown_on(old, id)) {
            return everything;
        }
    }
    scope.into_scope(new)
}

/// What of the site rendered last [`Session::take_edits`] keeps to
/// compare with: the edited pages as they were, and what their edits can
/// change for every page.
struct Before {
    plan: Option<Plan>,
    published: BTreeMap<String, PublishedFile>,
    /// Each edited page's place, and the page and analysis it replaced.
    pages: Vec<(usize, SourcePage, Arc<Analysis>)>,
}

/// [`affected`] for `new`, the site rendered last with the pages of
/// `before` edited (the same ids, languages, facts and configuration).
fn affected_by_edits(before: &Before, new: &Site) -> Option<(Scope, bool)> {
    if before.plan != new.plan || before.published != new.published {
        return Some((Scope::All, true));
    }
    let ids: BTreeSet<&str> = before.pages.iter().map(|(_, page, _)| page.id.as_str()).collect();
    let mut scope = Affected::default();
    for id in ids {
        let change = Change::of(
            before
                .pages
                .iter()
                .filter(|(_, page, _)| page.id == id)
                .map(|(ix, page, analysis)| ((page, &**analysis), (&new.pages[*ix], &*new.analyses[*ix]))),
        );
        // what showed it: what shows it now, and the pages the edited pages
        // linked to (as its own or its children's links, see `shown_on`)
        let shown_before = || {
            let mut shown = shown_on(new, id);
            for (_, page, analysis) in &before.pages {
                if page.id == id || Site::parent(&page.id) == Some(id) {
                    shown.extend(analysis.links.iter().map(|l| l.id.clone()));
                }
            }
            shown
        };
        if !scope.add(new, id, change, shown_before) {
            return Some((Scope::All, true));
        }
    }
    scope.into_scope(new)
}

/// How the versions of one id changed.
#[derive(Clone, Copy, Default)]
struct Change {
    /// Some text did.
    text: bool,
    /// What other pages show of it: front matter or outgoing links.
    shown: bool,
    /// Its date.
    dated: bool,
}

impl Change {
    /// A body that changed where no other page can see it.
    const UNSEEN: Change = Change {
        text: true,
        shown: false,
        dated: false,
    };

    /// The change from each old version to its new one (page, analysis).
    fn of<'a>(
        versions: impl Iterator<Item = ((&'a SourcePage, &'a Analysis), (&'a SourcePage, &'a Analysis))>,
    ) -> Change {
        let mut change = Change::default();
        for ((a, a_analysis), (b, b_analysis)) in versions {
            if a.text() == b.text() {
                continue;
            }
            change.text = true;
            if a.text()[..a.body_start] != b.text()[..b.body_start] || !same_links(a_analysis, b_analysis) {
                change.shown = true;
            }
            if (a.front.date, a.front.updated) != (b.front.date, b.front.updated) {
                change.dated = true;
            }
        }
        change
    }
}

/// The pages and listings edits show on, gathered id by id.
#[derive(Default)]
struct Affected {
    ids: BTreeSet<String>,
    terms: BTreeSet<(String, String)>,
    listings: Listings,
}

impl Affected {
    /// Adds the pages `change` of `id` in `site` shows on, given the pages
    /// that showed it before: false when that is every page.
    fn add(&mut self, site: &Site, id: &str, change: Change, shown_before: impl FnOnce() -> BTreeSet<String>) -> bool {
        if !change.text {
            return true;
        }
        self.ids.insert(id.to_owned());
        // feeds show front matter, and their entries' text too; the search
        // pages titles and descriptions; the sitemap dates
        self.listings.feeds |= change.shown || in_feed(site, id);
        self.listings.search |= change.shown;
        self.listings.dates |= change.dated;
        if !change.shown {
            return true;
        }
        // the home page and the sections in the menu appear on every page
        let in_menu = Site::parent(id) == Some("") && site.children.contains_key(id);
        if id.is_empty() || in_menu {
            return false;
        }
        // an entity's name is in the list of every map that shows it: the
        // home page's and its sections'
        if site.facts.contains_key(id) {
            self.ids.insert(String::new());
            self.ids.extend(site.children.keys().cloned());
        }
        self.ids.extend(shown_before());
        self.ids.extend(shown_on(site, id));
        // the taxonomy terms it has list it
        for (taxonomy, by_term) in &site.terms {
            for (term, listed) in by_term {
                if listed.iter().any(|listed| listed == id) {
                    self.terms.insert((taxonomy.clone(), term.clone()));
                }
            }
        }
        if in_plan(site, id) {
            // chapters link to their neighbours by title
            self.ids.extend(site.edition_pages().map(str::to_owned));
        }
        true
    }

    /// The scope to render and whether the print pages too: `None` when
    /// nothing is.
    fn into_scope(self, site: &Site) -> Option<(Scope, bool)> {
        if self.ids.is_empty() {
            return None;
        }
        let print = self.ids.iter().any(|id| in_plan(site, id));
        let scope = Scope::Ids {
            ids: self.ids,
            terms: self.terms,
            listings: self.listings,
        };
        Some((scope, print))
    }
}

/// What a render made: the files, what it reported, and the editions
/// when it made the print pages.
struct Rendered {
    files: Vec<OutputFile>,
    diagnostics: Vec<Diagnostic>,
    editions: Option<Extras>,
}

/// Renders `scope` of `site` (the print pages with `print`), whose other
/// pages show `editions`.
fn render(site: &Site, options: &BuildOptions, scope: &Scope, print: bool, editions: &Extras) -> Rendered {
    let files = Mutex::new(Vec::new());
    let (diagnostics, made) = build::render_scope(site, options, scope, print, Some(editions), &|file| {
        files.lock().unwrap_or_else(|e| e.into_inner()).push(file)
    });
    let mut files = files.into_inner().unwrap_or_else(|e| e.into_inner());
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Rendered {
        files,
        diagnostics,
        editions: print.then_some(made),
    }
}

/// Whether `id` is the plan's section or one of its chapters, which the
/// print pages show.
fn in_plan(site: &Site, id: &str) -> bool {
    site.edition_pages().any(|page| page == id)
}

/// Whether `id` is in a section with a feed, whose entries show its body.
fn in_feed(site: &Site, id: &str) -> bool {
    Site::parent(id).is_some_and(|parent| site.config.site.feeds.iter().any(|f| f.as_str() == parent))
}

/// Whether a body analysed as `new` (where it was `old`, which resolved
/// without a problem) resolves as `old` did, and without a problem: the
/// same links, files and heading ids, so no other page can see the edit
/// and nothing is to be checked again.
fn unseen_elsewhere(old: &Analysis, new: &Analysis, allow_html: bool) -> bool {
    let file = |f: &FileRef| (f.path.clone(), f.image);
    let heading = |h: &Heading| h.id.clone();
    new.problems.is_empty()
        && (allow_html || new.raw_html.is_empty())
        && new
            .fragments
            .iter()
            .all(|(id, _)| new.headings.iter().any(|h| &h.id == id))
        && same_links(old, new)
        && old.files.iter().map(file).eq(new.files.iter().map(file))
        && old.headings.iter().map(heading).eq(new.headings.iter().map(heading))
}

/// Whether two analyses link to the same pages and headings, in order.
fn same_links(a: &Analysis, b: &Analysis) -> bool {
    fn target(l: &InternalLink) -> (&str, Option<&str>) {
        (l.id.as_str(), l.anchor.as_deref())
    }
    a.links.iter().map(target).eq(b.links.iter().map(target))
}

/// The ids of the pages that show `id`'s title, description or date in
/// `site`, other than the page itself and the taxonomy pages.
fn shown_on(site: &Site, id: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let links_of = |id: &str| -> Vec<String> {
        site.ids
            .get(id)
            .into_iter()
            .flat_map(|versions| versions.values())
            .flat_map(|ix| site.analyses[*ix].links.iter().map(|l| l.id.clone()))
            .collect()
    };
    let related_of = |id: &str| -> Vec<String> { site.related.get(id).into_iter().flatten().cloned().collect() };
    // related pages and the pages it links to list it (as related or backlink)
    ids.extend(links_of(id));
    ids.extend(related_of(id));
    // its section lists it
    if let Some(parent) = Site::parent(id) {
        ids.insert(parent.to_owned());
    }
    // a section's title: its descendants' breadcrumbs, and the pages that
    // list one of its children (with the section's name)
    let prefix = format!("{id}/");
    for descendant in site.ids.keys().filter(|d| d.starts_with(&prefix)) {
        ids.insert(descendant.clone());
    }
    for child in site.children.get(id).into_iter().flatten() {
        ids.extend(links_of(child));
        ids.extend(related_of(child));
    }
    ids
}

/// The output as a map from path to bytes, after applying `update`.
pub fn apply(files: &mut BTreeMap<String, Vec<u8>>, update: Update) {
    if update.full {
        files.clear();
    }
    files.extend(update.files.into_iter().map(|f| (f.path, f.bytes)));
}

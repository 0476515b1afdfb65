//! Incremental rebuilds, for `serve`.
//!
//! A [`Session`] keeps the site in memory between builds. Told which files
//! changed, it takes a page whose body changed where no other page can see
//! it (same front matter, links, files and heading ids; no problem) into
//! the site in place and renders that page alone. Otherwise a rebuild
//! looks at every source file again, but parses only the files whose text
//! changed and analyses only the bodies that changed; it resolves the
//! whole site, so every error is still found. It then renders only the
//! pages a change can show on:
//!
//! - a page whose body changed (same front matter, same outgoing links):
//!   that page in each of its languages, and the plan's print pages when
//!   it is part of the plan;
//! - a page whose front matter or links changed: also the pages showing its
//!   title, description or date (its section's list, pages it links to and
//!   related pages, which list it; its descendants' breadcrumbs; the plan's
//!   neighbours; for an entity, the home page and sections, whose maps list
//!   it), and the pages of its taxonomy terms;
//! - the home page or a section in the menu, an entity's facts, a page
//!   added or removed, book.toml, the interface strings or the theme: the
//!   whole site.
//!
//! The sitemap, robots.txt, feeds and search pages are made again when front
//! matter changed (feeds also when a body in a feed's section did), the open
//! data when an entity or a date did; the search index after the pages,
//! apart ([`Session::search_index`]). `tests/integration/incremental.rs`
//! checks that each kind of edit gives exactly the files a full build gives.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::build::{self, BuildOptions};
use crate::diagnostics::{self, Diagnostic};
use crate::render::{OutputFile, Scope};
use crate::search;
use crate::site::Site;
use crate::site::markdown::{self, Analysis, FileRef, Heading, InternalLink};
use crate::source::load::{self, SourcePage};

pub struct Session {
    options: BuildOptions,
    /// The last site resolved, good or not: its parsed files are reused.
    latest: Option<Site>,
    /// The site the current output was rendered from.
    rendered: Option<Site>,
    /// What loading and resolving `rendered` reported (warnings only): a
    /// page edited where nothing else can see it is not resolved again, and
    /// these stand.
    resolved: Vec<Diagnostic>,
}

/// A page whose file changed where no other page can see it: its body,
/// with the same links, files and headings.
struct BodyEdit {
    ix: usize,
    page: SourcePage,
    /// `None` when the text is as it was (only the file's time changed).
    analysis: Option<Arc<Analysis>>,
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
            resolved: Vec::new(),
        }
    }

    /// [`rebuild`](Self::rebuild) after the files `changed` (relative to
    /// the root) changed and nothing else: a page's body edited where no
    /// other page can see it is read, analysed and rendered alone, without
    /// walking or resolving the site again. Any other change rebuilds as
    /// [`rebuild`](Self::rebuild) does.
    pub fn rebuild_changed(&mut self, changed: &[PathBuf]) -> Update {
        let Some(edits) = self.body_edits(changed) else {
            return self.rebuild();
        };
        let Some(site) = self.rendered.as_mut() else {
            return self.rebuild();
        };
        let mut ids = BTreeSet::new();
        let (mut listings, mut print) = (false, false);
        let mut replaced = Vec::new();
        for edit in edits {
            if edit.analysis.is_some() {
                ids.insert(edit.page.id.clone());
                listings |= in_feed(site, &edit.page.id);
                print |= in_plan(site, &edit.page.id);
            }
            let page = std::mem::replace(&mut site.pages[edit.ix], edit.page);
            let analysis = edit
                .analysis
                .map(|analysis| std::mem::replace(&mut site.analyses[edit.ix], analysis));
            replaced.push((edit.ix, page, analysis));
        }
        let mut diagnostics = self.resolved.clone();
        if ids.is_empty() {
            return Update {
                full: false,
                files: Vec::new(),
                diagnostics,
            };
        }
        let scope = Scope::Ids {
            ids,
            terms: BTreeSet::new(),
            listings,
        };
        let files = Mutex::new(Vec::new());
        diagnostics.extend(build::render_scope(site, &self.options, &scope, print, &|file| {
            files.lock().unwrap_or_else(|e| e.into_inner()).push(file)
        }));
        if diagnostics.iter().any(Diagnostic::is_error) {
            // as it was, and built again the usual way, which reports the error
            for (ix, page, analysis) in replaced {
                site.pages[ix] = page;
                if let Some(analysis) = analysis {
                    site.analyses[ix] = analysis;
                }
            }
            return self.rebuild();
        }
        diagnostics::sort(&mut diagnostics);
        let mut files = files.into_inner().unwrap_or_else(|e| e.into_inner());
        files.sort_by(|a, b| a.path.cmp(&b.path));
        // the pages replaced are freed after the reload has gone out
        std::thread::spawn(move || drop(replaced));
        Update {
            full: false,
            files,
            diagnostics,
        }
    }

    /// The edits of `changed` when each is a body edit of a page of the
    /// site rendered last, which was good (or a file of `content/` that is
    /// gone and was never part of the site, an editor's): `None` when any
    /// is something else.
    fn body_edits(&self, changed: &[PathBuf]) -> Option<Vec<BodyEdit>> {
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
            if !warnings.is_empty() || page.id != old.id || page.lang != old.lang {
                return None;
            }
            if page.text() == old.text() {
                edits.push(BodyEdit {
                    ix,
                    page,
                    analysis: None,
                });
                continue;
            }
            if page.text()[..page.body_start] != old.text()[..old.body_start]
                || self.resolved.iter().any(|d| d.file == *path)
            {
                return None;
            }
            let analysis = markdown::analyze(page.body(), &site.reserved_ids);
            if !unseen_elsewhere(&site.analyses[ix], &analysis, site.config.build.allow_html) {
                return None;
            }
            edits.push(BodyEdit {
                ix,
                page,
                analysis: Some(Arc::new(analysis)),
            });
        }
        Some(edits)
    }

    /// Builds the site again; the first call, and any call after a change
    /// beyond page content, renders everything.
    pub fn rebuild(&mut self) -> Update {
        let cache = self.latest.as_ref().or(self.rendered.as_ref());
        let (resolved, mut diagnostics) = build::resolve_site(&self.options, cache);
        let failed = diagnostics.iter().any(Diagnostic::is_error);
        let resolve_diagnostics = diagnostics.clone();
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
        let (full, mut files) = match scope {
            None => (false, Vec::new()),
            Some((scope, print)) => {
                let full = matches!(scope, Scope::All);
                let files = Mutex::new(Vec::new());
                let render_diagnostics = build::render_scope(&site, &self.options, &scope, print, &|file| {
                    files.lock().unwrap_or_else(|e| e.into_inner()).push(file)
                });
                diagnostics.extend(render_diagnostics);
                (full, files.into_inner().unwrap_or_else(|e| e.into_inner()))
            }
        };
        diagnostics::sort(&mut diagnostics);
        if diagnostics.iter().any(Diagnostic::is_error) {
            files.clear();
            self.latest = Some(site);
        } else {
            files.sort_by(|a, b| a.path.cmp(&b.path));
            // after a good build the site rendered is also the cache; the
            // sites replaced are freed on another thread (tens of
            // milliseconds for a large site), after the reload has gone out
            let replaced = (self.latest.take(), self.rendered.replace(site));
            std::thread::spawn(move || drop(replaced));
            self.resolved = resolve_diagnostics;
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

    let mut ids = BTreeSet::new();
    let mut terms = BTreeSet::new();
    // the sitemap, feeds and search pages show front matter, and feeds their
    // entries' text too
    let mut listings = false;
    let in_plan = |id: &str| in_plan(new, id);
    for (id, versions) in &new.ids {
        let mut body_changed = false;
        let mut shown_changed = false;
        for (lang, ix) in versions {
            let (a, b) = (&old.pages[old.ids[id][lang]], &new.pages[*ix]);
            if a.text() == b.text() {
                continue;
            }
            body_changed = true;
            let links = |site: &Site, page| -> Vec<(String, Option<String>)> {
                let analysis: &Analysis = site.analysis(page);
                analysis
                    .links
                    .iter()
                    .map(|l| (l.id.clone(), l.anchor.clone()))
                    .collect()
            };
            if a.text()[..a.body_start] != b.text()[..b.body_start] || links(old, a) != links(new, b) {
                shown_changed = true;
            }
        }
        if !body_changed {
            continue;
        }
        ids.insert(id.clone());
        listings |= shown_changed || in_feed(new, id);
        if !shown_changed {
            continue;
        }
        // the home page and the sections in the menu appear on every page
        let in_menu = Site::parent(id) == Some("") && new.children.contains_key(id);
        if id.is_empty() || in_menu {
            return everything;
        }
        // an entity's name is in the list of every map that shows it: the
        // home page's and its sections'
        if new.facts.contains_key(id) {
            ids.insert(String::new());
            ids.extend(new.children.keys().cloned());
        }
        for site in [old, new] {
            ids.extend(shown_on(site, id));
        }
        // the taxonomy terms it has list it
        for (taxonomy, by_term) in &new.terms {
            for (term, listed) in by_term {
                if listed.contains(id) {
                    terms.insert((taxonomy.clone(), term.clone()));
                }
            }
        }
        if in_plan(id)
            && let Some(plan) = &new.plan
        {
            // chapters link to their neighbours by title
            ids.extend(plan.chapters.iter().map(|c| c.id.clone()));
            ids.insert(plan.section.clone());
        }
    }
    if ids.is_empty() {
        return None;
    }
    let print = ids.iter().any(|id| in_plan(id));
    Some((Scope::Ids { ids, terms, listings }, print))
}

/// Whether `id` is the plan's section or one of its chapters, which the
/// print pages show.
fn in_plan(site: &Site, id: &str) -> bool {
    site.plan
        .as_ref()
        .is_some_and(|p| p.section == id || p.chapters.iter().any(|c| c.id == id))
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
    let link = |l: &InternalLink| (l.id.clone(), l.anchor.clone());
    let file = |f: &FileRef| (f.path.clone(), f.image);
    let heading = |h: &Heading| h.id.clone();
    new.problems.is_empty()
        && (allow_html || new.raw_html.is_empty())
        && new
            .fragments
            .iter()
            .all(|(id, _)| new.headings.iter().any(|h| &h.id == id))
        && old.links.iter().map(link).eq(new.links.iter().map(link))
        && old.files.iter().map(file).eq(new.files.iter().map(file))
        && old.headings.iter().map(heading).eq(new.headings.iter().map(heading))
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

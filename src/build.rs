//! The pipeline: load -> resolve -> render -> write.
//!
//! [`build`] runs every stage, gathers the diagnostics of all of them, and
//! publishes the output only when there is no error. `check` is the same
//! run without the last step.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::diagnostics::{self, Diagnostic};
use crate::output::Staging;
use crate::render::cache::Cache;
use crate::render::{self, Extras, Listings, OutputFile, Pass, Scope};
use crate::site::{self, Site};
use crate::{output, render::assets, render::print, search, source::load};

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Output directory; default: `build.output_dir` of book.toml under the root.
    pub output: Option<PathBuf>,
    /// Overrides `site.base_url`.
    pub base_url: Option<String>,
    pub drafts: bool,
    pub purpose: Purpose,
}

/// What a run of the pipeline is for, which decides what it makes and
/// writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `plansite build`: everything made and published, the cache kept.
    Build,
    /// `plansite check`: everything made (the PDFs too, to find their
    /// problems), nothing written, not even to the cache.
    Check,
    /// `plansite serve`: made into memory without the PDFs (typesetting
    /// takes about a second, too long for live reload).
    Serve,
}

impl Purpose {
    /// Whether the site and the cache are written.
    pub fn writes(self) -> bool {
        self == Purpose::Build
    }

    /// Whether the plan's PDFs are made (when book.toml asks for them).
    pub fn typesets(self) -> bool {
        self != Purpose::Serve
    }
}

#[derive(Debug)]
pub struct BuildReport {
    pub diagnostics: Vec<Diagnostic>,
    pub output_dir: Option<PathBuf>,
    pub files: usize,
    pub pages: usize,
    pub elapsed: Duration,
    /// Whether the output was (or, for `check`, would have been) published.
    pub ok: bool,
}

/// Builds the site into memory: every output file, plus every diagnostic,
/// and where and how it is to be published.
pub fn render_site(options: &BuildOptions) -> (Vec<OutputFile>, Vec<Diagnostic>, Option<output::Target>) {
    let (resolved, mut diagnostics) = resolve_site(options, None);
    let Some((site, output_dir)) = resolved else {
        diagnostics::sort(&mut diagnostics);
        return (Vec::new(), diagnostics, None);
    };
    let kept = Mutex::new(Vec::new());
    diagnostics.extend(render_all(&site, options, &|file| lock(&kept).push(file)));
    let mut files = kept.into_inner().unwrap_or_else(|e| e.into_inner());
    files.sort_by(|a, b| a.path.cmp(&b.path));
    diagnostics::sort(&mut diagnostics);
    (files, diagnostics, Some(target(&site, output_dir)))
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn target(site: &Site, dir: PathBuf) -> output::Target {
    output::Target {
        dir,
        precompress: site.config.build.precompress,
    }
}

/// Renders the whole site, handing each file to `emit` as it is made; the
/// diagnostics, with one for each path two different files want.
fn render_all(site: &Site, options: &BuildOptions, emit: &render::Emit) -> Vec<Diagnostic> {
    let paths = Mutex::new(Vec::new());
    let (mut diagnostics, _) = render_scope(site, options, &Scope::All, true, None, &|file| {
        lock(&paths).push(file.path.clone());
        emit(file);
    });
    let mut paths = paths.into_inner().unwrap_or_else(|e| e.into_inner());
    paths.sort_unstable();
    let mut taken: Vec<&String> = paths.windows(2).filter(|w| w[0] == w[1]).map(|w| &w[0]).collect();
    taken.dedup();
    if taken.is_empty() {
        return diagnostics;
    }
    // a page whose address the site makes for something else is named at its file
    let page_at: std::collections::HashMap<String, &Path> = site
        .pages
        .iter()
        .map(|page| {
            let path = format!("{}index.html", crate::urls::page_dir(&page.lang, &page.id));
            (path, page.file.as_path())
        })
        .collect();
    diagnostics.extend(taken.into_iter().map(|path| match page_at.get(path) {
        Some(file) => Diagnostic::error(
            *file,
            format!("the site makes another page at this page's address `{}`", path.trim_end_matches("index.html")),
        )
        .with_hint("the search page, taxonomies and their terms have their own addresses; rename the page's file or folder"),
        None => Diagnostic::error(path, format!("two outputs want the path `{path}`"))
            .with_hint("a section or taxonomy has the same name as another page"),
    }));
    diagnostics
}

/// Loads and resolves the site (reusing what is unchanged since `previous`),
/// and names the output directory. `None` when book.toml is unusable.
pub(crate) fn resolve_site(
    options: &BuildOptions,
    previous: Option<&Site>,
) -> (Option<(Site, PathBuf)>, Vec<Diagnostic>) {
    let (resolved, mut diagnostics, resolve_diagnostics) = load_and_resolve(options, previous, &[]);
    diagnostics.extend(resolve_diagnostics);
    (resolved, diagnostics)
}

/// [`resolve_site`], with what loading reported (each about the file it
/// read) apart from what resolving did. The files `changed` (relative to
/// the root) are read again even when their size and time say they are as
/// `previous` read them: an edit can keep both.
pub(crate) fn load_and_resolve(
    options: &BuildOptions,
    previous: Option<&Site>,
    changed: &[PathBuf],
) -> (Option<(Site, PathBuf)>, Vec<Diagnostic>, Vec<Diagnostic>) {
    let mut reuse = load::Reuse::default();
    if let Some(site) = previous {
        let unchanged = |file: &Path| !changed.iter().any(|c| c == file);
        reuse.pages = site
            .pages
            .iter()
            .map(|p| (p.file.as_path(), p))
            .filter(|(file, _)| unchanged(file))
            .collect();
        reuse.facts = site
            .facts
            .iter()
            .map(|(id, f)| (f.file.as_path(), (id.as_str(), f)))
            .filter(|(file, _)| unchanged(file))
            .collect();
        reuse.files = site
            .files
            .values()
            .map(|f| (f.file.as_path(), f))
            .filter(|(file, _)| unchanged(file))
            .collect();
    }
    // a build digests each page as it is read and lets its text go, to be
    // read again when it is rendered; `serve` holds the texts, to compare
    // the next build's with, and the checks hold them to point into
    let (loaded, diagnostics) = if options.purpose != Purpose::Build {
        let (sources, diagnostics) = load::load_reusing(&options.root, options.drafts, &reuse);
        (sources.map(|sources| (sources, None)), diagnostics)
    } else {
        let (loaded, diagnostics) = load::load_digesting(&options.root, options.drafts, &site::digest());
        (loaded.map(|(sources, analyses)| (sources, Some(analyses))), diagnostics)
    };
    let Some((mut sources, analyses)) = loaded else {
        return (None, diagnostics, Vec::new());
    };
    if let Some(base_url) = &options.base_url {
        sources.config.site.base_url = base_url.clone();
    }
    let output_dir = options
        .output
        .clone()
        .unwrap_or_else(|| options.root.join(&sources.config.build.output_dir));
    let (site, resolve_diagnostics) = match analyses {
        Some(analyses) => site::resolve_digested(sources, analyses),
        None => site::resolve_reusing(sources, previous),
    };
    (Some((site, output_dir)), diagnostics, resolve_diagnostics)
}

/// Renders the pages of `scope`, with the theme's assets; with `print`, the
/// plan's print pages and editions (PDFs when the options ask for them).
/// Each file goes to `emit` as it is made; the editions are made while
/// every page that does not show them is rendered. `shown`: the editions
/// the pages outside `scope` show (`serve`); when the print pages are made
/// and an edition's size changed, every page that shows them is rendered
/// too. Returns the diagnostics and the editions made (none without
/// `print`).
pub(crate) fn render_scope(
    site: &Site,
    options: &BuildOptions,
    scope: &Scope,
    print: bool,
    shown: Option<&Extras>,
    emit: &render::Emit,
) -> (Vec<Diagnostic>, Extras) {
    let theme_dir = Path::new("themes").join(&site.config.site.theme);
    let (assets, mut diagnostics) = assets::build(&site.theme, &theme_dir);
    let (env, template_diagnostics) = render::environment(site);
    diagnostics.extend(template_diagnostics);

    assets.files.iter().cloned().for_each(emit);
    // one file beside several pages under one name is published once
    let published: BTreeMap<&str, &str> = site
        .published
        .iter()
        .map(|(source, published)| (published.path.as_str(), source.as_str()))
        .collect();
    for (path, source) in published {
        emit(OutputFile::new(path, site.files[source].bytes.to_vec()));
    }
    // `check` writes nothing, not even to the cache
    let cache = Cache::new(&options.root, options.purpose.writes());
    // the index covers every page: `serve` makes it apart from a page's rebuild
    let documents = (site.config.build.search && matches!(scope, Scope::All)).then(|| search::Documents::new(site));
    let emit_page = |file: OutputFile| {
        if let Some(documents) = &documents {
            documents.offer(&file.path, &file.bytes);
        }
        emit(file);
    };
    let ((print_files, print_diagnostics), mut render_diagnostics) = rayon::join(
        || match print {
            true => print::render(site, &env, &assets, options.purpose.typesets().then_some(&cache)),
            false => (Vec::new(), Vec::new()),
        },
        || {
            let extras = Extras::default();
            render::render(site, &env, &assets, &extras, scope, Pass::BesideEditions, &emit_page)
        },
    );
    let mut extras = Extras::default();
    for file in &print_files {
        let editions = match file.path.rsplit_once('.') {
            Some((_, "pdf")) => &mut extras.pdfs,
            Some((_, "epub")) => &mut extras.epubs,
            _ => continue,
        };
        let lang = file.path.split('/').next().unwrap_or("").to_owned();
        editions.insert(lang, (file.path.clone(), file.bytes.len()));
    }
    print_files.into_iter().for_each(emit);
    diagnostics.extend(print_diagnostics);
    let widened;
    let after_editions = match (scope, shown) {
        (Scope::Ids { .. }, Some(shown)) if print && *shown != extras => {
            widened = Scope::Ids {
                ids: site.edition_pages().map(str::to_owned).collect(),
                terms: BTreeSet::new(),
                listings: Listings::default(),
            };
            &widened
        }
        _ => scope,
    };
    render_diagnostics.extend(render::render(
        site,
        &env,
        &assets,
        &extras,
        after_editions,
        Pass::AfterEditions,
        &emit_page,
    ));
    if let Some(documents) = documents
        && render_diagnostics.is_empty()
    {
        let (index, search_diagnostics) = documents.index(Some(&cache));
        index.into_iter().for_each(emit);
        diagnostics.extend(search_diagnostics);
    }
    diagnostics.extend(render_diagnostics);
    (diagnostics, extras)
}

/// Builds the site and, unless it is `check` or a problem is an error,
/// publishes it: each file is written to the staging tree as soon as it is
/// rendered, so memory holds the site's sources, not its output.
pub fn build(options: &BuildOptions) -> BuildReport {
    let start = Instant::now();
    let (resolved, mut diagnostics) = resolve_site(options, None);
    let Some((site, output_dir)) = resolved else {
        diagnostics::sort(&mut diagnostics);
        return BuildReport {
            diagnostics,
            output_dir: None,
            files: 0,
            pages: 0,
            elapsed: start.elapsed(),
            ok: false,
        };
    };
    let target = target(&site, output_dir);
    let failed = |diagnostics: &[Diagnostic]| diagnostics.iter().any(Diagnostic::is_error);
    // named as the other diagnostics are: relative to the root when inside it
    let relative = |errors: Vec<Diagnostic>| {
        errors.into_iter().map(|mut d| {
            if let Ok(rel) = d.file.strip_prefix(&options.root)
                && !rel.as_os_str().is_empty()
            {
                d.file = rel.to_owned();
            }
            d
        })
    };
    let staging = match options.purpose.writes() && !failed(&diagnostics) {
        true => match check_output_dir(&options.root, &target.dir).and_then(|()| Staging::open(&target)) {
            Ok(staging) => Some(staging),
            Err(errors) => {
                diagnostics.extend(relative(errors));
                None
            }
        },
        false => None,
    };
    let (files, pages) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let write_error = Mutex::new(None);
    diagnostics.extend(render_all(&site, options, &|file| {
        files.fetch_add(1, Ordering::Relaxed);
        if file.path.ends_with(".html") {
            pages.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(staging) = &staging
            && lock(&write_error).is_none()
            && let Err(e) = staging.write(&file)
        {
            lock(&write_error).get_or_insert(e);
        }
    }));
    if let Some(e) = write_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        diagnostics.extend(relative(vec![Diagnostic::error(&target.dir, e)]));
    }
    if let Some(staging) = staging
        && !failed(&diagnostics)
        && let Err(errors) = staging.finish()
    {
        diagnostics.extend(relative(errors));
    }
    diagnostics::sort(&mut diagnostics);
    BuildReport {
        ok: !failed(&diagnostics),
        diagnostics,
        output_dir: Some(target.dir),
        files: files.into_inner(),
        pages: pages.into_inner(),
        elapsed: start.elapsed(),
    }
}

/// The output directory is replaced whole: it must not hold the sources.
/// `--output` may name any other directory (book.toml's `output_dir` is held
/// to stricter rules by `config::check_output_dir_setting`).
fn check_output_dir(root: &Path, out: &Path) -> Result<(), Vec<Diagnostic>> {
    let (root, real_out) = (real_path(root), real_path(out));
    let hint = "each build replaces the output directory whole; choose another with --output";
    if root.starts_with(&real_out) {
        return Err(vec![
            Diagnostic::error(out, "the output directory contains the site's sources").with_hint(hint),
        ]);
    }
    for inner in crate::source::config::SOURCE_DIRS {
        if real_out.starts_with(root.join(inner)) {
            return Err(vec![
                Diagnostic::error(out, format!("the output directory is inside the site's `{inner}/`")).with_hint(hint),
            ]);
        }
    }
    Ok(())
}

/// `path` as the filesystem sees it: absolute, with symbolic links and `..`
/// resolved as far as it exists, and the rest normalised by its text (so
/// `docs/../content` is `content`).
fn real_path(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let parts: Vec<Component> = abs.components().collect();
    for existing in (1..=parts.len()).rev() {
        let Ok(mut real) = parts[..existing].iter().collect::<PathBuf>().canonicalize() else {
            continue;
        };
        for part in &parts[existing..] {
            match part {
                Component::ParentDir => {
                    real.pop();
                }
                Component::Normal(name) => real.push(name),
                _ => {}
            }
        }
        return real;
    }
    abs
}

//! The pipeline: load -> resolve -> render -> write.
//!
//! [`build`] runs every stage, gathers the diagnostics of all of them, and
//! publishes the output only when there is no error. `check` is the same
//! run without the last step.

use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use crate::diagnostics::{self, Diagnostic};
use crate::render::cache::Cache;
use crate::render::{self, Extras, OutputFile, Scope};
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
    /// False for `check`: run everything, write nothing.
    pub write: bool,
    /// Make the plan's PDFs (when book.toml asks for them). `serve` leaves
    /// them out: typesetting takes about a second, too long for live reload.
    pub pdf: bool,
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
    let (mut files, render_diagnostics) = render_scope(&site, options, &Scope::All, true);
    diagnostics.extend(render_diagnostics);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    // one file beside several pages under one name is published once
    files.dedup();
    // a page whose address the site makes for something else is named at its file
    let page_at: std::collections::HashMap<String, &std::path::Path> = site
        .pages
        .iter()
        .map(|page| {
            let path = format!("{}index.html", crate::urls::page_dir(&page.lang, &page.id));
            (path, page.file.as_path())
        })
        .collect();
    for pair in files.windows(2) {
        if pair[0].path == pair[1].path {
            let path = &pair[0].path;
            diagnostics.push(match page_at.get(path) {
                Some(file) => Diagnostic::error(
                    *file,
                    format!("the site makes another page at this page's address `{}`", path.trim_end_matches("index.html")),
                )
                    .with_hint("the search page, taxonomies and their terms have their own addresses; rename the page's file or folder"),
                None => Diagnostic::error(path, format!("two outputs want the path `{path}`"))
                    .with_hint("a section or taxonomy has the same name as another page"),
            });
        }
    }
    diagnostics::sort(&mut diagnostics);
    let target = output::Target {
        dir: output_dir,
        precompress: site.config.build.precompress,
    };
    (files, diagnostics, Some(target))
}

/// Loads and resolves the site (reusing what is unchanged since `previous`),
/// and names the output directory. `None` when book.toml is unusable.
pub(crate) fn resolve_site(
    options: &BuildOptions,
    previous: Option<&Site>,
) -> (Option<(Site, PathBuf)>, Vec<Diagnostic>) {
    let mut reuse = load::Reuse::default();
    if let Some(site) = previous {
        reuse.pages = site.pages.iter().map(|p| (p.file.as_path(), p)).collect();
        reuse.facts = site
            .facts
            .iter()
            .map(|(id, f)| (f.file.as_path(), (id.as_str(), f)))
            .collect();
        reuse.files = site.files.values().map(|f| (f.file.as_path(), f)).collect();
    }
    let (sources, mut diagnostics) = load::load_reusing(&options.root, options.drafts, &reuse);
    let Some(mut sources) = sources else {
        return (None, diagnostics);
    };
    if let Some(base_url) = &options.base_url {
        sources.config.site.base_url = base_url.clone();
    }
    let output_dir = options
        .output
        .clone()
        .unwrap_or_else(|| options.root.join(&sources.config.build.output_dir));
    let (site, resolve_diagnostics) = site::resolve_reusing(sources, previous);
    diagnostics.extend(resolve_diagnostics);
    (Some((site, output_dir)), diagnostics)
}

/// Renders the pages of `scope`, with the theme's assets; the plan's print
/// pages (and PDFs, when the options ask for them) with `print`.
pub(crate) fn render_scope(
    site: &Site,
    options: &BuildOptions,
    scope: &Scope,
    print: bool,
) -> (Vec<OutputFile>, Vec<Diagnostic>) {
    let theme_dir = Path::new("themes").join(&site.config.site.theme);
    let (assets, mut diagnostics) = assets::build(&site.theme, &theme_dir);
    let (env, template_diagnostics) = render::environment(site);
    diagnostics.extend(template_diagnostics);

    let mut files = assets.files.clone();
    for (path, published) in &site.published {
        files.push(OutputFile::new(published.path.clone(), site.files[path].bytes.to_vec()));
    }
    let mut extras = Extras::default();
    // `check` writes nothing, not even to the cache
    let cache = Cache::new(&options.root, options.write);
    if print {
        let (print_files, print_diagnostics) = print::render(site, &env, &assets, options.pdf.then_some(&cache));
        for file in &print_files {
            let editions = match file.path.rsplit_once('.') {
                Some((_, "pdf")) => &mut extras.pdfs,
                Some((_, "epub")) => &mut extras.epubs,
                _ => continue,
            };
            let lang = file.path.split('/').next().unwrap_or("").to_owned();
            editions.insert(lang, (file.path.clone(), file.bytes.len()));
        }
        files.extend(print_files);
        diagnostics.extend(print_diagnostics);
    }
    let (pages, render_diagnostics) = render::render(site, &env, &assets, &extras, scope);
    // the index covers every page: `serve` makes it apart from a page's rebuild
    if site.config.build.search && matches!(scope, Scope::All) && render_diagnostics.is_empty() {
        let pages = pages.iter().map(|f| (f.path.as_str(), &f.bytes[..]));
        let (index, search_diagnostics) = search::index(site, pages, Some(&cache));
        files.extend(index);
        diagnostics.extend(search_diagnostics);
    }
    files.extend(pages);
    diagnostics.extend(render_diagnostics);
    (files, diagnostics)
}

pub fn build(options: &BuildOptions) -> BuildReport {
    let start = Instant::now();
    let (files, mut diagnostics, target) = render_site(options);
    let ok = target.is_some() && !diagnostics.iter().any(Diagnostic::is_error);
    let pages = files.iter().filter(|f| f.path.ends_with(".html")).count();
    if ok
        && options.write
        && let Some(target) = &target
    {
        let published = check_output_dir(&options.root, &target.dir).and_then(|()| output::publish(target, &files));
        if let Err(errors) = published {
            // named as the other diagnostics are: relative to the root when inside it
            diagnostics.extend(errors.into_iter().map(|mut d| {
                if let Ok(rel) = d.file.strip_prefix(&options.root)
                    && !rel.as_os_str().is_empty()
                {
                    d.file = rel.to_owned();
                }
                d
            }));
        }
    }
    let ok = ok && !diagnostics.iter().any(Diagnostic::is_error);
    BuildReport {
        diagnostics,
        output_dir: target.map(|t| t.dir),
        files: files.len(),
        pages,
        elapsed: start.elapsed(),
        ok,
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

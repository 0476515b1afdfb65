//! Loading: the only stage that reads the site's files.
//!
//! Reads `book.toml`, every file under `content/`, `i18n/<lang>.yaml` and the
//! theme, and returns [`Sources`]: parsed, typed, in memory, plus every
//! problem found on the way. Files are read and parsed in parallel; the
//! result is sorted so that nothing depends on the order the disk returns.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rayon::prelude::*;

use crate::diagnostics::{self, Diagnostic};
use crate::escape;
use crate::source::config::Config;
use crate::source::facts::Facts;
use crate::source::files;
use crate::source::frontmatter::{self, FrontMatter};
use crate::source::glossary::{self, Glossary};
use crate::source::i18n::{Catalog, Strings};
use crate::source::search_rules::Rules;
use crate::source::slug;
use crate::source::yaml;

/// Largest content file read; larger ones are reported, not read.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

#[derive(Debug)]
pub struct Sources {
    pub root: PathBuf,
    pub config: Config,
    /// In (id, language) order.
    pub pages: Vec<SourcePage>,
    /// Entity facts by page id.
    pub facts: BTreeMap<String, EntityFacts>,
    /// Files beside the pages (images, documents) by their path under
    /// `content/` with `/`; see [`crate::source::files`].
    pub files: BTreeMap<String, ContentFile>,
    pub strings: Strings,
    /// How each language's words are searched (`i18n/<lang>.search.yaml`).
    pub search: BTreeMap<String, Rules>,
    /// The site's terminology (`i18n/glossary.yaml`), if it has one.
    pub glossary: Option<Glossary>,
    pub theme: Theme,
}

/// One Markdown file.
#[derive(Debug, Clone)]
pub struct SourcePage {
    /// Path under `content/` without language and extension; "" for the home page.
    pub id: String,
    pub lang: String,
    /// Path relative to the site root, for diagnostics.
    pub file: PathBuf,
    /// The whole file, normalised to `\n` line endings; empty once
    /// released (see [`load_digesting`]).
    text: Arc<str>,
    /// Where a released text is read again, and what it must be.
    released: Option<Released>,
    pub front: FrontMatter,
    /// Byte offset of the body in `text`.
    pub body_start: usize,
    pub body_line_offset: usize,
    /// An `_index` page: the page of a section (or the home page).
    pub is_section: bool,
    /// The file as it was read, for [`Reuse`].
    pub stamp: Option<Stamp>,
}

/// A page text's place and fingerprint, kept when the text is not.
#[derive(Debug, Clone)]
struct Released {
    root: Arc<Path>,
    hash: u64,
}

impl SourcePage {
    /// The whole text of a page loaded with its text held ([`load`],
    /// [`load_reusing`]: `serve` and the commands).
    pub fn text(&self) -> &str {
        debug_assert!(self.released.is_none(), "{}: text released", self.file.display());
        &self.text
    }

    /// The body of a page loaded with its text held.
    pub fn body(&self) -> &str {
        &self.text()[self.body_start..]
    }

    /// The whole text: held, or read again from its file. A file that
    /// changed since it was loaded is an error: what was checked is not
    /// what would be published.
    pub fn read(&self) -> Result<Cow<'_, str>, Diagnostic> {
        let Some(released) = &self.released else {
            return Ok(Cow::Borrowed(&self.text));
        };
        let (text, _) = read_text_stamped(&released.root, &self.file)?;
        let (text, _) = without_forbidden_characters(&self.file, text);
        if fingerprint(&text) != released.hash {
            return Err(
                Diagnostic::error(&self.file, "the file changed while the site was being built")
                    .with_hint("build again once it is saved"),
            );
        }
        Ok(Cow::Owned(text))
    }

    /// Places diagnostics in the text, which it reads (again) once, for
    /// the first.
    pub fn placer(&self) -> Placer<'_> {
        Placer {
            page: self,
            text: std::cell::OnceCell::new(),
        }
    }

    /// Lets the text go, to be [read](Self::read) again from under `root`.
    fn release(&mut self, root: &Arc<Path>) {
        self.released = Some(Released {
            root: Arc::clone(root),
            hash: fingerprint(&self.text),
        });
        self.text = Arc::from("");
    }
}

/// See [`SourcePage::placer`].
pub struct Placer<'a> {
    page: &'a SourcePage,
    text: std::cell::OnceCell<Option<Cow<'a, str>>>,
}

impl Placer<'_> {
    /// `diagnostic` placed at byte `offset` of the text (without a place
    /// if a released text cannot be read again).
    pub fn at(&self, diagnostic: Diagnostic, offset: usize) -> Diagnostic {
        match self.text.get_or_init(|| self.page.read().ok()) {
            Some(text) => diagnostic.at_offset(text, offset),
            None => diagnostic,
        }
    }
}

/// Tells a text from another version of the same file; nobody but the
/// file's editor chooses either, so a fast hash is enough.
fn fingerprint(text: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(text)
}

#[derive(Debug, Clone)]
pub struct EntityFacts {
    pub file: PathBuf,
    pub text: String,
    pub facts: Facts,
    pub stamp: Option<Stamp>,
}

/// A file beside the pages, as read.
#[derive(Debug, Clone)]
pub struct ContentFile {
    /// Path relative to the site root, for diagnostics.
    pub file: PathBuf,
    pub kind: files::Kind,
    pub bytes: Arc<[u8]>,
    pub stamp: Option<Stamp>,
}

/// A file's size and modification time when it was read, and when that was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    modified: SystemTime,
    len: u64,
    read_at: SystemTime,
}

impl Stamp {
    /// From the file's metadata, taken just before reading it.
    fn new(metadata: &std::fs::Metadata) -> Option<Stamp> {
        Some(Stamp {
            modified: metadata.modified().ok()?,
            len: metadata.len(),
            read_at: SystemTime::now(),
        })
    }

    /// Whether `file` is surely unchanged since it was read with stamp `then`.
    fn unchanged_since(root: &Path, file: &Path, then: Option<Stamp>) -> bool {
        let now = std::fs::metadata(root.join(file)).ok().and_then(|m| Stamp::new(&m));
        then.zip(now).is_some_and(|(then, now)| then.unchanged(&now))
    }

    /// Whether the file, stamped again `now`, surely still has the text read
    /// then: same size and time, and that time well before the read. (A file
    /// written within the file system's timestamp resolution of the read
    /// could change and keep its time; those are read again.)
    fn unchanged(&self, now: &Stamp) -> bool {
        const RESOLUTION: Duration = Duration::from_secs(2);
        self.len == now.len
            && self.modified == now.modified
            && self.modified.checked_add(RESOLUTION).is_some_and(|t| t < self.read_at)
    }
}

#[derive(Debug, Default, PartialEq)]
pub struct Theme {
    /// Template name (path under `templates/`) and source.
    pub templates: Vec<(String, String)>,
    /// Stylesheets by path under `css/`; `main.css` is the entry point.
    pub css: BTreeMap<String, String>,
    /// Static files (under `static/`, and web fonts under `fonts/`) by their
    /// path in the theme, published under `assets/`.
    pub static_files: Vec<(String, Vec<u8>)>,
    /// Font files (`.ttf`, `.otf`) under `fonts/`, for the PDF.
    pub fonts: Vec<(String, Vec<u8>)>,
}

impl Theme {
    /// The ids the templates give their own elements (`id="main"`), which
    /// no heading of the content may take.
    pub fn reserved_ids(&self) -> BTreeSet<String> {
        let mut ids = BTreeSet::new();
        for (_, source) in &self.templates {
            for rest in source.split(" id=\"").skip(1) {
                let value = rest.split('"').next().unwrap_or("");
                if !value.is_empty() && !value.contains(['{', '%']) {
                    ids.insert(value.to_owned());
                }
            }
        }
        ids
    }
}

/// Reads `root/book.toml`: the one file without which nothing else can be read.
pub fn load_config(root: &Path) -> Result<Config, Vec<Diagnostic>> {
    let file = PathBuf::from("book.toml");
    let text = read_text(root, &file).map_err(|d| vec![d])?;
    Config::parse(&file, &text)
}

/// Content files parsed by an earlier load, by path (`serve` keeps them
/// between builds): a file whose size and modification time are as then is
/// not read again, and one whose text is as then is not parsed again.
#[derive(Default)]
pub struct Reuse<'a> {
    pub pages: HashMap<&'a Path, &'a SourcePage>,
    pub facts: HashMap<&'a Path, (&'a str, &'a EntityFacts)>,
    pub files: HashMap<&'a Path, &'a ContentFile>,
}

/// Reads the whole site. `None` when the configuration itself is unusable.
pub fn load(root: &Path, drafts: bool) -> (Option<Sources>, Vec<Diagnostic>) {
    load_reusing(root, drafts, &Reuse::default())
}

/// [`load`], taking unchanged content files from `reuse`.
pub fn load_reusing(root: &Path, drafts: bool, reuse: &Reuse) -> (Option<Sources>, Vec<Diagnostic>) {
    let (loaded, diagnostics) = load_with::<()>(root, drafts, reuse, None);
    (loaded.map(|(sources, _)| sources), diagnostics)
}

/// One page file read again, for `serve` when it is told which files
/// changed: the page and the warnings about characters removed from it.
/// `None` when `file` is no longer a page that loads (it is gone, or has
/// an error): a full load says why.
pub fn reload_page(root: &Path, file: &Path, languages: &[String]) -> Option<(SourcePage, Vec<Diagnostic>)> {
    match load_content_file(root, file, languages, &Reuse::default()) {
        Loaded::Page(page, warnings) => Some((*page, warnings)),
        _ => None,
    }
}

/// What a build makes of each page while its text is at hand (its
/// analysis), given the theme.
pub type Digest<'a, D> = dyn Fn(&Theme, &SourcePage) -> D + Sync + 'a;

/// [`load`] for a build, which need not hold every page's text at once:
/// each page is digested as soon as it is read, and its text let go, to be
/// [read](SourcePage::read) again when the page is rendered. The plan's
/// pages, which its editions read several times, stay held. The digests
/// are in the order of the pages.
pub fn load_digesting<D: Send>(
    root: &Path,
    drafts: bool,
    digest: &Digest<D>,
) -> (Option<(Sources, Vec<D>)>, Vec<Diagnostic>) {
    load_with(root, drafts, &Reuse::default(), Some(digest))
}

fn load_with<D: Send>(
    root: &Path,
    drafts: bool,
    reuse: &Reuse,
    digest: Option<&Digest<D>>,
) -> (Option<(Sources, Vec<D>)>, Vec<Diagnostic>) {
    let config = match load_config(root) {
        Ok(c) => c,
        Err(d) => return (None, d),
    };
    let mut diagnostics = Vec::new();
    let languages = config.site.languages.clone();
    // the theme first, for the digests; its problems are reported after the content's
    let mut theme_diagnostics = Vec::new();
    let theme = load_theme(root, &config.site.theme, &mut theme_diagnostics);
    let held_root: Arc<Path> = Arc::from(root);
    let plan_section = config.plan.as_ref().map(|plan| plan.section.to_string());
    let in_plan = |id: &str| {
        plan_section
            .as_deref()
            .is_some_and(|section| id == section || id.strip_prefix(section).is_some_and(|rest| rest.starts_with('/')))
    };

    let content_files = walk(root, Path::new("content"), &mut diagnostics);
    let results: Vec<(Loaded, Option<D>)> = content_files
        .par_iter()
        .map(|file| {
            let mut loaded = load_content_file(root, file, &languages, reuse);
            let digested = match (&mut loaded, digest) {
                (Loaded::Page(page, _), Some(digest)) if drafts || !page.front.draft => {
                    let digested = digest(&theme, page);
                    if !in_plan(&page.id) {
                        page.release(&held_root);
                    }
                    Some(digested)
                }
                _ => None,
            };
            (loaded, digested)
        })
        .collect();
    let mut pages = Vec::with_capacity(results.len());
    let mut facts = BTreeMap::new();
    let mut files = BTreeMap::new();
    for (result, digested) in results {
        match result {
            Loaded::Page(page, warnings) => {
                if page.front.draft && !drafts {
                    continue;
                }
                diagnostics.extend(warnings);
                pages.push((*page, digested))
            }
            Loaded::Facts(id, f, warnings) => {
                diagnostics.extend(warnings);
                facts.insert(id, *f);
            }
            Loaded::File(path, file) => {
                files.insert(path, *file);
            }
            Loaded::Skipped => {}
            Loaded::Problem(d) => diagnostics.push(d),
        }
    }
    pages.sort_by(|(a, _), (b, _)| (&a.id, &a.lang).cmp(&(&b.id, &b.lang)));
    let (pages, digests): (Vec<SourcePage>, Vec<Option<D>>) = pages.into_iter().unzip();
    let digests: Vec<D> = digests.into_iter().flatten().collect();
    if !content_files.is_empty() || root.join("content").is_dir() {
        for pair in pages.windows(2) {
            if pair[0].id == pair[1].id && pair[0].lang == pair[1].lang {
                diagnostics.push(
                    Diagnostic::error(
                        &pair[1].file,
                        format!("duplicate page id `{}` in `{}`", pair[1].id, pair[1].lang),
                    )
                    .with_hint(format!("{} has the same id", pair[0].file.display())),
                );
            }
        }
    } else {
        diagnostics
            .push(Diagnostic::error("content", "no content directory").with_hint("create content/_index.<lang>.md"));
    }

    let mut catalogs = BTreeMap::new();
    for lang in &languages {
        let file = PathBuf::from(format!("i18n/{lang}.yaml"));
        match read_text(root, &file).and_then(|text| Catalog::parse(&file, &text)) {
            Ok(catalog) => {
                catalogs.insert(lang.clone(), catalog);
            }
            Err(d) => diagnostics.push(d),
        }
    }
    let strings = Strings {
        catalogs,
        source: languages[0].clone(),
    };
    let mut search = BTreeMap::new();
    for lang in &languages {
        let file = PathBuf::from(format!("i18n/{lang}.search.yaml"));
        if !root.join(&file).exists() {
            continue;
        }
        let text = match read_text(root, &file) {
            Ok(text) => text,
            Err(d) => {
                diagnostics.push(d);
                continue;
            }
        };
        match yaml::parse::<Rules>(&file, &text, &text, 0) {
            Ok(rules) => {
                let problems = rules.problems();
                diagnostics.extend(problems.into_iter().map(|(key, value, message)| {
                    // at the value as written after its key, else at the key
                    // (in block or flow style), else at the start
                    let key_at = text
                        .match_indices(&format!("{key}:"))
                        .map(|(at, _)| at)
                        .find(|&at| {
                            text[..at]
                                .chars()
                                .next_back()
                                .is_none_or(|c| matches!(c, '\n' | ' ' | '{' | ',' | '"' | '\''))
                        })
                        .map(|at| if text[..at].ends_with(['"', '\'']) { at - 1 } else { at })
                        .unwrap_or(0);
                    let at = value
                        .filter(|value| !value.is_empty())
                        .and_then(|value| text[key_at..].find(value.as_str()).map(|found| key_at + found))
                        .unwrap_or(key_at);
                    Diagnostic::error(&file, message)
                        .at_offset(&text, at)
                        .with_hint("see \"Search\" in the README for what each key takes")
                }));
                search.insert(lang.clone(), rules);
            }
            Err(d) => diagnostics.push(d),
        }
    }

    let glossary_file = PathBuf::from("i18n/glossary.yaml");
    let glossary = if root.join(&glossary_file).exists() {
        match read_text(root, &glossary_file) {
            Ok(text) => glossary::parse(&glossary_file, &text, &languages)
                .map_err(|problems| diagnostics.extend(problems))
                .ok(),
            Err(d) => {
                diagnostics.push(d);
                None
            }
        }
    } else {
        None
    };

    diagnostics.extend(theme_diagnostics);
    let sources = Sources {
        root: root.to_owned(),
        config,
        pages,
        facts,
        files,
        strings,
        search,
        glossary,
        theme,
    };
    (Some((sources, digests)), diagnostics)
}

enum Loaded {
    /// A page, and warnings about characters removed from it.
    Page(Box<SourcePage>, Vec<Diagnostic>),
    Facts(String, Box<EntityFacts>, Vec<Diagnostic>),
    /// A file beside the pages, by its path under `content/`.
    File(String, Box<ContentFile>),
    Skipped,
    Problem(Diagnostic),
}

fn load_content_file(root: &Path, file: &Path, languages: &[String], reuse: &Reuse) -> Loaded {
    let rel = file.strip_prefix("content").unwrap_or(file);
    let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let dir: Vec<&str> = rel
        .parent()
        .map(|p| p.iter().filter_map(|s| s.to_str()).collect())
        .unwrap_or_default();
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    match ext {
        "md" => {
            let Some((slug, lang)) = stem.rsplit_once('.') else {
                return Loaded::Problem(
                    Diagnostic::error(file, "page file name has no language")
                        .with_hint(format!("name it `{stem}.{}.md`", languages[0])),
                );
            };
            if !languages.iter().any(|l| l == lang) {
                return Loaded::Problem(
                    Diagnostic::error(file, format!("unknown language `{lang}` in file name")).with_hint_opt(
                        diagnostics::did_you_mean(lang, languages.iter().map(String::as_str))
                            .or_else(|| Some(format!("configured languages: {}", languages.join(", ")))),
                    ),
                );
            }
            let is_section = slug == "_index";
            let mut segments = dir.clone();
            if !is_section {
                segments.push(slug);
            }
            if let Some(problem) = bad_segment(file, &segments) {
                return problem;
            }
            let cached = reuse.pages.get(file);
            if let Some(page) = cached.filter(|p| Stamp::unchanged_since(root, file, p.stamp)) {
                return Loaded::Page(Box::new((*page).clone()), Vec::new());
            }
            let (text, stamp) = match read_text_stamped(root, file) {
                Ok(read) => read,
                Err(d) => return Loaded::Problem(d),
            };
            let (text, mut warnings) = without_forbidden_characters(file, text);
            // a page whose reading warned (its stamp is none) is parsed
            // again, to warn again
            if let Some(page) = cached.filter(|p| p.stamp.is_some() && p.text() == text) {
                let stamp = unwarned(stamp, &warnings);
                let page = SourcePage {
                    stamp,
                    ..(*page).clone()
                };
                return Loaded::Page(Box::new(page), warnings);
            }
            match frontmatter::split(file, &text) {
                Ok(split) => {
                    let body_start = text.len() - split.body.len();
                    let (front, body_line_offset) = (split.front, split.body_line_offset);
                    warnings.extend(split.warnings);
                    let stamp = unwarned(stamp, &warnings);
                    let page = SourcePage {
                        id: segments.join("/"),
                        lang: lang.to_owned(),
                        file: file.to_owned(),
                        front,
                        body_start,
                        body_line_offset,
                        is_section,
                        text: text.into(),
                        released: None,
                        stamp,
                    };
                    Loaded::Page(Box::new(page), warnings)
                }
                Err(d) => Loaded::Problem(d),
            }
        }
        "yaml" | "yml" => {
            let mut segments = dir.clone();
            segments.push(stem);
            if let Some(problem) = bad_segment(file, &segments) {
                return problem;
            }
            let cached = reuse.facts.get(file);
            if let Some((id, facts)) = cached.filter(|(_, f)| Stamp::unchanged_since(root, file, f.stamp)) {
                return Loaded::Facts((*id).to_owned(), Box::new((*facts).clone()), Vec::new());
            }
            let (text, stamp) = match read_text_stamped(root, file) {
                Ok(read) => read,
                Err(d) => return Loaded::Problem(d),
            };
            let (text, mut warnings) = without_forbidden_characters(file, text);
            // as for pages: facts whose reading warned are parsed again
            if let Some((id, facts)) = cached.filter(|(_, f)| f.stamp.is_some() && f.text == text) {
                let stamp = unwarned(stamp, &warnings);
                let facts = EntityFacts {
                    stamp,
                    ..(*facts).clone()
                };
                return Loaded::Facts((*id).to_owned(), Box::new(facts), warnings);
            }
            let parsed =
                yaml::parse::<Facts>(file, &text, &text, 0).map(|mut facts| {
                    warnings.extend(facts.texts_mut().filter_map(|(key, value)| {
                        yaml::remove_forbidden_characters(file, &text, (&text, 1), key, value)
                    }));
                    facts
                });
            let stamp = unwarned(stamp, &warnings);
            match parsed {
                Ok(facts) => Loaded::Facts(
                    segments.join("/"),
                    Box::new(EntityFacts {
                        file: file.to_owned(),
                        text,
                        facts,
                        stamp,
                    }),
                    warnings,
                ),
                Err(d) => Loaded::Problem(d),
            }
        }
        _ if name.starts_with('.') || name.ends_with('~') => Loaded::Skipped,
        _ => match files::kind(&ext.to_ascii_lowercase()) {
            Some(kind) => load_content_beside(root, file, rel, &dir, name, kind, reuse),
            None => Loaded::Problem(
                Diagnostic::warning(
                    file,
                    "file ignored: not a page (`.md`), entity facts (`.yaml`) nor a file the site publishes",
                )
                .with_hint(format!("files beside pages may be: {}", files::EXTENSIONS)),
            ),
        },
    }
}

/// A file beside the pages (an image, a document): read as bytes, and
/// published if a page links it.
fn load_content_beside(
    root: &Path,
    file: &Path,
    rel: &Path,
    dir: &[&str],
    name: &str,
    kind: files::Kind,
    reuse: &Reuse,
) -> Loaded {
    if let Some(problem) = bad_segment(file, dir) {
        return problem;
    }
    if let Some(why) = files::name_problem(name) {
        return Loaded::Problem(
            Diagnostic::error(
                file,
                format!("`{}` cannot be published under its name: {why}", name.escape_debug()),
            )
            .with_hint("rename it: lowercase letters a–z, digits, `-` and `_`, and a lowercase extension"),
        );
    }
    let path = rel.iter().filter_map(|s| s.to_str()).collect::<Vec<_>>().join("/");
    if let Some(cached) = reuse
        .files
        .get(file)
        .filter(|f| Stamp::unchanged_since(root, file, f.stamp))
    {
        return Loaded::File(path, Box::new((*cached).clone()));
    }
    match read_bytes_limited(root, file, files::MAX_BYTES, "link to where it is published instead") {
        Ok((bytes, stamp)) => Loaded::File(
            path,
            Box::new(ContentFile {
                file: file.to_owned(),
                kind,
                bytes: bytes.into(),
                stamp,
            }),
        ),
        Err(d) => Loaded::Problem(d),
    }
}

/// The problem with a file whose path is not made of slugs (it would become an id).
fn bad_segment(file: &Path, segments: &[&str]) -> Option<Loaded> {
    let (bad, why) = segments.iter().find_map(|s| Some((s, slug::problem(s)?)))?;
    Some(Loaded::Problem(
        Diagnostic::error(
            file,
            format!("`{}` is not a valid id segment: {why}", bad.escape_debug()),
        )
        .with_hint("use lowercase letters a–z, digits, `-` and `_` in file and directory names"),
    ))
}

/// The text without the characters XML 1.0 forbids (U+000B and U+000C come
/// with text pasted from word processors and PDFs; one of them in a feed
/// makes readers reject the whole feed) or HTML counts errors
/// ([`escape::is_text_char`]), and a warning at each.
fn without_forbidden_characters(file: &Path, text: String) -> (String, Vec<Diagnostic>) {
    if escape::is_text(&text) {
        return (text, Vec::new());
    }
    let warnings = text
        .char_indices()
        .filter(|(_, c)| !escape::is_text_char(*c))
        .map(|(offset, c)| {
            let hint = if escape::is_xml_char(c) {
                "it is not allowed in HTML; delete it to silence this warning"
            } else {
                "it is not allowed in XML (feeds, sitemap); delete it to silence this warning"
            };
            Diagnostic::warning(file, format!("invisible character U+{:04X} removed", u32::from(c)))
                .at_offset(&text, offset)
                .with_hint(hint)
        })
        .collect();
    (text_characters_only(&text), warnings)
}

/// The stamp of a file read with `warnings`: none when there are, so that
/// the file is read again by every rebuild, which reports them again.
fn unwarned(stamp: Option<Stamp>, warnings: &[Diagnostic]) -> Option<Stamp> {
    stamp.filter(|_| warnings.is_empty())
}

/// The text without the characters a page may not hold.
fn text_characters_only(text: &str) -> String {
    text.chars().filter(|c| escape::is_text_char(*c)).collect()
}

/// Every file under `root/dir`, as paths relative to `root`, sorted.
/// Symlinks are followed; loops and unreadable entries are reported.
fn walk(root: &Path, dir: &Path, diagnostics: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let base = root.join(dir);
    if !base.is_dir() {
        return Vec::new();
    }
    let mut files = Vec::new();
    let inside = std::fs::canonicalize(&base).unwrap_or_else(|_| base.clone());
    let mut walker = walkdir::WalkDir::new(&base)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walker.next() {
        let rel_of = |p: &Path| p.strip_prefix(root).map_or_else(|_| dir.to_owned(), Path::to_owned);
        match entry {
            Ok(entry) if entry.depth() > 0 && entry.file_name().to_str().is_some_and(|n| n.starts_with('.')) => {
                if entry.file_type().is_dir() {
                    walker.skip_current_dir();
                }
            }
            Ok(entry)
                if entry.path_is_symlink()
                    && !std::fs::canonicalize(entry.path()).is_ok_and(|t| t.starts_with(&inside)) =>
            {
                diagnostics.push(
                    Diagnostic::error(
                        rel_of(entry.path()),
                        format!("symbolic link points outside {}", dir.display()),
                    )
                    .with_hint("copy the file into the directory instead of linking to it"),
                );
                if entry.file_type().is_dir() {
                    walker.skip_current_dir();
                }
            }
            Ok(entry) if entry.file_type().is_file() => files.push(rel_of(entry.path())),
            Ok(_) => {}
            Err(e) => {
                let path = e.path().map_or_else(|| dir.to_owned(), rel_of);
                let message = if e.loop_ancestor().is_some() {
                    "symbolic link loop".to_owned()
                } else {
                    format!(
                        "cannot read: {}",
                        e.io_error().map_or_else(|| e.to_string(), |io| io.to_string())
                    )
                };
                diagnostics
                    .push(Diagnostic::error(path, message).with_hint("remove the link or make the file readable"));
            }
        }
    }
    files
}

/// Reads a UTF-8 text file: size-checked, BOM dropped, CRLF made LF.
pub fn read_text(root: &Path, file: &Path) -> Result<String, Diagnostic> {
    read_text_stamped(root, file).map(|(text, _)| text)
}

/// [`read_text`], with the file's [`Stamp`].
fn read_text_stamped(root: &Path, file: &Path) -> Result<(String, Option<Stamp>), Diagnostic> {
    let (bytes, stamp) = read_bytes_stamped(root, file)?;
    let text = decode(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let valid = std::str::from_utf8(&bytes[..e.utf8_error().valid_up_to()]).unwrap_or("");
        Diagnostic::error(file, "file is not valid UTF-8")
            .at_offset(valid, valid.len())
            .with_hint("save the file as UTF-8")
    })?;
    Ok((text, stamp))
}

/// A text file's bytes as text (not copied): BOM dropped, CRLF and CR
/// made LF.
fn decode(mut bytes: Vec<u8>) -> Result<String, std::string::FromUtf8Error> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    let text = if simdutf8::basic::from_utf8(&bytes).is_ok() {
        // SAFETY: the bytes were just checked to be UTF-8
        unsafe { String::from_utf8_unchecked(bytes) }
    } else {
        // std's check, which says where the bytes stop being UTF-8
        String::from_utf8(bytes)?
    };
    Ok(if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    })
}

/// A page's bytes (from anywhere, e.g. an earlier version in git) as `load`
/// reads a page: decoded as [`read_text`] does, without the characters a
/// page may not hold; `None` if they are not UTF-8.
pub fn page_text(bytes: &[u8]) -> Option<String> {
    let text = decode(bytes.to_vec()).ok()?;
    Some(if escape::is_text(&text) {
        text
    } else {
        text_characters_only(&text)
    })
}

pub fn read_bytes(root: &Path, file: &Path) -> Result<Vec<u8>, Diagnostic> {
    read_bytes_stamped(root, file).map(|(bytes, _)| bytes)
}

fn read_bytes_stamped(root: &Path, file: &Path) -> Result<(Vec<u8>, Option<Stamp>), Diagnostic> {
    read_bytes_limited(root, file, MAX_FILE_BYTES, "split the content into several pages")
}

/// Reads a file of at most `limit` bytes; `hint` says what to do with a larger one.
fn read_bytes_limited(
    root: &Path,
    file: &Path,
    limit: u64,
    hint: &str,
) -> Result<(Vec<u8>, Option<Stamp>), Diagnostic> {
    use std::io::Read;
    let path = root.join(file);
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // a pipe put where a file was must not block the build: opened without
    // waiting for a writer, then refused as not a regular file
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let mut opened = options.open(&path).map_err(|e| io_diagnostic(file, &e))?;
    let metadata = opened.metadata().map_err(|e| io_diagnostic(file, &e))?;
    if !metadata.is_file() {
        return Err(Diagnostic::error(file, "not a regular file").with_hint("put a file here, not a pipe or a device"));
    }
    if metadata.len() > limit {
        return Err(Diagnostic::error(
            file,
            format!(
                "file is too large ({:.1} MB; the limit is {} MB)",
                metadata.len() as f64 / 1_048_576.0,
                limit / 1_048_576
            ),
        )
        .with_hint(hint));
    }
    let stamp = Stamp::new(&metadata);
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    opened.read_to_end(&mut bytes).map_err(|e| io_diagnostic(file, &e))?;
    Ok((bytes, stamp))
}

fn io_diagnostic(file: &Path, e: &std::io::Error) -> Diagnostic {
    let hint = match e.kind() {
        std::io::ErrorKind::NotFound => "create the file",
        std::io::ErrorKind::PermissionDenied => "make the file readable",
        _ => "check the file",
    };
    Diagnostic::error(file, format!("cannot read file: {e}")).with_hint(hint)
}

fn load_theme(root: &Path, name: &str, diagnostics: &mut Vec<Diagnostic>) -> Theme {
    let base = PathBuf::from("themes").join(name);
    if !root.join(&base).is_dir() {
        diagnostics.push(
            Diagnostic::error("book.toml", format!("theme `{name}` not found in themes/"))
                .with_hint("set `theme` in book.toml to a directory under themes/"),
        );
        return Theme::default();
    }
    let mut theme = Theme::default();
    for file in walk(root, &base, diagnostics) {
        let rel = file.strip_prefix(&base).unwrap_or(&file);
        let mut parts = rel.iter();
        let Some(kind) = parts.next().and_then(|k| k.to_str()) else {
            continue;
        };
        let inner: PathBuf = parts.collect();
        let inner = inner.to_string_lossy().replace('\\', "/");
        match kind {
            "templates" => match read_text(root, &file) {
                Ok(text) => theme.templates.push((inner, text)),
                Err(d) => diagnostics.push(d),
            },
            "css" => match read_text(root, &file) {
                Ok(text) => {
                    theme.css.insert(inner, text);
                }
                Err(d) => diagnostics.push(d),
            },
            "static" => match read_bytes(root, &file) {
                Ok(bytes) => theme.static_files.push((format!("static/{inner}"), bytes)),
                Err(d) => diagnostics.push(d),
            },
            "fonts" if inner.ends_with(".woff2") => match read_bytes(root, &file) {
                Ok(bytes) => theme.static_files.push((format!("fonts/{inner}"), bytes)),
                Err(d) => diagnostics.push(d),
            },
            "fonts" if inner.ends_with(".ttf") || inner.ends_with(".otf") => match read_bytes(root, &file) {
                Ok(bytes) => theme.fonts.push((inner, bytes)),
                Err(d) => diagnostics.push(d),
            },
            _ => {}
        }
    }
    theme
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_accepts_and_refuses_what_std_does() {
        let cases: [&[u8]; 14] = [
            b"",
            "plain \u{e5}\u{e4}\u{f6} \u{2013} \u{1F600}".as_bytes(),
            b"\xEF\xBB\xBFwith a BOM\r\nand CRLF\rand CR",
            b"truncated \xC3",
            b"truncated \xE2\x80",
            b"truncated \xF0\x9F\x98",
            b"overlong \xC0\xAF",
            b"overlong \xE0\x80\xAF",
            b"surrogate \xED\xA0\x80",
            b"beyond U+10FFFF \xF4\x90\x80\x80",
            b"lone continuation \x80",
            b"invalid lead \xFF",
            // past the first 64 bytes, where a vector check takes its second block
            b"0123456789012345678901234567890123456789012345678901234567890123456789 \xC3(",
            b"0123456789012345678901234567890123456789012345678901234567890123456789 \xC3\xA5",
        ];
        for bytes in cases {
            let std = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes));
            match (decode(bytes.to_vec()), std) {
                (Ok(text), Ok(expected)) => {
                    assert_eq!(text, expected.replace("\r\n", "\n").replace('\r', "\n"));
                }
                (Err(e), Err(expected)) => assert_eq!(e.utf8_error(), expected, "{bytes:?}"),
                (Ok(_), Err(expected)) => panic!("{bytes:?} decoded, though std says {expected}"),
                (Err(e), Ok(_)) => panic!("{bytes:?} refused ({e}), though std decodes it"),
            }
        }
    }

    #[test]
    fn a_file_as_new_as_its_read_is_read_again() {
        let now = SystemTime::now();
        let stamp = |modified: SystemTime, len: u64| Stamp {
            modified,
            len,
            read_at: now,
        };
        let old = now - Duration::from_secs(60);
        assert!(stamp(old, 10).unchanged(&stamp(old, 10)));
        assert!(!stamp(old, 10).unchanged(&stamp(old, 11)));
        assert!(!stamp(old, 10).unchanged(&stamp(now, 10)));
        // written in the same second as it was read: its time proves nothing
        let recent = now - Duration::from_millis(500);
        assert!(!stamp(recent, 10).unchanged(&stamp(recent, 10)));
    }

    #[test]
    fn a_released_text_is_read_again_and_a_changed_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(
            root.join("book.toml"),
            "[site]\ntitle = \"T\"\nbase_url = \"https://example.org/\"\nlanguages = [\"sv\"]\nauthor = \"A\"\n",
        )
        .unwrap();
        std::fs::create_dir(root.join("content")).unwrap();
        let file = root.join("content/_index.sv.md");
        std::fs::write(&file, "---\ntitle: Hem\n---\nHej.\r\n").unwrap();
        let digest = |_: &Theme, page: &SourcePage| page.body().to_owned();
        let (loaded, _) = load_digesting(root, false, &digest);
        let (sources, digests) = loaded.unwrap();
        assert_eq!(digests, ["Hej.\n"]);
        let page = &sources.pages[0];
        assert!(page.released.is_some());
        assert_eq!(&*page.read().unwrap(), "---\ntitle: Hem\n---\nHej.\n");
        std::fs::write(&file, "---\ntitle: Hem\n---\nHej då.\n").unwrap();
        let problem = page.read().unwrap_err();
        assert!(
            problem.message.contains("changed while the site was being built"),
            "{problem:?}"
        );
        // a problem found later in a text that changed has no place in it
        assert_eq!(page.placer().at(Diagnostic::warning(&page.file, "w"), 20).line, 0);
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_where_a_page_was_is_refused_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("page.sv.md");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        let problem = read_text(dir.path(), Path::new("page.sv.md")).unwrap_err();
        assert_eq!(problem.message, "not a regular file");
    }
}

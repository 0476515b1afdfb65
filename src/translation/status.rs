//! Translation status for translators (`plansite i18n`): for every language
//! but the source language, which pages and interface strings are missing,
//! stale or extra compared with the source language, and [`mark`], which
//! records in a translation's front matter the source text it was reviewed
//! against.
//!
//! This module owns the states, the source hash and the two report formats.
//! It reads the site only through [`load::load`] (drafts included: the report
//! is about the files translators work on) and reports nothing when loading
//! found an error. [`mark`] is the one place besides `output` that writes a
//! site file: it rewrites the `translated_from:` line of the one translation
//! the user named and keeps every other byte of that file.
//!
//! **Pages**, per id: `ok` (the translation's `translated_from` is the hash of
//! the current source-language page, [`super::source_hash`]), `stale` (it is
//! another hash: the source changed after the translation was reviewed; the
//! report names the source body's line range, and `plansite i18n diff` the
//! changed blocks), `unmarked` (no `translated_from`: never reviewed against a
//! hash), `missing` (no translation) and `extra` (no source-language page).
//! The hash covers the source page's title, link title, description and body
//! (BOM dropped, line endings as `\n`); a hash of the body alone, as marks
//! made before the title was covered record, still counts as `ok` while the
//! body is unchanged.
//!
//! **Interface strings**, per dotted key: `missing` (in the source language's
//! file only), `extra` (in the translation's file only), or present in both
//! and then `ok` or `mismatch` with one or more problems: `placeholders` (the
//! sets of `{name}` placeholders differ, over all plural forms), `plural_forms`
//! (a plural message lacks a category the language needs: the categories of
//! [`i18n::plural_category`] over 0..=200) and `shape` (text, plural forms or
//! list differ, or lists differ in length).
//!
//! The exit code is 1 when a page is missing or stale or a string is missing
//! or has a problem; `unmarked` and `extra` are reported but do not fail.
//!
//! **Text** ([`Format::Text`]): per language a summary line for pages and one
//! for strings, then one line per page or string that is not `ok` (state, id
//! or key, `file:line`, what to do), failing states first, then a last line
//! `complete: …` or `incomplete: <languages> …`.
//!
//! **JSON** ([`Format::Json`]): one object; object keys are sorted, pages are
//! sorted by id and strings by key, languages are in `book.toml` order, and a
//! `line` is `null` where it is not known:
//!
//! ```text
//! { "languages": [ {
//!       "lang": "fi",
//!       "pages": [ { "draft": false, "hash": "1a2b3c4d5e6f" | null, "id": "partners/oulu",
//!                    "source": { "end_line": 40, "file": "content/partners/oulu.sv.md", "line": 5 } | null,
//!                    "state": "ok" | "stale" | "unmarked" | "missing" | "extra",
//!                    "translated_from": "1a2b3c4d5e6f" | null,
//!                    "translation": { "file": "content/partners/oulu.fi.md", "line": 4 } | null } ],
//!       "strings": [ { "key": "nav.skip",
//!                      "problems": [ { "kind": "placeholders", "source": ["count"], "translation": [] }
//!                                  | { "kind": "plural_forms", "missing": ["one"], "needed": ["one", "other"] }
//!                                  | { "kind": "shape", "source": "list of 12", "translation": "text" } ],
//!                      "source": { "file": "i18n/sv.yaml", "line": 12 } | null,
//!                      "state": "ok" | "missing" | "extra" | "mismatch",
//!                      "translation": { "file": "i18n/fi.yaml", "line": 12 } | null } ],
//!       "summary": { "pages": { "extra": 0, "missing": 0, "ok": 0, "stale": 0, "unmarked": 0 },
//!                    "strings": { "extra": 0, "missing": 0, "ok": 0, "placeholders": 0,
//!                                 "plural_forms": 0, "shape": 0 } } } ],
//!   "ok": true,
//!   "source": "sv" }
//! ```
//!
//! `hash` is the current source hash (what `mark` would record); `draft` is
//! true when the source or the translation has `draft: true`;
//! `source.line`–`source.end_line` of a page is its body; `translation.line`
//! is the line of `translated_from` (1 when there is none). A string's
//! `summary` counts keys for `ok`, `missing` and `extra`, and problems for the
//! others. `ok` is false exactly when the exit code is 1.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use crate::diagnostics::{self, Diagnostic};
use crate::escape;
use crate::source::frontmatter;
use crate::source::i18n::{self, Catalog, Message, PLURAL_CATEGORIES};
use crate::source::load::{self, SourcePage, Sources};

/// Output format of [`report`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A table for a terminal, grouped per language.
    Text,
    /// Complete, sorted JSON for tools (shape in the module documentation).
    Json,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            _ => Err(format!("unknown format `{s}`; use `text` or `json`")),
        }
    }
}

/// Runs the report for every translation, or only `lang`; returns (what to
/// print on stdout, exit code): 1 when anything is missing or stale (see the
/// module documentation), else 0. Content errors (unreadable `book.toml`
/// etc.) and a `lang` that is not a translation come back as
/// `Err(Vec<Diagnostic>)`, to be printed like build errors.
pub fn report(root: &Path, lang: Option<&str>, format: Format) -> Result<(String, i32), Vec<Diagnostic>> {
    report_with_glossary(root, lang, format, false).map(|(out, code, _)| (out, code))
}

/// [`report`] with the glossary's findings (`translation::glossary`),
/// returned for printing and, in JSON, listed under `glossary`; with
/// `strict` they fail the report.
pub fn report_with_glossary(
    root: &Path,
    lang: Option<&str>,
    format: Format,
    strict: bool,
) -> Result<(String, i32, Vec<Diagnostic>), Vec<Diagnostic>> {
    let sources = load_sources(root)?;
    let findings = super::glossary::check(&sources, strict);
    let languages: Vec<&str> = match lang {
        Some(lang) => {
            check_translation_language(&sources, lang).map_err(|d| vec![d])?;
            vec![lang]
        }
        None => sources.config.site.languages[1..].iter().map(String::as_str).collect(),
    };
    let reports: Vec<LangReport> = languages.iter().map(|lang| lang_report(&sources, lang)).collect();
    let source = sources.config.source_language();
    let failed = reports.iter().any(LangReport::fails) || (strict && !findings.is_empty());
    let out = match format {
        Format::Text => text(source, &reports),
        Format::Json => {
            let mut out = String::new();
            let mut json = json(source, &reports, failed);
            if let Json::Obj(fields) = &mut json {
                fields.insert("glossary", glossary_json(&findings));
            }
            json.write(&mut out, 0);
            out.push('\n');
            out
        }
    };
    Ok((out, i32::from(failed), findings))
}

fn glossary_json(findings: &[Diagnostic]) -> Json {
    Json::Arr(
        findings
            .iter()
            .map(|d| {
                object([
                    ("file", Json::Str(path(&d.file))),
                    ("hint", d.hint.clone().map_or(Json::Null, Json::Str)),
                    ("line", Json::Num(d.line)),
                    ("message", Json::Str(d.message.clone())),
                    (
                        "severity",
                        Json::Str(
                            match d.severity {
                                crate::diagnostics::Severity::Error => "error",
                                crate::diagnostics::Severity::Warning => "warning",
                            }
                            .to_owned(),
                        ),
                    ),
                ])
            })
            .collect(),
    )
}

/// Records the current source hash in the translation's front matter
/// (`translated_from: "<hash>"`), after a translator reviewed it; returns the
/// message to print. `id` is a page id (`partners/oulu`; `/` is the home
/// page). Only that line of the front matter changes (it is inserted before
/// the closing `---` when absent); the file is not written when it already
/// holds the hash.
pub fn mark(root: &Path, id: &str, lang: &str) -> Result<String, Vec<Diagnostic>> {
    let sources = load_sources(root)?;
    check_translation_language(&sources, lang).map_err(|d| vec![d])?;
    let source_lang = sources.config.source_language();
    let id = id.trim().trim_start_matches("@/").trim_matches('/');
    let find = |lang: &str| sources.pages.iter().find(|p| p.id == id && p.lang == lang);
    let Some(source) = find(source_lang) else {
        let hint = match find(lang) {
            Some(translation) => Some(format!(
                "{} has no {source_lang} page to be a translation of",
                path(&translation.file)
            )),
            None => diagnostics::did_you_mean(
                id,
                sources
                    .pages
                    .iter()
                    .filter(|p| p.lang == source_lang)
                    .map(|p| p.id.as_str()),
            )
            .or_else(|| {
                Some(
                    "give the page id: its path under content/ without language and extension, `/` for the home page"
                        .into(),
                )
            }),
        };
        return Err(vec![
            Diagnostic::error("content", format!("no page `{}`", shown(id))).with_hint_opt(hint),
        ]);
    };
    let Some(translation) = find(lang) else {
        return Err(vec![
            Diagnostic::error(&source.file, format!("page `{}` has no {lang} translation", shown(id)))
                .with_hint(format!("create {}", translation_file(source, lang))),
        ]);
    };

    let hash = super::source_hash(&source.front, source.body());
    let file = &translation.file;
    let raw = load::read_bytes(root, file).map_err(|d| vec![d])?;
    let raw = String::from_utf8(raw)
        .map_err(|_| vec![Diagnostic::error(file, "file is not valid UTF-8").with_hint("save the file as UTF-8")])?;
    let cannot = || {
        vec![
            Diagnostic::error(file, "cannot record `translated_from` in this front matter").with_hint(format!(
                "add the line `translated_from: \"{hash}\"` to the front matter by hand"
            )),
        ]
    };
    let updated = set_translated_from(&raw, &hash).ok_or_else(cannot)?;
    // The rewritten file must say what was meant and nothing else.
    let normalized = updated
        .strip_prefix('\u{feff}')
        .unwrap_or(&updated)
        .replace("\r\n", "\n");
    match frontmatter::split(file, &normalized) {
        Ok(split)
            if split.front.translated_from.as_deref() == Some(hash.as_str()) && split.body == translation.body() => {}
        _ => return Err(cannot()),
    }
    if updated == raw {
        return Ok(format!(
            "{} already records translated_from {hash}, the current text of {}",
            path(file),
            path(&source.file)
        ));
    }
    std::fs::write(root.join(file), &updated).map_err(|e| {
        vec![Diagnostic::error(file, format!("cannot write file: {e}")).with_hint("make the file writable")]
    })?;
    Ok(format!(
        "marked {}: translated_from {hash}, the current text of {}",
        path(file),
        path(&source.file)
    ))
}

/// The site, or every diagnostic when loading found an error.
pub(super) fn load_sources(root: &Path) -> Result<Sources, Vec<Diagnostic>> {
    let (sources, mut diagnostics) = load::load(root, true);
    match sources {
        Some(sources) if !diagnostics.iter().any(Diagnostic::is_error) => Ok(sources),
        _ => {
            diagnostics::sort(&mut diagnostics);
            Err(diagnostics)
        }
    }
}

pub(super) fn check_translation_language(sources: &Sources, lang: &str) -> Result<(), Diagnostic> {
    let languages = &sources.config.site.languages;
    let others = languages[1..].join(", ");
    if lang == languages[0] {
        Err(
            Diagnostic::error("book.toml", format!("`{lang}` is the source language")).with_hint(
                if others.is_empty() {
                    "the site has no other language to translate into".to_owned()
                } else {
                    format!("choose a translation: {others}")
                },
            ),
        )
    } else if !languages.iter().any(|l| l == lang) {
        Err(
            Diagnostic::error("book.toml", format!("unknown language `{lang}`")).with_hint_opt(
                diagnostics::did_you_mean(lang, languages.iter().map(String::as_str))
                    .or_else(|| Some(format!("configured languages: {}", languages.join(", ")))),
            ),
        )
    } else {
        Ok(())
    }
}

/// Sets `translated_from:` in the front matter of a file as it is on disk
/// (BOM and line endings kept): replaces the line (and any indented
/// continuation lines) or inserts one before the closing `---`. `None` when
/// the file does not start with a front matter block.
fn set_translated_from(raw: &str, hash: &str) -> Option<String> {
    let start = if raw.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    // (start, end of content, end with line ending) of each line
    let mut lines = Vec::new();
    let mut pos = start;
    for line in raw[start..].split_inclusive('\n') {
        let content = line.strip_suffix('\n').unwrap_or(line);
        let content = content.strip_suffix('\r').unwrap_or(content);
        lines.push((pos, pos + content.len(), pos + line.len()));
        pos += line.len();
    }
    let text = |i: usize| &raw[lines[i].0..lines[i].1];
    if lines.is_empty() || text(0) != "---" {
        return None;
    }
    let close = (1..lines.len()).find(|&i| text(i) == "---")?;
    let line = format!("translated_from: \"{hash}\"");
    let mut out = String::with_capacity(raw.len() + line.len() + 2);
    match (1..close).find(|&i| text(i).starts_with("translated_from:")) {
        Some(first) => {
            let mut last = first;
            while last + 1 < close && text(last + 1).starts_with([' ', '\t']) {
                last += 1;
            }
            out.push_str(&raw[..lines[first].0]);
            out.push_str(&line);
            if last == first {
                out.push_str(comment(text(first)));
            }
            out.push_str(&raw[lines[last].1..]);
        }
        None => {
            let eol = &raw[lines[0].1..lines[0].2];
            out.push_str(&raw[..lines[close].0]);
            out.push_str(&line);
            out.push_str(eol);
            out.push_str(&raw[lines[close].0..]);
        }
    }
    Some(out)
}

/// The comment ending a one-line YAML entry (` # …`, with the space before
/// it), or "": a `#` after white space and outside quotes.
fn comment(line: &str) -> &str {
    let mut quote = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' && previous.is_whitespace() => {
                let start = line[..i].trim_end().len();
                return &line[start..];
            }
            None => {}
        }
        previous = c;
    }
    ""
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PageState {
    Missing,
    Stale,
    Extra,
    Unmarked,
    Ok,
}

impl PageState {
    const ALL: [PageState; 5] = [
        PageState::Ok,
        PageState::Missing,
        PageState::Stale,
        PageState::Unmarked,
        PageState::Extra,
    ];

    fn name(self) -> &'static str {
        match self {
            PageState::Ok => "ok",
            PageState::Missing => "missing",
            PageState::Stale => "stale",
            PageState::Unmarked => "unmarked",
            PageState::Extra => "extra",
        }
    }
}

struct PageStatus<'a> {
    id: &'a str,
    state: PageState,
    source: Option<&'a SourcePage>,
    translation: Option<&'a SourcePage>,
    /// The current source hash ([`super::source_hash`]).
    hash: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StringState {
    Ok,
    Missing,
    Extra,
    Mismatch,
}

impl StringState {
    fn name(self) -> &'static str {
        match self {
            StringState::Ok => "ok",
            StringState::Missing => "missing",
            StringState::Extra => "extra",
            StringState::Mismatch => "mismatch",
        }
    }
}

enum Problem {
    Placeholders {
        source: BTreeSet<String>,
        translation: BTreeSet<String>,
    },
    PluralForms {
        needed: Vec<&'static str>,
        missing: Vec<&'static str>,
    },
    Shape {
        source: String,
        translation: String,
    },
}

impl Problem {
    const KINDS: [&'static str; 3] = ["placeholders", "plural_forms", "shape"];

    fn kind(&self) -> &'static str {
        match self {
            Problem::Placeholders { .. } => "placeholders",
            Problem::PluralForms { .. } => "plural_forms",
            Problem::Shape { .. } => "shape",
        }
    }
}

struct StringStatus<'a> {
    key: &'a str,
    state: StringState,
    /// Line in the source language's file, if the key is there (0: unknown).
    source_line: Option<usize>,
    translation_line: Option<usize>,
    problems: Vec<Problem>,
}

struct LangReport<'a> {
    lang: &'a str,
    source: &'a str,
    pages: Vec<PageStatus<'a>>,
    strings: Vec<StringStatus<'a>>,
}

impl LangReport<'_> {
    fn page_counts(&self) -> Vec<(&'static str, usize)> {
        PageState::ALL
            .iter()
            .map(|&state| (state.name(), self.pages.iter().filter(|p| p.state == state).count()))
            .collect()
    }

    fn string_counts(&self) -> Vec<(&'static str, usize)> {
        let keys = |state: StringState| self.strings.iter().filter(|s| s.state == state).count();
        let mut counts = vec![
            ("ok", keys(StringState::Ok)),
            ("missing", keys(StringState::Missing)),
            ("extra", keys(StringState::Extra)),
        ];
        for kind in Problem::KINDS {
            let n = self
                .strings
                .iter()
                .flat_map(|s| &s.problems)
                .filter(|p| p.kind() == kind)
                .count();
            counts.push((kind, n));
        }
        counts
    }

    fn fails(&self) -> bool {
        self.pages
            .iter()
            .any(|p| matches!(p.state, PageState::Missing | PageState::Stale))
            || self
                .strings
                .iter()
                .any(|s| matches!(s.state, StringState::Missing | StringState::Mismatch))
    }
}

fn lang_report<'a>(sources: &'a Sources, lang: &'a str) -> LangReport<'a> {
    let source = sources.config.source_language();
    let mut by_id: BTreeMap<&str, (Option<&SourcePage>, Option<&SourcePage>)> = BTreeMap::new();
    for page in &sources.pages {
        if page.lang == source {
            by_id.entry(&page.id).or_default().0 = Some(page);
        } else if page.lang == lang {
            by_id.entry(&page.id).or_default().1 = Some(page);
        }
    }
    let pages = by_id
        .into_iter()
        .map(|(id, (source, translation))| {
            let hash = source.map(|s| super::source_hash(&s.front, s.body()));
            let recorded = translation.and_then(recorded_hash);
            let state = match (source, translation, recorded) {
                (Some(_), None, _) => PageState::Missing,
                (None, _, _) => PageState::Extra,
                (Some(_), Some(_), None) => PageState::Unmarked,
                (Some(source), Some(_), Some(recorded))
                    if super::names_version(recorded, &source.front, source.body()) =>
                {
                    PageState::Ok
                }
                (Some(_), Some(_), Some(_)) => PageState::Stale,
            };
            PageStatus {
                id,
                state,
                source,
                translation,
                hash,
            }
        })
        .collect();

    // every configured language has a catalog once loading found no error
    static EMPTY: Catalog = Catalog {
        messages: BTreeMap::new(),
        lines: BTreeMap::new(),
    };
    let source_catalog = sources.strings.catalogs.get(source).unwrap_or(&EMPTY);
    let catalog = sources.strings.catalogs.get(lang).unwrap_or(&EMPTY);
    let needed = needed_categories(lang);
    let keys: BTreeSet<&str> = source_catalog
        .messages
        .keys()
        .chain(catalog.messages.keys())
        .map(String::as_str)
        // a language's own grammatical forms of dates, which others need not have
        .filter(|key| !key.starts_with(CASES))
        .collect();
    let strings = keys
        .into_iter()
        .map(|key| {
            let line = |c: &Catalog| c.messages.get(key).map(|_| c.lines.get(key).copied().unwrap_or(0));
            let (state, problems) = match (source_catalog.get(key), catalog.get(key)) {
                (Some(_), None) => (StringState::Missing, Vec::new()),
                (None, _) => (StringState::Extra, Vec::new()),
                (Some(s), Some(t)) => {
                    let problems = compare(s, t, &needed);
                    let state = if problems.is_empty() {
                        StringState::Ok
                    } else {
                        StringState::Mismatch
                    };
                    (state, problems)
                }
            };
            StringStatus {
                key,
                state,
                source_line: line(source_catalog),
                translation_line: line(catalog),
                problems,
            }
        })
        .collect();
    LangReport {
        lang,
        source,
        pages,
        strings,
    }
}

/// Interface strings under this prefix are one language's grammar (see
/// [`Strings::format_date_in`](crate::source::i18n::Strings::format_date_in)), never missing or extra.
const CASES: &str = "format.cases.";

/// `translated_from` of a translation; an empty value counts as none.
pub(super) fn recorded_hash(page: &SourcePage) -> Option<&str> {
    page.front
        .translated_from
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty())
}

/// The plural categories `lang` uses for the counts 0..=200, in CLDR order.
fn needed_categories(lang: &str) -> Vec<&'static str> {
    let used: BTreeSet<&str> = (0..=200).map(|n| i18n::plural_category(lang, n)).collect();
    PLURAL_CATEGORIES.into_iter().filter(|c| used.contains(c)).collect()
}

fn compare(source: &Message, translation: &Message, needed: &[&'static str]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let (source_shape, translation_shape) = (shape(source), shape(translation));
    if source_shape != translation_shape {
        problems.push(Problem::Shape {
            source: source_shape,
            translation: translation_shape,
        });
    }
    let (source_names, translation_names) = (placeholder_set(source), placeholder_set(translation));
    if source_names != translation_names {
        problems.push(Problem::Placeholders {
            source: source_names,
            translation: translation_names,
        });
    }
    if let Message::Plural(forms) = translation {
        let missing: Vec<&'static str> = needed.iter().copied().filter(|c| !forms.contains_key(*c)).collect();
        if !missing.is_empty() {
            problems.push(Problem::PluralForms {
                needed: needed.to_vec(),
                missing,
            });
        }
    }
    problems
}

fn shape(message: &Message) -> String {
    match message {
        Message::Text(_) => "text".to_owned(),
        Message::Plural(_) => "plural forms".to_owned(),
        Message::List(items) => format!("list of {}", items.len()),
    }
}

fn placeholder_set(message: &Message) -> BTreeSet<String> {
    let texts: Vec<&String> = match message {
        Message::Text(s) => vec![s],
        Message::Plural(forms) => forms.values().collect(),
        Message::List(items) => items.iter().collect(),
    };
    texts
        .into_iter()
        .flat_map(|s| i18n::placeholders(s))
        .map(str::to_owned)
        .collect()
}

/// A path as shown in reports, with `/` separators.
pub(super) fn path(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// An id as shown to a person: the home page's empty id is `/`.
pub(super) fn shown(id: &str) -> &str {
    if id.is_empty() { "/" } else { id }
}

/// Where the `lang` translation of a source page would be.
fn translation_file(source: &SourcePage, lang: &str) -> String {
    let file = path(&source.file);
    match file.strip_suffix(&format!(".{}.md", source.lang)) {
        Some(stem) => format!("{stem}.{lang}.md"),
        None => file,
    }
}

/// First and last line of a page's body in its file.
pub(super) fn body_lines(page: &SourcePage) -> (usize, usize) {
    let first = page.body_line_offset + 1;
    (first, page.text.lines().count().max(first))
}

/// Line of `translated_from:` in a page's front matter.
pub(super) fn translated_from_line(page: &SourcePage) -> Option<usize> {
    page.text
        .lines()
        .take(page.body_line_offset)
        .position(|l| l.starts_with("translated_from:"))
        .map(|i| i + 1)
}

fn location(file: &str, line: Option<usize>) -> String {
    match line {
        Some(line) if line > 0 => format!("{file}:{line}"),
        _ => file.to_owned(),
    }
}

fn names(set: &BTreeSet<String>) -> String {
    if set.is_empty() {
        "no placeholders".to_owned()
    } else {
        set.iter().map(|n| format!("{{{n}}}")).collect::<Vec<_>>().join(" ")
    }
}

fn text(source: &str, reports: &[LangReport]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "translation status against the source language {source}");
    if reports.is_empty() {
        let _ = writeln!(out, "\nno translations: the site has only {source}");
    }
    for report in reports {
        let counts = |counts: Vec<(&str, usize)>| {
            counts
                .iter()
                .map(|(name, n)| format!("{n} {}", name.replace('_', " ")))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(out, "\n{}", report.lang);
        let _ = writeln!(out, "  pages    {}", counts(report.page_counts()));
        let _ = writeln!(out, "  strings  {}", counts(report.string_counts()));
        let rows = rows(report);
        let width = |i: usize| {
            rows.iter()
                .map(|r: &[String; 4]| r[i].chars().count())
                .max()
                .unwrap_or(0)
        };
        let (w0, w1, w2) = (width(0), width(1), width(2));
        for [state, subject, location, detail] in &rows {
            let _ = writeln!(out, "  {state:w0$}  {subject:w1$}  {location:w2$}  {detail}");
        }
        if report
            .pages
            .iter()
            .any(|p| matches!(p.state, PageState::Stale | PageState::Unmarked))
        {
            let _ = writeln!(
                out,
                "  after reviewing a translation, record it: plansite i18n mark <id> --lang {}",
                report.lang
            );
        }
    }
    let failing: Vec<&str> = reports.iter().filter(|r| r.fails()).map(|r| r.lang).collect();
    let unmarked: usize = reports
        .iter()
        .map(|r| r.pages.iter().filter(|p| p.state == PageState::Unmarked).count())
        .sum();
    out.push('\n');
    if !failing.is_empty() {
        let _ = writeln!(
            out,
            "incomplete: {} (missing or stale pages, or string problems)",
            failing.join(", ")
        );
    } else if unmarked > 0 {
        let _ = writeln!(
            out,
            "complete: nothing missing or stale; {unmarked} translation(s) never marked"
        );
    } else {
        let _ = writeln!(out, "complete: nothing missing or stale");
    }
    out
}

/// One row per page or string that is not ok: state, id or key, file:line, detail.
fn rows(report: &LangReport) -> Vec<[String; 4]> {
    let (lang, source_lang) = (report.lang, report.source);
    let mut pages: Vec<&PageStatus> = report.pages.iter().filter(|p| p.state != PageState::Ok).collect();
    pages.sort_by_key(|p| (p.state, p.id));
    let mut rows = Vec::new();
    for page in pages {
        let review = |s: &SourcePage| match body_lines(s) {
            (first, last) if first < last => format!("{}:{first}-{last}", path(&s.file)),
            (first, _) => format!("{}:{first}", path(&s.file)),
        };
        let draft = if page.source.is_some_and(|p| p.front.draft) || page.translation.is_some_and(|p| p.front.draft) {
            " (draft)"
        } else {
            ""
        };
        let (file, detail) = match (page.source, page.translation) {
            (Some(s), None) => (
                location(&path(&s.file), Some(1)),
                format!("no {lang} translation; create {}", translation_file(s, lang)),
            ),
            (None, Some(t)) => (
                location(&path(&t.file), Some(1)),
                format!("no {source_lang} page `{}`", shown(page.id)),
            ),
            (Some(s), Some(t)) if page.state == PageState::Stale && !recorded_hash(t).is_some_and(super::is_hash) => (
                location(&path(&t.file), translated_from_line(t)),
                format!(
                    "translated_from `{}` is not a hash plansite wrote (12 hex digits); review against {} and record it with `plansite i18n mark {} --lang {}`",
                    recorded_hash(t).unwrap_or(""),
                    review(s),
                    shown(page.id),
                    t.lang
                ),
            ),
            (Some(s), Some(t)) if page.state == PageState::Stale => (
                location(&path(&t.file), translated_from_line(t)),
                format!(
                    "the source changed since translated_from {} (now {}); review against {} (`plansite i18n diff {}` shows what changed)",
                    recorded_hash(t).unwrap_or(""),
                    page.hash.as_deref().unwrap_or(""),
                    review(s),
                    shown(page.id)
                ),
            ),
            (Some(s), Some(t)) => (
                location(&path(&t.file), Some(1)),
                format!("no translated_from; review against {}", review(s)),
            ),
            (None, None) => continue,
        };
        rows.push([
            page.state.name().to_owned(),
            shown(page.id).to_owned(),
            file,
            format!("{detail}{draft}"),
        ]);
    }

    let source_file = format!("i18n/{source_lang}.yaml");
    let file = format!("i18n/{lang}.yaml");
    let mut strings = Vec::new();
    for s in &report.strings {
        let (order, state, at, detail) = match s.state {
            StringState::Ok | StringState::Mismatch => {
                for problem in &s.problems {
                    let detail = match problem {
                        Problem::Placeholders { source, translation } => {
                            format!("{source_lang} has {}, {lang} has {}", names(source), names(translation))
                        }
                        Problem::PluralForms { needed, missing } => {
                            format!("no form {} ({lang} needs {})", missing.join(", "), needed.join(", "))
                        }
                        Problem::Shape { source, translation } => {
                            format!("{source} in {source_lang}, {translation} in {lang}")
                        }
                    };
                    let order = 2 + Problem::KINDS.iter().position(|k| *k == problem.kind()).unwrap_or(0);
                    strings.push((
                        order,
                        problem.kind().replace('_', " "),
                        s.key,
                        location(&file, s.translation_line),
                        detail,
                    ));
                }
                continue;
            }
            StringState::Missing => (
                0,
                "missing",
                location(&source_file, s.source_line),
                format!("not in {file}"),
            ),
            StringState::Extra => (
                1,
                "extra",
                location(&file, s.translation_line),
                format!("not in {source_file}"),
            ),
        };
        strings.push((order, state.to_owned(), s.key, at, detail));
    }
    strings.sort_by(|a, b| (a.0, a.2).cmp(&(b.0, b.2)));
    rows.extend(
        strings
            .into_iter()
            .map(|(_, state, key, at, detail)| [state, key.to_owned(), at, detail]),
    );
    rows
}

fn json(source: &str, reports: &[LangReport], failed: bool) -> Json {
    let file_line = |file: String, line: Option<usize>| {
        object([
            ("file", Json::Str(file)),
            ("line", line.filter(|l| *l > 0).map_or(Json::Null, Json::Num)),
        ])
    };
    let languages = reports
        .iter()
        .map(|report| {
            let pages = report
                .pages
                .iter()
                .map(|page| {
                    let source = page.source.map_or(Json::Null, |s| {
                        let (first, last) = body_lines(s);
                        object([
                            ("end_line", Json::Num(last)),
                            ("file", Json::Str(path(&s.file))),
                            ("line", Json::Num(first)),
                        ])
                    });
                    let translation = page.translation.map_or(Json::Null, |t| {
                        file_line(path(&t.file), Some(translated_from_line(t).unwrap_or(1)))
                    });
                    let draft =
                        page.source.is_some_and(|p| p.front.draft) || page.translation.is_some_and(|p| p.front.draft);
                    object([
                        ("draft", Json::Bool(draft)),
                        ("hash", page.hash.clone().map_or(Json::Null, Json::Str)),
                        ("id", Json::Str(page.id.to_owned())),
                        ("source", source),
                        ("state", Json::Str(page.state.name().to_owned())),
                        (
                            "translated_from",
                            page.translation
                                .and_then(recorded_hash)
                                .map_or(Json::Null, |h| Json::Str(h.to_owned())),
                        ),
                        ("translation", translation),
                    ])
                })
                .collect();
            let strings = report
                .strings
                .iter()
                .map(|s| {
                    let problems = s
                        .problems
                        .iter()
                        .map(|problem| match problem {
                            Problem::Placeholders { source, translation } => object([
                                ("kind", Json::Str(problem.kind().to_owned())),
                                ("source", strings(source.iter().map(String::as_str))),
                                ("translation", strings(translation.iter().map(String::as_str))),
                            ]),
                            Problem::PluralForms { needed, missing } => object([
                                ("kind", Json::Str(problem.kind().to_owned())),
                                ("missing", strings(missing.iter().copied())),
                                ("needed", strings(needed.iter().copied())),
                            ]),
                            Problem::Shape { source, translation } => object([
                                ("kind", Json::Str(problem.kind().to_owned())),
                                ("source", Json::Str(source.clone())),
                                ("translation", Json::Str(translation.clone())),
                            ]),
                        })
                        .collect();
                    let at = |lang: &str, line: Option<usize>| {
                        line.map_or(Json::Null, |line| file_line(format!("i18n/{lang}.yaml"), Some(line)))
                    };
                    object([
                        ("key", Json::Str(s.key.to_owned())),
                        ("problems", Json::Arr(problems)),
                        ("source", at(report.source, s.source_line)),
                        ("state", Json::Str(s.state.name().to_owned())),
                        ("translation", at(report.lang, s.translation_line)),
                    ])
                })
                .collect();
            let counts = |counts: Vec<(&'static str, usize)>| {
                Json::Obj(counts.into_iter().map(|(name, n)| (name, Json::Num(n))).collect())
            };
            object([
                ("lang", Json::Str(report.lang.to_owned())),
                ("pages", Json::Arr(pages)),
                ("strings", Json::Arr(strings)),
                (
                    "summary",
                    object([
                        ("pages", counts(report.page_counts())),
                        ("strings", counts(report.string_counts())),
                    ]),
                ),
            ])
        })
        .collect();
    object([
        ("languages", Json::Arr(languages)),
        ("ok", Json::Bool(!failed)),
        ("source", Json::Str(source.to_owned())),
    ])
}

/// A JSON value; objects keep their keys sorted.
enum Json {
    Null,
    Bool(bool),
    Num(usize),
    Str(String),
    Arr(Vec<Json>),
    Obj(BTreeMap<&'static str, Json>),
}

fn object<const N: usize>(fields: [(&'static str, Json); N]) -> Json {
    Json::Obj(fields.into_iter().collect())
}

fn strings<'a>(items: impl Iterator<Item = &'a str>) -> Json {
    Json::Arr(items.map(|s| Json::Str(s.to_owned())).collect())
}

impl Json {
    fn is_scalar(&self) -> bool {
        !matches!(self, Json::Arr(_) | Json::Obj(_))
    }

    /// Writes the value indented by two spaces per level; arrays of scalars stay on one line.
    fn write(&self, out: &mut String, indent: usize) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Num(n) => {
                let _ = write!(out, "{n}");
            }
            Json::Str(s) => out.push_str(&escape::json_string(s)),
            Json::Arr(items) if items.is_empty() => out.push_str("[]"),
            Json::Arr(items) if items.iter().all(Json::is_scalar) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write(out, indent);
                }
                out.push(']');
            }
            Json::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    out.push_str(if i > 0 { ",\n" } else { "\n" });
                    push_indent(out, indent + 1);
                    item.write(out, indent + 1);
                }
                out.push('\n');
                push_indent(out, indent);
                out.push(']');
            }
            Json::Obj(fields) if fields.is_empty() => out.push_str("{}"),
            Json::Obj(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    out.push_str(if i > 0 { ",\n" } else { "\n" });
                    push_indent(out, indent + 1);
                    out.push_str(&escape::json_string(key));
                    out.push_str(": ");
                    value.write(out, indent + 1);
                }
                out.push('\n');
                push_indent(out, indent);
                out.push('}');
            }
        }
    }
}

fn push_indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_objects_are_sorted_and_indented() {
        let mut out = String::new();
        object([
            ("b", Json::Arr(vec![Json::Num(1), Json::Null])),
            ("a", object([("x", Json::Bool(true))])),
            ("c", Json::Arr(vec![])),
        ])
        .write(&mut out, 0);
        assert_eq!(
            out,
            "{\n  \"a\": {\n    \"x\": true\n  },\n  \"b\": [1, null],\n  \"c\": []\n}"
        );
    }

    #[test]
    fn translated_from_is_inserted_before_the_closing_line() {
        let raw = "---\ntitle: Hei\n---\nTeksti\n";
        assert_eq!(
            set_translated_from(raw, "0123456789ab").unwrap(),
            "---\ntitle: Hei\ntranslated_from: \"0123456789ab\"\n---\nTeksti\n"
        );
    }

    #[test]
    fn translated_from_is_replaced_keeping_bom_and_crlf() {
        let raw = "\u{feff}---\r\ntitle: Hei\r\ntranslated_from:\r\n  old\r\nweight: 2\r\n---\r\nTeksti\r\n";
        assert_eq!(
            set_translated_from(raw, "0123456789ab").unwrap(),
            "\u{feff}---\r\ntitle: Hei\r\ntranslated_from: \"0123456789ab\"\r\nweight: 2\r\n---\r\nTeksti\r\n"
        );
    }

    #[test]
    fn nested_keys_and_the_body_are_not_touched() {
        let raw = "---\ntitle: Hei\nextra:\n  translated_from: x\n---\ntranslated_from: body\n";
        assert_eq!(
            set_translated_from(raw, "0123456789ab").unwrap(),
            "---\ntitle: Hei\nextra:\n  translated_from: x\ntranslated_from: \"0123456789ab\"\n---\ntranslated_from: body\n"
        );
        assert_eq!(set_translated_from("# no front matter\n", "0123456789ab"), None);
    }

    #[test]
    fn needed_plural_categories_follow_cldr() {
        assert_eq!(needed_categories("fi"), ["one", "other"]);
        assert_eq!(needed_categories("se"), ["one", "two", "other"]);
        assert_eq!(needed_categories("ja"), ["other"]);
    }
}

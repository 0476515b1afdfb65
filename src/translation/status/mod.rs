//! Translation status for translators (`plansite i18n`): for every language
//! but the source language, which pages and interface strings are missing,
//! stale or extra compared with the source language, and [`mark`], which
//! records in a translation's front matter the source text it was reviewed
//! against.
//!
//! This module owns the states and how each is found; `text` and `json`
//! write the two report formats, `mark` the one rewrite.
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
use std::path::Path;

use crate::diagnostics::{self, Diagnostic};
use crate::source::frontmatter;
use crate::source::i18n::{self, Catalog, Message, PLURAL_CATEGORIES};
use crate::source::load::{self, SourcePage, Sources};

mod json;
mod mark;
mod text;

pub use mark::mark;

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
        Format::Text => text::report(source, &reports),
        Format::Json => json::report(source, &reports, failed, &findings),
    };
    Ok((out, i32::from(failed), findings))
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
    (first, page.text().lines().count().max(first))
}

/// Line of `translated_from:` in a page's front matter.
pub(super) fn translated_from_line(page: &SourcePage) -> Option<usize> {
    page.text()
        .lines()
        .take(page.body_line_offset)
        .position(|l| l.starts_with("translated_from:"))
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needed_plural_categories_follow_cldr() {
        assert_eq!(needed_categories("fi"), ["one", "other"]);
        assert_eq!(needed_categories("se"), ["one", "two", "other"]);
        assert_eq!(needed_categories("ja"), ["other"]);
    }
}

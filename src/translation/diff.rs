//! `plansite i18n diff`: for each stale translation, what changed in the
//! source page since the translation was marked — the source as it was
//! (found in the repository's history by its hash) against the source as it
//! is, block by block (see [`blocks`]), the changed words marked, each block
//! with its line in the current source and the block of the translation
//! that renders it, so a translator revisits exactly those.
//!
//! Blocks are paired with `similar` over their Markdown; a block that was
//! rewritten pairs with the old one at its place and shows a word diff. A
//! translation's block is found by its place in the old source (section by
//! `{#id}` or heading count, then index; see [`blocks::Place`]): the
//! translation was made from the old source. Title, link title and
//! description are compared as fields.
//!
//! When the marked version cannot be read — no repository, no `git`, a
//! shallow clone, a version never committed — the entry says why and names
//! the source's body lines to review, as `plansite i18n` does. Nothing is
//! written to the content. Three formats: text for the terminal, JSON for
//! tools (keys sorted, entries by language then id), and one self-contained
//! HTML page with the old source, the new source and the translation side
//! by side.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;
use similar::{Algorithm, ChangeTag, DiffOp};

use super::blocks::{self, Block};
use super::field_line;
use super::history::{History, Version};
use super::status::{self, load_sources};
use crate::diagnostics::Diagnostic;
use crate::escape;
use crate::source::frontmatter::{self, FrontMatter};
use crate::source::load::{self, SourcePage};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Html,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "html" => Ok(Format::Html),
            other => Err(format!("unknown format `{other}`: use text, json or html")),
        }
    }
}

/// The diff of every stale translation (of `id` and `lang` when given) in
/// `format`; an error only when the site cannot be read or `id`/`lang`
/// name nothing.
pub fn diff(root: &Path, id: Option<&str>, lang: Option<&str>, format: Format) -> Result<String, Vec<Diagnostic>> {
    let report = report(root, id, lang)?;
    Ok(match format {
        Format::Text => text(&report),
        Format::Json => {
            let mut json = serde_json::to_string_pretty(&report).expect("the report serializes");
            json.push('\n');
            json
        }
        Format::Html => html(&report),
    })
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub source: String,
    /// Why the history could not be read at all, if it could not.
    pub history: Option<String>,
    pub stale: Vec<Entry>,
}

#[derive(Debug, Serialize)]
pub struct Entry {
    pub id: String,
    pub lang: String,
    pub source: Location,
    pub translation: Location,
    /// The hash the translation records, and the source's hash now.
    pub translated_from: String,
    pub hash: String,
    pub marked: Marked,
    pub changes: Vec<Change>,
}

/// In JSON: `found` (a boolean) with `commit` and `date`, or with `reason`
/// and `review`.
#[derive(Debug)]
pub enum Marked {
    /// The source as it was marked: in this commit.
    Found { commit: String, date: String },
    /// Not found; `review` names the source's body lines instead.
    Unavailable { reason: String, review: Location },
}

impl Serialize for Marked {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(3))?;
        match self {
            Marked::Found { commit, date } => {
                map.serialize_entry("commit", commit)?;
                map.serialize_entry("date", date)?;
                map.serialize_entry("found", &true)?;
            }
            Marked::Unavailable { reason, review } => {
                map.serialize_entry("found", &false)?;
                map.serialize_entry("reason", reason)?;
                map.serialize_entry("review", review)?;
            }
        }
        map.end()
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    /// Last line of a range (the body under review), when it is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_line: Option<usize>,
}

#[derive(Debug, Serialize)]
pub struct Change {
    /// `title`, `link_title`, `description`, or a block's kind.
    pub kind: String,
    pub change: ChangeKind,
    /// Where the block or field is in the current source (for a removed
    /// block: where it was, in the marked source).
    pub line: usize,
    pub old: Option<String>,
    pub new: Option<String>,
    /// The new text with what was removed and added marked (for a changed
    /// block or field).
    pub words: Vec<Words>,
    /// The translation's block or field that renders it, if one is found.
    pub translation: Option<Counterpart>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Changed,
    Added,
    Removed,
}

impl ChangeKind {
    fn name(self) -> &'static str {
        match self {
            ChangeKind::Changed => "changed",
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
        }
    }
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Words {
    pub op: WordOp,
    pub text: String,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum WordOp {
    Same,
    Removed,
    Added,
}

#[derive(Debug, Serialize)]
pub struct Counterpart {
    pub line: usize,
    pub text: String,
    /// `same`: this block renders the changed one; `after`: an added block
    /// goes after this one.
    pub relation: &'static str,
}

pub fn report(root: &Path, id: Option<&str>, lang: Option<&str>) -> Result<Report, Vec<Diagnostic>> {
    let sources = load_sources(root)?;
    let source_lang = sources.config.source_language().to_owned();
    let languages: Vec<&String> = sources.config.site.languages.iter().skip(1).collect();
    if let Some(lang) = lang {
        status::check_translation_language(&sources, lang).map_err(|d| vec![d])?;
    }
    let id = id.map(|id| id.trim().trim_start_matches("@/").trim_matches('/'));
    if let Some(id) = id
        && !sources.pages.iter().any(|p| p.id == id)
    {
        return Err(vec![
            Diagnostic::error("content", format!("no page `{}`", status::shown(id))).with_hint_opt(
                crate::diagnostics::did_you_mean(id, sources.pages.iter().map(|p| p.id.as_str())),
            ),
        ]);
    }

    let source_of: BTreeMap<&str, &SourcePage> = sources
        .pages
        .iter()
        .filter(|p| p.lang == source_lang)
        .map(|p| (p.id.as_str(), p))
        .collect();
    // stale translations: (source, translation, recorded hash)
    let mut stale: Vec<(&SourcePage, &SourcePage, &str)> = Vec::new();
    for lang in languages.iter().filter(|l| lang.is_none_or(|want| want == l.as_str())) {
        for translation in sources.pages.iter().filter(|p| &p.lang == *lang) {
            if id.is_some_and(|id| id != translation.id) {
                continue;
            }
            let (Some(source), Some(recorded)) = (
                source_of.get(translation.id.as_str()),
                status::recorded_hash(translation),
            ) else {
                continue;
            };
            if !super::names_version(recorded, &source.front, source.body()) {
                stale.push((source, translation, recorded));
            }
        }
    }
    // one page asked for and nothing stale: say why when it is not up to date
    if let Some(id) = id
        && stale.is_empty()
    {
        let mut problems = Vec::new();
        for lang in languages.iter().filter(|l| lang.is_none_or(|want| want == l.as_str())) {
            let Some(source) = source_of.get(id) else { break };
            match sources.pages.iter().find(|p| p.id == id && &p.lang == *lang) {
                None => problems.push(
                    Diagnostic::error(
                        &source.file,
                        format!("`{}` has no {lang} translation", status::shown(id)),
                    )
                    .with_hint("`plansite i18n` lists missing translations"),
                ),
                Some(translation) if status::recorded_hash(translation).is_none() => problems.push(
                    Diagnostic::error(
                        &translation.file,
                        format!(
                            "the {lang} translation of `{}` is not marked, so there is no version to compare with",
                            status::shown(id)
                        ),
                    )
                    .with_hint(format!(
                        "review it against {}, then record it: plansite i18n mark {} --lang {lang}",
                        status::path(&source.file),
                        status::shown(id)
                    )),
                ),
                Some(_) => {}
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
    }
    let order = |lang: &str| languages.iter().position(|l| l.as_str() == lang);
    stale.sort_by(|a, b| (order(&a.1.lang), &a.1.id).cmp(&(order(&b.1.lang), &b.1.id)));

    // every version of the stale pages' sources, read once
    let mut files: Vec<&Path> = stale.iter().map(|(s, ..)| s.file.as_path()).collect();
    files.dedup();
    let (versions, history) = match History::open(root) {
        Ok(history) if !stale.is_empty() => match history.versions(&files) {
            Ok(versions) => (versions, Some(history)),
            Err(reason) => return Ok(unavailable(&source_lang, stale, reason)),
        },
        Ok(history) => (BTreeMap::new(), Some(history)),
        Err(reason) => return Ok(unavailable(&source_lang, stale, reason)),
    };
    let shallow = history.as_ref().is_some_and(|h| h.shallow);
    // a version not under the page's path now: the page was moved or
    // renamed since; every source page's versions, read once if needed
    let moved = std::cell::OnceCell::new();
    let moved = |history: &History| {
        moved.get_or_init(|| {
            history
                .versions_under(Path::new("content"), &format!(".{source_lang}.md"))
                .unwrap_or_default()
        })
    };

    let stale = stale
        .into_iter()
        .map(|(source, translation, recorded)| {
            let marked = versions
                .get(&source.file)
                .into_iter()
                .flatten()
                .find_map(|version| parse_version(source, version, recorded))
                .or_else(|| {
                    let history = history.as_ref()?;
                    moved(history)
                        .iter()
                        .find_map(|version| parse_version(source, version, recorded))
                });
            match marked {
                Some((version, front, body)) => {
                    let changes = changes(source, translation, &front, &body);
                    entry(
                        source,
                        translation,
                        recorded,
                        Marked::Found {
                            commit: version.commit.clone(),
                            date: version.date.clone(),
                        },
                        changes,
                    )
                }
                None => {
                    let reason = if let Some(reason) = not_a_hash(source, recorded) {
                        reason
                    } else if shallow {
                        format!(
                            "no commit in this shallow clone holds {} as it was marked ({recorded}); `git fetch --unshallow` brings the whole history",
                            status::path(&source.file)
                        )
                    } else {
                        format!(
                            "no commit holds {} as it was marked ({recorded}): the translation was marked against a version that was never committed",
                            status::path(&source.file)
                        )
                    };
                    entry(source, translation, recorded, fallback(source, reason), Vec::new())
                }
            }
        })
        .collect();
    Ok(Report {
        source: source_lang,
        history: None,
        stale,
    })
}

/// The report when the history cannot be read at all: every entry names
/// the body to review.
fn unavailable(source_lang: &str, stale: Vec<(&SourcePage, &SourcePage, &str)>, reason: String) -> Report {
    Report {
        source: source_lang.to_owned(),
        history: Some(reason.clone()),
        stale: stale
            .into_iter()
            .map(|(source, translation, recorded)| {
                let reason = not_a_hash(source, recorded).unwrap_or_else(|| reason.clone());
                entry(source, translation, recorded, fallback(source, reason), Vec::new())
            })
            .collect(),
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

/// Why no version can be found when `recorded` is not even a hash.
fn not_a_hash(source: &SourcePage, recorded: &str) -> Option<String> {
    (!super::is_hash(recorded)).then(|| {
        format!(
            "the recorded translated_from `{recorded}` is not a hash plansite wrote (12 hex digits), so no version of {} can be found",
            status::path(&source.file)
        )
    })
}

fn fallback(source: &SourcePage, reason: String) -> Marked {
    let (line, end_line) = status::body_lines(source);
    Marked::Unavailable {
        reason,
        review: Location {
            file: status::path(&source.file),
            line,
            end_line: Some(end_line),
        },
    }
}

fn entry(source: &SourcePage, translation: &SourcePage, recorded: &str, marked: Marked, changes: Vec<Change>) -> Entry {
    Entry {
        id: status::shown(&source.id).to_owned(),
        lang: translation.lang.clone(),
        source: Location {
            file: status::path(&source.file),
            line: status::body_lines(source).0,
            end_line: None,
        },
        translation: Location {
            file: status::path(&translation.file),
            line: status::translated_from_line(translation).unwrap_or(1),
            end_line: None,
        },
        translated_from: recorded.to_owned(),
        hash: super::source_hash(&source.front, source.body()),
        marked,
        changes,
    }
}

/// A committed version of the source, if it is the one `recorded` names:
/// its front matter, body and first body line.
fn parse_version<'v>(
    source: &SourcePage,
    version: &'v Version,
    recorded: &str,
) -> Option<(&'v Version, FrontMatter, (String, usize))> {
    let text = load::page_text(&version.bytes)?;
    let split = frontmatter::split(&source.file, &text).ok()?;
    super::names_version(recorded, &split.front, split.body).then(|| {
        (
            version,
            split.front.clone(),
            (split.body.to_owned(), split.body_line_offset + 1),
        )
    })
}

/// What changed from the marked source (`front`, `body`) to the current one,
/// fields first, then blocks in order.
fn changes(source: &SourcePage, translation: &SourcePage, front: &FrontMatter, body: &(String, usize)) -> Vec<Change> {
    let mut out = Vec::new();
    for (name, get) in super::FIELDS {
        let (old, new) = (get(front), get(&source.front));
        if old == new {
            continue;
        }
        let change = match (old, new) {
            (None, _) => ChangeKind::Added,
            (_, None) => ChangeKind::Removed,
            _ => ChangeKind::Changed,
        };
        out.push(Change {
            kind: name.to_owned(),
            change,
            line: field_line(source, name).unwrap_or(1),
            old: old.map(str::to_owned),
            new: new.map(str::to_owned),
            words: words(old.unwrap_or(""), new.unwrap_or("")),
            translation: get(&translation.front).map(|text| Counterpart {
                line: field_line(translation, name).unwrap_or(1),
                text: text.to_owned(),
                relation: "same",
            }),
        });
    }

    let old_blocks = blocks::blocks(&body.0, body.1);
    let new_blocks = blocks::blocks(source.body(), source.body_line_offset + 1);
    let translated = blocks::blocks(translation.body(), translation.body_line_offset + 1);
    let counterpart = |old: &Block, relation| {
        find_counterpart(old, &translated).map(|t| Counterpart {
            line: t.line,
            text: t.markdown.clone(),
            relation,
        })
    };
    let old_texts: Vec<&str> = old_blocks.iter().map(|b| b.markdown.as_str()).collect();
    let new_texts: Vec<&str> = new_blocks.iter().map(|b| b.markdown.as_str()).collect();
    for op in similar::capture_diff_slices(Algorithm::Myers, &old_texts, &new_texts) {
        let (old_range, new_range) = (op.old_range(), op.new_range());
        if let DiffOp::Equal { .. } = op {
            continue;
        }
        let pairs = old_range.len().max(new_range.len());
        for k in 0..pairs {
            let old = old_range.clone().nth(k).map(|i| &old_blocks[i]);
            let new = new_range.clone().nth(k).map(|i| &new_blocks[i]);
            out.push(match (old, new) {
                (Some(old), Some(new)) => Change {
                    kind: new.kind.name().to_owned(),
                    change: ChangeKind::Changed,
                    line: new.line,
                    old: Some(old.markdown.clone()),
                    new: Some(new.markdown.clone()),
                    words: words(&old.markdown, &new.markdown),
                    translation: counterpart(old, "same"),
                },
                (Some(old), None) => Change {
                    kind: old.kind.name().to_owned(),
                    change: ChangeKind::Removed,
                    line: old.line,
                    old: Some(old.markdown.clone()),
                    new: None,
                    words: Vec::new(),
                    translation: counterpart(old, "same"),
                },
                (None, Some(new)) => {
                    // an added block goes after what renders the block before
                    // it: the last of the old blocks it replaces (k is past
                    // them), else the one before them
                    let before = old_range.end.checked_sub(1).map(|i| &old_blocks[i]);
                    Change {
                        kind: new.kind.name().to_owned(),
                        change: ChangeKind::Added,
                        line: new.line,
                        old: None,
                        new: Some(new.markdown.clone()),
                        words: Vec::new(),
                        translation: before.and_then(|b| counterpart(b, "after")),
                    }
                }
                (None, None) => unreachable!("k is below the longer range's length"),
            });
        }
    }
    out
}

/// The translation's block at the old source block's place: the section
/// with the same `{#id}` (else the same number of headings before it), then
/// the same index in it.
fn find_counterpart<'t>(old: &Block, translated: &'t [Block]) -> Option<&'t Block> {
    let section = old
        .place
        .anchor
        .as_ref()
        .and_then(|anchor| {
            translated
                .iter()
                .find(|t| t.place.anchor.as_ref() == Some(anchor))
                .map(|t| t.place.section)
        })
        .unwrap_or(old.place.section);
    translated
        .iter()
        .find(|t| t.place.section == section && t.place.index == old.place.index)
}

/// Words, spaces and marks beyond which a changed block is shown replaced
/// whole (about 2 000 words: a long paragraph diffs in milliseconds).
const MAX_WORD_DIFF_TOKENS: usize = 4000;

/// The new text in words, each marked same, removed or added: words,
/// spaces and punctuation are compared one by one, and a change is shown
/// as what was removed followed by what was added, a space between two
/// changed words counting as part of the change.
fn words(old: &str, new: &str) -> Vec<Words> {
    let (old_tokens, new_tokens) = (tokens(old), tokens(new));
    let mut changes: Vec<(WordOp, &str)> = Vec::new();
    if old_tokens.len().max(new_tokens.len()) > MAX_WORD_DIFF_TOKENS {
        // the diff's time grows with the product of the lengths: a block
        // this long is shown as replaced whole
        let (mut removed, mut added) = (old.to_owned(), new.to_owned());
        let mut out = Vec::new();
        push_change(&mut out, &mut removed, &mut added);
        return out;
    }
    for op in similar::capture_diff_slices(Algorithm::Myers, &old_tokens, &new_tokens) {
        for change in op.iter_changes(&old_tokens, &new_tokens) {
            let op = match change.tag() {
                ChangeTag::Equal => WordOp::Same,
                ChangeTag::Delete => WordOp::Removed,
                ChangeTag::Insert => WordOp::Added,
            };
            changes.push((op, change.value()));
        }
    }
    // white space alone between two changes joins them
    for i in 1..changes.len().saturating_sub(1) {
        let (op, text) = changes[i];
        if op == WordOp::Same
            && text.chars().all(char::is_whitespace)
            && changes[i - 1].0 != WordOp::Same
            && changes[i + 1].0 != WordOp::Same
        {
            changes[i].0 = WordOp::Removed;
            changes.insert(i + 1, (WordOp::Added, text));
        }
    }
    let mut out: Vec<Words> = Vec::new();
    let mut removed = String::new();
    let mut added = String::new();
    for (op, text) in changes {
        match op {
            WordOp::Removed => removed.push_str(text),
            WordOp::Added => added.push_str(text),
            WordOp::Same => {
                push_change(&mut out, &mut removed, &mut added);
                match out.last_mut() {
                    Some(last) if last.op == WordOp::Same => last.text.push_str(text),
                    _ => out.push(Words {
                        op,
                        text: text.to_owned(),
                    }),
                }
            }
        }
    }
    push_change(&mut out, &mut removed, &mut added);
    out
}

/// What was removed, then what was added, if anything.
fn push_change(out: &mut Vec<Words>, removed: &mut String, added: &mut String) {
    for (op, text) in [(WordOp::Removed, removed), (WordOp::Added, added)] {
        if !text.is_empty() {
            out.push(Words {
                op,
                text: std::mem::take(text),
            });
        }
    }
}

/// A text as runs of letters and digits, runs of white space, and single
/// other characters.
fn tokens(text: &str) -> Vec<&str> {
    let class = |c: char| {
        if c.is_alphanumeric() {
            0
        } else if c.is_whitespace() {
            1
        } else {
            2
        }
    };
    let mut out = Vec::new();
    let mut start = 0;
    let mut previous: Option<u8> = None;
    for (i, c) in text.char_indices() {
        let kind = class(c);
        if previous.is_some_and(|p| p != kind || kind == 2) {
            out.push(&text[start..i]);
            start = i;
        }
        previous = Some(kind);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

fn location(l: &Location) -> String {
    match l.end_line {
        Some(end) if end > l.line => format!("{}:{}–{end}", l.file, l.line),
        _ => format!("{}:{}", l.file, l.line),
    }
}

fn text(report: &Report) -> String {
    let mut out = String::new();
    if report.stale.is_empty() {
        let _ = writeln!(
            out,
            "no stale translations: every marked translation renders its source as it is"
        );
        return out;
    }
    if let Some(reason) = &report.history {
        let _ = writeln!(out, "history not read: {reason}\n");
    }
    for entry in &report.stale {
        let _ = writeln!(
            out,
            "stale {} {}: {} (translated_from {}, now {})",
            entry.lang,
            entry.id,
            location(&entry.translation),
            entry.translated_from,
            entry.hash
        );
        match &entry.marked {
            Marked::Found { commit, date } => {
                let _ = writeln!(
                    out,
                    "  marked against {} as of commit {} ({date})",
                    entry.source.file,
                    &commit[..commit.len().min(10)]
                );
            }
            Marked::Unavailable { reason, review } => {
                let _ = writeln!(out, "  {reason}\n  review the whole body: {}", location(review));
            }
        }
        for change in &entry.changes {
            let (file, line) = if change.change == ChangeKind::Removed {
                ("the marked version of ", change.line)
            } else {
                ("", change.line)
            };
            let _ = writeln!(
                out,
                "\n  {} {} at {file}{}:{line}",
                change.change.name(),
                change.kind.replace('_', " "),
                entry.source.file
            );
            let marked: String = match change.change {
                ChangeKind::Changed => change
                    .words
                    .iter()
                    .map(|w| match w.op {
                        WordOp::Same => w.text.clone(),
                        WordOp::Removed => format!("[-{}-]", w.text),
                        WordOp::Added => format!("{{+{}+}}", w.text),
                    })
                    .collect(),
                ChangeKind::Added => change.new.clone().unwrap_or_default(),
                ChangeKind::Removed => change.old.clone().unwrap_or_default(),
            };
            let _ = writeln!(out, "{}", indent(&marked, "    "));
            match &change.translation {
                Some(t) => {
                    let _ = writeln!(
                        out,
                        "  {} {}:{}\n{}",
                        if t.relation == "after" {
                            format!("add the {} after", entry.lang)
                        } else {
                            format!("{} now", entry.lang)
                        },
                        entry.translation.file,
                        t.line,
                        indent(&t.text, "    ")
                    );
                }
                None => {
                    let _ = writeln!(out, "  {}: no matching block in {}", entry.lang, entry.translation.file);
                }
            }
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{} stale translation(s); after revising one, record it with `plansite i18n mark <id> --lang <lang>`",
        report.stale.len()
    );
    out
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|l| format!("{prefix}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One self-contained page: per stale translation, a row per change with
/// the marked source, the source now (changed words marked) and the
/// translation, each cell in its language.
pub fn html(report: &Report) -> String {
    let e = |s: &str| escape::html_attr(s);
    let mut out = String::new();
    out.push_str(concat!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        "<title>Stale translations</title>\n<style>\n",
        "body{font:16px/1.5 system-ui,sans-serif;margin:1rem auto;max-width:90rem;padding:0 1rem;color:#1a1a1a;background:#fff}\n",
        "table{border-collapse:collapse;width:100%;table-layout:fixed;margin:0 0 2rem}\n",
        "th,td{border:1px solid #767676;padding:.4rem .6rem;vertical-align:top;text-align:left;overflow-wrap:anywhere;white-space:pre-wrap}\n",
        "th{background:#f0f0f0}\n",
        "del{background:#ffd7d5;color:#6b0000}\n",
        "ins{background:#c8f0cc;color:#003d0b;text-decoration:underline}\n",
        "code{font-size:.9em}\n",
        "@media (forced-colors:active){del{text-decoration:line-through}ins{text-decoration:underline}}\n",
        "</style>\n</head>\n<body>\n<main>\n<h1>Stale translations</h1>\n"
    ));
    if report.stale.is_empty() {
        out.push_str("<p>No stale translations: every marked translation renders its source as it is.</p>\n");
    }
    if let Some(reason) = &report.history {
        let _ = writeln!(out, "<p>History not read: {}.</p>", e(reason));
    }
    if !report.stale.is_empty() {
        out.push_str("<nav aria-label=\"Pages\"><ul>\n");
        for (n, entry) in report.stale.iter().enumerate() {
            let what = match entry.marked {
                Marked::Found { .. } => format!("{} change(s)", entry.changes.len()),
                Marked::Unavailable { .. } => "review the whole page".to_owned(),
            };
            let _ = writeln!(
                out,
                "<li><a href=\"#t{n}\">{} {}</a> ({what})</li>",
                e(&entry.lang),
                e(&entry.id),
            );
        }
        out.push_str("</ul></nav>\n");
    }
    for (n, entry) in report.stale.iter().enumerate() {
        let _ = writeln!(
            out,
            "<section aria-labelledby=\"t{n}\">\n<h2 id=\"t{n}\"><span lang=\"{}\">{}</span> {}</h2>",
            e(&entry.lang),
            e(&entry.lang),
            e(&entry.id)
        );
        let _ = writeln!(
            out,
            "<p>Translation <code>{}</code> records <code>{}</code>; the source <code>{}</code> is now <code>{}</code>.</p>",
            e(&location(&entry.translation)),
            e(&entry.translated_from),
            e(&entry.source.file),
            e(&entry.hash)
        );
        match &entry.marked {
            Marked::Found { commit, date } => {
                let _ = writeln!(
                    out,
                    "<p>Marked against the source as of commit <code>{}</code> ({}).</p>",
                    e(&commit[..commit.len().min(10)]),
                    e(date)
                );
            }
            Marked::Unavailable { reason, review } => {
                let _ = writeln!(
                    out,
                    "<p>{}. Review the whole body: <code>{}</code>.</p>",
                    e(&capitalized(reason)),
                    e(&location(review))
                );
            }
        }
        if entry.changes.is_empty() {
            out.push_str("</section>\n");
            continue;
        }
        let _ = writeln!(
            out,
            "<table>\n<thead><tr><th scope=\"col\">What</th><th scope=\"col\">Source as marked</th><th scope=\"col\">Source now</th><th scope=\"col\">Translation (<span lang=\"{}\">{}</span>)</th></tr></thead>\n<tbody>",
            e(&entry.lang),
            e(&entry.lang)
        );
        for change in &entry.changes {
            let now = match change.change {
                ChangeKind::Changed => change
                    .words
                    .iter()
                    .filter(|w| w.op != WordOp::Removed)
                    .map(|w| match w.op {
                        WordOp::Added => format!("<ins>{}</ins>", e(&w.text)),
                        _ => e(&w.text),
                    })
                    .collect(),
                ChangeKind::Added => format!("<ins>{}</ins>", e(change.new.as_deref().unwrap_or(""))),
                ChangeKind::Removed => String::new(),
            };
            let was = match change.change {
                ChangeKind::Changed => change
                    .words
                    .iter()
                    .filter(|w| w.op != WordOp::Added)
                    .map(|w| match w.op {
                        WordOp::Removed => format!("<del>{}</del>", e(&w.text)),
                        _ => e(&w.text),
                    })
                    .collect(),
                ChangeKind::Removed => format!("<del>{}</del>", e(change.old.as_deref().unwrap_or(""))),
                ChangeKind::Added => String::new(),
            };
            let translation = match &change.translation {
                Some(t) => format!(
                    "<small>{}:{}{}</small>\n{}",
                    e(&entry.translation.file),
                    t.line,
                    if t.relation == "after" { " (add after this)" } else { "" },
                    e(&t.text)
                ),
                None => "<small>no matching block</small>".to_owned(),
            };
            let _ = writeln!(
                out,
                "<tr><th scope=\"row\">{} {}<br><small>{}:{}</small></th><td lang=\"{src}\">{was}</td><td lang=\"{src}\">{now}</td><td lang=\"{}\">{translation}</td></tr>",
                change.change.name(),
                e(&change.kind.replace('_', " ")),
                e(&entry.source.file),
                change.line,
                e(&entry.lang),
                src = e(&report.source),
            );
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_mark_what_was_removed_and_added() {
        let changed = words("Luleå och Uleåborg samarbetar.", "Luleå och Oulu samarbetar nära.");
        let ops: Vec<(WordOp, &str)> = changed.iter().map(|w| (w.op, w.text.as_str())).collect();
        assert_eq!(
            ops,
            [
                (WordOp::Same, "Luleå och "),
                (WordOp::Removed, "Uleåborg"),
                (WordOp::Added, "Oulu"),
                (WordOp::Same, " samarbetar"),
                (WordOp::Added, " nära"),
                (WordOp::Same, "."),
            ]
        );
        // neighbouring changed words read as one change
        let joined = words("a b c d", "x y c d");
        let ops: Vec<(WordOp, &str)> = joined.iter().map(|w| (w.op, w.text.as_str())).collect();
        assert_eq!(
            ops,
            [(WordOp::Removed, "a b"), (WordOp::Added, "x y"), (WordOp::Same, " c d"),]
        );
    }

    #[test]
    fn tokens_are_words_spaces_and_single_marks() {
        assert_eq!(
            tokens("Luleå, 2024–2027!  ok"),
            ["Luleå", ",", " ", "2024", "–", "2027", "!", "  ", "ok"]
        );
    }

    #[test]
    fn a_very_long_block_is_shown_replaced_whole() {
        let old = "ord ".repeat(5000);
        let new = "Ord ".repeat(5000);
        let changed = words(&old, &new);
        let ops: Vec<WordOp> = changed.iter().map(|w| w.op).collect();
        assert_eq!(ops, [WordOp::Removed, WordOp::Added]);
        assert_eq!(changed[1].text, new);
    }
}

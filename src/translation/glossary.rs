//! Whether the translations hold the site's terminology
//! (`i18n/glossary.yaml`, read by [`crate::source::glossary`]).
//!
//! Source and translation are compared in units a translator answers for:
//! a page's title, link title, description and `source:` line, its body
//! block by block (see [`super::blocks`]) when the translation's blocks line
//! up with the source's — else the whole body at once — and each interface
//! string. Three findings, each at the translation's file and line:
//!
//! - a variant to avoid, wherever a translation uses one;
//! - a unit whose source uses the term but whose translation has none of
//!   the approved forms;
//! - once per term and language, a term rendered two ways on the site: the
//!   approved rendering in some places, something else in others.
//!
//! They are warnings; with `--strict` (`plansite i18n`, `plansite check`)
//! they are errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::blocks;
use super::field_line;
use super::status::{load_sources, path};
use crate::diagnostics::{Diagnostic, Severity};
use crate::source::glossary::{self, Glossary, Pattern, Term};
use crate::source::i18n::Message;
use crate::source::load::{SourcePage, Sources};

/// The findings for the site at `root`, or the errors that kept it from
/// loading.
pub fn run(root: &Path, strict: bool) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    let sources = load_sources(root)?;
    Ok(check(&sources, strict))
}

/// Something a translator answers for, with its words.
struct Unit {
    file: PathBuf,
    line: usize,
    words: Vec<(usize, String)>,
}

impl Unit {
    fn new(file: &Path, line: usize, text: &str) -> Unit {
        Unit {
            file: file.to_path_buf(),
            line,
            words: glossary::words(text),
        }
    }

    fn has_any(&self, patterns: &[Pattern]) -> bool {
        patterns.iter().any(|p| !p.find(&self.words).is_empty())
    }
}

/// Every finding of the glossary check, sorted by place.
pub fn check(sources: &Sources, strict: bool) -> Vec<Diagnostic> {
    let Some(glossary) = &sources.glossary else {
        return Vec::new();
    };
    let languages = &sources.config.site.languages;
    let source_lang = languages[0].as_str();
    let mut out = Vec::new();
    for lang in &languages[1..] {
        let pairs = pairs(sources, source_lang, lang);
        check_language(glossary, source_lang, lang, &pairs, &mut out);
    }
    let severity = if strict { Severity::Error } else { Severity::Warning };
    for d in &mut out {
        d.severity = severity;
    }
    crate::diagnostics::sort(&mut out);
    out
}

fn check_language(
    glossary: &Glossary,
    source_lang: &str,
    lang: &str,
    pairs: &[(Unit, Unit)],
    out: &mut Vec<Diagnostic>,
) {
    for term in &glossary.terms {
        let (Some(finds), approved, avoid) = (
            term.forms.get(source_lang),
            term.forms.get(lang),
            term.avoid.get(lang).map_or(&[][..], Vec::as_slice),
        ) else {
            continue;
        };
        // (places rendered as approved, first place rendered otherwise, how many)
        let mut approved_places = 0usize;
        let mut otherwise: Vec<(&Unit, String)> = Vec::new();
        for (source, translation) in pairs {
            for pattern in avoid {
                if let Some(&offset) = pattern.find(&translation.words).first() {
                    let found = word_at(&translation.words, offset);
                    out.push(
                        Diagnostic::warning(
                            &translation.file,
                            format!(
                                "glossary: `{found}` is a variant to avoid for `{}`{}",
                                term.name(source_lang),
                                approved_hint(approved)
                            ),
                        )
                        .at_line(translation.line)
                        .with_hint_opt(note(term)),
                    );
                    otherwise.push((translation, found));
                }
            }
            let Some(approved) = approved else { continue };
            if !finds.iter().any(|p| !p.find(&source.words).is_empty()) {
                continue;
            }
            if translation.has_any(approved) {
                approved_places += 1;
            } else if !translation.has_any(avoid) {
                out.push(
                    Diagnostic::warning(
                        &translation.file,
                        format!(
                            "glossary: the source ({}:{}) uses `{}`, the translation none of {}",
                            path(&source.file),
                            source.line,
                            term.name(source_lang),
                            list(approved)
                        ),
                    )
                    .at_line(translation.line)
                    .with_hint_opt(note(term)),
                );
                otherwise.push((translation, String::new()));
            }
        }
        if approved_places > 0
            && let Some((first, _)) = otherwise.first()
        {
            out.push(
                Diagnostic::warning(&first.file, format!(
                    "glossary: `{}` is rendered two ways in {lang}: as {} in {approved_places} place(s), otherwise in {} (the first here)",
                    term.name(source_lang),
                    list(approved.map_or(&[][..], Vec::as_slice)),
                    otherwise.len()
                ))
                .at_line(first.line)
                .with_hint(format!("the glossary's entry is at {}:{}", path(&glossary.file), term.line)),
            );
        }
    }
}

fn word_at(words: &[(usize, String)], offset: usize) -> String {
    words
        .iter()
        .find(|(at, _)| *at == offset)
        .map_or_else(String::new, |(_, w)| w.clone())
}

fn approved_hint(approved: Option<&Vec<Pattern>>) -> String {
    match approved {
        Some(approved) if !approved.is_empty() => format!("; use {}", list(approved)),
        _ => String::new(),
    }
}

fn note(term: &Term) -> Option<String> {
    term.note.clone()
}

fn list(patterns: &[Pattern]) -> String {
    patterns
        .iter()
        .map(|p| format!("`{}`", p.written))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Source and translation units of one language, paired.
fn pairs(sources: &Sources, source_lang: &str, lang: &str) -> Vec<(Unit, Unit)> {
    let mut by_id: BTreeMap<&str, (Option<&SourcePage>, Option<&SourcePage>)> = BTreeMap::new();
    for page in &sources.pages {
        if page.lang == source_lang {
            by_id.entry(&page.id).or_default().0 = Some(page);
        } else if page.lang == lang {
            by_id.entry(&page.id).or_default().1 = Some(page);
        }
    }
    let mut out = Vec::new();
    for (source, translation) in by_id.into_values() {
        if let (Some(source), Some(translation)) = (source, translation) {
            page_pairs(source, translation, &mut out);
        }
    }
    let catalogs = &sources.strings.catalogs;
    if let (Some(source), Some(translation)) = (catalogs.get(source_lang), catalogs.get(lang)) {
        let source_file = PathBuf::from(format!("i18n/{source_lang}.yaml"));
        let file = PathBuf::from(format!("i18n/{lang}.yaml"));
        for (key, message) in &source.messages {
            let Some(translated) = translation.messages.get(key) else {
                continue;
            };
            let line = |catalog: &crate::source::i18n::Catalog| catalog.lines.get(key).copied().unwrap_or(1);
            out.push((
                Unit::new(&source_file, line(source), &message_text(message)),
                Unit::new(&file, line(translation), &message_text(translated)),
            ));
        }
    }
    out
}

fn message_text(message: &Message) -> String {
    match message {
        Message::Text(text) => text.clone(),
        Message::Plural(forms) => forms.values().cloned().collect::<Vec<_>>().join("\n"),
        Message::List(items) => items.join("\n"),
    }
}

fn page_pairs(source: &SourcePage, translation: &SourcePage, out: &mut Vec<(Unit, Unit)>) {
    let source_line: super::Field = ("source", |f| f.source.as_deref());
    for (name, get) in super::FIELDS.into_iter().chain([source_line]) {
        if let (Some(s), Some(t)) = (get(&source.front), get(&translation.front)) {
            out.push((
                Unit::new(&source.file, field_line(source, name).unwrap_or(1), s),
                Unit::new(&translation.file, field_line(translation, name).unwrap_or(1), t),
            ));
        }
    }
    let source_blocks = blocks::blocks(source.body(), source.body_line_offset + 1);
    let translated = blocks::blocks(translation.body(), translation.body_line_offset + 1);
    let shape = |b: &[blocks::Block]| {
        b.iter()
            .map(|b| (b.kind, b.place.section, b.place.index))
            .collect::<Vec<_>>()
    };
    if shape(&source_blocks) == shape(&translated) {
        for (s, t) in source_blocks.iter().zip(&translated) {
            out.push((
                Unit::new(&source.file, s.line, &s.text),
                Unit::new(&translation.file, t.line, &t.text),
            ));
        }
    } else {
        // the blocks do not line up: the whole body is one unit
        let text = |b: &[blocks::Block]| b.iter().map(|b| b.text.as_str()).collect::<Vec<_>>().join("\n");
        out.push((
            Unit::new(&source.file, source.body_line_offset + 1, &text(&source_blocks)),
            Unit::new(&translation.file, translation.body_line_offset + 1, &text(&translated)),
        ));
    }
}

//! `i18n/glossary.yaml`: the site's terminology — for each source-language
//! term, the one approved rendering per language, the variants to avoid and
//! a note for translators. Read and checked here; what a translation is
//! held to is `translation::glossary`.
//!
//! ```yaml
//! terms:
//!   - term: { sv: "vänort*", fi: ["ystävyyskaupun*", "ystävyyskaupung*"], en: "twin town*" }
//!     avoid: { fi: "sisarkaupun*", en: "sister cit*" }
//!     note: Luleå's twin towns; never "sister city".
//! ```
//!
//! A value is one pattern or a list of them (the forms of one rendering).
//! A pattern is one or more words, matched case-insensitively against whole
//! words in order; a word may start or end with `*`, which stands for any
//! letters (`ystävyyskaupun*` finds `ystävyyskaupungin`, `*kaupunki` finds
//! `kotikaupunki`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::diagnostics::Diagnostic;
use crate::source::yaml;

#[derive(Debug, Clone)]
pub struct Glossary {
    pub file: PathBuf,
    pub terms: Vec<Term>,
}

#[derive(Debug, Clone)]
pub struct Term {
    /// Patterns by language: the source language's find the term, the
    /// others are its approved rendering.
    pub forms: BTreeMap<String, Vec<Pattern>>,
    pub avoid: BTreeMap<String, Vec<Pattern>>,
    pub note: Option<String>,
    /// Line of the term's entry in the file.
    pub line: usize,
}

impl Term {
    /// How the term is named in messages: its first source pattern.
    pub fn name(&self, source_lang: &str) -> &str {
        self.forms
            .get(source_lang)
            .and_then(|p| p.first())
            .map_or("", |p| p.written.as_str())
    }
}

/// A pattern as written and as words to match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub written: String,
    pub words: Vec<WordPattern>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct WordPattern {
    /// Lowercase letters and digits.
    pub core: String,
    /// `*` before: any letters may come first.
    pub any_before: bool,
    /// `*` after: any letters may follow.
    pub any_after: bool,
}

impl WordPattern {
    pub fn matches(&self, word: &str) -> bool {
        match (self.any_before, self.any_after) {
            (false, false) => word == self.core,
            (false, true) => word.starts_with(&self.core),
            (true, false) => word.ends_with(&self.core),
            (true, true) => word.contains(&self.core),
        }
    }
}

/// The words of a text as the glossary sees them: runs of letters and
/// digits, in Unicode's composed form (NFC) and lowercased, a soft hyphen
/// inside a word left out; each with its byte offset in the composed text.
pub fn words(text: &str) -> Vec<(usize, String)> {
    let composed;
    let text = if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        text
    } else {
        composed = text.nfc().collect::<String>();
        composed.as_str()
    };
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        match (c.is_alphanumeric() || (c == SOFT_HYPHEN && start.is_some()), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, text[s..i].replace(SOFT_HYPHEN, "").to_lowercase()));
                start = None;
            }
            _ => {}
        }
    }
    out
}

const SOFT_HYPHEN: char = '\u{ad}';

impl Pattern {
    fn parse(written: &str) -> Result<Pattern, String> {
        let mut words = Vec::new();
        let composed: String = written.nfc().collect();
        for word in composed.split(|c: char| !(c.is_alphanumeric() || c == '*')) {
            if word.is_empty() {
                continue;
            }
            let any_before = word.starts_with('*');
            let any_after = word.len() > 1 && word.ends_with('*');
            let core = word.trim_matches('*');
            if core.is_empty() || core.contains('*') {
                return Err(format!(
                    "pattern `{written}`: `*` stands for letters at the start or end of a word, beside at least one letter"
                ));
            }
            words.push(WordPattern {
                core: core.to_lowercase(),
                any_before,
                any_after,
            });
        }
        if words.is_empty() {
            return Err(format!("pattern `{written}` has no word to look for"));
        }
        Ok(Pattern {
            written: written.to_owned(),
            words,
        })
    }

    /// Where the pattern occurs in `words` (from [`words`]): the byte offset
    /// of each match's first word.
    pub fn find(&self, words: &[(usize, String)]) -> Vec<usize> {
        let n = self.words.len();
        if words.len() < n {
            return Vec::new();
        }
        (0..=words.len() - n)
            .filter(|&i| self.words.iter().zip(&words[i..i + n]).all(|(p, (_, w))| p.matches(w)))
            .map(|i| words[i].0)
            .collect()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGlossary {
    terms: Vec<RawTerm>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerm {
    term: BTreeMap<String, OneOrMany>,
    #[serde(default)]
    avoid: BTreeMap<String, OneOrMany>,
    note: Option<String>,
}

/// A pattern or a list of patterns.
struct OneOrMany(Vec<String>);

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = OneOrMany;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a pattern (a string) or a list of patterns")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![v.to_owned()]))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany, A::Error> {
                let mut out = Vec::new();
                while let Some(pattern) = seq.next_element::<String>()? {
                    out.push(pattern);
                }
                Ok(OneOrMany(out))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        self.0
    }
}

/// Reads the glossary; every problem in it is an error at its line.
pub fn parse(file: &Path, text: &str, languages: &[String]) -> Result<Glossary, Vec<Diagnostic>> {
    let raw: RawGlossary = yaml::parse(file, text, text, 0).map_err(|d| vec![d])?;
    let hint = "see \"Glossary\" in the README for what an entry takes";
    // each entry's line: the n-th `term:` key in the file
    let entry_lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| {
            let l = l.trim_start().trim_start_matches("- ");
            l.starts_with("term:")
        })
        .map(|(i, _)| i + 1)
        .collect();
    let mut terms = Vec::new();
    let mut problems = Vec::new();
    // each source pattern's entry line, for duplicates
    let mut seen: BTreeMap<Vec<WordPattern>, usize> = BTreeMap::new();
    for (n, raw) in raw.terms.into_iter().enumerate() {
        let line = entry_lines.get(n).copied().unwrap_or(1);
        // at the offending value where it can be found after the entry's
        // line (and after `after`, the key it is under)
        let at = |message: String, after: &str, needle: Option<&str>| {
            let entry_start: usize = text.lines().take(line - 1).map(|l| l.len() + 1).sum();
            let entry_start = entry_start.min(text.len());
            let key_start = text[entry_start..].find(after).map_or(entry_start, |k| entry_start + k);
            let offset = needle
                .and_then(|needle| text[key_start..].find(needle))
                .map_or(key_start, |found| key_start + found);
            Diagnostic::error(file, message).at_offset(text, offset).with_hint(hint)
        };
        let mut parsed = |map: BTreeMap<String, OneOrMany>, key: &str| {
            let what = if key == "term" { "the term" } else { "`avoid`" };
            let mut out = BTreeMap::new();
            for (lang, patterns) in map {
                let lang_key = format!("{lang}:");
                if !languages.contains(&lang) {
                    problems.push(at(
                        format!(
                            "{what} names `{lang}`, which is not one of the site's languages ({})",
                            languages.join(", ")
                        ),
                        key,
                        Some(&lang_key),
                    ));
                    continue;
                }
                if key == "avoid" && lang == languages[0] {
                    problems.push(
                        at(
                            format!("`avoid` names the source language `{lang}`, whose text is never checked"),
                            key,
                            Some(&lang_key),
                        )
                        .with_hint("list variants to avoid under the translations' languages"),
                    );
                    continue;
                }
                let patterns = patterns.into_vec();
                if patterns.is_empty() {
                    problems.push(at(
                        format!("{what} has an empty list for `{lang}`"),
                        key,
                        Some(&lang_key),
                    ));
                    continue;
                }
                let mut list = Vec::new();
                for written in patterns {
                    match Pattern::parse(&written) {
                        Ok(p) => list.push(p),
                        Err(message) => problems.push(at(message, key, Some(&written))),
                    }
                }
                out.insert(lang, list);
            }
            out
        };
        let forms = parsed(raw.term, "term");
        let avoid = parsed(raw.avoid, "avoid");
        for (lang, avoided) in &avoid {
            for pattern in avoided {
                if forms
                    .get(lang)
                    .is_some_and(|approved| approved.iter().any(|a| a.words == pattern.words))
                {
                    problems.push(at(
                        format!("`{}` is both approved and to be avoided in {lang}", pattern.written),
                        "avoid",
                        Some(&pattern.written),
                    ));
                }
            }
        }
        if let Some(source_forms) = forms.get(&languages[0]) {
            for pattern in source_forms {
                if let Some(other) = seen.get(&pattern.words) {
                    problems.push(
                        at(
                            format!("the term `{}` has an entry at line {other} already", pattern.written),
                            "term",
                            Some(&pattern.written),
                        )
                        .with_hint("one entry per term: merge the two"),
                    );
                } else {
                    seen.insert(pattern.words.clone(), line);
                }
            }
        }
        if !forms.contains_key(&languages[0]) {
            problems.push(at(
                format!(
                    "the term has no `{}` form: the source language's words find it",
                    languages[0]
                ),
                "term",
                None,
            ));
        }
        terms.push(Term {
            forms,
            avoid,
            note: raw.note,
            line,
        });
    }
    if problems.is_empty() {
        Ok(Glossary {
            file: file.to_path_buf(),
            terms,
        })
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(s: &str) -> Pattern {
        Pattern::parse(s).unwrap()
    }

    #[test]
    fn patterns_match_whole_words_with_stars_for_letters() {
        let text = "Luleån ystävyyskaupungit ja kotikaupunki. Twin Towns!";
        let w = words(text);
        assert_eq!(pattern("ystävyyskaupun*").find(&w), [8]);
        assert_eq!(pattern("*kaupunki").find(&w), [30]);
        assert_eq!(pattern("twin town*").find(&w), [44]);
        assert!(pattern("kaupunki").find(&w).is_empty());
        assert!(pattern("twin cit*").find(&w).is_empty());
        assert_eq!(pattern("Arctic Mayors' Forum").words.len(), 3);
    }

    #[test]
    fn a_lone_star_or_a_star_inside_a_word_is_refused() {
        assert!(Pattern::parse("*").is_err());
        assert!(Pattern::parse("ystä*kaupunki").is_err());
        assert!(Pattern::parse("  ").is_err());
    }

    #[test]
    fn unknown_languages_and_a_missing_source_form_are_errors_at_their_lines() {
        let languages = ["sv".to_owned(), "fi".to_owned()];
        let text = "terms:\n  - term: { sv: vänort* , fi: ystävyyskaupun* }\n  - term: { fi: Oulu, de: Oulu }\n";
        let problems = parse(Path::new("i18n/glossary.yaml"), text, &languages).unwrap_err();
        let lines: Vec<(usize, &str)> = problems.iter().map(|d| (d.line, d.message.as_str())).collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines.iter().all(|(line, _)| *line == 3), "{lines:?}");
        assert!(lines[0].1.contains("`de`"), "{lines:?}");
        assert!(lines[1].1.contains("no `sv` form"), "{lines:?}");
    }

    #[test]
    fn decomposed_letters_and_soft_hyphens_are_the_words_they_show() {
        // "Vänorter" typed as `a` + combining diaeresis, and a soft hyphen
        // that only tells a browser where it may break the word
        let w = words("Om Va\u{308}norter och ystävyys\u{ad}kaupungit.");
        assert_eq!(pattern("vänort*").find(&w), [3]);
        assert_eq!(pattern("ystävyyskaupun*").find(&w).len(), 1);
        assert_eq!(pattern("Va\u{308}nort*").find(&w), [3]);
    }

    #[test]
    fn empty_contradictory_duplicate_and_mistyped_entries_are_errors() {
        let languages = ["sv".to_owned(), "fi".to_owned()];
        let check = |text: &str| -> Vec<(usize, String)> {
            parse(Path::new("i18n/glossary.yaml"), text, &languages)
                .map(|_| Vec::new())
                .unwrap_or_else(|d| d.into_iter().map(|d| (d.line, d.message)).collect())
        };
        assert_eq!(
            check("terms:\n  - term: { sv: vänort*, fi: [] }\n"),
            [(2, "the term has an empty list for `fi`".to_owned())]
        );
        assert_eq!(
            check("terms:\n  - term: { sv: vänort*, fi: x }\n    avoid: { sv: vänner }\n"),
            [(
                3,
                "`avoid` names the source language `sv`, whose text is never checked".to_owned()
            )]
        );
        assert_eq!(
            check("terms:\n  - term: { sv: vänort*, fi: kaupunki }\n    avoid: { fi: Kaupunki }\n"),
            [(3, "`Kaupunki` is both approved and to be avoided in fi".to_owned())]
        );
        assert_eq!(
            check("terms:\n  - term: { sv: vänort*, fi: a }\n  - term: { sv: Vänort*, fi: b }\n"),
            [(3, "the term `Vänort*` has an entry at line 2 already".to_owned())]
        );
        let mistyped = check("terms:\n  - term: { sv: vänort*, fi: 5 }\n");
        assert!(
            mistyped[0]
                .1
                .contains("expected a pattern (a string) or a list of patterns"),
            "{mistyped:?}"
        );
        // an unknown language under `avoid` is pointed at there, not in `term`
        let unknown = check("terms:\n  - term: { sv: vänort*, de: x }\n    avoid: { de: y }\n");
        assert_eq!(
            unknown.iter().map(|(line, _)| *line).collect::<Vec<_>>(),
            [2, 3],
            "{unknown:?}"
        );
    }
}

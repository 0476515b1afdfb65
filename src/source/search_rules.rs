//! How a language's words are searched: `i18n/<lang>.search.yaml`. Read
//! here; used by [`crate::search`].

use std::collections::BTreeMap;

use serde::Deserialize;

/// How one language's words are split and matched, from
/// `i18n/<lang>.search.yaml`; a language without that file gets the
/// defaults (stemming when Pagefind has a stemmer for it, no compounds).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Rules {
    /// Index the parts of compound words (Swedish, Finnish, German…).
    pub compounds: bool,
    /// Letters that may join the parts of a compound: Swedish `s`
    /// (`samarbet-s-avtal`).
    pub linking: Vec<String>,
    /// Shortest part of a compound, in letters.
    pub min_part: Option<usize>,
    /// Pairs of letters that alternate inside a stem, its last such place
    /// (Finnish grades, `ng` ↔ `nk`: `kaupung-in` is `kaupunk-i`); both ways.
    pub grades: Vec<(String, String)>,
    /// The alphabet in its order, for the A–Z index (`a b … z å ä ö`).
    pub alphabet: Option<String>,
    /// Words found only by the forms listed (the word itself among them),
    /// because the stemmer cuts them to a stem that begins other words:
    /// Finnish `kunta` stems to `kun` ("when").
    pub exact: BTreeMap<String, Vec<String>>,
}

impl Rules {
    /// Each form of an exact word with the word it is a form of; the word
    /// itself among its forms.
    pub fn exact_forms(&self) -> impl Iterator<Item = (&str, &str)> {
        self.exact.iter().flat_map(|(lemma, forms)| {
            std::iter::once(lemma)
                .chain(forms)
                .map(move |form| (form.as_str(), lemma.as_str()))
        })
    }

    /// What is wrong with rules that parsed: the key, the value in question
    /// as written (to point at it, where it can be found), and why.
    pub fn problems(&self) -> Vec<(&'static str, Option<String>, String)> {
        let mut out = Vec::new();
        if let Some(min) = self.min_part
            && !(2..=12).contains(&min)
        {
            out.push((
                "min_part",
                None,
                format!("`min_part` is {min}; a part has from 2 to 12 letters"),
            ));
        }
        if self.linking.iter().any(String::is_empty) {
            out.push(("linking", None, "a linking letter is empty".to_owned()));
        } else if let Some(odd) = self.linking.iter().find(|l| !is_letters(l)) {
            out.push((
                "linking",
                Some(odd.clone()),
                format!("the linking letters `{odd}` are not lower-case letters"),
            ));
        }
        for (a, b) in &self.grades {
            if (!a.is_empty() && !is_letters(a)) || (!b.is_empty() && !is_letters(b)) {
                let odd = if is_letters(a) { b } else { a };
                out.push((
                    "grades",
                    Some(odd.clone()),
                    format!("the grade pair [{a:?}, {b:?}] is not lower-case letters"),
                ));
            } else if a.is_empty() || b.is_empty() {
                out.push((
                    "grades",
                    None,
                    format!("the grade pair [{a:?}, {b:?}] has an empty side"),
                ));
            } else if a == b {
                out.push((
                    "grades",
                    None,
                    format!("the grade pair [{a:?}, {b:?}] pairs letters with themselves"),
                ));
            }
        }
        let mut lemma_of: BTreeMap<String, &str> = BTreeMap::new();
        for (lemma, forms) in &self.exact {
            for form in std::iter::once(lemma).chain(forms) {
                if !is_one_word(form) {
                    out.push((
                        "exact",
                        Some(form.clone()),
                        format!("`{form}` under `{lemma}` is not one lower-case word"),
                    ));
                } else if let Some(other) = lemma_of.insert(form.clone(), lemma)
                    && other != lemma.as_str()
                {
                    out.push((
                        "exact",
                        None,
                        format!("`{form}` is a form of both `{other}` and `{lemma}`"),
                    ));
                }
            }
        }
        if let Some(alphabet) = &self.alphabet {
            let letters: Vec<&str> = alphabet.split_whitespace().collect();
            let mut seen = std::collections::BTreeSet::new();
            if letters.is_empty() {
                out.push(("alphabet", None, "the alphabet is empty".to_owned()));
            } else if let Some(long) = letters.iter().find(|l| l.chars().count() != 1) {
                out.push((
                    "alphabet",
                    Some((*long).to_owned()),
                    format!("`{long}` in the alphabet is not one letter"),
                ));
            } else if let Some(twice) = letters.iter().find(|l| !seen.insert(**l)) {
                out.push(("alphabet", None, format!("`{twice}` is in the alphabet twice")));
            }
        }
        out
    }
}

/// A word as the index splits text into words: letters and digits only,
/// lower-case.
fn is_one_word(form: &str) -> bool {
    !form.is_empty() && form.chars().all(char::is_alphanumeric) && form.to_lowercase() == form
}

/// Lower-case letters only, as the index's words are.
fn is_letters(text: &str) -> bool {
    text.chars().all(char::is_alphabetic) && text.to_lowercase() == text
}

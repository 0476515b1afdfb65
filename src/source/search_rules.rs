//! How a language's words are searched: `i18n/<lang>.search.yaml`. Read
//! here; used by [`crate::search`].

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
}

//! What the engine alone does not find: the words a page is also found by.
//!
//! Pagefind stems each word (Snowball) and folds accents that Unicode
//! decomposes (`Luleå` → `lulea`). A reader of this site also types
//! `Tromso` for `Tromsø` (ø does not decompose), a part of a compound
//! (`avtal` for `samarbetsavtal`), and a Finnish word in another grade
//! than the page has it (`kaupunki` for `kaupungin`). Each page is given
//! those words as an extra field of the index, so they find it without
//! showing in its excerpt. A part or a grade is only ever a word that
//! occurs on the site: nothing is invented.

use std::collections::{BTreeMap, BTreeSet};

use pagefind_stem::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

pub use crate::source::search_rules::Rules;

/// The stemmer Pagefind indexes `lang` with, if it has one.
pub fn stemmer(lang: &str) -> Option<Stemmer> {
    let algorithm = match lang.split('-').next().unwrap_or(lang) {
        "sv" => Algorithm::Swedish,
        "fi" => Algorithm::Finnish,
        "en" => Algorithm::English,
        _ => return None,
    };
    Some(Stemmer::create(algorithm))
}

/// The words of `text`: runs of letters and digits, lower-cased.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// Letters Unicode does not decompose into a base letter and an accent,
/// spelled as a keyboard without them does.
fn ascii_letters(c: char) -> Option<&'static str> {
    Some(match c {
        'ø' => "o",
        'æ' => "ae",
        'œ' => "oe",
        'ß' => "ss",
        'đ' | 'ð' => "d",
        'ł' => "l",
        'þ' => "th",
        'ı' => "i",
        _ => return None,
    })
}

/// `word` as it is typed without its special letters (`tromsø` →
/// `tromso`), when it has one the engine does not fold itself.
pub fn ascii_spelling(word: &str) -> Option<String> {
    if !word.chars().any(|c| ascii_letters(c).is_some()) {
        return None;
    }
    let mut out = String::with_capacity(word.len());
    for c in word.nfd().filter(|c| !is_combining_mark(*c)) {
        match ascii_letters(c) {
            Some(letters) => out.push_str(letters),
            None => out.push(c),
        }
    }
    Some(out)
}

/// The word the index holds for a page that has a form of an exact word
/// (`kunta`, see [`Rules::exact`]), and that a query for one of its forms
/// is sent as. No word of a language begins with `qxq`, and no stemmer
/// shortens the word, so it finds only itself.
pub fn exact_token(lemma: &str) -> String {
    format!("qxq{}qxq", base_letters(lemma))
}

/// `text` lower-cased and without accents, for ordering and grouping.
pub fn base_letters(text: &str) -> String {
    text.to_lowercase()
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(|c| ascii_letters(c).map_or_else(|| vec![c], |s| s.chars().collect()))
        .collect()
}

/// The longest word, in letters, taken apart as a compound (Finnish's
/// longest in use have about 60).
const MAX_COMPOUND: usize = 80;

/// The words of a language's pages by their stems: what a part of a
/// compound or another grade must be to count.
pub struct Vocabulary {
    stemmer: Option<Stemmer>,
    /// Stem → the most frequent word with that stem (ties: the first in order).
    words: BTreeMap<String, String>,
}

impl Vocabulary {
    pub fn new<'a>(lang: &str, words: impl IntoIterator<Item = &'a str>) -> Self {
        let stemmer = stemmer(lang);
        // each word stemmed once, however often it occurs
        let mut occurrences: BTreeMap<&str, usize> = BTreeMap::new();
        for word in words {
            *occurrences.entry(word).or_default() += 1;
        }
        let mut counts: BTreeMap<String, BTreeMap<&str, usize>> = BTreeMap::new();
        for (word, count) in occurrences {
            counts
                .entry(stem(stemmer.as_ref(), word))
                .or_default()
                .insert(word, count);
        }
        let words = counts
            .into_iter()
            .map(|(stem, forms)| {
                let mut forms: Vec<(&str, usize)> = forms.into_iter().collect();
                forms.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
                (stem, forms[0].0.to_owned())
            })
            .collect();
        Vocabulary { stemmer, words }
    }

    fn stem(&self, word: &str) -> String {
        stem(self.stemmer.as_ref(), word)
    }

    /// The site's word whose stem `word` has, if one has.
    fn word_of(&self, word: &str) -> Option<&str> {
        self.words.get(&self.stem(word)).map(String::as_str)
    }

    /// The words `word` (lower-case) is also found by: its parts, when it is
    /// a compound of two words of the site, and its other grades.
    pub fn expansions(&self, rules: &Rules, word: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        if rules.compounds {
            self.compound_parts(rules, word, &mut out);
        }
        for part in std::iter::once(word.to_owned()).chain(out.clone()) {
            self.other_grades(rules, &part, &mut out);
        }
        out.remove(word);
        out
    }

    /// The parts of `word` when it is a compound: both parts when both are
    /// words of the site. Else, as a compound's first part often has a form
    /// of its own (`ystävyys-`, `samarbets-`) and its last part may occur
    /// nowhere alone (`-ministeriö`), one part checked is enough when the
    /// other is long (`min_part` + 2 letters): a word of the site at the end
    /// gives both parts; one at the start gives only the rest, since a word
    /// may begin with a short word by chance (`kansa-invälinen`).
    fn compound_parts(&self, rules: &Rules, word: &str, out: &mut BTreeSet<String>) {
        let min = rules.min_part.unwrap_or(4);
        let long = min + 2;
        let chars: Vec<(usize, char)> = word.char_indices().collect();
        // each split stems both parts: a longer run of letters, which no
        // language's compounds reach, would cost the square of its length
        if chars.len() < 2 * min || chars.len() > MAX_COMPOUND || !chars.iter().all(|(_, c)| c.is_alphabetic()) {
            return;
        }
        // the best split with one part checked: (letters checked, parts)
        let mut anchored: Option<(usize, Vec<String>)> = None;
        let mut both = false;
        for (i, &(at, _)) in chars.iter().enumerate().take(chars.len() - min + 1).skip(min) {
            let (head, tail) = word.split_at(at);
            let (head_len, tail_len) = (i, chars.len() - i);
            let heads = std::iter::once(head).chain(
                rules
                    .linking
                    .iter()
                    .filter_map(|link| head.strip_suffix(link.as_str()))
                    .filter(|h| h.chars().count() >= min),
            );
            let head_word = heads.filter_map(|h| self.word_of(h)).next();
            match (head_word, self.word_of(tail)) {
                (Some(head_word), Some(tail_word)) => {
                    out.insert(head_word.to_owned());
                    out.insert(tail_word.to_owned());
                    both = true;
                }
                // a word of the site at the start may be chance (`kansa-invälinen`):
                // only the rest, which nothing else would find, is added
                (Some(_), None)
                    if tail_len >= long
                        && head_len > min
                        && anchored.as_ref().is_none_or(|(checked, _)| head_len > *checked) =>
                {
                    anchored = Some((head_len, vec![tail.to_owned()]));
                }
                // a long word of the site at the end is the compound's last part
                (None, Some(tail_word))
                    if head_len >= long
                        && tail_len > min
                        && anchored.as_ref().is_none_or(|(checked, _)| tail_len > *checked) =>
                {
                    anchored = Some((tail_len, vec![head.to_owned(), tail_word.to_owned()]));
                }
                _ => {}
            }
        }
        if !both && let Some((_, parts)) = anchored {
            out.extend(parts);
        }
    }

    /// `word` in the other grades the rules name, as words of the site: the
    /// stem with the letters changed, or the longest word's stem it begins
    /// with, one or two letters shorter (`kaupungeilla`, stem `kaupunge`,
    /// is `kaupunk-i`).
    fn other_grades(&self, rules: &Rules, word: &str, out: &mut BTreeSet<String>) {
        let stem = self.stem(word);
        for (a, b) in &rules.grades {
            for (from, to) in [(a, b), (b, a)] {
                let Some(at) = stem.rfind(from.as_str()) else {
                    continue;
                };
                let other = format!("{}{to}{}", &stem[..at], &stem[at + from.len()..]);
                let keep = at + to.len();
                let found = (0..=2)
                    .filter_map(|drop| {
                        let end = other.char_indices().rev().nth(drop.max(1) - 1).map(|(i, _)| i)?;
                        let candidate = if drop == 0 { &other[..] } else { &other[..end] };
                        (candidate.len() >= keep.max(4)).then_some(candidate)
                    })
                    .find_map(|candidate| self.words.get(candidate));
                if let Some(found) = found {
                    out.insert(found.clone());
                }
            }
        }
    }
}

fn stem(stemmer: Option<&Stemmer>, word: &str) -> String {
    match stemmer {
        Some(stemmer) => stemmer.stem(word).into_owned(),
        None => word.to_owned(),
    }
}

/// The order of the A–Z index in a language: its alphabet first, then
/// what is not in it, by code point.
pub struct Collation {
    letters: BTreeMap<char, usize>,
}

impl Collation {
    pub fn new(rules: &Rules) -> Self {
        // letters as titles are compared: lower-case
        let letters = rules
            .alphabet
            .as_deref()
            .unwrap_or("a b c d e f g h i j k l m n o p q r s t u v w x y z")
            .to_lowercase()
            .split_whitespace()
            .filter_map(|letter| letter.chars().next())
            .enumerate()
            .map(|(i, c)| (c, i))
            .collect();
        Collation { letters }
    }

    /// The letter `title` is listed under: its first letter, as the
    /// alphabet has it (`Å` in Swedish, `A` for `Á`), or `#`.
    pub fn initial(&self, title: &str) -> String {
        let Some(first) = title.chars().find(|c| c.is_alphanumeric()) else {
            return "#".to_owned();
        };
        if first.is_numeric() {
            return "#".to_owned();
        }
        let lower: String = first.to_lowercase().collect();
        let letter = match lower.chars().next() {
            Some(c) if self.letters.contains_key(&c) => c,
            _ => base_letters(&lower).chars().next().unwrap_or(first),
        };
        letter.to_uppercase().collect()
    }

    /// A key that sorts titles as the language's alphabet does.
    pub fn key(&self, title: &str) -> Vec<(usize, u32)> {
        title
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(|c| match self.letters.get(&c) {
                Some(&i) => vec![(1, i as u32)],
                None => {
                    let base = base_letters(&c.to_string());
                    base.chars()
                        .map(|b| match self.letters.get(&b) {
                            Some(&i) => (1, i as u32),
                            None if b.is_numeric() => (0, b as u32),
                            None => (2, b as u32),
                        })
                        .collect()
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finnish() -> Rules {
        Rules {
            compounds: true,
            grades: vec![("ng".into(), "nk".into())],
            ..Rules::default()
        }
    }

    fn swedish() -> Rules {
        Rules {
            compounds: true,
            linking: vec!["s".into()],
            ..Rules::default()
        }
    }

    #[test]
    fn special_letters_get_their_ascii_spelling() {
        assert_eq!(ascii_spelling("tromsø").as_deref(), Some("tromso"));
        assert_eq!(ascii_spelling("færøerne").as_deref(), Some("faeroerne"));
        // the engine folds å, ä, ö itself
        assert_eq!(ascii_spelling("luleå"), None);
        assert_eq!(ascii_spelling("oulu"), None);
    }

    #[test]
    fn a_compound_of_two_words_of_the_site_is_found_by_both() {
        let vocabulary = Vocabulary::new("sv", ["samarbete", "avtal", "samarbetsavtal", "kommun"]);
        let found = vocabulary.expansions(&swedish(), "samarbetsavtal");
        assert!(found.contains("samarbete") && found.contains("avtal"), "{found:?}");
        // a long first part in its compound form is kept as written
        let vocabulary = Vocabulary::new("sv", ["avtal", "samarbetsavtal"]);
        let found = vocabulary.expansions(&swedish(), "samarbetsavtal");
        assert_eq!(found, BTreeSet::from(["samarbets".to_owned(), "avtal".to_owned()]));
        // no part a word of the site: nothing is invented
        let vocabulary = Vocabulary::new("sv", ["samarbetsavtal", "kommun"]);
        assert!(vocabulary.expansions(&swedish(), "samarbetsavtal").is_empty());
        // without compounds in the rules, nothing is split
        let vocabulary = Vocabulary::new("sv", ["samarbete", "avtal", "samarbetsavtal"]);
        assert!(vocabulary.expansions(&Rules::default(), "samarbetsavtal").is_empty());
    }

    #[test]
    fn a_run_of_letters_longer_than_any_compound_is_not_taken_apart() {
        // splitting stems both parts at every letter: a word of a million
        // letters in a page held its build for minutes
        let (short, long) = ("avtal".repeat(MAX_COMPOUND / 5 - 2), "avtal".repeat(MAX_COMPOUND / 5));
        let vocabulary = Vocabulary::new("sv", ["samarbete", short.as_str(), long.as_str(), "kommun"]);
        let found = vocabulary.expansions(&swedish(), &format!("samarbets{short}"));
        assert!(
            found.contains("samarbete"),
            "a compound within the limit is split: {found:?}"
        );
        let found = vocabulary.expansions(&swedish(), &format!("samarbets{long}"));
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn short_parts_are_not_split_off() {
        let vocabulary = Vocabulary::new("sv", ["tal", "samarbetsav", "samarbetsavtal"]);
        assert!(vocabulary.expansions(&swedish(), "samarbetsavtal").is_empty());
    }

    #[test]
    fn finnish_words_are_found_in_their_other_grade() {
        let rules = finnish();
        let vocabulary = Vocabulary::new("fi", ["kaupunki", "kaupungin", "ystävyys", "ystävyyskaupunki"]);
        assert!(vocabulary.expansions(&rules, "kaupungin").contains("kaupunki"));
        assert!(vocabulary.expansions(&rules, "kaupunki").contains("kaupungin"));
        let parts = vocabulary.expansions(&rules, "ystävyyskaupunki");
        assert!(parts.contains("ystävyys") && parts.contains("kaupunki"), "{parts:?}");
    }

    #[test]
    fn one_part_of_the_site_is_enough_when_the_other_is_long() {
        let rules = finnish();
        // the last part a word of the site: both parts
        let vocabulary = Vocabulary::new("fi", ["kaupunki", "ystävyyskaupunki"]);
        let parts = vocabulary.expansions(&rules, "ystävyyskaupunki");
        assert!(parts.contains("ystävyys") && parts.contains("kaupunki"), "{parts:?}");
        // the first part a word of the site: only the rest
        let vocabulary = Vocabulary::new("fi", ["elinkeinojen", "elinkeinoministeriö", "kansa", "kansainvälinen"]);
        assert!(
            vocabulary
                .expansions(&rules, "elinkeinoministeriö")
                .contains("ministeriö")
        );
        let chance = vocabulary.expansions(&rules, "kansainvälinen");
        assert!(!chance.contains("kansa"), "{chance:?}");
        // a short rest is not split off
        let vocabulary = Vocabulary::new("fi", ["kaupunki", "kaupunkia"]);
        assert!(!vocabulary.expansions(&rules, "kaupunkia").iter().any(|w| w == "a"));
    }

    #[test]
    fn a_grade_is_found_through_an_inflected_stem() {
        let rules = Rules {
            grades: vec![("ng".into(), "nk".into())],
            ..Rules::default()
        };
        let vocabulary = Vocabulary::new("fi", ["kaupunki", "kaupungeilla"]);
        assert!(vocabulary.expansions(&rules, "kaupungeilla").contains("kaupunki"));
    }

    #[test]
    fn an_exact_words_token_is_its_own_stem_in_every_language() {
        for lang in ["sv", "fi", "en"] {
            let stemmer = stemmer(lang).expect("a stemmer");
            for lemma in ["kunta", "boden", "city", "kemiä"] {
                let token = exact_token(lemma);
                assert_eq!(stemmer.stem(&token), token, "{lang}");
                assert_eq!(words(&token).collect::<Vec<_>>(), [token.as_str()]);
            }
        }
        // the stemmer alone cannot tell kunta from kun
        let finnish = stemmer("fi").expect("a stemmer");
        assert_eq!(finnish.stem("kunta"), finnish.stem("kun"));
    }

    #[test]
    fn titles_are_ordered_and_grouped_by_the_languages_alphabet() {
        let swedish = Collation::new(&Rules {
            alphabet: Some("a b c d e f g h i j k l m n o p q r s t u v w x y z å ä ö".into()),
            ..Rules::default()
        });
        let mut titles = vec!["Östersjön", "Åbo", "Arktis", "Ängelholm", "Zürich", "Éire", "2024"];
        titles.sort_by_key(|t| swedish.key(t));
        assert_eq!(
            titles,
            ["2024", "Arktis", "Éire", "Zürich", "Åbo", "Ängelholm", "Östersjön"]
        );
        assert_eq!(swedish.initial("Åbo"), "Å");
        assert_eq!(swedish.initial("Éire"), "E");
        assert_eq!(swedish.initial("2024"), "#");
        // English has no å: it is an a
        let english = Collation::new(&Rules::default());
        assert_eq!(english.initial("Åbo"), "A");
        // an alphabet written in capitals is the same alphabet
        let capitals = Collation::new(&Rules {
            alphabet: Some("A B C D E F G H I J K L M N O P Q R S T U V W X Y Z Å Ä Ö".into()),
            ..Rules::default()
        });
        assert_eq!(capitals.initial("Årlig plan"), "Å");
    }
}

//! Alphabetical order as each language has it (CLDR, through ICU4X): in
//! Swedish and Finnish `Å`, `Ä` and `Ö` come after `Z`, in English `Å` sorts
//! with `A`. Listings sort by the title shown in the reader's language.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use icu_collator::options::CollatorOptions;
use icu_collator::{Collator, CollatorBorrowed, CollatorPreferences};
use icu_locale_core::Locale;

/// Compares two texts in `lang`'s alphabetical order (the root order when
/// the language is unknown to CLDR); texts equal to the collator compare by
/// code point, so the order is total.
pub fn compare(lang: &str, a: &str, b: &str) -> Ordering {
    collator(lang).compare(a, b).then_with(|| a.cmp(b))
}

fn collator(lang: &str) -> Arc<CollatorBorrowed<'static>> {
    static COLLATORS: OnceLock<Mutex<HashMap<String, Arc<CollatorBorrowed<'static>>>>> = OnceLock::new();
    let mut collators = COLLATORS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    collators
        .entry(lang.to_owned())
        .or_insert_with(|| {
            let prefs = lang
                .parse::<Locale>()
                .map(|locale| CollatorPreferences::from(&locale))
                .unwrap_or_default();
            let collator = Collator::try_new(prefs, CollatorOptions::default())
                .or_else(|_| Collator::try_new(CollatorPreferences::default(), CollatorOptions::default()))
                .expect("the root collation is compiled in");
            Arc::new(collator)
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(lang: &str, words: &[&str]) -> Vec<String> {
        let mut words: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
        words.sort_by(|a, b| compare(lang, a, b));
        words
    }

    #[test]
    fn swedish_and_finnish_put_a_ring_a_umlaut_and_o_umlaut_after_z() {
        let words = ["Örebro", "Åre", "Zenica", "Ähtäri", "Arvidsjaur", "Oulu"];
        assert_eq!(
            sorted("sv", &words),
            ["Arvidsjaur", "Oulu", "Zenica", "Åre", "Ähtäri", "Örebro"]
        );
        assert_eq!(
            sorted("fi", &words),
            ["Arvidsjaur", "Oulu", "Zenica", "Åre", "Ähtäri", "Örebro"]
        );
        assert_eq!(
            sorted("en", &words),
            ["Ähtäri", "Åre", "Arvidsjaur", "Örebro", "Oulu", "Zenica"]
        );
    }

    #[test]
    fn case_does_not_come_before_the_alphabet_and_unknown_languages_sort() {
        assert_eq!(sorted("sv", &["bodø", "Boden", "arctic"]), ["arctic", "Boden", "bodø"]);
        assert_eq!(sorted("xx-not a tag", &["b", "a"]), ["a", "b"]);
    }
}

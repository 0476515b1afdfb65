//! Interface strings and locale formatting.
//!
//! Input: UTF-8 fields separated by NUL — an i18n YAML file, a key, an
//! argument value, a count, a date and a number. Never panics, and:
//! - `translate` fails exactly for a missing key, plural forms without a
//!   count, a list, or a `{name}` placeholder without a value; when it
//!   succeeds, an argument's value appears verbatim where its placeholder
//!   stood (no escaping here: escaping is the template's job), and a pattern
//!   without placeholders comes back unchanged;
//! - a date is accepted only in its documented form (`YYYY`, `YYYY-MM`,
//!   `YYYY-MM-DD`), so it prints back as it was written;
//! - with the site's own i18n files, a formatted number reads back as the
//!   number rounded to two decimals, and a formatted date shows its year.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use plansite::source::i18n::{Catalog, Message, Strings, placeholders, plural_category};
use plansite::source::values::PartialDate;

/// The site's own interface strings, parsed once.
fn site_strings() -> &'static Strings {
    static STRINGS: OnceLock<Strings> = OnceLock::new();
    STRINGS.get_or_init(|| {
        let files = [
            ("sv", include_str!("../../i18n/sv.yaml")),
            ("fi", include_str!("../../i18n/fi.yaml")),
            ("en", include_str!("../../i18n/en.yaml")),
        ];
        let catalogs = files
            .into_iter()
            .map(|(lang, text)| {
                let catalog = Catalog::parse(Path::new(lang), text).expect("the site's i18n files parse");
                (lang.to_owned(), catalog)
            })
            .collect();
        Strings {
            catalogs,
            source: "sv".to_owned(),
        }
    })
}

/// Checks one input; panics when a property fails.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut fields = text.split('\0');
    let yaml = fields.next().unwrap_or_default();
    let key = fields.next().unwrap_or_default();
    let value = fields.next().unwrap_or_default();
    let count = fields.next().and_then(|c| c.trim().parse::<i64>().ok());
    let date_text = fields.next().unwrap_or_default();
    let number = fields.next().and_then(|n| n.trim().parse::<f64>().ok());

    let date = PartialDate::parse(date_text);
    if let Ok(date) = &date {
        assert_eq!(
            date.to_string(),
            date_text.trim(),
            "a date not in its documented form was accepted"
        );
        assert_eq!(PartialDate::parse(&date.to_string()).as_ref(), Ok(date));
    }

    let site = site_strings();
    for lang in ["sv", "fi", "en"] {
        for n in count.map(|c| c as f64).into_iter().chain(number) {
            check_number(site, lang, n);
        }
        if let Ok(date) = &date {
            let shown = site.format_date(lang, date);
            assert!(shown.contains(&date.year.to_string()), "{date} in {lang} is {shown:?}");
        }
    }

    // The fuzzed file as the source language, with English falling back to it.
    let Ok(catalog) = Catalog::parse(Path::new("i18n/xx.yaml"), yaml) else {
        return;
    };
    let keys: Vec<String> = catalog.messages.keys().take(32).cloned().collect();
    let strings = Strings {
        catalogs: BTreeMap::from([
            ("xx".to_owned(), catalog),
            ("en".to_owned(), site.catalogs["en"].clone()),
        ]),
        source: "xx".to_owned(),
    };
    let args = [("name", value.to_owned()), ("arg", value.to_owned())];
    for lang in ["xx", "en"] {
        for key in keys.iter().map(String::as_str).chain([key]) {
            check_translate(&strings, lang, key, count, &args);
            check_translate(&strings, lang, key, None, &args[..1]);
        }
        for n in count.map(|c| c as f64).into_iter().chain(number) {
            strings.format_number(lang, n);
        }
        if let Ok(date) = &date {
            strings.format_date(lang, date);
        }
    }
}

/// `translate` against a model of its contract.
fn check_translate(strings: &Strings, lang: &str, key: &str, count: Option<i64>, args: &[(&str, String)]) {
    let result = strings.translate(lang, key, count, args);
    let message = strings
        .catalogs
        .get(lang)
        .and_then(|c| c.get(key))
        .or_else(|| strings.catalogs.get(&strings.source).and_then(|c| c.get(key)));
    let pattern = match (message, count) {
        (None, _) | (Some(Message::List(_)), _) | (Some(Message::Plural(_)), None) => {
            assert!(result.is_err(), "{key:?} in {lang}: expected an error, got {result:?}");
            return;
        }
        (Some(Message::Text(s)), _) => s.as_str(),
        (Some(Message::Plural(forms)), Some(n)) => forms
            .get(plural_category(lang, n))
            .or_else(|| forms.get("other"))
            .map_or("", String::as_str),
    };
    let names = placeholders(pattern);
    let given = |name: &str| (name == "count" && count.is_some()) || args.iter().any(|(k, _)| *k == name);
    let Ok(out) = result else {
        assert!(
            names.iter().any(|name| !given(name)),
            "{key:?} in {lang}: {pattern:?} has all its values but failed: {result:?}"
        );
        return;
    };
    assert!(
        names.iter().all(|name| given(name)),
        "{pattern:?} filled without a value: {out:?}"
    );
    for (name, value) in args {
        if names.contains(name) {
            assert!(
                out.contains(value.as_str()),
                "{pattern:?} with {name}={value:?} gave {out:?}"
            );
        }
    }
    if let (Some(n), true) = (count, names.contains(&"count")) {
        assert!(
            out.contains(&strings.format_number(lang, n as f64)),
            "{pattern:?} gave {out:?}"
        );
    }
    if !pattern.contains('{') {
        assert_eq!(out, pattern);
    }
}

/// With the site's separators, a formatted number reads back as the number
/// rounded to two decimals; a number that rounds to zero has no sign.
fn check_number(strings: &Strings, lang: &str, n: f64) {
    let shown = strings.format_number(lang, n);
    if !n.is_finite() || n.abs() >= 1e15 {
        return;
    }
    let (group, decimal) = if lang == "en" { (",", ".") } else { ("\u{a0}", ",") };
    let plain = shown.replace(group, "").replace(decimal, ".").replace('\u{2212}', "-");
    let back: f64 = plain
        .parse()
        .unwrap_or_else(|_| panic!("{n} in {lang} is {shown:?}, not a number"));
    assert!(
        (back - n).abs() <= 0.005 + n.abs() * 1e-12,
        "{n} in {lang} is {shown:?}"
    );
    if back == 0.0 {
        assert!(!shown.starts_with('\u{2212}'), "{n} in {lang} is {shown:?}");
    }
}

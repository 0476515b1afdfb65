//! Interface strings and locale formatting.
//!
//! `i18n/<lang>.yaml` is a flat or nested map of keys to strings; a map whose
//! keys are CLDR plural categories (`one`, `other`, …) is one plural message.
//! Strings hold `{name}` placeholders. Dates and numbers are formatted by
//! patterns and month names that live in the same files, so a new language
//! needs only configuration and files, never code. Lookups fall back to the
//! source language. Output of this module is plain text: the templates escape
//! it, so a translator cannot inject markup.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::diagnostics::Diagnostic;
use crate::source::values::PartialDate;
use crate::source::yaml;

/// One interface string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Text(String),
    Plural(BTreeMap<String, String>),
    List(Vec<String>),
}

/// The strings of one language, keyed by dotted path (`taxonomy.kind.title`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    pub messages: BTreeMap<String, Message>,
    /// 1-based line of each key in its file, for diagnostics and reports.
    pub lines: BTreeMap<String, usize>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Node {
    Text(String),
    List(Vec<String>),
    Map(BTreeMap<String, Node>),
}

pub const PLURAL_CATEGORIES: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];

impl Catalog {
    pub fn parse(file: &Path, text: &str) -> Result<Catalog, Diagnostic> {
        if text.trim().is_empty() {
            return Ok(Catalog::default());
        }
        let root: BTreeMap<String, Node> = yaml::parse(file, text, text, 0)?;
        let mut catalog = Catalog::default();
        flatten(String::new(), root, &mut catalog.messages);
        catalog.lines = key_lines(text);
        Ok(catalog)
    }

    pub fn get(&self, key: &str) -> Option<&Message> {
        self.messages.get(key)
    }

    fn text(&self, key: &str) -> Option<&str> {
        match self.messages.get(key) {
            Some(Message::Text(s)) => Some(s),
            _ => None,
        }
    }
}

fn flatten(prefix: String, map: BTreeMap<String, Node>, out: &mut BTreeMap<String, Message>) {
    for (key, node) in map {
        let path = if prefix.is_empty() {
            key
        } else {
            format!("{prefix}.{key}")
        };
        match node {
            Node::Text(s) => {
                out.insert(path, Message::Text(s));
            }
            Node::List(items) => {
                out.insert(path, Message::List(items));
            }
            Node::Map(map) if is_plural(&map) => {
                let forms = map
                    .into_iter()
                    .filter_map(|(k, v)| match v {
                        Node::Text(s) => Some((k, s)),
                        _ => None,
                    })
                    .collect();
                out.insert(path, Message::Plural(forms));
            }
            Node::Map(map) => flatten(path, map, out),
        }
    }
}

fn is_plural(map: &BTreeMap<String, Node>) -> bool {
    map.contains_key("other")
        && map.keys().all(|k| PLURAL_CATEGORIES.contains(&k.as_str()))
        && map.values().all(|v| matches!(v, Node::Text(_)))
}

/// Line of every key, as a dotted path, by indentation. Good enough for the
/// block-style maps i18n files use; flow-style maps keep their parent's line.
fn key_lines(text: &str) -> BTreeMap<String, usize> {
    let mut lines = BTreeMap::new();
    let mut stack: Vec<(usize, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('-') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        let Some((key, _)) = trimmed.split_once(':') else {
            continue;
        };
        let key = key.trim().trim_matches(|c| c == '"' || c == '\'');
        while stack.last().is_some_and(|(ind, _)| *ind >= indent) {
            stack.pop();
        }
        let path = match stack.last() {
            Some((_, parent)) => format!("{parent}.{key}"),
            None => key.to_owned(),
        };
        lines.insert(path.clone(), i + 1);
        stack.push((indent, path));
    }
    lines
}

/// CLDR cardinal plural category of an integer in `lang`.
pub fn plural_category(lang: &str, n: i64) -> &'static str {
    let n = n.unsigned_abs();
    match lang {
        // one/two/other: Sami languages
        "se" | "sma" | "smj" | "smn" | "sms" => match n {
            1 => "one",
            2 => "two",
            _ => "other",
        },
        "fr" | "pt" => {
            if n <= 1 {
                "one"
            } else {
                "other"
            }
        }
        "ja" | "zh" | "ko" | "vi" | "th" | "id" => "other",
        _ => {
            if n == 1 {
                "one"
            } else {
                "other"
            }
        }
    }
}

/// All interface strings of the site, per language.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Strings {
    pub catalogs: BTreeMap<String, Catalog>,
    pub source: String,
}

impl Strings {
    fn lookup(&self, lang: &str, key: &str) -> Option<&Message> {
        let get = |l: &str| self.catalogs.get(l)?.get(key);
        get(lang).or_else(|| get(&self.source))
    }

    /// The language whose file gives `key` to readers of `lang`: its own,
    /// else the source language's.
    pub fn holder<'a>(&'a self, lang: &'a str, key: &str) -> Option<&'a str> {
        let holds = |l: &str| self.catalogs.get(l).is_some_and(|c| c.get(key).is_some());
        [lang, self.source.as_str()].into_iter().find(|l| holds(l))
    }

    /// The plural forms of `key` in `lang` as written, placeholders and
    /// all, for code that picks the form itself (the search page's script,
    /// with the browser's plural rules); a plain string is its `other` form.
    pub fn forms(&self, lang: &str, key: &str) -> Result<BTreeMap<String, String>, String> {
        match self.lookup(lang, key) {
            Some(Message::Plural(forms)) => Ok(forms.clone()),
            Some(Message::Text(text)) => Ok(BTreeMap::from([("other".to_owned(), text.clone())])),
            Some(Message::List(_)) => Err(format!("interface string `{key}` is a list, not a string")),
            None => Err(format!("no interface string `{key}` in i18n/{lang}.yaml")),
        }
    }

    pub fn has(&self, lang: &str, key: &str) -> bool {
        self.lookup(lang, key).is_some()
    }

    /// The string `key` in `lang`, with the plural form for `count` and
    /// `{name}` placeholders replaced from `args` (`{count}` from `count`).
    pub fn translate(
        &self,
        lang: &str,
        key: &str,
        count: Option<i64>,
        args: &[(&str, String)],
    ) -> Result<String, String> {
        let message = self.lookup(lang, key).ok_or_else(|| {
            if lang == self.source {
                format!("no interface string `{key}` in i18n/{lang}.yaml")
            } else {
                format!(
                    "no interface string `{key}` in i18n/{lang}.yaml or i18n/{}.yaml",
                    self.source
                )
            }
        })?;
        let pattern = match (message, count) {
            (Message::Text(s), _) => s.as_str(),
            (Message::Plural(forms), Some(n)) => {
                let category = plural_category(lang, n);
                forms
                    .get(category)
                    .or_else(|| forms.get("other"))
                    .map(String::as_str)
                    .unwrap_or("")
            }
            (Message::Plural(_), None) => {
                return Err(format!("interface string `{key}` has plural forms; pass `count=`"));
            }
            (Message::List(_), _) => {
                return Err(format!("interface string `{key}` is a list, not a string"));
            }
        };
        let count_text = count.map(|n| self.format_number(lang, n as f64));
        fill(pattern, |name| {
            if name == "count" {
                count_text.clone()
            } else {
                args.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
            }
        })
        .map_err(|name| format!("interface string `{key}` in `{lang}` uses `{{{name}}}`, which is not given"))
    }

    fn text_or(&self, lang: &str, key: &str, default: &'static str) -> String {
        self.catalogs
            .get(lang)
            .and_then(|c| c.text(key))
            .or_else(|| self.catalogs.get(&self.source).and_then(|c| c.text(key)))
            .unwrap_or(default)
            .to_owned()
    }

    fn list(&self, lang: &str, key: &str) -> Option<&[String]> {
        match self.lookup(lang, key) {
            Some(Message::List(items)) => Some(items),
            _ => None,
        }
    }

    /// A number in the language's own form: 710 000 (sv, fi), 710,000 (en).
    pub fn format_number(&self, lang: &str, n: f64) -> String {
        let group = self.text_or(lang, "format.group_separator", ",");
        let decimal = self.text_or(lang, "format.decimal_separator", ".");
        let n_abs = n.abs();
        let mut integer = n_abs.trunc();
        let mut fraction = ((n_abs - integer) * 100.0).round();
        // A fraction that rounds up to a whole (32.996) carries into the
        // integer part; it used to print as "32,1" (found by fuzzing).
        if fraction >= 100.0 {
            integer += 1.0;
            fraction = 0.0;
        }
        // No sign on a number that rounds to zero ("−0").
        let negative = n < 0.0 && (integer > 0.0 || fraction > 0.0);
        let integer = integer as u64;
        let fraction = fraction as u64;
        let digits = integer.to_string();
        let mut out = String::new();
        // Four-digit numbers are not grouped in Swedish and Finnish, and CLDR
        // agrees for English only from five digits in some styles; keep one rule.
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) && digits.len() > 4 {
                out.push_str(&group);
            }
            out.push(c);
        }
        if fraction > 0 {
            out.push_str(&decimal);
            out.push_str(format!("{fraction:02}").trim_end_matches('0'));
        }
        if negative {
            out.insert(0, '−');
        }
        out
    }

    /// A date in the language's own form, at the precision it is known.
    pub fn format_date(&self, lang: &str, date: &PartialDate) -> String {
        self.format_date_in(lang, date, None)
    }

    /// [`Strings::format_date`] in the grammatical form a phrase needs,
    /// named under `format.cases.<case>` in the language's file (Finnish
    /// "{date} alkaen" takes the elative: `helmikuusta 2019`, `vuodesta
    /// 2019`); what a case does not give, and a language without cases,
    /// takes the plain form.
    pub fn format_date_in(&self, lang: &str, date: &PartialDate, case: Option<&str>) -> String {
        let key = |name: &str| {
            case.map(|case| format!("format.cases.{case}.{name}"))
                .filter(|key| self.catalogs.get(lang).is_some_and(|c| c.messages.contains_key(key)))
                .unwrap_or_else(|| format!("format.{name}"))
        };
        let month_name = |name: &str, m: u8| {
            self.list(lang, &key(name))
                .and_then(|l| l.get(usize::from(m) - 1))
                .cloned()
                .unwrap_or_else(|| format!("{m:02}"))
        };
        let year = date.year.to_string();
        let (pattern, month) = match (date.month, date.day) {
            (Some(m), Some(_)) => (
                self.text_or(lang, &key("date"), "{year}-{month}-{day}"),
                Some(month_name("months_in_date", m)),
            ),
            (Some(m), None) => (
                self.text_or(lang, &key("month_year"), "{month} {year}"),
                Some(month_name("months", m)),
            ),
            _ => (self.text_or(lang, &key("year"), "{year}"), None),
        };
        fill(&pattern, |k| match k {
            "day" => date.day.map(|d| d.to_string()),
            "month" => month.clone(),
            "year" => Some(year.clone()),
            _ => None,
        })
        .unwrap_or_else(|_| date.to_string())
    }
}

/// Placeholders `{name}` of a pattern.
pub fn placeholders(pattern: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if is_name(&after[..end]) => {
                names.push(&after[..end]);
                rest = &after[end + 1..];
            }
            _ => rest = after,
        }
    }
    names
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Replaces `{name}` by `value(name)`; Err(name) for a placeholder without value.
fn fill(pattern: &str, value: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if is_name(&after[..end]) => {
                let name = &after[..end];
                out.push_str(&value(name).ok_or_else(|| name.to_owned())?);
                rest = &after[end + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings() -> Strings {
        let sv = "format:\n  group_separator: \"\u{a0}\"\n  decimal_separator: \",\"\n  date: \"{day} {month} {year}\"\n  month_year: \"{month} {year}\"\n  months: [januari, februari, mars, april, maj, juni, juli, augusti, september, oktober, november, december]\n  months_in_date: [januari, februari, mars, april, maj, juni, juli, augusti, september, oktober, november, december]\npages:\n  one: \"{count} sida\"\n  other: \"{count} sidor\"\nhello: \"Hej {name}\"\n";
        let fi = "format:\n  group_separator: \"\u{a0}\"\n  date: \"{day}. {month} {year}\"\n  months_in_date: [tammikuuta, helmikuuta, maaliskuuta, huhtikuuta, toukokuuta, kesäkuuta, heinäkuuta, elokuuta, syyskuuta, lokakuuta, marraskuuta, joulukuuta]\n";
        let en = "format:\n  group_separator: \",\"\n  date: \"{day} {month} {year}\"\n  months_in_date: [January, February, March, April, May, June, July, August, September, October, November, December]\n";
        let mut catalogs = BTreeMap::new();
        for (lang, text) in [("sv", sv), ("fi", fi), ("en", en)] {
            catalogs.insert(lang.to_owned(), Catalog::parse(Path::new("x.yaml"), text).unwrap());
        }
        Strings {
            catalogs,
            source: "sv".to_owned(),
        }
    }

    #[test]
    fn dates_in_each_language() {
        let s = strings();
        let d = PartialDate::parse("2021-10-07").unwrap();
        assert_eq!(s.format_date("sv", &d), "7 oktober 2021");
        assert_eq!(s.format_date("fi", &d), "7. lokakuuta 2021");
        assert_eq!(s.format_date("en", &d), "7 October 2021");
        assert_eq!(
            s.format_date("sv", &PartialDate::parse("2019-02").unwrap()),
            "februari 2019"
        );
    }

    #[test]
    fn numbers_in_each_language() {
        let s = strings();
        assert_eq!(s.format_number("sv", 710000.0), "710\u{a0}000");
        assert_eq!(s.format_number("en", 710000.0), "710,000");
        assert_eq!(s.format_number("en", 2040.0), "2040");
        assert_eq!(s.format_number("sv", 32.5), "32,5");
    }

    #[test]
    fn plurals_and_placeholders() {
        let s = strings();
        assert_eq!(s.translate("sv", "pages", Some(1), &[]).unwrap(), "1 sida");
        assert_eq!(s.translate("sv", "pages", Some(12), &[]).unwrap(), "12 sidor");
        assert_eq!(
            s.translate("fi", "hello", None, &[("name", "Oulu".into())]).unwrap(),
            "Hej Oulu"
        );
        assert!(s.translate("sv", "hello", None, &[]).is_err());
        assert_eq!(plural_category("se", 2), "two");
    }

    #[test]
    fn key_lines_follow_nesting() {
        let lines = key_lines("# c\na:\n  b: x\n  c:\n    one: y\nd: z\n");
        assert_eq!(lines["a.b"], 3);
        assert_eq!(lines["a.c.one"], 5);
        assert_eq!(lines["d"], 6);
    }
}

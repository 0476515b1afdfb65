//! Small value types shared by configuration, front matter and entity facts:
//! strings given per language ([`Localized`]) and dates of year, month or day
//! precision ([`PartialDate`]). Pure data with their parsing rules.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// A string that is either the same in every language or given per language.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Localized {
    Same(String),
    PerLanguage(BTreeMap<String, String>),
}

impl Localized {
    /// The string for `lang`, else for `fallback` (the source language), else any.
    pub fn get<'a>(&'a self, lang: &str, fallback: &str) -> &'a str {
        match self {
            Localized::Same(s) => s,
            Localized::PerLanguage(map) => map
                .get(lang)
                .or_else(|| map.get(fallback))
                .or_else(|| map.values().next())
                .map_or("", String::as_str),
        }
    }

    /// Every string it holds.
    pub fn texts_mut(&mut self) -> impl Iterator<Item = &mut String> {
        let (same, per_language) = match self {
            Localized::Same(s) => (Some(s), None),
            Localized::PerLanguage(map) => (None, Some(map.values_mut())),
        };
        same.into_iter().chain(per_language.into_iter().flatten())
    }

    /// Languages this value names that are not among `languages`.
    pub fn unknown_languages<'a>(&'a self, languages: &[String]) -> Vec<&'a str> {
        match self {
            Localized::Same(_) => Vec::new(),
            Localized::PerLanguage(map) => map
                .keys()
                .filter(|k| !languages.contains(k))
                .map(String::as_str)
                .collect(),
        }
    }
}

/// A calendar date known to the year, the month or the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

impl PartialDate {
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}` is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD");
        // `str::parse` also takes a sign, so "+026" was the year 26 (found
        // by fuzzing): every part must be ASCII digits only.
        let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        let mut parts = text.trim().split('-');
        let year_text = parts.next().ok_or_else(bad)?;
        if year_text.len() != 4 || !digits(year_text) {
            return Err(bad());
        }
        let year: i32 = year_text.parse().map_err(|_| bad())?;
        let month = match parts.next() {
            Some(m) if m.len() == 2 && digits(m) => {
                Some(m.parse::<u8>().ok().filter(|m| (1..=12).contains(m)).ok_or_else(bad)?)
            }
            Some(_) => return Err(bad()),
            None => None,
        };
        let day = match parts.next() {
            Some(d) if d.len() == 2 && digits(d) => {
                let d = d.parse::<u8>().map_err(|_| bad())?;
                let max = days_in_month(year, month.unwrap_or(1));
                if d == 0 || d > max {
                    return Err(format!("`{text}` is not a date: that month has {max} days"));
                }
                Some(d)
            }
            Some(_) => return Err(bad()),
            None => None,
        };
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(PartialDate { year, month, day })
    }

    /// `YYYY-MM-DD`, filling unknown parts with the first month or day (for feeds).
    pub fn iso_full(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}",
            self.year,
            self.month.unwrap_or(1),
            self.day.unwrap_or(1)
        )
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Year(i64),
        }
        let text = match Raw::deserialize(deserializer)? {
            Raw::Text(text) => text,
            Raw::Year(year) => year.to_string(),
        };
        PartialDate::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_each_precision_parse() {
        assert_eq!(PartialDate::parse("2021").unwrap().to_string(), "2021");
        assert_eq!(PartialDate::parse("2019-02").unwrap().to_string(), "2019-02");
        assert_eq!(PartialDate::parse("2024-02-29").unwrap().iso_full(), "2024-02-29");
        assert!(PartialDate::parse("2023-02-29").is_err());
        assert!(PartialDate::parse("2023-13").is_err());
        assert!(PartialDate::parse("7 juni").is_err());
    }

    #[test]
    fn localized_falls_back_to_source_language() {
        let l = Localized::PerLanguage([("sv".to_owned(), "Uleåborg".to_owned())].into());
        assert_eq!(l.get("fi", "sv"), "Uleåborg");
    }
}

//! Names that become paths and URL segments.
//!
//! A page id, a taxonomy term, a theme, a section, a feed, a chapter or a
//! PDF name ends up in a file path of the output (or of the theme) and in
//! URLs. Each is a [`Slug`] (one segment: `a–z`, `0–9`, `-`, `_`, not
//! starting with `-` or `_`) or an [`Id`] (slugs joined by `/`, or empty for
//! the home page), checked by the one rule here when it is deserialised, so
//! a bad name is an error at its line and column and nothing later needs to
//! ask again: `..`, `a/b`, spaces, capitals and `/` cannot get through.

use std::fmt;

use serde::{Deserialize, Deserializer};

/// Longest slug: well under any file system's limit for one name.
const MAX_LEN: usize = 100;

/// Why `s` is not one path segment, or `None` if it is.
pub fn problem(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("it is empty".to_owned());
    }
    if s.len() > MAX_LEN {
        return Some(format!("it is longer than {MAX_LEN} characters"));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_'))
    {
        return Some(format!("`{}` is not one of a–z, 0–9, `-` and `_`", c.escape_debug()));
    }
    if s.starts_with(['-', '_']) {
        return Some("it starts with `-` or `_`".to_owned());
    }
    None
}

pub fn is_slug(s: &str) -> bool {
    problem(s).is_none()
}

/// Checks a page id: slugs joined by `/`, or "" for the home page.
pub fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Ok(());
    }
    for segment in id.split('/') {
        if let Some(why) = problem(segment) {
            return Err(format!("segment `{}` is not a slug: {why}", segment.escape_debug()));
        }
    }
    Ok(())
}

/// One path segment, checked when it is read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slug(String);

impl Slug {
    pub fn new(s: impl Into<String>) -> Result<Slug, String> {
        let s = s.into();
        match problem(&s) {
            None => Ok(Slug(s)),
            Some(why) => Err(format!("`{}` is not a valid name: {why}", s.escape_debug())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A page id: slugs joined by `/`, checked when it is read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id(String);

impl Id {
    pub fn new(s: impl Into<String>) -> Result<Id, String> {
        let s = s.into();
        check_id(&s)
            .map(|()| Id(s.clone()))
            .map_err(|why| format!("`{}` is not a page id: {why}", s.escape_debug()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! string_like {
    ($t:ty) => {
        impl std::ops::Deref for $t {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<std::path::Path> for $t {
            fn as_ref(&self) -> &std::path::Path {
                std::path::Path::new(&self.0)
            }
        }

        impl std::borrow::Borrow<str> for $t {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $t {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $t {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $t {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                <$t>::new(s).map_err(serde::de::Error::custom)
            }
        }

        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
    };
}

string_like!(Slug);
string_like!(Id);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_single_safe_segments() {
        for good in ["oulu", "2024", "join-boost-sustain", "a_b"] {
            assert!(is_slug(good), "{good}");
        }
        for bad in [
            "",
            "..",
            ".",
            "a/b",
            "a b",
            "Oulu",
            "å",
            "-x",
            "_x",
            "a\\b",
            "a\0",
            "x.pdf",
            &"a".repeat(101),
        ] {
            assert!(!is_slug(bad), "{bad:?}");
            assert!(Slug::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ids_are_slugs_joined_by_slashes() {
        assert!(Id::new("").is_ok());
        assert!(Id::new("partners/oulu").is_ok());
        for bad in ["/x", "x/", "a//b", "../x", "a/./b", "a/B"] {
            assert!(Id::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_bad_name_is_an_error_at_its_place() {
        #[derive(Deserialize, Debug)]
        struct T {
            #[allow(dead_code)]
            theme: Slug,
        }
        let err = toml::from_str::<T>("theme = \"../../etc\"\n").unwrap_err();
        assert!(
            err.message().contains("`../../etc` is not a valid name"),
            "{}",
            err.message()
        );
        assert_eq!(err.span(), Some(8..19));
    }
}

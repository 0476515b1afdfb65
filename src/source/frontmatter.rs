//! Front matter: the YAML block between `---` lines at the top of a Markdown
//! file, and the typed [`FrontMatter`] it holds. Unknown keys are errors.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::diagnostics::Diagnostic;
use crate::source::values::PartialDate;
use crate::source::yaml;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: String,
    /// Shorter title for menus and breadcrumbs.
    pub link_title: Option<String>,
    pub description: Option<String>,
    pub date: Option<PartialDate>,
    pub updated: Option<PartialDate>,
    pub weight: Option<i64>,
    #[serde(default)]
    pub draft: bool,
    /// Plan chapters only: false leaves the chapter out of the print edition.
    pub print: Option<bool>,
    /// Where the facts of the page come from.
    pub source: Option<String>,
    /// Hash of the source-language body this translation was made from.
    pub translated_from: Option<String>,
    /// Free-form values for the theme.
    #[serde(default)]
    pub extra: BTreeMap<String, String>,
}

/// A Markdown file split into its front matter and body.
#[derive(Debug, Clone)]
pub struct Split<'a> {
    pub front: FrontMatter,
    pub body: &'a str,
    /// Number of lines before the body in the file.
    pub body_line_offset: usize,
    /// What was removed from the values.
    pub warnings: Vec<Diagnostic>,
}

pub fn split<'a>(file: &Path, text: &'a str) -> Result<Split<'a>, Diagnostic> {
    let missing = || {
        Diagnostic::error(file, "missing front matter")
            .at(text, 1, 1)
            .with_hint("start the file with `---`, then `title: …`, then `---`")
    };
    let rest = text.strip_prefix("---\n").ok_or_else(missing)?;
    let (yaml, body) = match rest.find("\n---\n").map(|i| (i + 1, i + 5)).or_else(|| {
        // front matter closed at the very end of the file
        rest.strip_suffix("\n---").map(|y| (y.len() + 1, rest.len()))
    }) {
        Some((yaml_end, body_start)) => (&rest[..yaml_end], &rest[body_start..]),
        None if rest.starts_with("---\n") || rest == "---" => ("", rest.get(4..).unwrap_or("")),
        None => {
            return Err(Diagnostic::error(file, "front matter is not closed")
                .at(text, 1, 1)
                .with_hint("end the front matter with a line `---`"));
        }
    };
    if yaml.trim().is_empty() {
        return Err(Diagnostic::error(file, "empty front matter")
            .at(text, 1, 1)
            .with_hint("every page needs `title: …` in its front matter"));
    }
    let mut front: FrontMatter = yaml::parse(file, text, yaml, 1)?;
    let FrontMatter {
        title,
        link_title,
        description,
        source,
        translated_from,
        extra,
        ..
    } = &mut front;
    let texts = [
        ("title", Some(title)),
        ("link_title", link_title.as_mut()),
        ("description", description.as_mut()),
        ("source", source.as_mut()),
        ("translated_from", translated_from.as_mut()),
    ]
    .into_iter()
    .filter_map(|(key, value)| Some((key, value?)))
    .chain(extra.iter_mut().map(|(key, value)| (key.as_str(), value)));
    let warnings = texts
        .filter_map(|(key, value)| yaml::remove_forbidden_characters(file, text, (yaml, 2), key, value))
        .collect();
    if front.title.trim().is_empty() {
        return Err(Diagnostic::error(file, "empty title")
            .at(text, yaml::key_line(yaml, "title") + 1, 1)
            .with_hint("give the page a title"));
    }
    if front.link_title.as_ref().is_some_and(|t| t.trim().is_empty()) {
        return Err(Diagnostic::error(file, "empty link_title")
            .at(text, yaml::key_line(yaml, "link_title") + 1, 1)
            .with_hint("give the short title links show, or remove `link_title` to show the title"));
    }
    let body_line_offset = text[..text.len() - body.len()].matches('\n').count();
    Ok(Split {
        front,
        body,
        body_line_offset,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_and_counts_lines() {
        let text = "---\ntitle: Hej\nweight: 2\n---\nBody\n";
        let s = split(Path::new("a.sv.md"), text).unwrap();
        assert_eq!(s.front.title, "Hej");
        assert_eq!(s.body, "Body\n");
        assert_eq!(s.body_line_offset, 4);
    }

    #[test]
    fn unknown_key_is_positioned_in_the_file() {
        let text = "---\ntitle: Hej\ntilte: x\n---\n";
        let e = split(Path::new("a.sv.md"), text).unwrap_err();
        assert_eq!((e.line, e.col), (3, 1));
        assert_eq!(e.hint.as_deref(), Some("did you mean `title`?"));
    }

    #[test]
    fn an_empty_link_title_is_an_error_and_an_escaped_control_character_is_removed() {
        let e = split(Path::new("a.sv.md"), "---\ntitle: Hej\nlink_title: \"\"\n---\n")
            .err()
            .unwrap();
        assert_eq!((e.message.as_str(), e.line), ("empty link_title", 3));
        let s = split(
            Path::new("a.sv.md"),
            "---\ntitle: Hej\ndescription: \"A\\u0000b\"\n---\n",
        )
        .unwrap();
        assert_eq!(s.front.description.as_deref(), Some("Ab"));
        let warnings: Vec<(&str, usize)> = s.warnings.iter().map(|w| (w.message.as_str(), w.line)).collect();
        assert_eq!(
            warnings,
            [(
                "`description` held the character U+0000, which XML does not allow: removed",
                3
            )]
        );
        let e = split(Path::new("a.sv.md"), "---\ntitle: \"\\v\"\n---\n").err().unwrap();
        assert_eq!((e.message.as_str(), e.line), ("empty title", 2), "nothing left of it");
        let s = split(Path::new("a.sv.md"), "---\ntitle: \"Hej\\tdå\"\n---\n").unwrap();
        assert!(s.warnings.is_empty());
    }

    #[test]
    fn missing_front_matter_is_an_error() {
        let e = split(Path::new("a.sv.md"), "# Hej\n").unwrap_err();
        assert_eq!(e.message, "missing front matter");
    }
}

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
    let front: FrontMatter = yaml::parse(file, text, yaml, 1)?;
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
    let texts = [
        ("title", Some(&front.title)),
        ("link_title", front.link_title.as_ref()),
        ("description", front.description.as_ref()),
        ("source", front.source.as_ref()),
        ("translated_from", front.translated_from.as_ref()),
    ]
    .into_iter()
    .filter_map(|(key, value)| Some((key, value?)))
    .chain(front.extra.iter().map(|(key, value)| (key.as_str(), value)));
    for (key, value) in texts {
        if let Some(problem) = yaml::forbidden_character(file, text, (yaml, 2), key, value) {
            return Err(problem);
        }
    }
    let body_line_offset = text[..text.len() - body.len()].matches('\n').count();
    Ok(Split {
        front,
        body,
        body_line_offset,
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
    fn an_empty_link_title_and_an_escaped_control_character_are_errors() {
        let e = split(Path::new("a.sv.md"), "---\ntitle: Hej\nlink_title: \"\"\n---\n").unwrap_err();
        assert_eq!((e.message.as_str(), e.line), ("empty link_title", 3));
        let e = split(
            Path::new("a.sv.md"),
            "---\ntitle: Hej\ndescription: \"A\\u0000b\"\n---\n",
        )
        .unwrap_err();
        assert_eq!(
            (e.message.as_str(), e.line),
            ("`description` holds the character U+0000, which XML does not allow", 3)
        );
        let e = split(Path::new("a.sv.md"), "---\ntitle: \"\\vHej\"\n---\n").unwrap_err();
        assert_eq!(e.line, 2, "{}", e.message);
        assert!(split(Path::new("a.sv.md"), "---\ntitle: \"Hej\\tdå\"\n---\n").is_ok());
    }

    #[test]
    fn missing_front_matter_is_an_error() {
        let e = split(Path::new("a.sv.md"), "# Hej\n").unwrap_err();
        assert_eq!(e.message, "missing front matter");
    }
}

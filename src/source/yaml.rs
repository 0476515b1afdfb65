//! YAML parsing with diagnostics positioned in the real file.
//!
//! Wraps serde-saphyr: a document embedded at `line_offset` lines into a file
//! (front matter) reports its errors at the line of the file, with the
//! nearest known key as hint for unknown keys.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_saphyr::{DefaultMessageFormatter, RenderOptions, SnippetMode};

use crate::diagnostics::{self, Diagnostic};
use crate::escape;

/// Parses `yaml`, which starts on line `line_offset + 1` of `file_text`.
pub fn parse<T: DeserializeOwned>(
    file: &Path,
    file_text: &str,
    yaml: &str,
    line_offset: usize,
) -> Result<T, Diagnostic> {
    // YAML 1.2 booleans: `true` and `false` only, so `no` (Norway) or a
    // quoted "yes" is never read as one
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options(yaml, options).map_err(|e| {
        let formatter = DefaultMessageFormatter;
        let mut options = RenderOptions::new(&formatter);
        options.snippets = SnippetMode::Off;
        let rendered = e.without_snippet().render_with_options(options);
        let message = clean_message(&rendered);
        let hint = diagnostics::unknown_field_hint(&message).or_else(|| type_hint(&message));
        let d = Diagnostic::error(file, message).with_hint_opt(hint);
        match e.location() {
            Some(loc) if loc.line() > 0 => d.at(file_text, loc.line() as usize + line_offset, loc.column() as usize),
            _ => d,
        }
    })
}

/// The line (1-based) of `text` where `key` is first written as a key,
/// at any depth (`key:` or `- key:`), else 1.
pub fn key_line(text: &str, key: &str) -> usize {
    let prefix = format!("{key}:");
    text.lines()
        .position(|line| {
            let line = line.trim_start();
            line.strip_prefix("- ")
                .unwrap_or(line)
                .trim_start()
                .starts_with(&prefix)
        })
        .map_or(1, |ix| ix + 1)
}

/// Removes from the value of `key` the characters a page may not hold
/// ([`escape::is_text_char`]), which only an escape can write in YAML
/// (`"\u0000"`; the loader removes those written as they are, with a
/// warning): a warning if there were any, at the first line `key` is
/// written on in `yaml`, which starts on line `first_line` of `file_text`.
pub fn remove_forbidden_characters(
    file: &Path,
    file_text: &str,
    (yaml, first_line): (&str, usize),
    key: &str,
    value: &mut String,
) -> Option<Diagnostic> {
    if escape::is_text(value) {
        return None;
    }
    let c = value.chars().find(|c| !escape::is_text_char(*c))?;
    value.retain(escape::is_text_char);
    Some(
        Diagnostic::warning(
            file,
            format!(
                "`{key}` held the character U+{:04X}, which {} does not allow: removed",
                u32::from(c),
                escape::refused_by(c)
            ),
        )
        .at(file_text, key_line(yaml, key) + first_line - 1, 1)
        .with_hint("remove its escape from the value to silence this warning"),
    )
}

/// serde-saphyr's plain message, without its own position prefix or suffix.
fn clean_message(rendered: &str) -> String {
    let mut message = rendered.lines().next().unwrap_or("").trim().to_owned();
    for prefix in ["error: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            message = rest.to_owned();
        }
    }
    if let Some(rest) = message.strip_prefix("line ")
        && let Some((_, tail)) = rest.split_once(": ")
    {
        message = tail.to_owned();
    }
    if let Some(i) = message.find(" at line ") {
        message.truncate(i);
    }
    if let Some(rest) = message.strip_suffix(", set DuplicateKeyPolicy in Options if acceptable") {
        message = rest.to_owned();
    }
    if message.starts_with("invalid boolean (strict mode") {
        message = "expected `true` or `false`".to_owned();
    }
    if message.is_empty() {
        "invalid YAML".to_owned()
    } else {
        message
    }
}

fn type_hint(message: &str) -> Option<String> {
    if message.contains("missing field `title`") {
        Some("every page needs `title: …` in its front matter".to_owned())
    } else if message.contains("invalid i64") || message.contains("invalid u64") {
        Some("write a whole number, e.g. `weight: 10`".to_owned())
    } else if message == "expected `true` or `false`" {
        Some("write `true` or `false`, without quotes (`yes`, `no`, `on` and `off` are not booleans)".to_owned())
    } else if message.contains("expected string") {
        Some("quote the value: `key: \"…\"`".to_owned())
    } else {
        None
    }
}

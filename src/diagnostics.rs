//! Diagnostics: errors and warnings about user content, shown to a person.
//!
//! Every stage returns its value together with a list of [`Diagnostic`]s
//! instead of stopping at the first problem; the build collects them all,
//! sorts them and prints them with a source snippet and a caret, the way
//! cargo prints manifest errors. This module owns the type, the nearest-name
//! suggestions and the text rendering; it never reads files (a diagnostic
//! carries the one source line it shows).

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in the user's content or configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Path relative to the site root (or as given, for files outside it).
    pub file: PathBuf,
    /// 1-based line and column; 0 when the problem concerns the whole file.
    pub line: usize,
    pub col: usize,
    /// Lowercase phrase without a trailing period.
    pub message: String,
    pub hint: Option<String>,
    /// The source line the line/column point into.
    pub snippet: Option<String>,
}

impl Diagnostic {
    pub fn error(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.into(),
            line: 0,
            col: 0,
            message: message.into(),
            hint: None,
            snippet: None,
        }
    }

    pub fn warning(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, message)
        }
    }

    /// Points the diagnostic at `line:col` of `source` and keeps that line as snippet.
    pub fn at(mut self, source: &str, line: usize, col: usize) -> Self {
        self.line = line;
        self.col = col;
        self.snippet = source.lines().nth(line.saturating_sub(1)).map(str::to_owned);
        self
    }

    /// Points the diagnostic at a whole line (no column, no snippet).
    pub fn at_line(mut self, line: usize) -> Self {
        self.line = line;
        self.col = 1;
        self
    }

    /// Points the diagnostic at a byte offset of `source`, counting columns in characters.
    pub fn at_offset(self, source: &str, offset: usize) -> Self {
        let (line, col) = line_col(source, offset);
        self.at(source, line, col)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_hint_opt(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    fn sort_key(&self) -> (&Path, usize, usize, Severity, &str) {
        (&self.file, self.line, self.col, self.severity, &self.message)
    }
}

/// 1-based line and character column of a byte offset.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = source[line_start..offset].chars().count() + 1;
    (line, col)
}

/// Sorts diagnostics by file, position and message, and drops exact duplicates
/// (the same broken link in a page reached twice is one problem).
pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.dedup();
}

/// Splits results of parallel work into the values and the diagnostics.
pub fn partition<T>(results: impl IntoIterator<Item = Result<T, Diagnostic>>) -> (Vec<T>, Vec<Diagnostic>) {
    let mut values = Vec::new();
    let mut diagnostics = Vec::new();
    for result in results {
        match result {
            Ok(v) => values.push(v),
            Err(d) => diagnostics.push(d),
        }
    }
    (values, diagnostics)
}

/// The candidate closest to `name`, if it is close enough to be a plausible typo.
pub fn nearest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        let score = strsim::normalized_damerau_levenshtein(name, candidate);
        if best.is_none_or(|(s, c)| score > s || (score == s && candidate < c)) {
            best = Some((score, candidate));
        }
    }
    best.filter(|(score, _)| *score >= 0.5).map(|(_, c)| c)
}

/// "did you mean `x`?" for the nearest candidate, if any.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    nearest(name, candidates).map(|c| format!("did you mean `{c}`?"))
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(f, "{label}: {}", printable(&self.message))?;
        let file = printable(&self.file.display().to_string()).into_owned();
        match (self.line, &self.snippet) {
            (0, _) => writeln!(f, "  --> {file}")?,
            (line, None) => writeln!(f, "  --> {file}:{line}:{}", self.col)?,
            (line, Some(snippet)) => {
                let snippet = printable(snippet);
                let width = line.to_string().len();
                writeln!(f, "{:width$}--> {file}:{line}:{}", "", self.col)?;
                writeln!(f, "{:width$} |", "")?;
                writeln!(f, "{line} | {snippet}")?;
                let pad: String = snippet
                    .chars()
                    .take(self.col.saturating_sub(1))
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                writeln!(f, "{:width$} | {pad}^", "")?;
            }
        }
        if let Some(hint) = &self.hint {
            writeln!(f, "  = hint: {}", printable(hint))?;
        }
        Ok(())
    }
}

/// `text` with every control character but tab shown as U+FFFD: content
/// quoted in a message (a path with `%1b` decoded, say) must not reach a
/// terminal as escape sequences, or split a line of the serve overlay.
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(|c| c.is_control() && c != '\t') {
        text.chars()
            .map(|c| if c.is_control() && c != '\t' { '\u{fffd}' } else { c })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

/// Extracts `name` and the expected names from serde's "unknown field" message.
pub fn unknown_field_hint(message: &str) -> Option<String> {
    let rest = message.split("unknown field `").nth(1)?;
    let (name, rest) = rest.split_once('`')?;
    let expected = rest.split_once("expected")?.1;
    let candidates: Vec<&str> = expected
        .split([',', ' '])
        .map(|s| s.trim_matches(|c: char| c == '`' || c == ' '))
        .filter(|s| !s.is_empty() && *s != "one" && *s != "of" && *s != "or")
        .collect();
    did_you_mean(name, candidates.iter().copied()).or_else(|| Some(format!("allowed keys: {}", candidates.join(", "))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let src = "ab\nåäö x";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 3), (2, 1));
        assert_eq!(line_col(src, "ab\nåäö ".len()), (2, 5));
    }

    #[test]
    fn nearest_finds_typos_only() {
        let ids = ["partners/oulu", "partners/bodo", "networks/sern"];
        assert_eq!(nearest("partners/olu", ids), Some("partners/oulu"));
        assert_eq!(nearest("zzzzzzzzzzzzzzzzzzz", ids), None);
    }

    #[test]
    fn unknown_field_message_gives_suggestion() {
        let hint = unknown_field_hint("unknown field `tilte`, expected one of `title`, `date`");
        assert_eq!(hint.as_deref(), Some("did you mean `title`?"));
    }

    #[test]
    fn display_has_snippet_and_caret() {
        let d = Diagnostic::error("content/a.sv.md", "no page `x`")
            .at("line one\nsee [x](@/x)", 2, 9)
            .with_hint("did you mean `y`?");
        assert_eq!(
            d.to_string(),
            "error: no page `x`\n --> content/a.sv.md:2:9\n  |\n2 | see [x](@/x)\n  |         ^\n  = hint: did you mean `y`?\n"
        );
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let d = Diagnostic::error("content/a\u{1b}b.md", "`x\u{1b}[31mRED\u{7}` and\rdata:reload").with_hint("y\u{0}z");
        let shown = d.to_string();
        assert!(!shown.chars().any(|c| c.is_control() && c != '\n'), "{shown:?}");
        assert!(
            shown.contains("`x\u{fffd}[31mRED\u{fffd}` and\u{fffd}data:reload"),
            "{shown}"
        );
        assert!(shown.contains("content/a\u{fffd}b.md"), "{shown}");
    }
}

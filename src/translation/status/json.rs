//! The report as JSON: objects with sorted keys, indented by two spaces,
//! arrays of scalars on one line (the shape the module documentation gives).

use std::fmt::Write as _;

use super::*;
use crate::escape;

/// The whole report, with the glossary's findings under `glossary`.
pub(super) fn report(source: &str, reports: &[LangReport], failed: bool, findings: &[Diagnostic]) -> String {
    let mut out = String::new();
    let mut json = json(source, reports, failed);
    if let Json::Obj(fields) = &mut json {
        fields.insert("glossary", glossary_json(findings));
    }
    json.write(&mut out, 0);
    out.push('\n');
    out
}

fn glossary_json(findings: &[Diagnostic]) -> Json {
    Json::Arr(
        findings
            .iter()
            .map(|d| {
                object([
                    ("file", Json::Str(path(&d.file))),
                    ("hint", d.hint.clone().map_or(Json::Null, Json::Str)),
                    ("line", Json::Num(d.line)),
                    ("message", Json::Str(d.message.clone())),
                    (
                        "severity",
                        Json::Str(
                            match d.severity {
                                crate::diagnostics::Severity::Error => "error",
                                crate::diagnostics::Severity::Warning => "warning",
                            }
                            .to_owned(),
                        ),
                    ),
                ])
            })
            .collect(),
    )
}

fn json(source: &str, reports: &[LangReport], failed: bool) -> Json {
    let file_line = |file: String, line: Option<usize>| {
        object([
            ("file", Json::Str(file)),
            ("line", line.filter(|l| *l > 0).map_or(Json::Null, Json::Num)),
        ])
    };
    let languages = reports
        .iter()
        .map(|report| {
            let pages = report
                .pages
                .iter()
                .map(|page| {
                    let source = page.source.map_or(Json::Null, |s| {
                        let (first, last) = body_lines(s);
                        object([
                            ("end_line", Json::Num(last)),
                            ("file", Json::Str(path(&s.file))),
                            ("line", Json::Num(first)),
                        ])
                    });
                    let translation = page.translation.map_or(Json::Null, |t| {
                        file_line(path(&t.file), Some(translated_from_line(t).unwrap_or(1)))
                    });
                    let draft =
                        page.source.is_some_and(|p| p.front.draft) || page.translation.is_some_and(|p| p.front.draft);
                    object([
                        ("draft", Json::Bool(draft)),
                        ("hash", page.hash.clone().map_or(Json::Null, Json::Str)),
                        ("id", Json::Str(page.id.to_owned())),
                        ("source", source),
                        ("state", Json::Str(page.state.name().to_owned())),
                        (
                            "translated_from",
                            page.translation
                                .and_then(recorded_hash)
                                .map_or(Json::Null, |h| Json::Str(h.to_owned())),
                        ),
                        ("translation", translation),
                    ])
                })
                .collect();
            let strings = report
                .strings
                .iter()
                .map(|s| {
                    let problems = s
                        .problems
                        .iter()
                        .map(|problem| match problem {
                            Problem::Placeholders { source, translation } => object([
                                ("kind", Json::Str(problem.kind().to_owned())),
                                ("source", strings(source.iter().map(String::as_str))),
                                ("translation", strings(translation.iter().map(String::as_str))),
                            ]),
                            Problem::PluralForms { needed, missing } => object([
                                ("kind", Json::Str(problem.kind().to_owned())),
                                ("missing", strings(missing.iter().copied())),
                                ("needed", strings(needed.iter().copied())),
                            ]),
                            Problem::Shape { source, translation } => object([
                                ("kind", Json::Str(problem.kind().to_owned())),
                                ("source", Json::Str(source.clone())),
                                ("translation", Json::Str(translation.clone())),
                            ]),
                        })
                        .collect();
                    let at = |lang: &str, line: Option<usize>| {
                        line.map_or(Json::Null, |line| file_line(format!("i18n/{lang}.yaml"), Some(line)))
                    };
                    object([
                        ("key", Json::Str(s.key.to_owned())),
                        ("problems", Json::Arr(problems)),
                        ("source", at(report.source, s.source_line)),
                        ("state", Json::Str(s.state.name().to_owned())),
                        ("translation", at(report.lang, s.translation_line)),
                    ])
                })
                .collect();
            let counts = |counts: Vec<(&'static str, usize)>| {
                Json::Obj(counts.into_iter().map(|(name, n)| (name, Json::Num(n))).collect())
            };
            object([
                ("lang", Json::Str(report.lang.to_owned())),
                ("pages", Json::Arr(pages)),
                ("strings", Json::Arr(strings)),
                (
                    "summary",
                    object([
                        ("pages", counts(report.page_counts())),
                        ("strings", counts(report.string_counts())),
                    ]),
                ),
            ])
        })
        .collect();
    object([
        ("languages", Json::Arr(languages)),
        ("ok", Json::Bool(!failed)),
        ("source", Json::Str(source.to_owned())),
    ])
}

/// A JSON value; objects keep their keys sorted.
enum Json {
    Null,
    Bool(bool),
    Num(usize),
    Str(String),
    Arr(Vec<Json>),
    Obj(BTreeMap<&'static str, Json>),
}

fn object<const N: usize>(fields: [(&'static str, Json); N]) -> Json {
    Json::Obj(fields.into_iter().collect())
}

fn strings<'a>(items: impl Iterator<Item = &'a str>) -> Json {
    Json::Arr(items.map(|s| Json::Str(s.to_owned())).collect())
}

impl Json {
    fn is_scalar(&self) -> bool {
        !matches!(self, Json::Arr(_) | Json::Obj(_))
    }

    /// Writes the value indented by two spaces per level; arrays of scalars stay on one line.
    fn write(&self, out: &mut String, indent: usize) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Num(n) => {
                let _ = write!(out, "{n}");
            }
            Json::Str(s) => out.push_str(&escape::json_string(s)),
            Json::Arr(items) if items.is_empty() => out.push_str("[]"),
            Json::Arr(items) if items.iter().all(Json::is_scalar) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write(out, indent);
                }
                out.push(']');
            }
            Json::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    out.push_str(if i > 0 { ",\n" } else { "\n" });
                    push_indent(out, indent + 1);
                    item.write(out, indent + 1);
                }
                out.push('\n');
                push_indent(out, indent);
                out.push(']');
            }
            Json::Obj(fields) if fields.is_empty() => out.push_str("{}"),
            Json::Obj(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    out.push_str(if i > 0 { ",\n" } else { "\n" });
                    push_indent(out, indent + 1);
                    out.push_str(&escape::json_string(key));
                    out.push_str(": ");
                    value.write(out, indent + 1);
                }
                out.push('\n');
                push_indent(out, indent);
                out.push('}');
            }
        }
    }
}

fn push_indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_objects_are_sorted_and_indented() {
        let mut out = String::new();
        object([
            ("b", Json::Arr(vec![Json::Num(1), Json::Null])),
            ("a", object([("x", Json::Bool(true))])),
            ("c", Json::Arr(vec![])),
        ])
        .write(&mut out, 0);
        assert_eq!(
            out,
            "{\n  \"a\": {\n    \"x\": true\n  },\n  \"b\": [1, null],\n  \"c\": []\n}"
        );
    }
}

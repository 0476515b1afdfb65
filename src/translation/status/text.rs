//! The report as text: per language a summary line for pages and one for
//! strings, then one aligned line per page or string that is not `ok`.

use std::fmt::Write as _;

use super::*;

fn location(file: &str, line: Option<usize>) -> String {
    match line {
        Some(line) if line > 0 => format!("{file}:{line}"),
        _ => file.to_owned(),
    }
}

fn names(set: &BTreeSet<String>) -> String {
    if set.is_empty() {
        "no placeholders".to_owned()
    } else {
        set.iter().map(|n| format!("{{{n}}}")).collect::<Vec<_>>().join(" ")
    }
}

pub(super) fn report(source: &str, reports: &[LangReport]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "translation status against the source language {source}");
    if reports.is_empty() {
        let _ = writeln!(out, "\nno translations: the site has only {source}");
    }
    for report in reports {
        let counts = |counts: Vec<(&str, usize)>| {
            counts
                .iter()
                .map(|(name, n)| format!("{n} {}", name.replace('_', " ")))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(out, "\n{}", report.lang);
        let _ = writeln!(out, "  pages    {}", counts(report.page_counts()));
        let _ = writeln!(out, "  strings  {}", counts(report.string_counts()));
        let rows = rows(report);
        let width = |i: usize| {
            rows.iter()
                .map(|r: &[String; 4]| r[i].chars().count())
                .max()
                .unwrap_or(0)
        };
        let (w0, w1, w2) = (width(0), width(1), width(2));
        for [state, subject, location, detail] in &rows {
            let _ = writeln!(out, "  {state:w0$}  {subject:w1$}  {location:w2$}  {detail}");
        }
        if report
            .pages
            .iter()
            .any(|p| matches!(p.state, PageState::Stale | PageState::Unmarked))
        {
            let _ = writeln!(
                out,
                "  after reviewing a translation, record it: plansite i18n mark <id> --lang {}",
                report.lang
            );
        }
    }
    let failing: Vec<&str> = reports.iter().filter(|r| r.fails()).map(|r| r.lang).collect();
    let unmarked: usize = reports
        .iter()
        .map(|r| r.pages.iter().filter(|p| p.state == PageState::Unmarked).count())
        .sum();
    out.push('\n');
    if !failing.is_empty() {
        let _ = writeln!(
            out,
            "incomplete: {} (missing or stale pages, or string problems)",
            failing.join(", ")
        );
    } else if unmarked > 0 {
        let _ = writeln!(
            out,
            "complete: nothing missing or stale; {unmarked} translation(s) never marked"
        );
    } else {
        let _ = writeln!(out, "complete: nothing missing or stale");
    }
    out
}

/// One row per page or string that is not ok: state, id or key, file:line, detail.
fn rows(report: &LangReport) -> Vec<[String; 4]> {
    let (lang, source_lang) = (report.lang, report.source);
    let mut pages: Vec<&PageStatus> = report.pages.iter().filter(|p| p.state != PageState::Ok).collect();
    pages.sort_by_key(|p| (p.state, p.id));
    let mut rows = Vec::new();
    for page in pages {
        let review = |s: &SourcePage| match body_lines(s) {
            (first, last) if first < last => format!("{}:{first}-{last}", path(&s.file)),
            (first, _) => format!("{}:{first}", path(&s.file)),
        };
        let draft = if page.source.is_some_and(|p| p.front.draft) || page.translation.is_some_and(|p| p.front.draft) {
            " (draft)"
        } else {
            ""
        };
        let (file, detail) = match (page.source, page.translation) {
            (Some(s), None) => (
                location(&path(&s.file), Some(1)),
                format!("no {lang} translation; create {}", translation_file(s, lang)),
            ),
            (None, Some(t)) => (
                location(&path(&t.file), Some(1)),
                format!("no {source_lang} page `{}`", shown(page.id)),
            ),
            (Some(s), Some(t))
                if page.state == PageState::Stale && !recorded_hash(t).is_some_and(crate::translation::is_hash) =>
            {
                (
                    location(&path(&t.file), translated_from_line(t)),
                    format!(
                        "translated_from `{}` is not a hash plansite wrote (12 hex digits); review against {} and record it with `plansite i18n mark {} --lang {}`",
                        recorded_hash(t).unwrap_or(""),
                        review(s),
                        shown(page.id),
                        t.lang
                    ),
                )
            }
            (Some(s), Some(t)) if page.state == PageState::Stale => (
                location(&path(&t.file), translated_from_line(t)),
                format!(
                    "the source changed since translated_from {} (now {}); review against {} (`plansite i18n diff {}` shows what changed)",
                    recorded_hash(t).unwrap_or(""),
                    page.hash.as_deref().unwrap_or(""),
                    review(s),
                    shown(page.id)
                ),
            ),
            (Some(s), Some(t)) => (
                location(&path(&t.file), Some(1)),
                format!("no translated_from; review against {}", review(s)),
            ),
            (None, None) => continue,
        };
        rows.push([
            page.state.name().to_owned(),
            shown(page.id).to_owned(),
            file,
            format!("{detail}{draft}"),
        ]);
    }

    let source_file = format!("i18n/{source_lang}.yaml");
    let file = format!("i18n/{lang}.yaml");
    let mut strings = Vec::new();
    for s in &report.strings {
        let (order, state, at, detail) = match s.state {
            StringState::Ok | StringState::Mismatch => {
                for problem in &s.problems {
                    let detail = match problem {
                        Problem::Placeholders { source, translation } => {
                            format!("{source_lang} has {}, {lang} has {}", names(source), names(translation))
                        }
                        Problem::PluralForms { needed, missing } => {
                            format!("no form {} ({lang} needs {})", missing.join(", "), needed.join(", "))
                        }
                        Problem::Shape { source, translation } => {
                            format!("{source} in {source_lang}, {translation} in {lang}")
                        }
                    };
                    let order = 2 + Problem::KINDS.iter().position(|k| *k == problem.kind()).unwrap_or(0);
                    strings.push((
                        order,
                        problem.kind().replace('_', " "),
                        s.key,
                        location(&file, s.translation_line),
                        detail,
                    ));
                }
                continue;
            }
            StringState::Missing => (
                0,
                "missing",
                location(&source_file, s.source_line),
                format!("not in {file}"),
            ),
            StringState::Extra => (
                1,
                "extra",
                location(&file, s.translation_line),
                format!("not in {source_file}"),
            ),
        };
        strings.push((order, state.to_owned(), s.key, at, detail));
    }
    strings.sort_by(|a, b| (a.0, a.2).cmp(&(b.0, b.2)));
    rows.extend(
        strings
            .into_iter()
            .map(|(_, state, key, at, detail)| [state, key.to_owned(), at, detail]),
    );
    rows
}

//! `plansite i18n`: the translation status report and `mark`, through the
//! library API (`plansite::translation::status`) on fixture sites (`tests/sites/i18n_status/`)
//! copied to temporary directories, and the report on the real site.

use std::path::{Path, PathBuf};

use crate::common::Site;
use plansite::diagnostics::Diagnostic;
use plansite::source::frontmatter::FrontMatter;
use plansite::translation::status::{self, Format};

fn report(site: &Site, lang: Option<&str>) -> (String, i32) {
    report_at(site.root(), lang)
}

fn report_at(root: &Path, lang: Option<&str>) -> (String, i32) {
    status::report(root, lang, Format::Text).unwrap_or_else(|d| panic!("report failed: {d:?}"))
}

/// The report's lines with runs of spaces made one, so assertions do not
/// depend on column widths.
fn lines(out: &str) -> Vec<String> {
    out.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

fn has_line(out: &str, line: &str) -> bool {
    lines(out).iter().any(|l| l == line)
}

fn read(site: &Site, rel: &str) -> String {
    std::fs::read_to_string(site.root().join(rel)).unwrap()
}

/// What `translated_from` must hold for a source page with this title and body.
fn hash(title: &str, body: &str) -> String {
    let front = FrontMatter {
        title: title.into(),
        ..FrontMatter::default()
    };
    plansite::translation::source_hash(&front, body)
}

fn only_error(result: Result<String, Vec<Diagnostic>>) -> Diagnostic {
    let mut errors = result.expect_err("should fail");
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors.remove(0)
}

const SV_BODY: &str = "## Syfte\n\nFörsta stycket.\n\nAndra stycket.\n";
const PAGE_FI: &str = "---\ntitle: Sivu\n---\n## Tarkoitus\n\nEnsimmäinen kappale.\n\nToinen kappale.\n";

#[test]
fn a_complete_site_without_hashes_passes_with_pages_unmarked() {
    let site = Site::fixture("i18n_status/complete");
    let (out, code) = report(&site, None);
    assert_eq!(code, 0, "{out}");
    let pages = lines(&out)
        .into_iter()
        .filter(|l| l.starts_with("pages "))
        .collect::<Vec<_>>();
    assert_eq!(
        pages, ["pages 0 ok, 0 missing, 0 stale, 3 unmarked, 0 extra"; 2],
        "fi and en: {out}"
    );
    assert!(
        has_line(
            &out,
            "unmarked docs/page content/docs/page.fi.md:1 no translated_from; review against content/docs/page.sv.md:4-8"
        ),
        "{out}"
    );
    assert!(
        has_line(
            &out,
            "unmarked / content/_index.en.md:1 no translated_from; review against content/_index.sv.md:4"
        ),
        "{out}"
    );
    for line in lines(&out).iter().filter(|l| l.starts_with("strings ")) {
        assert!(
            line.ends_with(" ok, 0 missing, 0 extra, 0 placeholders, 0 plural forms, 0 shape"),
            "{out}"
        );
    }
    assert!(
        out.ends_with("\ncomplete: nothing missing or stale; 6 translation(s) never marked\n"),
        "{out}"
    );
}

#[test]
fn mark_records_the_hash_and_an_edited_source_makes_the_translation_stale() {
    let site = Site::fixture("i18n_status/complete");
    assert_eq!(read(&site, "content/docs/page.fi.md"), PAGE_FI);
    let marked = hash("Sidan", SV_BODY);

    let message = status::mark(site.root(), "docs/page", "fi").unwrap();
    assert_eq!(
        message,
        format!(
            "marked content/docs/page.fi.md: translated_from {marked}, the current text of content/docs/page.sv.md"
        )
    );
    assert_eq!(
        read(&site, "content/docs/page.fi.md"),
        PAGE_FI.replace(
            "title: Sivu\n",
            &format!("title: Sivu\ntranslated_from: \"{marked}\"\n")
        )
    );
    let (out, code) = report(&site, Some("fi"));
    assert_eq!(code, 0, "{out}");
    assert!(
        has_line(&out, "pages 1 ok, 0 missing, 0 stale, 2 unmarked, 0 extra"),
        "{out}"
    );
    assert!(!out.contains("docs/page "), "an ok page has no line: {out}");

    // marking again changes nothing
    let again = status::mark(site.root(), "docs/page", "fi").unwrap();
    assert!(again.contains("already records"), "{again}");

    // the source changes: the translation is stale, and says where to look
    let new_body = "## Syfte\n\nFörsta stycket.\n\nAndra stycket, ändrat.\n\nTredje stycket.\n";
    site.write(
        "content/docs/page.sv.md",
        &format!("---\ntitle: Sidan\n---\n{new_body}"),
    );
    let new_hash = hash("Sidan", new_body);
    let (out, code) = report(&site, None);
    assert_eq!(code, 1, "{out}");
    assert!(
        has_line(&out, "pages 0 ok, 0 missing, 1 stale, 2 unmarked, 0 extra"),
        "{out}"
    );
    assert!(
        has_line(
            &out,
            &format!(
                "stale docs/page content/docs/page.fi.md:3 the source changed since translated_from {marked} \
                 (now {new_hash}); review against content/docs/page.sv.md:4-10 (`plansite i18n diff docs/page` shows what changed)"
            )
        ),
        "{out}"
    );
    assert!(
        out.ends_with("\nincomplete: fi (missing or stale pages, or string problems)\n"),
        "{out}"
    );

    // reviewed and marked again: ok
    status::mark(site.root(), "docs/page", "fi").unwrap();
    assert!(read(&site, "content/docs/page.fi.md").contains(&format!("translated_from: \"{new_hash}\"\n")));
    let (out, code) = report(&site, Some("fi"));
    assert_eq!(code, 0, "{out}");
    assert!(
        has_line(&out, "pages 1 ok, 0 missing, 0 stale, 2 unmarked, 0 extra"),
        "{out}"
    );
}

#[test]
fn mark_rewrites_only_the_translated_from_line() {
    let site = Site::fixture("i18n_status/complete");
    let before = "\u{feff}---\r\ntitle: Sivu\r\ntranslated_from: 0123456789ab # old\r\nweight: 2\r\n---\r\nTeksti\r\n";
    site.write("content/docs/page.fi.md", before);
    status::mark(site.root(), "docs/page", "fi").unwrap();
    let hash = hash("Sidan", SV_BODY);
    assert_eq!(
        read(&site, "content/docs/page.fi.md"),
        before.replace("0123456789ab # old", &format!("\"{hash}\" # old"))
    );
    // the home page is `/`
    let message = status::mark(site.root(), "/", "en").unwrap();
    assert!(message.starts_with("marked content/_index.en.md: "), "{message}");
}

#[test]
fn mark_errors_say_what_to_do() {
    let site = Site::fixture("i18n_status/missing_page");
    let e = only_error(status::mark(site.root(), "docs/only-sw", "fi"));
    assert_eq!(e.message, "no page `docs/only-sw`");
    assert_eq!(e.hint.as_deref(), Some("did you mean `docs/only-sv`?"));

    let e = only_error(status::mark(site.root(), "docs/only-sv", "fi"));
    assert_eq!(e.message, "page `docs/only-sv` has no fi translation");
    assert_eq!(e.file, PathBuf::from("content/docs/only-sv.sv.md"));
    assert_eq!(e.hint.as_deref(), Some("create content/docs/only-sv.fi.md"));

    let e = only_error(status::mark(site.root(), "docs", "sv"));
    assert_eq!(e.message, "`sv` is the source language");
    assert_eq!(e.hint.as_deref(), Some("choose a translation: fi"));

    let e = only_error(status::mark(site.root(), "docs", "fj"));
    assert_eq!(e.message, "unknown language `fj`");
    assert_eq!(e.hint.as_deref(), Some("did you mean `fi`?"));

    let site = Site::fixture("i18n_status/extra_page");
    let e = only_error(status::mark(site.root(), "docs/only-fi", "fi"));
    assert_eq!(e.message, "no page `docs/only-fi`");
    assert_eq!(
        e.hint.as_deref(),
        Some("content/docs/only-fi.fi.md has no sv page to be a translation of")
    );
}

#[test]
fn a_missing_page_fails() {
    let site = Site::fixture("i18n_status/missing_page");
    let (out, code) = report(&site, None);
    assert_eq!(code, 1, "{out}");
    assert!(
        has_line(&out, "pages 0 ok, 1 missing, 0 stale, 2 unmarked, 0 extra"),
        "{out}"
    );
    assert!(
        has_line(
            &out,
            "missing docs/only-sv content/docs/only-sv.sv.md:1 no fi translation; create content/docs/only-sv.fi.md"
        ),
        "{out}"
    );
}

#[test]
fn an_extra_page_is_reported_but_does_not_fail() {
    let site = Site::fixture("i18n_status/extra_page");
    let (out, code) = report(&site, None);
    assert_eq!(code, 0, "{out}");
    assert!(
        has_line(&out, "pages 0 ok, 0 missing, 0 stale, 2 unmarked, 1 extra"),
        "{out}"
    );
    assert!(
        has_line(
            &out,
            "extra docs/only-fi content/docs/only-fi.fi.md:1 no sv page `docs/only-fi`"
        ),
        "{out}"
    );
}

#[test]
fn different_placeholders_fail_compared_over_all_plural_forms() {
    let site = Site::fixture("i18n_status/placeholder_mismatch");
    let (out, code) = report(&site, None);
    assert_eq!(code, 1, "{out}");
    assert!(
        has_line(
            &out,
            "strings 1 ok, 0 missing, 0 extra, 1 placeholders, 0 plural forms, 0 shape"
        ),
        "{out}"
    );
    assert!(
        has_line(
            &out,
            "placeholders greeting i18n/fi.yaml:1 sv has {name}, fi has {nimi}"
        ),
        "{out}"
    );
    // `pages` has {count} in fi's `other` though not in its `one`: the same set
    assert!(!lines(&out).iter().any(|l| l.contains(" pages i18n/")), "{out}");
}

#[test]
fn a_missing_plural_form_fails() {
    let site = Site::fixture("i18n_status/missing_plural_form");
    let (out, code) = report(&site, None);
    assert_eq!(code, 1, "{out}");
    assert!(
        has_line(
            &out,
            "strings 0 ok, 0 missing, 0 extra, 0 placeholders, 1 plural forms, 0 shape"
        ),
        "{out}"
    );
    assert!(
        has_line(
            &out,
            "plural forms pages i18n/fi.yaml:1 no form one (fi needs one, other)"
        ),
        "{out}"
    );
}

#[test]
fn a_missing_key_fails_with_the_source_line() {
    let site = Site::fixture("i18n_status/missing_key");
    let (out, code) = report(&site, None);
    assert_eq!(code, 1, "{out}");
    assert!(
        has_line(
            &out,
            "strings 1 ok, 1 missing, 0 extra, 0 placeholders, 0 plural forms, 0 shape"
        ),
        "{out}"
    );
    assert!(
        has_line(&out, "missing nav.skip i18n/sv.yaml:4 not in i18n/fi.yaml"),
        "{out}"
    );
}

#[test]
fn an_extra_key_is_reported_but_does_not_fail() {
    let site = Site::fixture("i18n_status/extra_key");
    let (out, code) = report(&site, None);
    assert_eq!(code, 0, "{out}");
    assert!(
        has_line(
            &out,
            "strings 1 ok, 0 missing, 1 extra, 0 placeholders, 0 plural forms, 0 shape"
        ),
        "{out}"
    );
    assert!(
        has_line(&out, "extra old.key i18n/fi.yaml:3 not in i18n/sv.yaml"),
        "{out}"
    );
}

#[test]
fn the_text_report_is_a_table_per_language() {
    let site = Site::fixture("i18n_status/json");
    let (out, code) = report(&site, None);
    assert_eq!(code, 1);
    assert_eq!(out, with_hashes(TEXT));
}

#[test]
fn the_json_report_is_complete_and_sorted() {
    let site = Site::fixture("i18n_status/json");
    let (out, code) = status::report(site.root(), None, Format::Json).unwrap();
    assert_eq!(code, 1);
    assert_eq!(out, with_hashes(JSON));
}

#[test]
fn lang_selects_one_translation() {
    let site = Site::fixture("i18n_status/complete");
    let (out, _) = report(&site, Some("en"));
    assert!(out.contains("\nen\n") && !out.contains("\nfi\n"), "{out}");

    let e = status::report(site.root(), Some("sv"), Format::Text).unwrap_err();
    assert_eq!(e[0].message, "`sv` is the source language");
    assert_eq!(e[0].hint.as_deref(), Some("choose a translation: fi, en"));
    let e = status::report(site.root(), Some("eng"), Format::Text).unwrap_err();
    assert_eq!(e[0].message, "unknown language `eng`");
}

#[test]
fn content_errors_come_back_as_diagnostics() {
    let site = Site::fixture("i18n_status/complete");
    site.write("content/docs/page.fi.md", "---\ntitle: Sivu\ntranslated_form: x\n---\n");
    let e = status::report(site.root(), None, Format::Json).unwrap_err();
    assert!(
        e.iter()
            .any(|d| d.is_error() && d.file == Path::new("content/docs/page.fi.md")),
        "{e:?}"
    );
    site.write("book.toml", "[site\n");
    let e = status::mark(site.root(), "docs/page", "fi").unwrap_err();
    assert!(
        e.iter().any(|d| d.is_error() && d.file == Path::new("book.toml")),
        "{e:?}"
    );
}

/// The real site in this repository: every page in every language (none
/// carries a hash yet, so they are `unmarked`) and every interface string ok.
#[test]
fn the_real_site_is_complete_in_every_language() {
    let (out, code) = report_at(Path::new(env!("CARGO_MANIFEST_DIR")), None);
    println!("{out}");
    let lines = lines(&out);
    let pages: Vec<_> = lines.iter().filter(|l| l.starts_with("pages ")).collect();
    let strings: Vec<_> = lines.iter().filter(|l| l.starts_with("strings ")).collect();
    assert_eq!((pages.len(), strings.len()), (2, 2), "fi and en: {out}");
    for line in pages {
        assert!(line.contains(" 0 missing, ") && line.ends_with(" 0 extra"), "{out}");
    }
    for line in strings {
        assert!(
            line.ends_with(" ok, 0 missing, 0 extra, 0 placeholders, 0 plural forms, 0 shape"),
            "{out}"
        );
    }
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("missing ") || l.starts_with("extra ")),
        "{out}"
    );
    assert_eq!(code, 0, "{out}");
}

/// A report of the `json` fixture with its pages' current hashes in place
/// of `HOME_HASH` (the home page) and `ONLY_HASH` (`a`, only in Swedish).
fn with_hashes(report: &str) -> String {
    report
        .replace("HOME_HASH", &hash("Start", "Välkommen.\n"))
        .replace("ONLY_HASH", &hash("A", "Bara på svenska.\n"))
}

const TEXT: &str = "translation status against the source language sv

fi
  pages    0 ok, 1 missing, 1 stale, 0 unmarked, 1 extra
  strings  0 ok, 1 missing, 1 extra, 1 placeholders, 1 plural forms, 1 shape
  missing       a       content/a.sv.md:1       no fi translation; create content/a.fi.md
  stale         /       content/_index.fi.md:3  the source changed since translated_from 000000000000 (now HOME_HASH); review against content/_index.sv.md:4 (`plansite i18n diff /` shows what changed)
  extra         b       content/b.fi.md:1       no sv page `b`
  missing       hello   i18n/sv.yaml:1          not in i18n/fi.yaml
  extra         extra   i18n/fi.yaml:1          not in i18n/sv.yaml
  placeholders  quote   i18n/fi.yaml:5          sv has {name}, fi has {nimi}
  plural forms  pages   i18n/fi.yaml:3          no form one (fi needs one, other)
  shape         months  i18n/fi.yaml:2          list of 2 in sv, text in fi
  after reviewing a translation, record it: plansite i18n mark <id> --lang fi

incomplete: fi (missing or stale pages, or string problems)
";

const JSON: &str = r#"{
  "glossary": [],
  "languages": [
    {
      "lang": "fi",
      "pages": [
        {
          "draft": false,
          "hash": "HOME_HASH",
          "id": "",
          "source": {
            "end_line": 4,
            "file": "content/_index.sv.md",
            "line": 4
          },
          "state": "stale",
          "translated_from": "000000000000",
          "translation": {
            "file": "content/_index.fi.md",
            "line": 3
          }
        },
        {
          "draft": false,
          "hash": "ONLY_HASH",
          "id": "a",
          "source": {
            "end_line": 4,
            "file": "content/a.sv.md",
            "line": 4
          },
          "state": "missing",
          "translated_from": null,
          "translation": null
        },
        {
          "draft": false,
          "hash": null,
          "id": "b",
          "source": null,
          "state": "extra",
          "translated_from": null,
          "translation": {
            "file": "content/b.fi.md",
            "line": 1
          }
        }
      ],
      "strings": [
        {
          "key": "extra",
          "problems": [],
          "source": null,
          "state": "extra",
          "translation": {
            "file": "i18n/fi.yaml",
            "line": 1
          }
        },
        {
          "key": "hello",
          "problems": [],
          "source": {
            "file": "i18n/sv.yaml",
            "line": 1
          },
          "state": "missing",
          "translation": null
        },
        {
          "key": "months",
          "problems": [
            {
              "kind": "shape",
              "source": "list of 2",
              "translation": "text"
            }
          ],
          "source": {
            "file": "i18n/sv.yaml",
            "line": 2
          },
          "state": "mismatch",
          "translation": {
            "file": "i18n/fi.yaml",
            "line": 2
          }
        },
        {
          "key": "pages",
          "problems": [
            {
              "kind": "plural_forms",
              "missing": ["one"],
              "needed": ["one", "other"]
            }
          ],
          "source": {
            "file": "i18n/sv.yaml",
            "line": 3
          },
          "state": "mismatch",
          "translation": {
            "file": "i18n/fi.yaml",
            "line": 3
          }
        },
        {
          "key": "quote",
          "problems": [
            {
              "kind": "placeholders",
              "source": ["name"],
              "translation": ["nimi"]
            }
          ],
          "source": {
            "file": "i18n/sv.yaml",
            "line": 6
          },
          "state": "mismatch",
          "translation": {
            "file": "i18n/fi.yaml",
            "line": 5
          }
        }
      ],
      "summary": {
        "pages": {
          "extra": 1,
          "missing": 1,
          "ok": 0,
          "stale": 1,
          "unmarked": 0
        },
        "strings": {
          "extra": 1,
          "missing": 1,
          "ok": 0,
          "placeholders": 1,
          "plural_forms": 1,
          "shape": 1
        }
      }
    }
  ],
  "ok": false,
  "source": "sv"
}
"#;

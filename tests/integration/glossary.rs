//! The glossary check (`i18n/glossary.yaml`): a variant to avoid, a term
//! the translation leaves out, a term rendered two ways — warnings, errors
//! with `--strict` — on a fixture, and the real site held to its glossary.

use std::path::Path;

use crate::common::Site;

const GLOSSARY: &str = r#"# The terms the fixture's translations are held to.
terms:
  - term: { sv: "vänort*", fi: ["ystävyyskaupun*", "ystävyyskaupung*"], en: "twin town*" }
    avoid: { fi: "sisarkaupun*", en: "sister cit*" }
    note: Luleå's twin towns; never "sister city".
  - term: { sv: Uleåborg*, fi: Oulu*, en: Oulu }
"#;

fn site() -> Site {
    let site = Site::fixture("glossary");
    site.write("i18n/glossary.yaml", GLOSSARY);
    site
}

/// The diagnostics' first two lines (message and place), one string each;
/// how many places use the approved form is `N` (the interface strings,
/// the repository's own, count too).
fn findings(stderr: &str) -> Vec<String> {
    let lines: Vec<&str> = stderr.lines().collect();
    lines
        .windows(2)
        .filter(|w| w[0].contains("glossary: ") && w[0].contains(": glossary"))
        .map(|w| format!("{} {}", mask_count(w[0]), w[1].trim()))
        .collect()
}

fn mask_count(line: &str) -> String {
    match line.find(" place(s)") {
        Some(end) => {
            let start = line[..end].trim_end_matches(|c: char| c.is_ascii_digit()).len();
            format!("{}N{}", &line[..start], &line[end..])
        }
        None => line.to_owned(),
    }
}

#[test]
fn a_variant_a_missing_term_and_two_renderings_are_reported_at_the_translation() {
    let site = site();
    let run = site.run(&["i18n"]);
    assert_eq!(run.code, 0, "warnings do not fail: {}", run.stderr);
    assert_eq!(
        findings(&run.stderr),
        [
            "warning: glossary: `vänort*` is rendered two ways in en: as `twin town*` in N place(s), otherwise in 1 (the first here) --> content/towns/_index.en.md:4:1",
            "warning: glossary: the source (content/towns/_index.sv.md:4) uses `vänort*`, the translation none of `twin town*` --> content/towns/_index.en.md:4:1",
            "warning: glossary: `sisarkaupunkia` is a variant to avoid for `vänort*`; use `ystävyyskaupun*` or `ystävyyskaupung*` --> content/towns/_index.fi.md:4:1",
            "warning: glossary: `vänort*` is rendered two ways in fi: as `ystävyyskaupun*` or `ystävyyskaupung*` in N place(s), otherwise in 1 (the first here) --> content/towns/_index.fi.md:4:1",
        ],
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("Luleå's twin towns; never \"sister city\"."),
        "the note is the hint: {}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("glossary: 4 finding(s) (warnings; --strict makes them errors)"),
        "{}",
        run.stderr
    );

    let strict = site.run(&["i18n", "--strict"]);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    assert_eq!(findings(&strict.stderr).len(), 4, "{}", strict.stderr);
    assert!(
        findings(&strict.stderr).iter().all(|f| f.starts_with("error: ")),
        "{}",
        strict.stderr
    );
    let check = site.run(&["check", "--strict"]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    assert_eq!(site.run(&["check"]).code, 0);
}

#[test]
fn a_fixed_translation_is_clean() {
    let site = site();
    site.write(
        "content/towns/_index.fi.md",
        "---\ntitle: Ystävyyskaupungit\n---\nLuleålla on kuusi ystävyyskaupunkia.\n\n## Oulu\n\nOulu on kumppanikaupunki eikä ystävyyskaupunki.\n",
    );
    site.write(
        "content/towns/_index.en.md",
        "---\ntitle: Twin towns\n---\nLuleå has six twin towns.\n\n## Oulu\n\nOulu is a partner city, not a twin town.\n",
    );
    let run = site.run(&["i18n", "--strict"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("glossary"), "{}", run.stderr);
}

#[test]
fn a_bad_glossary_is_an_error_at_its_line() {
    let site = site();
    site.write(
        "i18n/glossary.yaml",
        "terms:\n  - term: { sv: vänort*, fi: \"ystä*vyys\" }\n  - term: { fi: Oulu }\n",
    );
    let run = site.run(&["i18n"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("error: pattern `ystä*vyys`: `*` stands for letters at the start or end of a word"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--> i18n/glossary.yaml:2:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("error: the term has no `sv` form"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--> i18n/glossary.yaml:3:"), "{}", run.stderr);
    let build = site.run(&["build"]);
    assert_eq!(build.code, 1, "a broken glossary stops a build too: {}", build.stderr);
}

/// The real site in this repository keeps its own terminology, as CI
/// checks with `plansite i18n --strict`.
#[test]
fn the_real_site_holds_its_glossary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(root.join("i18n/glossary.yaml").exists());
    let findings = plansite::translation::glossary::run(root, true).unwrap_or_else(|d| panic!("{d:?}"));
    let shown: Vec<String> = findings.iter().map(ToString::to_string).collect();
    assert!(findings.is_empty(), "{}", shown.join("\n"));
}

#[test]
fn the_json_status_lists_the_findings_and_strict_fails_it() {
    let site = site();
    let run = site.run(&["i18n", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = value["glossary"].as_array().unwrap();
    assert_eq!(findings.len(), 4, "{}", run.stdout);
    assert_eq!(findings[0]["file"], "content/towns/_index.en.md");
    assert_eq!(findings[0]["severity"], "warning");
    assert_eq!(value["ok"], true, "warnings leave the status ok");

    let strict = site.run(&["i18n", "--format", "json", "--strict"]);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    let value: serde_json::Value = serde_json::from_str(&strict.stdout).unwrap();
    assert_eq!(value["ok"], false);
    assert_eq!(value["glossary"][0]["severity"], "error");
}

//! `plansite i18n diff`: what changed in a source page since its
//! translation was marked, read from a git repository made in a temporary
//! directory around a fixture site; the fallbacks without history; and the
//! report's three formats.

use std::path::Path;
use std::process::Command;

use crate::common::Site;
use plansite::translation::diff::{self, Format};
use plansite::translation::status;

fn git(root: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.org",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(root)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", root)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The `complete` fixture in a repository: committed, its Finnish page
/// marked and committed; returns the site and the commit that holds the
/// source as it was marked (the first).
fn marked_repository() -> (Site, String) {
    let site = Site::fixture("i18n_status/complete");
    let root = site.root();
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "site"]);
    let commit = git(root, &["rev-parse", "HEAD"]).trim().to_owned();
    status::mark(root, "docs/page", "fi").unwrap();
    git(root, &["commit", "-q", "-am", "fi reviewed"]);
    (site, commit)
}

const EDITED_SV: &str =
    "---\ntitle: Sidan\n---\n## Syfte\n\nFörsta stycket.\n\nAndra stycket, nu ändrat på två ställen.\n";

fn text(site: &Site, id: Option<&str>, lang: Option<&str>) -> String {
    diff::diff(site.root(), id, lang, Format::Text).unwrap_or_else(|d| panic!("{d:?}"))
}

/// The report with the marking commit's id and date made fixed words.
fn normalized(report: &str, site: &Site, commit: &str) -> String {
    let date = git(site.root(), &["log", "-1", "--format=%cs", commit]);
    report
        .replace(&commit[..10], "COMMIT")
        .replace(commit, "COMMIT")
        .replace(date.trim(), "DATE")
}

#[test]
fn an_edited_paragraph_is_the_one_block_reported_beside_its_translation() {
    let (site, commit) = marked_repository();
    site.write("content/docs/page.sv.md", EDITED_SV);
    git(site.root(), &["commit", "-q", "-am", "sv edited"]);

    let out = normalized(&text(&site, None, Some("fi")), &site, &commit);
    let hash_now = plansite::translation::source_hash(
        &plansite::source::frontmatter::FrontMatter {
            title: "Sidan".into(),
            ..Default::default()
        },
        "## Syfte\n\nFörsta stycket.\n\nAndra stycket, nu ändrat på två ställen.\n",
    );
    let recorded = std::fs::read_to_string(site.root().join("content/docs/page.fi.md")).unwrap();
    let recorded = recorded
        .lines()
        .find_map(|l| l.strip_prefix("translated_from: \""))
        .unwrap()
        .trim_end_matches('"')
        .to_owned();
    assert_eq!(
        out,
        format!(
            "stale fi docs/page: content/docs/page.fi.md:3 (translated_from {recorded}, now {hash_now})
  marked against content/docs/page.sv.md as of commit COMMIT (DATE)

  changed paragraph at content/docs/page.sv.md:8
    Andra stycket{{+, nu ändrat på två ställen+}}.
  fi now content/docs/page.fi.md:9
    Toinen kappale.

1 stale translation(s); after revising one, record it with `plansite i18n mark <id> --lang <lang>`
"
        )
    );

    // the same as JSON, for tools
    let json = diff::diff(site.root(), Some("docs/page"), Some("fi"), Format::Json).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let entry = &value["stale"][0];
    assert_eq!(value["stale"].as_array().unwrap().len(), 1, "{json}");
    assert_eq!(entry["id"], "docs/page");
    assert_eq!(entry["lang"], "fi");
    assert_eq!(entry["marked"]["found"], true);
    assert_eq!(entry["marked"]["commit"], commit);
    assert_eq!(entry["changes"].as_array().unwrap().len(), 1, "{json}");
    let change = &entry["changes"][0];
    assert_eq!(change["kind"], "paragraph");
    assert_eq!(change["change"], "changed");
    assert_eq!(change["line"], 8);
    assert_eq!(change["old"], "Andra stycket.");
    assert_eq!(change["new"], "Andra stycket, nu ändrat på två ställen.");
    assert_eq!(change["translation"]["line"], 9);
    assert_eq!(change["translation"]["text"], "Toinen kappale.");
    let words: Vec<(&str, &str)> = change["words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["op"].as_str().unwrap(), w["text"].as_str().unwrap()))
        .collect();
    assert_eq!(
        words,
        [
            ("same", "Andra stycket"),
            ("added", ", nu ändrat på två ställen"),
            ("same", ".")
        ]
    );

    // nothing was written to the content
    assert_eq!(git(site.root(), &["status", "--porcelain"]), "");
}

#[test]
fn a_changed_title_makes_the_translation_stale_and_is_shown_as_a_field() {
    let (site, commit) = marked_repository();
    let (out, code) = status::report(site.root(), Some("fi"), status::Format::Text).unwrap();
    assert_eq!(code, 0, "{out}");
    site.write(
        "content/docs/page.sv.md",
        "---\ntitle: Sidan om syftet\n---\n## Syfte\n\nFörsta stycket.\n\nAndra stycket.\n",
    );
    let (out, code) = status::report(site.root(), Some("fi"), status::Format::Text).unwrap();
    assert_eq!(code, 1, "a new title alone makes the translation stale: {out}");
    assert!(
        out.lines()
            .any(|l| l.split_whitespace().take(2).eq(["stale", "docs/page"])),
        "{out}"
    );

    // uncommitted: the marked version is still the one in the history
    let out = normalized(&text(&site, Some("docs/page"), Some("fi")), &site, &commit);
    assert!(out.contains("  changed title at content/docs/page.sv.md:2\n    Sidan{+ om syftet+}\n  fi now content/docs/page.fi.md:2\n    Sivu\n"), "{out}");
    assert_eq!(out.matches("\n  changed ").count(), 1, "{out}");
}

#[test]
fn an_added_block_goes_after_the_translation_of_the_block_before_it() {
    let (site, _) = marked_repository();
    site.write(
        "content/docs/page.sv.md",
        "---\ntitle: Sidan\n---\n## Syfte\n\nFörsta stycket.\n\nEtt nytt stycke.\n\nAndra stycket.\n",
    );
    let out = text(&site, Some("docs/page"), Some("fi"));
    assert!(
        out.contains("  added paragraph at content/docs/page.sv.md:8\n    Ett nytt stycke.\n  add the fi after content/docs/page.fi.md:7\n    Ensimmäinen kappale.\n"),
        "{out}"
    );
}

#[test]
fn blocks_added_at_the_end_go_after_the_translation_of_the_last_block() {
    let (site, _) = marked_repository();
    site.write(
        "content/docs/page.sv.md",
        "---\ntitle: Sidan\n---\n## Syfte\n\nFörsta stycket.\n\nAndra stycket.\n\n## Nytt avsnitt\n\nNågon text här.\n",
    );
    let out = text(&site, Some("docs/page"), Some("fi"));
    for added in [
        "  added heading at content/docs/page.sv.md:10\n    ## Nytt avsnitt\n  add the fi after",
        "  added paragraph at content/docs/page.sv.md:12\n    Någon text här.\n  add the fi after",
    ] {
        assert!(out.contains(added), "{added:?} in\n{out}");
    }
}

#[test]
fn a_shallow_clone_says_so_and_names_the_lines_to_review() {
    let (site, _) = marked_repository();
    site.write("content/docs/page.sv.md", EDITED_SV);
    git(site.root(), &["commit", "-q", "-am", "sv edited"]);
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", site.root().display());
    git(clone.path(), &["clone", "-q", "--depth", "1", &url, "site"]);
    let root = clone.path().join("site");

    let out = diff::diff(&root, None, Some("fi"), Format::Text).unwrap();
    assert!(
        out.contains("no commit in this shallow clone holds content/docs/page.sv.md as it was marked"),
        "{out}"
    );
    assert!(out.contains("`git fetch --unshallow`"), "{out}");
    assert!(
        out.contains("  review the whole body: content/docs/page.sv.md:4–8\n"),
        "{out}"
    );
    assert!(!out.contains("changed paragraph"), "{out}");
}

#[test]
fn without_a_repository_the_report_says_why_and_falls_back() {
    let site = Site::fixture("i18n_status/complete");
    status::mark(site.root(), "docs/page", "fi").unwrap();
    site.write("content/docs/page.sv.md", EDITED_SV);
    let out = text(&site, None, None);
    assert!(
        out.starts_with("history not read: the site is not in a git repository\n"),
        "{out}"
    );
    assert!(out.contains("stale fi docs/page: content/docs/page.fi.md:3"), "{out}");
    assert!(
        out.contains("  review the whole body: content/docs/page.sv.md:4–8\n"),
        "{out}"
    );

    let json: serde_json::Value =
        serde_json::from_str(&diff::diff(site.root(), None, None, Format::Json).unwrap()).unwrap();
    assert_eq!(json["stale"][0]["marked"]["found"], false);
    assert_eq!(json["stale"][0]["marked"]["review"]["end_line"], 8);
}

#[test]
fn nothing_stale_says_so_and_unknown_ids_are_errors_with_a_hint() {
    let (site, _) = marked_repository();
    assert_eq!(
        text(&site, None, None),
        "no stale translations: every marked translation renders its source as it is\n"
    );
    let errors = diff::diff(site.root(), Some("docs/pgae"), None, Format::Text).unwrap_err();
    assert_eq!(errors[0].message, "no page `docs/pgae`");
    assert_eq!(errors[0].hint.as_deref(), Some("did you mean `docs/page`?"));
    let errors = diff::diff(site.root(), None, Some("sv"), Format::Text).unwrap_err();
    assert_eq!(errors[0].message, "`sv` is the source language");
}

#[test]
fn the_html_page_shows_old_new_and_translation_escaped_in_their_languages() {
    let (site, _) = marked_repository();
    site.write(
        "content/docs/page.sv.md",
        "---\ntitle: Sidan\n---\n## Syfte\n\nFörsta stycket.\n\nAndra <script>alert(1)</script> delen.\n",
    );
    let html = diff::diff(site.root(), None, Some("fi"), Format::Html).unwrap();
    assert!(html.starts_with("<!doctype html>\n<html lang=\"en\">"), "{html}");
    assert!(!html.contains("<script"), "content is escaped: {html}");
    assert!(
        html.contains("<td lang=\"sv\">Andra <del>stycket</del>.</td>"),
        "{html}"
    );
    assert!(
        html.contains("<td lang=\"sv\">Andra <ins>&lt;script&gt;alert(1)&lt;/script&gt; delen</ins>.</td>"),
        "{html}"
    );
    assert!(
        html.contains("<td lang=\"fi\"><small>content/docs/page.fi.md:9</small>\nToinen kappale.</td>"),
        "{html}"
    );
}

/// Whether the report found the marked version in the history.
fn found(site_root: &Path) -> serde_json::Value {
    let json = diff::diff(site_root, Some("docs/page"), Some("fi"), Format::Json).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["stale"].as_array().map(Vec::len), Some(1), "{json}");
    value["stale"][0]["marked"].clone()
}

#[test]
fn a_version_first_made_by_a_merge_is_found() {
    let site = Site::fixture("i18n_status/complete");
    let root = site.root();
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "site"]);
    git(root, &["branch", "other"]);
    site.write(
        "content/docs/page.sv.md",
        "---\ntitle: Sidan\n---\n## Syfte\n\nFörsta stycket, ändrat.\n\nAndra stycket.\n",
    );
    git(root, &["commit", "-q", "-am", "first"]);
    git(root, &["checkout", "-q", "other"]);
    site.write(
        "content/docs/page.sv.md",
        "---\ntitle: Sidan\n---\n## Syfte\n\nFörsta stycket.\n\nAndra stycket, ändrat.\n",
    );
    git(root, &["commit", "-q", "-am", "second"]);
    git(root, &["checkout", "-q", "main"]);
    git(root, &["merge", "-q", "--no-edit", "other"]);
    // the merged text exists in the merge commit only
    status::mark(root, "docs/page", "fi").unwrap();
    git(root, &["commit", "-q", "-am", "fi reviewed"]);
    site.write(
        "content/docs/page.sv.md",
        "---\ntitle: Sidan\n---\n## Syfte\n\nFörsta stycket, ändrat.\n\nTredje stycket.\n",
    );
    git(root, &["commit", "-q", "-am", "third"]);
    assert_eq!(found(root)["found"], true);
}

#[test]
fn a_moved_page_and_a_pasted_control_character_are_found() {
    let (site, _) = marked_repository();
    let root = site.root();
    // a character load removes (with a warning) is removed before hashing
    // the old version too
    site.write(
        "content/docs/page.sv.md",
        "---\ntitle: Sidan\n---\n## Syfte\n\nFörsta stycket.\u{b} Inklistrat.\n\nAndra stycket.\n",
    );
    git(root, &["commit", "-q", "-am", "pasted"]);
    status::mark(root, "docs/page", "fi").unwrap();
    git(root, &["commit", "-q", "-am", "marked"]);
    site.write(
        "content/docs/page.sv.md",
        "---\ntitle: Sidan\n---\n## Syfte\n\nFörsta stycket.\n\nAndra stycket, nytt.\n",
    );
    git(root, &["commit", "-q", "-am", "edited"]);
    assert_eq!(found(root)["found"], true, "control character");

    // moved and edited in one commit: the old version is at the old path
    status::mark(root, "docs/page", "fi").unwrap();
    git(root, &["commit", "-q", "-am", "marked again"]);
    git(root, &["mv", "content/docs", "content/guide"]);
    site.write(
        "content/guide/page.sv.md",
        "---\ntitle: Sidan\n---\n## Syfte\n\nFörsta stycket.\n\nAndra stycket, flyttat.\n",
    );
    git(root, &["commit", "-q", "-am", "moved"]);
    git(root, &["config", "diff.relative", "true"]);
    let json = diff::diff(root, Some("guide/page"), Some("fi"), Format::Json).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["stale"][0]["marked"]["found"], true, "{json}");
    assert_eq!(
        value["stale"][0]["changes"][0]["new"], "Andra stycket, flyttat.",
        "{json}"
    );
}

#[test]
fn the_repository_configuration_runs_no_program() {
    let (site, _) = marked_repository();
    let root = site.root();
    site.write("content/docs/page.sv.md", EDITED_SV);
    git(root, &["commit", "-q", "-am", "sv edited"]);
    // a commit that claims a signature, and a configuration that would check
    // it with a program of the repository's choosing
    let head = git(root, &["cat-file", "commit", "HEAD"]);
    let signed = head.replacen(
        "\n\n",
        "\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n -----END PGP SIGNATURE-----\n\n",
        1,
    );
    let mut hash = Command::new("git")
        .args(["hash-object", "-t", "commit", "-w", "--stdin"])
        .current_dir(root)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut hash.stdin.take().unwrap(), signed.as_bytes()).unwrap();
    let id = String::from_utf8(hash.wait_with_output().unwrap().stdout).unwrap();
    git(root, &["update-ref", "HEAD", id.trim()]);
    let marker = root.join("ran");
    let program = root.join("gpg.sh");
    std::fs::write(&program, format!("#!/bin/sh\ntouch '{}'\n", marker.display())).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    git(root, &["config", "log.showSignature", "true"]);
    git(root, &["config", "gpg.program", &program.to_string_lossy()]);
    assert_eq!(found(root)["found"], true);
    assert!(!marker.exists(), "git ran the repository's gpg.program");
}

#[test]
fn one_page_not_marked_or_not_translated_says_so() {
    let (site, _) = marked_repository();
    let errors = diff::diff(site.root(), Some("docs"), Some("fi"), Format::Text).unwrap_err();
    assert_eq!(
        errors[0].message,
        "the fi translation of `docs` is not marked, so there is no version to compare with"
    );
    assert!(
        errors[0]
            .hint
            .as_deref()
            .unwrap()
            .ends_with("plansite i18n mark docs --lang fi"),
        "{errors:?}"
    );
    std::fs::remove_file(site.root().join("content/docs/page.en.md")).unwrap();
    let errors = diff::diff(site.root(), Some("docs/page"), Some("en"), Format::Text).unwrap_err();
    assert_eq!(errors[0].message, "`docs/page` has no en translation");
}

#[test]
fn a_translated_from_that_is_no_hash_is_named_as_such() {
    let site = Site::fixture("i18n_status/complete");
    site.write(
        "content/docs/page.fi.md",
        "---\ntitle: Sivu\ntranslated_from: \"<script>\"\n---\n## Tarkoitus\n\nEnsimmäinen kappale.\n\nToinen kappale.\n",
    );
    let (out, code) = status::report(site.root(), Some("fi"), status::Format::Text).unwrap();
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("translated_from `<script>` is not a hash plansite wrote (12 hex digits)"),
        "{out}"
    );
    let html = diff::diff(site.root(), None, Some("fi"), Format::Html).unwrap();
    assert!(
        html.contains("The recorded translated_from `&lt;script&gt;` is not a hash"),
        "{html}"
    );
    assert_eq!(
        html.matches("<section").count(),
        html.matches("</section>").count(),
        "{html}"
    );
    assert!(html.contains("(review the whole page)"), "{html}");

    // the current hash in capitals is the current hash
    status::mark(site.root(), "docs/page", "fi").unwrap();
    let page = std::fs::read_to_string(site.root().join("content/docs/page.fi.md")).unwrap();
    let hash = page
        .lines()
        .find_map(|l| l.strip_prefix("translated_from: \""))
        .unwrap()
        .trim_end_matches('"')
        .to_owned();
    site.write("content/docs/page.fi.md", &page.replace(&hash, &hash.to_uppercase()));
    let (out, code) = status::report(site.root(), Some("fi"), status::Format::Text).unwrap();
    assert_eq!(code, 0, "{out}");
}

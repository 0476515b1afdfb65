//! Where a build may write: `build.output_dir` of book.toml only names a
//! plain directory under the site root, `--output` may name any directory
//! but the site's own, and no build replaces a directory plansite did not
//! make. Every refusal exits 1 with its exact message and leaves every file
//! as it was.
//!
//! Each site lives in `<tmp>/site`, so a path that leaves the root still
//! stays in the test's own temporary directory, whatever the build does.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::Site;

struct Nested {
    outer: tempfile::TempDir,
    root: PathBuf,
}

impl Nested {
    /// The `cross_links` fixture at `<tmp>/site`, built once into `public/`.
    fn built() -> Nested {
        let fixture = Site::fixture("cross_links");
        let outer = tempfile::tempdir().unwrap();
        let root = outer.path().join("site");
        for entry in walkdir::WalkDir::new(fixture.root()) {
            let entry = entry.unwrap();
            let target = root.join(entry.path().strip_prefix(fixture.root()).unwrap());
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&target).unwrap();
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
        let site = Nested { outer, root };
        let (code, stderr) = site.build(&[]);
        assert_eq!(code, 0, "{stderr}");
        site
    }

    /// Runs `plansite build --root <root>` with `args`; the temporary
    /// directory's path reads `[tmp]` in stderr.
    fn build(&self, args: &[&str]) -> (i32, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_plansite"))
            .arg("build")
            .args(args)
            .arg("--root")
            .arg(&self.root)
            .output()
            .expect("plansite runs");
        let stderr = String::from_utf8_lossy(&out.stderr).replace(&*self.tmp(), "[tmp]");
        assert!(!stderr.contains("panicked"), "{stderr}");
        (out.status.code().unwrap_or(-1), stderr)
    }

    fn tmp(&self) -> String {
        self.outer.path().to_string_lossy().into_owned()
    }

    fn set_output_dir(&self, value: &str) {
        let path = self.root.join("book.toml");
        let book = std::fs::read_to_string(&path).unwrap();
        std::fs::write(path, format!("{book}\n[build]\noutput_dir = \"{value}\"\n")).unwrap();
    }

    /// Every entry under the temporary directory, with the bytes of files.
    fn everything(&self) -> Vec<(String, Vec<u8>)> {
        tree(self.outer.path())
    }
}

fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut entries: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            let bytes = if e.file_type().is_file() {
                std::fs::read(e.path()).unwrap()
            } else {
                Vec::new()
            };
            (rel, bytes)
        })
        .collect();
    entries.sort();
    entries
}

/// Sets `output_dir`, builds, and returns stderr: exit 1 and not one file
/// anywhere changed (the published `public/` included).
fn refused_setting(value: &str) -> String {
    let site = Nested::built();
    let value = value.replace("[tmp]", &site.tmp());
    site.set_output_dir(&value);
    let before = site.everything();
    let (code, stderr) = site.build(&[]);
    assert_eq!(code, 1, "{value}: {stderr}");
    assert_eq!(site.everything(), before, "{value}: files changed");
    stderr
}

#[test]
fn absolute_output_dir_in_book_toml_is_refused() {
    insta::assert_snapshot!(refused_setting("[tmp]/x"));
}

#[test]
fn output_dir_leaving_the_root_is_refused() {
    insta::assert_snapshot!(refused_setting("../other"));
}

#[test]
fn output_dir_up_and_out_through_a_subdirectory_is_refused() {
    insta::assert_snapshot!(refused_setting("docs/../.."));
}

#[test]
fn hidden_output_dir_is_refused() {
    insta::assert_snapshot!(refused_setting(".git"));
}

#[test]
fn content_as_output_dir_is_refused() {
    insta::assert_snapshot!(refused_setting("content"));
}

#[test]
fn a_hand_written_directory_given_as_output_survives_byte_for_byte() {
    let site = Nested::built();
    let docs = site.root.join("docs");
    std::fs::create_dir_all(docs.join("guide")).unwrap();
    std::fs::write(docs.join("index.md"), "# Handbook\n").unwrap();
    std::fs::write(docs.join("guide/setup.md"), "written by hand\n").unwrap();
    let before = site.everything();
    let (code, stderr) = site.build(&["--output", docs.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(site.everything(), before);
    insta::assert_snapshot!(stderr);
}

#[test]
fn a_site_published_before_the_marker_must_be_deleted_once() {
    let site = Nested::built();
    std::fs::remove_file(site.root.join("public/.plansite-output")).unwrap();
    let before = site.everything();
    let (code, stderr) = site.build(&[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(site.everything(), before);
    insta::assert_snapshot!(stderr);
    std::fs::remove_dir_all(site.root.join("public")).unwrap();
    assert_eq!(site.build(&[]).0, 0);
}

#[test]
fn output_may_be_anywhere_outside_the_root_and_is_marked() {
    let site = Nested::built();
    let elsewhere = site.outer.path().join("www/intl");
    for _ in 0..2 {
        let (code, stderr) = site.build(&["--output", elsewhere.to_str().unwrap()]);
        assert_eq!(code, 0, "{stderr}");
    }
    assert!(elsewhere.join("sv/a/index.html").is_file());
    let marker = std::fs::read_to_string(elsewhere.join(".plansite-output")).unwrap();
    assert!(marker.starts_with("made by plansite"), "{marker}");
    assert!(site.root.join("public/.plansite-output").is_file());
}

#[test]
fn output_into_the_sources_is_refused_however_it_is_spelled() {
    let site = Nested::built();
    let before = site.everything();
    for (output, message) in [
        (
            "content",
            "error: the output directory is inside the site's `content/`\n  --> content\n",
        ),
        (
            "docs/../content",
            "error: the output directory is inside the site's `content/`\n  --> docs/../content\n",
        ),
        (
            "themes/default",
            "error: the output directory is inside the site's `themes/`\n  --> themes/default\n",
        ),
        (
            ".",
            "error: the output directory contains the site's sources\n  --> [tmp]/site/.\n",
        ),
        (
            "..",
            "error: the output directory contains the site's sources\n  --> ..\n",
        ),
    ] {
        let path = format!("{}/{output}", site.root.display());
        let (code, stderr) = site.build(&["--output", &path]);
        assert_eq!(code, 1, "{output}: {stderr}");
        assert!(stderr.starts_with(message), "{output}: {stderr}");
        assert_eq!(site.everything(), before, "{output}");
    }
}

//! Test harness: copies a fixture site from `tests/sites/` into a temporary
//! directory (adding the repository's default theme and i18n files where the
//! fixture has none of its own) and runs the real `plansite` binary on it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Site {
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_tree(from: &Path, to: &Path, overwrite: bool) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("fixture readable");
        let rel = entry.path().strip_prefix(from).unwrap();
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else if overwrite || !target.exists() {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

impl Site {
    /// A copy of `tests/sites/<name>` ready to build.
    pub fn fixture(name: &str) -> Site {
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&repo().join("tests/sites").join(name), dir.path(), true);
        copy_tree(
            &repo().join("themes/default"),
            &dir.path().join("themes/default"),
            false,
        );
        if !dir.path().join("i18n").exists() {
            copy_tree(&repo().join("i18n"), &dir.path().join("i18n"), false);
            // the real site's terminology is about the real site's words
            let _ = std::fs::remove_file(dir.path().join("i18n/glossary.yaml"));
        }
        Site { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.root().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_plansite"))
            .args(args)
            .arg("--root")
            .arg(self.root())
            .output()
            .expect("plansite runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn build(&self) -> Run {
        self.run(&["build"])
    }

    /// A file of the built site.
    pub fn output(&self, rel: &str) -> String {
        let path = self.root().join("public").join(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    pub fn output_exists(&self, rel: &str) -> bool {
        self.root().join("public").join(rel).exists()
    }

    /// Every file of the output, sorted, with its bytes.
    pub fn output_tree(&self) -> Vec<(String, Vec<u8>)> {
        let base = self.root().join("public");
        let mut files: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(&base)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                (
                    e.path().strip_prefix(&base).unwrap().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    }
}

/// The `<main>` element of an HTML page, for snapshots that survive layout changes.
pub fn main_of(html: &str) -> &str {
    let start = html.find("<main").expect("page has <main>");
    let end = html.find("</main>").expect("page closes <main>") + "</main>".len();
    &html[start..end]
}

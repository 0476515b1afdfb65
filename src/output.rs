//! Writing: the only stage that writes files.
//!
//! The new site is written to a staging directory beside the output
//! directory and swapped in only when every file is written, so a failed
//! build (or a crash while writing) leaves the published site as it was.
//! The replaced site stays beside it as `.<name>.old` until the next build,
//! which turns it into its staging tree: files no longer made are removed,
//! the rest overwritten. Most directories are already there, and little is
//! deleted (creating and removing thousands of directories and files is
//! what takes the time on many disks).

use std::collections::HashSet;
use std::io;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::render::OutputFile;

/// Writes `files` as the new content of `out`, replacing it whole.
pub fn publish(out: &Path, files: &[OutputFile]) -> Result<(), String> {
    let name = out
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| format!("output directory {} has no name", out.display()))?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let staging = parent.join(format!(".{name}.staging"));
    let old = parent.join(format!(".{name}.old"));
    // a staging tree left by an interrupted build is as good a start as the old site
    if !staging.is_dir() && old.is_dir() {
        std::fs::rename(&old, &staging).map_err(|e| format!("cannot reuse {}: {e}", old.display()))?;
    }
    let (removed, written) = rayon::join(|| remove_dir(&old), || write_tree(&staging, files));
    written.inspect_err(|_| {
        let _ = std::fs::remove_dir_all(&staging);
    })?;
    removed?;
    let had_old = out.exists();
    if had_old {
        std::fs::rename(out, &old).map_err(|e| format!("cannot move {} aside: {e}", out.display()))?;
    }
    if let Err(e) = std::fs::rename(&staging, out) {
        if had_old {
            let _ = std::fs::rename(&old, out);
        }
        return Err(format!("cannot move the new site into {}: {e}", out.display()));
    }
    Ok(())
}

fn remove_dir(dir: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot remove {}: {e}", dir.display())),
    }
}

fn write_tree(dir: &Path, files: &[OutputFile]) -> Result<(), String> {
    for file in files {
        if !is_safe_relative(&file.path) {
            return Err(format!("refusing to write outside the output directory: {}", file.path));
        }
    }
    if let Ok(metadata) = std::fs::symlink_metadata(dir)
        && !metadata.is_dir()
    {
        std::fs::remove_file(dir).map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    prune(dir, files)?;
    // every page has a directory of its own: create them in parallel too
    // (create_dir_all tolerates a parent made by another thread meanwhile)
    files.par_iter().try_for_each(|file| {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        // a file that already holds these bytes is left as it is
        if std::fs::read(&path).is_ok_and(|old| old == file.bytes) {
            return Ok(());
        }
        std::fs::write(&path, &file.bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
    })
}

/// Removes from a reused tree whatever is not one of `files` or one of
/// their directories (a symbolic link is removed, never followed).
fn prune(dir: &Path, files: &[OutputFile]) -> Result<(), String> {
    let wanted: HashSet<&Path> = files.iter().map(|f| Path::new(f.path.as_str())).collect();
    let dirs: HashSet<&Path> = wanted.iter().flat_map(|p| p.ancestors().skip(1)).collect();
    let mut walker = walkdir::WalkDir::new(dir).min_depth(1).into_iter();
    while let Some(entry) = walker.next() {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let is_dir = entry.file_type().is_dir();
        // writing through a link (or into a file linked from elsewhere) would
        // change a file outside the output: such entries are made anew
        let removed = if entry.file_type().is_symlink() || shares_inode(&entry) {
            std::fs::remove_file(entry.path())
        } else if is_dir && !dirs.contains(rel) {
            walker.skip_current_dir();
            std::fs::remove_dir_all(entry.path())
        } else if !is_dir && !wanted.contains(rel) {
            std::fs::remove_file(entry.path())
        } else {
            Ok(())
        };
        removed.map_err(|e| format!("cannot remove {}: {e}", entry.path().display()))?;
    }
    Ok(())
}

#[cfg(unix)]
fn shares_inode(entry: &walkdir::DirEntry) -> bool {
    use std::os::unix::fs::MetadataExt;
    entry.file_type().is_file() && entry.metadata().is_ok_and(|m| m.nlink() > 1)
}

#[cfg(not(unix))]
fn shares_inode(_: &walkdir::DirEntry) -> bool {
    false
}

/// A relative path that stays inside its base: no `..`, no root, no prefix.
pub fn is_safe_relative(path: &str) -> bool {
    !path.is_empty() && Path::new(path).components().all(|c| matches!(c, Component::Normal(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_paths_are_refused() {
        assert!(is_safe_relative("sv/index.html"));
        assert!(!is_safe_relative("../x"));
        assert!(!is_safe_relative("/etc/passwd"));
        assert!(!is_safe_relative("a/../../b"));
    }

    #[test]
    fn publish_replaces_the_whole_tree() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        publish(
            &out,
            &[OutputFile::new("a/index.html", "one"), OutputFile::new("b.txt", "b")],
        )
        .unwrap();
        publish(&out, &[OutputFile::new("a/index.html", "two")]).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a/index.html")).unwrap(), "two");
        assert!(!out.join("b.txt").exists());
        // the replaced site is kept beside it until the next build
        assert_eq!(
            std::fs::read_to_string(tmp.path().join(".public.old/a/index.html")).unwrap(),
            "one"
        );
        publish(&out, &[OutputFile::new("c.txt", "three")]).unwrap();
        assert_eq!(
            std::fs::read_to_string(tmp.path().join(".public.old/a/index.html")).unwrap(),
            "two"
        );
    }

    /// Every file of a tree, with its text.
    fn tree(dir: &Path) -> Vec<(String, String)> {
        let mut files: Vec<_> = walkdir::WalkDir::new(dir)
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| !e.file_type().is_dir())
            .map(|e| {
                let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                (rel, std::fs::read_to_string(e.path()).unwrap())
            })
            .collect();
        files.sort();
        files
    }

    #[test]
    fn a_reused_tree_holds_exactly_the_new_files() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        let first = [
            OutputFile::new("a/index.html", "a1"),
            OutputFile::new("b", "file b"),
            OutputFile::new("gone/deep/index.html", "x"),
            OutputFile::new("kept/index.html", "k1"),
        ];
        let second = [
            OutputFile::new("a", "now a file"),
            OutputFile::new("b/index.html", "now a directory"),
            OutputFile::new("kept/index.html", "k2"),
        ];
        let third = [
            OutputFile::new("kept/index.html", "k3"),
            OutputFile::new("new.txt", "n"),
        ];
        for files in [&first[..], &second, &third, &first, &third] {
            publish(&out, files).unwrap();
            let expected: Vec<(String, String)> = files
                .iter()
                .map(|f| (f.path.clone(), String::from_utf8(f.bytes.clone()).unwrap()))
                .collect();
            let mut expected = expected;
            expected.sort();
            assert_eq!(tree(&out), expected);
        }
    }

    #[cfg(unix)]
    #[test]
    fn links_in_a_reused_tree_are_never_written_through() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        let outside = tmp.path().join("outside.txt");
        let files = [OutputFile::new("a.html", "page"), OutputFile::new("b.html", "page")];
        publish(&out, &files).unwrap();
        publish(&out, &files).unwrap();
        // the tree the next build reuses: one file a symbolic link, one a hard link
        std::fs::write(&outside, "mine").unwrap();
        let old = tmp.path().join(".public.old");
        std::fs::remove_file(old.join("a.html")).unwrap();
        std::os::unix::fs::symlink(&outside, old.join("a.html")).unwrap();
        std::fs::remove_file(old.join("b.html")).unwrap();
        std::fs::hard_link(&outside, old.join("b.html")).unwrap();
        publish(&out, &files).unwrap();
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "mine");
        assert_eq!(std::fs::read_to_string(out.join("a.html")).unwrap(), "page");
        assert!(!std::fs::symlink_metadata(out.join("a.html")).unwrap().is_symlink());
        assert_eq!(std::fs::read_to_string(out.join("b.html")).unwrap(), "page");
    }
}

//! Writing: the only stage that writes files.
//!
//! The new site is written to a staging directory beside the output
//! directory and swapped in only when every file is written, so a failed
//! build (or a crash while writing) leaves the published site as it was.
//! The replaced site stays beside it as `.<name>.old` until the next build,
//! which removes it while it writes the new staging tree (removing
//! thousands of files is slow on some disks; this way it costs no time).

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
    remove_dir(&staging)?;
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
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    // every page has a directory of its own: create them in parallel too
    // (create_dir_all tolerates a parent made by another thread meanwhile)
    files.par_iter().try_for_each(|file| {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, &file.bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
    })
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
}

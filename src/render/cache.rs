//! The build cache: files that take long to make, kept under
//! `.plansite-cache/` in the site root by a fingerprint of everything they
//! are made from, so that a build whose inputs did not change reuses them.
//!
//! It keeps the plan's PDFs (typesetting is most of a build's time, and the
//! plan rarely changes) and the search index (one bundle of its files). It
//! owns that directory alone: one file per kind and name
//! (`pdf/sv.<fingerprint>.pdf`, `search/index.<fingerprint>.bundle`), replaced when the
//! fingerprint changes, so it never grows beyond one file per language. The
//! cache is only ever a shortcut: a file that cannot be read or written is
//! made again, and nothing is published from it that the build would not
//! make itself.

use std::path::{Path, PathBuf};

/// The cache directory, relative to the site root.
pub const DIR: &str = ".plansite-cache";

/// Where cached files are looked up, and whether new ones are kept.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
    keep: bool,
}

impl Cache {
    /// The cache of the site at `root`. `keep: false` (for `check`, which
    /// writes nothing) reads what is there but adds nothing.
    pub fn new(root: &Path, keep: bool) -> Self {
        Self {
            dir: root.join(DIR),
            keep,
        }
    }

    /// The file of `kind` (a subdirectory) called `name` made from inputs
    /// whose fingerprint is `key`: the kept copy when there is one that
    /// `valid` accepts, else what `make` returns, kept for next time.
    pub fn get_or_make<E>(
        &self,
        kind: &str,
        name: &str,
        extension: &str,
        key: &str,
        valid: impl Fn(&[u8]) -> bool,
        make: impl FnOnce() -> Result<Vec<u8>, E>,
    ) -> Result<Vec<u8>, E> {
        let dir = self.dir.join(kind);
        let file = dir.join(format!("{name}.{key}.{extension}"));
        if let Ok(bytes) = std::fs::read(&file)
            && valid(&bytes)
        {
            return Ok(bytes);
        }
        let bytes = make()?;
        if self.keep {
            // a cache that cannot be written costs time, not correctness
            let _ = keep(&dir, &file, &bytes, &format!("{name}."), extension);
        }
        Ok(bytes)
    }
}

/// Writes `bytes` to `file` (through a temporary file, so a reader never
/// sees half of it) and removes the other files of the same name.
fn keep(dir: &Path, file: &Path, bytes: &[u8], prefix: &str, extension: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let temporary = file.with_extension(format!("{extension}.tmp{}", std::process::id()));
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, file)?;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let Some(other) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let stale = other.starts_with(prefix)
            && other.ends_with(&format!(".{extension}"))
            && other[prefix.len()..].split('.').count() == 2
            && path != file;
        if stale {
            let _ = std::fs::remove_file(&path);
        }
    }
    Ok(())
}

/// The running build of plansite, for fingerprints of what it makes: its
/// version, and the size and time of its executable, so a binary built
/// anew (another typst, other markup) makes its files anew. `None` when the
/// executable cannot be found; then nothing should be reused.
pub fn typesetter() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let meta = std::fs::metadata(exe).ok()?;
    let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(format!(
        "plansite {} {} {}",
        env!("CARGO_PKG_VERSION"),
        meta.len(),
        modified.as_nanos()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make(text: &str) -> impl FnOnce() -> Result<Vec<u8>, ()> + '_ {
        move || Ok(text.as_bytes().to_vec())
    }

    #[test]
    fn a_kept_file_is_reused_until_its_key_changes() {
        let root = tempfile::tempdir().unwrap();
        let cache = Cache::new(root.path(), true);
        let ok = |b: &[u8]| b.starts_with(b"%");
        assert_eq!(
            cache.get_or_make("pdf", "sv", "pdf", "k1", ok, make("%one")),
            Ok(b"%one".to_vec())
        );
        // the same key: the kept bytes, not what make would return
        assert_eq!(
            cache.get_or_make("pdf", "sv", "pdf", "k1", ok, make("%two")),
            Ok(b"%one".to_vec())
        );
        // another key: made again, and the old file goes
        assert_eq!(
            cache.get_or_make("pdf", "sv", "pdf", "k2", ok, make("%three")),
            Ok(b"%three".to_vec())
        );
        let names: Vec<String> = std::fs::read_dir(root.path().join(DIR).join("pdf"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["sv.k2.pdf"]);
    }

    #[test]
    fn an_invalid_file_is_made_again_and_other_names_stay() {
        let root = tempfile::tempdir().unwrap();
        let cache = Cache::new(root.path(), true);
        let ok = |b: &[u8]| b.starts_with(b"%");
        cache.get_or_make("pdf", "fi", "pdf", "k", ok, make("%fi")).unwrap();
        std::fs::write(root.path().join(DIR).join("pdf/sv.k.pdf"), "broken").unwrap();
        assert_eq!(
            cache.get_or_make("pdf", "sv", "pdf", "k", ok, make("%sv")),
            Ok(b"%sv".to_vec())
        );
        assert_eq!(
            std::fs::read(root.path().join(DIR).join("pdf/fi.k.pdf")).unwrap(),
            b"%fi"
        );
    }

    #[test]
    fn a_cache_that_does_not_keep_writes_nothing() {
        let root = tempfile::tempdir().unwrap();
        let cache = Cache::new(root.path(), false);
        let ok = |_: &[u8]| true;
        assert_eq!(
            cache.get_or_make("pdf", "sv", "pdf", "k", ok, make("x")),
            Ok(b"x".to_vec())
        );
        assert!(!root.path().join(DIR).exists());
    }
}

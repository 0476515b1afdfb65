//! Writing: the only stage that writes files.
//!
//! The new site is written to a staging directory beside the output
//! directory, each file as soon as it is rendered ([`Staging::write`], from
//! any thread: the build keeps no page in memory), and swapped in only when
//! the build had no error ([`Staging::finish`]), so a failed build (or a
//! crash while writing) leaves the published site as it was. The replaced
//! site stays beside it as `.<name>.old` until the next build, which turns
//! it into its staging tree: files that hold the same bytes are left alone,
//! the rest overwritten, and what no longer is made is removed at the end.
//! Most directories are already there, and little is deleted (creating and
//! removing thousands of directories and files is what takes the time on
//! many disks). A file is only ever written as a new file, and the reused
//! tree is cleaned first (links, pipes and sockets removed, modes those of
//! a new file), so nothing planted there is written through, read or
//! published. On Linux the swap is one `renameat2` exchange; one build at a
//! time publishes into a directory (a lock on it).
//!
//! Every tree written here holds a [`MARKER`] file. A directory in one of
//! the three places (the output, `.<name>.staging`, `.<name>.old`) that is
//! neither empty nor marked was not made by plansite: publishing refuses to
//! run and touches nothing, so a mistyped output directory cannot cost
//! anyone their files. This module also owns the rule for the output
//! directory `book.toml` may name ([`crate::source::config::check_output_dir_setting`]). It never
//! renders: the marker is added here, not to the rendered file list, so
//! `serve`'s files and a full build's stay comparable.

use std::collections::HashSet;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::diagnostics::Diagnostic;
use crate::render::OutputFile;

mod compress;
pub use compress::MIN_BYTES as PRECOMPRESS_MIN;

/// The file every published tree holds: plansite made this directory and
/// may replace it.
pub const MARKER: &str = ".plansite-output";

const MARKER_TEXT: &str = "made by plansite: each build replaces this directory whole, so files put here are lost\n";

/// Where a site is published, and how.
#[derive(Debug, Clone)]
pub struct Target {
    pub dir: PathBuf,
    /// A `.gz` and a `.br` beside every text file over [`PRECOMPRESS_MIN`]
    /// bytes (`build.precompress`).
    pub precompress: bool,
}

/// Writes `files` as the new content of the target directory, replacing it
/// whole. Refuses, touching nothing, when it or the directories kept beside
/// it hold something plansite did not make.
pub fn publish(target: &Target, files: &[OutputFile]) -> Result<(), Vec<Diagnostic>> {
    let staging = Staging::open(target)?;
    files
        .par_iter()
        .try_for_each(|file| staging.write(file))
        .map_err(|e| vec![Diagnostic::error(&target.dir, e)])?;
    staging.finish()
}

/// A site being published: a staging tree beside the output directory,
/// filled file by file as the files are made (from any thread), then
/// swapped in whole by [`Staging::finish`]. Dropped unfinished, it leaves
/// the published site as it was and the staging tree for the next build.
pub struct Staging {
    out: PathBuf,
    staging: PathBuf,
    old: PathBuf,
    precompress: bool,
    /// What the reused tree held when opened (relative paths, each
    /// directory before its content): what is not written again goes.
    found: Vec<PathBuf>,
    /// Every path written, compressed copies included.
    written: Mutex<Vec<String>>,
    /// Held while the site is written and swapped in.
    _lock: std::fs::File,
}

impl Staging {
    /// Prepares the staging tree: the previous site's tree when there is
    /// one, with every link in it removed, and the marker written first (a
    /// tree left by an interrupted build is then still known as plansite's).
    pub fn open(target: &Target) -> Result<Staging, Vec<Diagnostic>> {
        // `public/.` is `public`: its name and parent are those of the directory
        let out: PathBuf = target.dir.components().filter(|c| *c != Component::CurDir).collect();
        let out = out.as_path();
        let name = out.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
            vec![
                Diagnostic::error(out, "the output directory has no name")
                    .with_hint("name a directory, such as `public`"),
            ]
        })?;
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let staging = parent.join(format!(".{name}.staging"));
        let old = parent.join(format!(".{name}.old"));
        // one build at a time publishes here: a second waits for the first
        let lock = lock_dir(&parent).map_err(|e| vec![Diagnostic::error(out, e)])?;
        let foreign: Vec<Diagnostic> = [
            (out, "the output directory"),
            (&staging, "the staging directory"),
            (&old, "the directory of the previous site"),
        ]
        .into_iter()
        .filter_map(|(dir, role)| refuse_foreign(dir, role))
        .collect();
        if !foreign.is_empty() {
            return Err(foreign);
        }
        let prepared = (|| {
            std::fs::create_dir_all(&parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            // a staging tree left by an interrupted build is as good a start as the old site
            if !staging.is_dir() && old.is_dir() {
                std::fs::rename(&old, &staging).map_err(|e| format!("cannot reuse {}: {e}", old.display()))?;
            }
            remove_dir(&old)?;
            std::fs::create_dir_all(&staging).map_err(|e| format!("cannot create {}: {e}", staging.display()))?;
            let found = cleaned(&staging)?;
            write_file(&staging.join(MARKER), MARKER_TEXT.as_bytes(), false)?;
            Ok(found)
        })();
        let found = prepared.map_err(|e: String| vec![Diagnostic::error(out, e)])?;
        Ok(Staging {
            out: out.to_owned(),
            staging,
            old,
            precompress: target.precompress,
            found,
            written: Mutex::new(Vec::new()),
            _lock: lock,
        })
    }

    /// Writes one file of the new site (and, with `precompress`, its
    /// compressed copies, taken from the staging tree or the site now
    /// published where one there still holds it, else made). A file that
    /// already holds the bytes is left alone.
    pub fn write(&self, file: &OutputFile) -> Result<(), String> {
        if !is_safe_relative(&file.path) {
            return Err(format!("refusing to write outside the output directory: {}", file.path));
        }
        let path = self.staging.join(&file.path);
        make_parents(&self.staging, Path::new(&file.path))?;
        // a tree made for this build holds nothing but what it wrote
        let unchanged = write_file(&path, &file.bytes, self.found.is_empty())?;
        let mut written = vec![file.path.clone()];
        if self.precompress && compress::wanted(file) {
            for (ext, compressor) in compress::KINDS {
                let name = format!("{}.{ext}", file.path);
                let beside = self.staging.join(&name);
                // the same file as last time: its copy is kept if it still
                // holds it (a build stopped halfway may have left another)
                let kept =
                    unchanged && read_regular(&beside).is_some_and(|copy| compress::holds(ext, &copy, &file.bytes));
                if !kept {
                    // the published site (the build before) may have made it
                    // already: the two trees take turns
                    let bytes = match read_regular(&self.out.join(&name)) {
                        Some(copy) if compress::holds(ext, &copy, &file.bytes) => copy,
                        _ => compressor(&file.bytes).map_err(|e| format!("cannot compress {}: {e}", file.path))?,
                    };
                    // what is there was read above and does not hold the file
                    replace_file(&beside, &bytes)?;
                }
                written.push(name);
            }
        }
        self.written.lock().unwrap_or_else(|e| e.into_inner()).extend(written);
        Ok(())
    }

    /// Removes what the reused tree held and was not written again, and
    /// swaps the staging tree in; the replaced site becomes `.<name>.old`.
    pub fn finish(self) -> Result<(), Vec<Diagnostic>> {
        let written = self.written.into_inner().unwrap_or_else(|e| e.into_inner());
        let error = |e: String| vec![Diagnostic::error(&self.out, e)];
        prune(&self.staging, &self.found, &written).map_err(error)?;
        let (out, staging, old) = (&self.out, &self.staging, &self.old);
        // where it can, the new site and the published one trade places in
        // one step, so there is never a moment without a published site
        match exchange(staging, out) {
            Ok(()) => {
                return std::fs::rename(staging, old)
                    .map_err(|e| error(format!("cannot move the previous site to {}: {e}", old.display())));
            }
            Err(e) if e.kind() != io::ErrorKind::NotFound && e.kind() != io::ErrorKind::Unsupported => {
                return Err(error(format!("cannot move the new site into {}: {e}", out.display())));
            }
            // no published site yet, or no exchange on this system
            Err(_) => {}
        }
        let had_old = out.exists();
        if had_old {
            std::fs::rename(out, old).map_err(|e| error(format!("cannot move {} aside: {e}", out.display())))?;
        }
        if let Err(e) = std::fs::rename(staging, out) {
            if had_old {
                let _ = std::fs::rename(old, out);
            }
            return Err(error(format!("cannot move the new site into {}: {e}", out.display())));
        }
        Ok(())
    }
}

/// Why `dir` must not be replaced, moved aside or reused, if it must not:
/// it is there and is neither an empty directory nor one with the marker.
fn refuse_foreign(dir: &Path, role: &str) -> Option<Diagnostic> {
    let plain = |problem: String| {
        Some(Diagnostic::error(dir, problem).with_hint("remove it or choose another output directory"))
    };
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
        Err(e) => return plain(format!("cannot read {role}: {e}")),
        Ok(m) if m.is_symlink() => return plain(format!("{role} is a symbolic link")),
        Ok(m) if !m.is_dir() => return plain(format!("{role} is not a directory")),
        Ok(_) => {}
    }
    let empty = match std::fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_none(),
        Err(e) => return plain(format!("cannot read {role}: {e}")),
    };
    if empty || std::fs::symlink_metadata(dir.join(MARKER)).is_ok_and(|m| m.is_file()) {
        return None;
    }
    Some(
        Diagnostic::error(dir, format!("{role} is not empty and was not made by plansite")).with_hint(format!(
            "remove it or choose another output directory (a site built by an older plansite has no `{MARKER}`: delete it once)"
        )),
    )
}

fn remove_dir(dir: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot remove {}: {e}", dir.display())),
    }
}

/// Makes a reused tree safe to write into and lists what is left (each
/// directory before its content): removes every link (writing through a
/// symbolic link, or into a file linked from elsewhere, would change a file
/// outside the output) and anything neither a file nor a directory (a pipe
/// would stop the build that reads it), and gives every file and directory
/// the mode a new one gets, as a clean build would.
fn cleaned(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let (file_mode, dir_mode) = new_modes(dir)?;
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1) {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let kind = entry.file_type();
        if !(kind.is_file() || kind.is_dir()) || shares_inode(&entry) {
            std::fs::remove_file(entry.path()).map_err(|e| format!("cannot remove {}: {e}", entry.path().display()))?;
            continue;
        }
        let wanted = if kind.is_dir() { &dir_mode } else { &file_mode };
        if let Some(mode) = wanted
            && entry.metadata().is_ok_and(|m| m.permissions() != *mode)
        {
            std::fs::set_permissions(entry.path(), mode.clone())
                .map_err(|e| format!("cannot set the mode of {}: {e}", entry.path().display()))?;
        }
        if rel != Path::new(MARKER) {
            found.push(rel.to_owned());
        }
    }
    Ok(found)
}

/// The modes a file and a directory made now in `dir` get.
fn new_modes(dir: &Path) -> Result<(Option<std::fs::Permissions>, Option<std::fs::Permissions>), String> {
    let probe = dir.join(".plansite-probe");
    let _ = std::fs::remove_file(&probe);
    let _ = std::fs::remove_dir(&probe);
    let mode = |made: io::Result<()>| -> Result<_, String> {
        made.map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
        Ok(std::fs::symlink_metadata(&probe).ok().map(|m| m.permissions()))
    };
    let file = mode(std::fs::File::create_new(&probe).map(drop))?;
    let _ = std::fs::remove_file(&probe);
    let directory = mode(std::fs::create_dir(&probe))?;
    let _ = std::fs::remove_dir(&probe);
    Ok((file, directory))
}

/// The bytes of the regular file at `path`, read without following a link
/// or waiting on a pipe; `None` for anything else.
fn read_regular(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let mut file = options.open(path).ok()?;
    let meta = file.metadata().ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.nlink() > 1 {
            return None;
        }
    }
    if !meta.is_file() {
        return None;
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// Locks `dir` for this process (released when the file is dropped or the
/// process ends, so a crash leaves no lock behind).
fn lock_dir(dir: &Path) -> Result<std::fs::File, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let file = std::fs::File::open(dir).map_err(|e| format!("cannot open {}: {e}", dir.display()))?;
    file.lock().map_err(|e| format!("cannot lock {}: {e}", dir.display()))?;
    Ok(file)
}

/// Swaps two directories in one step (Linux's `renameat2` with
/// `RENAME_EXCHANGE`); `Unsupported` where the file system has no such call.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes()).map_err(io::Error::other);
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both are valid NUL-terminated paths that outlive the call
    let done = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if done == 0 {
        return Ok(());
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP) => Err(io::ErrorKind::Unsupported.into()),
        _ => Err(e),
    }
}

/// Elsewhere there is no one-step swap: the caller renames twice.
#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

/// Creates the directories `rel` (a file's path) lies in under `dir`; a
/// file of the reused tree where a directory is now wanted is removed.
fn make_parents(dir: &Path, rel: &Path) -> Result<(), String> {
    let Some(parent) = rel.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(());
    };
    let full = dir.join(parent);
    if std::fs::create_dir_all(&full).is_ok() {
        return Ok(());
    }
    let mut at = dir.to_owned();
    for part in parent.components() {
        at.push(part);
        if std::fs::symlink_metadata(&at).is_ok_and(|m| !m.is_dir()) {
            match std::fs::remove_file(&at) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    return Err(format!("cannot remove {}: {e}", at.display()));
                }
                _ => {}
            }
        }
    }
    // create_dir_all tolerates a directory made by another thread meanwhile
    std::fs::create_dir_all(&full).map_err(|e| format!("cannot create {}: {e}", full.display()))
}

/// Writes `bytes` to `path`, leaving a file that already holds them as it
/// is; whether it did. Whatever else is in its place (another file, a
/// directory, a link or a pipe put there meanwhile) is removed and the file
/// made anew, never written through. In a `fresh` tree the file is made
/// at once, and only what took its place meanwhile is looked at.
fn write_file(path: &Path, bytes: &[u8], fresh: bool) -> Result<bool, String> {
    use std::io::Write;
    if fresh {
        match std::fs::File::create_new(path) {
            Ok(mut file) => {
                return file
                    .write_all(bytes)
                    .map(|()| false)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()));
            }
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => {
                return Err(format!("cannot write {}: {e}", path.display()));
            }
            Err(_) => {}
        }
    }
    if read_regular(path).is_some_and(|old| old == bytes) {
        return Ok(true);
    }
    replace_file(path, bytes)?;
    Ok(false)
}

/// Makes `path` a new file holding `bytes`, removing whatever is there.
fn replace_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => remove_dir(path)?,
        Ok(_) => std::fs::remove_file(path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?,
        Err(_) => {}
    }
    // a new file: refused if anything took the place since
    std::fs::File::create_new(path)
        .and_then(|mut file| file.write_all(bytes))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Removes from a reused tree what it held when opened (`found`) and is
/// neither one of `written` nor one of their directories.
fn prune(dir: &Path, found: &[PathBuf], written: &[String]) -> Result<(), String> {
    let wanted: HashSet<&Path> = written.iter().map(|p| Path::new(p.as_str())).collect();
    let dirs: HashSet<&Path> = wanted.iter().flat_map(|p| p.ancestors().skip(1)).collect();
    // `found` lists a directory before what it holds: once it is removed,
    // so is everything under it
    let mut removed: Option<&Path> = None;
    for rel in found {
        if wanted.contains(rel.as_path())
            || dirs.contains(rel.as_path())
            || removed.is_some_and(|gone| rel.starts_with(gone))
        {
            continue;
        }
        let path = dir.join(rel);
        // a write may have put a file where a directory was, or the reverse
        let result = match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => {
                removed = Some(rel);
                std::fs::remove_dir_all(&path)
            }
            Ok(_) => std::fs::remove_file(&path),
            Err(e) => Err(e),
        };
        match result {
            // gone with a directory a write replaced by a file
            Err(e) if !matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory) => {
                return Err(format!("cannot remove {}: {e}", path.display()));
            }
            _ => {}
        }
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

    /// Publishes without compressed copies.
    fn publish(out: &Path, files: &[OutputFile]) -> Result<(), Vec<Diagnostic>> {
        super::publish(
            &Target {
                dir: out.to_owned(),
                precompress: false,
            },
            files,
        )
    }

    #[test]
    fn a_changed_files_copies_are_taken_from_the_published_site_when_they_hold_it() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let target = Target {
            dir: out.clone(),
            precompress: true,
        };
        let page = |text: &str| [OutputFile::new("index.html", text.repeat(300))];
        super::publish(&target, &page("<p>ett</p>")).unwrap();
        super::publish(&target, &page("<p>ett</p>")).unwrap();
        // the page changes: this build compresses it once ...
        super::publish(&target, &page("<p>två</p>")).unwrap();
        // ... and the next, in the other tree, takes the copy made then: a
        // copy that holds the file but is not what plansite would make
        // shows which one was used
        let other = {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            std::io::Write::write_all(&mut encoder, "<p>två</p>".repeat(300).as_bytes()).unwrap();
            encoder.finish().unwrap()
        };
        std::fs::write(out.join("index.html.gz"), &other).unwrap();
        super::publish(&target, &page("<p>två</p>")).unwrap();
        assert_eq!(std::fs::read(out.join("index.html.gz")).unwrap(), other);
    }

    #[test]
    fn compressed_copies_are_written_kept_while_they_hold_their_file_and_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let target = Target {
            dir: out.clone(),
            precompress: true,
        };
        let page = "<p>Uleåborg</p>\n".repeat(200);
        let files = [
            OutputFile::new("sv/index.html", page.clone()),
            OutputFile::new("small.txt", "short"),
            OutputFile::new("a.woff2", vec![7u8; 5000]),
        ];
        // twice: the second build's tree is the one the third reuses
        super::publish(&target, &files).unwrap();
        super::publish(&target, &files).unwrap();
        for ext in ["gz", "br"] {
            let copy = std::fs::read(out.join(format!("sv/index.html.{ext}"))).unwrap();
            assert!(compress::holds(ext, &copy, page.as_bytes()), "{ext}");
        }
        assert!(!out.join("small.txt.gz").exists() && !out.join("a.woff2.gz").exists());

        // a copy that no longer holds its file is made again; one that does
        // is left alone (the tree in `out` is reused by the build after next)
        std::fs::write(out.join("sv/index.html.gz"), b"stale").unwrap();
        let br = out.join("sv/index.html.br");
        let before = std::fs::metadata(&br).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        super::publish(&target, &files).unwrap();
        super::publish(&target, &files).unwrap();
        let gz = std::fs::read(out.join("sv/index.html.gz")).unwrap();
        assert!(compress::holds("gz", &gz, page.as_bytes()));
        assert_eq!(
            std::fs::metadata(&br).unwrap().modified().unwrap(),
            before,
            "an unchanged copy is not rewritten"
        );

        // without precompress the copies go
        publish(&out, &files).unwrap();
        assert!(!out.join("sv/index.html.gz").exists() && !out.join("sv/index.html.br").exists());
    }

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
            expected.push((MARKER.to_owned(), MARKER_TEXT.to_owned()));
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

    /// Every file of a tree, with its bytes (links are listed, not followed).
    fn bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<_> = walkdir::WalkDir::new(dir)
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
        files.sort();
        files
    }

    /// A directory someone made by hand, beside where a site is published.
    fn hand_made(dir: &Path) {
        std::fs::create_dir_all(dir.join("notes")).unwrap();
        std::fs::write(dir.join("notes/plan.md"), "my own words").unwrap();
        std::fs::write(dir.join("index.html"), "<p>by hand</p>").unwrap();
    }

    fn refused(out: &Path, files: &[OutputFile]) -> Vec<String> {
        publish(out, files)
            .unwrap_err()
            .iter()
            .map(|d| format!("{}: {}", d.file.file_name().unwrap().to_string_lossy(), d.message))
            .collect()
    }

    #[test]
    fn a_published_tree_is_marked() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        publish(&out, &[OutputFile::new("index.html", "x")]).unwrap();
        assert_eq!(std::fs::read_to_string(out.join(MARKER)).unwrap(), MARKER_TEXT);
    }

    #[test]
    fn a_foreign_output_directory_is_refused_and_left_as_it_was() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("docs");
        hand_made(&out);
        let before = bytes(tmp.path());
        let errors = publish(&out, &[OutputFile::new("index.html", "site")]).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].file, out);
        assert_eq!(
            errors[0].message,
            "the output directory is not empty and was not made by plansite"
        );
        assert!(
            errors[0]
                .hint
                .as_deref()
                .unwrap()
                .starts_with("remove it or choose another output directory")
        );
        assert_eq!(bytes(tmp.path()), before, "nothing is moved, written or removed");
        // nor by the builds after it
        assert!(publish(&out, &[OutputFile::new("index.html", "site")]).is_err());
        assert_eq!(bytes(tmp.path()), before);
    }

    #[test]
    fn a_marked_output_directory_is_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        hand_made(&out);
        std::fs::write(out.join(MARKER), "an older marker text").unwrap();
        publish(&out, &[OutputFile::new("index.html", "site")]).unwrap();
        assert_eq!(
            bytes(&out),
            [
                (String::new(), Vec::new()),
                (MARKER.to_owned(), MARKER_TEXT.as_bytes().to_vec()),
                ("index.html".to_owned(), b"site".to_vec()),
            ]
        );
    }

    #[test]
    fn empty_directories_are_used() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        for dir in [
            &out,
            &tmp.path().join(".public.old"),
            &tmp.path().join(".public.staging"),
        ] {
            std::fs::create_dir(dir).unwrap();
        }
        publish(&out, &[OutputFile::new("index.html", "site")]).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("index.html")).unwrap(), "site");
        assert!(!tmp.path().join(".public.staging").exists());
    }

    #[test]
    fn foreign_directories_beside_the_output_are_refused_and_left_as_they_were() {
        for (name, role) in [
            (".public.old", "the directory of the previous site"),
            (".public.staging", "the staging directory"),
        ] {
            let tmp = tempfile::tempdir().unwrap();
            let out = tmp.path().join("public");
            publish(&out, &[OutputFile::new("index.html", "one")]).unwrap();
            std::fs::remove_dir_all(tmp.path().join(".public.old")).ok();
            hand_made(&tmp.path().join(name));
            let before = bytes(tmp.path());
            assert_eq!(
                refused(&out, &[OutputFile::new("index.html", "two")]),
                [format!("{name}: {role} is not empty and was not made by plansite")],
            );
            assert_eq!(bytes(tmp.path()), before, "{name}");
        }
    }

    #[test]
    fn an_unmarked_site_of_an_older_build_is_refused_in_every_place() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        for dir in ["public", ".public.old", ".public.staging"] {
            hand_made(&tmp.path().join(dir));
        }
        assert_eq!(
            refused(&out, &[]),
            [
                "public: the output directory is not empty and was not made by plansite",
                ".public.staging: the staging directory is not empty and was not made by plansite",
                ".public.old: the directory of the previous site is not empty and was not made by plansite",
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_file_or_a_link_in_the_output_directorys_place_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("elsewhere");
        hand_made(&target);
        std::os::unix::fs::symlink(&target, tmp.path().join("public")).unwrap();
        std::fs::write(tmp.path().join(".public.old"), "a file").unwrap();
        let before = bytes(tmp.path());
        assert_eq!(
            refused(&tmp.path().join("public"), &[]),
            [
                "public: the output directory is a symbolic link",
                ".public.old: the directory of the previous site is not a directory",
            ]
        );
        assert_eq!(bytes(tmp.path()), before);
    }

    #[cfg(unix)]
    #[test]
    fn pipes_sockets_and_odd_modes_in_a_reused_tree_are_made_anew() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        let files = [
            OutputFile::new("a.html", "page a"),
            OutputFile::new("b.html", "page b"),
            OutputFile::new("c/index.html", "page c"),
        ];
        publish(&out, &files).unwrap();
        let fresh = std::fs::metadata(out.join("c/index.html")).unwrap().permissions();
        let fresh_dir = std::fs::metadata(out.join("c")).unwrap().permissions();
        publish(&out, &files).unwrap();
        // the tree the next build reuses: a pipe (reading it would wait for
        // ever), a socket, and modes a clean build does not give
        let old = tmp.path().join(".public.old");
        std::fs::remove_file(old.join("a.html")).unwrap();
        let fifo = std::ffi::CString::new(old.join("a.html").to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
        std::fs::remove_file(old.join("b.html")).unwrap();
        let _socket = std::os::unix::net::UnixListener::bind(old.join("b.html")).unwrap();
        std::fs::set_permissions(old.join("c/index.html"), std::fs::Permissions::from_mode(0o6777)).unwrap();
        std::fs::set_permissions(old.join("c"), std::fs::Permissions::from_mode(0o700)).unwrap();
        publish(&out, &files).unwrap();
        for file in &files {
            let meta = std::fs::symlink_metadata(out.join(&file.path)).unwrap();
            assert!(meta.is_file(), "{}", file.path);
            assert_eq!(std::fs::read(out.join(&file.path)).unwrap(), file.bytes);
        }
        assert_eq!(
            std::fs::metadata(out.join("c/index.html")).unwrap().permissions(),
            fresh
        );
        assert_eq!(std::fs::metadata(out.join("c")).unwrap().permissions(), fresh_dir);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_put_in_the_staging_tree_while_it_is_written_is_not_written_through() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        let outside = tmp.path().join("outside.txt");
        std::fs::write(&outside, "mine").unwrap();
        let target = Target {
            dir: out.clone(),
            precompress: false,
        };
        let staging = Staging::open(&target).unwrap();
        std::os::unix::fs::symlink(&outside, tmp.path().join(".public.staging/a.html")).unwrap();
        staging.write(&OutputFile::new("a.html", "page")).unwrap();
        staging.finish().unwrap();
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "mine");
        assert!(std::fs::symlink_metadata(out.join("a.html")).unwrap().is_file());
        assert_eq!(std::fs::read_to_string(out.join("a.html")).unwrap(), "page");
    }

    #[test]
    fn builds_publishing_at_once_take_turns() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        let sites: Vec<Vec<OutputFile>> = ["one", "two"]
            .iter()
            .map(|name| {
                (0..20)
                    .map(|i| OutputFile::new(format!("{i}/index.html"), *name))
                    .collect()
            })
            .collect();
        std::thread::scope(|scope| {
            for files in &sites {
                let out = &out;
                scope.spawn(move || {
                    for _ in 0..10 {
                        publish(out, files).unwrap();
                    }
                });
            }
        });
        let published = tree(&out);
        assert!(
            sites.iter().any(|files| {
                let mut expected: Vec<(String, String)> = files
                    .iter()
                    .map(|f| (f.path.clone(), String::from_utf8(f.bytes.clone()).unwrap()))
                    .collect();
                expected.push((MARKER.to_owned(), MARKER_TEXT.to_owned()));
                expected.sort();
                expected == published
            }),
            "the published site is one build's, whole"
        );
    }

    #[test]
    fn a_trailing_dot_names_the_directory_itself() {
        let tmp = tempfile::tempdir().unwrap();
        publish(&tmp.path().join("public/."), &[OutputFile::new("index.html", "site")]).unwrap();
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("public/index.html")).unwrap(),
            "site"
        );
        assert!(!tmp.path().join("public/.public.old").exists());
        publish(&tmp.path().join("public/."), &[OutputFile::new("index.html", "again")]).unwrap();
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("public/index.html")).unwrap(),
            "again"
        );
    }
}

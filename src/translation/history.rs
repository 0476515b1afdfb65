//! Earlier versions of the site's files, from the git repository the site
//! is kept in, read with the `git` program: one `git log` for the commits
//! that touched the files, one `git cat-file --batch` for their contents.
//! Nothing is written. When there is no repository, no `git`, or a shallow
//! clone whose history stops early, [`History::open`] or the caller says so
//! and the translators' tools fall back to what they know without history.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The repository a site root lies in.
pub struct History {
    root: PathBuf,
    /// The site root relative to the repository's top, with a trailing `/`
    /// (empty when the site root is the top).
    prefix: String,
    /// A shallow clone: versions older than its first commit are not here.
    pub shallow: bool,
}

/// One version of a file: the commit that made it and the file's bytes.
#[derive(Debug, Clone)]
pub struct Version {
    pub commit: String,
    /// The commit's date, `YYYY-MM-DD`.
    pub date: String,
    pub bytes: Vec<u8>,
}

impl History {
    /// The repository holding `root`, or why there is none to read.
    pub fn open(root: &Path) -> Result<History, String> {
        let out = git(root, &["rev-parse", "--show-prefix", "--is-shallow-repository"], None)?;
        let mut lines = out.lines();
        let (Some(prefix), Some(shallow)) = (lines.next(), lines.next()) else {
            return Err("`git rev-parse` gave an answer this version of plansite does not understand".into());
        };
        Ok(History {
            root: root.to_path_buf(),
            prefix: prefix.to_owned(),
            shallow: shallow == "true",
        })
    }

    /// Every committed version of each file (paths relative to the site
    /// root), newest first. A file the history does not know has no entry.
    pub fn versions(&self, files: &[&Path]) -> Result<BTreeMap<PathBuf, Vec<Version>>, String> {
        if files.is_empty() {
            return Ok(BTreeMap::new());
        }
        let by_top: BTreeMap<String, &Path> = files
            .iter()
            .map(|f| (format!("{}{}", self.prefix, f.to_string_lossy().replace('\\', "/")), *f))
            .collect();
        let pathspecs: Vec<String> = files
            .iter()
            .map(|f| format!(":(literal){}", f.to_string_lossy()))
            .collect();
        let found = self.log(&pathspecs, |path| by_top.get(path).map(|f| f.to_path_buf()))?;
        let blobs: Vec<&str> = found.iter().map(|(.., blob)| blob.as_str()).collect();
        // one blob may be the version of several files: each gets a copy
        let contents = cat_blobs(&self.root, &blobs)?;
        let mut versions: BTreeMap<PathBuf, Vec<Version>> = BTreeMap::new();
        for (file, commit, date, blob) in found {
            let bytes = contents.get(&blob).cloned().unwrap_or_default();
            versions.entry(file).or_default().push(Version { commit, date, bytes });
        }
        Ok(versions)
    }

    /// Every committed version of any file under `dir` (relative to the site
    /// root) whose name ends with `suffix`, newest first, each blob once:
    /// where a page's earlier version is when the page was moved or renamed.
    pub fn versions_under(&self, dir: &Path, suffix: &str) -> Result<Vec<Version>, String> {
        let pathspec = format!(":(literal){}", dir.to_string_lossy());
        let found = self.log(&[pathspec], |path| path.ends_with(suffix).then(|| PathBuf::from(path)))?;
        let mut seen = std::collections::BTreeSet::new();
        let found: Vec<_> = found
            .into_iter()
            .filter(|(.., blob)| seen.insert(blob.clone()))
            .collect();
        let blobs: Vec<&str> = found.iter().map(|(.., blob)| blob.as_str()).collect();
        let mut contents = cat_blobs(&self.root, &blobs)?;
        Ok(found
            .into_iter()
            .map(|(_, commit, date, blob)| Version {
                commit,
                date,
                bytes: contents.remove(&blob).unwrap_or_default(),
            })
            .collect())
    }

    /// `(file, commit, date, blob)` for each commit that gave a file matched
    /// by `pathspecs` new contents, newest first; `keep` maps a path (from
    /// the repository's top) to the file it stands for, or drops it. A merge
    /// counts with what it changed against its first parent, so a version
    /// first made by a merge is found too.
    fn log(
        &self,
        pathspecs: &[String],
        keep: impl Fn(&str) -> Option<PathBuf>,
    ) -> Result<Vec<(PathBuf, String, String, String)>, String> {
        let mut args: Vec<&str> = vec![
            // the repository's configuration must not change what is read or
            // run a program (a signature check, a pager)
            "-c",
            "core.quotePath=false",
            "-c",
            "diff.relative=false",
            "-c",
            "log.showSignature=false",
            "--no-pager",
            "log",
            "-z",
            "--format=%x01%H %cs",
            "--raw",
            "--no-abbrev",
            "--no-renames",
            "--no-show-signature",
            "--diff-merges=first-parent",
            "--",
        ];
        args.extend(pathspecs.iter().map(String::as_str));
        let log = git(&self.root, &args, None)?;

        // `\x01<commit> <date>` NUL, then per file `\n:<modes> <old> <new>
        // <status>` NUL `<path>` NUL
        let mut found = Vec::new();
        let (mut commit, mut date) = (String::new(), String::new());
        let mut fields = log.split('\0');
        while let Some(field) = fields.next() {
            let field = field.trim_start_matches('\n');
            if let Some(head) = field.strip_prefix('\u{1}') {
                let (c, d) = head.split_once(' ').unwrap_or((head, ""));
                (commit, date) = (c.to_owned(), d.to_owned());
            } else if let Some(raw) = field.strip_prefix(':') {
                let Some(path) = fields.next() else { break };
                let blob = raw.split(' ').nth(3).unwrap_or("");
                if blob.is_empty() || blob.bytes().all(|b| b == b'0') {
                    continue;
                }
                if let Some(file) = keep(path) {
                    found.push((file, commit.clone(), date.clone(), blob.to_owned()));
                }
            }
        }
        Ok(found)
    }
}

/// Runs `git` in `dir`; its standard output, or what went wrong in words.
fn git(dir: &Path, args: &[&str], input: Option<&[u8]>) -> Result<String, String> {
    let output = run(dir, args, input)?;
    String::from_utf8(output).map_err(|_| "git wrote something that is not UTF-8".to_owned())
}

fn run(dir: &Path, args: &[&str], input: Option<&[u8]>) -> Result<Vec<u8>, String> {
    let mut child = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_OPTIONAL_LOCKS", "0")
        // a partial clone would fetch missing contents over the network
        .env("GIT_NO_LAZY_FETCH", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run `git` ({e}); install git to read the history"))?;
    let writer = input.map(|input| {
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let input = input.to_vec();
        std::thread::spawn(move || stdin.write_all(&input))
    });
    // both pipes are drained together, so neither can fill and stall git
    let output = child
        .wait_with_output()
        .map_err(|e| format!("`git` did not finish: {e}"))?;
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    let (status, stdout) = (output.status, output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if status.success() {
        Ok(stdout)
    } else if stderr.contains("not a git repository") {
        Err("the site is not in a git repository".to_owned())
    } else {
        let command = args
            .iter()
            .find(|a| !a.starts_with('-') && !a.contains('='))
            .unwrap_or(&"");
        Err(format!("`git {command}` failed: {}", stderr.trim()))
    }
}

/// The contents of blobs, by id, read in one `git cat-file --batch`.
fn cat_blobs(dir: &Path, blobs: &[&str]) -> Result<BTreeMap<String, Vec<u8>>, String> {
    if blobs.is_empty() {
        return Ok(BTreeMap::new());
    }
    let input: String = blobs.iter().map(|b| format!("{b}\n")).collect();
    let output = run(dir, &["cat-file", "--batch"], Some(input.as_bytes()))?;
    let mut reader = BufReader::new(output.as_slice());
    let mut contents = BTreeMap::new();
    let mut head = String::new();
    loop {
        head.clear();
        if reader.read_line(&mut head).map_err(|e| e.to_string())? == 0 {
            break;
        }
        // `<oid> blob <size>` or `<oid> missing`
        let mut fields = head.split_whitespace();
        let (Some(oid), Some(kind)) = (fields.next(), fields.next()) else {
            break;
        };
        if kind == "missing" {
            continue;
        }
        let size: usize = fields
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("unexpected answer from `git cat-file`: {}", head.trim()))?;
        let mut bytes = vec![0; size];
        reader.read_exact(&mut bytes).map_err(|e| e.to_string())?;
        let mut newline = [0u8; 1];
        let _ = reader.read_exact(&mut newline);
        contents.insert(oid.to_owned(), bytes);
    }
    Ok(contents)
}

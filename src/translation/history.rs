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
        let mut args = vec![
            "-c".to_owned(),
            "core.quotePath=false".to_owned(),
            "log".to_owned(),
            "--format=%x01%H %cs".to_owned(),
            "--raw".to_owned(),
            "--no-abbrev".to_owned(),
            "--no-renames".to_owned(),
            "--no-merges".to_owned(),
            "--".to_owned(),
        ];
        args.extend(files.iter().map(|f| format!(":(literal){}", f.to_string_lossy())));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let log = git(&self.root, &args, None)?;

        // (file, commit, date, blob) in log order: newest first
        let mut found: Vec<(&Path, String, String, String)> = Vec::new();
        let (mut commit, mut date) = (String::new(), String::new());
        for line in log.lines() {
            if let Some(head) = line.strip_prefix('\u{1}') {
                let (c, d) = head.split_once(' ').unwrap_or((head, ""));
                (commit, date) = (c.to_owned(), d.to_owned());
            } else if let Some(raw) = line.strip_prefix(':') {
                // `old-mode new-mode old-blob new-blob status\tpath`
                let Some((fields, path)) = raw.split_once('\t') else {
                    continue;
                };
                let blob = fields.split(' ').nth(3).unwrap_or("");
                if let Some(file) = by_top.get(path)
                    && !blob.bytes().all(|b| b == b'0')
                {
                    found.push((file, commit.clone(), date.clone(), blob.to_owned()));
                }
            }
        }
        let blobs: Vec<&str> = found.iter().map(|(.., blob)| blob.as_str()).collect();
        let mut contents = cat_blobs(&self.root, &blobs)?;
        let mut versions: BTreeMap<PathBuf, Vec<Version>> = BTreeMap::new();
        for (file, commit, date, blob) in found {
            let bytes = contents.get_mut(&blob).map(std::mem::take).unwrap_or_default();
            versions
                .entry(file.to_path_buf())
                .or_default()
                .push(Version { commit, date, bytes });
        }
        Ok(versions)
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

//! `plansite serve`: build, serve over HTTP, watch, rebuild, reload.
//!
//! The site is built into memory and served from there, so only files of
//! the output can ever be served (no path reaches the disk). The sources
//! are watched (notify + notify-debouncer-full); a change rebuilds what it
//! affects (see [`crate::serve::incremental`]) and tells open pages to reload
//! through Server-Sent Events. A failed rebuild keeps the last good site
//! served and shows the errors in the terminal and as an overlay in open
//! pages until they are fixed. The small script that does this is injected
//! into HTML responses here (`files.rs`), never into `build` output.
//!
//! Drafts are served, so the server is for this machine: it listens on
//! loopback unless told otherwise (and warns then), answers only requests
//! that name it by a loopback name or its address (`http.rs`; a web page
//! cannot read the drafts through DNS rebinding), and bounds what any
//! client can take — threads, connections, bytes, time (`server.rs`).

mod files;
mod http;
pub mod incremental;
mod server;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode};
use notify_debouncer_full::new_debouncer;

use crate::build::BuildOptions;
use incremental::Session;

use server::{Notifier, Server};

pub struct ServeOptions {
    pub root: PathBuf,
    pub bind: IpAddr,
    pub port: u16,
    pub debounce: Duration,
    /// Open the site in a browser once it is served.
    pub open: bool,
}

/// The site as currently served, and whether the last build failed.
#[derive(Default)]
struct State {
    files: BTreeMap<String, Vec<u8>>,
    failed: bool,
    /// The site root, for the translators' page of stale translations.
    root: PathBuf,
}

/// How long a connection may take to send its request head: 10 s. The
/// environment variable `PLANSITE_SERVE_READ_TIMEOUT_MS` (for the tests,
/// which should not wait that long; not in `--help`) sets it in milliseconds.
fn read_timeout() -> Duration {
    std::env::var("PLANSITE_SERVE_READ_TIMEOUT_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(Duration::from_secs(10), Duration::from_millis)
}

pub fn serve(options: &ServeOptions) -> i32 {
    let server = match Server::bind(options.bind, options.port) {
        Ok(server) => server,
        Err(e) => {
            eprintln!(
                "error: cannot listen on {} or the next 20 ports: {e}",
                SocketAddr::new(options.bind, options.port)
            );
            return 2;
        }
    };
    let notifier = server.notifier();
    // absolute, as the watcher's paths are, to name changed files by their relative path
    let root = std::path::absolute(&options.root).unwrap_or_else(|_| options.root.clone());
    let state = Arc::new(RwLock::new(State {
        root: root.clone(),
        ..State::default()
    }));
    let mut session = Session::new(BuildOptions {
        root: root.clone(),
        output: None,
        base_url: None,
        drafts: true,
        purpose: crate::build::Purpose::Serve,
    });
    rebuild(&mut session, &state, &notifier, None, "initial build");

    let (tx, rx) = mpsc::channel();
    let mut debouncer = match new_debouncer(options.debounce, None, tx) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: cannot watch files: {e}");
            return 1;
        }
    };
    for (watched, mode) in watched_paths(&root) {
        if let Err(e) = debouncer.watch(&watched, mode) {
            eprintln!("warning: cannot watch {}: {e}", watched.display());
        }
    }
    if let Some(warning) = exposure_warning(options.bind) {
        eprintln!("{warning}");
    }
    let url = url(server.addr());
    eprintln!("serving at {url} (Ctrl-C to stop)");
    eprintln!(
        "stale translations, what changed in their sources: {}",
        url.trim_end_matches('/').to_owned() + files::TRANSLATIONS
    );
    if options.open {
        open_browser(&url);
    }
    let watch_state = state.clone();
    std::thread::spawn(move || {
        for result in rx {
            // a watcher that lost events (its queue overflowed) cannot say
            // what changed: everything is looked at again
            let Ok(events) = result else {
                rebuild(&mut session, &watch_state, &notifier, None, "files changed");
                continue;
            };
            let rescan = events.iter().any(|e| e.need_rescan());
            // reading a file is an event too (inotify's open and close):
            // only changes count, or every rebuild would start the next
            let changed: Vec<PathBuf> = events
                .iter()
                .filter(|e| !matches!(e.kind, EventKind::Access(_)))
                .flat_map(|e| e.paths.iter())
                .filter_map(|p| p.strip_prefix(&root).ok())
                .filter(|p| is_source_change(p))
                .map(Path::to_path_buf)
                .collect();
            if let Some(first) = changed.first() {
                let label = first.display().to_string();
                let changed = (!rescan).then_some(&changed[..]);
                rebuild(&mut session, &watch_state, &notifier, changed, &label);
            }
        }
    });

    let error = server.run(state, read_timeout());
    eprintln!("error: serving stopped: {error}");
    1
}

/// The address to open: a loopback one when listening on all interfaces.
fn url(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}/", SocketAddr::new(ip, addr.port()))
}

/// Listening beyond loopback shows the drafts to everyone who can reach
/// the machine: say so.
fn exposure_warning(bind: IpAddr) -> Option<String> {
    (!bind.to_canonical().is_loopback()).then(|| {
        format!(
            "warning: listening on {bind}, beyond this machine: drafts are served too, and anyone on the network can read them; `--bind 127.0.0.1` keeps the site to this machine"
        )
    })
}

/// Opens `url` with `$BROWSER` when set, else the system's opener.
fn open_browser(url: &str) {
    let (program, args): (String, Vec<&str>) = match std::env::var("BROWSER") {
        Ok(browser) if !browser.trim().is_empty() => (browser, vec![url]),
        _ if cfg!(target_os = "macos") => ("open".to_owned(), vec![url]),
        _ if cfg!(windows) => ("cmd".to_owned(), vec!["/C", "start", "", url]),
        _ => ("xdg-open".to_owned(), vec![url]),
    };
    let spawned = std::process::Command::new(&program)
        .args(&args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = spawned {
        eprintln!("warning: cannot open a browser with `{program}`: {e}; open {url} yourself");
    }
}

/// The directories whose changes rebuild the site.
const SOURCE_DIRS: [&str; 3] = ["content", "i18n", "themes"];

/// What is watched, and how: the source directories with all they hold,
/// and the root itself for book.toml — a file's own watch would follow
/// the file an editor renames a new version over, not the name.
fn watched_paths(root: &Path) -> Vec<(PathBuf, RecursiveMode)> {
    let dirs = SOURCE_DIRS
        .iter()
        .map(|dir| root.join(dir))
        .filter(|dir| dir.is_dir())
        .map(|dir| (dir, RecursiveMode::Recursive));
    std::iter::once((root.to_owned(), RecursiveMode::NonRecursive))
        .chain(dirs)
        .collect()
}

/// Whether a change of `path` (relative to the root) is a change of the
/// site's sources: book.toml or a file in a source directory, not an
/// editor's temporary or backup file.
fn is_source_change(path: &Path) -> bool {
    let source = path == Path::new("book.toml")
        || path
            .components()
            .next()
            .is_some_and(|first| SOURCE_DIRS.iter().any(|dir| first.as_os_str() == *dir));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    source
        && !(name.starts_with('.')
            || name.ends_with('~')
            || name.ends_with(".swp")
            || name.ends_with(".tmp")
            || name.starts_with('#'))
}

/// Rebuilds after the files `changed` (relative to the root; `None`: not
/// known) changed, and tells the open pages.
fn rebuild(
    session: &mut Session,
    state: &RwLock<State>,
    notifier: &Notifier,
    changed: Option<&[PathBuf]>,
    label: &str,
) {
    let start = Instant::now();
    let update = match changed {
        Some(changed) => session.rebuild_changed(changed),
        None => session.rebuild(),
    };
    for d in &update.diagnostics {
        eprintln!("{d}");
    }
    let message = if update.is_ok() {
        let rendered = update.files.len();
        let full = update.full;
        let mut s = state.write().unwrap_or_else(|e| e.into_inner());
        let had_errors = std::mem::take(&mut s.failed);
        incremental::apply(&mut s.files, update);
        drop(s);
        if rendered == 0 && !had_errors {
            eprintln!("nothing to rebuild ({label})");
            return;
        }
        eprintln!(
            "rebuilt ({label}): {rendered} file(s) in {} ms",
            start.elapsed().as_millis()
        );
        if !full {
            // the index after the reload: the edit does not wait for it
            notifier.send("reload".to_owned());
            let pages: BTreeMap<String, Vec<u8>> = state
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .files
                .iter()
                .filter(|(path, _)| path.ends_with(".html"))
                .map(|(path, bytes)| (path.clone(), bytes.clone()))
                .collect();
            if let Some(index) = session.search_index(&pages) {
                incremental::replace_search_index(&mut state.write().unwrap_or_else(|e| e.into_inner()).files, index);
            }
            return;
        }
        "reload".to_owned()
    } else {
        let errors: Vec<String> = update
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.to_string())
            .collect();
        let text = errors.join("\n");
        state.write().unwrap_or_else(|e| e.into_inner()).failed = true;
        eprintln!(
            "build failed ({label}): {} error(s); still serving the last good site",
            errors.len()
        );
        format!("error\n{text}")
    };
    notifier.send(message);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listening_beyond_loopback_warns() {
        for ip in ["0.0.0.0", "::", "192.168.1.5", "fe80::1"] {
            let warning = exposure_warning(ip.parse().unwrap()).expect(ip);
            assert!(
                warning.starts_with("warning: listening on ") && warning.contains("drafts"),
                "{warning}"
            );
        }
        for ip in ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"] {
            assert_eq!(exposure_warning(ip.parse().unwrap()), None, "{ip}");
        }
    }

    #[test]
    fn the_url_shown_is_one_a_browser_opens() {
        assert_eq!(url("0.0.0.0:1111".parse().unwrap()), "http://127.0.0.1:1111/");
        assert_eq!(url("[::]:1111".parse().unwrap()), "http://[::1]:1111/");
        assert_eq!(url("[::1]:1112".parse().unwrap()), "http://[::1]:1112/");
        assert_eq!(url("192.168.1.5:1111".parse().unwrap()), "http://192.168.1.5:1111/");
    }
}

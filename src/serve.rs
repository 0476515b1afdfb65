//! `plansite serve`: build, serve over HTTP, watch, rebuild, reload.
//!
//! The site is built into memory and served from there, so only files of
//! the output can ever be served (no path reaches the disk). The sources
//! are watched (notify + notify-debouncer-full); a change rebuilds what it
//! affects (see [`crate::incremental`]) and tells open pages to reload
//! through Server-Sent Events. A failed rebuild
//! keeps the last good site served and shows the errors in the terminal and
//! as an overlay in open pages until they are fixed. The small script that
//! does this is injected into HTML responses here, never into `build` output.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode};
use notify_debouncer_full::new_debouncer;
use tiny_http::{Header, Method, Request, Response, Server};

use crate::build::BuildOptions;
use crate::incremental::{self, Session};

/// Path of the event stream; no output file can have it (ids are lowercase
/// and output directories never start with `_`).
const EVENTS: &str = "/__plansite/events";

pub struct ServeOptions {
    pub root: PathBuf,
    pub bind: IpAddr,
    pub port: u16,
    pub debounce: Duration,
    /// Open the site in a browser once it is served.
    pub open: bool,
}

/// The site as currently served, and the errors of the last build (if it failed).
#[derive(Default)]
struct State {
    files: BTreeMap<String, Vec<u8>>,
    errors: Option<String>,
}

type Clients = Arc<Mutex<Vec<Sender<String>>>>;

pub fn serve(options: &ServeOptions) -> i32 {
    let state = Arc::new(RwLock::new(State::default()));
    let clients: Clients = Arc::new(Mutex::new(Vec::new()));
    // absolute, as the watcher's paths are, to name changed files by their relative path
    let root = std::path::absolute(&options.root).unwrap_or_else(|_| options.root.clone());
    let mut session = Session::new(BuildOptions {
        root: root.clone(),
        output: None,
        base_url: None,
        drafts: true,
        write: false,
        pdf: false,
    });
    rebuild(&mut session, &state, &clients, "initial build");

    let Some((server, addr)) = bind(options.bind, options.port) else {
        eprintln!(
            "error: cannot listen on {}:{} or the next 20 ports",
            options.bind, options.port
        );
        return 2;
    };

    let (tx, rx) = mpsc::channel();
    let mut debouncer = match new_debouncer(options.debounce, None, tx) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: cannot watch files: {e}");
            return 1;
        }
    };
    for watched in watched_paths(&root) {
        let mode = if watched.is_dir() {
            RecursiveMode::Recursive
        } else {
            RecursiveMode::NonRecursive
        };
        if let Err(e) = debouncer.watch(&watched, mode) {
            eprintln!("warning: cannot watch {}: {e}", watched.display());
        }
    }
    let port = server.server_addr().to_ip().map_or(addr.port(), |a| a.port());
    let url_host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else {
        addr.ip().to_string()
    };
    let url = format!("http://{url_host}:{port}/");
    eprintln!("serving at {url} (Ctrl-C to stop)");
    if options.open {
        open_browser(&url);
    }
    let (watch_state, watch_clients) = (state.clone(), clients.clone());
    std::thread::spawn(move || {
        for result in rx {
            let Ok(events) = result else { continue };
            // reading a file is an event too (inotify's open and close):
            // only changes count, or every rebuild would start the next
            let changed: Vec<PathBuf> = events
                .iter()
                .filter(|e| !matches!(e.kind, EventKind::Access(_)))
                .flat_map(|e| e.paths.iter())
                .filter(|p| is_source_change(p))
                .cloned()
                .collect();
            if let Some(first) = changed.first() {
                let label = first.strip_prefix(&root).unwrap_or(first).display().to_string();
                rebuild(&mut session, &watch_state, &watch_clients, &label);
            }
        }
    });

    for request in server.incoming_requests() {
        let (state, clients) = (state.clone(), clients.clone());
        std::thread::spawn(move || handle(request, &state, &clients));
    }
    0
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

/// The files and directories whose changes rebuild the site.
fn watched_paths(root: &Path) -> Vec<PathBuf> {
    ["content", "i18n", "themes", "book.toml"]
        .iter()
        .map(|p| root.join(p))
        .filter(|p| p.exists())
        .collect()
}

/// Editor temp and backup files do not trigger rebuilds.
fn is_source_change(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    !(name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".tmp")
        || name.starts_with('#'))
}

fn bind(ip: IpAddr, port: u16) -> Option<(Server, SocketAddr)> {
    (port..=port.saturating_add(20)).find_map(|p| {
        let addr = SocketAddr::new(ip, p);
        Server::http(addr).ok().map(|s| (s, addr))
    })
}

fn rebuild(session: &mut Session, state: &RwLock<State>, clients: &Clients, label: &str) {
    let start = Instant::now();
    let update = session.rebuild();
    for d in &update.diagnostics {
        eprintln!("{d}");
    }
    let message = if update.is_ok() {
        let rendered = update.files.len();
        let mut s = state.write().unwrap_or_else(|e| e.into_inner());
        let had_errors = s.errors.take().is_some();
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
        "reload".to_owned()
    } else {
        let errors: Vec<String> = update
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.to_string())
            .collect();
        let text = errors.join("\n");
        state.write().unwrap_or_else(|e| e.into_inner()).errors = Some(text.clone());
        eprintln!(
            "build failed ({label}): {} error(s); still serving the last good site",
            errors.len()
        );
        format!("error\n{text}")
    };
    broadcast(clients, &message);
}

/// Sends one SSE message to every open page; closed ones are dropped.
fn broadcast(clients: &Clients, message: &str) {
    let mut list = clients.lock().unwrap_or_else(|e| e.into_inner());
    list.retain(|tx| tx.send(message.to_owned()).is_ok());
}

fn handle(request: Request, state: &RwLock<State>, clients: &Clients) {
    let method = request.method().clone();
    if method != Method::Get && method != Method::Head {
        let _ = request.respond(
            Response::from_string("method not allowed")
                .with_status_code(405)
                .with_header(header("Allow", "GET, HEAD")),
        );
        return;
    }
    let url = request.url().to_owned();
    let path = url.split(['?', '#']).next().unwrap_or("/");
    if path == EVENTS {
        let (tx, rx) = mpsc::channel();
        let pending = state.read().unwrap_or_else(|e| e.into_inner()).errors.clone();
        if let Some(errors) = pending {
            let _ = tx.send(format!("error\n{errors}"));
        }
        clients.lock().unwrap_or_else(|e| e.into_inner()).push(tx);
        stream_events(request.into_writer(), &rx);
        return;
    }
    let Some(file) = resolve_path(path) else {
        let _ = request.respond(not_found(state));
        return;
    };
    let (body, is_dir) = {
        let s = state.read().unwrap_or_else(|e| e.into_inner());
        (
            s.files.get(&file).cloned(),
            s.files.contains_key(&format!("{file}/index.html")),
        )
    };
    // a directory without its trailing slash: redirect, so relative links resolve
    if body.is_none() && is_dir {
        let _ = request.respond(Response::empty(301).with_header(header("Location", &format!("{path}/"))));
        return;
    }
    match body {
        Some(bytes) => {
            let content_type = content_type(&file);
            let bytes = if content_type.starts_with("text/html") {
                inject_reload(bytes)
            } else {
                bytes
            };
            let response = Response::from_data(bytes)
                .with_header(header("Content-Type", content_type))
                .with_header(header("Cache-Control", "no-store"));
            let _ = request.respond(response);
        }
        None => {
            let _ = request.respond(not_found(state));
        }
    }
}

fn not_found(state: &RwLock<State>) -> Response<io::Cursor<Vec<u8>>> {
    let page = state
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .files
        .get("404.html")
        .cloned()
        .unwrap_or_else(|| b"not found".to_vec());
    Response::from_data(inject_reload(page))
        .with_status_code(404)
        .with_header(header("Content-Type", "text/html; charset=utf-8"))
}

/// Maps a URL path to an output file: percent-decoded, `index.html` for
/// directories; `None` for anything that could leave the output (`..`,
/// backslashes, NUL, absolute or empty segments).
pub fn resolve_path(url_path: &str) -> Option<String> {
    let decoded = percent_decode(url_path)?;
    let trimmed = decoded.strip_prefix('/')?;
    let mut segments = Vec::new();
    for segment in trimmed.split('/') {
        match segment {
            "" => {}
            "." | ".." => return None,
            s if s.contains(['\\', '\0', ':']) => return None,
            s => segments.push(s),
        }
    }
    let mut path = segments.join("/");
    if decoded.ends_with('/') || path.is_empty() {
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str("index.html");
    }
    Some(path)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("xml") if path.ends_with("atom.xml") => "application/atom+xml; charset=utf-8",
        Some("xml") => "application/xml; charset=utf-8",
        Some("txt") => "text/plain; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("woff2") => "font/woff2",
        Some("pdf") => "application/pdf",
        _ => "application/octet-stream",
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("valid header")
}

/// The live-reload client: reloads on `reload`, shows build errors as an overlay.
const RELOAD_SCRIPT: &str = r#"<script>(() => {
  const es = new EventSource("/__plansite/events");
  es.onmessage = (e) => {
    const [kind, ...rest] = e.data.split("\n");
    if (kind === "reload") { location.reload(); return; }
    let box = document.getElementById("plansite-errors");
    if (!box) {
      box = document.createElement("pre");
      box.id = "plansite-errors";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:1rem;z-index:99999;overflow:auto;margin:0;padding:1rem;background:#fff;color:#8a0000;border:3px solid #8a0000;font:14px/1.4 monospace;white-space:pre-wrap";
      document.body.append(box);
    }
    box.textContent = rest.join("\n");
  };
})();</script>"#;

fn inject_reload(mut html: Vec<u8>) -> Vec<u8> {
    let at = find_last(&html, b"</body>").unwrap_or(html.len());
    html.splice(at..at, RELOAD_SCRIPT.bytes());
    html
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// Writes the SSE response on the raw connection, flushing every message
/// (a buffered response body would hold them back), until the page goes away.
fn stream_events(mut out: Box<dyn Write + Send>, rx: &Receiver<String>) {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: keep-alive\r\n\r\nretry: 500\n\n";
    if out.write_all(head.as_bytes()).and_then(|()| out.flush()).is_err() {
        return;
    }
    loop {
        let chunk = match rx.recv_timeout(Duration::from_secs(15)) {
            Ok(message) => {
                message
                    .lines()
                    .map(|line| format!("data: {line}\n"))
                    .collect::<String>()
                    + "\n"
            }
            // keep-alive comment, so proxies and browsers keep the stream open
            Err(mpsc::RecvTimeoutError::Timeout) => ": keep-alive\n\n".to_owned(),
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        if out.write_all(chunk.as_bytes()).and_then(|()| out.flush()).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_never_leave_the_output() {
        assert_eq!(resolve_path("/").as_deref(), Some("index.html"));
        assert_eq!(resolve_path("/sv/").as_deref(), Some("sv/index.html"));
        assert_eq!(
            resolve_path("/sv/plan/index.html").as_deref(),
            Some("sv/plan/index.html")
        );
        assert_eq!(resolve_path("/%C3%A5/").as_deref(), Some("å/index.html"));
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/x",
            "/sv/%2E%2E/%2e%2e/x",
            "/a\\b",
            "/%00",
            "relative",
            "/C:/x",
            "/%zz",
        ] {
            assert_eq!(resolve_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn reload_script_goes_before_body_end() {
        let html = inject_reload(b"<html><body><p>x</p></body></html>".to_vec());
        let html = String::from_utf8(html).unwrap();
        assert!(html.contains("<p>x</p><script>"));
        assert!(html.ends_with("</script></body></html>"));
    }
}

//! `plansite serve` end to end: a real server on a free port, real HTTP
//! requests, real file edits seen through the watcher and the SSE stream.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::Site;

struct Server {
    child: Child,
    port: u16,
    /// What the server printed after it started listening.
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(site: &Site) -> Server {
    start_with(site, &[], &[])
}

fn start_with(site: &Site, args: &[&str], env: &[(&str, &Path)]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_plansite"))
        .args(["serve", "--port", "0", "--root"])
        .arg(site.root())
        .args(args)
        .envs(env.iter().copied())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let port = loop {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "serve exited before listening"
        );
        if let Some(rest) = line.strip_prefix("serving at http://127.0.0.1:") {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    // keep draining stderr so the server never blocks on a full pipe
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    Server { child, port, log }
}

/// (status code, body) of a GET or HEAD.
fn request(port: u16, method: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split(' ').nth(1).unwrap().parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Reads the event stream until a message arrives; returns its data lines.
fn next_event(events: &mut BufReader<TcpStream>) -> String {
    let mut data = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        events
            .read_line(&mut line)
            .expect("an event arrives before the read timeout");
        if let Some(d) = line.strip_prefix("data: ") {
            // SSE joins the data lines of one message with newlines
            if !data.is_empty() {
                data.push('\n');
            }
            data.push_str(d.trim_end_matches(['\r', '\n']));
        } else if (line == "\r\n" || line == "\n") && !data.is_empty() {
            return data;
        }
    }
}

/// The next event of `kind`. One save can reach the watcher as more than one
/// batch of file events, and each rebuilds, so repeats of the previous
/// state's event are passed over; the page fetched afterwards shows which
/// state won.
fn wait_for(events: &mut BufReader<TcpStream>, kind: &str) -> String {
    loop {
        let event = next_event(events);
        if event.split('\n').next() == Some(kind) {
            return event;
        }
    }
}

/// Saves a file the way careful editors do (write a temporary file, then
/// rename), so the watcher never sees it half-written.
fn save(site: &Site, rel: &str, text: &str) {
    let path = site.root().join(rel);
    let tmp = path.with_file_name(format!(".{}.tmp", path.file_name().unwrap().to_string_lossy()));
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, &path).unwrap();
}

fn open_events(port: u16) -> BufReader<TcpStream> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(stream, "GET /__plansite/events HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("HTTP/1.1 200"), "{line}");
    reader
}

#[test]
fn edits_reload_errors_overlay_and_the_last_good_site_stays_served() {
    let site = Site::fixture("cross_links");
    let server = start(&site);
    let (status, body) = request(server.port, "GET", "/sv/a/");
    assert_eq!(status, 200);
    assert!(body.contains("<h1>A sv</h1>"));
    assert!(
        body.contains("new EventSource(\"/__plansite/events\")"),
        "serve injects the reload script"
    );

    let mut events = open_events(server.port);
    save(
        &site,
        "content/a.sv.md",
        "---\ntitle: A ändrad\n---\n## Rubrik {#mal}\n\nTill [b](@/b#detaljer).\n",
    );
    wait_for(&mut events, "reload");
    assert!(
        request(server.port, "GET", "/sv/a/index.html")
            .1
            .contains("<h1>A ändrad</h1>")
    );

    save(
        &site,
        "content/a.sv.md",
        "---\ntitle: A trasig\n---\n[x](@/finns-inte)\n",
    );
    let error = wait_for(&mut events, "error");
    assert!(error.contains("content/a.sv.md:4:1"), "{error}");
    let (status, body) = request(server.port, "GET", "/sv/a/");
    assert_eq!(status, 200);
    assert!(body.contains("<h1>A ändrad</h1>"), "the last good page is still served");

    save(&site, "content/a.sv.md", "---\ntitle: A lagad\n---\n## R {#mal}\n");
    wait_for(&mut events, "reload");
    assert!(request(server.port, "GET", "/sv/a/").1.contains("<h1>A lagad</h1>"));

    // Rebuilding reads the sources, and reading is no change: once the
    // edits are done, the server stays quiet.
    std::thread::sleep(Duration::from_millis(500));
    let settled = server.log.lock().unwrap().len();
    std::thread::sleep(Duration::from_millis(1500));
    let log = server.log.lock().unwrap();
    assert_eq!(log.len(), settled, "rebuilt with no edit: {:?}", &log[settled..]);
}

#[test]
fn only_output_files_are_served_with_their_types() {
    let site = Site::fixture("cross_links");
    std::fs::write(site.root().join("secret.txt"), "secret").unwrap();
    let server = start(&site);
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/sv/%2E%2E/%2E%2E/secret.txt",
        "/book.toml",
        "/content/a.sv.md",
        "/nope/",
    ] {
        let (status, body) = request(server.port, "GET", path);
        assert_eq!(status, 404, "{path}");
        assert!(!body.contains("secret"));
    }
    let (status, body) = request(server.port, "HEAD", "/sitemap.xml");
    assert_eq!((status, body.as_str()), (200, ""));
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    write!(
        stream,
        "GET /sitemap.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(
        response.to_lowercase().contains("content-type: application/xml"),
        "{response}"
    );
    assert_eq!(request(server.port, "POST", "/").0, 405);
    // a directory without its slash redirects, so relative links keep working
    assert_eq!(request(server.port, "GET", "/sv/a").0, 301);
}

#[cfg(unix)]
#[test]
fn open_hands_the_address_to_the_browser() {
    let site = Site::fixture("cross_links");
    // a stand-in browser that writes down what it was asked to open
    let browser = site.root().join("browser.sh");
    let opened = site.root().join("opened.txt");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", opened.display()),
    )
    .unwrap();
    std::fs::set_permissions(&browser, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let server = start_with(&site, &["--open"], &[("BROWSER", &browser)]);
    let mut url = String::new();
    for _ in 0..100 {
        url = std::fs::read_to_string(&opened).unwrap_or_default();
        if !url.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(url, format!("http://127.0.0.1:{}/", server.port));
}

//! `plansite serve` end to end: a real server on a free port, real HTTP
//! requests, real file edits seen through the watcher and the SSE stream,
//! and the limits that keep a web page or a misbehaving client from reading
//! the drafts or wearing the server down.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::Site;

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

fn start_with(site: &Site, args: &[&str], env: &[(&str, &OsStr)]) -> Server {
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
/// Fails when none has within a minute (keep-alive comments go on).
fn next_event(events: &mut BufReader<TcpStream>) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut data = String::new();
    let mut line = String::new();
    loop {
        assert!(std::time::Instant::now() < deadline, "no event within a minute");
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

/// Sends `request` as it is and reads the whole response (the server
/// closes every connection after answering).
fn raw(port: u16, request: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// A header's value in a response, by its name in lowercase.
fn header<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    let head = response.split("\r\n\r\n").next()?;
    head.split("\r\n").skip(1).find_map(|line| {
        let (n, value) = line.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// A number from /proc/<pid>/status (`VmRSS` in KiB, `Threads`).
#[cfg(target_os = "linux")]
fn proc_status(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(&format!("{field}:"))).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
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
fn book_toml_saved_again_and_again_by_rename_is_seen_each_time() {
    let site = Site::fixture("cross_links");
    let config = std::fs::read_to_string(site.root().join("book.toml")).unwrap();
    let server = start(&site);
    let mut events = open_events(server.port);
    // an editor that writes a new file and renames it over book.toml: the
    // file first watched is gone after the first save
    for title in ["Första", "Andra", "Tredje"] {
        save(
            &site,
            "book.toml",
            &config.replace("sv = \"Testplats\"", &format!("sv = \"{title}\"")),
        );
        wait_for(&mut events, "reload");
        let (_, body) = request(server.port, "GET", "/sv/a/");
        assert!(body.contains(title), "{title} not served:\n{body}");
    }
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
        "GET /sitemap.xml HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(
        response.to_lowercase().contains("content-type: application/xml"),
        "{response}"
    );
    let post = raw(
        server.port,
        "POST / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert!(post.starts_with("HTTP/1.1 405"), "{post}");
    assert!(post.to_lowercase().contains("\r\nallow: get, head\r\n"), "{post}");
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
    let server = start_with(&site, &["--open"], &[("BROWSER", browser.as_os_str())]);
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

#[test]
fn only_requests_that_name_this_machine_are_answered() {
    let site = Site::fixture("cross_links");
    let server = start(&site);
    let port = server.port;
    // a page whose owner points its own name at 127.0.0.1 (DNS rebinding)
    // sends that name as Host: it must not read the pages or the errors
    let foreign_port = format!("evil.example:{port}");
    for host in [
        "evil.example",
        "evil.example:1111",
        foreign_port.as_str(),
        "127.0.0.1.evil.example",
        "localhost.evil.example",
    ] {
        for path in ["/sv/a/", "/__plansite/events"] {
            let response = raw(
                port,
                &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
            );
            assert!(response.starts_with("HTTP/1.1 403"), "{host} {path}: {response}");
            assert!(
                !response.contains("<h1>") && !response.contains("data:"),
                "{host} {path}: {response}"
            );
        }
    }
    for host in [
        "localhost".to_owned(),
        format!("localhost:{port}"),
        "127.0.0.1".to_owned(),
        format!("127.0.0.1:{port}"),
        "[::1]".to_owned(),
        format!("[::1]:{port}"),
    ] {
        let response = raw(
            port,
            &format!("GET /sv/a/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        );
        assert!(response.starts_with("HTTP/1.1 200"), "{host}: {response}");
        assert!(response.contains("<h1>A sv</h1>"), "{host}");
    }
    // HTTP/1.0 may leave Host out (browsers never do); HTTP/1.1 may not
    assert!(raw(port, "GET /sv/a/ HTTP/1.0\r\n\r\n").starts_with("HTTP/1.1 200"));
    let no_host = raw(port, "GET /sv/a/ HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert!(no_host.starts_with("HTTP/1.1 400"), "{no_host}");
    let two = raw(
        port,
        "GET /sv/a/ HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n\r\n",
    );
    assert!(two.starts_with("HTTP/1.1 400"), "{two}");
}

#[test]
fn a_directory_redirect_never_leaves_the_server() {
    let site = Site::fixture("cross_links");
    let server = start(&site);
    // `//sv/` would be the host `sv` to a browser
    for (path, location) in [
        ("/sv/a", "/sv/a/"),
        ("//sv", "/sv/"),
        ("//sv//a", "/sv/a/"),
        ("/%2Fsv", "/sv/"),
        ("/%2F%2Fsv?x", "/sv/"),
    ] {
        let response = raw(
            server.port,
            &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
        );
        assert!(response.starts_with("HTTP/1.1 301"), "{path}: {response}");
        assert_eq!(header(&response, "location"), Some(location), "{path}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn an_endless_header_line_is_refused_and_memory_stays_flat() {
    let site = Site::fixture("cross_links");
    let server = start(&site);
    let pid = server.child.id();
    for _ in 0..8 {
        assert_eq!(request(server.port, "GET", "/sv/a/").0, 200);
    }
    let before = proc_status(pid, "VmRSS");
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
    stream
        .write_all(b"GET /sv/a/ HTTP/1.1\r\nHost: localhost\r\nX-Long: ")
        .unwrap();
    // the server may close before all of it is sent
    const LINE: usize = 16 << 20;
    let _ = stream.write_all(&vec![b'a'; LINE]);
    let mut response = Vec::new();
    let read = stream.read_to_end(&mut response);
    assert!(
        read.as_ref()
            .map_or_else(|e| e.kind() == std::io::ErrorKind::ConnectionReset, |_| true),
        "the server kept reading the line: {read:?}"
    );
    let response = String::from_utf8_lossy(&response);
    assert!(
        response.is_empty() || response.starts_with("HTTP/1.1 431"),
        "{response}"
    );
    assert_eq!(request(server.port, "GET", "/sv/a/").0, 200);
    let after = proc_status(pid, "VmRSS");
    eprintln!("serve VmRSS: {before} KiB before a 16 MiB header line, {after} KiB after");
    // a quarter of the line: what the allocator takes for a connection's
    // thread and buffers (a few MiB with mimalloc) stays well below it, a
    // server that kept the line would not
    assert!(
        after < before + (LINE / 4 / 1024) as u64,
        "VmRSS grew from {before} KiB to {after} KiB"
    );
}

#[test]
fn idle_connections_and_live_reload_clients_leave_requests_answered() {
    let site = Site::fixture("cross_links");
    let server = start(&site);
    let port = server.port;
    // connections that send nothing or half a request head, and stay open
    let idle: Vec<TcpStream> = (0..300)
        .map(|i| {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
            if i % 2 == 1 {
                stream.write_all(b"GET /sv/a/ HTTP/1.1\r\nHost: loc").unwrap();
            }
            stream
        })
        .collect();
    let mut listeners: Vec<BufReader<TcpStream>> = (0..100).map(|_| open_events(port)).collect();
    let full = raw(port, "GET /__plansite/events HTTP/1.1\r\nHost: localhost\r\n\r\n");
    assert!(
        full.starts_with("HTTP/1.1 503"),
        "one live-reload client too many: {full}"
    );
    assert!(header(&full, "retry-after").is_some(), "{full}");

    let started = Instant::now();
    let (status, body) = request(port, "GET", "/sv/a/");
    let took = started.elapsed();
    assert_eq!(status, 200);
    assert!(body.contains("<h1>A sv</h1>"));
    eprintln!("answered in {took:?} beside 300 idle connections and 100 live-reload clients");
    assert!(took < Duration::from_secs(1), "answered after {took:?}");
    #[cfg(target_os = "linux")]
    {
        let threads = proc_status(server.child.id(), "Threads");
        assert!(threads <= 24, "{threads} threads for 400 connections");
    }

    // every client still hears the reload
    save(
        &site,
        "content/a.sv.md",
        "---\ntitle: A ändrad\n---\n## Rubrik {#mal}\n\nTill [b](@/b#detaljer).\n",
    );
    for events in &mut listeners {
        wait_for(events, "reload");
    }

    // pages that go away free their places (a 503 may come while the
    // server has not yet seen all of them go)
    drop(listeners);
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut again = Vec::new();
    while again.len() < 100 {
        assert!(
            Instant::now() < deadline,
            "only {} of 100 pages could listen again",
            again.len()
        );
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(stream, "GET /__plansite/events HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line.starts_with("HTTP/1.1 200") {
            again.push(reader);
        } else {
            assert!(line.starts_with("HTTP/1.1 503"), "{line}");
        }
    }
    drop(idle);
}

#[test]
fn a_slow_request_is_cut_off_at_the_read_timeout() {
    let site = Site::fixture("cross_links");
    let timeout = Duration::from_millis(300);
    let server = start_with(&site, &[], &[("PLANSITE_SERVE_READ_TIMEOUT_MS", OsStr::new("300"))]);
    let started = Instant::now();
    let silent = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    let mut slow = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    slow.write_all(b"GET /sv/a/ HTTP/1.1\r\nHost: local").unwrap();
    for (what, mut stream) in [("silent", silent), ("slow", slow)] {
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut response = String::new();
        let read = stream.read_to_string(&mut response);
        let took = started.elapsed();
        assert!(read.is_ok(), "{what} connection still open after {took:?}: {read:?}");
        assert!(took >= timeout, "{what} connection closed after {took:?}");
        assert!(
            response.is_empty() || response.starts_with("HTTP/1.1 408"),
            "{what}: {response}"
        );
    }
    assert_eq!(request(server.port, "GET", "/sv/a/").0, 200);
}

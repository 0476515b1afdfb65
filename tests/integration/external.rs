//! `plansite check --external` against servers on the loopback interface:
//! the only network the tests use. Without `--external`, no link is asked;
//! without `--allow-address`, not even the loopback servers are.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::{Run, Site};
use tiny_http::{Header, Method, Response, Server};

/// How long a `/slow/…` request keeps the server busy: long enough for
/// requests sent at once to overlap.
const SLOW: Duration = Duration::from_millis(100);

/// A server with one path per kind of answer, each request answered on its
/// own thread; `redirects` adds paths that redirect to the given location.
struct TestServer {
    port: u16,
    /// "METHOD /path" of every request received.
    seen: Arc<Mutex<Vec<String>>>,
    /// The most requests it was answering at the same time.
    most_at_once: Arc<AtomicUsize>,
}

impl TestServer {
    fn start(ip: &str, redirects: &[(&str, String)]) -> TestServer {
        let server = Server::http((ip, 0)).unwrap();
        let port = server.server_addr().to_ip().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let most_at_once = Arc::new(AtomicUsize::new(0));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let redirects: Vec<(String, String)> = redirects
            .iter()
            .map(|(path, to)| ((*path).to_owned(), to.clone()))
            .collect();
        let (log, most) = (seen.clone(), most_at_once.clone());
        std::thread::spawn(move || {
            for request in server.incoming_requests() {
                let (log, most, in_flight) = (log.clone(), most.clone(), in_flight.clone());
                let redirect = redirects
                    .iter()
                    .find(|(path, _)| path == request.url())
                    .map(|(_, to)| to.clone());
                std::thread::spawn(move || {
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    let head = *request.method() == Method::Head;
                    log.lock()
                        .unwrap()
                        .push(format!("{} {}", request.method(), request.url()));
                    let (status, location) = match (request.url(), head, redirect) {
                        (_, _, Some(to)) => (301, Some(to)),
                        ("/ok", _, _) | ("/head-refused" | "/head-forbidden", false, _) => (200, None),
                        (slow, _, _) if slow.starts_with("/slow/") => {
                            std::thread::sleep(SLOW);
                            (200, None)
                        }
                        ("/head-refused", true, _) => (405, None),
                        ("/head-forbidden", true, _) => (403, None),
                        ("/moved", _, _) => (301, Some("/ok".to_owned())),
                        ("/relative", _, _) => (302, Some("ok#top".to_owned())),
                        ("/loop", _, _) => (302, Some("/loop".to_owned())),
                        ("/to-ftp", _, _) => (301, Some("ftp://example.org/file".to_owned())),
                        ("/busy", _, _) => (429, None),
                        ("/forbidden", _, _) => (403, None),
                        _ => (404, None),
                    };
                    let mut response = Response::from_string("x").with_status_code(status);
                    if let Some(location) = location {
                        response.add_header(Header::from_bytes("Location", location).unwrap());
                    }
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    let _ = request.respond(response);
                });
            }
        });
        TestServer {
            port,
            seen,
            most_at_once,
        }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A site whose page `content/links.sv.md` holds `body`.
fn site_with_links(body: &str) -> Site {
    let site = Site::fixture("cross_links");
    site.write("content/links.sv.md", &format!("---\ntitle: Länkar\n---\n{body}"));
    site
}

/// `plansite check --external` with `flags`, with no proxy in the environment.
fn check_external(site: &Site, flags: &[&str]) -> Run {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_plansite"));
    for proxy in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        command.env_remove(proxy);
    }
    let out = command
        .args(["check", "--external"])
        .args(flags)
        .arg("--root")
        .arg(site.root())
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn dead_links_are_errors_at_their_place_and_only_asked_with_external() {
    let server = TestServer::start("127.0.0.1", &[]);
    let closed = closed_port();
    let base = format!("http://127.0.0.1:{}", server.port);
    let site = site_with_links(&format!(
        "[ok]({base}/ok) och [igen]({base}/ok#del)\n\n\
         [borta]({base}/gone)\n\n[bara GET]({base}/head-refused)\n\n\
         [flyttad]({base}/moved) [upptagen]({base}/busy)\n\n\
         ![bild](http://127.0.0.1:{closed}/bild.png)\n"
    ));

    let run = site.run(&["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(server.seen().is_empty(), "check without --external asked the network");

    let run = check_external(&site, &["--allow-address", "127.0.0.1"]);
    let stderr = &run.stderr;
    assert_eq!(run.code, 1, "{stderr}");
    let gone = format!("error: link to `{base}/gone` is broken: the server answered 404 Not Found");
    assert!(stderr.contains(&gone), "{stderr}");
    assert!(stderr.contains("--> content/links.sv.md:6:1"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: link to `http://127.0.0.1:{closed}/bild.png` is broken: no answer"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("--> content/links.sv.md:12:1"), "{stderr}");
    assert!(
        stderr.contains(&format!("warning: link to `{base}/busy` was not checked")),
        "{stderr}"
    );
    for alive in ["/ok`", "/head-refused`", "/moved`"] {
        assert!(!stderr.contains(alive), "{alive} reported: {stderr}");
    }
    assert!(
        stderr.contains("external links: 6 address(es) at 7 place(s) checked, 2 broken"),
        "{stderr}"
    );
    // each address once, the fragment left out; GET only where HEAD failed
    let seen = server.seen();
    assert_eq!(seen.iter().filter(|r| r.ends_with("/ok")).count(), 2, "{seen:?}"); // /ok, and /moved's target
    assert!(seen.contains(&"GET /head-refused".to_owned()), "{seen:?}");
}

#[test]
fn links_to_this_machine_are_not_asked_without_allow_address() {
    let server = TestServer::start("127.0.0.1", &[]);
    let port = server.port;
    let site = site_with_links(&format!(
        "[a](http://127.0.0.1:{port}/ok)\n\n[b](http://localhost:{port}/ok)\n\n\
         [c](http://0.0.0.0:{port}/ok)\n\n[d](http://2130706433:{port}/ok)\n\n\
         [e](http://[::1]:{port}/ok)\n\n[f](http://[::ffff:127.0.0.1]:{port}/ok)\n"
    ));

    let run = check_external(&site, &[]);
    let stderr = &run.stderr;
    assert_eq!(run.code, 0, "{stderr}");
    assert!(server.seen().is_empty(), "{:?}", server.seen());
    for (url, address) in [
        (format!("http://127.0.0.1:{port}/ok"), " (127.0.0.1)"),
        (format!("http://localhost:{port}/ok"), ""),
        (format!("http://0.0.0.0:{port}/ok"), " (0.0.0.0)"),
        (format!("http://2130706433:{port}/ok"), " (127.0.0.1)"),
        (format!("http://[::1]:{port}/ok"), " (::1)"),
        (format!("http://[::ffff:127.0.0.1]:{port}/ok"), " (::ffff:127.0.0.1)"),
    ] {
        let warning = format!("warning: link to `{url}` was not checked: it resolves to a non-public address{address}");
        assert!(stderr.contains(&warning), "{warning}\n{stderr}");
    }
    assert!(stderr.contains("check it with `--allow-address 127.0.0.1`"), "{stderr}");
    assert!(
        stderr.contains("external links: 6 address(es) at 6 place(s) checked, 0 broken"),
        "{stderr}"
    );
}

#[test]
fn every_redirect_is_checked_before_it_is_followed() {
    // Only 127.0.0.1 is allowed: 127.0.0.2 and 10.0.0.1 must be refused
    // before anything connects to them.
    let other = TestServer::start("127.0.0.2", &[]);
    let server = TestServer::start(
        "127.0.0.1",
        &[
            ("/to-private", "http://10.0.0.1/ok".to_owned()),
            ("/to-metadata", "http://169.254.169.254/latest/meta-data/".to_owned()),
            ("/to-other", format!("http://127.0.0.2:{}/ok", other.port)),
        ],
    );
    let base = format!("http://127.0.0.1:{}", server.port);
    let site = site_with_links(&format!(
        "[a]({base}/to-private) [b]({base}/to-metadata) [c]({base}/to-other)\n\n\
         [d]({base}/to-ftp) [e]({base}/loop) [f]({base}/relative)\n"
    ));

    let run = check_external(&site, &["--allow-address", "127.0.0.1"]);
    let stderr = &run.stderr;
    assert_eq!(run.code, 1, "{stderr}");
    assert!(other.seen().is_empty(), "{:?}", other.seen());
    for (from, to, address) in [
        ("/to-private", "http://10.0.0.1/ok".to_owned(), "10.0.0.1"),
        (
            "/to-metadata",
            "http://169.254.169.254/latest/meta-data/".to_owned(),
            "169.254.169.254",
        ),
        ("/to-other", format!("http://127.0.0.2:{}/ok", other.port), "127.0.0.2"),
    ] {
        let warning = format!(
            "warning: link to `{base}{from}` was not checked: it redirects to `{to}`, \
             which resolves to a non-public address ({address})"
        );
        assert!(stderr.contains(&warning), "{warning}\n{stderr}");
    }
    assert!(
        stderr.contains(&format!(
            "error: link to `{base}/to-ftp` is broken: redirects to `ftp://example.org/file`, \
             which is not an http(s) address"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "error: link to `{base}/loop` is broken: still redirecting after 10 redirects"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("/relative`"), "{stderr}");
    assert!(
        stderr.contains("external links: 6 address(es) at 6 place(s) checked, 2 broken"),
        "{stderr}"
    );
    let seen = server.seen();
    // the first request and ten redirects, then no GET: it would go round the same way
    assert_eq!(seen.iter().filter(|r| r.ends_with("/loop")).count(), 11, "{seen:?}");
    assert!(seen.contains(&"HEAD /ok".to_owned()), "{seen:?}"); // /relative's target
}

#[test]
fn at_most_two_requests_at_once_to_one_host() {
    let server = TestServer::start("127.0.0.1", &[]);
    let base = format!("http://127.0.0.1:{}", server.port);
    let links: String = (1..=8).map(|n| format!("[{n}]({base}/slow/{n})\n\n")).collect();
    let site = site_with_links(&links);

    let run = check_external(&site, &["--allow-address", "127.0.0.1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(server.seen().len(), 8, "{:?}", server.seen());
    let most = server.most_at_once.load(Ordering::SeqCst);
    assert!((1..=2).contains(&most), "{most} requests at once");
}

#[test]
fn forbidden_and_too_many_requests_are_warnings() {
    let server = TestServer::start("127.0.0.1", &[]);
    let base = format!("http://127.0.0.1:{}", server.port);
    let site = site_with_links(&format!(
        "[a]({base}/forbidden) [b]({base}/busy) [c]({base}/head-forbidden)\n"
    ));

    let run = check_external(&site, &["--allow-address", "127.0.0.1"]);
    let stderr = &run.stderr;
    assert_eq!(run.code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "warning: link to `{base}/forbidden` was not checked: the server answered 403 Forbidden"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("check it by hand"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "warning: link to `{base}/busy` was not checked: the server answered 429 Too Many Requests"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("run the check again later"), "{stderr}");
    assert!(!stderr.contains("/head-forbidden`"), "{stderr}"); // GET answered 200
    assert!(
        stderr.contains("external links: 3 address(es) at 3 place(s) checked, 0 broken"),
        "{stderr}"
    );
    // a server that asks for fewer requests is asked once
    let seen = server.seen();
    assert_eq!(seen.iter().filter(|r| r.ends_with("/busy")).count(), 1, "{seen:?}");
}

#[test]
fn allow_address_needs_external_and_a_valid_network() {
    let site = Site::fixture("cross_links");
    let run = site.run(&["check", "--allow-address", "127.0.0.1"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = check_external(&site, &["--allow-address", "10.0.0.0/33"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("not a prefix length from 0 to 32"),
        "{}",
        run.stderr
    );
}

//! `plansite check --external` against a server on the loopback interface:
//! the only network the tests use. Without `--external`, no link is asked.

mod common;

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use common::Site;
use tiny_http::{Header, Method, Response, Server};

/// A server with one path per kind of answer; returns its port and the
/// requests it received.
fn start_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let server = Server::http("127.0.0.1:0").unwrap();
    let port = server.server_addr().to_ip().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            let head = *request.method() == Method::Head;
            log.lock()
                .unwrap()
                .push(format!("{} {}", request.method(), request.url()));
            let status = match (request.url(), head) {
                ("/ok", _) | ("/head-refused", false) => 200,
                ("/head-refused", true) => 405,
                ("/moved", _) => 301,
                ("/busy", _) => 429,
                _ => 404,
            };
            let mut response = Response::from_string("x").with_status_code(status);
            if status == 301 {
                response.add_header(Header::from_bytes("Location", "/ok").unwrap());
            }
            let _ = request.respond(response);
        }
    });
    (port, seen)
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn dead_links_are_errors_at_their_place_and_only_asked_with_external() {
    let (port, seen) = start_server();
    let closed = closed_port();
    let site = Site::fixture("cross_links");
    let base = format!("http://127.0.0.1:{port}");
    site.write(
        "content/links.sv.md",
        &format!(
            "---\ntitle: Länkar\n---\n[ok]({base}/ok) och [igen]({base}/ok#del)\n\n\
             [borta]({base}/gone)\n\n[bara GET]({base}/head-refused)\n\n\
             [flyttad]({base}/moved) [upptagen]({base}/busy)\n\n\
             ![bild](http://127.0.0.1:{closed}/bild.png)\n"
        ),
    );

    let run = site.run(&["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        seen.lock().unwrap().is_empty(),
        "check without --external asked the network"
    );

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
        .args(["check", "--external", "--root"])
        .arg(site.root())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
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
    let seen = seen.lock().unwrap();
    assert_eq!(seen.iter().filter(|r| r.ends_with("/ok")).count(), 2, "{seen:?}"); // /ok, and /moved's target
    assert!(seen.contains(&"GET /head-refused".to_owned()), "{seen:?}");
}

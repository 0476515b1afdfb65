//! HTTP/1.1 as far as `serve` needs it: the request head (request line and
//! headers, at most [`MAX_HEAD`] bytes), the `Host` rule, routing a request
//! to a refusal, the live-reload stream or a file, and responses (always
//! `Connection: close`, one request per connection). Pure functions over
//! bytes: no I/O, and nothing of the site's files.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Longest request head (request line and headers) read; a longer one gets 431.
pub(super) const MAX_HEAD: usize = 16 * 1024;

/// Path of the live-reload event stream; no output file can have it (ids are
/// lowercase and output directories never start with `_`).
pub(super) const EVENTS: &str = "/__plansite/events";

/// The start of the live-reload stream: no length, it lasts as long as the page.
pub(super) const EVENTS_HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: keep-alive\r\n\r\nretry: 500\n\n";

/// A comment on the live-reload stream, so proxies and browsers keep it open.
pub(super) const KEEP_ALIVE: &[u8] = b": keep-alive\n\n";

/// One message on the live-reload stream: each line of `message` a `data:` line.
pub(super) fn event(message: &str) -> Vec<u8> {
    let mut out = String::new();
    // a lone CR ends a line of an event stream too
    let message = message.replace("\r\n", "\n").replace('\r', "\n");
    for line in message.lines() {
        let _ = writeln!(out, "data: {line}");
    }
    out.push('\n');
    out.into_bytes()
}

/// What to do with a request head.
pub(super) enum Route {
    /// Send these bytes and close: a refusal, or an answer that needs no file.
    Reply(Vec<u8>),
    /// Keep the connection as a live-reload client.
    Events,
    /// Answer from the site's files; `head_only` for HEAD.
    File { target: String, head_only: bool },
}

struct Request<'a> {
    method: &'a str,
    target: &'a str,
    /// `HTTP/1.0`, which may leave `Host` out.
    http10: bool,
    host: Option<&'a str>,
}

/// Where the request head in `buf` ends (just past its blank line), once it
/// has all arrived. Lines end in CRLF or a bare LF (RFC 9112 §2.2).
pub(super) fn head_end(buf: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = buf[from..].iter().position(|&b| b == b'\n') {
        let next = from + at + 1;
        if buf[next..].starts_with(b"\n") {
            return Some(next + 1);
        }
        if buf[next..].starts_with(b"\r\n") {
            return Some(next + 2);
        }
        from = next;
    }
    None
}

/// Decides what a complete request head gets. `local` is the address the
/// connection came in on.
pub(super) fn route(head: &[u8], local: Option<IpAddr>) -> Route {
    let Some(request) = parse(head) else {
        return Route::Reply(Response::text(400, "bad request\n").into_bytes(false));
    };
    let head_only = request.method == "HEAD";
    let reply = |response: Response| Route::Reply(response.into_bytes(head_only));
    match request.host {
        Some(host) if is_local(host, local) => {}
        // Browsers always send Host, and no script can leave it out or set
        // it, so a request without one never comes from a web page through
        // DNS rebinding: it comes from a program that can reach the socket
        // anyway. HTTP/1.0 allows leaving it out; HTTP/1.1 does not.
        None if request.http10 => {}
        None => return reply(Response::text(400, "bad request: no Host header\n")),
        Some(_) => {
            return reply(Response::text(
                403,
                "forbidden: serve answers only requests for localhost, a loopback address or the address it listens on\n",
            ));
        }
    }
    if request.method != "GET" && !head_only {
        return reply(Response::text(405, "method not allowed\n").header("Allow", "GET, HEAD"));
    }
    if request.target.split(['?', '#']).next() == Some(EVENTS) {
        if head_only {
            return reply(Response::new(200).header("Content-Type", "text/event-stream"));
        }
        return Route::Events;
    }
    Route::File {
        target: request.target.to_owned(),
        head_only,
    }
}

/// The request line and the one header serve reads; `None` if malformed
/// (not UTF-8, not `METHOD TARGET HTTP/1.x`, a header line without a name,
/// a folded header line, a control character, two Host headers).
fn parse(head: &[u8]) -> Option<Request<'_>> {
    let text = std::str::from_utf8(head).ok()?;
    if text.chars().any(|c| c.is_control() && !matches!(c, '\r' | '\n' | '\t')) {
        return None;
    }
    let mut lines = text.lines();
    let mut parts = lines.next()?.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || method.is_empty() || target.is_empty() {
        return None;
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return None,
    };
    let mut host = None;
    for line in lines.take_while(|line| !line.is_empty()) {
        let (name, value) = line.split_once(':')?;
        if name.is_empty() || name.contains([' ', '\t', '\r']) || value.contains('\r') {
            return None;
        }
        if name.eq_ignore_ascii_case("host") {
            if host.is_some() {
                return None;
            }
            host = Some(value.trim_matches([' ', '\t']));
        }
    }
    Some(Request {
        method,
        target,
        http10,
        host,
    })
}

/// Whether a `Host` header names this server in a way no web page can
/// borrow: `localhost`, a loopback address, or the address the connection
/// came in on, each with or without a port. An address cannot be pointed
/// elsewhere, and `localhost` is never asked of DNS (RFC 6761; browsers
/// hard-wire it), while any other name may be one a page's owner makes
/// resolve to 127.0.0.1 to read the drafts ("DNS rebinding"). Names under
/// `.localhost` are refused too: nothing serve prints uses them, and a
/// resolver that predates RFC 6761 may ask the network for them.
fn is_local(host: &str, local: Option<IpAddr>) -> bool {
    let Some(name) = without_port(host) else {
        return false;
    };
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let ip = match name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        Some(v6) => v6.parse::<Ipv6Addr>().map(IpAddr::V6),
        None => name.parse::<Ipv4Addr>().map(IpAddr::V4),
    };
    ip.is_ok_and(|ip| {
        let ip = ip.to_canonical();
        ip.is_loopback() || (!ip.is_unspecified() && local.map(|l| l.to_canonical()) == Some(ip))
    })
}

/// `host` without its `:port`; `None` if the port is not a number.
fn without_port(host: &str) -> Option<&str> {
    match host.rfind(':') {
        // the colons of `[::1]` are no port
        Some(at) if !host[at..].contains(']') => {
            let port = &host[at + 1..];
            (port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit())).then_some(&host[..at])
        }
        _ => Some(host),
    }
}

/// A response with its length known; sent with `Connection: close`.
pub(super) struct Response {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Response {
    pub(super) fn new(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A short plain-text answer (refusals).
    pub(super) fn text(status: u16, text: &str) -> Response {
        Response::new(status)
            .header("Content-Type", "text/plain; charset=utf-8")
            .body(text.as_bytes().to_vec())
    }

    pub(super) fn header(mut self, name: &'static str, value: &str) -> Response {
        self.headers.push((name, value.to_owned()));
        self
    }

    pub(super) fn body(mut self, body: Vec<u8>) -> Response {
        self.body = body;
        self
    }

    /// The status line and headers, ending in the blank line.
    pub(super) fn head(&self) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            let _ = write!(out, "{name}: {value}\r\n");
        }
        // browsers take every answer for the type it names, never guess
        // HTML from a file's bytes
        let _ = write!(
            out,
            "X-Content-Type-Options: nosniff\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.body.len()
        );
        out.into_bytes()
    }

    pub(super) fn body_bytes(&self) -> &[u8] {
        &self.body
    }

    /// Head and, unless `head_only`, body.
    pub(super) fn into_bytes(self, head_only: bool) -> Vec<u8> {
        let mut out = self.head();
        if !head_only {
            out.extend_from_slice(&self.body);
        }
        out
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCAL: Option<IpAddr> = Some(IpAddr::V4(Ipv4Addr::new(192, 168, 1, 5)));

    #[test]
    fn only_names_no_page_can_borrow_are_local() {
        for host in [
            "localhost",
            "LocalHost:1111",
            "localhost:",
            "127.0.0.1",
            "127.0.0.1:8080",
            "127.0.0.2",
            "[::1]",
            "[::1]:1111",
            "[0:0:0:0:0:0:0:1]",
            "[::ffff:127.0.0.1]",
            "192.168.1.5:1111",
        ] {
            assert!(is_local(host, LOCAL), "{host}");
        }
        for host in [
            "",
            "evil.example",
            "evil.example:1111",
            "127.0.0.1.evil.example",
            "localhost.evil.example",
            "app.localhost",
            "localhost.",
            "localhost:x",
            "localhost:1111:1111",
            "::1",
            "[::1]x",
            "0.0.0.0",
            "192.168.1.6",
            "127.0.0.1@evil.example",
        ] {
            assert!(!is_local(host, LOCAL), "{host}");
        }
        assert!(!is_local("0.0.0.0", Some(IpAddr::V4(Ipv4Addr::UNSPECIFIED))));
        assert!(!is_local("192.168.1.5", None));
    }

    fn routed(head: &str) -> String {
        match route(head.as_bytes(), LOCAL) {
            Route::Reply(bytes) => String::from_utf8(bytes).unwrap(),
            Route::Events => "events".to_owned(),
            Route::File { target, head_only } => format!("file {target} {head_only}"),
        }
    }

    #[test]
    fn requests_are_routed_after_the_host_check() {
        assert_eq!(
            routed("GET /sv/ HTTP/1.1\r\nHost: localhost\r\n\r\n"),
            "file /sv/ false"
        );
        assert_eq!(routed("HEAD /x?y HTTP/1.1\nhost:127.0.0.1\n\n"), "file /x?y true");
        assert_eq!(routed("GET /sv/ HTTP/1.0\r\n\r\n"), "file /sv/ false");
        assert_eq!(
            routed("GET /__plansite/events HTTP/1.1\r\nHost: [::1]\r\n\r\n"),
            "events"
        );
        let forbidden = routed("GET /__plansite/events HTTP/1.1\r\nHost: evil.example\r\n\r\n");
        assert!(forbidden.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{forbidden}");
        let head = routed("HEAD / HTTP/1.1\r\nHost: evil.example\r\n\r\n");
        assert!(head.starts_with("HTTP/1.1 403") && head.ends_with("\r\n\r\n"), "{head}");
        let post = routed("POST / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assert!(
            post.starts_with("HTTP/1.1 405") && post.contains("\r\nAllow: GET, HEAD\r\n"),
            "{post}"
        );
        for bad in [
            "GET / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: localhost\r\n folded\r\n\r\n",
            "GET / HTTP/1.1\r\nHost : localhost\r\n\r\n",
            "GET / HTTP/2\r\nHost: localhost\r\n\r\n",
            "GET  / HTTP/1.1\r\nHost: localhost\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: local\0host\r\n\r\n",
        ] {
            assert!(routed(bad).starts_with("HTTP/1.1 400"), "{bad:?}");
        }
    }

    #[test]
    fn the_head_ends_at_the_first_blank_line() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nrest"), Some(27));
        assert_eq!(head_end(b"GET / HTTP/1.0\n\n"), Some(16));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n"), None);
        assert_eq!(event("error\na:1:1"), b"data: error\ndata: a:1:1\n\n");
        assert_eq!(
            event("x\r\rdata:reload\r\ny"),
            b"data: x\ndata: \ndata: data:reload\ndata: y\n\n"
        );
    }
}

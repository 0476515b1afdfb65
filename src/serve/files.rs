//! Answers from the site in memory: a request target becomes an output file
//! (percent-decoded, `index.html` for directories, anything that could leave
//! the output refused), served with its type and the live-reload script in
//! HTML; a directory without its slash is redirected to a path built from
//! the accepted segments only; anything else gets the site's 404 page.
//! Never reads the disk, never sees a connection.

use std::fmt::Write as _;
use std::sync::RwLock;

use super::State;
use super::http::Response;

/// The translators' page: every stale translation beside what changed in
/// its source (`plansite i18n diff --format html`), made when asked for.
pub(super) const TRANSLATIONS: &str = "/__plansite/translations/";

/// The answer to a GET (or HEAD) of `target` (path and query, as requested).
pub(super) fn answer(target: &str, state: &RwLock<State>) -> Response {
    let path = target.split(['?', '#']).next().unwrap_or("/");
    if path == TRANSLATIONS {
        let root = state.read().unwrap_or_else(|e| e.into_inner()).root.clone();
        let html = match crate::translation::diff::diff(&root, None, None, crate::translation::diff::Format::Html) {
            Ok(html) => html,
            Err(diagnostics) => {
                let errors: String = diagnostics.iter().map(|d| format!("{d}\n")).collect();
                return Response::text(500, &format!("the site cannot be read:\n{errors}"));
            }
        };
        return Response::new(200)
            .header("Content-Type", "text/html; charset=utf-8")
            .header("Cache-Control", "no-store")
            .body(inject_reload(html.into_bytes()));
    }
    let Some(file) = resolve_path(path) else {
        return not_found(state);
    };
    let s = state.read().unwrap_or_else(|e| e.into_inner());
    if let Some(bytes) = s.files.get(&file) {
        let content_type = content_type(&file);
        let bytes = if content_type.starts_with("text/html") {
            inject_reload(bytes.clone())
        } else {
            bytes.clone()
        };
        return Response::new(200)
            .header("Content-Type", content_type)
            .header("Cache-Control", "no-store")
            .body(bytes);
    }
    // a directory without its trailing slash: redirect, so relative links
    // resolve; to the path resolved, never the one requested (`//host`
    // would send the browser to another server)
    if s.files.contains_key(&format!("{file}/index.html")) {
        return Response::new(301).header("Location", &format!("/{}/", encode_path(&file)));
    }
    drop(s);
    not_found(state)
}

fn not_found(state: &RwLock<State>) -> Response {
    let page = state
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .files
        .get("404.html")
        .cloned()
        .unwrap_or_else(|| b"not found".to_vec());
    Response::new(404)
        .header("Content-Type", "text/html; charset=utf-8")
        .header("Cache-Control", "no-store")
        .body(inject_reload(page))
}

/// Maps a URL path to an output file: percent-decoded, `index.html` for
/// directories; `None` for anything that could leave the output (`..`,
/// backslashes, control characters, absolute or empty segments).
fn resolve_path(url_path: &str) -> Option<String> {
    let decoded = percent_decode(url_path)?;
    let trimmed = decoded.strip_prefix('/')?;
    let mut segments = Vec::new();
    for segment in trimmed.split('/') {
        match segment {
            "" => {}
            "." | ".." => return None,
            s if s.contains(['\\', ':']) || s.chars().any(char::is_control) => return None,
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

/// A resolved path as a URL path: `/` between segments kept, every byte
/// but letters, digits and `-._~` percent-encoded.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
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
        Some("epub") => "application/epub+zip",
        _ => "application/octet-stream",
    }
}

/// The live-reload client: reloads on `reload`, shows build errors as an
/// overlay, which links to the translators' page.
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
    box.textContent = rest.join("\n") + "\n\n";
    const link = document.createElement("a");
    link.href = "/__plansite/translations/";
    link.textContent = "stale translations: what changed in their sources";
    box.append(link);
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
        assert_eq!(resolve_path("//sv").as_deref(), Some("sv"));
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/x",
            "/sv/%2E%2E/%2e%2e/x",
            "/a\\b",
            "/%00",
            "/a%0d%0aSet-Cookie:x",
            "relative",
            "/C:/x",
            "/%zz",
        ] {
            assert_eq!(resolve_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_directory_redirects_to_its_resolved_path() {
        let state = RwLock::new(State::default());
        state
            .write()
            .unwrap()
            .files
            .insert("sv/å b/index.html".to_owned(), b"<p>x</p>".to_vec());
        for (target, location) in [
            ("/sv/%C3%A5%20b", "/sv/%C3%A5%20b/"),
            ("//sv/%C3%A5%20b?q", "/sv/%C3%A5%20b/"),
            ("/%2Fsv//%C3%A5%20b", "/sv/%C3%A5%20b/"),
        ] {
            let head = String::from_utf8(answer(target, &state).head()).unwrap();
            assert!(head.starts_with("HTTP/1.1 301"), "{head}");
            assert!(
                head.contains(&format!("\r\nLocation: {location}\r\n")),
                "{target}: {head}"
            );
        }
    }

    #[test]
    fn reload_script_goes_before_body_end() {
        let html = inject_reload(b"<html><body><p>x</p></body></html>".to_vec());
        let html = String::from_utf8(html).unwrap();
        assert!(html.contains("<p>x</p><script>"));
        assert!(html.ends_with("</script></body></html>"));
    }

    #[test]
    fn the_error_overlay_links_to_the_translators_page() {
        assert!(RELOAD_SCRIPT.contains(&format!("link.href = \"{TRANSLATIONS}\"")));
    }
}

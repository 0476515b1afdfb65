//! The link policy: which URLs the site may point to.
//!
//! Every `href` and `src` that comes from content, entity facts,
//! configuration or interface strings is classified here, once: a page of
//! the site (`@/id#heading`), a heading of the same page (`#heading`), a
//! file in `content/` by relative path, or a URL with the scheme `http`,
//! `https`, `mailto` or `tel`. Anything else — `javascript:`, `data:`,
//! `//host`, a path from the site root, a control character a browser
//! would strip before reading the scheme — is refused with a message and a
//! hint, and the caller turns that into a diagnostic at the URL's place.
//! The renderer asks the same question again and drops what is refused, so
//! even a caller that forgot to report cannot publish it.
//!
//! Pure functions of the string; nothing here knows about files or pages.

use crate::source::slug;

/// What a link destination points to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dest<'a> {
    /// Another page of the site, by id: `@/partners/oulu#syfte`.
    Page { id: &'a str, anchor: Option<&'a str> },
    /// A heading of the same page: `#syfte`.
    Fragment(&'a str),
    /// A file by a path relative to the page's file: `karta.png`, `oulu/karta.png`.
    Relative(&'a str),
    /// `http://` or `https://`: another site.
    Web,
    /// `mailto:`
    Mail,
    /// `tel:`
    Tel,
}

/// Why a destination is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub message: String,
    pub hint: String,
}

const HINT: &str = "link to a page with `@/id`, to a heading with `#id`, to a file in content/ by its relative path, or to an http, https, mailto or tel URL";

fn refused(message: String, hint: impl Into<String>) -> Refused {
    Refused {
        message,
        hint: hint.into(),
    }
}

/// Classifies a link or image destination as written in Markdown (after
/// the Markdown parser decoded its entities and escapes).
pub fn classify(dest: &str) -> Result<Dest<'_>, Refused> {
    let shown = shown(dest);
    if dest.is_empty() {
        return Err(refused("empty link destination".to_owned(), HINT));
    }
    // browsers strip C0 controls and spaces around a URL and tabs and
    // newlines inside it before they read the scheme: `java\tscript:`
    if dest.chars().any(|c| c.is_control()) {
        return Err(refused(
            format!("link `{shown}` contains a control character"),
            "remove the invisible character (it often comes with pasted text)",
        ));
    }
    // a browser strips spaces around a URL before it reads the scheme:
    // `< javascript:…>`
    if dest.starts_with(char::is_whitespace) || dest.ends_with(char::is_whitespace) {
        return Err(refused(
            format!("link `{shown}` starts or ends with a space"),
            "remove the space; write a space inside a path as `%20`",
        ));
    }
    if let Some(rest) = dest.strip_prefix("@/") {
        let (id, anchor) = page_link(rest).map_err(|message| {
            refused(
                format!("`{shown}` is not a page id: {message}"),
                "write links to pages as `@/section/slug` or `@/section/slug#heading`",
            )
        })?;
        return Ok(Dest::Page { id, anchor });
    }
    if let Some(fragment) = dest.strip_prefix('#') {
        if fragment.is_empty() || fragment.contains(char::is_whitespace) {
            return Err(refused(format!("`{shown}` is not a heading id"), HINT));
        }
        return Ok(Dest::Fragment(fragment));
    }
    if dest.contains('\\') {
        return Err(refused(
            format!("link `{shown}` contains a backslash"),
            "browsers read `\\` as `/`; write `/` in paths",
        ));
    }
    if dest.starts_with("//") {
        return Err(refused(
            format!("link `{shown}` names another host without a scheme"),
            "write the whole address, e.g. `https://…`",
        ));
    }
    if dest.starts_with('/') {
        return Err(refused(
            format!("link `{shown}` starts at the root of the web server"),
            "the site works under any sub-path and from disk: link to pages with `@/id`",
        ));
    }
    match scheme(dest) {
        // a colon before the first `/` is where a browser looks for a
        // scheme; a relative path cannot have one there (RFC 3986, 4.2)
        None if colon_before_slash(dest) => Err(refused(
            format!("link `{shown}` has a colon where a scheme would stand"),
            "write the colon as `%3A`, or start the path with `./`",
        )),
        None => Ok(Dest::Relative(dest)),
        Some(scheme) => match scheme.to_ascii_lowercase().as_str() {
            "http" | "https" => web(dest).map(|()| Dest::Web),
            "mailto" if dest.len() > "mailto:".len() => Ok(Dest::Mail),
            "tel" if dest.len() > "tel:".len() => Ok(Dest::Tel),
            "mailto" | "tel" => Err(refused(format!("link `{shown}` has nothing after its scheme"), HINT)),
            other => Err(refused(
                format!("links with the scheme `{other}:` are not allowed"),
                HINT,
            )),
        },
    }
}

/// An `http(s)://` URL with a host, and nothing a header, a robots.txt
/// line or an attribute could be broken with.
fn web(url: &str) -> Result<(), Refused> {
    // `https:evil.example/https://x.org` has its `//` later: only right
    // after the scheme's colon does it start a host
    let rest = url.split_once(':').and_then(|(_, rest)| rest.strip_prefix("//"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    match host {
        Some(host) if !host.is_empty() && !host.contains(['@', ' ', '<', '>', '"']) => Ok(()),
        Some(host) if host.contains('@') => Err(refused(
            format!("link `{}` carries a user name or password", shown(url)),
            "write the address without `user@`",
        )),
        _ => Err(refused(
            format!("`{}` is not an http(s) address with a host", shown(url)),
            "e.g. `https://www.lulea.se/`",
        )),
    }
}

/// The scheme of an absolute URL (`javascript` in `javascript:…`), as a
/// browser reads it: letters, digits, `+`, `-`, `.` before the first `:`,
/// starting with a letter, with no `/`, `?` or `#` before it.
fn scheme(url: &str) -> Option<&str> {
    let end = url.find(':')?;
    let scheme = &url[..end];
    let mut chars = scheme.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    (starts_with_letter && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))).then_some(scheme)
}

fn colon_before_slash(url: &str) -> bool {
    let first = url.split(['/', '?', '#']).next().unwrap_or("");
    first.contains(':')
}

/// The id and heading of `@/id#heading` (given without `@/`).
fn page_link(rest: &str) -> Result<(&str, Option<&str>), String> {
    let (id, anchor) = match rest.split_once('#') {
        Some((id, anchor)) => (id, Some(anchor)),
        None => (rest, None),
    };
    let id = id.trim_end_matches('/');
    slug::check_id(id)?;
    if let Some(anchor) = anchor
        && (anchor.is_empty() || anchor.contains(char::is_whitespace))
    {
        return Err("its heading is empty or malformed".to_owned());
    }
    Ok((id, anchor))
}

/// A link is shown in messages as written, but never with its control characters.
fn shown(dest: &str) -> String {
    dest.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

/// The base URL of the site (`site.base_url`, `--base-url`): absolute http(s),
/// with a host, nothing after the path, and no character that would end a
/// line of robots.txt or an attribute.
pub fn check_base_url(url: &str) -> Result<(), Refused> {
    let hint = "e.g. `https://www.example.org/international/`";
    let bad = |why: &str| refused(format!("base URL `{}` {why}", shown(url)), hint);
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(bad("contains a space or a control character"));
    }
    if !matches!(
        scheme(url).map(str::to_ascii_lowercase).as_deref(),
        Some("http" | "https")
    ) {
        return Err(bad("is not an absolute http(s) URL"));
    }
    if url.contains(['?', '#', '"', '<', '>', '\\', '\'']) {
        return Err(bad("may hold only a path after the host"));
    }
    web(url).map_err(|_| bad("has no host"))
}

/// An entity's `website` or a licence's `url`: an address on the web,
/// without the spaces, quotes and angle brackets no URL holds (a browser
/// would take it apart, or the text around it for part of it).
pub fn check_website(url: &str) -> Result<(), Refused> {
    if url
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, '"' | '<' | '>' | '\\'))
    {
        return Err(refused(
            format!("address `{}` holds a space, a quote, `<`, `>` or `\\`", shown(url)),
            "write a space as %20; e.g. `https://www.ouka.fi/`",
        ));
    }
    match classify(url) {
        Ok(Dest::Web) => Ok(()),
        Err(refused) if url.contains("://") => Err(refused),
        _ => Err(refused(
            format!("website `{}` is not an http(s) address", shown(url)),
            "e.g. `https://www.ouka.fi/`",
        )),
    }
}

/// An address on the web (`http` or `https`), checked when it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUrl(String);

impl WebUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> serde::Deserialize<'de> for WebUrl {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let url = String::deserialize(deserializer)?;
        match check_website(&url) {
            Ok(()) => Ok(WebUrl(url)),
            Err(refused) => Err(serde::de::Error::custom(format!(
                "{} ({})",
                refused.message, refused.hint
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_destinations() {
        assert_eq!(
            classify("@/partners/oulu#syfte"),
            Ok(Dest::Page {
                id: "partners/oulu",
                anchor: Some("syfte")
            })
        );
        assert_eq!(classify("@/"), Ok(Dest::Page { id: "", anchor: None }));
        assert_eq!(classify("#mål"), Ok(Dest::Fragment("mål")));
        assert_eq!(classify("karta.png"), Ok(Dest::Relative("karta.png")));
        assert_eq!(
            classify("../bilder/karta.png"),
            Ok(Dest::Relative("../bilder/karta.png"))
        );
        assert_eq!(classify("./a:b.png"), Ok(Dest::Relative("./a:b.png")));
        assert_eq!(classify("https://www.ouka.fi/"), Ok(Dest::Web));
        assert_eq!(classify("HTTP://x.org"), Ok(Dest::Web));
        assert_eq!(classify("mailto:info@lulea.se"), Ok(Dest::Mail));
        assert_eq!(classify("tel:+46920453000"), Ok(Dest::Tel));
    }

    #[test]
    fn refused_destinations() {
        for bad in [
            "",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "java\tscript:alert(1)",
            "\u{1}javascript:alert(1)",
            "vbscript:x",
            "data:text/html,<script>alert(1)</script>",
            "file:///etc/passwd",
            "//evil.example/",
            "\\\\evil.example",
            "/\\evil.example",
            "/etc/passwd",
            "https://",
            "https://user:pw@evil.example/",
            "http:evil.example",
            "mailto:",
            "@/../secret",
            "@//etc/passwd",
            "@/Partners/Oulu",
            "@/a#",
            "#",
            " javascript:alert(1)",
            "javascript:alert(1) ",
            "%20javascript:alert(1)",
            "..x:alert(1)",
            ":/partners/oulu",
            "https:evil.example/https://x.org",
        ] {
            assert!(classify(bad).is_err(), "{bad:?} should be refused");
        }
        let refused = classify("javascript:alert(1)").unwrap_err();
        assert_eq!(refused.message, "links with the scheme `javascript:` are not allowed");
    }

    #[test]
    fn base_urls() {
        assert!(check_base_url("https://www.lulea.se/internationellt/").is_ok());
        assert!(check_base_url("http://localhost:1111/").is_ok());
        for bad in [
            "www.lulea.se",
            "https://x.org/\nDisallow: /",
            "https://x.org/ a",
            "javascript:alert(1)//https://",
            "https:///path",
            "https://x.org/?q=1",
            "https://x.org/\"><script>",
        ] {
            assert!(check_base_url(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn websites_are_web_addresses() {
        assert!(check_website("https://www.ouka.fi/").is_ok());
        assert!(check_website("javascript:alert(1)").is_err());
        assert!(check_website("mailto:a@b.c").is_err());
        assert!(check_website("ouka.fi").is_err());
        for url in [
            "https://example.com/ onmouseover=alert(1)",
            "https://example.com/\u{2028}",
            "https://example.com/\"><script>",
            "https://example.com/a\\b",
            "https://example.com/\u{a0}",
        ] {
            assert!(check_website(url).is_err(), "{url:?}");
        }
        assert!(check_website("https://example.com/a%20b?q=1&r=2#x").is_ok());
    }
}

//! URLs of output files: where each page lives, relative links between
//! output files, absolute URLs from the base URL, and the fingerprinted
//! names of assets.
//!
//! Every path here is relative to the output root and uses `/`. A page's
//! directory path ends in `/` ("sv/partners/oulu/"); the home page of a
//! language is "sv/"; the site root is "".

use sha2::{Digest, Sha256};

/// Directory of the page `id` in `lang`.
pub fn page_dir(lang: &str, id: &str) -> String {
    if id.is_empty() {
        format!("{lang}/")
    } else {
        format!("{lang}/{id}/")
    }
}

/// Relative URL from a file in directory `from_dir` to the output path `to`
/// (a file, or a directory ending in `/`).
pub fn relative(from_dir: &str, to: &str) -> String {
    match to.rsplit_once('/') {
        Some((dirs, file)) => relative_to(from_dir, dirs.split('/'), file),
        None => relative_to(from_dir, std::iter::empty(), to),
    }
}

/// Relative link to a page directory: `…/index.html` or `…/`.
pub fn link_to_dir(from_dir: &str, to_dir: &str, index_html: bool) -> String {
    let dirs = to_dir.split('/').filter(|s| !s.is_empty());
    relative_to(from_dir, dirs, if index_html { "index.html" } else { "" })
}

/// [`link_to_dir`] to the page directory of `id` in `lang` ([`page_dir`]).
pub fn link_to_page(from_dir: &str, lang: &str, id: &str, index_html: bool) -> String {
    let dirs = std::iter::once(lang).chain(id.split('/')).filter(|s| !s.is_empty());
    relative_to(from_dir, dirs, if index_html { "index.html" } else { "" })
}

/// Relative URL from directory `from_dir` to `file` in the directory whose
/// segments are `to_dirs` (made for every link of every page: nothing is
/// collected but the URL).
fn relative_to<'a>(from_dir: &str, to_dirs: impl Iterator<Item = &'a str>, file: &str) -> String {
    let mut from = from_dir.split('/').filter(|s| !s.is_empty()).peekable();
    let mut dirs = to_dirs.peekable();
    while from.peek().is_some() && from.peek() == dirs.peek() {
        from.next();
        dirs.next();
    }
    let mut out = String::with_capacity(from_dir.len() + file.len() + 16);
    for _ in from {
        out.push_str("../");
    }
    for dir in dirs {
        out.push_str(dir);
        out.push('/');
    }
    out.push_str(file);
    if out.is_empty() { "./".to_owned() } else { out }
}

/// Absolute URL of an output path under the base URL.
pub fn absolute(base_url: &str, path: &str) -> String {
    format!("{}/{}", base_url.trim_end_matches('/'), path)
}

/// `name.ext` -> `name.<hash>.ext`
pub fn fingerprinted(path: &str, bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let hex: String = hash.iter().take(5).map(|b| format!("{b:02x}")).collect();
    match path.rsplit_once('.') {
        Some((stem, ext)) if !stem.ends_with('/') => format!("{stem}.{hex}.{ext}"),
        _ => format!("{path}.{hex}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_links_between_pages() {
        assert_eq!(
            relative("sv/partners/oulu/", "sv/networks/sern/index.html"),
            "../../networks/sern/index.html"
        );
        assert_eq!(
            relative("sv/partners/oulu/", "assets/main.css"),
            "../../../assets/main.css"
        );
        assert_eq!(relative("sv/", "fi/"), "../fi/");
        assert_eq!(relative("sv/plan/", "sv/plan/"), "./");
        assert_eq!(relative("", "sv/index.html"), "sv/index.html");
        assert_eq!(relative("sv/a/b/", "index.html"), "../../../index.html");
        assert_eq!(relative("sv/a/", "sv/a/b/c/"), "b/c/");
        assert_eq!(relative("sv/a/", "sv/b/x.png"), "../b/x.png");
        assert_eq!(link_to_dir("sv/a/", "sv/a/b/", true), "b/index.html");
    }

    #[test]
    fn a_link_to_a_page_is_the_link_to_its_directory() {
        let froms = ["", "sv/", "sv/a/", "sv/a/b/", "fi/a/", "en/x/y/z/"];
        let targets = [
            ("sv", ""),
            ("sv", "a"),
            ("sv", "a/b"),
            ("fi", "a"),
            ("en", "x/y"),
            ("sv", "b/c/d"),
        ];
        for from in froms {
            for (lang, id) in targets {
                for index_html in [false, true] {
                    assert_eq!(
                        link_to_page(from, lang, id, index_html),
                        link_to_dir(from, &page_dir(lang, id), index_html),
                        "from {from:?} to {lang}/{id}"
                    );
                }
            }
        }
        assert_eq!(link_to_page("sv/a/", "sv", "a", false), "./");
        assert_eq!(link_to_page("sv/a/", "sv", "a", true), "index.html");
        assert_eq!(link_to_page("sv/a/b/", "fi", "", false), "../../../fi/");
    }

    #[test]
    fn absolute_urls_join_once() {
        assert_eq!(absolute("https://x.org/intl/", "sv/"), "https://x.org/intl/sv/");
        assert_eq!(absolute("https://x.org", "sitemap.xml"), "https://x.org/sitemap.xml");
    }
}

//! Machine-readable outputs: `sitemap.xml` with hreflang alternates,
//! `robots.txt`, and an Atom feed per language for each feed section.
//! All URLs here are absolute (from the base URL), as these formats need.

use crate::diagnostics::Diagnostic;
use crate::escape;
use crate::render::{Emit, OutputFile};
use crate::site::Site;
use crate::source::load::SourcePage;
use crate::urls;

/// One sitemap file's limits: the protocol's 50 000 URLs, and fewer bytes
/// than its 50 MB, so that a large site's sitemap is never held whole (a
/// file is written once it is full).
const SITEMAP_URLS: usize = 50_000;
const SITEMAP_BYTES: usize = 10 * 1024 * 1024;

/// `sitemap.xml`: every page in every language with its alternates. A site
/// beyond one file's limits gets `sitemap.xml` as an index of
/// `sitemap-1.xml`, `sitemap-2.xml`, …. Each file goes to `emit` once it is
/// full.
pub fn sitemap(site: &Site, emit: &Emit) {
    let base = &site.config.site.base_url;
    let mut sitemaps = Sitemaps::new(SITEMAP_URLS, SITEMAP_BYTES, emit);
    let mut xml = String::new();
    let mut entry = |id: &str, langs: &[&String], lastmod: Option<String>| {
        // each version's address, made once and used in every version's entry
        let hrefs: Vec<String> = langs
            .iter()
            .map(|lang| escape::xml(&urls::absolute(base, &urls::page_dir(lang, id))))
            .collect();
        let x_default = langs.iter().position(|l| *l == site.source_lang());
        for href in &hrefs {
            xml.clear();
            xml.push_str(&format!("  <url>\n    <loc>{href}</loc>\n"));
            if let Some(date) = &lastmod {
                xml.push_str(&format!("    <lastmod>{date}</lastmod>\n"));
            }
            for (alt, alt_href) in langs.iter().zip(&hrefs) {
                xml.push_str(&format!(
                    "    <xhtml:link rel=\"alternate\" hreflang=\"{alt}\" href=\"{alt_href}\"/>\n"
                ));
            }
            if let Some(source) = x_default {
                xml.push_str(&format!(
                    "    <xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"{}\"/>\n",
                    hrefs[source]
                ));
            }
            xml.push_str("  </url>\n");
            sitemaps.push(&xml);
        }
    };
    for (id, versions) in &site.ids {
        let langs: Vec<&String> = site.languages().iter().filter(|l| versions.contains_key(*l)).collect();
        let lastmod = versions
            .values()
            .filter_map(|ix| site.pages[*ix].front.updated.or(site.pages[*ix].front.date))
            .max()
            .filter(|d| d.day.is_some())
            .map(|d| d.to_string());
        entry(id, &langs, lastmod);
    }
    let all: Vec<&String> = site.languages().iter().collect();
    if site.config.build.open_data {
        entry(crate::render::data::PAGE_ID, &all, None);
    }
    for taxonomy in &site.config.site.taxonomies {
        entry(taxonomy, &all, None);
        for term in site.terms.get(taxonomy.as_str()).into_iter().flat_map(|t| t.keys()) {
            entry(&format!("{taxonomy}/{term}"), &all, None);
        }
    }
    sitemaps.finish(base)
}

/// The sitemap's files, filled one `<url>` element at a time: one
/// `sitemap.xml`, or, beyond `max_urls` or `max_bytes` in one file, files
/// within both and `sitemap.xml` as their index. A full file goes to
/// `emit` at once, except the first, which is `sitemap.xml` itself unless a
/// second one follows.
struct Sitemaps<'e> {
    max_urls: usize,
    max_bytes: usize,
    emit: &'e Emit<'e>,
    first: Option<String>,
    files: usize,
    current: String,
    count: usize,
}

impl<'e> Sitemaps<'e> {
    const HEAD: &'static str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n";
    const TAIL: &'static str = "</urlset>\n";

    fn new(max_urls: usize, max_bytes: usize, emit: &'e Emit<'e>) -> Self {
        Sitemaps {
            max_urls,
            max_bytes,
            emit,
            first: None,
            files: 0,
            current: String::from(Self::HEAD),
            count: 0,
        }
    }

    fn push(&mut self, url: &str) {
        if self.count > 0
            && (self.count == self.max_urls || self.current.len() + url.len() + Self::TAIL.len() > self.max_bytes)
        {
            self.current.push_str(Self::TAIL);
            let full = std::mem::replace(&mut self.current, String::from(Self::HEAD));
            self.files += 1;
            match self.first.take() {
                // a second file: the first is `sitemap-1.xml` after all
                Some(first) => {
                    (self.emit)(OutputFile::new("sitemap-1.xml", first));
                    (self.emit)(OutputFile::new(format!("sitemap-{}.xml", self.files), full));
                }
                None if self.files == 1 => self.first = Some(full),
                None => (self.emit)(OutputFile::new(format!("sitemap-{}.xml", self.files), full)),
            }
            self.count = 0;
        }
        self.current.push_str(url);
        self.count += 1;
    }

    fn finish(mut self, base: &str) {
        self.current.push_str(Self::TAIL);
        if self.files == 0 {
            return (self.emit)(OutputFile::new("sitemap.xml", self.current));
        }
        if let Some(first) = self.first.take() {
            (self.emit)(OutputFile::new("sitemap-1.xml", first));
        }
        self.files += 1;
        (self.emit)(OutputFile::new(format!("sitemap-{}.xml", self.files), self.current));
        let mut index = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for n in 1..=self.files {
            index.push_str(&format!(
                "  <sitemap>\n    <loc>{}</loc>\n  </sitemap>\n",
                escape::xml(&urls::absolute(base, &format!("sitemap-{n}.xml")))
            ));
        }
        index.push_str("</sitemapindex>\n");
        (self.emit)(OutputFile::new("sitemap.xml", index));
    }
}

pub fn robots(site: &Site) -> OutputFile {
    OutputFile::new(
        "robots.txt",
        format!(
            "User-agent: *\nAllow: /\n\nSitemap: {}\n",
            urls::absolute(&site.config.site.base_url, "sitemap.xml")
        ),
    )
}

/// One Atom feed per language and feed section, newest entries first; a
/// feed with an entry whose `content` cannot be made is left out, and the
/// problem returned.
pub fn atom_feeds(
    site: &Site,
    content: &dyn Fn(&SourcePage) -> Result<String, Diagnostic>,
) -> (Vec<OutputFile>, Vec<Diagnostic>) {
    let base = &site.config.site.base_url;
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for section in &site.config.site.feeds {
        let Some(children) = site.children.get(section.as_str()) else {
            continue;
        };
        'feeds: for lang in site.languages() {
            let Some(section_page) = site.version(section, lang) else {
                continue;
            };
            let mut entries: Vec<&SourcePage> = children
                .iter()
                .filter_map(|id| site.ids[id].get(lang).map(|ix| &site.pages[*ix]))
                .filter(|p| p.front.date.is_some())
                .collect();
            entries.sort_by(|a, b| (b.front.date, &a.id).cmp(&(a.front.date, &b.id)));
            entries.truncate(site.config.site.feed_limit.0);
            let dir = urls::page_dir(lang, section);
            let feed_url = urls::absolute(base, &format!("{dir}atom.xml"));
            let updated = entries.iter().filter_map(|p| p.front.updated.or(p.front.date)).max();
            let mut xml = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{lang}\">\n"
            );
            xml.push_str(&format!(
                "  <title>{} – {}</title>\n",
                escape::xml(&section_page.front.title),
                escape::xml(site.config.site.title.get(lang, site.source_lang()))
            ));
            xml.push_str(&format!("  <id>{}</id>\n", escape::xml(&feed_url)));
            xml.push_str(&format!(
                "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
                escape::xml(&feed_url)
            ));
            xml.push_str(&format!(
                "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
                escape::xml(&urls::absolute(base, &dir))
            ));
            xml.push_str(&format!(
                "  <updated>{}</updated>\n",
                updated.map_or_else(|| "1970-01-01".to_owned(), |d| d.iso_full()) + "T00:00:00Z"
            ));
            xml.push_str(&format!(
                "  <author><name>{}</name></author>\n",
                escape::xml(site.config.author(lang))
            ));
            for page in entries {
                let page_url = urls::absolute(base, &urls::page_dir(lang, &page.id));
                let date = page.front.date.map(|d| d.iso_full()).unwrap_or_default();
                let updated = page.front.updated.map_or_else(|| date.clone(), |d| d.iso_full());
                xml.push_str(&format!("  <entry xml:base=\"{}\">\n", escape::xml(&page_url)));
                xml.push_str(&format!("    <title>{}</title>\n", escape::xml(&page.front.title)));
                xml.push_str(&format!("    <id>{}</id>\n", escape::xml(&page_url)));
                xml.push_str(&format!(
                    "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
                    escape::xml(&page_url)
                ));
                xml.push_str(&format!(
                    "    <published>{date}T00:00:00Z</published>\n    <updated>{updated}T00:00:00Z</updated>\n"
                ));
                if let Some(description) = &page.front.description {
                    xml.push_str(&format!("    <summary>{}</summary>\n", escape::xml(description)));
                }
                let html = match content(page) {
                    Ok(html) => html,
                    Err(problem) => {
                        problems.push(problem);
                        continue 'feeds;
                    }
                };
                xml.push_str(&format!(
                    "    <content type=\"html\">{}</content>\n",
                    escape::xml(&html)
                ));
                xml.push_str("  </entry>\n");
            }
            xml.push_str("</feed>\n");
            files.push(OutputFile::new(format!("{dir}atom.xml"), xml));
        }
    }
    (files, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `urls` through [`Sitemaps`]: the files in the order they were made.
    fn sitemap_files(base: &str, urls: &[String], max_urls: usize, max_bytes: usize) -> Vec<OutputFile> {
        let files = std::sync::Mutex::new(Vec::new());
        let emit = |file| files.lock().unwrap().push(file);
        let mut sitemaps = Sitemaps::new(max_urls, max_bytes, &emit);
        for url in urls {
            sitemaps.push(url);
        }
        sitemaps.finish(base);
        files.into_inner().unwrap()
    }

    fn url(n: usize) -> String {
        format!("  <url>\n    <loc>https://x.org/{n}/</loc>\n  </url>\n")
    }

    fn locs(xml: &str) -> Vec<String> {
        roxmltree::Document::parse(xml)
            .unwrap()
            .descendants()
            .filter(|n| n.has_tag_name("loc"))
            .map(|n| n.text().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn a_site_within_the_limits_has_one_sitemap() {
        let urls: Vec<String> = (0..3).map(url).collect();
        let files = sitemap_files("https://x.org/", &urls, 3, 1 << 20);
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].path, "sitemap.xml");
        assert_eq!(locs(std::str::from_utf8(&files[0].bytes).unwrap()).len(), 3);
    }

    #[test]
    fn beyond_the_limits_an_index_names_files_within_them() {
        let urls: Vec<String> = (0..7).map(url).collect();
        // the size of a file of two URLs
        let two = sitemap_files("https://x.org/", &urls[..2], 100, usize::MAX)[0]
            .bytes
            .len();
        for (max_urls, max_bytes, expected) in [(3, 1 << 20, vec![3, 3, 1]), (100, two, vec![2, 2, 2, 1])] {
            let files = sitemap_files("https://x.org/", &urls, max_urls, max_bytes);
            let (index, parts) = files.split_last().unwrap();
            assert_eq!(index.path, "sitemap.xml");
            let names: Vec<String> = (1..=parts.len())
                .map(|n| format!("https://x.org/sitemap-{n}.xml"))
                .collect();
            assert_eq!(locs(std::str::from_utf8(&index.bytes).unwrap()), names);
            let mut all = Vec::new();
            for (n, part) in parts.iter().enumerate() {
                assert_eq!(part.path, format!("sitemap-{}.xml", n + 1));
                assert!(part.bytes.len() <= max_bytes, "{} bytes", part.bytes.len());
                all.push(locs(std::str::from_utf8(&part.bytes).unwrap()));
            }
            assert_eq!(all.iter().map(Vec::len).collect::<Vec<_>>(), expected);
            // every URL once, in order
            let flat: Vec<String> = all.concat();
            assert_eq!(flat, (0..7).map(|n| format!("https://x.org/{n}/")).collect::<Vec<_>>());
        }
    }
}

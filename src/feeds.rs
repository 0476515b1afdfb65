//! Machine-readable outputs: `sitemap.xml` with hreflang alternates,
//! `robots.txt`, and an Atom feed per language for each feed section.
//! All URLs here are absolute (from the base URL), as these formats need.

use crate::escape;
use crate::load::SourcePage;
use crate::render::OutputFile;
use crate::site::Site;
use crate::urls;

pub fn sitemap(site: &Site) -> OutputFile {
    let base = &site.config.site.base_url;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    let mut entry = |id: &str, langs: &[&String], lastmod: Option<String>| {
        for lang in langs {
            xml.push_str(&format!(
                "  <url>\n    <loc>{}</loc>\n",
                escape::xml(&urls::absolute(base, &urls::page_dir(lang, id)))
            ));
            if let Some(date) = &lastmod {
                xml.push_str(&format!("    <lastmod>{date}</lastmod>\n"));
            }
            for alt in langs {
                xml.push_str(&format!(
                    "    <xhtml:link rel=\"alternate\" hreflang=\"{alt}\" href=\"{}\"/>\n",
                    escape::xml(&urls::absolute(base, &urls::page_dir(alt, id)))
                ));
            }
            if langs.iter().any(|l| *l == site.source_lang()) {
                xml.push_str(&format!(
                    "    <xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"{}\"/>\n",
                    escape::xml(&urls::absolute(base, &urls::page_dir(site.source_lang(), id)))
                ));
            }
            xml.push_str("  </url>\n");
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
    for taxonomy in &site.config.site.taxonomies {
        entry(taxonomy, &all, None);
        for term in site.terms.get(taxonomy.as_str()).into_iter().flat_map(|t| t.keys()) {
            entry(&format!("{taxonomy}/{term}"), &all, None);
        }
    }
    xml.push_str("</urlset>\n");
    OutputFile::new("sitemap.xml", xml)
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

/// One Atom feed per language and feed section, newest entries first.
pub fn atom_feeds(site: &Site, content: &dyn Fn(&SourcePage) -> String) -> Vec<OutputFile> {
    let base = &site.config.site.base_url;
    let mut files = Vec::new();
    for section in &site.config.site.feeds {
        let Some(children) = site.children.get(section.as_str()) else {
            continue;
        };
        for lang in site.languages() {
            let Some(section_page) = site.version(section, lang) else {
                continue;
            };
            let mut entries: Vec<&SourcePage> = children
                .iter()
                .filter_map(|id| site.ids[id].get(lang).map(|ix| &site.pages[*ix]))
                .filter(|p| p.front.date.is_some())
                .collect();
            entries.sort_by(|a, b| (b.front.date, &a.id).cmp(&(a.front.date, &b.id)));
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
                escape::xml(&site.config.site.author)
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
                xml.push_str(&format!(
                    "    <content type=\"html\">{}</content>\n",
                    escape::xml(&content(page))
                ));
                xml.push_str("  </entry>\n");
            }
            xml.push_str("</feed>\n");
            files.push(OutputFile::new(format!("{dir}atom.xml"), xml));
        }
    }
    files
}

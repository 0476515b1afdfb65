//! Feeds and the sitemap are read by programs that reject a whole file for
//! one character XML does not allow: they must parse with a real XML
//! parser, whatever the content holds.

use crate::common::Site;

#[test]
fn feeds_and_sitemap_parse_with_characters_xml_forbids_in_the_content() {
    let site = Site::fixture("dates");
    site.write(
        "content/news/event.sv.md",
        "---\ntitle: \"Händelse\u{b} sv\"\ndescription: \"Sida\u{c}brytning & <mer>\"\ndate: 2021-10-07\n---\nText\u{b} med\u{1} tecken.\n",
    );
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("warning: invisible character U+000B removed\n --> content/news/event.sv.md:2:17\n"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr.matches("warning: invisible character").count(),
        4,
        "{}",
        run.stderr
    );
    for file in ["sv/news/atom.xml", "sitemap.xml"] {
        let xml = site.output(file);
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{file}: {e}\n{xml}"));
        assert!(doc.root_element().has_children());
    }
    let feed = site.output("sv/news/atom.xml");
    assert!(feed.contains("<title>Händelse sv</title>"), "{feed}");
    assert!(feed.contains("Sidabrytning &amp; &lt;mer&gt;"), "{feed}");
    let page = site.output("sv/news/event/index.html");
    assert!(!page.contains(['\u{b}', '\u{c}', '\u{1}']));
}

/// A feed carries the newest `feed_limit` entries; a limit of none is an
/// error at its place.
#[test]
fn feeds_carry_the_newest_entries_up_to_the_limit() {
    let site = Site::fixture("dates");
    let entries = |site: &Site| {
        let xml = site.output("fi/news/atom.xml");
        let doc = roxmltree::Document::parse(&xml).unwrap();
        doc.descendants()
            .filter(|n| n.has_tag_name("entry"))
            .map(|n| {
                n.attribute(("http://www.w3.org/XML/1998/namespace", "base"))
                    .unwrap()
                    .to_owned()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(site.build().code, 0);
    assert_eq!(
        entries(&site),
        [
            "https://example.org/intl/fi/news/event/",
            "https://example.org/intl/fi/news/older/"
        ]
    );
    let book = std::fs::read_to_string(site.root().join("book.toml")).unwrap();
    site.write("book.toml", &book.replace("[site]\n", "[site]\nfeed_limit = 1\n"));
    assert_eq!(site.build().code, 0);
    assert_eq!(entries(&site), ["https://example.org/intl/fi/news/event/"]);

    site.write("book.toml", &book.replace("[site]\n", "[site]\nfeed_limit = 0\n"));
    let run = site.build();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("a feed carries at least one entry") && run.stderr.contains("--> book.toml:2:14"),
        "{}",
        run.stderr
    );
}

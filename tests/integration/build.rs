//! Behaviour of a successful build, one fixture site per behaviour.

use crate::common::{Site, main_of};

#[test]
fn missing_translation_links_to_source_language_with_note() {
    let site = Site::fixture("translations");
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let fi = site.output("fi/docs/all/index.html");
    assert!(fi.contains(r#"<a href="../../../sv/docs/only-sv/index.html" hreflang="sv">ruotsinkielinen sivu</a> <span class="lang-note" lang="fi">(ruotsiksi)</span>"#), "{}", main_of(&fi));
    // no Finnish page is invented for the Swedish-only page
    assert!(!site.output_exists("fi/docs/only-sv/index.html"));
    // the Swedish-only page's switcher sends Finnish readers to the section
    let sv = site.output("sv/docs/only-sv/index.html");
    assert!(sv.contains(r#"<a href="../../../fi/docs/index.html" hreflang="fi" lang="fi" title="Sivua ei ole tällä kielellä; linkki vie lähimpään osioon">Suomi</a>"#));
    assert!(sv.contains(r#"<link rel="alternate" hreflang="sv" href="https://example.org/intl/sv/docs/only-sv/">"#));
    assert!(!sv.contains(r#"hreflang="fi" href="https://example.org/intl/fi/docs/only-sv/""#));
    // the Finnish section lists the Swedish page, marked
    let section = site.output("fi/docs/index.html");
    assert!(
        section.contains(r#"hreflang="sv">Bara svenska</a> <span class="lang-note" lang="fi">(ruotsiksi)</span>"#),
        "{}",
        main_of(&section)
    );
}

#[test]
fn omit_mode_leaves_untranslated_pages_out_of_listings() {
    let site = Site::fixture("translations");
    let book = std::fs::read_to_string(site.root().join("book.toml")).unwrap();
    site.write(
        "book.toml",
        &book.replace("author = ", "missing_translation = \"omit\"\nauthor = "),
    );
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!site.output("fi/docs/index.html").contains("Bara svenska"));
    // prose links are kept: the sentence around them refers to the page
    assert!(site.output("fi/docs/all/index.html").contains("hreflang=\"sv\""));
}

#[test]
fn cross_links_resolve_in_the_readers_language_with_anchors() {
    let site = Site::fixture("cross_links");
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    for lang in ["sv", "fi", "en"] {
        let a = site.output(&format!("{lang}/a/index.html"));
        assert!(
            a.contains(r#"<a href="../b/index.html#detaljer">b</a>"#),
            "{lang}: {}",
            main_of(&a)
        );
        let b = site.output(&format!("{lang}/b/index.html"));
        assert!(b.contains(r#"<h2 id="detaljer">"#));
        // backlinks
        assert!(
            b.contains(&format!(r#"<a href="../a/index.html">A {lang}</a>"#)),
            "{}",
            main_of(&b)
        );
    }
}

#[test]
fn related_is_two_way_and_facts_and_terms_are_shown() {
    let site = Site::fixture("related");
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let kemi = site.output("en/cities/kemi/index.html");
    assert!(kemi.contains(r#"<h2 id="related-title">Related</h2>"#));
    assert!(
        kemi.contains(r#"<a href="../oulu/index.html">Oulu</a>"#),
        "{}",
        main_of(&kemi)
    );
    let oulu = site.output("sv/cities/oulu/index.html");
    assert!(
        oulu.contains(r#"<a href="../kemi/index.html">Kemi sv</a> <span class="meta">– Städer sv</span>"#),
        "{}",
        main_of(&oulu)
    );
    assert!(
        oulu.contains("<td class=\"num\">214\u{a0}633</td>"),
        "{}",
        main_of(&oulu)
    );
    assert!(oulu.contains("<dd>februari 2019</dd>"));
    assert!(
        site.output("en/cities/oulu/index.html")
            .contains("<td class=\"num\">214,633</td>")
    );
    // kemi links to oulu in prose and is related: listed once, under related
    assert!(!oulu.contains("backlinks-title"));
    // taxonomy pages per language, titled from i18n
    let term = site.output("fi/country/fi/index.html");
    assert!(term.contains("<h1>Suomi</h1>"));
    assert!(term.contains(r#"<a href="../../cities/kemi/index.html">Kemi fi</a>"#));
    let kinds = site.output("en/kind/index.html");
    assert!(
        kinds.contains("Partner city") && kinds.contains("<p>1 page</p>"),
        "{}",
        main_of(&kinds)
    );
}

#[test]
fn dates_are_localised_and_news_sorted_newest_first() {
    let site = Site::fixture("dates");
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        site.output("sv/news/event/index.html")
            .contains(r#"<time datetime="2021-10-07">7 oktober 2021</time>"#)
    );
    assert!(
        site.output("fi/news/event/index.html")
            .contains(r#"<time datetime="2021-10-07">7. lokakuuta 2021</time>"#)
    );
    assert!(
        site.output("en/news/event/index.html")
            .contains(r#"<time datetime="2021-10-07">7 October 2021</time>"#)
    );
    let list = site.output("fi/news/index.html");
    let (newer, older) = (list.find("Händelse fi").unwrap(), list.find("Äldre fi").unwrap());
    assert!(newer < older);
    assert!(list.contains("helmikuu 2019"));
    assert!(list.contains("2 sivua osiossa"), "{}", main_of(&list));
}

#[test]
fn atom_feed_per_language_with_absolute_urls() {
    let site = Site::fixture("dates");
    assert_eq!(site.build().code, 0);
    let feed = site.output("en/news/atom.xml");
    assert!(feed.contains(r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">"#));
    assert!(feed.contains("<id>https://example.org/intl/en/news/event/</id>"));
    assert!(feed.contains("<updated>2021-10-07T00:00:00Z</updated>"));
    assert!(feed.find("Händelse en").unwrap() < feed.find("Äldre en").unwrap());
    assert!(
        site.output("en/news/index.html")
            .contains(r#"<link rel="alternate" type="application/atom+xml""#)
    );
}

#[test]
fn sitemap_lists_every_translation_with_alternates() {
    let site = Site::fixture("cross_links");
    assert_eq!(site.build().code, 0);
    let sitemap = site.output("sitemap.xml");
    assert!(sitemap.contains("<loc>https://example.org/intl/fi/a/</loc>"));
    assert!(sitemap.contains(r#"<xhtml:link rel="alternate" hreflang="en" href="https://example.org/intl/en/a/"/>"#));
    assert!(
        sitemap.contains(r#"<xhtml:link rel="alternate" hreflang="x-default" href="https://example.org/intl/sv/a/"/>"#)
    );
    assert_eq!(
        site.output("robots.txt"),
        "User-agent: *\nAllow: /\n\nSitemap: https://example.org/intl/sitemap.xml\n"
    );
}

#[test]
fn root_chooser_and_404() {
    let site = Site::fixture("cross_links");
    assert_eq!(site.build().code, 0);
    let index = site.output("index.html");
    for (lang, name) in [("sv", "Svenska"), ("fi", "Suomi"), ("en", "English")] {
        assert!(
            index.contains(&format!(
                r#"<a class="button" href="{lang}/index.html" hreflang="{lang}">{name}</a>"#
            )),
            "{index}"
        );
        assert!(index.contains(&format!(
            r#"<link rel="alternate" hreflang="{lang}" href="https://example.org/intl/{lang}/">"#
        )));
    }
    assert!(!index.contains("<script"));
    let not_found = site.output("404.html");
    assert!(not_found.contains(r#"<a href="https://example.org/intl/fi/">Suomenkieliselle etusivulle</a>"#));
    assert!(!not_found.contains("stylesheet"), "the 404 page needs no other file");
}

/// No layout shift when the web font arrives: the fonts the first view
/// shows are fetched beside the stylesheet, and until they are there the
/// text is set in a local font sized to take the same room.
#[test]
fn the_first_views_fonts_are_preloaded_and_the_fallback_is_sized_to_them() {
    let site = Site::fixture("cross_links");
    assert_eq!(site.build().code, 0);
    for (page, up) in [
        ("index.html", ""),
        ("sv/index.html", "../"),
        ("fi/a/index.html", "../../"),
    ] {
        let html = site.output(page);
        for font in ["Regular", "Bold"] {
            let preload = format!(r#"<link rel="preload" href="{up}assets/fonts/SourceSans3-{font}."#);
            let at = html.find(&preload).unwrap_or_else(|| panic!("{page}: {html}"));
            let link = &html[at..at + html[at..].find('>').unwrap()];
            assert!(
                link.ends_with(r#".woff2" as="font" type="font/woff2" crossorigin"#),
                "{link}"
            );
            // the link leads to the published font
            let href = link.split('"').nth(3).unwrap();
            let file = href.strip_prefix(up).unwrap();
            assert!(site.root().join("public").join(file).is_file(), "{page}: {href}");
        }
        assert!(
            !html.contains("SourceSans3-It."),
            "italic is not in the first view: {page}"
        );
    }
    assert!(
        !site.output("404.html").contains("preload"),
        "the 404 page links no file"
    );
    let css = site
        .output_tree()
        .into_iter()
        .find(|(path, _)| path.starts_with("assets/main.") && path.ends_with(".css"))
        .map(|(_, bytes)| String::from_utf8(bytes).unwrap())
        .unwrap();
    assert!(
        css.contains(r#"--font-text:"Source Sans 3", "Source Sans 3 fallback", "#),
        "{css}"
    );
    assert_eq!(
        css.matches("Source Sans 3 fallback\";").count(),
        4,
        "regular, italic, bold, bold italic"
    );
    assert!(
        css.contains("size-adjust:95.4%;ascent-override:104.8%;descent-override:34.2%"),
        "{css}"
    );
}

#[test]
fn same_input_gives_byte_identical_output() {
    let site = Site::fixture("related");
    assert_eq!(site.build().code, 0);
    let first = site.output_tree();
    assert_eq!(site.build().code, 0);
    assert_eq!(first, site.output_tree());
    assert!(first.len() > 20);
}

#[test]
fn failed_build_leaves_previous_output_untouched() {
    let site = Site::fixture("cross_links");
    assert_eq!(site.build().code, 0);
    let before = site.output_tree();
    site.write("content/a.sv.md", "---\ntitle: A\n---\n[x](@/missing)\n");
    let run = site.build();
    assert_eq!(run.code, 1);
    assert_eq!(before, site.output_tree());
}

#[test]
fn check_writes_nothing() {
    let site = Site::fixture("cross_links");
    let run = site.run(&["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.starts_with("checked "));
    assert!(!site.root().join("public").exists());
}

#[test]
fn css_is_fingerprinted_minified_and_lowered() {
    let site = Site::fixture("cross_links");
    assert_eq!(site.build().code, 0);
    let tree = site.output_tree();
    let (path, css) = tree
        .iter()
        .find(|(p, _)| p.starts_with("assets/main.") && p.ends_with(".css"))
        .expect("stylesheet");
    let css = String::from_utf8_lossy(css);
    assert!(!css.contains("\n  "), "minified");
    assert!(!css.contains("& "), "nesting lowered");
    assert!(
        site.output("sv/a/index.html")
            .contains(&format!("href=\"../../{path}\""))
    );
}

#[test]
fn usage_errors_exit_2() {
    let site = Site::fixture("cross_links");
    let run = site.run(&["build", "--no-such-flag"]);
    assert_eq!(run.code, 2);
}

/// A tree as a clean build of the same sources writes it.
fn clean_tree(site: &Site) -> Vec<(String, Vec<u8>)> {
    let clean = Site::fixture("cross_links");
    for entry in walkdir::WalkDir::new(site.root().join("content")) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(site.root()).unwrap();
            clean.write(rel.to_str().unwrap(), &std::fs::read_to_string(entry.path()).unwrap());
        }
    }
    assert_eq!(clean.build().code, 0);
    clean.output_tree()
}

#[test]
fn a_build_failing_after_pages_were_written_leaves_the_published_site_and_the_next_build_whole() {
    let site = Site::fixture("cross_links");
    assert_eq!(site.build().code, 0);
    assert_eq!(site.build().code, 0);
    let before = site.output_tree();
    // pages are written to the staging tree as they are rendered; the 404
    // page's template fails among them
    let template = site.root().join("themes/default/templates/404.html");
    let good = std::fs::read_to_string(&template).unwrap();
    std::fs::write(&template, format!("{good}{{{{ no_such_value }}}}")).unwrap();
    site.write("content/a.sv.md", "---\ntitle: A ny\n---\nNy text.\n");
    let run = site.build();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("404.html"), "{}", run.stderr);
    assert_eq!(before, site.output_tree(), "the published site is as it was");
    // the tree the failed build half wrote is reused: nothing of it stays
    std::fs::write(&template, good).unwrap();
    site.write("content/b.sv.md", "---\ntitle: B ny\n---\nAnnan text.\n");
    assert_eq!(site.build().code, 0);
    assert_eq!(site.output_tree(), clean_tree(&site));
}

#[test]
fn a_page_at_an_address_the_site_makes_for_something_else_fails_the_build() {
    let site = Site::fixture("cross_links");
    assert_eq!(site.build().code, 0);
    let before = site.output_tree();
    site.write("content/search.sv.md", "---\ntitle: Sök\n---\nEn sida.\n");
    let run = site.build();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "error: the site makes another page at this page's address `sv/search/`\n  --> content/search.sv.md\n"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(before, site.output_tree());
}

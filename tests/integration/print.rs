//! The plan edition: one printable HTML document per language.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::common::Site;

#[test]
fn print_page_has_toc_numbered_chapters_and_in_document_links() {
    let site = Site::fixture("plan");
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = site.output("sv/plan/print/index.html");
    assert!(
        html.contains(r##"<a href="#ch-intro"><span class="number">1</span> Inledning sv</a>"##),
        "{html}"
    );
    assert!(html.contains(r##"<a href="#ch-arctic"><span class="number">2.1</span> Arktis sv</a>"##));
    // heading ids are made unique across chapters, links point inside the document
    assert!(html.contains(r#"<h3 id="ch-intro--syfte">"#));
    assert!(html.contains(r##"<a href="#ch-arctic--mal">Arktis</a>"##));
    assert!(html.contains(r##"<a href="#ch-intro--syfte">syftet</a>"##));
    // links to the rest of the site become absolute URLs
    assert!(html.contains(r#"<a href="https://example.org/intl/sv/">hem</a>"#));
    let ids: Vec<&str> = html
        .match_indices(" id=\"")
        .map(|(i, _)| &html[i + 5..i + 5 + html[i + 5..].find('"').unwrap()])
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ids.len(), unique.len(), "{ids:?}");
    // chapters link to the print page
    assert!(
        site.output("fi/plan/index.html")
            .contains(r#"<a href="print/index.html">"#)
    );
}

/// The PDF of a fixture plan, parsed with lopdf (an independent reader).
fn pdf(site: &Site, path: &str) -> lopdf::Document {
    let bytes = std::fs::read(site.root().join("public").join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(bytes.starts_with(b"%PDF-"));
    lopdf::Document::load_mem(&bytes).expect("lopdf reads the PDF")
}

fn text_of(value: &lopdf::Object) -> String {
    match value {
        lopdf::Object::String(bytes, _) if bytes.starts_with(&[0xfe, 0xff]) => String::from_utf16_lossy(
            &bytes[2..]
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect::<Vec<_>>(),
        ),
        lopdf::Object::String(bytes, _) => String::from_utf8_lossy(bytes).into_owned(),
        other => panic!("not a string: {other:?}"),
    }
}

#[test]
fn pdf_per_language_with_title_language_outline_and_literal_special_characters() {
    let site = Site::fixture("plan");
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    for (lang, file, title) in [
        ("sv", "planen", "Planen sv"),
        ("fi", "suunnitelma", "Planen fi"),
        ("en", "the-plan", "Planen en"),
    ] {
        let doc = pdf(&site, &format!("{lang}/{file}.pdf"));
        let pages = doc.get_pages();
        // cover, contents, chapter 1, the part with its chapter
        assert!((4..=6).contains(&pages.len()), "{lang}: {} pages", pages.len());
        let info = doc
            .trailer
            .get(b"Info")
            .and_then(|r| doc.get_dictionary(r.as_reference().unwrap()))
            .unwrap();
        assert_eq!(text_of(info.get(b"Title").unwrap()), title);
        assert_eq!(text_of(info.get(b"Author").unwrap()), "Testkommun");
        assert_eq!(text_of(doc.catalog().unwrap().get(b"Lang").unwrap()), lang);
        assert!(doc.catalog().unwrap().get(b"Outlines").is_ok(), "bookmarks");
        let all: Vec<u32> = pages.keys().copied().collect();
        let text = doc.extract_text(&all).unwrap_or_default();
        for chapter in [
            format!("Inledning {lang}"),
            format!("Områden {lang}"),
            format!("Arktis {lang}"),
        ] {
            assert!(text.contains(&chapter), "{lang}: `{chapter}` missing from:\n{text}");
        }
        assert!(
            text.contains(r"# $ * _ @ < > \ ` [x]"),
            "special characters literally:\n{text}"
        );
    }
    // the plan page links to the PDF with its size and language
    let plan = site.output("sv/plan/index.html");
    assert!(
        plan.contains(r#"<a href="../planen.pdf" type="application/pdf" hreflang="sv" download>"#),
        "{plan}"
    );
    assert!(plan.contains("(PDF, "), "{plan}");
}

#[test]
fn pdf_is_byte_identical_across_builds() {
    let site = Site::fixture("plan");
    assert_eq!(site.build().code, 0);
    let first = std::fs::read(site.root().join("public/fi/suunnitelma.pdf")).unwrap();
    // typeset again, not taken from the cache
    std::fs::remove_dir_all(site.root().join(".plansite-cache")).unwrap();
    assert_eq!(site.build().code, 0);
    assert_eq!(
        first,
        std::fs::read(site.root().join("public/fi/suunnitelma.pdf")).unwrap()
    );
}

/// The cached PDF of each language, by language.
fn cached_pdfs(site: &Site) -> BTreeMap<String, PathBuf> {
    let dir = site.root().join(".plansite-cache/pdf");
    std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .map(|path| {
                    let name = path.file_name().unwrap().to_str().unwrap();
                    (name.split('.').next().unwrap().to_owned(), path)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn an_unchanged_edition_is_taken_from_the_cache_and_a_changed_one_typeset() {
    let site = Site::fixture("plan");
    // `check` reads the cache but writes nothing, there either
    assert_eq!(site.run(&["check"]).code, 0);
    assert!(cached_pdfs(&site).is_empty());

    assert_eq!(site.build().code, 0);
    let cached = cached_pdfs(&site);
    assert_eq!(cached.keys().collect::<Vec<_>>(), ["en", "fi", "sv"]);
    assert_eq!(
        std::fs::read(&cached["fi"]).unwrap(),
        std::fs::read(site.root().join("public/fi/suunnitelma.pdf")).unwrap()
    );

    // stand-ins the build cannot make itself: seeing them published proves
    // that nothing was typeset
    let stand_in = |lang: &str| format!("%PDF- cached {lang}\n").into_bytes();
    for lang in ["sv", "fi"] {
        std::fs::write(&cached[lang], stand_in(lang)).unwrap();
    }
    assert_eq!(site.build().code, 0);
    assert_eq!(
        std::fs::read(site.root().join("public/sv/planen.pdf")).unwrap(),
        stand_in("sv")
    );
    assert_eq!(
        std::fs::read(site.root().join("public/fi/suunnitelma.pdf")).unwrap(),
        stand_in("fi")
    );

    // a Swedish chapter changes: the Swedish edition is typeset anew, the
    // Finnish one is still the cached one, and the cache keeps one per language
    let intro = std::fs::read_to_string(site.root().join("content/plan/intro.sv.md")).unwrap();
    site.write(
        "content/plan/intro.sv.md",
        &format!("{intro}\nEn ny mening om Bottenviksbågen.\n"),
    );
    assert_eq!(site.build().code, 0);
    let sv = pdf(&site, "sv/planen.pdf");
    let text: String = sv
        .get_pages()
        .keys()
        .map(|page| sv.extract_text(&[*page]).unwrap_or_default())
        .collect();
    assert!(text.contains("Bottenviksbågen"), "{text}");
    assert_eq!(
        std::fs::read(site.root().join("public/fi/suunnitelma.pdf")).unwrap(),
        stand_in("fi")
    );
    let now = cached_pdfs(&site);
    assert_eq!(now.len(), 3);
    assert_ne!(now["sv"], cached["sv"]);
    assert_eq!(now["fi"], cached["fi"]);

    // a cached file that is no PDF is made again
    std::fs::write(&now["en"], "garbage").unwrap();
    assert_eq!(site.build().code, 0);
    assert!(
        std::fs::read(site.root().join("public/en/the-plan.pdf"))
            .unwrap()
            .starts_with(b"%PDF-1")
    );
}

/// The entries of a fixture plan's EPUB, by name.
fn epub(site: &Site, path: &str) -> BTreeMap<String, String> {
    use std::io::Read;
    let bytes = std::fs::read(site.root().join("public").join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("the EPUB is a zip");
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).expect("an entry");
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).expect("its bytes");
            (
                entry.name().expect("a UTF-8 name").into_owned(),
                String::from_utf8_lossy(&bytes).into_owned(),
            )
        })
        .collect()
}

/// The languages the PDF's structure tree gives its elements.
fn tagged_languages(doc: &lopdf::Document) -> Vec<String> {
    doc.objects
        .values()
        .filter_map(|object| object.as_dict().ok())
        .filter(|dict| dict.has(b"S") && dict.has(b"P"))
        .filter_map(|dict| dict.get(b"Lang").ok().map(text_of))
        .collect()
}

#[test]
fn a_chapter_missing_in_finnish_is_swedish_in_the_finnish_pdf_and_epub() {
    let site = Site::fixture("plan");
    std::fs::remove_file(site.root().join("content/plan/arctic.fi.md")).expect("the fixture has arctic.fi.md");
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);

    let book = epub(&site, "fi/suunnitelma.epub");
    let arctic = &book["EPUB/ch-arctic.xhtml"];
    assert!(arctic.contains(r#"lang="sv" xml:lang="sv""#), "{arctic}");
    assert!(arctic.contains("Arktis sv"), "the Swedish text: {arctic}");
    assert!(book["EPUB/ch-intro.xhtml"].contains(r#"lang="fi" xml:lang="fi""#));
    // hyphenation follows each document's language
    assert!(book["EPUB/css/book.css"].contains("hyphens: auto"));
    assert!(
        book["EPUB/nav.xhtml"].contains(r#"<span lang="sv" xml:lang="sv">Arktis sv</span>"#),
        "{}",
        book["EPUB/nav.xhtml"]
    );
    assert!(book["EPUB/package.opf"].contains("<dc:language>fi</dc:language>"));

    // the PDF tags the chapter Swedish inside a Finnish document
    let doc = pdf(&site, "fi/suunnitelma.pdf");
    assert_eq!(text_of(doc.catalog().unwrap().get(b"Lang").unwrap()), "fi");
    let languages = tagged_languages(&doc);
    assert!(languages.iter().any(|l| l == "sv"), "{languages:?}");
    // with every chapter translated, nothing in the Finnish PDF is Swedish
    let complete = Site::fixture("plan");
    assert_eq!(complete.build().code, 0);
    let languages = tagged_languages(&pdf(&complete, "fi/suunnitelma.pdf"));
    assert!(!languages.iter().any(|l| l == "sv"), "{languages:?}");
}

#[test]
fn the_epub_is_linked_beside_the_pdf_and_repeats_byte_for_byte() {
    let site = Site::fixture("plan");
    assert_eq!(site.build().code, 0);
    let first = std::fs::read(site.root().join("public/en/the-plan.epub")).expect("an English EPUB");
    let plan = site.output("en/plan/index.html");
    assert!(
        plan.contains(r#"<a href="../the-plan.epub" type="application/epub+zip" hreflang="en" download>"#),
        "{plan}"
    );
    // chapters link to each other's documents
    let book = epub(&site, "en/the-plan.epub");
    let intro = &book["EPUB/ch-intro.xhtml"];
    assert!(intro.contains(r#"href="ch-arctic.xhtml#ch-arctic--mal""#), "{intro}");
    std::fs::remove_dir_all(site.root().join("public")).expect("output removed");
    assert_eq!(site.build().code, 0);
    let second = std::fs::read(site.root().join("public/en/the-plan.epub")).expect("an English EPUB");
    assert!(first == second, "two builds give the same EPUB");

    site.write(
        "book.toml",
        &std::fs::read_to_string(site.root().join("book.toml"))
            .unwrap()
            .replace("pdf = true", "pdf = true\nepub = false"),
    );
    assert_eq!(site.build().code, 0);
    assert!(!site.output_exists("en/the-plan.epub"));
    assert!(!site.output("en/plan/index.html").contains("epub"));
}

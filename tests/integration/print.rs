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

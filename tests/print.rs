//! The plan edition: one printable HTML document per language.

mod common;

use common::Site;

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

//! Files beside the pages: images and documents a page names by a relative
//! path are published under fingerprinted names, with the references
//! rewritten; images carry their size, and the PDF shows them.

use crate::common::{Site, main_of};

/// The one published file whose name starts with `stem.` and ends with `.ext`.
fn published(site: &Site, stem: &str, ext: &str) -> String {
    let dir = site.root().join("public/assets/files");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(&format!("{stem}.")) && name.ends_with(&format!(".{ext}")))
        .collect();
    assert_eq!(names.len(), 1, "{stem}.{ext}: {names:?}");
    format!("assets/files/{}", names[0])
}

#[test]
fn files_beside_pages_are_published_fingerprinted_and_linked() {
    let site = Site::fixture("files");
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);

    // two files with the same name and bytes beside two pages: one published file
    let karta = published(&site, "karta", "png");
    let source = std::fs::read(site.root().join("content/partners/oulu/karta.png")).unwrap();
    assert_eq!(std::fs::read(site.root().join("public").join(&karta)).unwrap(), source);
    // a file no page names is not published
    assert!(
        !std::fs::read_dir(site.root().join("public/assets/files"))
            .unwrap()
            .any(|e| e.unwrap().file_name().to_string_lossy().starts_with("unused."))
    );

    let oulu = site.output("sv/partners/oulu/index.html");
    let img = format!(
        r#"<img src="../../../{karta}" alt="Uleåborg från luften" width="40" height="30" title="Uleåborg" loading="lazy" decoding="async">"#
    );
    assert!(oulu.contains(&img), "{}", main_of(&oulu));
    // stored 40×30 with EXIF orientation 6: browsers show it turned, 30×40
    let foto = published(&site, "foto", "jpg");
    assert!(
        oulu.contains(&format!(
            r#"<img src="../../../{foto}" alt="Domkyrkan i Uleåborg" width="30" height="40""#
        )),
        "{}",
        main_of(&oulu)
    );

    let intro = site.output("sv/plan/intro/index.html");
    let ornament = published(&site, "ornament", "png");
    let decorative =
        format!(r#"<img src="../../../{ornament}" alt="" width="8" height="8" loading="lazy" decoding="async">"#);
    assert!(intro.contains(&decorative), "{}", main_of(&intro));
    let rapport = published(&site, "rapport", "pdf");
    assert!(
        intro.contains(&format!(r#"<a href="../../../{rapport}#page=2">rapporten</a>"#)),
        "{}",
        main_of(&intro)
    );

    // the print page links from its own directory
    let print = site.output("sv/plan/print/index.html");
    assert!(print.contains(&format!(
        r#"<img src="../../../{karta}" alt="Karta över Luleå" width="40" height="30""#
    )));
    // the feed of a page is read elsewhere: absolute addresses (no feed here, the sitemap lists pages only)
    assert!(!site.output("sitemap.xml").contains("assets/files"));
}

#[test]
fn the_pdf_shows_the_images_of_its_chapters() {
    let site = Site::fixture("files");
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bytes = std::fs::read(site.root().join("public/sv/planen.pdf")).unwrap();
    let doc = lopdf::Document::load_mem(&bytes).expect("lopdf reads the PDF");
    let images: Vec<(i64, i64)> = doc
        .objects
        .values()
        .filter_map(|object| {
            let stream = object.as_stream().ok()?;
            let dict = &stream.dict;
            (dict.get(b"Subtype").ok()?.as_name().ok()? == b"Image").then(|| {
                (
                    dict.get(b"Width").unwrap().as_i64().unwrap(),
                    dict.get(b"Height").unwrap().as_i64().unwrap(),
                )
            })
        })
        .collect();
    assert!(images.contains(&(40, 30)), "{images:?}");
    assert!(images.contains(&(8, 8)), "{images:?}");
    // the link to the report goes to the site, where the file is published
    fn uris(object: &lopdf::Object, out: &mut Vec<String>) {
        match object {
            lopdf::Object::Dictionary(dict) => {
                for (key, value) in dict.iter() {
                    match value.as_str() {
                        Ok(uri) if key == b"URI" => out.push(String::from_utf8_lossy(uri).into_owned()),
                        _ => uris(value, out),
                    }
                }
            }
            lopdf::Object::Array(items) => items.iter().for_each(|item| uris(item, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    doc.objects.values().for_each(|object| uris(object, &mut found));
    let uris = found;
    let rapport = published(&site, "rapport", "pdf");
    let link = format!("https://example.org/intl/{rapport}#page=2");
    assert!(uris.contains(&link), "{link} not in {uris:?}");
}

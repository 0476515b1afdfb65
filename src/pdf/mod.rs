//! The plan edition as PDF, typeset in-process with typst.
//!
//! It owns turning an [`Edition`] (chapters as pulldown-cmark events whose
//! heading ids and links the caller has already resolved) into typst source
//! ([`markup()`]) and that source into tagged PDF bytes ([`render`]): cover,
//! outline, numbered chapters, running headers, "page X of Y" footers,
//! footnotes, bookmarks and clickable internal links. It never touches the
//! filesystem or the clock: fonts come in as bytes and the date comes from
//! the edition, so the same edition gives byte-identical PDF.
//!
//! `markup.rs` writes the source (and is where escaping lives); `world.rs`
//! compiles and exports it.

mod markup;
mod world;

pub use world::IMAGE_PREFIX;

use std::collections::BTreeMap;
use std::sync::Arc;

use pulldown_cmark::Event;

/// One language edition of the plan document.
#[derive(Debug, Clone)]
pub struct Edition {
    /// BCP 47 language tag: "sv", "fi", "en".
    pub lang: String,
    pub title: String,
    /// Shown under the title on the cover, e.g. the period "2024–2027".
    pub subtitle: String,
    pub author: String,
    /// The language's own name, shown on the cover: "Svenska".
    pub language_name: String,
    /// The document date (year, month, day) for the metadata; never the clock.
    pub date: (i32, u8, u8),
    /// Title of the table of contents: "Innehåll".
    pub contents_label: String,
    /// Footer pattern with `{page}` and `{pages}`: "Sida {page} av {pages}".
    pub page_label: String,
    pub chapters: Vec<Chapter>,
    /// The images the chapters show, by the path their image events carry
    /// (`/assets/files/karta.1a2b3c4d5e.png`); an image not here shows as
    /// its description.
    pub images: BTreeMap<String, Image>,
    /// A map of the places the plan names, after the table of contents.
    pub map: Option<EditionMap>,
}

/// The map of an edition: an SVG among its images, with its text.
#[derive(Debug, Clone)]
pub struct EditionMap {
    /// The path of the SVG among the edition's images.
    pub path: String,
    /// The text alternative: its title and description.
    pub alt: String,
    pub caption: String,
    /// The places, in the order of their numbers on the map.
    pub places: Vec<String>,
}

/// An image file of the edition.
#[derive(Debug, Clone)]
pub struct Image {
    pub bytes: Arc<[u8]>,
    /// Width in pixels, to give the image its size on the page.
    pub width: u32,
}

/// A chapter, or a part when chapters of depth 2 follow it.
#[derive(Debug, Clone)]
pub struct Chapter {
    /// The number shown, as on the web: "9" or "9.1".
    pub number: String,
    /// 1 = chapter or part; 2 = chapter inside the preceding part.
    pub depth: u8,
    pub title: String,
    /// Unique id of the chapter heading; `#id` links point at it.
    pub id: String,
    /// The language of the chapter's text when it is not the edition's: a
    /// chapter not yet translated, shown in the source language.
    pub lang: Option<String>,
    /// The body: pulldown-cmark events with unique heading ids, links that
    /// are `#id` or absolute URLs, and headings from level 2 down.
    pub events: Vec<Event<'static>>,
}

/// The typst source of `edition` as [`render`] compiles it, except for the
/// one line that chooses the fonts.
pub fn markup(edition: &Edition) -> String {
    markup::document(edition)
}

/// Typesets `edition` as a tagged PDF (PDF/A-2a and PDF/UA-1) in the first
/// family of `fonts` (TTF/OTF files), with typst's embedded fonts as
/// fallback. The error carries typst's diagnostics, one per line.
pub fn render(edition: &Edition, fonts: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    let (world, document) = compile(edition, fonts)?;
    let pdf = world.export(&document, ident(edition), edition.date);
    // typst memoises across compilations; keep what the next edition can
    // reuse (fonts, styles) but bound the cache in long-running `serve`.
    typst::comemo::evict(10);
    pdf
}

/// What [`render`] makes of `edition` depends on, as a hex SHA-256: the
/// typst source, the fonts, the images, the metadata, and the typesetter
/// (`typesetter` names the build of plansite, and so of typst, that runs).
/// Equal fingerprints give byte-identical PDF, so a PDF made earlier can
/// stand in for typesetting again.
pub fn fingerprint(edition: &Edition, fonts: &[Vec<u8>], typesetter: &str) -> String {
    let mut hash = crate::fingerprint::Fingerprint::new();
    hash.part(typesetter.as_bytes())
        .part(ident(edition).as_bytes())
        .part(&edition.date.0.to_le_bytes())
        .part(&[edition.date.1, edition.date.2])
        .part(markup(edition).as_bytes());
    for font in fonts {
        hash.part(font);
    }
    for (path, image) in &edition.images {
        hash.part(path.as_bytes())
            .part(&image.width.to_le_bytes())
            .part(&image.bytes);
    }
    hash.hex()
}

fn compile(edition: &Edition, fonts: &[Vec<u8>]) -> Result<(world::PlanWorld, typst_layout::PagedDocument), String> {
    let fonts = world::parse_fonts(fonts);
    let mut source = markup::font_prelude(&world::families(&fonts));
    source.push_str(&markup(edition));
    let world = world::PlanWorld::new(source, fonts, &edition.images);
    let document = world.compile()?;
    Ok((world, document))
}

/// A stable identifier of the edition across builds.
fn ident(edition: &Edition) -> String {
    format!("plansite/{}/{}", edition.lang, edition.title)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::OnceLock;

    use pulldown_cmark::{Options, Parser};
    use typst::layout::{Frame, FrameItem};

    use super::*;

    /// The default theme's fonts, as the build loads them.
    fn fonts() -> &'static [Vec<u8>] {
        static FONTS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
        FONTS.get_or_init(|| {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/fonts");
            let mut paths: Vec<_> = std::fs::read_dir(&dir)
                .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
                .map(|entry| entry.expect("font directory entry").path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "otf" || ext == "ttf"))
                .collect();
            paths.sort();
            paths
                .iter()
                .map(|path| std::fs::read(path).expect("font file"))
                .collect()
        })
    }

    /// Markdown events as the caller hands them over.
    fn events(markdown: &str) -> Vec<Event<'static>> {
        let options = Options::ENABLE_TABLES
            | Options::ENABLE_FOOTNOTES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_HEADING_ATTRIBUTES
            | Options::ENABLE_TASKLISTS
            | Options::ENABLE_DEFINITION_LIST
            | Options::ENABLE_SUPERSCRIPT
            | Options::ENABLE_SUBSCRIPT
            | Options::ENABLE_MATH
            | Options::ENABLE_GFM;
        Parser::new_ext(markdown, options).map(Event::into_static).collect()
    }

    fn chapter(number: &str, depth: u8, id: &str, markdown: &str) -> Chapter {
        Chapter {
            number: number.into(),
            depth,
            title: format!("Kapitel {number}"),
            id: id.into(),
            lang: None,
            events: events(markdown),
        }
    }

    fn edition(chapters: Vec<Chapter>) -> Edition {
        Edition {
            lang: "sv".into(),
            title: "Övergripande aktivitetsplan".into(),
            subtitle: "2024–2027".into(),
            author: "Luleå kommun".into(),
            language_name: "Svenska".into(),
            date: (2024, 3, 1),
            contents_label: "Innehåll".into(),
            page_label: "Sida {page} av {pages}".into(),
            chapters,
            images: BTreeMap::new(),
            map: None,
        }
    }

    /// The laid-out text of every page, one string per page.
    fn page_texts(edition: &Edition) -> Vec<String> {
        fn collect(frame: &Frame, out: &mut String) {
            for (_, item) in frame.items() {
                match item {
                    FrameItem::Group(group) => collect(&group.frame, out),
                    FrameItem::Text(text) => out.push_str(&text.text),
                    _ => {}
                }
            }
        }
        let (_, document) = compile(edition, fonts()).unwrap_or_else(|error| panic!("{error}"));
        document
            .pages()
            .iter()
            .map(|page| {
                let mut text = String::new();
                collect(&page.frame, &mut text);
                text
            })
            .collect()
    }

    /// Whatever the PDF is made from changes its fingerprint: otherwise the
    /// build cache would publish a stale edition.
    #[test]
    fn every_input_changes_the_fingerprint() {
        let fonts = vec![b"font one".to_vec(), b"font two".to_vec()];
        let base = edition(vec![chapter("1", 1, "a", "Text")]);
        let image = |bytes: &[u8], width| Image {
            bytes: bytes.into(),
            width,
        };
        let mut with_image = base.clone();
        with_image
            .images
            .insert("/assets/files/a.png".into(), image(b"png", 10));
        let key = |e: &Edition, fonts: &[Vec<u8>], typesetter: &str| fingerprint(e, fonts, typesetter);
        let original = key(&with_image, &fonts, "plansite 1");
        assert_eq!(original, key(&with_image.clone(), &fonts, "plansite 1"));

        let mut changed: Vec<String> = vec![
            key(&with_image, &fonts, "plansite 2"),
            key(&with_image, &fonts[..1], "plansite 1"),
            key(&with_image, &[b"font one".to_vec(), b"font 2".to_vec()], "plansite 1"),
            key(&base, &fonts, "plansite 1"),
        ];
        let variants: [fn(&mut Edition); 8] = [
            |e| e.date.2 += 1,
            |e| e.title.push('!'),
            |e| e.lang = "fi".into(),
            |e| e.page_label.push(' '),
            |e| e.chapters[0].events.push(Event::Text("x".into())),
            |e| e.images.values_mut().for_each(|i| i.width = 11),
            |e| e.images.values_mut().for_each(|i| i.bytes = b"png!".as_slice().into()),
            |e| {
                let moved = e.images.remove("/assets/files/a.png").unwrap();
                e.images.insert("/assets/files/b.png".into(), moved);
            },
        ];
        for variant in variants {
            let mut edition = with_image.clone();
            variant(&mut edition);
            changed.push(key(&edition, &fonts, "plansite 1"));
        }
        for (i, other) in changed.iter().enumerate() {
            assert_ne!(&original, other, "change {i} keeps the fingerprint");
        }
    }

    #[test]
    fn special_characters_come_out_literally() {
        use pulldown_cmark::{Tag, TagEnd};
        // Each starts a paragraph, where list and heading markers act.
        let lines = [
            r"# $ * _ @ < > \ ` [ ] = - + / :",
            r#"~ ' " \u{1} -- ... //x /*y*/"#,
            "#set #{1+1} https://x.se $x$",
            "- minus",
            "1. one",
            "= eq",
            "/ term: x",
            "+ plus",
            "<x> @x",
        ];
        let mut body = Vec::new();
        for line in lines {
            body.push(Event::Start(Tag::Paragraph));
            body.push(Event::Text(line.into()));
            body.push(Event::End(TagEnd::Paragraph));
        }
        let mut plan = edition(vec![Chapter {
            events: body,
            ..chapter("1", 1, "a", "")
        }]);
        plan.author = "T #\"x\" \\ $y$".into();
        plan.chapters[0].title = "*not bold* [x] #text(red)[y]".into();
        let all = page_texts(&plan).join("\n");
        for line in lines
            .iter()
            .chain([&plan.author.as_str(), &plan.chapters[0].title.as_str()])
        {
            assert!(all.contains(line), "missing {line:?} in {all}");
        }
    }

    #[test]
    fn headings_links_and_footnotes_compile() {
        let plan = edition(vec![
            chapter(
                "1",
                1,
                "plan-inledning",
                "## Syfte {#plan-inledning-syfte}\n\nSe [målen](#plan-mål) och [syftet](#plan-inledning-syfte).\n",
            ),
            chapter("2", 1, "plan-delar", "Del.\n"),
            chapter(
                "2.1",
                2,
                "plan-mål",
                "Text med fotnot[^a] och igen[^a].\n\n[^a]: Fotnoten med [länk](https://www.lulea.se/).\n\n\
                 [Skript](javascript:alert(1)) och [relativ](../x). Okänd [länk](#finns-inte) och [webb](https://example.org/a_b).\n\n\
                 | A | B |\n|:--|--:|\n| 1 | 2 |\n\n3. tre\n4. fyra\n   - inre\n\n> citat\n\n```rust\nfn main() {}\n```\n\n---\n\n![bild](x.png)\n",
            ),
        ]);
        let source = markup(&plan);
        assert!(source.contains("#link(<xplan-inledning-syfte>)"), "{source}");
        assert!(source.contains("#link(<xplan-m_e5_l>)"), "{source}");
        assert!(!source.contains("finns"), "an unknown id stays unlinked text: {source}");
        assert!(!source.contains("#link(\"javascript"), "{source}");
        assert!(!source.contains("#link(\"../x"), "{source}");
        let pages = page_texts(&plan);
        let all = pages.join("\n");
        assert!(all.contains("Fotnoten med"), "{all}");
        assert!(all.contains("Skript (javascript:alert(1))"), "{all}");
        assert!(all.contains("webb2"), "the address is a footnote: {all}");
        assert!(
            all.contains("Fotnoten med länk (https://www.lulea.se/)"),
            "inline in a footnote: {all}"
        );
        assert!(all.contains("https://example.org/a_b"), "{all}");
        assert!(!all.contains("(https://example.org/a_b)"), "{all}");
        assert!(all.contains("[bild]"), "{all}");
        assert!(pages[2].contains("Sida 3 av"), "{}", pages[2]);
        assert!(!pages[0].contains("Sida"), "the cover has no footer");
        assert!(render(&plan, fonts()).is_ok());
    }

    /// A link's address is printed once per chapter, in a footnote, and the
    /// running text keeps only the link's words; a heading keeps it inline.
    #[test]
    fn link_addresses_go_to_footnotes_once_per_chapter() {
        let plan = edition(vec![
            chapter(
                "1",
                1,
                "a",
                "## Se [Oulu](https://www.ouka.fi/)\n\n[Uleåborg](https://www.ouka.fi/) och [Oulu](https://www.ouka.fi/) \
                 samt [Luleå](https://www.lulea.se/) och <https://www.lulea.se/> och [skriv](mailto:info@lulea.se).\n",
            ),
            chapter("2", 1, "b", "Åter [Uleåborg](https://www.ouka.fi/).\n"),
        ]);
        let source = markup(&plan);
        assert_eq!(
            source.matches("#footnote[#link(\"https://www.ouka.fi/\")").count(),
            2,
            "{source}"
        );
        assert_eq!(source.matches("#footnote(<plansite:url:0:0>)").count(), 1, "{source}");
        assert_eq!(
            source.matches("#footnote[#link(\"https://www.lulea.se/\")").count(),
            1,
            "{source}"
        );
        let all = page_texts(&plan).join("\n");
        assert!(all.contains("Se Oulu (https://www.ouka.fi/)"), "{all}");
        assert!(
            all.contains("Uleåborg1 och Oulu1 samt Luleå2 och https://www.lulea.se/ och skriv3"),
            "{all}"
        );
        assert!(all.contains("info@lulea.se"), "{all}");
        assert!(
            all.contains("Åter Uleåborg4"),
            "a footnote again in the next chapter: {all}"
        );
        assert!(render(&plan, fonts()).is_ok());
    }

    /// A chapter shown in another language (not yet translated) is set in
    /// it: hyphenated by its patterns and tagged with it in the PDF.
    #[test]
    fn a_chapter_in_another_language_is_set_and_tagged_in_it() {
        let mut plan = edition(vec![
            chapter("1", 1, "a", "Suomeksi kirjoitettu luku.\n"),
            Chapter {
                lang: Some("sv".into()),
                ..chapter("2", 1, "b", "Ett kapitel som ännu inte är översatt.\n")
            },
            chapter("3", 1, "c", "Taas suomeksi.\n"),
        ]);
        plan.lang = "fi".into();
        let source = markup(&plan);
        let sv = source
            .find("#set text(lang: \"sv\", region: none)")
            .expect("Swedish is set");
        let fi = source
            .rfind("#set text(lang: \"fi\", region: none)")
            .expect("Finnish is set again");
        let (b, c) = (source.find("Kapitel 2").unwrap(), source.find("Kapitel 3").unwrap());
        assert!(sv < b && b < fi && fi < c, "{source}");

        let bytes = render(&plan, fonts()).unwrap_or_else(|error| panic!("{error}"));
        let pdf = lopdf::Document::load_mem(&bytes).expect("lopdf reads the PDF");
        let langs: BTreeSet<String> = pdf
            .objects
            .values()
            .filter_map(|object| object.as_dict().ok()?.get(b"Lang").ok()?.as_str().ok())
            .map(|lang| String::from_utf8_lossy(lang).into_owned())
            .collect();
        assert_eq!(langs, BTreeSet::from(["fi".to_owned(), "sv".to_owned()]));
    }

    #[test]
    fn a_map_is_a_figure_with_its_text_and_numbered_places() {
        let mut edition = edition(vec![chapter("1", 1, "a", "Text.")]);
        let svg = crate::map::overview(
            &[crate::map::Place {
                number: Some(1),
                at: (25.4651, 65.0121),
                shape: crate::map::Shape(0),
            }],
            None,
            "Karta: planen",
            "1 plats.",
            "Övriga världen",
        )
        .unwrap();
        edition.images.insert(
            "/map.svg".into(),
            Image {
                bytes: svg.into_bytes().into(),
                width: 600,
            },
        );
        edition.map = Some(EditionMap {
            path: "/map.svg".into(),
            alt: "Karta: planen 1 plats.".into(),
            caption: "Platserna".into(),
            places: vec!["Uleåborg – Samarbetspartner, Finland".into()],
        });
        let source = markup(&edition);
        assert!(source.contains("alt: \"Karta: planen 1 plats.\""), "{source}");
        let pages = page_texts(&edition);
        assert!(
            pages
                .iter()
                .any(|page| page.contains("Uleåborg – Samarbetspartner, Finland")),
            "{pages:?}"
        );
    }

    #[test]
    fn rendering_is_deterministic() {
        let plan = edition(vec![chapter("1", 1, "a", "Hej[^n].\n\n[^n]: Not.\n")]);
        let first = render(&plan, fonts()).unwrap_or_else(|error| panic!("{error}"));
        let second = render(&plan, fonts()).unwrap_or_else(|error| panic!("{error}"));
        assert!(first.starts_with(b"%PDF-"));
        assert!(first == second, "two renders differ");
    }

    #[test]
    fn labels_are_injective_and_valid() {
        let ids = ["a", "a_", "a-", "å", "a b", "x", "", "1", "a:b", "a.b", "_61_"];
        let labels: std::collections::BTreeSet<_> = ids.iter().map(|id| markup::label(id)).collect();
        assert_eq!(labels.len(), ids.len());
        for label in labels {
            let name = &label[1..label.len() - 1];
            assert!(
                name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "{label}"
            );
        }
    }

    #[test]
    fn odd_markdown_still_renders() {
        let odd = "## {#leer}\n\n[](#leer) [](https://example.org) [**x**](#a)\n\n\
            | | |\n|-|-|\n| | |\n| a | b | c |\n\n\
            # Top level {#top}\n\n###### Deep {#deep}\n\n\
            - [ ] task\n- [x] done\n\n\
            Fot[^x] och[^saknas]\n\n[^x]: Med egen[^y].\n\n[^y]: Inre[^x].\n\n\
            <div>html</div>\n\n*a<br>b*\n\n    indented code\n\n\
            Term\n: Definition\n: Another\n\n^sup^ ~sub~ $x^2$ $$y$$\n\n> [!NOTE]\n> note\n\n[deep link](#deeper) [footnote heading](#fh)[^fh]\n\n> > > > > > > > > > > > ## Deeper {#deeper}\n\n[^fh]: ## In footnote {#fh}\n\n0. zero\n\n99999999999. big\n\n> - list in quote\n> ## heading in quote {#hq}\n";
        let plan = edition(vec![
            chapter("", 2, "", odd),
            chapter("1", 1, "a", ""),
            chapter("1.1", 2, "a", "Samma id som kapitlet."),
        ]);
        if let Err(error) = render(&plan, fonts()) {
            panic!("{error}\n{}", markup(&plan));
        }
    }

    #[test]
    fn deep_nesting_is_flattened() {
        let mut deep = format!(
            "{}deep\n\n{}x{}\n\n",
            "> ".repeat(5000),
            "*".repeat(3000),
            "*".repeat(3000)
        );
        for level in 0..30 {
            let marker = if level % 2 == 0 { "- " } else { "1. " };
            deep.push_str(&format!("{}{marker}> item {level}\n", "   ".repeat(level)));
        }
        let plan = edition(vec![chapter("1", 1, "a", &deep)]);
        if let Err(error) = render(&plan, fonts()) {
            panic!("{error}");
        }
    }
}

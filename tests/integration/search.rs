//! Search: the index Pagefind builds from the pages, the fields plansite
//! adds to it (read back from the published fragments), the search form on
//! every page and the A–Z search page. What a query finds in a browser is
//! checked by `scripts/verify-site` against `tests/search/queries.tsv`.

use std::collections::BTreeMap;
use std::io::Read;

use crate::common::{Site, main_of};

/// Every published fragment of the index: Pagefind's record of one page
/// (its URL, text, meta fields and filters), gzipped JSON.
fn fragments(site: &Site) -> BTreeMap<String, serde_json::Value> {
    let dir = site.root().join("public/assets/search/fragment");
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            let mut json = String::new();
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_string(&mut json)
                .unwrap();
            // Pagefind marks its files with a signature before the JSON
            let json = &json[json.find('{').unwrap()..];
            let value: serde_json::Value = serde_json::from_str(json).unwrap();
            (value["url"].as_str().unwrap().to_owned(), value)
        })
        .collect()
}

fn words(fragment: &serde_json::Value, field: &str) -> Vec<String> {
    fragment["meta"][field]
        .as_str()
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_page_is_indexed_with_what_else_finds_it() {
    let site = Site::fixture("search");
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let fragments = fragments(&site);
    // the pages of the site, and nothing generated (taxonomies, search, chooser, 404)
    let urls: Vec<&str> = fragments.keys().map(String::as_str).collect();
    assert_eq!(
        urls,
        [
            "/en/",
            "/en/partners/",
            "/en/partners/oulu/",
            "/fi/",
            "/fi/partners/",
            "/fi/partners/oulu/",
            "/sv/",
            "/sv/partners/",
            "/sv/partners/abo/",
            "/sv/partners/ostersjon/",
            "/sv/partners/oulu/",
            "/sv/partners/tromso/",
        ]
    );

    let oulu = &fragments["/sv/partners/oulu/"];
    // its text is the article: no header, menu or footer
    let content = oulu["content"].as_str().unwrap();
    assert!(content.starts_with("Uleåborg"), "{content}");
    assert!(
        !content.contains("Testplats") && !content.contains("Hoppa"),
        "{content}"
    );
    assert_eq!(oulu["meta"]["section"], "Partner");
    assert_eq!(oulu["filters"]["country"], serde_json::json!(["Finland"]));
    assert_eq!(
        oulu["filters"]["focus"],
        serde_json::json!(["Regionalt/arktiskt samarbete"])
    );
    // found by its Finnish name (weighed as its title), and by the parts of the compound on it
    assert_eq!(words(oulu, "names"), ["oulu", "uleåborg"]);
    let also = words(oulu, "also");
    for word in ["avtal", "samarbete"] {
        assert!(also.contains(&word.to_owned()), "{word} not in {also:?}");
    }
    // an ASCII spelling of ø, which Unicode does not decompose, and the Finnish name
    assert_eq!(
        words(&fragments["/sv/partners/tromso/"], "names"),
        ["tromso", "tromssa", "tromsø"]
    );
    // the description is not on the page, but its words find it
    assert!(words(&fragments["/sv/partners/tromso/"], "also").contains(&"ishavsstaden".to_owned()));
    // Finnish: the parts of ystävyyskaupunki, and kaupunki in its other grade
    let fi = words(&fragments["/fi/partners/oulu/"], "also");
    assert!(
        fi.contains(&"ystävyys".to_owned()) && fi.contains(&"kaupunki".to_owned()),
        "{fi:?}"
    );
    // words the page has itself are not repeated
    assert!(!also.contains(&"uleåborg".to_owned()), "{also:?}");

    // kunta stems to kun ("when"): a page with a form of kunta holds the
    // exact word's token, once per form; a page that only says kun does not
    let token = "qxqkuntaqxq".to_owned();
    assert_eq!(fi.iter().filter(|word| **word == token).count(), 1, "{fi:?}");
    let partners = words(&fragments["/fi/partners/"], "also");
    assert!(
        fragments["/fi/partners/"]["content"]
            .as_str()
            .unwrap()
            .contains(" kun ")
    );
    assert!(!partners.contains(&token), "{partners:?}");
}

#[test]
fn only_what_a_search_needs_is_published_and_the_same_each_time() {
    let site = Site::fixture("search");
    assert_eq!(site.build().code, 0);
    let first = site.output_tree();
    let search: Vec<&str> = first
        .iter()
        .map(|(path, _)| path.as_str())
        .filter(|path| path.starts_with("assets/search/"))
        .collect();
    for needed in [
        "assets/search/pagefind.js",
        "assets/search/pagefind-entry.json",
        "assets/search/LICENSE-pagefind.txt",
        "assets/search/wasm.sv.pagefind",
        "assets/search/wasm.fi.pagefind",
        "assets/search/wasm.en.pagefind",
    ] {
        assert!(search.contains(&needed), "{needed} not in {search:?}");
    }
    assert!(
        !search
            .iter()
            .any(|path| path.contains("-ui") || path.contains("highlight")),
        "{search:?}"
    );
    assert!(
        site.output("assets/search/LICENSE-pagefind.txt")
            .contains("Permission is hereby granted")
    );

    assert_eq!(site.build().code, 0);
    assert!(first == site.output_tree(), "a second build published other bytes");
}

#[test]
fn every_page_has_a_search_form_and_each_language_an_a_to_z_page() {
    let site = Site::fixture("search");
    assert_eq!(site.build().code, 0);
    let oulu = site.output("fi/partners/oulu/index.html");
    assert!(
        oulu.contains(r#"<form class="site-search" role="search" action="../../search/index.html" method="get">"#),
        "{oulu}"
    );
    assert!(oulu.contains(r#"<label for="site-search-q">Hae sivustolta</label>"#));

    let page = site.output("sv/search/index.html");
    let main = main_of(&page);
    // the pages in Swedish alphabetical order: å, ä, ö after z; the home page is the site itself
    let order = ["Partner", "Tromsø", "Uleåborg", "Åbo", "Östersjön"];
    let at: Vec<usize> = order
        .iter()
        .map(|title| {
            main.find(&format!(">{title}</a>"))
                .unwrap_or_else(|| panic!("{title}: {main}"))
        })
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{order:?} at {at:?}");
    assert!(!main.contains(">Startsida</a>"));
    assert!(main.contains(r##"<a href="#az-å">Å</a>"##), "{main}");
    // a page's section beside it
    assert!(
        main.contains(r#">Uleåborg</a> <span class="meta">– Partner</span>"#),
        "{main}"
    );
    // the results' place, hidden until the script shows it, with its live region
    assert!(main.contains(r#"<div id="search" class="search" hidden"#));
    assert!(main.contains(r#"<p class="search-status" role="status"></p>"#));
    assert!(page.contains(r#"<script type="module" src="../../assets/search."#));
    // result links end as the site's links do (link_index_html), which the script reads
    assert!(main.contains(r#"data-index-html="true""#), "{main}");
    // the forms of exact words, which the script sends as their token
    let fi_page = site.output("fi/search/index.html");
    let fi = main_of(&fi_page);
    assert!(fi.contains(" kunnan=qxqkuntaqxq "), "{fi}");
    assert!(!main.contains("kunnan="), "Finnish rules only: {main}");
    // said when the script cannot run; the script removes it
    assert!(
        main.contains(r#"<p class="search-noscript" id="search-noscript">"#),
        "{main}"
    );
    // the plural forms of the count line, for the script
    assert!(
        main.contains(r#"data-count-one="{count} träff för ”{query}”""#),
        "{main}"
    );
    // a page only in Swedish is listed for English readers too (the site
    // falls back), marked as Swedish, and filed as English files it: Å is A
    let en = site.output("en/search/index.html");
    let en = main_of(&en);
    let abo = en.find(">Åbo</a>").unwrap_or_else(|| panic!("{en}"));
    assert!(
        en[..abo]
            .rfind("<a ")
            .is_some_and(|a| en[a..abo].contains(r#"hreflang="sv""#)),
        "{en}"
    );
    let (letter_a, letter_b) = (en.find(r#"id="az-a""#).unwrap(), en.find(r#"id="az-p""#).unwrap());
    assert!(letter_a < abo && abo < letter_b, "{en}");
}

#[test]
fn without_search_nothing_of_it_is_made() {
    let site = Site::fixture("search");
    let config = std::fs::read_to_string(site.root().join("book.toml")).unwrap();
    site.write("book.toml", &format!("{config}\n[build]\nsearch = false\n"));
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!site.output_exists("assets/search"));
    assert!(!site.output_exists("sv/search/index.html"));
    assert!(!site.output("sv/index.html").contains("site-search"));
}

#[test]
fn a_mistake_in_a_languages_search_rules_is_named_where_it_is() {
    let site = Site::fixture("search");
    site.write("i18n/fi.search.yaml", "compounds: true\ngrade:\n  - [ng, nk]\n");
    let run = site.build();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("i18n/fi.search.yaml:2:1"), "{}", run.stderr);
    assert!(run.stderr.contains("grades"), "the nearest key as hint: {}", run.stderr);
}

#[test]
fn search_rules_that_parse_but_mean_nothing_are_refused() {
    let site = Site::fixture("search");
    site.write(
        "i18n/sv.search.yaml",
        "compounds: true\nlinking: [\"\"]\ngrades:\n  - [\"\", a]\nalphabet: \"a a b\"\nmin_part: 0\nexact:\n  boden: [Bodens]\n  bod: [boden]\n",
    );
    let run = site.build();
    assert_eq!(run.code, 1, "{}", run.stderr);
    for expected in [
        "i18n/sv.search.yaml:2:1",
        "a linking letter is empty",
        "i18n/sv.search.yaml:3:1",
        "has an empty side",
        "i18n/sv.search.yaml:5:1",
        "`a` is in the alphabet twice",
        "i18n/sv.search.yaml:6:1",
        "`min_part` is 0",
        "i18n/sv.search.yaml:7:1",
        "`Bodens` under `boden` is not one lower-case word",
        "`boden` is a form of both `bod` and `boden`",
    ] {
        assert!(run.stderr.contains(expected), "{expected} not in {}", run.stderr);
    }

    // at the value itself, also in flow style, and letters only
    site.write(
        "i18n/fi.search.yaml",
        "compounds: true\nlinking: [\"=\"]\ngrades:\n  - [\"<b>\", a]\nexact: {kunta: [kunnan,\n  Kunnassa]}\n",
    );
    let run = site.build();
    assert_eq!(run.code, 1, "{}", run.stderr);
    for expected in [
        "i18n/fi.search.yaml:2:12",
        "the linking letters `=` are not lower-case letters",
        "i18n/fi.search.yaml:4:7",
        "is not lower-case letters",
        "i18n/fi.search.yaml:6:3",
        "`Kunnassa` under `kunta` is not one lower-case word",
    ] {
        assert!(run.stderr.contains(expected), "{expected} not in {}", run.stderr);
    }
}

/// The search index's files in the output, by path.
fn index_files(site: &Site) -> BTreeMap<String, Vec<u8>> {
    site.output_tree()
        .into_iter()
        .filter(|(path, _)| path.starts_with("assets/search/"))
        .collect()
}

#[test]
fn an_unchanged_site_takes_its_index_from_the_cache_and_a_changed_page_indexes_anew() {
    let site = Site::fixture("search");
    assert_eq!(site.run(&["check"]).code, 0);
    let cache_dir = site.root().join(".plansite-cache/search");
    assert!(!cache_dir.exists(), "`check` writes nothing to the cache");
    assert_eq!(site.build().code, 0);
    let cached: Vec<_> = std::fs::read_dir(&cache_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(cached.len(), 1, "{cached:?}");

    // a stand-in the build cannot make itself: seeing it published proves
    // that nothing was indexed
    let mut stand_in = b"plansite search index 1\n".to_vec();
    for part in [&b"assets/search/stand-in.txt"[..], b"cached"] {
        stand_in.extend((part.len() as u64).to_le_bytes());
        stand_in.extend(part);
    }
    std::fs::write(&cached[0], &stand_in).unwrap();
    assert_eq!(site.build().code, 0);
    assert_eq!(site.output("assets/search/stand-in.txt"), "cached");

    // a page's text changes: the index is made anew, as a build without a
    // cache makes it, and the cache keeps one index
    let edit = |site: &Site| {
        let path = site.root().join("content/_index.fi.md");
        let text = std::fs::read_to_string(&path).unwrap();
        site.write(
            "content/_index.fi.md",
            &format!("{text}\nUusi lause Perämerenkaaresta.\n"),
        );
    };
    edit(&site);
    assert_eq!(site.build().code, 0);
    assert!(!site.output_exists("assets/search/stand-in.txt"));
    let fresh = Site::fixture("search");
    edit(&fresh);
    assert_eq!(fresh.build().code, 0);
    assert!(
        index_files(&site) == index_files(&fresh),
        "the cached build's index differs from a fresh one"
    );
    assert_eq!(std::fs::read_dir(&cache_dir).unwrap().count(), 1);

    // a damaged copy is made again
    let cached: Vec<_> = std::fs::read_dir(&cache_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    std::fs::write(&cached[0], b"plansite search index 1\n\xff\xff").unwrap();
    assert_eq!(site.build().code, 0);
    assert!(index_files(&site) == index_files(&fresh));
}

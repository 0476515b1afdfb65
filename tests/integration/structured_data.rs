//! The schema.org data (JSON-LD) in every page: read with a real HTML
//! parser and a JSON parser, and held to what each type needs.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

use crate::common::Site;

/// The JSON-LD graph of a page, by node id; none when the page has none.
fn graph(html: &str) -> Option<BTreeMap<String, Value>> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(r#"script[type="application/ld+json"]"#).unwrap();
    let scripts: Vec<_> = document.select(&selector).collect();
    assert!(scripts.len() <= 1, "one JSON-LD block per page");
    let text: String = scripts.first()?.text().collect();
    let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(value["@context"], "https://schema.org");
    Some(
        value["@graph"]
            .as_array()
            .unwrap()
            .iter()
            .map(|node| {
                (
                    node["@id"].as_str().expect("every node has an @id").to_owned(),
                    node.clone(),
                )
            })
            .collect(),
    )
}

fn has(node: &Value, keys: &[&str]) {
    for key in keys {
        assert!(
            node.get(*key).is_some_and(|v| !v.is_null() && v != ""),
            "{} has no `{key}`: {node}",
            node["@type"]
        );
    }
}

#[test]
fn every_page_of_the_real_site_has_a_graph_with_what_each_type_needs() {
    let repo = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    let run = Command::new(env!("CARGO_BIN_EXE_plansite"))
        .args(["build", "--root"])
        .arg(&repo)
        .arg("--output")
        .arg(&public)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let base = "https://www.lulea.se/internationellt/";
    let mut types: BTreeMap<String, usize> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(&public) {
        let entry = entry.unwrap();
        let rel = entry
            .path()
            .strip_prefix(&public)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if !rel.ends_with(".html") {
            continue;
        }
        let html = std::fs::read_to_string(entry.path()).unwrap();
        let Some(graph) = graph(&html) else {
            assert!(
                matches!(rel.as_str(), "index.html" | "404.html"),
                "{rel} has no JSON-LD"
            );
            continue;
        };
        // the page itself, under its canonical URL
        let url = format!("{base}{}", rel.trim_end_matches("index.html"));
        let page = graph.get(&url).unwrap_or_else(|| panic!("{rel}: no node {url}"));
        has(page, &["@type", "url", "name", "inLanguage", "isPartOf", "breadcrumb"]);
        for (id, node) in &graph {
            assert!(id.starts_with(base), "{rel}: {id} is not under the base URL");
            let kind = node["@type"].as_str().unwrap();
            *types.entry(kind.to_owned()).or_default() += 1;
            match kind {
                "BreadcrumbList" => {
                    let items = node["itemListElement"].as_array().unwrap();
                    assert!(!items.is_empty());
                    for (i, item) in items.iter().enumerate() {
                        assert_eq!(item["position"], i + 1, "{rel}");
                        has(item, &["name", "item"]);
                    }
                    assert_eq!(
                        items.last().unwrap()["item"],
                        url.as_str(),
                        "{rel}: the trail ends at the page"
                    );
                }
                "NewsArticle" => has(
                    node,
                    &[
                        "headline",
                        "datePublished",
                        "dateModified",
                        "inLanguage",
                        "publisher",
                        "author",
                    ],
                ),
                "City" | "Place" => {
                    has(node, &["name", "url", "containedInPlace"]);
                }
                "Organization" | "Project" => has(node, &["name", "url", "member"]),
                "GovernmentOrganization" => has(node, &["name", "url"]),
                "WebSite" => has(node, &["name", "url", "publisher", "inLanguage"]),
                "DigitalDocument" => {
                    has(node, &["name", "inLanguage", "publisher", "encoding"]);
                    let encodings = node["encoding"].as_array().unwrap();
                    assert_eq!(encodings.len(), 6, "a PDF and an EPUB per language");
                    let formats: Vec<&str> = encodings.iter().filter_map(|e| e["encodingFormat"].as_str()).collect();
                    assert_eq!(
                        formats.iter().filter(|f| **f == "application/pdf").count(),
                        3,
                        "{formats:?}"
                    );
                    assert_eq!(
                        formats.iter().filter(|f| **f == "application/epub+zip").count(),
                        3,
                        "{formats:?}"
                    );
                    for encoding in encodings {
                        let href = encoding["contentUrl"].as_str().unwrap();
                        let file = public.join(href.strip_prefix(base).unwrap());
                        assert!(file.exists(), "{href} is not published");
                    }
                }
                "WebPage" => {}
                other => panic!("{rel}: unexpected type {other}"),
            }
            // what a node refers to is in the graph or is a page, the site or the publisher
            for key in ["mainEntity", "breadcrumb", "publisher", "member"] {
                if let Some(target) = node[key]["@id"].as_str() {
                    assert!(
                        graph.contains_key(target) || target.ends_with("#publisher") || target.ends_with("#website"),
                        "{rel}: {key} {target} is not in the graph"
                    );
                }
            }
        }
        if rel.ends_with("partners/oulu/index.html") {
            let entity = &graph[&format!("{url}#entity")];
            assert_eq!(entity["@type"], "City");
            assert_eq!(entity["geo"]["latitude"], 65.0121);
            assert_eq!(entity["containedInPlace"]["identifier"], "FI");
        }
    }
    for kind in [
        "WebSite",
        "GovernmentOrganization",
        "City",
        "Organization",
        "Project",
        "NewsArticle",
        "BreadcrumbList",
        "DigitalDocument",
    ] {
        assert!(types.contains_key(kind), "no {kind} on the site: {types:?}");
    }
}

#[test]
fn a_name_cannot_end_the_script_element() {
    let site = Site::fixture("open_data");
    let facts = std::fs::read_to_string(site.root().join("content/partners/oulu.yaml")).unwrap();
    let hostile = "Oulu</script><script>alert(1)</script><!--";
    site.write(
        "content/partners/oulu.yaml",
        &facts.replace("fi: Oulu, en: Oulu", &format!("fi: \"{hostile}\", en: Oulu")),
    );
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = site.output("fi/partners/oulu/index.html");
    assert_eq!(html.matches("<script").count(), 1, "{html}");
    let graph = graph(&html).unwrap();
    let entity = &graph["https://example.org/intl/fi/partners/oulu/#entity"];
    assert_eq!(entity["name"], hostile);
}

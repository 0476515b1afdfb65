//! Open data: `data/entities.json`, `entities.csv`, `figures.csv` and
//! `entities.geojson`, read back with a JSON parser and an RFC 4180 reader.

use crate::common::Site;

fn built() -> Site {
    let site = Site::fixture("open_data");
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    site
}

fn json(site: &Site, path: &str) -> serde_json::Value {
    serde_json::from_str(&site.output(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_entity_is_in_every_file_with_its_facts() {
    let site = built();
    let entities = json(&site, "data/entities.json");
    let entities = entities["entities"].as_array().unwrap();
    let ids: Vec<&str> = entities.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["networks/bothnian-arc", "partners/oulu", "twin-towns/puerto-cabezas"]
    );

    let oulu = &entities[1];
    assert_eq!(oulu["kind"], "partner-city");
    assert_eq!(
        oulu["name"],
        serde_json::json!({"sv": "Uleåborg", "fi": "Oulu", "en": "Oulu"})
    );
    assert_eq!(oulu["country"], serde_json::json!(["FI"]));
    assert_eq!(oulu["since"], "2019-02");
    assert_eq!(oulu["coordinates"], serde_json::json!({"lat": 65.0121, "lon": 25.4651}));
    assert_eq!(oulu["figures"][0]["value"], 214000.0);
    assert_eq!(oulu["figures"][0]["year"], 2023);
    assert_eq!(oulu["figures"][0]["source"]["en"], "City of Oulu, \"Facts\", 2023");
    assert_eq!(oulu["url"]["fi"], "https://example.org/intl/fi/partners/oulu/");
    // a page only in Swedish has only its Swedish address; its names come from its facts
    let arc = &entities[0];
    assert_eq!(arc["url"].as_object().unwrap().len(), 1);
    assert_eq!(arc["name"]["fi"], "Perämerenkaari");
    assert_eq!(arc["country"], serde_json::json!(["SE", "FI"]));
    let cabezas = &entities[2];
    assert_eq!(cabezas["period"], serde_json::json!({"from": "1987", "to": "2017-06"}));
    assert_eq!(cabezas["status"], "dormant");
    // no name in the facts: the page's title in each language, the source's where it has none
    assert_eq!(cabezas["name"]["fi"], "Puerto Cabezas");

    // RFC 4180: CRLF after every record, quotes doubled, the same ids in the same order
    let csv = site.output("data/entities.csv");
    assert!(
        csv.ends_with("\r\n") && !csv.replace("\r\n", "").contains('\n'),
        "{csv:?}"
    );
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(&header[..5], ["id", "kind", "name_sv", "name_fi", "name_en"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let csv_ids: Vec<&str> = rows.iter().map(|row| &row[0]).collect();
    assert_eq!(csv_ids, ids);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(&rows[0][column("country")], "SE;FI");
    assert_eq!(
        &rows[2][column("website")],
        "https://example.org/puerto-cabezas?a=1&b=2"
    );
    assert_eq!(&rows[2][column("lon")], "-83.3833");
    let figures = site.output("data/figures.csv");
    let mut reader = csv::Reader::from_reader(figures.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][0], "partners/oulu");
    assert_eq!(&rows[0][7], "Oulun kaupunki, \"Faktat\", 2023");

    // GeoJSON (RFC 7946): a point per entity with coordinates, longitude first
    let geo = json(&site, "data/entities.geojson");
    assert_eq!(geo["type"], "FeatureCollection");
    let features = geo["features"].as_array().unwrap();
    let placed: Vec<&str> = features.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(placed, ["partners/oulu", "twin-towns/puerto-cabezas"]);
    assert_eq!(
        features[1]["geometry"],
        serde_json::json!({"type": "Point", "coordinates": [-83.3833, 14.0333]})
    );
    assert_eq!(features[0]["properties"]["name"]["sv"], "Uleåborg");
    assert!(features[0]["properties"].get("coordinates").is_none());
}

#[test]
fn the_data_files_are_the_same_each_time() {
    let site = built();
    let first: Vec<(String, Vec<u8>)> = site
        .output_tree()
        .into_iter()
        .filter(|(path, _)| path.starts_with("data/"))
        .collect();
    assert_eq!(first.len(), 4);
    assert_eq!(site.build().code, 0);
    let second: Vec<(String, Vec<u8>)> = site
        .output_tree()
        .into_iter()
        .filter(|(path, _)| path.starts_with("data/"))
        .collect();
    assert!(first == second, "a second build published other data");
}

#[test]
fn a_country_that_is_not_an_iso_code_is_named_where_it_is() {
    let site = Site::fixture("open_data");
    let facts = std::fs::read_to_string(site.root().join("content/networks/bothnian-arc.yaml")).unwrap();
    site.write(
        "content/networks/bothnian-arc.yaml",
        &facts.replace("[se, fi]", "[se, finland]"),
    );
    // a country the site knows, by a name that is not its code
    let strings = std::fs::read_to_string(site.root().join("i18n/sv.yaml")).unwrap();
    site.write(
        "i18n/sv.yaml",
        &strings.replacen("      se: Sverige\n", "      se: Sverige\n      finland: Finland\n", 1),
    );
    let run = site.build();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("content/networks/bothnian-arc.yaml:4:15"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("`finland` is not an ISO 3166-1 alpha-2 code"),
        "{}",
        run.stderr
    );

    // two letters that name no country
    site.write(
        "content/networks/bothnian-arc.yaml",
        &facts.replace("[se, fi]", "[se, xx]"),
    );
    site.write(
        "i18n/sv.yaml",
        &strings.replacen("      se: Sverige\n", "      se: Sverige\n      xx: Ingenstans\n", 1),
    );
    let run = site.build();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("`xx` is not an ISO 3166-1 alpha-2 code"),
        "{}",
        run.stderr
    );
}

#[test]
fn each_language_has_a_page_that_explains_the_files() {
    let site = Site::fixture("open_data");
    let config = std::fs::read_to_string(site.root().join("book.toml")).unwrap();
    site.write(
        "book.toml",
        &format!(
            "{config}\n[open_data]\nlicence = {{ name = \"CC0 1.0\", url = \"https://creativecommons.org/publicdomain/zero/1.0/\" }}\n"
        ),
    );
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = site.output("fi/open-data/index.html");
    let main = crate::common::main_of(&page);
    assert!(main.contains("<h1>Avoin data</h1>"), "{main}");
    // every file, linked, with its size as published
    let size = site.output("data/entities.json").len();
    let kb = (size as f64 / 1000.0).round().max(1.0);
    assert!(
        main.contains(&format!(
            r#"<a href="../../data/entities.json" type="application/json">entities.json</a> <span class="meta">(JSON, {kb} kB)</span>"#
        )),
        "{main}"
    );
    for name in ["entities.csv", "figures.csv", "entities.geojson"] {
        assert!(main.contains(&format!("../../data/{name}")), "{name}: {main}");
    }
    assert!(main.contains("Tietueiden määrä: 3 (joista 2 koordinaatein)."), "{main}");
    assert!(
        main.contains(r#"<a href="https://creativecommons.org/publicdomain/zero/1.0/">CC0 1.0</a>"#),
        "{main}"
    );
    assert!(main.contains("<code>name_sv, name_fi, name_en</code>"), "{main}");
    // linked from every page's footer, and in the sitemap
    assert!(
        site.output("sv/partners/oulu/index.html")
            .contains(r#"<a href="../../open-data/index.html">Öppna data</a>"#)
    );
    assert!(
        site.output("sitemap.xml")
            .contains("https://example.org/intl/en/open-data/")
    );
}

#[test]
fn without_a_licence_the_page_says_so_and_without_open_data_nothing_is_made() {
    let site = built();
    let main = site.output("en/open-data/index.html");
    assert!(main.contains("The municipality has not yet stated a licence for the files."));

    let config = std::fs::read_to_string(site.root().join("book.toml")).unwrap();
    site.write("book.toml", &format!("{config}\n[build]\nopen_data = false\n"));
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!site.output_exists("data"));
    assert!(!site.output_exists("datasets"));
    assert!(!site.output_exists("en/open-data/index.html"));
    assert!(!site.output("en/index.html").contains("open-data"));
}

#[test]
fn the_catalogue_for_data_portals_is_rdf_with_named_resources() {
    use oxrdfio::{RdfFormat, RdfParser};
    let site = Site::fixture("open_data");
    let config = std::fs::read_to_string(site.root().join("book.toml")).unwrap();
    site.write(
        "book.toml",
        &format!(
            "{config}\n[open_data]\nlicence = {{ name = \"CC0 1.0\", url = \"https://creativecommons.org/publicdomain/zero/1.0/\" }}\norganisation_number = \"212000-2627\"\ncontact_email = \"data@example.org\"\n"
        ),
    );
    site.write(
        "content/partners/oulu.fi.md",
        "---\ntitle: Oulu\ndate: \"2024-03-05\"\n---\nText.\n",
    );
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rdf = site.output("datasets/dcat.rdf");
    let quads: Vec<_> = RdfParser::from_format(RdfFormat::RdfXml)
        .for_slice(rdf.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("{e}\n{rdf}"));
    let rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
    let typed = |class: &str| -> Vec<_> {
        quads
            .iter()
            .filter(|q| q.predicate.as_str() == rdf_type && q.object.to_string() == format!("<{class}>"))
            .map(|q| q.subject.clone())
            .collect()
    };
    for (class, count) in [
        ("http://www.w3.org/ns/dcat#Catalog", 1),
        ("http://www.w3.org/ns/dcat#Dataset", 1),
        ("http://www.w3.org/ns/dcat#Distribution", 4),
        ("http://xmlns.com/foaf/0.1/Agent", 1),
        ("http://www.w3.org/2006/vcard/ns#Organization", 1),
    ] {
        let subjects = typed(class);
        assert_eq!(subjects.len(), count, "{class}");
        for subject in subjects {
            assert!(subject.is_named_node(), "{class} is a blank node");
        }
    }
    // no blank node anywhere
    assert!(
        quads
            .iter()
            .all(|q| !q.subject.is_blank_node() && !q.object.is_blank_node())
    );
    let objects_of = |predicate: &str| -> Vec<String> {
        quads
            .iter()
            .filter(|q| q.predicate.as_str() == predicate)
            .map(|q| q.object.to_string())
            .collect()
    };
    let titles = objects_of("http://purl.org/dc/terms/title");
    assert!(
        titles.iter().any(|t| t.ends_with("@sv")) && titles.iter().any(|t| t.ends_with("@en")),
        "{titles:?}"
    );
    // modified is the newest date of the content
    assert!(
        objects_of("http://purl.org/dc/terms/modified")
            .contains(&"\"2024-03-05\"^^<http://www.w3.org/2001/XMLSchema#date>".to_owned())
    );
    assert!(
        objects_of("http://purl.org/dc/terms/license")
            .contains(&"<https://creativecommons.org/publicdomain/zero/1.0/>".to_owned())
    );
    assert!(
        objects_of("http://purl.org/dc/terms/publisher")
            .contains(&"<https://dataportal.se/organisation/SE2120002627>".to_owned())
    );
    assert!(objects_of("http://www.w3.org/2006/vcard/ns#hasEmail").contains(&"<mailto:data@example.org>".to_owned()));
    assert!(
        objects_of("http://www.w3.org/ns/dcat#downloadURL")
            .contains(&"<https://example.org/intl/data/entities.geojson>".to_owned())
    );
    // the open data page links it
    assert!(
        site.output("en/open-data/index.html")
            .contains(r#"<a href="../../datasets/dcat.rdf" type="application/rdf+xml">dcat.rdf</a>"#)
    );
}

#[test]
fn an_organisation_number_or_e_mail_that_is_not_one_is_named_in_book_toml() {
    let site = Site::fixture("open_data");
    let config = std::fs::read_to_string(site.root().join("book.toml")).unwrap();
    site.write(
        "book.toml",
        &format!("{config}\n[open_data]\norganisation_number = \"2120-0026\"\n"),
    );
    let run = site.build();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("`2120-0026` is not a Swedish organisation number"),
        "{}",
        run.stderr
    );
    site.write(
        "book.toml",
        &format!("{config}\n[open_data]\ncontact_email = \"data at example.org\"\n"),
    );
    let run = site.build();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("`data at example.org` is not an e-mail address"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("book.toml:"), "{}", run.stderr);
}

#[test]
fn what_a_spreadsheet_or_a_terminal_would_run_never_reaches_the_data() {
    let site = Site::fixture("open_data");
    // a name a spreadsheet would read as a formula, and control characters
    // written as YAML escapes
    let facts = std::fs::read_to_string(site.root().join("content/partners/oulu.yaml")).unwrap();
    site.write(
        "content/partners/oulu.yaml",
        &facts
            .replace("en: Oulu }", "en: \"=cmd|' /C calc'!A0\" }")
            .replace("fi: Oulu,", "fi: \"Ou\\x1B[31mlu\\0\","),
    );
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = json(&site, "data/entities.json");
    let oulu = &json["entities"][1];
    assert_eq!(oulu["name"]["fi"], "Ou[31mlu", "control characters removed");
    assert_eq!(oulu["name"]["en"], "=cmd|' /C calc'!A0", "JSON keeps the text as it is");
    // a whole number as one
    assert!(site.output("data/entities.json").contains("\"value\": 214000,"));
    let csv = site.output("data/entities.csv");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let name_en = header.iter().position(|h| h == "name_en").unwrap();
    assert_eq!(
        &rows[1][name_en], "'=cmd|' /C calc'!A0",
        "the CSV cell is text, not a formula"
    );
    assert!(!csv.contains('\u{1b}') && !csv.contains('\0'));
    // a negative longitude is a number, not a formula
    let lon = header.iter().position(|h| h == "lon").unwrap();
    assert_eq!(&rows[2][lon], "-83.3833");
    for column in ["programme_sv", "lead_en", "related"] {
        assert!(header.iter().any(|h| h == column), "{column} in {header:?}");
    }
}

#[test]
fn a_figure_that_is_not_a_number_is_named_where_it_is() {
    let site = Site::fixture("open_data");
    let facts = std::fs::read_to_string(site.root().join("content/partners/oulu.yaml")).unwrap();
    site.write(
        "content/partners/oulu.yaml",
        &facts.replace("value: 214000", "value: .nan"),
    );
    let run = site.build();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("content/partners/oulu.yaml:10:"), "{}", run.stderr);
    assert!(run.stderr.contains("the figure NaN is not a number"), "{}", run.stderr);
}

//! Maps: the projection against a reference implementation (proj4rs), and
//! the maps the pages show read back: every place once on the map and once
//! in its list, the same each build.

use plansite::map::geo;

use crate::common::Site;

#[test]
fn the_projection_matches_proj4_for_known_places() {
    let from = proj4rs::proj::Proj::from_proj_string("+proj=longlat +R=6371000 +no_defs").unwrap();
    let to =
        proj4rs::proj::Proj::from_proj_string("+proj=laea +lat_0=63 +lon_0=20 +R=6371000 +units=m +no_defs").unwrap();
    // Oulu, Tromsø, Zenica: a regional map is about 2.5 km per pixel, so
    // 0.25 km is a tenth of a pixel
    for (lon, lat) in [(25.4651, 65.0121), (18.956, 69.6496), (17.9078, 44.2017)] {
        let mut point = (f64::to_radians(lon), f64::to_radians(lat), 0.0);
        proj4rs::transform::transform(&from, &to, &mut point).unwrap();
        let (x, y) = geo::laea(plansite::map::CENTER, (lon, lat)).unwrap();
        assert!(
            (x - point.0 / 1000.0).abs() < 0.25,
            "{lon} {lat}: x {x} vs {}",
            point.0 / 1000.0
        );
        assert!(
            (y - point.1 / 1000.0).abs() < 0.25,
            "{lon} {lat}: y {y} vs {}",
            point.1 / 1000.0
        );
    }
}

/// The numbers on a page's map, in the order drawn, and the ids its list links.
fn map_of(html: &str) -> (Vec<String>, Vec<String>) {
    let document = scraper::Html::parse_document(html);
    let numbers = scraper::Selector::parse("section.map svg .map-marker text").unwrap();
    let links = scraper::Selector::parse("section.map ol.map-places > li > a").unwrap();
    (
        document.select(&numbers).map(|n| n.text().collect()).collect(),
        document
            .select(&links)
            .map(|a| a.value().attr("href").unwrap().to_owned())
            .collect(),
    )
}

#[test]
fn every_place_is_once_on_the_map_and_once_in_its_list() {
    let site = Site::fixture("open_data");
    let config = std::fs::read_to_string(site.root().join("book.toml")).unwrap();
    site.write(
        "book.toml",
        &format!("{config}\n[map]\norigin = {{ name = \"Luleå\", lat = 65.5848, lon = 22.1547 }}\n"),
    );
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    // the home page: both places with coordinates, one near and one far
    let home = site.output("en/index.html");
    let (numbers, links) = map_of(&home);
    assert_eq!(numbers, ["1", "2"]);
    assert_eq!(
        links,
        ["partners/oulu/index.html", "twin-towns/puerto-cabezas/index.html"]
    );
    assert_eq!(
        home.matches("class=\"map-land\"").count(),
        2,
        "a regional map and a world overview"
    );
    assert!(home.contains("<title>Map: Home en</title>"), "{home}");
    assert!(home.contains("2 places, numbered as in the list below the map."));
    assert!(home.contains("By region: Nordic region: 1, Rest of the world: 1."));
    assert!(home.contains("The star shows Luleå."));
    assert!(home.contains(r#"role="img""#));
    // a section's page: its own places only
    let (numbers, links) = map_of(&site.output("sv/partners/index.html"));
    assert_eq!((numbers.len(), links.len()), (1, 1));
    // an entity's page: a locator without a number or a list
    let oulu = site.output("fi/partners/oulu/index.html");
    let (numbers, links) = map_of(&oulu);
    assert!(numbers.is_empty() && links.is_empty());
    assert!(
        oulu.contains("<title>Kartta, jossa näkyy kohteen Oulu sijainti</title><desc>65,01° P, 25,47° I</desc>"),
        "{oulu}"
    );
    // a section without places has no map
    assert!(!site.output("en/networks/index.html").contains("class=\"map"));

    let first = site.output_tree();
    assert_eq!(site.build().code, 0);
    assert!(first == site.output_tree(), "a second build drew other maps");
}

#[test]
fn coordinates_of_the_origin_out_of_range_are_refused() {
    let site = Site::fixture("open_data");
    let config = std::fs::read_to_string(site.root().join("book.toml")).unwrap();
    site.write(
        "book.toml",
        &format!("{config}\n[map]\norigin = {{ name = \"Luleå\", lat = 165.5848, lon = 22.1547 }}\n"),
    );
    let run = site.build();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("latitude 165.5848 is not between -90 and 90"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("book.toml:"), "{}", run.stderr);
}

#[test]
fn a_place_a_reader_is_not_shown_leaves_the_map_not_the_whole_map() {
    let site = Site::fixture("open_data");
    let config = std::fs::read_to_string(site.root().join("book.toml")).unwrap();
    // Puerto Cabezas has no Finnish page, and the site omits what is missing
    site.write(
        "book.toml",
        &config.replace("languages = ", "missing_translation = \"omit\"\nlanguages = "),
    );
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (numbers, links) = map_of(&site.output("fi/index.html"));
    assert_eq!(numbers, ["1"]);
    assert_eq!(links, ["partners/oulu/index.html"]);
    let (numbers, _) = map_of(&site.output("en/index.html"));
    assert_eq!(numbers, ["1", "2"]);
}

#[test]
fn a_map_section_that_is_not_a_section_is_named() {
    let site = Site::fixture("open_data");
    let config = std::fs::read_to_string(site.root().join("book.toml")).unwrap();
    site.write("book.toml", &format!("{config}\n[map]\nsections = [\"partnes\"]\n"));
    let run = site.build();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("map section `partnes` is not a section of the site"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("partners"), "the nearest as hint: {}", run.stderr);
}

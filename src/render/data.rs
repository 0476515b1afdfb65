//! Open data: every entity's facts (`content/**/<slug>.yaml`) as
//! `data/entities.json`, `data/entities.csv` with `data/figures.csv`, and
//! `data/entities.geojson`, made from the same facts the pages show.
//!
//! Deterministic: entities in id order, languages in the site's order,
//! nothing from the clock. URLs are absolute (from the base URL), as data
//! read outside the site needs them.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::diagnostics::Diagnostic;
use crate::render::OutputFile;
use crate::site::Site;
use crate::source::facts::Facts;
use crate::source::values::Localized;
use crate::urls;

/// Where the files are published.
pub const DATA_DIR: &str = "data";

/// One entity as the data files give it.
#[derive(Serialize)]
struct Entity<'a> {
    id: &'a str,
    kind: &'a str,
    /// Language → its name there.
    name: BTreeMap<&'a str, String>,
    /// ISO 3166-1 alpha-2 codes, upper-case.
    country: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    since: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    period: Option<Period>,
    #[serde(skip_serializing_if = "Option::is_none")]
    coordinates: Option<Coordinates>,
    #[serde(skip_serializing_if = "Option::is_none")]
    website: Option<&'a str>,
    focus: Vec<&'a str>,
    figures: Vec<Figure<'a>>,
    /// Language → the programme a project is funded by, and who leads it.
    #[serde(skip_serializing_if = "Option::is_none")]
    programme: Option<BTreeMap<&'a str, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lead: Option<BTreeMap<&'a str, String>>,
    /// The ids of the entities and pages it is related to.
    related: Vec<&'a str>,
    /// Language → the absolute URL of its page in that language.
    url: BTreeMap<&'a str, String>,
}

#[derive(Serialize)]
struct Period {
    from: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<String>,
}

#[derive(Serialize, Clone, Copy)]
struct Coordinates {
    lat: f64,
    lon: f64,
}

#[derive(Serialize)]
struct Figure<'a> {
    label: BTreeMap<&'a str, String>,
    #[serde(serialize_with = "number")]
    value: f64,
    source: BTreeMap<&'a str, String>,
    year: i32,
}

/// A whole number as one (`680000`, not `680000.0`), as the CSV has it.
fn number<S: serde::Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        serializer.serialize_i64(*value as i64)
    } else {
        serializer.serialize_f64(*value)
    }
}

/// Text from the facts without control characters, which YAML escapes
/// (`\0`, `\x1B`) can carry past the reader's check.
fn clean(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() && !matches!(*c, '\u{2028}' | '\u{2029}' | '\u{FFFE}' | '\u{FFFF}'))
        .collect()
}

/// A text cell as a spreadsheet reads it safely: one that begins as a
/// formula would (`=`, `+`, `-`, `@`) gets a leading apostrophe, which
/// Excel and LibreOffice show as text.
fn text_cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The officially assigned ISO 3166-1 alpha-2 codes (249, as of ISO 3166-1:2020
/// and its newsletters; Kosovo's `XK` is user-assigned and not among them).
const ISO_3166_ALPHA_2: &str = concat!(
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI ",
    "BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN ",
    "CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK ",
    "FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM ",
    "HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN ",
    "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ",
    "ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP ",
    "NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ",
    "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF ",
    "TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI ",
    "VN VU WF WS YE YT ZA ZM ZW"
);

/// The id of every language's page about the files.
pub const PAGE_ID: &str = "open-data";

/// The files, in the order the page lists them: name, format, and the key
/// of its description among the interface strings.
pub const FILES: [(&str, &str, &str); 4] = [
    ("entities.json", "JSON", "open_data.file.json"),
    ("entities.csv", "CSV", "open_data.file.csv"),
    ("figures.csv", "CSV", "open_data.file.figures"),
    ("entities.geojson", "GeoJSON", "open_data.file.geojson"),
];

/// The entities the files give: facts of an id that has pages.
pub fn entities(site: &Site) -> impl Iterator<Item = (&String, &crate::source::load::EntityFacts)> {
    site.facts.iter().filter(|(id, _)| site.ids.contains_key(*id))
}

/// The data files, or what in the facts cannot be given as open data.
pub fn files(site: &Site) -> (Vec<OutputFile>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let entities: Vec<Entity> = entities(site)
        .map(|(id, facts)| {
            let (entity, problems) = entity(site, id, &facts.facts);
            diagnostics.extend(problems.into_iter().map(|((line, col), message)| {
                Diagnostic::error(&facts.file, message)
                    .at(&facts.text, line, col)
                    .with_hint("open data gives countries as ISO 3166-1 alpha-2 codes (`fi`, `se`, `no`)")
            }));
            entity
        })
        .collect();
    if !diagnostics.is_empty() {
        return (Vec::new(), diagnostics);
    }
    let languages: Vec<&str> = site.languages().iter().map(String::as_str).collect();
    let files = FILES
        .iter()
        .map(|(name, _, _)| {
            let bytes = match *name {
                "entities.json" => json(&entities),
                "entities.csv" => entities_csv(&entities, &languages),
                "figures.csv" => figures_csv(&entities, &languages),
                _ => geojson(&entities),
            };
            OutputFile::new(format!("{DATA_DIR}/{name}"), bytes)
        })
        .collect();
    (files, diagnostics)
}

/// An entity from its facts; where countries that are not ISO codes are
/// (line, column), with why.
type Problem = ((usize, usize), String);

fn entity<'a>(site: &'a Site, id: &'a str, facts: &'a Facts) -> (Entity<'a>, Vec<Problem>) {
    let languages = site.languages();
    let mut problems = Vec::new();
    let country = facts
        .country
        .iter()
        .filter_map(|code| {
            let text = code.value.as_str();
            let upper = text.to_ascii_uppercase();
            if text.len() == 2
                && text.bytes().all(|b| b.is_ascii_lowercase())
                && ISO_3166_ALPHA_2.split(' ').any(|c| c == upper)
            {
                Some(upper)
            } else if !site
                .strings
                .has(site.source_lang(), &format!("taxonomy.country.terms.{text}"))
            {
                // an unknown country, reported as such where the terms are checked
                None
            } else {
                problems.push((
                    (code.referenced.line() as usize, code.referenced.column() as usize),
                    format!("country `{text}` is not an ISO 3166-1 alpha-2 code"),
                ));
                None
            }
        })
        .collect();
    let name = languages
        .iter()
        .map(|lang| {
            let own = match &facts.name {
                Some(Localized::Same(name)) => Some(name.clone()),
                Some(Localized::PerLanguage(names)) => names.get(lang).cloned(),
                None => None,
            };
            let name = own
                .or_else(|| site.ids[id].get(lang).map(|&ix| site.pages[ix].front.title.clone()))
                .or_else(|| site.version(id, lang).map(|page| page.front.title.clone()))
                .unwrap_or_default();
            (lang.as_str(), clean(&name))
        })
        .collect();
    let localized = |value: &'a Localized| -> BTreeMap<&'a str, String> {
        languages
            .iter()
            .map(|lang| (lang.as_str(), clean(value.get(lang, site.source_lang()))))
            .collect()
    };
    let base = &site.config.site.base_url;
    let entity = Entity {
        id,
        kind: facts.kind.value.as_str(),
        name,
        country,
        status: facts.status.map(|status| status.key()),
        since: facts.since.map(|date| date.to_string()),
        period: facts.period.as_ref().map(|period| Period {
            from: period.from.to_string(),
            to: period.to.map(|date| date.to_string()),
        }),
        coordinates: facts.coordinates.map(|c| Coordinates { lat: c.lat, lon: c.lon }),
        website: facts.website.as_ref().map(|url| url.as_str()),
        focus: facts.focus.iter().map(|term| term.value.as_str()).collect(),
        figures: facts
            .figures
            .iter()
            .map(|figure| Figure {
                label: localized(&figure.label),
                value: figure.value,
                source: localized(&figure.source),
                year: figure.year,
            })
            .collect(),
        programme: facts.programme.as_ref().map(localized),
        lead: facts.lead.as_ref().map(localized),
        related: facts.related.iter().map(|id| id.value.as_str()).collect(),
        url: site.ids[id]
            .keys()
            .map(|lang| (lang.as_str(), urls::absolute(base, &urls::page_dir(lang, id))))
            .collect(),
    };
    (entity, problems)
}

fn json(entities: &[Entity]) -> Vec<u8> {
    #[derive(Serialize)]
    struct Document<'a> {
        entities: &'a [Entity<'a>],
    }
    let mut out = serde_json::to_vec_pretty(&Document { entities }).expect("entities serialize");
    out.push(b'\n');
    out
}

/// GeoJSON (RFC 7946): a point for each entity with coordinates, in
/// longitude, latitude order.
fn geojson(entities: &[Entity]) -> Vec<u8> {
    let features: Vec<serde_json::Value> = entities
        .iter()
        .filter_map(|entity| {
            let at = entity.coordinates?;
            let mut properties = serde_json::to_value(entity).expect("an entity serializes");
            if let Some(map) = properties.as_object_mut() {
                map.remove("coordinates");
            }
            Some(serde_json::json!({
                "type": "Feature",
                "id": entity.id,
                "geometry": { "type": "Point", "coordinates": [at.lon, at.lat] },
                "properties": properties,
            }))
        })
        .collect();
    let collection = serde_json::json!({ "type": "FeatureCollection", "features": features });
    let mut out = serde_json::to_vec_pretty(&collection).expect("features serialize");
    out.push(b'\n');
    out
}

/// RFC 4180: a header, CRLF after every record, fields quoted where they
/// must be; lists joined with `;`.
fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new())
}

fn finish(writer: csv::Writer<Vec<u8>>) -> Vec<u8> {
    writer.into_inner().expect("writing into memory cannot fail")
}

fn entities_csv(entities: &[Entity], languages: &[&str]) -> Vec<u8> {
    let mut writer = csv_writer();
    let mut header: Vec<String> = vec!["id".into(), "kind".into()];
    header.extend(languages.iter().map(|lang| format!("name_{lang}")));
    header.extend(
        [
            "country",
            "status",
            "since",
            "period_from",
            "period_to",
            "lat",
            "lon",
            "website",
            "focus",
            "figures",
        ]
        .map(String::from),
    );
    header.extend(languages.iter().map(|lang| format!("programme_{lang}")));
    header.extend(languages.iter().map(|lang| format!("lead_{lang}")));
    header.push("related".into());
    header.extend(languages.iter().map(|lang| format!("url_{lang}")));
    writer.write_record(&header).expect("writing into memory cannot fail");
    for entity in entities {
        let mut record: Vec<String> = vec![entity.id.into(), entity.kind.into()];
        record.extend(
            languages
                .iter()
                .map(|lang| text_cell(entity.name.get(lang).map_or("", String::as_str))),
        );
        let (lat, lon) = entity
            .coordinates
            .map(|c| (c.lat.to_string(), c.lon.to_string()))
            .unwrap_or_default();
        record.extend([
            entity.country.join(";"),
            entity.status.unwrap_or_default().into(),
            entity.since.clone().unwrap_or_default(),
            entity.period.as_ref().map(|p| p.from.clone()).unwrap_or_default(),
            entity.period.as_ref().and_then(|p| p.to.clone()).unwrap_or_default(),
            lat,
            lon,
            entity.website.unwrap_or_default().into(),
            entity.focus.join(";"),
            entity.figures.len().to_string(),
        ]);
        for field in [&entity.programme, &entity.lead] {
            record.extend(
                languages
                    .iter()
                    .map(|lang| text_cell(field.as_ref().and_then(|f| f.get(lang)).map_or("", String::as_str))),
            );
        }
        record.push(entity.related.join(";"));
        record.extend(
            languages
                .iter()
                .map(|lang| entity.url.get(lang).cloned().unwrap_or_default()),
        );
        writer.write_record(&record).expect("writing into memory cannot fail");
    }
    finish(writer)
}

/// The figures, one row each, beside `entities.csv` (a row per entity
/// cannot hold a list of them).
fn figures_csv(entities: &[Entity], languages: &[&str]) -> Vec<u8> {
    let mut writer = csv_writer();
    let mut header: Vec<String> = vec!["id".into(), "year".into(), "value".into()];
    header.extend(languages.iter().map(|lang| format!("label_{lang}")));
    header.extend(languages.iter().map(|lang| format!("source_{lang}")));
    writer.write_record(&header).expect("writing into memory cannot fail");
    for entity in entities {
        for figure in &entity.figures {
            let mut record: Vec<String> = vec![entity.id.into(), figure.year.to_string(), figure.value.to_string()];
            record.extend(
                languages
                    .iter()
                    .map(|lang| text_cell(figure.label.get(lang).map_or("", String::as_str))),
            );
            record.extend(
                languages
                    .iter()
                    .map(|lang| text_cell(figure.source.get(lang).map_or("", String::as_str))),
            );
            writer.write_record(&record).expect("writing into memory cannot fail");
        }
    }
    finish(writer)
}

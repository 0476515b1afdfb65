//! The maps pages show (drawn by [`crate::map`]): a section's places with
//! the list that is their text alternative and their navigation, every
//! place on the home page, and a locator on an entity's page.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{Link, Texts, coordinates_text, link};
use crate::map::{self, Place, Shape};
use crate::site::Site;
use crate::source::facts::Coordinates;
use crate::source::load::SourcePage;

#[derive(Serialize)]
pub struct MapView {
    heading: String,
    /// The SVG, inline.
    svg: String,
    /// Each kind's marker and name.
    legend: Vec<LegendItem>,
    /// The places in the order of their numbers; empty on a locator.
    places: Vec<MapPlace>,
    /// The SVG's title and description, as text.
    #[serde(skip)]
    title: String,
    #[serde(skip)]
    desc: String,
}

#[derive(Serialize)]
struct LegendItem {
    icon: String,
    name: String,
}

#[derive(Serialize)]
struct MapPlace {
    link: Link,
    kind: String,
    country: String,
}

/// The map `page` shows, if any.
pub(super) fn map_view(site: &Site, texts: &Texts, page: &SourcePage, dir: &str) -> Option<MapView> {
    let config = &site.config.map;
    let lang = page.lang.as_str();
    let ids: Vec<&str> = if page.id.is_empty() {
        if !config.home {
            return None;
        }
        site.facts.keys().map(String::as_str).collect()
    } else if page.is_section {
        let children: Vec<&str> = site.children.get(&page.id)?.iter().map(String::as_str).collect();
        let listed = match &config.sections {
            Some(sections) => sections.iter().any(|s| s.as_str() == page.id),
            None => children.iter().any(|id| coordinates(site, id).is_some()),
        };
        if !listed {
            return None;
        }
        if children.iter().any(|id| coordinates(site, id).is_some()) {
            children
        } else {
            // a section of networks has no places itself: the places it links
            let related: BTreeSet<&str> = children
                .iter()
                .filter_map(|id| site.related.get(*id))
                .flatten()
                .map(String::as_str)
                .collect();
            related.into_iter().collect()
        }
    } else {
        return config.locator.then(|| locator(site, texts, page)).flatten();
    };
    places_map(site, texts, lang, Some(dir), ids, &page.front.title)
}

/// The map of the places the home page shows, for the plan's PDF:
/// the SVG, its text alternative (title and description), and each place
/// as a line of the numbered list beside it.
pub(crate) fn plan_map(
    site: &Site,
    texts: &Texts,
    lang: &str,
    title: &str,
) -> Option<(String, String, String, Vec<String>)> {
    if !site.config.map.home {
        return None;
    }
    let ids: Vec<&str> = site.facts.keys().map(String::as_str).collect();
    let view = places_map(site, texts, lang, None, ids, title)?;
    let alt = format!("{} {}", view.title, view.desc);
    let lines = view
        .places
        .iter()
        .map(|p| {
            if p.country.is_empty() {
                format!("{} – {}", p.link.title, p.kind)
            } else {
                format!("{} – {}, {}", p.link.title, p.kind, p.country)
            }
        })
        .collect();
    Some((view.svg, alt, view.heading, lines))
}

/// The map of the places of `ids` that have coordinates, linked from
/// `dir` (absolute URLs without one).
fn places_map(
    site: &Site,
    texts: &Texts,
    lang: &str,
    dir: Option<&str>,
    ids: Vec<&str>,
    title: &str,
) -> Option<MapView> {
    let shapes = shapes(site);
    // near places first, each group from north to south: the numbers follow the map
    // a place whose page this reader is not shown (missing_translation =
    // "omit") is left out, not the whole map; the PDF lists what the home page does
    let from = dir.map_or_else(|| crate::urls::page_dir(lang, ""), str::to_owned);
    let mut located: Vec<(&str, Coordinates, Link)> = ids
        .into_iter()
        .filter(|id| site.ids.contains_key(*id))
        .filter_map(|id| Some((id, coordinates(site, id)?, link(site, &from, lang, id, None)?)))
        .collect();
    if located.is_empty() {
        return None;
    }
    located.sort_by(|a, b| {
        let near = |c: &Coordinates| !is_near(c);
        near(&a.1)
            .cmp(&near(&b.1))
            .then(b.1.lat.total_cmp(&a.1.lat))
            .then(a.0.cmp(b.0))
    });
    let mut places = Vec::new();
    let mut drawn = Vec::new();
    let mut kinds: BTreeMap<Shape, (String, usize)> = BTreeMap::new();
    let (mut near, mut far) = (0, 0);
    for (number, (id, at, link)) in located.iter().enumerate() {
        let facts = &site.facts[*id].facts;
        let kind = facts.kind.value.as_str();
        let shape = shapes[kind];
        let kind_name = texts.t(lang, &format!("taxonomy.kind.terms.{kind}"));
        kinds.entry(shape).or_insert_with(|| (kind_name.clone(), 0)).1 += 1;
        if is_near(at) {
            near += 1;
        } else {
            far += 1;
        }
        drawn.push(Place {
            number: Some(number + 1),
            at: (at.lon, at.lat),
            shape,
        });
        places.push(MapPlace {
            link: link.clone(),
            kind: kind_name,
            country: facts
                .country
                .iter()
                .map(|c| texts.t(lang, &format!("taxonomy.country.terms.{}", c.value)))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let count = located.len() as i64;
    let by_kind = kinds
        .values()
        .map(|(name, n)| format!("{name}: {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut regions = Vec::new();
    if near > 0 {
        regions.push(format!("{}: {near}", texts.t(lang, "map.region")));
    }
    if far > 0 {
        regions.push(format!("{}: {far}", texts.t(lang, "map.world")));
    }
    let desc = [
        texts.t_with(lang, "map.desc", Some(count), &[]),
        texts.t_with(lang, "map.by_kind", None, &[("list", by_kind)]),
        texts.t_with(lang, "map.by_region", None, &[("list", regions.join(", "))]),
    ]
    .join(" ");
    let origin = origin(site, lang).filter(|origin| near > 0 && map::is_near(origin.at));
    let desc = match &origin {
        Some(origin) => format!(
            "{desc} {}",
            texts.t_with(lang, "map.origin", None, &[("name", origin.name.clone())])
        ),
        None => desc,
    };
    let title = texts.t_with(lang, "map.title", None, &[("title", title.to_owned())]);
    let svg = map::overview(&drawn, origin.as_ref(), &title, &desc, &texts.t(lang, "map.world"))?;
    let mut legend: Vec<LegendItem> = origin
        .map(|origin| LegendItem {
            icon: map::star_icon(),
            name: origin.name,
        })
        .into_iter()
        .collect();
    legend.extend(kinds.into_iter().map(|(shape, (name, _))| LegendItem {
        icon: shape.icon(),
        name,
    }));
    Some(MapView {
        heading: texts.t(lang, "map.heading"),
        svg,
        legend,
        places,
        title,
        desc,
    })
}

/// The small map of where an entity is, on its own page.
fn locator(site: &Site, texts: &Texts, page: &SourcePage) -> Option<MapView> {
    let at = coordinates(site, &page.id)?;
    let lang = page.lang.as_str();
    let kind = site.facts[&page.id].facts.kind.value.as_str();
    let title = texts.t_with(lang, "map.locator", None, &[("name", site.name_of(page))]);
    let desc = coordinates_text(texts, &site.strings, lang, &at);
    let place = Place {
        number: None,
        at: (at.lon, at.lat),
        shape: shapes(site)[kind],
    };
    // the origin gives the bearings, on the regional map; not on its own page
    let origin = origin(site, lang).filter(|origin| {
        map::is_near(origin.at) && map::is_near(place.at) && (origin.at.0 - at.lon).hypot(origin.at.1 - at.lat) > 0.05
    });
    Some(MapView {
        heading: texts.t(lang, "map.location"),
        svg: map::locator(place, origin.as_ref(), &title, &desc)?,
        legend: Vec::new(),
        places: Vec::new(),
        title,
        desc,
    })
}

/// The place the site is about, named in `lang`.
fn origin(site: &Site, lang: &str) -> Option<map::Origin> {
    let origin = site.config.map.origin.as_ref()?;
    Some(map::Origin {
        at: (origin.lon, origin.lat),
        name: origin.name.get(lang, site.source_lang()).to_owned(),
    })
}

fn coordinates(site: &Site, id: &str) -> Option<Coordinates> {
    site.facts.get(id)?.facts.coordinates
}

fn is_near(at: &Coordinates) -> bool {
    map::is_near((at.lon, at.lat))
}

/// Each kind's marker, the same on every map: kinds with places first.
fn shapes(site: &Site) -> BTreeMap<&str, Shape> {
    let mut kinds: Vec<(bool, &str)> = Vec::new();
    for facts in site.facts.values() {
        let kind = facts.facts.kind.value.as_str();
        let located = facts.facts.coordinates.is_some();
        match kinds.iter_mut().find(|(_, k)| *k == kind) {
            Some(entry) => entry.0 |= located,
            None => kinds.push((located, kind)),
        }
    }
    kinds.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    kinds
        .into_iter()
        .enumerate()
        .map(|(i, (_, kind))| (kind, Shape(i)))
        .collect()
}

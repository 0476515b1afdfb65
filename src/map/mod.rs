//! Maps made at build time, without a tile server or a script: the places
//! of a section's entities (their `coordinates`) as numbered markers on an
//! inline SVG, and a small locator for an entity's own page.
//!
//! The coastlines and borders are Natural Earth's (public domain), as the
//! npm package `world-atlas` 2.0.2 publishes them (`data/`, with its licence
//! and checksums in `data/README.md`). Places near the Nordic region are
//! drawn in Lambert azimuthal equal-area centred on 20° E 63° N, simplified
//! to the size drawn; places further away in a world overview beneath it
//! (equirectangular). Colours are presentation attributes, so the SVG is
//! complete without the stylesheet (the PDF embeds it as it is); the
//! stylesheet overrides them in forced-colours mode. This module draws; the
//! text alternative (the list beside the map) is the template's.

pub mod geo;

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Mutex, OnceLock};

use geo::{LonLat, Px, Rect};

use crate::escape;

/// The centre of the regional projection.
pub const CENTER: LonLat = (20.0, 63.0);
/// Places within this distance of the centre are on the regional map.
const NEAR_KM: f64 = 1500.0;
/// The drawing's width, in pixels; it scales to its container.
const WIDTH: f64 = 600.0;
const LOCATOR_WIDTH: f64 = 300.0;

/// A place on a map: its number in the list beside the map (none on a
/// locator), where it is, and which marker its kind has.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    pub number: Option<usize>,
    pub at: LonLat,
    pub shape: Shape,
}

/// A marker's shape and colour, one per kind of entity, so that colour is
/// never the only cue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Shape(pub usize);

const COLOURS: [&str; 5] = ["#00467f", "#8a2d00", "#2f5d1e", "#5b2a86", "#6b5200"];
const SEA: &str = "#d4e6f1";
const LAND: &str = "#efede8";
const COAST: &str = "#7d8790";

impl Shape {
    pub fn colour(self) -> &'static str {
        COLOURS[self.0 % COLOURS.len()]
    }

    /// The marker centred on the origin, `r` pixels from centre to edge.
    fn outline(self, r: f64) -> String {
        let fill = self.colour();
        let around = format!("fill=\"{fill}\" stroke=\"#ffffff\" stroke-width=\"1.5\"");
        match self.0 % 5 {
            0 => format!("<circle r=\"{r}\" {around}/>"),
            1 => {
                let s = r * 0.9;
                format!(
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" {around}/>",
                    -s,
                    -s,
                    2.0 * s,
                    2.0 * s
                )
            }
            2 => {
                let s = r * 1.2;
                format!("<path d=\"M0 {}L{s} 0 0 {s}{} 0Z\" {around}/>", -s, -s)
            }
            3 => {
                let s = r * 1.25;
                format!(
                    "<path d=\"M0 {}L{} {}H{}Z\" {around}/>",
                    -s,
                    s * 0.95,
                    s * 0.7,
                    -s * 0.95
                )
            }
            _ => {
                // a hexagon
                let points: Vec<String> = (0..6)
                    .map(|i| {
                        let angle = f64::from(i) * std::f64::consts::FRAC_PI_3;
                        format!("{} {}", fmt1(r * 1.05 * angle.cos()), fmt1(r * 1.05 * angle.sin()))
                    })
                    .collect();
                format!("<path d=\"M{}Z\" {around}/>", points.join("L"))
            }
        }
    }

    /// The marker alone, for the legend beside the map.
    pub fn icon(self) -> String {
        format!(
            "<svg class=\"map-icon\" viewBox=\"-10 -10 20 20\" width=\"20\" height=\"20\" aria-hidden=\"true\" focusable=\"false\">{}</svg>",
            self.outline(8.0)
        )
    }
}

/// A map of `places`, numbered: the regional map of those near the Nordic
/// region, with a world overview beneath for the others. `None` without
/// places. `title` names it, `desc` describes it (counts, what the
/// numbers mean).
pub fn overview(
    places: &[Place],
    origin: Option<&Origin>,
    title: &str,
    desc: &str,
    world_label: &str,
) -> Option<String> {
    draw(places, origin, title, desc, world_label, WIDTH, 9.0)
}

/// A small map of one place, without a number.
pub fn locator(place: Place, origin: Option<&Origin>, title: &str, desc: &str) -> Option<String> {
    draw(&[place], origin, title, desc, "", LOCATOR_WIDTH, 8.0)
}

/// The place the site is about (Luleå), drawn as a labelled star on the
/// regional map for the reader to find their bearings.
#[derive(Debug, Clone)]
pub struct Origin {
    pub at: LonLat,
    pub name: String,
}

/// The origin's star, centred on the origin, `r` pixels to its points.
fn star(r: f64) -> String {
    let points: Vec<String> = (0..10)
        .map(|i| {
            let radius = if i % 2 == 0 { r } else { r * 0.45 };
            let angle = f64::from(i) * std::f64::consts::PI / 5.0 - std::f64::consts::FRAC_PI_2;
            format!("{} {}", fmt1(radius * angle.cos()), fmt1(radius * angle.sin()))
        })
        .collect();
    format!(
        "<path class=\"map-origin\" d=\"M{}Z\" fill=\"#1f2933\" stroke=\"#ffffff\" stroke-width=\"1.5\"/>",
        points.join("L")
    )
}

/// The origin's star alone, for the legend.
pub fn star_icon() -> String {
    format!(
        "<svg class=\"map-icon\" viewBox=\"-10 -10 20 20\" width=\"20\" height=\"20\" aria-hidden=\"true\" focusable=\"false\">{}</svg>",
        star(9.0)
    )
}

/// Whether a place is drawn on the regional map (else on the world overview).
pub fn is_near(at: LonLat) -> bool {
    geo::laea(CENTER, at).is_some_and(|(x, y)| x.hypot(y) <= NEAR_KM)
}

fn draw(
    places: &[Place],
    origin: Option<&Origin>,
    title: &str,
    desc: &str,
    world_label: &str,
    width: f64,
    r: f64,
) -> Option<String> {
    if places.is_empty() {
        return None;
    }
    let (near, far): (Vec<Place>, Vec<Place>) = places.iter().partition(|place| is_near(place.at));
    let origin = origin.filter(|origin| is_near(origin.at));
    let mut body = String::new();
    let mut height = 0.0;
    if !near.is_empty() {
        height += regional(&near, origin, width, r, &mut body);
    }
    if !far.is_empty() {
        let gap = if near.is_empty() { 0.0 } else { 8.0 };
        height += gap;
        height += world(&far, width, r, height, world_label, !near.is_empty(), &mut body);
    }
    Some(format!(
        "<svg class=\"map-svg\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {}\" role=\"img\" font-family=\"'Source Sans 3', sans-serif\"><title>{}</title><desc>{}</desc>{body}</svg>",
        round(height),
        escape::xml(title),
        escape::xml(desc)
    ))
}

/// The regional panel at the top; its height.
fn regional(places: &[Place], origin: Option<&Origin>, width: f64, r: f64, out: &mut String) -> f64 {
    let points: Vec<(f64, f64)> = places.iter().filter_map(|p| geo::laea(CENTER, p.at)).collect();
    let origin_at = origin.and_then(|origin| geo::laea(CENTER, origin.at));
    // a view of at least 700 km around the places, in the places' proportions
    let around = Rect::around(points.iter().copied().chain(origin_at)).expect("places");
    let aspect = (around.width() / around.height().max(1.0)).clamp(0.8, 1.5);
    let view = around.grown(120.0).at_least(700.0, 700.0).with_aspect(aspect);
    let scale = width / view.width();
    let height = view.height() * scale;
    let to_px = move |(x, y): (f64, f64)| ((x - view.x0) * scale, (view.y1 - y) * scale);
    let land = cached_land(Layer::Regional, &view, width, height, &|km: (f64, f64)| to_px(km));
    panel(out, 0.0, width, height, &land);
    let mut obstacles = Vec::new();
    if let (Some(origin), Some(at)) = (origin, origin_at) {
        let (x, y) = to_px(at);
        // the star and its name, which markers keep clear of
        let side = if x < width * 0.7 { 1.0 } else { -1.0 };
        let letters = origin.name.chars().count() as f64;
        obstacles.push((x, y));
        obstacles.extend((1..=(letters / 3.0).ceil() as usize).map(|i| (x + side * (r + 7.0 * 3.0 * i as f64), y)));
        // the name on the side with more room, on a halo that keeps it legible
        let (dx, anchor) = if x < width * 0.7 {
            (r + 3.0, "start")
        } else {
            (-r - 3.0, "end")
        };
        let _ = write!(
            out,
            "<g transform=\"translate({} {})\"><g class=\"map-mark\">{}<text x=\"{dx}\" y=\"4.5\" text-anchor=\"{anchor}\" font-size=\"13\" font-weight=\"700\" fill=\"#1f2933\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text></g></g>",
            round(x),
            round(y),
            star(r + 1.0),
            escape::xml(&origin.name)
        );
    }
    let at: Vec<Px> = points.into_iter().map(to_px).collect();
    let bounds = Rect {
        x0: 0.0,
        y0: 0.0,
        x1: width,
        y1: height,
    };
    markers(out, places, &at, r, bounds, &obstacles);
    height
}

/// The world panel at `top`; its height.
fn world(places: &[Place], width: f64, r: f64, top: f64, label: &str, with_region: bool, out: &mut String) -> f64 {
    let mut points: Vec<(f64, f64)> = places.iter().map(|p| p.at).collect();
    if with_region {
        points.push(CENTER);
    }
    let around = Rect::around(points.iter().copied()).expect("places");
    let aspect = (around.width() / around.height().max(1.0)).clamp(1.6, 2.6);
    let view = around.grown(8.0).at_least(40.0, 20.0).with_aspect(aspect);
    let scale = width / view.width();
    let height = view.height() * scale;
    let to_px = move |(lon, lat): (f64, f64)| ((lon - view.x0) * scale, (view.y1 - lat) * scale);
    let land = cached_land(Layer::World, &view, width, height, &|lonlat: (f64, f64)| to_px(lonlat));
    panel(out, top, width, height, &land);
    if with_region {
        // beneath the regional map: say what this one is, at its top left,
        // where the places are not (the Arctic Ocean)
        let _ = write!(
            out,
            "<g transform=\"translate(8 {})\"><text class=\"map-mark\" font-size=\"13\" fill=\"#1f2933\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text></g>",
            round(top + 18.0),
            escape::xml(label)
        );
    }
    let at: Vec<Px> = places.iter().map(|p| to_px(p.at)).map(|(x, y)| (x, y + top)).collect();
    let bounds = Rect {
        x0: 0.0,
        y0: top,
        x1: width,
        y1: top + height,
    };
    // the label at the top left is kept clear
    let label_at: Vec<Px> = if with_region {
        (0..label.chars().count().div_ceil(3))
            .map(|i| (14.0 + 21.0 * i as f64, top + 14.0))
            .collect()
    } else {
        Vec::new()
    };
    markers(out, places, &at, r, bounds, &label_at);
    height
}

/// The sea and the land of a panel at `top`.
fn panel(out: &mut String, top: f64, width: f64, height: f64, land: &str) {
    let _ = write!(
        out,
        "<g transform=\"translate(0 {})\"><rect class=\"map-sea\" width=\"{width}\" height=\"{}\" fill=\"{SEA}\"/><path class=\"map-land\" d=\"{land}\" fill=\"{LAND}\" stroke=\"{COAST}\" stroke-width=\"0.6\" stroke-linejoin=\"round\"/></g>",
        round(top),
        round(height)
    );
}

/// Numbered markers at `at`, moved apart where they would cover each
/// other or an `obstacle` (the origin's star and its name), kept inside
/// `bounds`, with a line from each moved marker to its place; the lines
/// are drawn first, so no line crosses a marker's number.
fn markers(out: &mut String, places: &[Place], at: &[Px], r: f64, bounds: Rect, obstacles: &[Px]) {
    let inside = |(x, y): Px| {
        (
            x.clamp(bounds.x0 + r, bounds.x1 - r),
            y.clamp(bounds.y0 + r, bounds.y1 - r),
        )
    };
    let mut placed: Vec<Px> = obstacles.to_vec();
    let mut lines = String::new();
    let mut marks = String::new();
    for (place, &point) in places.iter().zip(at) {
        let (x, y) = inside(point);
        let clear = |p: Px, placed: &[Px]| placed.iter().all(|q| (p.0 - q.0).hypot(p.1 - q.1) >= 2.2 * r);
        let mut spot = (x, y);
        if !clear(spot, &placed) {
            // rings of spots around the place, nearest first; the last resort
            // is the place itself
            spot = (1..=8)
                .flat_map(|ring| (0..8 * ring).map(move |step| (ring, step)))
                .map(|(ring, step)| {
                    let angle =
                        std::f64::consts::TAU * f64::from(step) / f64::from(8 * ring) - std::f64::consts::FRAC_PI_2;
                    let distance = f64::from(ring) * 2.4 * r;
                    inside((x + distance * angle.cos(), y + distance * angle.sin()))
                })
                .find(|p| clear(*p, &placed))
                .unwrap_or(spot);
            let _ = write!(
                lines,
                "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#1f2933\" stroke-width=\"1\"/><circle cx=\"{}\" cy=\"{}\" r=\"2\" fill=\"#1f2933\"/>",
                round(x),
                round(y),
                round(spot.0),
                round(spot.1),
                round(x),
                round(y)
            );
        }
        placed.push(spot);
        let _ = write!(
            marks,
            "<g class=\"map-marker map-marker-{}\" transform=\"translate({} {})\"><g class=\"map-mark\">{}",
            place.shape.0,
            round(spot.0),
            round(spot.1),
            place.shape.outline(r)
        );
        if let Some(number) = place.number {
            let _ = write!(
                marks,
                "<text y=\"{}\" text-anchor=\"middle\" font-size=\"{}\" font-weight=\"700\" fill=\"#ffffff\">{number}</text>",
                round(r * 0.4 + if place.shape.0 % 5 == 3 { 1.5 } else { 0.0 }),
                round(r * 1.15)
            );
        }
        marks.push_str("</g></g>");
    }
    let _ = write!(out, "<g class=\"map-markers\">{lines}{marks}</g>");
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Layer {
    Regional,
    World,
}

/// The land of a view as one path, made once per view and size: the same
/// map is drawn in every language.
fn cached_land(layer: Layer, view: &Rect, width: f64, height: f64, to_px: &dyn Fn((f64, f64)) -> Px) -> String {
    static CACHE: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    let key = format!("{:?}{:?}{width}{height}", layer as u8, view);
    let cache = CACHE.get_or_init(Default::default);
    if let Some(path) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return path;
    }
    let path = land(layer, view, width, height, to_px);
    if let Ok(mut cache) = cache.lock() {
        cache.insert(key, path.clone());
    }
    path
}

/// A country's rings in a layer's coordinates (kilometres for the regional
/// map, degrees for the world), with each ring's extent: projected once.
struct Projected {
    rings: Vec<(Rect, Vec<(f64, f64)>)>,
}

fn projected(layer: Layer) -> &'static [Projected] {
    static REGIONAL: OnceLock<Vec<Projected>> = OnceLock::new();
    static WORLD: OnceLock<Vec<Projected>> = OnceLock::new();
    let make = |countries: &[geo::Country], project: &dyn Fn(LonLat) -> Option<(f64, f64)>| {
        countries
            .iter()
            .map(|country| Projected {
                rings: country
                    .rings
                    .iter()
                    .filter_map(|ring| {
                        let points: Vec<(f64, f64)> = ring.iter().filter_map(|p| project(*p)).collect();
                        Some((Rect::around(points.iter().copied())?, points))
                    })
                    .collect(),
            })
            .collect()
    };
    match layer {
        Layer::Regional => REGIONAL.get_or_init(|| make(geo::countries_50m(), &|p| geo::laea(CENTER, p))),
        Layer::World => WORLD.get_or_init(|| {
            let unwrapped: Vec<geo::Country> = geo::countries_110m()
                .iter()
                .map(|country| geo::Country {
                    id: country.id.clone(),
                    rings: country.rings.iter().map(|ring| geo::unwrapped(ring)).collect(),
                })
                .collect();
            make(&unwrapped, &|p| Some(p))
        }),
    }
}

fn land(layer: Layer, view: &Rect, width: f64, height: f64, to_px: &dyn Fn((f64, f64)) -> Px) -> String {
    let frame = Rect {
        x0: -2.0,
        y0: -2.0,
        x1: width + 2.0,
        y1: height + 2.0,
    };
    let mut d = String::new();
    for country in projected(layer) {
        for (extent, ring) in &country.rings {
            if !extent.intersects(view) {
                continue;
            }
            let px: Vec<Px> = ring.iter().map(|p| to_px(*p)).collect();
            let clipped = geo::clip(&px, &frame);
            let simple = geo::simplify(&clipped, 0.5);
            if simple.len() < 3 || geo::area(&simple) < 1.5 {
                continue;
            }
            path(&mut d, &simple);
        }
    }
    d
}

/// A closed ring as path data: a move, then relative lines, one decimal.
fn path(d: &mut String, ring: &[Px]) {
    let mut last = (round1(ring[0].0), round1(ring[0].1));
    let _ = write!(d, "M{} {}", fmt1(last.0), fmt1(last.1));
    for &(x, y) in &ring[1..] {
        let point = (round1(x), round1(y));
        if point == last {
            continue;
        }
        let (dx, dy) = (point.0 - last.0, point.1 - last.1);
        let _ = write!(d, "l{}{}", fmt1(dx), signed(dy));
        last = point;
    }
    d.push('Z');
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn round(v: f64) -> f64 {
    round1(v)
}

/// A number with at most one decimal, without `-0` or trailing zeros.
fn fmt1(v: f64) -> String {
    let v = round1(v);
    let v = if v == 0.0 { 0.0 } else { v };
    let text = format!("{v:.1}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// `fmt1` with a separator where the path needs one: a minus sign is one.
fn signed(v: f64) -> String {
    let text = fmt1(v);
    if text.starts_with('-') {
        text
    } else {
        format!(" {text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(n: usize, at: LonLat) -> Place {
        Place {
            number: Some(n),
            at,
            shape: Shape(n % 2),
        }
    }

    #[test]
    fn near_places_are_on_the_regional_map_and_far_ones_on_the_world() {
        assert!(is_near((25.4651, 65.0121)), "Oulu");
        assert!(is_near((18.956, 69.6496)), "Tromsø");
        assert!(!is_near((17.9078, 44.2017)), "Zenica");
        assert!(!is_near((-83.3833, 14.0333)), "Puerto Cabezas");
        let svg = overview(
            &[place(1, (25.4651, 65.0121)), place(2, (-83.3833, 14.0333))],
            None,
            "Karta",
            "Två platser",
            "Övriga världen",
        )
        .unwrap();
        assert_eq!(svg.matches("class=\"map-marker ").count(), 2);
        assert_eq!(svg.matches("class=\"map-land\"").count(), 2, "two panels");
        assert!(svg.contains("<title>Karta</title><desc>Två platser</desc>"));
        assert!(svg.contains(">Övriga världen</text>"));
        assert!(overview(&[], None, "Karta", "", "").is_none());
    }

    #[test]
    fn markers_that_would_cover_each_other_are_moved_apart() {
        let svg = overview(
            &[place(1, (22.15, 65.58)), place(2, (22.16, 65.59))],
            None,
            "t",
            "d",
            "w",
        )
        .unwrap();
        assert_eq!(
            svg.matches("<line ").count(),
            1,
            "the second is moved, with a line to its place"
        );
    }

    #[test]
    fn markers_keep_clear_of_the_origin_and_inside_their_panel() {
        let origin = Origin {
            at: (22.1547, 65.5848),
            name: "Luleå".into(),
        };
        let places: Vec<Place> = (0..40).map(|n| place(n + 1, (22.1547, 65.5848))).collect();
        let svg = overview(&places, Some(&origin), "t", "d", "w").unwrap();
        let spots: Vec<(f64, f64)> = svg
            .split("class=\"map-marker ")
            .skip(1)
            .map(|rest| {
                let t = rest.split("translate(").nth(1).unwrap().split(')').next().unwrap();
                let (x, y) = t.split_once(' ').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect();
        assert_eq!(spots.len(), 40);
        let height: f64 = svg
            .split("viewBox=\"0 0 600 ")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        for (x, y) in &spots {
            assert!(
                (0.0..=600.0).contains(x) && (0.0..=height).contains(y),
                "{x} {y} outside"
            );
        }
        // not on the star: every marker at least a marker's width from it
        let star = svg
            .split("class=\"map-origin\"")
            .next()
            .unwrap()
            .rsplit("translate(")
            .next()
            .unwrap();
        let (sx, sy) = star.split(')').next().unwrap().split_once(' ').unwrap();
        let (sx, sy): (f64, f64) = (sx.parse().unwrap(), sy.parse().unwrap());
        assert!(
            spots.iter().all(|(x, y)| (x - sx).hypot(y - sy) >= 18.0),
            "a marker covers the star"
        );
        // lines are drawn before every marker
        assert!(svg.rfind("<line ").unwrap() < svg.find("class=\"map-marker ").unwrap());
    }

    #[test]
    fn the_same_places_draw_the_same_map() {
        let places = [place(1, (25.4651, 65.0121)), place(2, (14.4049, 67.2804))];
        assert_eq!(
            overview(&places, None, "t", "d", "w"),
            overview(&places, None, "t", "d", "w")
        );
    }

    /// WCAG's contrast ratio of two `#rrggbb` colours.
    fn contrast(a: &str, b: &str) -> f64 {
        let luminance = |hex: &str| {
            let channel = |i: usize| {
                let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
                if c <= 0.03928 {
                    c / 12.92
                } else {
                    ((c + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
        };
        let (a, b) = (luminance(a), luminance(b));
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    #[test]
    fn markers_stand_out_and_their_numbers_can_be_read() {
        for colour in COLOURS {
            assert!(
                contrast(colour, LAND) >= 3.0 && contrast(colour, SEA) >= 3.0,
                "{colour}"
            );
            assert!(contrast(colour, "#ffffff") >= 4.5, "{colour}: white numbers");
        }
        assert!(contrast(COAST, LAND) >= 3.0, "the coast against the land");
    }

    #[test]
    fn path_numbers_are_short() {
        assert_eq!(fmt1(-0.04), "0");
        assert_eq!(fmt1(12.0), "12");
        assert_eq!(fmt1(-3.25), "-3.3");
        let mut d = String::new();
        path(&mut d, &[(0.0, 0.0), (10.0, 0.0), (10.0, -5.5)]);
        assert_eq!(d, "M0 0l10 0l0-5.5Z");
    }
}

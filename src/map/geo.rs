//! The geometry of the maps: Natural Earth's countries as TopoJSON
//! (world-atlas 2.0.2, vendored in `data/`), decoded once; projections;
//! clipping to a view and simplification to the size it is drawn at.

use std::sync::OnceLock;

use serde::Deserialize;

/// A point in degrees: longitude, latitude.
pub type LonLat = (f64, f64);
/// A point on the drawing, in pixels (x right, y down).
pub type Px = (f64, f64);

/// A country: its ISO 3166-1 numeric code and its outline, as rings of
/// points in degrees.
pub struct Country {
    pub id: String,
    pub rings: Vec<Vec<LonLat>>,
}

/// Countries at 1:50 million (the regional maps) and 1:110 million (the
/// world overview).
pub fn countries_50m() -> &'static [Country] {
    static DATA: OnceLock<Vec<Country>> = OnceLock::new();
    DATA.get_or_init(|| decode(include_str!("data/countries-50m.json")))
}

pub fn countries_110m() -> &'static [Country] {
    static DATA: OnceLock<Vec<Country>> = OnceLock::new();
    DATA.get_or_init(|| decode(include_str!("data/countries-110m.json")))
}

#[derive(Deserialize)]
struct Topology {
    transform: Transform,
    objects: Objects,
    arcs: Vec<Vec<[i64; 2]>>,
}

#[derive(Deserialize)]
struct Transform {
    scale: [f64; 2],
    translate: [f64; 2],
}

#[derive(Deserialize)]
struct Objects {
    countries: Collection,
}

#[derive(Deserialize)]
struct Collection {
    geometries: Vec<Geometry>,
}

#[derive(Deserialize)]
struct Geometry {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    arcs: serde_json::Value,
    #[serde(default)]
    id: Option<String>,
}

/// The countries of a TopoJSON topology: arcs delta-decoded and
/// dequantized, rings joined from their arcs (`~i` is arc `i` reversed).
fn decode(json: &str) -> Vec<Country> {
    // the vendored files are checked by a test: they always parse
    let topology: Topology = serde_json::from_str(json).expect("the vendored map data is TopoJSON");
    let [sx, sy] = topology.transform.scale;
    let [tx, ty] = topology.transform.translate;
    let arcs: Vec<Vec<LonLat>> = topology
        .arcs
        .iter()
        .map(|arc| {
            let (mut x, mut y) = (0i64, 0i64);
            arc.iter()
                .map(|[dx, dy]| {
                    x += dx;
                    y += dy;
                    (x as f64 * sx + tx, y as f64 * sy + ty)
                })
                .collect()
        })
        .collect();
    let ring = |indices: &serde_json::Value| -> Vec<LonLat> {
        let mut points: Vec<LonLat> = Vec::new();
        for index in indices
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(serde_json::Value::as_i64)
        {
            let (arc, reversed) = if index >= 0 {
                (index as usize, false)
            } else {
                (!index as usize, true)
            };
            let Some(arc) = arcs.get(arc) else { continue };
            let mut part = arc.clone();
            if reversed {
                part.reverse();
            }
            let skip = usize::from(!points.is_empty());
            points.extend(part.into_iter().skip(skip));
        }
        points
    };
    topology
        .objects
        .countries
        .geometries
        .iter()
        .map(|geometry| {
            let polygons: Vec<&serde_json::Value> = match geometry.kind.as_deref() {
                Some("Polygon") => vec![&geometry.arcs],
                Some("MultiPolygon") => geometry.arcs.as_array().into_iter().flatten().collect(),
                _ => Vec::new(),
            };
            Country {
                id: geometry.id.clone().unwrap_or_default(),
                rings: polygons
                    .into_iter()
                    .flat_map(|polygon| polygon.as_array().into_iter().flatten().map(&ring))
                    .filter(|ring| ring.len() >= 4)
                    .collect(),
            }
        })
        .collect()
}

/// `ring` without jumps across the antimeridian: where it crosses from
/// 180° to −180°, the western part is moved by 360° so that the ring stays
/// one shape (east of 180°), instead of a band across the world.
pub fn unwrapped(ring: &[LonLat]) -> Vec<LonLat> {
    let Some(jump) = ring.windows(2).position(|pair| (pair[0].0 - pair[1].0).abs() > 180.0) else {
        return ring.to_vec();
    };
    let shifted: Vec<LonLat> = ring
        .iter()
        .map(|&(lon, lat)| (if lon < 0.0 { lon + 360.0 } else { lon }, lat))
        .collect();
    let extent = Rect::around(shifted.iter().copied()).map_or(0.0, |rect| rect.width());
    if extent < 300.0 {
        return shifted;
    }
    // a ring around a pole (Antarctica): opened where it crosses, and closed
    // along the map's edge through the pole, so it fills the bottom (or top)
    let pole = if ring.iter().map(|p| p.1).sum::<f64>() < 0.0 {
        -90.0
    } else {
        90.0
    };
    let open = if ring.first() == ring.last() {
        &ring[..ring.len() - 1]
    } else {
        ring
    };
    let mut out: Vec<LonLat> = open[jump + 1..].iter().chain(&open[..=jump]).copied().collect();
    let (first, last) = (out[0], out[out.len() - 1]);
    out.push((last.0, pole));
    out.push((first.0, pole));
    out.push(first);
    out
}

/// The Earth's radius of the spherical projections, in kilometres.
pub const RADIUS_KM: f64 = 6371.0;

/// Lambert azimuthal equal-area on a sphere, centred on `center`: kilometres
/// east and north of it; `None` at the antipode, where it is undefined.
pub fn laea(center: LonLat, at: LonLat) -> Option<(f64, f64)> {
    let (lon0, lat0) = (center.0.to_radians(), center.1.to_radians());
    let (lon, lat) = (at.0.to_radians(), at.1.to_radians());
    let dlon = lon - lon0;
    let denominator = 1.0 + lat0.sin() * lat.sin() + lat0.cos() * lat.cos() * dlon.cos();
    if denominator < 1e-9 {
        return None;
    }
    let k = (2.0 / denominator).sqrt();
    Some((
        RADIUS_KM * k * lat.cos() * dlon.sin(),
        RADIUS_KM * k * (lat0.cos() * lat.sin() - lat0.sin() * lat.cos() * dlon.cos()),
    ))
}

/// A rectangle: min and max on each axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rect {
    pub fn around(points: impl IntoIterator<Item = (f64, f64)>) -> Option<Rect> {
        let mut points = points.into_iter();
        let (x, y) = points.next()?;
        let mut rect = Rect {
            x0: x,
            y0: y,
            x1: x,
            y1: y,
        };
        for (x, y) in points {
            rect.x0 = rect.x0.min(x);
            rect.y0 = rect.y0.min(y);
            rect.x1 = rect.x1.max(x);
            rect.y1 = rect.y1.max(y);
        }
        Some(rect)
    }

    pub fn width(&self) -> f64 {
        self.x1 - self.x0
    }

    pub fn height(&self) -> f64 {
        self.y1 - self.y0
    }

    /// Grown by `margin` on every side.
    pub fn grown(&self, margin: f64) -> Rect {
        Rect {
            x0: self.x0 - margin,
            y0: self.y0 - margin,
            x1: self.x1 + margin,
            y1: self.y1 + margin,
        }
    }

    /// Grown around its centre to at least `width` × `height`.
    pub fn at_least(&self, width: f64, height: f64) -> Rect {
        let (cx, cy) = ((self.x0 + self.x1) / 2.0, (self.y0 + self.y1) / 2.0);
        let (w, h) = (self.width().max(width) / 2.0, self.height().max(height) / 2.0);
        Rect {
            x0: cx - w,
            y0: cy - h,
            x1: cx + w,
            y1: cy + h,
        }
    }

    /// Grown around its centre to the aspect ratio `width / height`.
    pub fn with_aspect(&self, aspect: f64) -> Rect {
        if self.width() / self.height() < aspect {
            self.at_least(self.height() * aspect, 0.0)
        } else {
            self.at_least(0.0, self.width() / aspect)
        }
    }

    pub fn intersects(&self, other: &Rect) -> bool {
        self.x0 <= other.x1 && other.x0 <= self.x1 && self.y0 <= other.y1 && other.y0 <= self.y1
    }
}

/// `ring` clipped to `rect` (Sutherland–Hodgman): what lies outside is
/// moved onto its edges, so a filled ring looks the same inside it.
pub fn clip(ring: &[Px], rect: &Rect) -> Vec<Px> {
    type Inside = fn(Px, &Rect) -> bool;
    type Cross = fn(Px, Px, &Rect) -> Px;
    let edges: [(Inside, Cross); 4] = [
        (|p, r| p.0 >= r.x0, |a, b, r| at_x(a, b, r.x0)),
        (|p, r| p.0 <= r.x1, |a, b, r| at_x(a, b, r.x1)),
        (|p, r| p.1 >= r.y0, |a, b, r| at_y(a, b, r.y0)),
        (|p, r| p.1 <= r.y1, |a, b, r| at_y(a, b, r.y1)),
    ];
    let mut out: Vec<Px> = ring.to_vec();
    for (inside, cross) in edges {
        let input = std::mem::take(&mut out);
        let Some(&last) = input.last() else { break };
        let mut previous = last;
        for point in input {
            match (inside(point, rect), inside(previous, rect)) {
                (true, true) => out.push(point),
                (true, false) => {
                    out.push(cross(previous, point, rect));
                    out.push(point);
                }
                (false, true) => out.push(cross(previous, point, rect)),
                (false, false) => {}
            }
            previous = point;
        }
    }
    out
}

fn at_x(a: Px, b: Px, x: f64) -> Px {
    let t = (x - a.0) / (b.0 - a.0);
    (x, a.1 + t * (b.1 - a.1))
}

fn at_y(a: Px, b: Px, y: f64) -> Px {
    let t = (y - a.1) / (b.1 - a.1);
    (a.0 + t * (b.0 - a.0), y)
}

/// `ring` with the points it can do without (Douglas–Peucker): none is
/// further than `tolerance` from the line that replaces it.
pub fn simplify(ring: &[Px], tolerance: f64) -> Vec<Px> {
    if ring.len() < 4 {
        return ring.to_vec();
    }
    let mut keep = vec![false; ring.len()];
    keep[0] = true;
    keep[ring.len() - 1] = true;
    // a closed ring: split at the point furthest from its start
    let far = (1..ring.len())
        .max_by(|&a, &b| distance(ring[0], ring[a]).total_cmp(&distance(ring[0], ring[b])))
        .unwrap_or(ring.len() - 1);
    keep[far] = true;
    let mut stack = vec![(0, far), (far, ring.len() - 1)];
    while let Some((start, end)) = stack.pop() {
        if end <= start + 1 {
            continue;
        }
        let (index, furthest) = (start + 1..end)
            .map(|i| (i, segment_distance(ring[i], ring[start], ring[end])))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .expect("a point between");
        if furthest > tolerance {
            keep[index] = true;
            stack.push((start, index));
            stack.push((index, end));
        }
    }
    ring.iter()
        .zip(keep)
        .filter(|(_, kept)| *kept)
        .map(|(p, _)| *p)
        .collect()
}

fn distance(a: Px, b: Px) -> f64 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

fn segment_distance(p: Px, a: Px, b: Px) -> f64 {
    let length = distance(a, b);
    if length == 0.0 {
        return distance(p, a);
    }
    ((b.0 - a.0) * (a.1 - p.1) - (a.0 - p.0) * (b.1 - a.1)).abs() / length
}

/// The area a ring encloses, in square pixels.
pub fn area(ring: &[Px]) -> f64 {
    let mut sum = 0.0;
    for (i, a) in ring.iter().enumerate() {
        let b = ring[(i + 1) % ring.len()];
        sum += a.0 * b.1 - b.0 * a.1;
    }
    (sum / 2.0).abs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vendored_data_decodes_into_countries() {
        let countries = countries_50m();
        assert!(countries.len() > 200);
        let sweden = countries.iter().find(|c| c.id == "752").expect("Sweden");
        // Luleå's coast lies within Sweden's outline's extent
        let rect = Rect::around(sweden.rings.iter().flatten().copied()).unwrap();
        assert!(
            rect.x0 < 22.15 && 22.15 < rect.x1 && rect.y0 < 65.58 && 65.58 < rect.y1,
            "{rect:?}"
        );
        assert!(countries_110m().len() > 150);
    }

    #[test]
    fn the_vendored_files_are_the_ones_their_readme_names() {
        use sha2::{Digest, Sha256};
        let readme = include_str!("data/README.md");
        for (name, bytes) in [
            (
                "countries-50m.json",
                include_bytes!("data/countries-50m.json").as_slice(),
            ),
            (
                "countries-110m.json",
                include_bytes!("data/countries-110m.json").as_slice(),
            ),
        ] {
            let hash: String = Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
            assert!(readme.contains(&format!("| `{name}` | `{hash}` |")), "{name}: {hash}");
        }
    }

    #[test]
    fn a_ring_around_the_south_pole_is_closed_through_the_pole() {
        let antarctica = countries_110m().iter().find(|c| c.id == "010").expect("Antarctica");
        let ring = antarctica
            .rings
            .iter()
            .max_by_key(|ring| ring.len())
            .expect("its coast");
        let drawn = unwrapped(ring);
        let rect = Rect::around(drawn.iter().copied()).unwrap();
        assert!(
            rect.x0 <= -179.0 && rect.x1 >= 179.0,
            "{rect:?}: all the way round, in place"
        );
        assert_eq!(rect.y0, -90.0, "down to the pole");
        // a ring that only crosses the antimeridian moves east in one piece
        let fiji = [
            (179.0, -17.0),
            (-179.5, -17.0),
            (-179.5, -16.0),
            (179.0, -16.0),
            (179.0, -17.0),
        ];
        let moved = unwrapped(&fiji);
        assert!(moved.iter().all(|p| p.0 >= 179.0 && p.0 <= 180.5), "{moved:?}");
    }

    #[test]
    fn the_centre_projects_to_the_origin_and_distances_are_kept_near_it() {
        let center = (20.0, 63.0);
        let (x, y) = laea(center, center).unwrap();
        assert!(x.abs() < 1e-9 && y.abs() < 1e-9);
        // one degree of latitude is about 111.2 km
        let (_, y) = laea(center, (20.0, 64.0)).unwrap();
        assert!((y - 111.19).abs() < 0.1, "{y}");
        assert_eq!(laea(center, (-160.0, -63.0)), None);
    }

    #[test]
    fn clipping_keeps_what_is_inside_and_simplifying_keeps_the_shape() {
        let rect = Rect {
            x0: 0.0,
            y0: 0.0,
            x1: 10.0,
            y1: 10.0,
        };
        let square = [(-5.0, -5.0), (5.0, -5.0), (5.0, 5.0), (-5.0, 5.0)];
        let clipped = clip(&square, &rect);
        assert!((area(&clipped) - 25.0).abs() < 1e-9, "{clipped:?}");
        assert!(clip(&[(20.0, 20.0), (30.0, 20.0), (30.0, 30.0)], &rect).is_empty());
        // a square whose sides bend by less than the tolerance keeps its corners
        let ring = [
            (0.0, 0.0),
            (5.0, 0.1),
            (10.0, 0.0),
            (10.1, 5.0),
            (10.0, 10.0),
            (5.0, 10.0),
            (0.0, 10.0),
            (0.0, 5.0),
            (0.0, 0.0),
        ];
        assert_eq!(
            simplify(&ring, 0.5),
            [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0)]
        );
    }
}

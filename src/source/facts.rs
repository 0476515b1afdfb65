//! Entity facts: the language-neutral `<slug>.yaml` beside an entity's pages.
//!
//! Kind, country, focus area, status, dates, figures with their source, and
//! `related:` ids. Values that name other things (ids, taxonomy terms) keep
//! their position so a wrong one is reported at its line and column.

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::source::link_policy::WebUrl;
use crate::source::slug::{Id, Slug};
use crate::source::values::{Localized, PartialDate};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facts {
    /// Short name per language (Uleåborg / Oulu).
    pub name: Option<Localized>,
    pub kind: Spanned<Slug>,
    #[serde(default)]
    pub focus: Vec<Spanned<Slug>>,
    #[serde(default)]
    pub country: Vec<Spanned<Slug>>,
    pub status: Option<Status>,
    pub since: Option<PartialDate>,
    pub period: Option<Period>,
    pub coordinates: Option<Coordinates>,
    pub website: Option<WebUrl>,
    pub programme: Option<Localized>,
    pub lead: Option<Localized>,
    #[serde(default)]
    pub figures: Vec<Figure>,
    #[serde(default)]
    pub related: Vec<Spanned<Id>>,
}

impl Facts {
    /// The free texts, each with its key: what pages and feeds show as
    /// written.
    pub fn texts_mut(&mut self) -> impl Iterator<Item = (&'static str, &mut String)> {
        let localized = [
            ("name", &mut self.name),
            ("programme", &mut self.programme),
            ("lead", &mut self.lead),
        ]
        .into_iter()
        .filter_map(|(key, value)| Some((key, value.as_mut()?)));
        let figures = self
            .figures
            .iter_mut()
            .flat_map(|figure| [("label", &mut figure.label), ("source", &mut figure.source)]);
        localized
            .chain(figures)
            .flat_map(|(key, value)| value.texts_mut().map(move |text| (key, text)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Active,
    Dormant,
    Ended,
    Planned,
    /// Proposed, not yet decided (a declaration of intent awaiting its decision).
    Proposed,
}

impl Status {
    pub fn key(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Dormant => "dormant",
            Status::Ended => "ended",
            Status::Planned => "planned",
            Status::Proposed => "proposed",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub from: PartialDate,
    pub to: Option<PartialDate>,
}

/// A place in degrees (WGS 84): finite, latitude −90…90, longitude −180…180.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coordinates {
    #[serde(deserialize_with = "latitude")]
    pub lat: f64,
    #[serde(deserialize_with = "longitude")]
    pub lon: f64,
}

pub(crate) fn latitude<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    degrees(d, 90.0, "latitude", "north of the equator positive, as 65.0121")
}

pub(crate) fn longitude<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    degrees(d, 180.0, "longitude", "east of Greenwich positive, as 25.4651")
}

fn degrees<'de, D: serde::Deserializer<'de>>(d: D, limit: f64, what: &str, example: &str) -> Result<f64, D::Error> {
    let value = f64::deserialize(d)?;
    if value.is_finite() && (-limit..=limit).contains(&value) {
        Ok(value)
    } else {
        Err(serde::de::Error::custom(format!(
            "{what} {value} is not between -{limit} and {limit} (degrees, {example})"
        )))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figure {
    pub label: Localized,
    #[serde(deserialize_with = "figure_value")]
    pub value: f64,
    pub source: Localized,
    #[serde(deserialize_with = "figure_year")]
    pub year: i32,
}

/// A figure is a finite number that a page can write out in full.
fn figure_value<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let value = f64::deserialize(d)?;
    if value.is_finite() && value.abs() < 1e15 {
        Ok(if value == 0.0 { 0.0 } else { value })
    } else {
        Err(serde::de::Error::custom(format!(
            "the figure {value} is not a number below a thousand million million"
        )))
    }
}

fn figure_year<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    let year = i32::deserialize(d)?;
    if (1000..=9999).contains(&year) {
        Ok(year)
    } else {
        Err(serde::de::Error::custom(format!(
            "the year {year} is not a year of four digits"
        )))
    }
}

impl Facts {
    /// The taxonomy terms this entity carries, by taxonomy name.
    pub fn terms(&self, taxonomy: &str) -> Vec<&Spanned<Slug>> {
        match taxonomy {
            "kind" => vec![&self.kind],
            "focus" => self.focus.iter().collect(),
            "country" => self.country.iter().collect(),
            _ => Vec::new(),
        }
    }
}

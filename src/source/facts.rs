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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Active,
    Dormant,
    Ended,
    Planned,
}

impl Status {
    pub fn key(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Dormant => "dormant",
            Status::Ended => "ended",
            Status::Planned => "planned",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub from: PartialDate,
    pub to: Option<PartialDate>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coordinates {
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figure {
    pub label: Localized,
    pub value: f64,
    pub source: Localized,
    pub year: i32,
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

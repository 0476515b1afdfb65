//! `book.toml`: the site and plan-edition configuration.
//!
//! Owns the typed configuration, its defaults and its validation. Unknown keys
//! are errors with the nearest known key as hint. Parsing never touches the
//! filesystem; [`crate::source::load`] reads the file and hands its text here.

use std::path::{Component, Path};

use serde::Deserialize;

use crate::diagnostics::{self, Diagnostic};
use crate::source::link_policy;
use crate::source::slug::{self, Id, Slug};
use crate::source::values::{Localized, PartialDate};

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub site: SiteConfig,
    #[serde(default)]
    pub build: BuildConfig,
    pub plan: Option<PlanConfig>,
    #[serde(default)]
    pub open_data: OpenDataConfig,
    #[serde(default)]
    pub structured_data: StructuredDataConfig,
    #[serde(default)]
    pub map: MapConfig,
}

/// `[map]`: which pages show a map of their places.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapConfig {
    /// Sections whose page shows a map of the places of its entities (or,
    /// where they have none, of the entities they relate to); when not
    /// given, every section with an entity that has coordinates.
    pub sections: Option<Vec<Id>>,
    /// The home page of each language shows every place.
    #[serde(default = "yes")]
    pub home: bool,
    /// An entity's page shows a small map of where it is.
    #[serde(default = "yes")]
    pub locator: bool,
    /// The place the site is about, drawn as a labelled star.
    pub origin: Option<MapOrigin>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapOrigin {
    pub name: Localized,
    #[serde(deserialize_with = "crate::source::facts::latitude")]
    pub lat: f64,
    #[serde(deserialize_with = "crate::source::facts::longitude")]
    pub lon: f64,
}

impl Default for MapConfig {
    fn default() -> Self {
        MapConfig {
            sections: None,
            home: true,
            locator: true,
            origin: None,
        }
    }
}

/// `[structured_data]`: what the schema.org data in every page calls things.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StructuredDataConfig {
    /// What the site's author is (`GovernmentOrganization` for a
    /// municipality); `Organization` when not given.
    pub publisher: Option<SchemaType>,
    /// The schema.org type of the entities of each kind (`partner-city =
    /// "City"`); an entity of a kind not listed is a `Place` when it has
    /// coordinates, else a `Thing`.
    #[serde(default)]
    pub types: std::collections::BTreeMap<Slug, SchemaType>,
}

/// The schema.org types an entity or the publisher may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum SchemaType {
    City,
    Place,
    Organization,
    GovernmentOrganization,
    Project,
    Event,
    Thing,
}

impl SchemaType {
    pub fn name(self) -> &'static str {
        match self {
            SchemaType::City => "City",
            SchemaType::Place => "Place",
            SchemaType::Organization => "Organization",
            SchemaType::GovernmentOrganization => "GovernmentOrganization",
            SchemaType::Project => "Project",
            SchemaType::Event => "Event",
            SchemaType::Thing => "Thing",
        }
    }

    /// An organisation of some kind, which has members.
    pub fn is_organization(self) -> bool {
        matches!(
            self,
            SchemaType::Organization | SchemaType::GovernmentOrganization | SchemaType::Project
        )
    }
}

/// `[open_data]`: what the open data files (`data/`) are published under.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenDataConfig {
    /// The licence of the files, as the publisher has decided it.
    pub licence: Option<Licence>,
    /// The publisher's Swedish organisation number (`212000-2627`), which
    /// names it in the catalogue as the Swedish data portal does.
    #[serde(default, deserialize_with = "organisation_number")]
    pub organisation_number: Option<String>,
    /// Where questions about the data go: the catalogue's contact point.
    #[serde(default, deserialize_with = "email")]
    pub contact_email: Option<String>,
}

fn organisation_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let number = String::deserialize(d)?;
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    let shape_ok = number.chars().all(|c| c.is_ascii_digit() || c == '-') && number.matches('-').count() <= 1;
    if digits.len() == 10 && shape_ok {
        Ok(Some(number))
    } else {
        Err(serde::de::Error::custom(format!(
            "`{number}` is not a Swedish organisation number (ten digits, as 212000-2627)"
        )))
    }
}

fn email<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let email = String::deserialize(d)?;
    let valid = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
    }) && email
        .chars()
        .all(|c| c.is_ascii_graphic() && !"<>\"'\\()[],;:".contains(c) || c == '@' || c == '.');
    if valid && email.matches('@').count() == 1 {
        Ok(Some(email))
    } else {
        Err(serde::de::Error::custom(format!("`{email}` is not an e-mail address")))
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Licence {
    /// Its name as readers know it: "CC0 1.0".
    pub name: String,
    /// Its text, where it is published.
    pub url: link_policy::WebUrl,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// The site's name, shown in every page header.
    pub title: Localized,
    pub description: Option<Localized>,
    /// Absolute URL the site is published at; used only where the web needs
    /// absolute URLs (canonical, hreflang, sitemap, feeds, Open Graph).
    pub base_url: String,
    /// Language codes; the first is the source language.
    pub languages: Vec<String>,
    /// Author of the site and of the plan edition.
    /// Who publishes the site, per language (`"Luleå kommun"` or `{ sv = …, fi = … }`).
    pub author: Localized,
    #[serde(default = "default_theme")]
    pub theme: Slug,
    /// What a language without its own version of a page shows.
    #[serde(default)]
    pub missing_translation: MissingTranslation,
    /// Taxonomies read from entity facts, in the order pages show them.
    #[serde(default = "default_taxonomies")]
    pub taxonomies: Vec<Slug>,
    /// Sections that get an Atom feed per language.
    #[serde(default = "default_feeds")]
    pub feeds: Vec<Id>,
    /// How many of the newest entries a feed carries.
    #[serde(default = "default_feed_limit")]
    pub feed_limit: FeedLimit,
}

/// The number of entries in a feed: at least one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "u64")]
pub struct FeedLimit(pub usize);

impl TryFrom<u64> for FeedLimit {
    type Error = &'static str;
    fn try_from(n: u64) -> Result<Self, Self::Error> {
        match usize::try_from(n) {
            Ok(n) if n > 0 => Ok(Self(n)),
            _ => Err("a feed carries at least one entry: give a number from 1 up"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MissingTranslation {
    /// Link to the source-language page, marked with its language.
    #[default]
    Fallback,
    /// Leave the page out of that language's listings and links.
    Omit,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildConfig {
    #[serde(default = "default_output_dir")]
    pub output_dir: String,
    /// Raw HTML in Markdown bodies, published as written when true; by
    /// default escaped and warned about, as those who write the content are
    /// trusted with text, not code.
    #[serde(default)]
    pub allow_html: bool,
    /// End internal links in `index.html`, so the site also works opened
    /// straight from disk. When false, links end in `/` (pretty URLs).
    #[serde(default = "yes")]
    pub link_index_html: bool,
    /// A search index, a search form on every page and a search page (with
    /// an A–Z index of the pages) per language.
    #[serde(default = "yes")]
    pub search: bool,
    /// The entities' facts as open data (`data/`) and a page per language
    /// that explains them.
    #[serde(default = "yes")]
    pub open_data: bool,
    /// A `.gz` and a `.br` beside every text file over 1 KiB, for a web
    /// server that serves them as they are.
    #[serde(default)]
    pub precompress: bool,
}

impl Default for BuildConfig {
    fn default() -> Self {
        BuildConfig {
            output_dir: default_output_dir(),
            allow_html: false,
            link_index_html: true,
            search: true,
            open_data: true,
            precompress: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanConfig {
    /// The content section that holds the plan's chapters.
    #[serde(default = "default_plan_section")]
    pub section: Id,
    /// The plan period shown on the cover, e.g. "2024–2027".
    pub period: String,
    /// Chapter slugs in document order; a part groups the chapters after it.
    pub chapters: Vec<ChapterEntry>,
    /// Make a PDF of the plan edition in every language.
    #[serde(default = "yes")]
    pub pdf: bool,
    /// Make an EPUB of the plan edition in every language.
    #[serde(default = "yes")]
    pub epub: bool,
    /// File name of the PDF and the EPUB, without `.pdf` or `.epub`, per language.
    pub pdf_name: Localized,
    /// The plan's date, written into the PDF's metadata (never the clock).
    pub date: Option<PartialDate>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ChapterEntry {
    Chapter(Slug),
    Part { part: Slug, chapters: Vec<Slug> },
}

impl<'de> Deserialize<'de> for ChapterEntry {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // an untagged enum of slugs would hide the slug's own message behind
        // "did not match any variant": read strings, then check them
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Chapter(String),
            Part { part: String, chapters: Vec<String> },
        }
        let slug = |s: String| Slug::new(s).map_err(serde::de::Error::custom);
        match Raw::deserialize(deserializer)? {
            Raw::Chapter(s) => Ok(ChapterEntry::Chapter(slug(s)?)),
            Raw::Part { part, chapters } => Ok(ChapterEntry::Part {
                part: slug(part)?,
                chapters: chapters.into_iter().map(slug).collect::<Result<_, _>>()?,
            }),
        }
    }
}

fn default_theme() -> Slug {
    Slug::new("default").expect("a slug")
}
fn default_output_dir() -> String {
    "public".to_owned()
}
fn default_plan_section() -> Id {
    Id::new("plan").expect("an id")
}
fn default_taxonomies() -> Vec<Slug> {
    KNOWN_TAXONOMIES.map(|t| Slug::new(t).expect("a slug")).to_vec()
}
fn default_feeds() -> Vec<Id> {
    vec![Id::new("news").expect("an id")]
}
fn default_feed_limit() -> FeedLimit {
    FeedLimit(20)
}
fn yes() -> bool {
    true
}

impl Config {
    /// The site's author as named in `lang`.
    pub fn author(&self, lang: &str) -> &str {
        self.site.author.get(lang, self.source_language())
    }

    pub fn source_language(&self) -> &str {
        &self.site.languages[0]
    }

    /// Parses and validates `book.toml`; `file` is the path shown in diagnostics.
    pub fn parse(file: &Path, text: &str) -> Result<Config, Vec<Diagnostic>> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let message = e.message().trim().to_owned();
            let mut d = Diagnostic::error(file, first_line(&message));
            if let Some(span) = e.span() {
                d = d.at_offset(text, span.start);
            }
            vec![d.with_hint_opt(diagnostics::unknown_field_hint(&message))]
        })?;
        let problems = config.validate();
        if problems.is_empty() {
            Ok(config)
        } else {
            let locate = |key: &str| text.find(&format!("{key} =")).or_else(|| text.find(key)).unwrap_or(0);
            Err(problems
                .into_iter()
                .map(|(key, message, hint)| {
                    Diagnostic::error(file, message)
                        .at_offset(text, locate(key))
                        .with_hint_opt(hint)
                })
                .collect())
        }
    }

    /// Problems as (key to point at, message, hint).
    fn validate(&self) -> Vec<(&'static str, String, Option<String>)> {
        let mut problems = Vec::new();
        let languages = &self.site.languages;
        if languages.is_empty() {
            problems.push((
                "languages",
                "no languages configured".to_owned(),
                Some("add `languages = [\"sv\"]`; the first is the source language".to_owned()),
            ));
        }
        for (i, lang) in languages.iter().enumerate() {
            if !is_language_code(lang) {
                let hint = diagnostics::did_you_mean(lang, ISO_639_1.split(' '))
                    .or_else(|| Some("use an ISO 639-1 code such as `sv`, `fi`, `en` or `se`".to_owned()));
                problems.push(("languages", format!("unknown language code `{lang}`"), hint));
            }
            if languages[..i].contains(lang) {
                problems.push(("languages", format!("language `{lang}` is listed twice"), None));
            }
        }
        if let Err(refused) = link_policy::check_base_url(&self.site.base_url) {
            problems.push(("base_url", refused.message, Some(refused.hint)));
        }
        if let Err((message, hint)) = check_output_dir_setting(&self.build.output_dir) {
            problems.push(("output_dir", message, Some(hint)));
        }
        let mut localized: Vec<(&'static str, &Localized)> =
            vec![("title", &self.site.title), ("author", &self.site.author)];
        localized.extend(self.site.description.as_ref().map(|d| ("description", d)));
        localized.extend(self.plan.as_ref().map(|p| ("pdf_name", &p.pdf_name)));
        for (key, value) in localized {
            for lang in value.unknown_languages(languages) {
                problems.push((
                    key,
                    format!("`{key}` is given for `{lang}`, which is not a configured language"),
                    Some(format!("configured languages: {}", languages.join(", "))),
                ));
            }
        }
        if let Some(plan) = &self.plan {
            let mut seen = std::collections::BTreeSet::new();
            for slug in plan.chapter_slugs().map(|(slug, _)| slug) {
                if !seen.insert(slug) {
                    problems.push(("chapters", format!("plan chapter `{slug}` is listed twice"), None));
                }
            }
            for lang in languages {
                let name = plan.pdf_name.get(lang, &languages[0]);
                if let Some(why) = slug::problem(name) {
                    problems.push((
                        "pdf_name",
                        format!(
                            "pdf_name `{}` for `{lang}` is not a plain file name: {why}",
                            name.escape_debug()
                        ),
                        Some("use lowercase letters a–z, digits, `-` and `_`; `.pdf` is added".to_owned()),
                    ));
                }
            }
        }
        for taxonomy in &self.site.taxonomies {
            if !KNOWN_TAXONOMIES.contains(&taxonomy.as_str()) {
                problems.push((
                    "taxonomies",
                    format!("unknown taxonomy `{taxonomy}`"),
                    diagnostics::did_you_mean(taxonomy, KNOWN_TAXONOMIES.iter().copied()),
                ));
            }
        }
        problems
    }
}

/// Taxonomies an entity's facts can carry.
pub const KNOWN_TAXONOMIES: [&str; 3] = ["focus", "kind", "country"];

impl PlanConfig {
    /// Every chapter slug in document order, with the slug of the part it belongs to.
    pub fn chapter_slugs(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.chapters.iter().flat_map(|entry| match entry {
            ChapterEntry::Chapter(slug) => vec![(slug.as_str(), None)],
            ChapterEntry::Part { part, chapters } => std::iter::once((part.as_str(), None))
                .chain(chapters.iter().map(|c| (c.as_str(), Some(part.as_str()))))
                .collect(),
        })
    }
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).to_owned()
}

fn is_language_code(code: &str) -> bool {
    ISO_639_1.split(' ').any(|c| c == code)
}

/// ISO 639-1 language codes.
const ISO_639_1: &str = "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu";

/// Top-level directories of the site root that are never an output directory.
pub const SOURCE_DIRS: [&str; 5] = ["content", "i18n", "themes", "src", "tests"];

/// Whether `value`, the `build.output_dir` of book.toml, names a directory
/// that may be replaced whole by every build: a plain relative path under
/// the site root, not hidden, not the root and not one of [`SOURCE_DIRS`].
/// The error is a message and a hint.
pub fn check_output_dir_setting(value: &str) -> Result<(), (String, String)> {
    let elsewhere = "book.toml names a directory under the site root, such as `public`; to build elsewhere, use `plansite build --output DIR`".to_owned();
    let own = "each build replaces the output directory whole: give it a name of its own, such as `public`".to_owned();
    let path = Path::new(value);
    if value.trim().is_empty() {
        return Err(("output_dir is empty".to_owned(), own));
    }
    if path.has_root() || path.is_absolute() || matches!(path.components().next(), Some(Component::Prefix(_))) {
        return Err((format!("output_dir `{value}` is not a relative path"), elsewhere));
    }
    // every part as written: `Path::components` drops a `.` inside the path
    for part in value.split(['/', '\\']).filter(|p| !p.is_empty()) {
        let problem = match part {
            ".." => format!("output_dir `{value}` has a `..` component"),
            "." => format!("output_dir `{value}` has a `.` component"),
            _ if part.starts_with('.') => format!("output_dir `{value}` names a hidden directory (`{part}`)"),
            _ => continue,
        };
        let hint = if part == ".." { elsewhere } else { own };
        return Err((problem, hint));
    }
    let first = value.split(['/', '\\']).find(|p| !p.is_empty()).unwrap_or(value);
    if let Some(dir) = SOURCE_DIRS.iter().find(|d| d.eq_ignore_ascii_case(first)) {
        let place = if first == value.trim_end_matches('/') {
            "is"
        } else {
            "is inside"
        };
        return Err((
            format!("output_dir `{value}` {place} the site's `{dir}/` directory"),
            own,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str =
        "[site]\ntitle = \"T\"\nbase_url = \"https://example.org/\"\nlanguages = [\"sv\", \"fi\"]\nauthor = \"A\"\n";

    #[test]
    fn minimal_config_parses_with_defaults() {
        let c = Config::parse(Path::new("book.toml"), MINIMAL).unwrap();
        assert_eq!(c.source_language(), "sv");
        assert_eq!(c.build.output_dir, "public");
        assert_eq!(c.site.missing_translation, MissingTranslation::Fallback);
    }

    #[test]
    fn unknown_key_suggests_nearest() {
        let text = MINIMAL.replace("author", "autor");
        let errors = Config::parse(Path::new("book.toml"), &text).unwrap_err();
        assert_eq!(
            errors[0].message,
            "unknown field `autor`, expected one of `title`, `description`, `base_url`, `languages`, `author`, `theme`, `missing_translation`, `taxonomies`, `feeds`, `feed_limit`"
        );
        assert_eq!(errors[0].hint.as_deref(), Some("did you mean `author`?"));
        assert_eq!(errors[0].line, 5);
    }

    #[test]
    fn unknown_language_code_is_an_error() {
        let text = MINIMAL.replace("\"fi\"]", "\"fx\"]");
        let errors = Config::parse(Path::new("book.toml"), &text).unwrap_err();
        assert_eq!(errors[0].message, "unknown language code `fx`");
    }

    #[test]
    fn output_dir_in_book_toml_is_a_plain_directory_under_the_root() {
        for ok in ["public", "site/out", "public/", "Public2", "contents", "docs"] {
            assert_eq!(check_output_dir_setting(ok), Ok(()), "{ok}");
        }
        for (bad, message) in [
            ("", "output_dir is empty"),
            ("/tmp/x", "output_dir `/tmp/x` is not a relative path"),
            ("../other", "output_dir `../other` has a `..` component"),
            ("docs/../..", "output_dir `docs/../..` has a `..` component"),
            ("docs/..", "output_dir `docs/..` has a `..` component"),
            (".", "output_dir `.` has a `.` component"),
            ("./public", "output_dir `./public` has a `.` component"),
            ("a/./b", "output_dir `a/./b` has a `.` component"),
            (".git", "output_dir `.git` names a hidden directory (`.git`)"),
            (
                "site/.cache",
                "output_dir `site/.cache` names a hidden directory (`.cache`)",
            ),
            (
                ".public.old",
                "output_dir `.public.old` names a hidden directory (`.public.old`)",
            ),
            ("content", "output_dir `content` is the site's `content/` directory"),
            ("content/", "output_dir `content/` is the site's `content/` directory"),
            (
                "themes/default/out",
                "output_dir `themes/default/out` is inside the site's `themes/` directory",
            ),
            ("I18N", "output_dir `I18N` is the site's `i18n/` directory"),
            ("src", "output_dir `src` is the site's `src/` directory"),
            (
                "tests/x",
                "output_dir `tests/x` is inside the site's `tests/` directory",
            ),
        ] {
            assert_eq!(
                check_output_dir_setting(bad).map_err(|(m, _)| m),
                Err(message.to_owned()),
                "{bad}"
            );
        }
    }
}

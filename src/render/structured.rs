//! Structured data: one schema.org graph per page as JSON-LD, for search
//! engines and other readers of the web's metadata.
//!
//! Every node has a stable `@id` made from a canonical URL: the publisher
//! (`<base>#publisher`), the site (`<base>#website`), each page
//! (`<page URL>`), its breadcrumb trail (`<page URL>#breadcrumb`), what an
//! entity page is about (`<page URL>#entity`) and the plan
//! (`<plan URL>#document`). Strings from content are JSON strings, and the
//! JSON is written so that nothing in it can end the `<script>` element.

use serde::Serialize;

use crate::escape;
use crate::render::{Extras, Texts};
use crate::site::Site;
use crate::source::config::SchemaType;
use crate::source::load::SourcePage;
use crate::urls;

/// What a page is, as far as its structured data goes.
pub(crate) enum Subject<'a> {
    /// A page of the content.
    Page(&'a SourcePage),
    /// A page the site makes (taxonomy lists, search, open data), with its
    /// id and title.
    Generated { id: &'a str, title: &'a str },
}

/// The JSON-LD of a page in `lang`, ready to stand inside
/// `<script type="application/ld+json">`.
pub(crate) fn json_ld(site: &Site, texts: &Texts, extras: &Extras, lang: &str, subject: &Subject) -> String {
    let base = &site.config.site.base_url;
    let (id, title) = match subject {
        Subject::Page(page) => (page.id.as_str(), page.front.title.as_str()),
        Subject::Generated { id, title } => (*id, *title),
    };
    let url = urls::absolute(base, &urls::page_dir(lang, id));
    let mut page_node = WebPage {
        kind: "WebPage",
        id: url.clone(),
        url: url.clone(),
        name: title,
        in_language: lang,
        is_part_of: OneOrMore::One(refer(website_id(site))),
        breadcrumb: refer(format!("{url}#breadcrumb")),
        description: None,
        main_entity: None,
    };
    let mut graph = vec![Node::Breadcrumbs(breadcrumbs(site, lang, id, title, &url))];

    if let Subject::Page(page) = subject {
        page_node.description = page.front.description.as_deref();
        if page.id.is_empty() {
            graph.push(Node::WebSite(website(site)));
            graph.push(Node::Publisher(publisher_node(site)));
        } else if let Some(entity) = entity(site, texts, page, &url) {
            page_node.main_entity = Some(refer(format!("{url}#entity")));
            graph.push(Node::Entity(entity));
        } else if is_news(site, page) {
            // the article is what the page is about (a breadcrumb is the page's)
            let article = NewsArticle {
                kind: "NewsArticle",
                id: format!("{url}#article"),
                headline: title,
                in_language: lang,
                main_entity_of_page: refer(url.clone()),
                publisher: refer(publisher_id(site)),
                author: refer(publisher_id(site)),
                date_published: page.front.date.map(|date| date.to_string()),
                date_modified: page
                    .front
                    .date
                    .map(|date| page.front.updated.unwrap_or(date).to_string()),
                description: page.front.description.as_deref(),
            };
            page_node.main_entity = Some(refer(article.id.clone()));
            graph.push(Node::Article(article));
        }
        if let Some(plan) = &site.plan {
            let plan_url = urls::absolute(base, &urls::page_dir(lang, &plan.section));
            let document_id = format!("{plan_url}#document");
            if page.id == plan.section {
                page_node.main_entity = Some(refer(document_id));
                graph.push(Node::Document(plan_document(site, extras, lang, title, &plan_url)));
            } else if site.chapter(&page.id).is_some() {
                page_node.is_part_of = OneOrMore::More(vec![refer(website_id(site)), refer(document_id)]);
            }
        }
    }
    if !page_node_is_home(subject) {
        // the node the others refer to as publisher or member
        graph.push(Node::Publisher(publisher_node(site)));
    }
    graph.insert(0, Node::WebPage(page_node));
    escape::json_in_script(&Graph {
        context: "https://schema.org",
        graph,
    })
}

/// The document: the schema.org context and the page's nodes.
#[derive(Serialize)]
struct Graph<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@graph")]
    graph: Vec<Node<'a>>,
}

/// A node of the graph, written as its own fields.
#[derive(Serialize)]
#[serde(untagged)]
enum Node<'a> {
    WebPage(WebPage<'a>),
    Breadcrumbs(BreadcrumbList),
    WebSite(WebSite<'a>),
    Publisher(Publisher<'a>),
    Entity(Entity<'a>),
    Article(NewsArticle<'a>),
    Document(DigitalDocument<'a>),
}

/// A reference to the node with this `@id`.
#[derive(Serialize)]
struct Ref {
    #[serde(rename = "@id")]
    id: String,
}

fn refer(id: String) -> Ref {
    Ref { id }
}

/// One value, or a list of them where there are several.
#[derive(Serialize)]
#[serde(untagged)]
enum OneOrMore<T> {
    One(T),
    More(Vec<T>),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WebPage<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "@id")]
    id: String,
    url: String,
    name: &'a str,
    in_language: &'a str,
    is_part_of: OneOrMore<Ref>,
    breadcrumb: Ref,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    main_entity: Option<Ref>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BreadcrumbList {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "@id")]
    id: String,
    item_list_element: Vec<ListItem>,
}

#[derive(Serialize)]
struct ListItem {
    #[serde(rename = "@type")]
    kind: &'static str,
    position: usize,
    name: String,
    item: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WebSite<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "@id")]
    id: String,
    url: String,
    name: &'a str,
    alternate_name: Vec<&'a str>,
    in_language: &'a [String],
    publisher: Ref,
}

#[derive(Serialize)]
struct Publisher<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "@id")]
    id: String,
    name: &'a str,
    url: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NewsArticle<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "@id")]
    id: String,
    headline: &'a str,
    in_language: &'a str,
    main_entity_of_page: Ref,
    publisher: Ref,
    author: Ref,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entity<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "@id")]
    id: String,
    name: String,
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    same_as: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    geo: Option<Geo>,
    /// Where an organisation works.
    #[serde(skip_serializing_if = "Option::is_none")]
    area_served: Option<OneOrMore<Country>>,
    /// Where a place lies.
    #[serde(skip_serializing_if = "Option::is_none")]
    contained_in_place: Option<OneOrMore<Country>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    member: Option<Ref>,
    #[serde(skip_serializing_if = "Option::is_none")]
    founding_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dissolution_date: Option<String>,
}

#[derive(Serialize)]
struct Geo {
    #[serde(rename = "@type")]
    kind: &'static str,
    latitude: f64,
    longitude: f64,
}

#[derive(Serialize)]
struct Country {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: String,
    identifier: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DigitalDocument<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "@id")]
    id: String,
    name: &'a str,
    url: String,
    in_language: &'a str,
    author: Ref,
    publisher: Ref,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_published: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    encoding: Vec<MediaObject<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MediaObject<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    content_url: String,
    encoding_format: &'static str,
    in_language: &'a str,
    content_size: String,
}

fn page_node_is_home(subject: &Subject) -> bool {
    matches!(subject, Subject::Page(page) if page.id.is_empty())
}

fn publisher_id(site: &Site) -> String {
    format!("{}#publisher", urls::absolute(&site.config.site.base_url, ""))
}

fn website_id(site: &Site) -> String {
    format!("{}#website", urls::absolute(&site.config.site.base_url, ""))
}

/// The site's author, as `[structured_data] publisher` names its type.
fn publisher_node(site: &Site) -> Publisher<'_> {
    let kind = site
        .config
        .structured_data
        .publisher
        .unwrap_or(SchemaType::Organization);
    Publisher {
        kind: kind.name(),
        id: publisher_id(site),
        name: site.config.author(site.source_lang()),
        url: urls::absolute(&site.config.site.base_url, ""),
    }
}

/// The site: one name (the source language's) on every home page, so the
/// node is the same wherever it is read; the others as alternate names.
fn website(site: &Site) -> WebSite<'_> {
    let source = site.source_lang();
    let name = site.config.site.title.get(source, source);
    let mut alternates: Vec<&str> = site
        .languages()
        .iter()
        .map(|lang| site.config.site.title.get(lang, source))
        .filter(|title| *title != name)
        .collect();
    alternates.dedup();
    WebSite {
        kind: "WebSite",
        id: website_id(site),
        url: urls::absolute(&site.config.site.base_url, ""),
        name,
        alternate_name: alternates,
        in_language: site.languages(),
        publisher: refer(publisher_id(site)),
    }
}

/// Home, the page's sections, the page: as the page's breadcrumbs show them.
fn breadcrumbs(site: &Site, lang: &str, id: &str, title: &str, url: &str) -> BreadcrumbList {
    let base = &site.config.site.base_url;
    let mut chain = site.ancestors(id);
    if !id.is_empty() && chain.is_empty() {
        // a page the site makes sits under the home page
        chain.push(String::new());
    }
    let mut items: Vec<(String, String)> = chain
        .iter()
        .filter_map(|ancestor| {
            let page = site.version(ancestor, lang)?;
            Some((
                page.front
                    .link_title
                    .clone()
                    .unwrap_or_else(|| page.front.title.clone()),
                urls::absolute(base, &urls::page_dir(&page.lang, ancestor)),
            ))
        })
        .collect();
    items.push((title.to_owned(), url.to_owned()));
    BreadcrumbList {
        kind: "BreadcrumbList",
        id: format!("{url}#breadcrumb"),
        item_list_element: items
            .into_iter()
            .enumerate()
            .map(|(i, (name, item))| ListItem {
                kind: "ListItem",
                position: i + 1,
                name,
                item,
            })
            .collect(),
    }
}

/// What an entity page is about, as `[structured_data] types` names its kind.
fn entity<'a>(site: &'a Site, texts: &Texts, page: &'a SourcePage, url: &'a str) -> Option<Entity<'a>> {
    let facts = &site.facts.get(&page.id)?.facts;
    let lang = page.lang.as_str();
    let kind = site
        .config
        .structured_data
        .types
        .get(&facts.kind.value)
        .copied()
        .unwrap_or(if facts.coordinates.is_some() {
            SchemaType::Place
        } else {
            SchemaType::Thing
        });
    let mut countries: Vec<Country> = facts
        .country
        .iter()
        .map(|code| Country {
            kind: "Country",
            name: texts.t(lang, &format!("taxonomy.country.terms.{}", code.value)),
            identifier: code.value.as_str().to_ascii_uppercase(),
        })
        .collect();
    let countries = match countries.len() {
        0 => None,
        1 => countries.pop().map(OneOrMore::One),
        _ => Some(OneOrMore::More(countries)),
    };
    let organization = kind.is_organization();
    let (area_served, contained_in_place) = match organization {
        true => (countries, None),
        false => (None, countries),
    };
    // the site's author takes part in an organisation
    let period = facts.period.as_ref().filter(|_| organization);
    Some(Entity {
        kind: kind.name(),
        id: format!("{url}#entity"),
        name: site.name_of(page),
        url,
        description: page.front.description.as_deref(),
        same_as: facts.website.as_ref().map(|website| website.as_str()),
        geo: facts.coordinates.map(|at| Geo {
            kind: "GeoCoordinates",
            latitude: at.lat,
            longitude: at.lon,
        }),
        area_served,
        contained_in_place,
        member: organization.then(|| refer(publisher_id(site))),
        founding_date: period.map(|period| period.from.to_string()),
        dissolution_date: period.and_then(|period| period.to).map(|to| to.to_string()),
    })
}

/// A page of a section with a feed, with a date: news.
fn is_news(site: &Site, page: &SourcePage) -> bool {
    page.front.date.is_some()
        && Site::parent(&page.id).is_some_and(|parent| site.config.site.feeds.iter().any(|f| f.as_str() == parent))
}

/// The plan as a document, with each language's PDF and EPUB as encodings.
fn plan_document<'a>(
    site: &Site,
    extras: &'a Extras,
    lang: &'a str,
    title: &'a str,
    plan_url: &str,
) -> DigitalDocument<'a> {
    let base = &site.config.site.base_url;
    let formats = [
        ("application/pdf", &extras.pdfs),
        ("application/epub+zip", &extras.epubs),
    ];
    let encoding = formats
        .into_iter()
        .flat_map(|(format, editions)| {
            editions.iter().map(move |(edition_lang, (path, size))| MediaObject {
                kind: "MediaObject",
                content_url: urls::absolute(base, path),
                encoding_format: format,
                in_language: edition_lang,
                content_size: format!("{size} B"),
            })
        })
        .collect();
    DigitalDocument {
        kind: "DigitalDocument",
        id: format!("{plan_url}#document"),
        name: title,
        url: plan_url.to_owned(),
        in_language: lang,
        author: refer(publisher_id(site)),
        publisher: refer(publisher_id(site)),
        date_published: site
            .config
            .plan
            .as_ref()
            .and_then(|plan| plan.date)
            .map(|date| date.to_string()),
        encoding,
    }
}

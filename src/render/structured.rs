//! Structured data: one schema.org graph per page as JSON-LD, for search
//! engines and other readers of the web's metadata.
//!
//! Every node has a stable `@id` made from a canonical URL: the publisher
//! (`<base>#publisher`), the site (`<base>#website`), each page
//! (`<page URL>`), its breadcrumb trail (`<page URL>#breadcrumb`), what an
//! entity page is about (`<page URL>#entity`) and the plan
//! (`<plan URL>#document`). Strings from content are JSON strings, and the
//! JSON is written so that nothing in it can end the `<script>` element.

use serde_json::{Value, json};

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
    let publisher = publisher_id(site);
    let mut graph = Vec::new();

    let mut page_node = json!({
        "@type": "WebPage",
        "@id": url,
        "url": url,
        "name": title,
        "inLanguage": lang,
        "isPartOf": { "@id": website_id(site) },
        "breadcrumb": { "@id": format!("{url}#breadcrumb") },
    });
    graph.push(breadcrumbs(site, lang, id, title, &url));

    if let Subject::Page(page) = subject {
        if let Some(description) = &page.front.description {
            page_node["description"] = json!(description);
        }
        if page.id.is_empty() {
            page_node["@type"] = json!("WebPage");
            graph.push(website(site));
            graph.push(publisher_node(site));
        } else if let Some(entity) = entity(site, texts, page, &url) {
            page_node["mainEntity"] = json!({ "@id": format!("{url}#entity") });
            graph.push(entity);
        } else if is_news(site, page) {
            // the article is what the page is about (a breadcrumb is the page's)
            let mut article = json!({
                "@type": "NewsArticle",
                "@id": format!("{url}#article"),
                "headline": title,
                "inLanguage": lang,
                "mainEntityOfPage": { "@id": url },
                "publisher": { "@id": publisher },
                "author": { "@id": publisher },
            });
            if let Some(date) = page.front.date {
                article["datePublished"] = json!(date.to_string());
                article["dateModified"] = json!(page.front.updated.unwrap_or(date).to_string());
            }
            if let Some(description) = &page.front.description {
                article["description"] = json!(description);
            }
            page_node["mainEntity"] = json!({ "@id": format!("{url}#article") });
            graph.push(article);
        }
        if let Some(plan) = &site.plan {
            let plan_url = urls::absolute(base, &urls::page_dir(lang, &plan.section));
            let document_id = format!("{plan_url}#document");
            if page.id == plan.section {
                page_node["mainEntity"] = json!({ "@id": document_id });
                graph.push(plan_document(site, extras, lang, title, &plan_url));
            } else if site.chapter(&page.id).is_some() {
                page_node["isPartOf"] = json!([{ "@id": website_id(site) }, { "@id": document_id }]);
            }
        }
    }
    if !page_node_is_home(subject) {
        // the node the others refer to as publisher or member
        graph.push(publisher_node(site));
    }
    graph.insert(0, page_node);
    script_safe(&json!({ "@context": "https://schema.org", "@graph": graph }))
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
fn publisher_node(site: &Site) -> Value {
    let kind = site
        .config
        .structured_data
        .publisher
        .unwrap_or(SchemaType::Organization);
    json!({
        "@type": kind.name(),
        "@id": publisher_id(site),
        "name": site.config.author(site.source_lang()),
        "url": urls::absolute(&site.config.site.base_url, ""),
    })
}

/// The site: one name (the source language's) on every home page, so the
/// node is the same wherever it is read; the others as alternate names.
fn website(site: &Site) -> Value {
    let source = site.source_lang();
    let name = site.config.site.title.get(source, source);
    let mut alternates: Vec<&str> = site
        .languages()
        .iter()
        .map(|lang| site.config.site.title.get(lang, source))
        .filter(|title| *title != name)
        .collect();
    alternates.dedup();
    json!({
        "@type": "WebSite",
        "@id": website_id(site),
        "url": urls::absolute(&site.config.site.base_url, ""),
        "name": name,
        "alternateName": alternates,
        "inLanguage": site.languages(),
        "publisher": { "@id": publisher_id(site) },
    })
}

/// Home, the page's sections, the page: as the page's breadcrumbs show them.
fn breadcrumbs(site: &Site, lang: &str, id: &str, title: &str, url: &str) -> Value {
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
    let elements: Vec<Value> = items
        .into_iter()
        .enumerate()
        .map(|(i, (name, item))| json!({ "@type": "ListItem", "position": i + 1, "name": name, "item": item }))
        .collect();
    json!({ "@type": "BreadcrumbList", "@id": format!("{url}#breadcrumb"), "itemListElement": elements })
}

/// What an entity page is about, as `[structured_data] types` names its kind.
fn entity(site: &Site, texts: &Texts, page: &SourcePage, url: &str) -> Option<Value> {
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
    let name = site.name_of(page);
    let mut node = json!({
        "@type": kind.name(),
        "@id": format!("{url}#entity"),
        "name": name,
        "url": url,
    });
    if let Some(description) = &page.front.description {
        node["description"] = json!(description);
    }
    if let Some(website) = &facts.website {
        node["sameAs"] = json!(website.as_str());
    }
    if let Some(at) = facts.coordinates {
        node["geo"] = json!({ "@type": "GeoCoordinates", "latitude": at.lat, "longitude": at.lon });
    }
    let countries: Vec<Value> = facts
        .country
        .iter()
        .map(|code| {
            json!({
                "@type": "Country",
                "name": texts.t(lang, &format!("taxonomy.country.terms.{}", code.value)),
                "identifier": code.value.as_str().to_ascii_uppercase(),
            })
        })
        .collect();
    if !countries.is_empty() {
        let key = if kind.is_organization() {
            "areaServed"
        } else {
            "containedInPlace"
        };
        node[key] = if countries.len() == 1 {
            countries[0].clone()
        } else {
            Value::Array(countries)
        };
    }
    if kind.is_organization() {
        // the site's author takes part in it
        node["member"] = json!({ "@id": publisher_id(site) });
        if let Some(period) = &facts.period {
            node["foundingDate"] = json!(period.from.to_string());
            if let Some(to) = period.to {
                node["dissolutionDate"] = json!(to.to_string());
            }
        }
    }
    Some(node)
}

/// A page of a section with a feed, with a date: news.
fn is_news(site: &Site, page: &SourcePage) -> bool {
    page.front.date.is_some()
        && Site::parent(&page.id).is_some_and(|parent| site.config.site.feeds.iter().any(|f| f.as_str() == parent))
}

/// The plan as a document, with each language's PDF and EPUB as encodings.
fn plan_document(site: &Site, extras: &Extras, lang: &str, title: &str, plan_url: &str) -> Value {
    let base = &site.config.site.base_url;
    let formats = [
        ("application/pdf", &extras.pdfs),
        ("application/epub+zip", &extras.epubs),
    ];
    let encodings: Vec<Value> = formats
        .iter()
        .flat_map(|(format, editions)| {
            editions.iter().map(move |(edition_lang, (path, size))| {
                json!({
                    "@type": "MediaObject",
                    "contentUrl": urls::absolute(base, path),
                    "encodingFormat": format,
                    "inLanguage": edition_lang,
                    "contentSize": format!("{size} B"),
                })
            })
        })
        .collect();
    let mut node = json!({
        "@type": "DigitalDocument",
        "@id": format!("{plan_url}#document"),
        "name": title,
        "url": plan_url,
        "inLanguage": lang,
        "author": { "@id": publisher_id(site) },
        "publisher": { "@id": publisher_id(site) },
    });
    if let Some(date) = site.config.plan.as_ref().and_then(|plan| plan.date) {
        node["datePublished"] = json!(date.to_string());
    }
    if !encodings.is_empty() {
        node["encoding"] = Value::Array(encodings);
    }
    node
}

/// `value` as JSON in which `<`, `>` and `&` are escapes, so no string in
/// it can end the script element or open a comment.
fn script_safe(value: &Value) -> String {
    serde_json::to_string(value)
        .expect("a JSON value serializes")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_in_a_string_ends_the_script() {
        let out = script_safe(&json!({ "name": "</script><script>alert(1)</script> & <!--" }));
        assert!(!out.contains('<') && !out.contains('>') && !out.contains('&'), "{out}");
        let back: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back["name"], "</script><script>alert(1)</script> & <!--");
    }
}

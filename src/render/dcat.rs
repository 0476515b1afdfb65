//! The open data's catalogue for data portals: `datasets/dcat.rdf`, RDF/XML
//! after DCAT-AP-SE (the Swedish profile of DCAT-AP), so that the
//! municipality's own catalogue can point to it and the Swedish data portal
//! can harvest it.
//!
//! Every catalogue, dataset, distribution, publisher and contact point is
//! named by an absolute IRI (never a blank node). `modified` is the newest
//! date in the content, never the clock, so the file is the same for the
//! same content. What the municipality must confirm (organisation number,
//! contact e-mail, licence) comes from `[open_data]` in `book.toml`.

use crate::escape;
use crate::render::data::{DATA_DIR, FILES};
use crate::render::{OutputFile, Texts};
use crate::site::Site;
use crate::source::values::PartialDate;
use crate::urls;

/// Where the catalogue is published.
pub const PATH: &str = "datasets/dcat.rdf";

const FILE_TYPE: &str = "http://publications.europa.eu/resource/authority/file-type/";
const DATA_THEME: &str = "http://publications.europa.eu/resource/authority/data-theme/";
const IANA: &str = "https://www.iana.org/assignments/media-types/";

/// The catalogue of the open data files.
pub(crate) fn catalogue(site: &Site, texts: &Texts) -> OutputFile {
    let base = &site.config.site.base_url;
    let config = &site.config.open_data;
    let here = urls::absolute(base, PATH);
    let catalogue_iri = format!("{here}#catalog");
    let dataset_iri = format!("{here}#entities");
    let contact_iri = format!("{here}#contact");
    let publisher_iri = match &config.organisation_number {
        // the Swedish data portal's name for an organisation
        Some(number) => format!("https://dataportal.se/organisation/SE{}", number.replace('-', "")),
        None => format!("{}#publisher", urls::absolute(base, "")),
    };
    let languages = site.languages();
    // one element per language
    let localized = |element: &str, text: &dyn Fn(&str) -> String| -> String {
        languages
            .iter()
            .map(|lang| {
                format!(
                    "<dcterms:{element} xml:lang=\"{lang}\">{}</dcterms:{element}>",
                    escape::xml(&text(lang))
                )
            })
            .collect::<Vec<_>>()
            .join("\n    ")
    };
    let site_title = |lang: &str| {
        format!(
            "{} – {}",
            site.config.site.title.get(lang, site.source_lang()),
            texts.t(lang, "open_data.title")
        )
    };
    let licence = config
        .licence
        .as_ref()
        .map(|licence| {
            format!(
                "\n    <dcterms:license rdf:resource=\"{}\"/>",
                escape::xml(licence.url.as_str())
            )
        })
        .unwrap_or_default();
    let modified = newest_date(site)
        .map(|date| {
            format!(
                "\n    <dcterms:modified rdf:datatype=\"{}\">{date}</dcterms:modified>",
                xsd_type(&date)
            )
        })
        .unwrap_or_default();
    let page = urls::absolute(base, &urls::page_dir(site.source_lang(), crate::render::data::PAGE_ID));

    let mut distributions = String::new();
    let mut distribution_refs = String::new();
    for (name, format, _) in FILES {
        let iri = format!("{here}#{}", name.replace('.', "-"));
        let (file_type, media_type) = match format {
            "JSON" => ("JSON", "application/json"),
            "GeoJSON" => ("GEOJSON", "application/geo+json"),
            _ => ("CSV", "text/csv"),
        };
        let url = urls::absolute(base, &format!("{DATA_DIR}/{name}"));
        distribution_refs.push_str(&format!(
            "\n    <dcat:distribution rdf:resource=\"{}\"/>",
            escape::xml(&iri)
        ));
        distributions.push_str(&format!(
            r#"
  <dcat:Distribution rdf:about="{iri}">
    <dcterms:title>{name} ({format})</dcterms:title>
    <dcat:accessURL rdf:resource="{url}"/>
    <dcat:downloadURL rdf:resource="{url}"/>
    <dcterms:format rdf:resource="{FILE_TYPE}{file_type}"/>
    <dcat:mediaType rdf:resource="{IANA}{media_type}"/>{licence}
  </dcat:Distribution>
"#,
            iri = escape::xml(&iri),
            url = escape::xml(&url),
        ));
    }
    let email = config
        .contact_email
        .as_ref()
        .map(|email| format!("\n    <vcard:hasEmail rdf:resource=\"mailto:{}\"/>", escape::xml(email)))
        .unwrap_or_default();
    let author = escape::xml(site.config.author(site.source_lang()));
    let rdf = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF
  xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns:dcat="http://www.w3.org/ns/dcat#"
  xmlns:dcterms="http://purl.org/dc/terms/"
  xmlns:foaf="http://xmlns.com/foaf/0.1/"
  xmlns:vcard="http://www.w3.org/2006/vcard/ns#">
  <dcat:Catalog rdf:about="{catalogue_iri}">
    {catalogue_title}
    {catalogue_description}
    <dcterms:publisher rdf:resource="{publisher_iri}"/>
    <foaf:homepage rdf:resource="{page}"/>{licence}{modified}
    <dcat:dataset rdf:resource="{dataset_iri}"/>
  </dcat:Catalog>
  <dcat:Dataset rdf:about="{dataset_iri}">
    {dataset_title}
    {dataset_description}
    <dcterms:publisher rdf:resource="{publisher_iri}"/>
    <dcat:contactPoint rdf:resource="{contact_iri}"/>
    <dcat:theme rdf:resource="{DATA_THEME}GOVE"/>
    <dcat:theme rdf:resource="{DATA_THEME}REGI"/>
    <dcat:landingPage rdf:resource="{page}"/>
    <dcterms:accessRights rdf:resource="http://publications.europa.eu/resource/authority/access-right/PUBLIC"/>{modified}{distribution_refs}
  </dcat:Dataset>{distributions}
  <foaf:Agent rdf:about="{publisher_iri}">
    <foaf:name>{author}</foaf:name>
    <dcterms:type rdf:resource="http://purl.org/adms/publishertype/LocalAuthority"/>
  </foaf:Agent>
  <vcard:Organization rdf:about="{contact_iri}">
    <vcard:fn>{author}</vcard:fn>{email}
  </vcard:Organization>
</rdf:RDF>
"#,
        catalogue_iri = escape::xml(&catalogue_iri),
        dataset_iri = escape::xml(&dataset_iri),
        contact_iri = escape::xml(&contact_iri),
        publisher_iri = escape::xml(&publisher_iri),
        page = escape::xml(&page),
        catalogue_title = localized("title", &site_title),
        catalogue_description = localized("description", &|lang| texts.t(lang, "open_data.intro")),
        dataset_title = localized("title", &|lang| texts.t(lang, "open_data.dataset")),
        dataset_description = localized("description", &|lang| texts.t(lang, "open_data.intro")),
    );
    OutputFile::new(PATH, rdf)
}

/// The newest date a page of the content carries.
fn newest_date(site: &Site) -> Option<PartialDate> {
    site.pages
        .iter()
        .flat_map(|page| [page.front.date, page.front.updated])
        .flatten()
        .max()
}

fn xsd_type(date: &PartialDate) -> &'static str {
    match (date.month, date.day) {
        (Some(_), Some(_)) => "http://www.w3.org/2001/XMLSchema#date",
        (Some(_), None) => "http://www.w3.org/2001/XMLSchema#gYearMonth",
        _ => "http://www.w3.org/2001/XMLSchema#gYear",
    }
}

//! `plansite check --external`: are the links to other sites still alive?
//!
//! Collects every `http://` and `https://` link and image in the pages'
//! Markdown and every entity's `website`, asks each distinct URL once
//! (HEAD, then GET when a server refuses HEAD), many at a time, and reports
//! each place a dead URL is written, with file:line:col. Off by default:
//! it needs the network and depends on other people's servers.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use rayon::prelude::*;

use crate::build::{self, BuildOptions};
use crate::diagnostics::{self, Diagnostic};
use crate::site::Site;

/// URLs asked at the same time.
const PARALLEL: usize = 16;
const TIMEOUT: Duration = Duration::from_secs(20);

pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    /// Distinct URLs asked.
    pub urls: usize,
    /// Places they are written at.
    pub links: usize,
}

/// Where a URL is written: a file, its text, and the byte offset in it.
struct Place<'s> {
    file: &'s Path,
    text: &'s str,
    offset: usize,
}

/// What a server's answer means for a link.
enum Verdict {
    Alive,
    Dead(String),
    /// Not checked: the server asks us to slow down.
    Unknown(String),
}

/// Loads the site at `root` and checks its external links. Errors that
/// stop the site from loading at all are returned as they are.
pub fn check(root: &Path, drafts: bool) -> Report {
    let options = BuildOptions {
        root: root.to_owned(),
        output: None,
        base_url: None,
        drafts,
        write: false,
        pdf: false,
    };
    let (resolved, mut diagnostics) = build::resolve_site(&options, None);
    let Some((site, _)) = resolved else {
        return Report {
            diagnostics,
            urls: 0,
            links: 0,
        };
    };
    let agent = agent();
    let by_url = collect(&site);
    let links = by_url.values().map(Vec::len).sum();
    let verdicts: Vec<(&String, Verdict)> = match rayon::ThreadPoolBuilder::new().num_threads(PARALLEL).build() {
        Ok(pool) => pool.install(|| by_url.par_iter().map(|(url, _)| (url, ask(&agent, url))).collect()),
        Err(_) => by_url.keys().map(|url| (url, ask(&agent, url))).collect(),
    };
    for (url, verdict) in verdicts {
        let (message, hint, error) = match verdict {
            Verdict::Alive => continue,
            Verdict::Dead(why) => (
                format!("link to `{url}` is broken: {why}"),
                "update the address, or link to an archived copy",
                true,
            ),
            Verdict::Unknown(why) => (
                format!("link to `{url}` was not checked: {why}"),
                "run the check again later",
                false,
            ),
        };
        for place in &by_url[url] {
            let d = if error {
                Diagnostic::error(place.file, message.clone())
            } else {
                Diagnostic::warning(place.file, message.clone())
            };
            diagnostics.push(d.at_offset(place.text, place.offset).with_hint(hint));
        }
    }
    diagnostics::sort(&mut diagnostics);
    Report {
        diagnostics,
        urls: by_url.len(),
        links,
    }
}

/// Every external URL (without its `#fragment`) and where it is written.
fn collect(site: &Site) -> BTreeMap<String, Vec<Place<'_>>> {
    let mut by_url: BTreeMap<String, Vec<Place>> = BTreeMap::new();
    for (page, analysis) in site.pages.iter().zip(&site.analyses) {
        for (url, offset) in &analysis.external {
            by_url.entry(without_fragment(url)).or_default().push(Place {
                file: &page.file,
                text: &page.text,
                offset: page.body_start + offset,
            });
        }
    }
    for entity in site.facts.values() {
        if let Some(url) = entity
            .facts
            .website
            .as_ref()
            .map(crate::link_policy::WebUrl::as_str)
            .filter(|u| crate::markdown::is_external(u))
        {
            by_url.entry(without_fragment(url)).or_default().push(Place {
                file: &entity.file,
                text: &entity.text,
                offset: entity.text.find(url).unwrap_or(0),
            });
        }
    }
    by_url
}

fn without_fragment(url: &str) -> String {
    url.split('#').next().unwrap_or(url).to_owned()
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .max_redirects(10)
        .user_agent(concat!("plansite/", env!("CARGO_PKG_VERSION"), " (link check)"))
        .build()
        .into()
}

fn ask(agent: &ureq::Agent, url: &str) -> Verdict {
    // Some servers refuse or mishandle HEAD; a GET (body left unread) settles it.
    let status = match agent.head(url).call() {
        Ok(response) if response.status().is_success() => return Verdict::Alive,
        _ => agent.get(url).call().map(|r| r.status()),
    };
    match status {
        Ok(s) if s.is_success() => Verdict::Alive,
        Ok(s) if s.as_u16() == 429 => Verdict::Unknown(format!("the server answered {s}")),
        Ok(s) if s.is_redirection() => Verdict::Dead(format!("still redirecting after 10 redirects ({s})")),
        Ok(s) => Verdict::Dead(format!("the server answered {s}")),
        Err(e) => Verdict::Dead(format!("no answer: {e}")),
    }
}

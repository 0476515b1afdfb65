//! Search: a Pagefind index of every language's pages, built from the
//! rendered pages in memory and published under `assets/search/`.
//!
//! The theme marks what is indexed: `data-pagefind-body` on a page's
//! article, `data-pagefind-ignore` on its lists of other pages, so the
//! header, menus and footer never are; pages without the mark (taxonomy
//! lists, the print page, the chooser, 404) are left out. This stage adds
//! to each page, for the index only, its section and its taxonomy terms as
//! filters, and the words it is also found by ([`terms`]): its names in
//! the other languages, ASCII spellings, parts of compounds and other
//! grades. The reader's side is the theme's `static/search.js`, which asks
//! Pagefind's own query code (WebAssembly) and shows the results.

pub mod terms;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;
use rayon::prelude::*;

use crate::diagnostics::Diagnostic;
use crate::escape;
use crate::render::OutputFile;
use crate::render::cache::Cache;
use crate::site::Site;
use crate::source::values::Localized;
use crate::urls;
use terms::{Rules, Vocabulary};

/// Where the index and Pagefind's query code are published.
pub const BUNDLE_DIR: &str = "assets/search";

/// The files of Pagefind's bundle that a search needs: its query API, the
/// WebAssembly of the languages indexed (`wasm`, as the entry file names
/// them) and the index itself; not its own UIs.
fn needed(path: &str, wasm: &BTreeSet<String>) -> bool {
    path.starts_with("index/")
        || path.starts_with("fragment/")
        || path.starts_with("filter/")
        || path == "pagefind.js"
        || path == "pagefind-worker.js"
        || path == "pagefind-entry.json"
        || wasm.contains(path)
        || (path.starts_with("pagefind.") && path.ends_with(".pf_meta"))
}

/// The WebAssembly files the entry file (`pagefind-entry.json`) names:
/// `{"languages":{"sv":{…,"wasm":"sv",…}}}`.
fn wasm_files(entry: &str) -> BTreeSet<String> {
    entry
        .split("\"wasm\":\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|lang| format!("wasm.{lang}.pagefind"))
        .collect()
}

/// What each indexed page is given beyond its own text.
struct Extra {
    section: Option<String>,
    /// Taxonomy → the titles of the page's terms in its language.
    filters: BTreeMap<String, Vec<String>>,
    /// Its names in every language (titles, an entity's short names) and their ASCII spellings: ranked
    /// as its title is (`NAMES_FIELD`).
    names: BTreeSet<String>,
    /// Its description's words (not shown on the page, so not in its text),
    /// parts of its compounds, other grades, ASCII spellings of its words.
    also: BTreeSet<String>,
}

/// The index field of a page's other names; `search.js` weighs it as
/// Pagefind weighs the title.
pub const NAMES_FIELD: &str = "names";

/// The index of every page in `rendered` (output path, bytes) that has a
/// source page, with the Pagefind bundle and its licence, under
/// [`BUNDLE_DIR`].
pub fn index<'a>(
    site: &Site,
    rendered: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    cache: Option<&Cache>,
) -> (Vec<OutputFile>, Vec<Diagnostic>) {
    let documents = Documents::new(site);
    for (path, bytes) in rendered {
        documents.offer(path, bytes);
    }
    documents.index(cache)
}

/// The documents of the index, gathered from the pages as they are
/// rendered (from any thread): each page's HTML with what it is given
/// beyond its own text, and nothing of the pages not indexed.
pub struct Documents<'s> {
    by_path: BTreeMap<String, usize>,
    site: &'s Site,
    extras: Vec<Extra>,
    /// Each language's exact words, form → word, made once.
    exact: BTreeMap<&'s str, BTreeMap<&'s str, &'s str>>,
    gathered: Mutex<BTreeMap<String, String>>,
}

impl<'s> Documents<'s> {
    pub fn new(site: &'s Site) -> Self {
        Documents {
            by_path: site
                .pages
                .iter()
                .enumerate()
                .map(|(ix, page)| (format!("{}index.html", urls::page_dir(&page.lang, &page.id)), ix))
                .collect(),
            site,
            extras: extras(site),
            exact: site
                .search
                .iter()
                .map(|(lang, rules)| (lang.as_str(), rules.exact_forms().collect()))
                .collect(),
            gathered: Mutex::new(BTreeMap::new()),
        }
    }

    /// Keeps the document of the page at `path`, if it has a source page.
    pub fn offer(&self, path: &str, bytes: &[u8]) {
        let Some(&ix) = self.by_path.get(path) else {
            return;
        };
        let Ok(html) = std::str::from_utf8(bytes) else {
            return;
        };
        let lang = &self.site.pages[ix].lang;
        let no_exact = BTreeMap::new();
        let exact = self.exact.get(lang.as_str()).unwrap_or(&no_exact);
        let document = with_extra(lang, exact, html, &self.extras[ix]);
        self.gathered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path.to_owned(), document);
    }

    /// The index of the documents gathered, with the Pagefind bundle and
    /// its licence, under [`BUNDLE_DIR`].
    pub fn index(self, cache: Option<&Cache>) -> (Vec<OutputFile>, Vec<Diagnostic>) {
        // in path order: the index depends on the order pages are added in
        let documents = self.gathered.into_inner().unwrap_or_else(|e| e.into_inner());
        // the same documents indexed by the same build give the same files:
        // a build in which no page's text changed takes them from the cache
        let made = match (cache, crate::render::cache::typesetter()) {
            (Some(cache), Some(build)) => {
                let key = fingerprint(&build, &documents);
                cache
                    .get_or_make(
                        "search",
                        "index",
                        "bundle",
                        &key,
                        |bytes| unbundle(bytes).is_some(),
                        || run(documents).map(|files| bundle(&files)),
                    )
                    .and_then(|bytes| unbundle(&bytes).ok_or_else(|| "the index made is not one".to_owned()))
            }
            _ => run(documents),
        };
        match made {
            Ok(files) => (files, Vec::new()),
            Err(message) => (
                Vec::new(),
                vec![
                    Diagnostic::error("book.toml", format!("cannot build the search index: {message}"))
                        .with_hint("set `search = false` under [build] to build without search"),
                ],
            ),
        }
    }
}

/// What the index is made from, as a hex SHA-256: the build of plansite
/// (and so of Pagefind) and every document, each framed by its length.
fn fingerprint(build: &str, documents: &BTreeMap<String, String>) -> String {
    let mut hash = crate::fingerprint::Fingerprint::new();
    hash.part(build.as_bytes());
    for (path, html) in documents {
        hash.part(path.as_bytes()).part(html.as_bytes());
    }
    hash.hex()
}

const BUNDLE_MAGIC: &[u8] = b"plansite search index 1\n";

/// The index's files as one file for the cache: each path and its bytes,
/// each framed by its length.
fn bundle(files: &[OutputFile]) -> Vec<u8> {
    let mut out = BUNDLE_MAGIC.to_vec();
    for file in files {
        for part in [file.path.as_bytes(), &file.bytes] {
            out.extend((part.len() as u64).to_le_bytes());
            out.extend(part);
        }
    }
    out
}

/// The files of a [`bundle`]; `None` when it is not one, whole.
fn unbundle(mut bytes: &[u8]) -> Option<Vec<OutputFile>> {
    bytes = bytes.strip_prefix(BUNDLE_MAGIC)?;
    let take = |bytes: &mut &[u8]| -> Option<Vec<u8>> {
        let (len, rest) = bytes.split_first_chunk::<8>()?;
        let len = usize::try_from(u64::from_le_bytes(*len)).ok()?;
        let part = rest.get(..len)?.to_vec();
        *bytes = &rest[len..];
        Some(part)
    };
    let mut files = Vec::new();
    while !bytes.is_empty() {
        let path = String::from_utf8(take(&mut bytes)?).ok()?;
        let content = take(&mut bytes)?;
        files.push(OutputFile::new(path, content));
    }
    (!files.is_empty()).then_some(files)
}

fn run(documents: BTreeMap<String, String>) -> Result<Vec<OutputFile>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let options = PagefindServiceConfig::builder().keep_index_url(false).build();
        let mut index = PagefindIndex::new(Some(options)).map_err(|e| e.to_string())?;
        for (path, html) in documents {
            index
                .add_html_file(Some(path), None, html)
                .await
                .map_err(|e| e.to_string())?;
        }
        let files: Vec<(String, Vec<u8>)> = index
            .get_files()
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|file| (file.filename.to_string_lossy().replace('\\', "/"), file.contents))
            .collect();
        let entry = files
            .iter()
            .find(|(path, _)| path == "pagefind-entry.json")
            .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
            .unwrap_or_default();
        let wasm = wasm_files(&entry);
        let mut out: Vec<OutputFile> = files
            .into_iter()
            .filter(|(path, _)| needed(path, &wasm))
            .map(|(path, bytes)| OutputFile::new(format!("{BUNDLE_DIR}/{path}"), bytes))
            .collect();
        out.push(OutputFile::new(
            format!("{BUNDLE_DIR}/LICENSE-pagefind.txt"),
            PAGEFIND_LICENSE,
        ));
        Ok(out)
    })
}

/// Pagefind's licence, published beside its code.
const PAGEFIND_LICENSE: &str = "Pagefind (https://pagefind.app), whose query code and index format this search uses.\n\n\
Copyright 2022 Pagefind\n\n\
Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated \
documentation files (the \"Software\"), to deal in the Software without restriction, including without limitation \
the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to \
permit persons to whom the Software is furnished to do so, subject to the following conditions:\n\n\
The above copyright notice and this permission notice shall be included in all copies or substantial portions of \
the Software.\n\n\
THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO \
THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE \
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, \
TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE \
SOFTWARE.\n";

/// The document Pagefind indexes for a page: the part of `html` the theme
/// marks (else all of it) with the page's extra fields, and the token of
/// each exact word (`lemma_of`: form → word) one of whose forms it has.
fn with_extra(lang: &str, lemma_of: &BTreeMap<&str, &str>, html: &str, extra: &Extra) -> String {
    let part = marked_part(html);
    let mut names: Vec<String> = extra.names.iter().cloned().collect();
    let mut also: Vec<String> = extra.also.iter().cloned().collect();
    if !lemma_of.is_empty() {
        // once per occurrence, as the engine counts words; among the names
        // when the page is named by it (Boden)
        let text = text_of(part.unwrap_or(html));
        let occurrences = terms::words(&text).chain(extra.also.iter().cloned());
        also.extend(occurrences.filter_map(|word| exact_lemma(lemma_of, &word).map(terms::exact_token)));
        let named: BTreeSet<String> = extra
            .names
            .iter()
            .filter_map(|word| exact_lemma(lemma_of, word).map(terms::exact_token))
            .collect();
        names.extend(named);
    }
    let mut block = String::from("<div data-pagefind-ignore>");
    if let Some(section) = &extra.section {
        block.push_str(&format!(
            "<span data-pagefind-meta=\"section\">{}</span>",
            escape::html_attr(section)
        ));
    }
    for (taxonomy, values) in &extra.filters {
        for value in values {
            block.push_str(&format!(
                "<span data-pagefind-filter=\"{}\">{}</span>",
                escape::html_attr(taxonomy),
                escape::html_attr(value)
            ));
        }
    }
    for (field, words) in [(NAMES_FIELD, names), ("also", also)] {
        if !words.is_empty() {
            block.push_str(&format!(
                "<span data-pagefind-meta=\"{field}\">{}</span>",
                escape::html_attr(&words.join(" "))
            ));
        }
    }
    block.push_str("</div>");
    // only what the theme marks, so Pagefind parses no header, menu or footer
    match part {
        Some(part) => format!(
            "<html lang=\"{}\"><body>{part}{block}</body></html>",
            escape::html_attr(lang)
        ),
        None => match html.rfind("</body>") {
            Some(at) => format!("{}{block}{}", &html[..at], &html[at..]),
            None => format!("{html}{block}"),
        },
    }
}

/// The exact word `word` is a form of, or a compound of: one of its forms
/// with at least four more letters before or after it (`kunnanhallitus`,
/// `kotikunta`).
fn exact_lemma<'r>(lemma_of: &BTreeMap<&str, &'r str>, word: &str) -> Option<&'r str> {
    if let Some(lemma) = lemma_of.get(word) {
        return Some(lemma);
    }
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let long_enough = |letters: usize| letters >= 4;
    (1..chars.len()).find_map(|i| {
        let at = chars[i].0;
        let (head, tail) = word.split_at(at);
        let (head_len, tail_len) = (i, chars.len() - i);
        lemma_of
            .get(head)
            .filter(|_| long_enough(tail_len))
            .or_else(|| lemma_of.get(tail).filter(|_| long_enough(head_len)))
            .copied()
    })
}

/// The text of `html` the index holds: what is outside its tags, except
/// inside elements marked `data-pagefind-ignore` (the theme's lists of
/// other pages), which the index leaves out too.
fn text_of(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    // the ignored element's name, and how deep its kind nests inside it
    let mut ignored: Option<(String, usize)> = None;
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        if ignored.is_none() {
            text.push_str(&rest[..open]);
        }
        let Some(close) = rest[open..].find('>') else { break };
        let tag = &rest[open + 1..open + close];
        rest = &rest[open + close + 1..];
        text.push(' ');
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let self_closing = tag.ends_with('/') || VOID.contains(&name.as_str());
        match &mut ignored {
            Some((kind, depth)) if *kind == name => {
                if closing {
                    *depth -= 1;
                    if *depth == 0 {
                        ignored = None;
                    }
                } else if !self_closing {
                    *depth += 1;
                }
            }
            Some(_) => {}
            None if !closing && !self_closing && tag.contains("data-pagefind-ignore") => {
                ignored = Some((name, 1));
            }
            None => {}
        }
    }
    if ignored.is_none() {
        text.push_str(rest);
    }
    text
}

/// Elements without an end tag.
const VOID: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
];

/// The element of `html` the theme marks `data-pagefind-body`, from its
/// start tag to the last end tag of its name.
fn marked_part(html: &str) -> Option<&str> {
    // inside a start tag, not text that names the attribute (a title)
    let (mark, start) = html.match_indices(" data-pagefind-body").find_map(|(mark, _)| {
        let start = html[..mark].rfind('<')?;
        (!html[start..mark].contains('>')).then_some((mark, start))
    })?;
    let name: String = html[start + 1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let close = format!("</{name}>");
    let end = html.rfind(&close).filter(|&end| end > mark)?;
    Some(&html[start..end + close.len()])
}

/// The extra fields of every page, in the order of `site.pages`.
fn extras(site: &Site) -> Vec<Extra> {
    let texts = crate::render::Texts::new(&site.strings);
    // taxonomy terms of each id
    let mut terms_of: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for (taxonomy, terms) in &site.terms {
        for (term, ids) in terms {
            for id in ids {
                terms_of.entry(id).or_default().push((taxonomy, term));
            }
        }
    }
    // every language's words, the words of each page's indexed text (title
    // and body), and of its description, which is not shown on the page
    let mut page_words: Vec<BTreeSet<String>> = Vec::with_capacity(site.pages.len());
    let mut description_words: Vec<BTreeSet<String>> = Vec::with_capacity(site.pages.len());
    let mut all_words: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut dash_parts: Vec<BTreeSet<String>> = Vec::with_capacity(site.pages.len());
    for page in &site.pages {
        // a text that cannot be read again fails the page's own rendering
        let body = page.read().map(|text| body_text(&text[page.body_start..]));
        let text = format!("{} {}", page.front.title, body.unwrap_or_default());
        let words: Vec<String> = terms::words(&text).collect();
        let description: Vec<String> = terms::words(page.front.description.as_deref().unwrap_or("")).collect();
        let all = all_words.entry(&page.lang).or_default();
        all.extend(words.iter().cloned());
        all.extend(description.iter().cloned());
        page_words.push(words.into_iter().collect());
        description_words.push(description.into_iter().collect());
        let description = page.front.description.as_deref().unwrap_or("");
        dash_parts.push(dash_joined_parts(&text).chain(dash_joined_parts(description)).collect());
    }
    // what each word of a language is also found by, worked out once per word
    let no_rules = Rules::default();
    let found_by: BTreeMap<&str, BTreeMap<String, BTreeSet<String>>> = all_words
        .into_iter()
        .map(|(lang, words)| {
            let rules = site.search.get(lang).unwrap_or(&no_rules);
            let vocabulary = Vocabulary::new(lang, words.iter().map(String::as_str));
            let unique: BTreeSet<&String> = words.iter().collect();
            let found: BTreeMap<String, BTreeSet<String>> = unique
                .into_par_iter()
                .filter_map(|word| {
                    let mut also = vocabulary.expansions(rules, word);
                    also.extend(terms::ascii_spelling(word));
                    (!also.is_empty()).then(|| (word.clone(), also))
                })
                .collect();
            (lang, found)
        })
        .collect();

    let mut out = Vec::with_capacity(site.pages.len());
    for (ix, page) in site.pages.iter().enumerate() {
        let lang = page.lang.as_str();
        let section = Site::parent(&page.id)
            .filter(|parent| !parent.is_empty())
            .and_then(|parent| site.version(parent, lang))
            .map(|parent| parent.front.title.clone());
        let mut filters: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (taxonomy, term) in terms_of.get(page.id.as_str()).into_iter().flatten() {
            filters
                .entry((*taxonomy).to_owned())
                .or_default()
                .push(texts.t(lang, &format!("taxonomy.{taxonomy}.terms.{term}")));
        }
        // the page's names in every language (its titles, and an entity's
        // short names), its own title's words too, so that a page whose name
        // is the same in every language (Boden) weighs as much for it as a
        // page whose names only begin with it (Bodö, bodo)
        let mut names: Vec<&str> = site.ids[&page.id]
            .values()
            .map(|&other| site.pages[other].front.title.as_str())
            .collect();
        match site.facts.get(&page.id).and_then(|facts| facts.facts.name.as_ref()) {
            Some(Localized::Same(name)) => names.push(name),
            Some(Localized::PerLanguage(by_lang)) => names.extend(by_lang.values().map(String::as_str)),
            None => {}
        }
        // names weigh as the title does; the rest as the text
        let mut names: BTreeSet<String> = names.iter().flat_map(|name| terms::words(name)).collect();
        names.extend(names.clone().iter().filter_map(|word| terms::ascii_spelling(word)));
        // the description's words find the page as its text does; what the
        // words are also found by was worked out above (ASCII spellings of
        // names are among the names already)
        let (own, description) = (&page_words[ix], &description_words[ix]);
        let mut also = description.clone();
        for word in own.iter().chain(description).chain(&names) {
            also.extend(found_by[lang].get(word).into_iter().flatten().cloned());
        }
        also.retain(|word| !own.contains(word) && !names.contains(word));
        // the engine reads "Swedish–Finnish" as one word: its parts find
        // the page as the text's other words do
        also.extend(dash_parts[ix].iter().filter(|word| !names.contains(*word)).cloned());
        out.push(Extra {
            section,
            filters,
            names,
            also,
        });
    }
    out
}

/// The parts of words joined by a dash other than the hyphen-minus
/// (`Swedish–Finnish`, `2024–2027`), which Pagefind indexes as one word.
fn dash_joined_parts(text: &str) -> impl Iterator<Item = String> + '_ {
    const DASHES: [char; 5] = ['\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}'];
    text.split_whitespace()
        .filter(|token| token.trim_matches(|c: char| !c.is_alphanumeric()).contains(DASHES))
        .flat_map(terms::words)
}

/// The words a reader sees in a Markdown body: its text and code, not the
/// addresses of its links and images.
fn body_text(body: &str) -> String {
    let mut text = String::with_capacity(body.len());
    for event in pulldown_cmark::Parser::new_ext(body, crate::site::markdown::options()) {
        match event {
            pulldown_cmark::Event::Text(t) | pulldown_cmark::Event::Code(t) => {
                text.push_str(&t);
                text.push(' ');
            }
            pulldown_cmark::Event::SoftBreak | pulldown_cmark::Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_joined_by_a_dash_are_found_by_their_parts() {
        let parts: Vec<String> =
            dash_joined_parts("the Swedish–Finnish border, 2024—2027; well-known (Oulu–Luleå)").collect();
        assert_eq!(parts, ["swedish", "finnish", "2024", "2027", "oulu", "luleå"]);
    }

    #[test]
    fn the_text_of_a_page_leaves_out_what_the_index_ignores() {
        let html = r#"<article data-pagefind-body><p>Om Boden.</p><section data-pagefind-ignore><ul><li><a href="x">Bodö</a></li></ul><br><section>inre</section></section><p>Slut<img src="a.png">.</p></article>"#;
        let text = text_of(html);
        assert!(text.contains("Om Boden.") && text.contains("Slut"), "{text}");
        assert!(!text.contains("Bodö") && !text.contains("inre"), "{text}");
    }

    #[test]
    fn the_marked_part_is_found_in_a_tag_not_in_a_title() {
        let html =
            "<title>Om data-pagefind-body och mer</title><main><article data-pagefind-body>Text</article></main>";
        assert_eq!(marked_part(html), Some("<article data-pagefind-body>Text</article>"));
    }

    #[test]
    fn an_exact_word_is_found_in_its_compounds() {
        let lemma_of: BTreeMap<&str, &str> = [("kunta", "kunta"), ("kunnan", "kunta")].into();
        assert_eq!(exact_lemma(&lemma_of, "kunnan"), Some("kunta"));
        assert_eq!(exact_lemma(&lemma_of, "kunnanhallitus"), Some("kunta"));
        assert_eq!(exact_lemma(&lemma_of, "kotikunta"), Some("kunta"));
        // too little around it to be a compound
        assert_eq!(exact_lemma(&lemma_of, "kuntaan"), None);
        assert_eq!(exact_lemma(&lemma_of, "kun"), None);
        assert_eq!(exact_lemma(&lemma_of, "kunnes"), None);
    }
}

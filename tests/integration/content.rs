//! The real site in this repository: complete in every language, and the
//! facts of the source texts present in each language's own form.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use plansite::source::i18n::{Catalog, Message, placeholders};

const LANGS: [&str; 3] = ["sv", "fi", "en"];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_page_exists_in_every_language() {
    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(repo().join("content")) {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".md") else { continue };
        let (slug, lang) = stem.rsplit_once('.').expect("page file names carry a language");
        let dir = entry
            .path()
            .parent()
            .unwrap()
            .strip_prefix(repo().join("content"))
            .unwrap();
        ids.entry(format!("{}/{slug}", dir.display()))
            .or_default()
            .insert(lang.to_owned());
    }
    assert!(ids.len() > 60, "the real site has its pages");
    let incomplete: Vec<_> = ids.iter().filter(|(_, langs)| langs.len() != LANGS.len()).collect();
    assert!(incomplete.is_empty(), "pages missing a language: {incomplete:?}");
}

#[test]
fn every_interface_string_is_translated_with_the_same_placeholders() {
    let catalog = |lang: &str| {
        let file = repo().join(format!("i18n/{lang}.yaml"));
        Catalog::parse(Path::new("i18n"), &std::fs::read_to_string(file).unwrap()).unwrap()
    };
    let source = catalog("sv");
    let shape = |m: &Message| -> (BTreeSet<String>, BTreeSet<String>) {
        match m {
            Message::Text(s) => (
                placeholders(s).into_iter().map(str::to_owned).collect(),
                BTreeSet::new(),
            ),
            Message::Plural(forms) => (
                forms
                    .values()
                    .flat_map(|s| placeholders(s))
                    .map(str::to_owned)
                    .collect(),
                forms.keys().cloned().collect(),
            ),
            Message::List(items) => (BTreeSet::new(), [items.len().to_string()].into()),
        }
    };
    for lang in ["fi", "en"] {
        let other = catalog(lang);
        for (key, message) in &source.messages {
            let translated = other
                .get(key)
                .unwrap_or_else(|| panic!("`{key}` missing in i18n/{lang}.yaml"));
            assert_eq!(
                shape(message),
                shape(translated),
                "`{key}` differs in placeholders or forms in {lang}"
            );
        }
        let extra: Vec<_> = other
            .messages
            .keys()
            // a case form is a language's own grammar (`format.cases`)
            .filter(|k| !source.messages.contains_key(*k) && !k.starts_with("format.cases."))
            .collect();
        assert!(
            extra.is_empty(),
            "keys in i18n/{lang}.yaml that sv.yaml lacks: {extra:?}"
        );
    }
}

/// Facts of the source texts, as each language writes them (sv, fi, en).
const FACTS: &[[&str; 3]] = &[
    // Bothnian Arc population: the plan 2024–2027 and the 2021 web page
    ["710 000", "710 000", "710,000"],
    ["680 000", "680 000", "680,000"],
    ["Bottenviksbågen", "Perämerenkaari", "Bothnian Arc"],
    ["Uleåborg", "Oulu", "Oulu"],
    ["Tromsö", "Tromssa", "Tromsø"],
    ["Bodö", "Bodø", "Bodø"],
    ["Kvarkenrådet", "Merenkurkun neuvosto", "Kvarken Council"],
    // the Oulu page's last update, the Boden news item, the Oulu agreement
    ["7 oktober 2021", "7. lokakuuta 2021", "7 October 2021"],
    ["7 juni 2022", "7. kesäkuuta 2022", "7 June 2022"],
    ["februari 2019", "helmikuussa 2019", "February 2019"],
    // EU Arctic policy; Novéant-sur-Moselle visit; jobs forecast
    ["13 oktober 2021", "13. lokakuuta 2021", "13 October 2021"],
    ["1 augusti 2023", "1. elokuuta 2023", "1 August 2023"],
    ["100 000", "100 000", "100,000"],
];

/// Names and figures written the same in every language.
const SAME_IN_ALL: &[&str] = &[
    "2040",
    "Roots and Wings for Growth",
    "Arctic Mayors",
    "Union of the Baltic Cities",
    "Sweden Emilia Romagna Network",
    "Murmansk",
    "Santa Lucía de Tirajana",
    "Puerto Cabezas",
    "Zenica",
    "Kemi",
    "Linda Strandenhed",
    "Walter Brolund",
    "Robert Forsberg",
    "Katarina van Deventer",
    "Carina Sammeli",
    "Claes Nordmark",
    "Emigration Expo",
    "Sweden Secure Tech Hub",
    "Arctic Europe Tourism Cluster",
    "Bothnian Coastal Route",
    "AEBR",
    "Agenda 2030",
];

#[test]
fn the_real_site_builds_cleanly_and_carries_the_facts_of_the_sources() {
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    let run = Command::new(env!("CARGO_BIN_EXE_plansite"))
        .args(["build", "--root"])
        .arg(repo())
        .arg("--output")
        .arg(&public)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        !stderr.contains("warning"),
        "the real site builds without warnings:\n{stderr}"
    );
    for (i, lang) in LANGS.iter().enumerate() {
        let mut text = String::new();
        for entry in walkdir::WalkDir::new(public.join(lang)) {
            let entry = entry.unwrap();
            if entry.path().extension().is_some_and(|e| e == "html") {
                text.push_str(&std::fs::read_to_string(entry.path()).unwrap().replace('\u{a0}', " "));
            }
        }
        // no page of this language falls back to another language
        assert!(
            !text.contains("class=\"lang-note\""),
            "{lang} has a page shown in another language"
        );
        for fact in FACTS.iter().map(|f| f[i]).chain(SAME_IN_ALL.iter().copied()) {
            assert!(text.contains(fact), "`{fact}` is missing from the {lang} site");
        }
    }
}

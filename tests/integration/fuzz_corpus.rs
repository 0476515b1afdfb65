//! Replays the committed fuzz corpus (fuzz/corpus/<target>/) through the
//! fuzz targets' own checks (fuzz/checks/<target>.rs): every property the
//! fuzzers hold the code to is checked on every input they found
//! interesting, on every `cargo test`, without a fuzzer or a nightly
//! compiler. The fuzzers themselves run with `scripts/fuzz`.

use std::path::Path;

#[path = "../../fuzz/checks/frontmatter_markdown.rs"]
mod frontmatter_markdown;
#[path = "../../fuzz/checks/html_safety.rs"]
pub(crate) mod html_safety;
#[path = "../../fuzz/checks/i18n_format.rs"]
mod i18n_format;
#[path = "../../fuzz/checks/internal_link.rs"]
mod internal_link;
#[cfg(feature = "pdf")]
#[path = "../../fuzz/checks/typst_markup.rs"]
mod typst_markup;

/// Runs `check` on every file of the target's corpus; returns how many.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    for file in &files {
        let data = std::fs::read(file).unwrap();
        if let Err(panic) = std::panic::catch_unwind(|| check(&data)) {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            panic!("{target}: {} fails: {message}", file.display());
        }
    }
    files.len()
}

#[test]
fn frontmatter_markdown_corpus() {
    assert!(replay("frontmatter_markdown", frontmatter_markdown::check) > 100);
}

#[test]
fn html_safety_corpus() {
    assert!(replay("html_safety", html_safety::check) > 50);
}

#[test]
fn internal_link_corpus() {
    assert!(replay("internal_link", internal_link::check) > 10);
}

#[test]
fn i18n_format_corpus() {
    assert!(replay("i18n_format", i18n_format::check) > 100);
}

#[cfg(feature = "pdf")]
#[test]
fn typst_markup_corpus() {
    assert!(replay("typst_markup", typst_markup::check) > 100);
}

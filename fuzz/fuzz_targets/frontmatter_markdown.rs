//! Fuzz target; the input format and the properties checked are in
//! `fuzz/checks/frontmatter_markdown.rs`, shared with the corpus replay in `cargo test`
//! (tests/integration/fuzz_corpus.rs).

#![no_main]

#[path = "../checks/frontmatter_markdown.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check(data));

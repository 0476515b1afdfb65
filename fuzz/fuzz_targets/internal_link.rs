//! Fuzz target; the input format and the properties checked are in
//! `fuzz/checks/internal_link.rs`, shared with the corpus replay in `cargo test`
//! (tests/integration/fuzz_corpus.rs).

#![no_main]

#[path = "../checks/internal_link.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check(data));

//! The integration tests, one binary: each module runs the real `plansite`
//! binary or the library on fixture sites (`tests/sites/`) or the real
//! site. One binary links the tree once, not once per file.

mod common;

mod build;
mod content;
mod errors;
mod external;
mod files;
mod fuzz_corpus;
mod fuzz_regressions;
mod glossary;
mod i18n_diff;
mod i18n_status;
mod incremental;
mod maps;
mod markdown_safety;
mod open_data;
mod output_dir;
mod print;
mod search;
mod serve;
mod structured_data;
mod xml;

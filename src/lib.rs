//! plansite: a static site generator for Luleå municipality's trilingual
//! international-cooperation site and its printable plan edition.
//!
//! The pipeline is `load -> resolve -> render -> write` (see ARCHITECTURE.md):
//! [`load`] reads files into [`load::Sources`], [`site::resolve`] cross-links
//! them into a [`site::Site`], [`render`] and [`print`] turn that into
//! [`render::OutputFile`]s, and [`output`] swaps them into place.

pub mod assets;
pub mod build;
pub mod cache;
pub mod cli;
pub mod config;
pub mod diagnostics;
pub mod escape;
pub mod external;
pub mod facts;
pub mod feeds;
pub mod files;
pub mod frontmatter;
pub mod i18n;
pub mod incremental;
pub mod link_policy;
pub mod load;
pub mod markdown;
pub mod output;
#[cfg(feature = "pdf")]
pub mod pdf;
pub mod print;
pub mod render;
pub mod serve;
pub mod site;
pub mod slug;
pub mod status;
pub mod urls;
pub mod values;
pub mod yaml;

//! plansite: a static site generator for Luleå municipality's trilingual
//! international-cooperation site and its printable plan edition.
//!
//! The folders are the pipeline (see ARCHITECTURE.md), and each stage uses
//! only the ones before it: [`source`] reads the files into
//! [`source::load::Sources`], [`site`] cross-links them into a
//! [`site::Site`], [`render`] turns that into [`render::OutputFile`]s (with
//! [`pdf`] for the plan edition and [`search`] for
//! the search index), and [`output`] swaps them into place.
//! [`build`] runs the stages; [`serve`] and [`commands`] are what the
//! command line offers besides a build.

pub mod build;
pub mod cli;
pub mod commands;
pub mod diagnostics;
pub mod epub;
pub mod escape;
pub mod fingerprint;
pub mod map;
pub mod output;
#[cfg(feature = "pdf")]
pub mod pdf;
pub mod render;
pub mod search;
pub mod serve;
pub mod site;
pub mod source;
pub mod translation;
pub mod urls;

//! The first stage: the site's files, read and checked.
//!
//! `load` is the only reader of the site's files (`book.toml`, `content/`,
//! `i18n/`, the theme); the other modules parse and check what it reads —
//! the configuration, front matter, entity facts, values, interface
//! strings, search rules, files beside pages — and define the names and links content may
//! use (`slug`, `link_policy`). Nothing here knows of sites, pages as
//! linked together, or output.

pub mod collation;
pub mod config;
pub mod facts;
pub mod files;
pub mod frontmatter;
pub mod glossary;
pub mod i18n;
pub mod link_policy;
pub mod load;
pub mod search_rules;
pub mod slug;
pub mod values;
pub mod yaml;

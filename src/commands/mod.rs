//! The commands besides `build` and `serve`: the translation status
//! (`plansite i18n`, `status`) and the check of external links
//! (`plansite check --external`, `external`). Each uses the stages; no
//! stage uses them.

pub mod external;
pub mod status;

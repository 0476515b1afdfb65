//! The commands besides `build`, `serve` and the translators' tools
//! (`translation`): the check of external links (`plansite check
//! --external`, `external`). Each uses the stages; no stage uses them.

pub mod external;

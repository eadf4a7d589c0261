//! Stage 3 of the pipeline: the rule pack (YAML under `rules/`, embedded;
//! user files added with `--rules`) and its evaluation.

pub mod builtin;
pub mod eval;
pub mod load;
pub mod model;

pub use load::RulePack;
pub use model::{Check, Rule, RuleMeta, Scope};

//! The rule compiler on one arbitrary user rule file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|text: &str| {
    let _ = hybrid_preflight::rules::RulePack::compile_str(Path::new("site/rules.yaml"), text);
});

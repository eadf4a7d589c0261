//! The transaction export parser on INI-shaped text (anything not starting
//! with `{` or `[{` takes the INI path; a `[section]` seed keeps it there).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|text: &str| {
    let _ = hybrid_preflight::evidence::transaction::parse(Path::new("tenant.cfg"), text);
});

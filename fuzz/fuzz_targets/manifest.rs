//! The deployment manifest parser (YAML with spans) on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|text: &str| {
    let _ = hybrid_preflight::evidence::manifest::parse(Path::new("deployment.yaml"), text);
});

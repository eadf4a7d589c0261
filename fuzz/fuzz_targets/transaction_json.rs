//! The transaction export parser forced onto its JSON path, and the text
//! decoder (BOMs, UTF-16) in front of it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("tenant.json");
    // Raw bytes through the decoder, as a file on disk would go.
    if let Ok(text) = hybrid_preflight::evidence::text::decode(path, data) {
        let _ = hybrid_preflight::evidence::transaction::parse(path, &text);
    }
    // And as JSON whatever the first byte is.
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = hybrid_preflight::evidence::transaction::parse(path, &format!("{{{s}"));
    }
});

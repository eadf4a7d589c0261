//! The certificate decoder (PEM, bare base64, DER in any wrapping) on
//! arbitrary option values.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|value: &str| {
    let _ = hybrid_preflight::facts::crypto::decode_certificate(value);
});

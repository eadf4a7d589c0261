//! The private key decoder (PKCS#1, PKCS#8, encrypted PKCS#8, legacy
//! `Proc-Type` encryption) with and without a password.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;

fuzz_target!(|value: &str| {
    let password = SecretString::from("fuzz-password".to_owned());
    let _ = hybrid_preflight::facts::crypto::inspect_key(value, Some(&password));
    let _ = hybrid_preflight::facts::crypto::inspect_key(value, None);
});

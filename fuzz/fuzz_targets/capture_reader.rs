//! Fuzzes the streaming capture reader and the whole analysis behind it:
//! any byte string must end in `Ok` or a `ReadError`, never a panic or hang.
#![no_main]

use hybrid_preflight::capture::{Target, analyse_reader, net008};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let targets = [Target { host: "fixture.test".to_owned(), port: 44330 }, Target { host: "127.0.0.1".to_owned(), port: 443 }];
    if let Ok(a) = analyse_reader(data, &targets) {
        for t in &a.per_target {
            let _ = net008(t);
        }
    }
    // Discovery mode takes a different path (every SNI becomes a target).
    if let Ok(a) = analyse_reader(data, &[]) {
        for t in &a.per_target {
            let _ = net008(t);
        }
    }
});

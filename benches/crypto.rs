//! Per-tenant cost of the certificate rules: decode + PBKDF2/EVP + decrypt +
//! match, for both key formats OpenSSL writes, and the eight CRT rules on top.
//! `cargo bench --bench crypto`.

use criterion::{Criterion, criterion_group, criterion_main};
use hybrid_preflight::facts::crypto::*;
use secrecy::SecretString;
use std::hint::black_box;
use time::OffsetDateTime;

const PASS: &str = "Planted-Pw-7f3c9e21";

fn fixture(name: &str) -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/crypto/");
    std::fs::read_to_string(format!("{dir}{name}")).expect("fixture")
}

fn bench(c: &mut Criterion) {
    let cert = fixture("rsa-cert.pem.b64");
    let password = SecretString::from(PASS.to_owned());
    let idp: String = fixture("rsa-cert.der.b64").split_whitespace().collect();
    let now = OffsetDateTime::now_utc();
    for (name, key) in [
        (
            "pkcs8-pbes2-aes256",
            fixture("rsa-key-pkcs8-aes256.pem.b64"),
        ),
        (
            "legacy-pem-aes256",
            fixture("rsa-key-legacy-aes256.pem.b64"),
        ),
    ] {
        c.bench_function(&format!("analyse/{name}"), |b| {
            b.iter(|| {
                TenantCrypto::analyse(
                    Some(black_box(&cert)),
                    Some(black_box(&key)),
                    Some(&password),
                )
            })
        });
        c.bench_function(&format!("tenant-rules/{name}"), |b| {
            b.iter(|| {
                let t = TenantCrypto::analyse(
                    Some(black_box(&cert)),
                    Some(black_box(&key)),
                    Some(&password),
                );
                [
                    crt001(&t),
                    crt002(&t, now),
                    crt003(&t, now, 30, 7),
                    crt004(&t, 2048, 256),
                    crt005(&t),
                    crt006(&t),
                    crt007(&t),
                    crt008(&t, &[&idp]),
                ]
            })
        });
    }
    let key = fixture("rsa-key-pkcs8-aes256.pem.b64");
    c.bench_function("decode-certificate-only", |b| {
        b.iter(|| decode_certificate(black_box(&cert)))
    });
    c.bench_function("inspect-key-without-password", |b| {
        b.iter(|| inspect_key(black_box(&key), None))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

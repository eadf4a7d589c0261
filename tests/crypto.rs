//! CRT001–CRT008 on real `openssl` output (`tests/fixtures/crypto/make.sh`)
//! and on the contract sample's tenant values.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hybrid_preflight::Status;
use hybrid_preflight::facts::crypto::*;
use hybrid_preflight::result::Outcome;
use secrecy::SecretString;
use std::path::PathBuf;
use std::process::Command;
use time::{Duration, OffsetDateTime};

const PASS: &str = "Planted-Pw-7f3c9e21";

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/crypto")
        .join(name)
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(path(name)).unwrap()
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

/// What `openssl base64` writes: 64 columns, LF.
fn b64_wrapped(data: &[u8]) -> String {
    let one = STANDARD.encode(data);
    let mut out = String::new();
    for chunk in one.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push('\n');
    }
    out
}

/// The guide's form of a key file: `openssl base64 -in key.pem.enc`.
fn guide_pkey(file: &str) -> String {
    b64_wrapped(fixture(file).as_bytes())
}

fn openssl(args: &[&str]) -> String {
    let out = Command::new("openssl").args(args).output().unwrap();
    assert!(out.status.success(), "openssl {args:?} failed");
    String::from_utf8(out.stdout).unwrap()
}

fn check(o: &Outcome, status: Status, reason: Option<&str>) {
    assert_eq!(
        (o.status, o.reason.as_deref()),
        (status, reason),
        "unexpected outcome: {o:?}"
    );
}

fn ev<'a>(o: &'a Outcome, key: &str) -> &'a serde_json::Value {
    o.evidence
        .get(key)
        .unwrap_or_else(|| panic!("no evidence `{key}` in {o:?}"))
}

/// Name, value, expected encoding, layout, CRT001 status and reason.
type EncodingCase = (
    &'static str,
    String,
    &'static str,
    &'static str,
    Status,
    Option<&'static str>,
);

fn rsa_cert_value() -> String {
    fixture("rsa-cert.pem.b64")
}

// ------------------------------------------------------------------ CRT001 --

#[test]
fn crt001_names_every_encoding_and_decodes_the_same_certificate() {
    let pem = fixture("rsa-cert.pem");
    let wrapped = fixture("rsa-cert.pem.b64");
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("\n");
    let cases: Vec<EncodingCase> = vec![
        (
            "guide",
            wrapped.clone(),
            "base64-of-pem",
            "wrapped-64",
            Status::Pass,
            None,
        ),
        (
            "guide crlf",
            wrapped.replace('\n', "\r\n"),
            "base64-of-pem",
            "wrapped-64-crlf",
            Status::Pass,
            None,
        ),
        (
            "-A",
            fixture("rsa-cert.pem.b64a"),
            "base64-of-pem",
            "one-line",
            Status::Pass,
            None,
        ),
        (
            "newlines lost",
            wrapped.replace('\n', ""),
            "base64-of-pem",
            "one-line",
            Status::Pass,
            None,
        ),
        (
            "newlines as spaces",
            wrapped.replace('\n', " "),
            "base64-of-pem",
            "newlines-as-spaces",
            Status::Warn,
            Some("mangled-whitespace"),
        ),
        (
            "escaped newlines",
            wrapped.replace('\n', "\\n"),
            "base64-of-pem",
            "escaped-newlines",
            Status::Warn,
            Some("mangled-whitespace"),
        ),
        (
            "raw pem",
            pem.clone(),
            "pem",
            "wrapped-64",
            Status::Warn,
            Some("unexpected-encoding"),
        ),
        (
            "raw pem spaces",
            pem.replace('\n', " "),
            "pem",
            "newlines-as-spaces",
            Status::Warn,
            Some("unexpected-encoding"),
        ),
        (
            "raw pem one line",
            pem.replace('\n', ""),
            "pem",
            "one-line",
            Status::Warn,
            Some("unexpected-encoding"),
        ),
        (
            "base64 of der",
            fixture("rsa-cert.der.b64"),
            "base64-of-der",
            "wrapped-64",
            Status::Warn,
            Some("unexpected-encoding"),
        ),
        (
            "pem body",
            body,
            "base64-of-der",
            "wrapped-64",
            Status::Warn,
            Some("unexpected-encoding"),
        ),
    ];
    let fp = openssl(&[
        "x509",
        "-in",
        path("rsa-cert.pem").to_str().unwrap(),
        "-noout",
        "-fingerprint",
        "-sha256",
    ]);
    let fp = fp.trim().split_once('=').unwrap().1.to_owned();
    let serial = openssl(&[
        "x509",
        "-in",
        path("rsa-cert.pem").to_str().unwrap(),
        "-noout",
        "-serial",
    ]);
    let serial = serial.trim().split_once('=').unwrap().1.to_owned();
    for (name, value, encoding, layout, status, reason) in cases {
        let t = TenantCrypto::analyse(Some(&value), None, None);
        let o = crt001(&t);
        assert_eq!(
            (o.status, o.reason.as_deref()),
            (status, reason),
            "{name}: {o:?}"
        );
        assert_eq!(ev(&o, "encoding"), encoding, "{name}");
        assert_eq!(ev(&o, "layout"), layout, "{name}");
        assert_eq!(ev(&o, "sha256_fingerprint"), fp.as_str(), "{name}");
        assert_eq!(
            ev(&o, "serial").as_str().unwrap().replace(':', ""),
            serial,
            "{name}"
        );
        assert_eq!(
            ev(&o, "subject"),
            "CN=fixture-saml, O=hybrid-preflight tests",
            "{name}"
        );
        assert_eq!(ev(&o, "key_type"), "RSA");
        assert_eq!(ev(&o, "key_bits"), 2048);
        assert_eq!(ev(&o, "signature_algorithm"), "sha256WithRSAEncryption");
        let phrase = match encoding {
            "base64-of-pem" => "base64 of a PEM file",
            "pem" => "raw PEM",
            _ => "base64 of DER",
        };
        assert!(o.message.contains(phrase), "{name}: {}", o.message);
    }
}

#[test]
fn crt001_garbage_fails_with_a_reason() {
    let key_b64 = guide_pkey("rsa-key.pem");
    let truncated = b64_wrapped(&fixture("rsa-cert.pem").as_bytes()[..600]);
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "empty-value"),
        ("   \r\n ".to_owned(), "empty-value"),
        ("hello world!".to_owned(), "not-base64"),
        ("aGVsbG8gd29ybGQ=".to_owned(), "not-pem-or-der"),
        ("MAMCAQA=".to_owned(), "not-a-certificate"),
        (truncated, "malformed-pem"),
        (key_b64.clone(), "not-a-certificate"),
        (
            "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----".to_owned(),
            "malformed-pem",
        ),
        (
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----".to_owned(),
            "not-a-certificate",
        ),
    ];
    for (value, reason) in cases {
        let t = TenantCrypto::analyse(Some(&value), None, None);
        let o = crt001(&t);
        check(&o, Status::Fail, Some(reason));
        assert!(!o.message.is_empty());
        for dependent in [
            crt002(&t, OffsetDateTime::now_utc()),
            crt004(&t, 2048, 256),
            crt008(&t, &[&value]),
        ] {
            check(&dependent, Status::Skip, Some("certificate-not-decoded"));
        }
    }
    // A private key pasted into saml/certificate is named, never echoed.
    let t = TenantCrypto::analyse(Some(&key_b64), None, None);
    let o = crt001(&t);
    assert!(o.message.contains("`PRIVATE KEY`"), "{}", o.message);
    let key_line = fixture("rsa-key.pem").lines().nth(3).unwrap().to_owned();
    assert!(!format!("{o:?}").contains(&key_line));
}

// ------------------------------------------------------------ CRT002/003 --

#[test]
fn crt002_expired_and_not_yet_valid() {
    let t = TenantCrypto::analyse(Some(&fixture("expired-cert.pem")), None, None);
    let now = OffsetDateTime::now_utc();
    let o = crt002(&t, now);
    check(&o, Status::Fail, Some("expired"));
    assert_eq!(ev(&o, "not_after"), "2021-01-01T00:00:00Z");
    assert_eq!(ev(&o, "not_before"), "2020-01-01T00:00:00Z");
    assert!(ev(&o, "days_left").as_i64().unwrap() < -365);
    check(&crt003(&t, now, 30, 7), Status::Fail, Some("expired"));

    let before = time::macros::datetime!(2019-06-01 0:00 UTC);
    check(&crt002(&t, before), Status::Fail, Some("not-yet-valid"));
    let during = time::macros::datetime!(2020-06-01 0:00 UTC);
    let o = crt002(&t, during);
    check(&o, Status::Pass, None);
    assert_eq!(ev(&o, "days_left"), 214);
}

#[test]
fn crt003_thresholds_are_configurable() {
    let t = TenantCrypto::analyse(Some(&rsa_cert_value()), None, None);
    let not_after = t.certificate().unwrap().info.not_after;
    let at = |days: i64| not_after - Duration::days(days) - Duration::hours(1);
    check(&crt003(&t, at(100), 30, 7), Status::Pass, None);
    check(
        &crt003(&t, at(20), 30, 7),
        Status::Warn,
        Some("expires-within-warn-days"),
    );
    let o = crt003(&t, at(3), 30, 7);
    check(&o, Status::Fail, Some("expires-within-fail-days"));
    assert_eq!(ev(&o, "days_left"), 3);
    assert_eq!(ev(&o, "fail_days"), 7);
    check(
        &crt003(&t, at(50), 60, 10),
        Status::Warn,
        Some("expires-within-warn-days"),
    );
    check(
        &crt003(&t, at(9), 60, 10),
        Status::Fail,
        Some("expires-within-fail-days"),
    );
    check(&crt003(&t, at(50), 40, 10), Status::Pass, None);
    check(
        &crt003(&t, at(50), -1, 10),
        Status::Error,
        Some("invalid-threshold"),
    );
    check(
        &crt003(&t, not_after + Duration::seconds(1), 30, 7),
        Status::Fail,
        Some("expired"),
    );
    check(&crt002(&t, OffsetDateTime::now_utc()), Status::Pass, None);
}

// ------------------------------------------------------------------ CRT004 --

#[test]
fn crt004_key_size_and_signature_hash() {
    let weak = TenantCrypto::analyse(Some(&fixture("weak-cert.pem")), None, None);
    let o = crt004(&weak, 2048, 256);
    check(&o, Status::Fail, Some("weak-key"));
    assert!(o.message.contains("RSA 1024 bits"), "{}", o.message);
    assert!(o.message.contains("SHA-1"), "{}", o.message);
    assert_eq!(ev(&o, "signature_algorithm"), "sha1WithRSAEncryption");
    check(
        &crt004(&weak, 1024, 256),
        Status::Fail,
        Some("weak-signature"),
    );

    let rsa = TenantCrypto::analyse(Some(&rsa_cert_value()), None, None);
    check(&crt004(&rsa, 2048, 256), Status::Pass, None);
    check(&crt004(&rsa, 3072, 256), Status::Fail, Some("weak-key"));

    let ec = TenantCrypto::analyse(Some(&fixture("ec-cert.pem")), None, None);
    let o = crt004(&ec, 2048, 256);
    check(&o, Status::Pass, None);
    assert_eq!(ev(&o, "key_type"), "EC");
    assert_eq!(ev(&o, "key_bits"), 256);
    assert_eq!(ev(&o, "curve"), "prime256v1");
    assert_eq!(ev(&o, "signature_algorithm"), "ecdsa-with-SHA256");
    check(&crt004(&ec, 2048, 384), Status::Fail, Some("weak-key"));
}

// ------------------------------------------------------------ CRT005–007 --

struct KeyCase {
    file: &'static str,
    cert: &'static str,
    format: &'static str,
    cipher: Option<&'static str>,
    crt005: (Status, Option<&'static str>),
    crt006: (Status, Option<&'static str>),
    crt007: (Status, Option<&'static str>),
}

const fn case(
    file: &'static str,
    cert: &'static str,
    format: &'static str,
    cipher: Option<&'static str>,
    crt005: (Status, Option<&'static str>),
    crt006: (Status, Option<&'static str>),
    crt007: (Status, Option<&'static str>),
) -> KeyCase {
    KeyCase {
        file,
        cert,
        format,
        cipher,
        crt005,
        crt006,
        crt007,
    }
}

const OK: (Status, Option<&str>) = (Status::Pass, None);
const NOT_AES256: (Status, Option<&str>) = (Status::Warn, Some("not-aes-256"));
const UNENCRYPTED: (Status, Option<&str>) = (Status::Fail, Some("unencrypted-key"));
const NOT_ENCRYPTED: (Status, Option<&str>) = (Status::Skip, Some("key-not-encrypted"));
const UNSUPPORTED: (Status, Option<&str>) = (Status::Error, Some("unsupported-encryption"));
const NOT_DECRYPTED: (Status, Option<&str>) = (Status::Skip, Some("key-not-decrypted"));

const KEY_CASES: &[KeyCase] = &[
    case(
        "rsa-key-pkcs8-aes256.pem",
        "rsa-cert.pem",
        "openssl3-pkcs8-pbes2",
        Some("aes-256-cbc"),
        OK,
        OK,
        OK,
    ),
    case(
        "rsa-key-legacy-aes256.pem",
        "rsa-cert.pem",
        "openssl-legacy-pem",
        Some("aes-256-cbc"),
        OK,
        OK,
        OK,
    ),
    case(
        "rsa-key-pkcs8-aes128.pem",
        "rsa-cert.pem",
        "openssl3-pkcs8-pbes2",
        Some("aes-128-cbc"),
        NOT_AES256,
        OK,
        OK,
    ),
    case(
        "rsa-key-legacy-aes128.pem",
        "rsa-cert.pem",
        "openssl-legacy-pem",
        Some("aes-128-cbc"),
        NOT_AES256,
        OK,
        OK,
    ),
    case(
        "rsa-key-legacy-3des.pem",
        "rsa-cert.pem",
        "openssl-legacy-pem",
        Some("des-ede3-cbc"),
        NOT_AES256,
        OK,
        OK,
    ),
    case(
        "rsa-key-pkcs8-3des.pem",
        "rsa-cert.pem",
        "openssl3-pkcs8-pbes2",
        Some("des-ede3-cbc"),
        NOT_AES256,
        OK,
        OK,
    ),
    case(
        "rsa-key-pkcs8-sha1prf.pem",
        "rsa-cert.pem",
        "openssl3-pkcs8-pbes2",
        Some("aes-256-cbc"),
        OK,
        UNSUPPORTED,
        NOT_DECRYPTED,
    ),
    case(
        "rsa-key-pkcs8-pbe-sha1-3des.pem",
        "rsa-cert.pem",
        "pkcs8-legacy-pbe",
        Some("pbe-sha1-3des"),
        NOT_AES256,
        UNSUPPORTED,
        NOT_DECRYPTED,
    ),
    case(
        "rsa-key-pkcs8-costly.pem",
        "rsa-cert.pem",
        "openssl3-pkcs8-pbes2",
        Some("aes-256-cbc"),
        OK,
        (Status::Error, Some("kdf-cost-too-high")),
        NOT_DECRYPTED,
    ),
    case(
        "rsa-key.pem",
        "rsa-cert.pem",
        "unencrypted-pkcs8",
        None,
        UNENCRYPTED,
        NOT_ENCRYPTED,
        OK,
    ),
    case(
        "rsa-key-pkcs1.pem",
        "rsa-cert.pem",
        "unencrypted-pkcs1",
        None,
        UNENCRYPTED,
        NOT_ENCRYPTED,
        OK,
    ),
    case(
        "other-key-pkcs8-aes256.pem",
        "rsa-cert.pem",
        "openssl3-pkcs8-pbes2",
        Some("aes-256-cbc"),
        OK,
        OK,
        (Status::Fail, Some("key-mismatch")),
    ),
    case(
        "ec-key-pkcs8-aes256.pem",
        "ec-cert.pem",
        "openssl3-pkcs8-pbes2",
        Some("aes-256-cbc"),
        OK,
        OK,
        OK,
    ),
    case(
        "ec-key-legacy-aes256.pem",
        "ec-cert.pem",
        "openssl-legacy-pem",
        Some("aes-256-cbc"),
        OK,
        OK,
        OK,
    ),
    case(
        "ec-key-sec1.pem",
        "ec-cert.pem",
        "unencrypted-sec1",
        None,
        UNENCRYPTED,
        NOT_ENCRYPTED,
        OK,
    ),
    case(
        "ec-key-pkcs8-aes256.pem",
        "rsa-cert.pem",
        "openssl3-pkcs8-pbes2",
        Some("aes-256-cbc"),
        OK,
        OK,
        (Status::Fail, Some("key-mismatch")),
    ),
    case(
        "rsa-key-legacy-aes256.pem",
        "ec-cert.pem",
        "openssl-legacy-pem",
        Some("aes-256-cbc"),
        OK,
        OK,
        (Status::Fail, Some("key-mismatch")),
    ),
];

#[test]
fn crt005_to_007_on_every_key_format() {
    let password = secret(PASS);
    for c in KEY_CASES {
        let t = TenantCrypto::analyse(
            Some(&fixture(c.cert)),
            Some(&guide_pkey(c.file)),
            Some(&password),
        );
        let (o5, o6, o7) = (crt005(&t), crt006(&t), crt007(&t));
        let ctx = format!("{} with {}", c.file, c.cert);
        assert_eq!((o5.status, o5.reason.as_deref()), c.crt005, "{ctx}: {o5:?}");
        assert_eq!((o6.status, o6.reason.as_deref()), c.crt006, "{ctx}: {o6:?}");
        assert_eq!((o7.status, o7.reason.as_deref()), c.crt007, "{ctx}: {o7:?}");
        assert_eq!(ev(&o5, "key_format"), c.format, "{ctx}");
        assert_eq!(
            o5.evidence.get("cipher").and_then(|v| v.as_str()),
            c.cipher,
            "{ctx}"
        );
        assert_eq!(ev(&o5, "encoding"), "base64-of-pem", "{ctx}");
    }
}

#[test]
fn crt005_reports_kdf_and_key_facts() {
    let t = TenantCrypto::analyse(
        Some(&rsa_cert_value()),
        Some(&fixture("rsa-key-pkcs8-aes256.pem.b64")),
        Some(&secret(PASS)),
    );
    let o = crt005(&t);
    check(&o, Status::Pass, None);
    assert_eq!(ev(&o, "kdf"), "pbkdf2-hmac-sha256");
    assert_eq!(ev(&o, "kdf_cost"), 2048);
    assert_eq!(ev(&o, "key_type"), "RSA");
    assert_eq!(ev(&o, "key_bits"), 2048);
    assert_eq!(ev(&o, "layout"), "wrapped-64");
    let t = TenantCrypto::analyse(
        Some(&rsa_cert_value()),
        Some(&fixture("rsa-key-legacy-aes256.pem.b64")),
        Some(&secret(PASS)),
    );
    let o = crt005(&t);
    check(&o, Status::Pass, None);
    assert_eq!(ev(&o, "kdf"), "evp-bytes-to-key-md5");
    // Raw PEM pasted instead of its base64: still read, but flagged.
    let t = TenantCrypto::analyse(
        None,
        Some(&fixture("rsa-key-legacy-aes256.pem")),
        Some(&secret(PASS)),
    );
    check(&crt005(&t), Status::Warn, Some("unexpected-encoding"));
    check(&crt006(&t), Status::Pass, None);
    // ... or with its newlines turned into spaces (headers included).
    let t = TenantCrypto::analyse(
        None,
        Some(&fixture("rsa-key-legacy-aes256.pem").replace('\n', " ")),
        Some(&secret(PASS)),
    );
    check(&crt005(&t), Status::Warn, Some("unexpected-encoding"));
    check(&crt006(&t), Status::Pass, None);
    let t = TenantCrypto::analyse(
        None,
        Some(&guide_pkey("rsa-key-pkcs8-aes256.pem").replace('\n', " ")),
        Some(&secret(PASS)),
    );
    check(&crt005(&t), Status::Warn, Some("mangled-whitespace"));
    check(&crt006(&t), Status::Pass, None);
}

#[test]
fn crt006_wrong_missing_and_corrupt() {
    for file in [
        "rsa-key-pkcs8-aes256.pem",
        "rsa-key-legacy-aes256.pem",
        "ec-key-pkcs8-aes256.pem",
        "ec-key-legacy-aes256.pem",
        "rsa-key-legacy-3des.pem",
    ] {
        let pkey = guide_pkey(file);
        let cert = fixture("rsa-cert.pem");
        let t = TenantCrypto::analyse(Some(&cert), Some(&pkey), Some(&secret("not-the-password")));
        check(&crt006(&t), Status::Fail, Some("wrong-password-or-corrupt"));
        check(&crt007(&t), Status::Skip, Some("key-not-decrypted"));
        // The format verdict does not depend on the password.
        assert_eq!(
            crt005(&t),
            crt005(&TenantCrypto::analyse(None, Some(&pkey), None))
        );
        let t = TenantCrypto::analyse(Some(&cert), Some(&pkey), None);
        check(&crt006(&t), Status::Fail, Some("missing-password"));
        let t = TenantCrypto::analyse(Some(&cert), Some(&pkey), Some(&secret("")));
        check(&crt006(&t), Status::Fail, Some("missing-password"));
    }
    // Flip one byte in the first ciphertext block: the plaintext's DER header
    // is garbled, so the key is reported corrupt (deterministically), no panic.
    for (file, label) in [
        ("rsa-key-pkcs8-aes256.pem", "ENCRYPTED PRIVATE KEY"),
        ("rsa-key-legacy-aes256.pem", "RSA PRIVATE KEY"),
    ] {
        let pem = fixture(file);
        let headers: Vec<&str> = pem.lines().filter(|l| l.contains(':')).collect();
        let body: String = pem
            .lines()
            .filter(|l| !l.starts_with("-----") && !l.contains(':'))
            .collect();
        let mut der = STANDARD.decode(body.trim()).unwrap();
        let ct_start = match pkcs8::EncryptedPrivateKeyInfoRef::try_from(der.as_slice()) {
            Ok(info) if label.starts_with("ENCRYPTED") => {
                der.len() - info.encrypted_data.as_bytes().len()
            }
            _ => 0,
        };
        der[ct_start + 3] ^= 0x5a;
        let mut corrupt = format!("-----BEGIN {label}-----\n");
        for h in &headers {
            corrupt.push_str(h);
            corrupt.push('\n');
        }
        if !headers.is_empty() {
            corrupt.push('\n');
        }
        corrupt.push_str(&b64_wrapped(&der));
        corrupt.push_str(&format!("-----END {label}-----\n"));
        let t = TenantCrypto::analyse(
            None,
            Some(&b64_wrapped(corrupt.as_bytes())),
            Some(&secret(PASS)),
        );
        check(&crt005(&t), Status::Pass, None);
        check(&crt006(&t), Status::Fail, Some("wrong-password-or-corrupt"));
    }
}

#[test]
fn truncated_and_garbage_keys_never_panic() {
    let password = secret(PASS);
    for file in [
        "rsa-key-pkcs8-aes256.pem",
        "rsa-key-legacy-aes256.pem",
        "ec-key-sec1.pem",
    ] {
        let pem = fixture(file);
        for cut in (0..pem.len()).step_by(97) {
            let t = TenantCrypto::analyse(None, Some(&pem[..cut]), Some(&password));
            let o = crt005(&t);
            assert_ne!(o.status, Status::Pass, "{file} cut at {cut}");
            let _ = crt006(&t);
            let _ = crt007(&t);
        }
    }
    let cert = fixture("rsa-cert.pem");
    for (value, reason) in [
        ("", "empty-value"),
        ("%%%", "not-base64"),
        ("aGVsbG8=", "not-pem-or-der"),
        ("MAMCAQA=", "not-a-private-key"),
        (cert.as_str(), "not-a-private-key"),
        (
            "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----",
            "unsupported-key-format",
        ),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END RSA PRIVATE KEY-----",
            "malformed-pem",
        ),
    ] {
        let t = TenantCrypto::analyse(None, Some(value), Some(&password));
        check(&crt005(&t), Status::Fail, Some(reason));
        check(&crt006(&t), Status::Skip, Some("key-not-decoded"));
    }
    // Base64 of the DER of an encrypted key (no armour): still recognised.
    for (file, format) in [
        ("rsa-key-pkcs8-aes256.pem", "openssl3-pkcs8-pbes2"),
        ("rsa-key-pkcs8-pbe-sha1-3des.pem", "pkcs8-legacy-pbe"),
        ("rsa-key.pem", "unencrypted-pkcs8"),
        ("rsa-key-pkcs1.pem", "unencrypted-pkcs1"),
        ("ec-key-sec1.pem", "unencrypted-sec1"),
    ] {
        let body: String = fixture(file)
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let t = TenantCrypto::analyse(Some(&cert), Some(&body), Some(&password));
        let o = crt005(&t);
        assert_eq!(ev(&o, "encoding"), "base64-of-der", "{file}");
        assert_eq!(ev(&o, "key_format"), format, "{file}");
        assert_ne!(o.status, Status::Pass, "{file}");
    }
    let legacy = fixture("rsa-key-legacy-aes256.pem").replace("AES-256-CBC", "CAMELLIA-256-CBC");
    let t = TenantCrypto::analyse(None, Some(&legacy), Some(&password));
    check(&crt006(&t), Status::Error, Some("unsupported-encryption"));
    check(
        &crt005(&TenantCrypto::analyse(None, None, None)),
        Status::Fail,
        Some("missing-option"),
    );
}

// ------------------------------------------------------------------ CRT007 --

#[test]
fn crt007_digests_match_openssl_modulus() {
    let t = TenantCrypto::analyse(
        Some(&rsa_cert_value()),
        Some(&guide_pkey("rsa-key-legacy-aes256.pem")),
        Some(&secret(PASS)),
    );
    let o = crt007(&t);
    check(&o, Status::Pass, None);
    let modulus = openssl(&[
        "x509",
        "-in",
        path("rsa-cert.pem").to_str().unwrap(),
        "-noout",
        "-modulus",
    ]);
    let expected = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(modulus.as_bytes()));
    assert_eq!(ev(&o, "certificate_public_key_sha256"), expected.as_str());
    assert_eq!(ev(&o, "key_public_key_sha256"), expected.as_str());
    let t = TenantCrypto::analyse(
        Some(&rsa_cert_value()),
        Some(&guide_pkey("other-key-pkcs8-aes256.pem")),
        Some(&secret(PASS)),
    );
    let o = crt007(&t);
    check(&o, Status::Fail, Some("key-mismatch"));
    assert_ne!(ev(&o, "key_public_key_sha256"), expected.as_str());
}

// ------------------------------------------------------------------ CRT008 --

#[test]
fn crt008_compares_der_across_encodings() {
    let t = TenantCrypto::analyse(Some(&rsa_cert_value()), None, None);
    let pem = fixture("rsa-cert.pem");
    let bare: String = fixture("rsa-cert.der.b64").split_whitespace().collect();
    let ec = fixture("ec-cert.pem");
    let expired = fixture("expired-cert.pem");
    check(&crt008(&t, &[&bare]), Status::Pass, None);
    check(&crt008(&t, &[&pem]), Status::Pass, None);
    check(
        &crt008(&t, &[&pem.replace('\n', "\r\n")]),
        Status::Pass,
        None,
    );
    let o = crt008(&t, &[&ec, &bare]);
    check(&o, Status::Pass, None);
    assert_eq!(ev(&o, "matched_index"), 1);
    assert_eq!(ev(&o, "idp_certificates").as_array().unwrap().len(), 2);
    check(
        &crt008(&t, &[&ec]),
        Status::Fail,
        Some("certificate-not-on-idp"),
    );
    let o = crt008(&t, &[&expired]);
    check(&o, Status::Fail, Some("certificate-not-on-idp"));
    assert!(o.message.contains("same key"), "{}", o.message);
    check(
        &crt008(&t, &[]),
        Status::Fail,
        Some("idp-has-no-certificate"),
    );
    check(
        &crt008(&t, &["garbage!"]),
        Status::Error,
        Some("idp-certificate-undecodable"),
    );
    check(
        &crt008(&t, &["garbage!", &ec]),
        Status::Fail,
        Some("certificate-not-on-idp"),
    );
}

// ---------------------------------------------------------- contract sample --

#[test]
fn contract_sample_tenants_all_pass() {
    let sample: serde_json::Value = serde_json::from_str(&fixture("contract-sample.json")).unwrap();
    let now = OffsetDateTime::now_utc();
    let expected_format = [
        ("tenant_a", "openssl3-pkcs8-pbes2", 2),
        ("tenant_b", "openssl3-pkcs8-pbes2", 0),
        ("tenant_c", "openssl-legacy-pem", 0),
    ];
    for (tenant, format, matched) in expected_format {
        let s = &sample[tenant];
        let password = secret(s["password"].as_str().unwrap());
        let t = TenantCrypto::analyse(
            s["certificate"].as_str(),
            s["pkey"].as_str(),
            Some(&password),
        );
        let mut idp: Vec<&str> = Vec::new();
        if let Some(c) = s["idp"]["certificate"].as_str() {
            idp.push(c);
        }
        if let Some(list) = s["idp"]["certificates"].as_array() {
            idp.extend(list.iter().filter_map(|v| v.as_str()));
        }
        let outcomes = [
            crt001(&t),
            crt002(&t, now),
            crt003(&t, now, 30, 7),
            crt004(&t, 2048, 256),
            crt005(&t),
            crt006(&t),
            crt007(&t),
            crt008(&t, &idp),
        ];
        for (i, o) in outcomes.iter().enumerate() {
            check(o, Status::Pass, None);
            assert!(!o.message.is_empty(), "{tenant} CRT00{}", i + 1);
        }
        assert_eq!(ev(&outcomes[4], "key_format"), format, "{tenant}");
        assert_eq!(ev(&outcomes[7], "matched_index"), matched, "{tenant}");
    }
    // Tenant A's CRLF wrapping is named.
    let s = &sample["tenant_a"];
    let t = TenantCrypto::analyse(s["certificate"].as_str(), None, None);
    assert_eq!(ev(&crt001(&t), "layout"), "wrapped-64-crlf");
}

// ------------------------------------------------------------------ secrets --

/// Every output of every rule, for every key fixture, with the right and a
/// wrong password, must be free of the password, key bytes and derived keys.
#[test]
fn no_secret_reaches_any_output() {
    let mut planted: Vec<String> = vec![PASS.to_owned(), "Wrong-Planted-9d1e".to_owned()];
    // Private-key material, as openssl prints it and as base64 lines of the files.
    let text = openssl(&[
        "rsa",
        "-in",
        path("rsa-key.pem").to_str().unwrap(),
        "-noout",
        "-text",
    ]);
    for field in ["privateExponent:", "prime1:", "prime2:"] {
        let start = text.find(field).unwrap() + field.len();
        let hexline: String = text[start..]
            .lines()
            .skip(1)
            .take(2)
            .map(|l| l.trim().replace(':', ""))
            .collect();
        planted.push(hexline[2..34].to_owned());
        planted.push(hexline[2..34].to_uppercase());
    }
    let der = STANDARD
        .decode(
            fixture("rsa-key.pem")
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<String>(),
        )
        .unwrap();
    planted.push(STANDARD.encode(&der[200..240]));
    for file in [
        "rsa-key.pem",
        "rsa-key-pkcs1.pem",
        "ec-key-sec1.pem",
        "rsa-key-pkcs8-aes256.pem",
        "rsa-key-legacy-aes256.pem",
    ] {
        for line in fixture(file).lines().filter(|l| l.len() == 64) {
            planted.push(line.to_owned());
        }
    }
    // The legacy fixture's derived AES key (EVP_BytesToKey), as openssl computes it.
    let legacy = fixture("rsa-key-legacy-aes256.pem");
    let iv = legacy
        .lines()
        .find_map(|l| l.strip_prefix("DEK-Info: AES-256-CBC,"))
        .unwrap()
        .trim()
        .to_owned();
    let kiv = openssl(&[
        "enc",
        "-aes-256-cbc",
        "-md",
        "md5",
        "-pass",
        &format!("pass:{PASS}"),
        "-S",
        &iv[..16],
        "-P",
    ]);
    let derived = kiv
        .lines()
        .find_map(|l| l.strip_prefix("key="))
        .unwrap()
        .trim()
        .to_owned();
    planted.push(derived.clone());
    planted.push(derived.to_lowercase());

    let mut outputs = String::new();
    let files = [
        "rsa-key.pem",
        "rsa-key-pkcs1.pem",
        "ec-key-sec1.pem",
        "rsa-key-pkcs8-aes256.pem",
        "rsa-key-legacy-aes256.pem",
        "rsa-key-legacy-3des.pem",
        "rsa-key-pkcs8-3des.pem",
        "rsa-key-pkcs8-sha1prf.pem",
        "ec-key-pkcs8-aes256.pem",
        "ec-key-legacy-aes256.pem",
        "rsa-key-pkcs8-pbe-sha1-3des.pem",
    ];
    for file in files {
        for pw in [PASS, "Wrong-Planted-9d1e"] {
            for value in [
                guide_pkey(file),
                fixture(file),
                fixture(file).replace('\n', " "),
            ] {
                // The key value in the certificate option too (a classic paste error).
                let t = TenantCrypto::analyse(Some(&value), Some(&value), Some(&secret(pw)));
                let t2 =
                    TenantCrypto::analyse(Some(&rsa_cert_value()), Some(&value), Some(&secret(pw)));
                for t in [&t, &t2] {
                    outputs.push_str(&format!("{t:?}\n"));
                    let now = OffsetDateTime::now_utc();
                    for o in [
                        crt001(t),
                        crt002(t, now),
                        crt003(t, now, 30, 7),
                        crt004(t, 2048, 256),
                        crt005(t),
                        crt006(t),
                        crt007(t),
                        crt008(t, &[&value]),
                    ] {
                        outputs.push_str(&o.message);
                        outputs.push_str(&serde_json::to_string(&o.evidence).unwrap());
                        outputs.push_str(&format!("{o:?}\n"));
                    }
                }
            }
        }
    }
    assert!(outputs.len() > 10_000, "outputs were gathered");
    for secret in &planted {
        assert!(
            secret.len() >= 16,
            "planted value too short to be meaningful: {secret}"
        );
        assert!(
            !outputs.contains(secret.as_str()),
            "a planted secret leaked: {}…",
            &secret[..6]
        );
    }
}

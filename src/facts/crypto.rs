//! SAML certificate and encrypted private key: decoding, decryption and
//! matching (rules CRT001–CRT008).
//!
//! [`TenantCrypto::analyse`] does the expensive work once per tenant (decode,
//! parse, PBKDF2, decrypt) and keeps only public facts and verdicts; the
//! `crtNNN` functions are cheap, pure judgements over it, so the rule engine
//! can run them in any order and with any thresholds.
//!
//! Secrets: the password and the decrypted key never leave [`key`]'s
//! zeroizing buffers; outcomes name formats, ciphers and public-key digests,
//! never key bytes, the password or its length.

pub mod cert;
pub mod encoding;
pub mod key;
mod legacy;

pub use cert::{CertInfo, CertProblem, DecodedCert, decode_certificate};
pub use encoding::{Encoding, Layout};
pub use key::{Decryption, KeyFacts, KeyFormat, KeyProblem, PublicParts, inspect_key};

use crate::result::Outcome;
use secrecy::SecretString;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// What the tenant's option held.
#[derive(Debug, Clone, PartialEq)]
enum Input<T, P> {
    Absent,
    Invalid(P),
    Decoded(T),
}

/// Everything derived once per tenant; holds NO secret material (only public
/// parts and verdicts), so it may be cloned, logged and kept.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantCrypto {
    certificate: Input<DecodedCert, CertProblem>,
    key: Input<KeyFacts, KeyProblem>,
}

impl TenantCrypto {
    /// `certificate`/`pkey`/`password` are the raw option values (None = option absent).
    #[must_use]
    pub fn analyse(
        certificate: Option<&str>,
        pkey: Option<&str>,
        password: Option<&SecretString>,
    ) -> TenantCrypto {
        let certificate = match certificate {
            None => Input::Absent,
            Some(v) => match decode_certificate(v) {
                Ok(c) => Input::Decoded(c),
                Err(p) => Input::Invalid(p),
            },
        };
        let key = match pkey {
            None => Input::Absent,
            Some(v) => match inspect_key(v, password) {
                Ok(k) => Input::Decoded(k),
                Err(p) => Input::Invalid(p),
            },
        };
        TenantCrypto { certificate, key }
    }

    /// The decoded certificate, when `saml/certificate` decoded.
    #[must_use]
    pub fn certificate(&self) -> Option<&DecodedCert> {
        match &self.certificate {
            Input::Decoded(c) => Some(c),
            _ => None,
        }
    }

    /// What `saml/pkey` turned out to be, when it could be classified.
    #[must_use]
    pub fn key(&self) -> Option<&KeyFacts> {
        match &self.key {
            Input::Decoded(k) => Some(k),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------- evidence --

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

fn days_left(info: &CertInfo, now: OffsetDateTime) -> i64 {
    (info.not_after - now).whole_days()
}

/// The fields an auditor files for a certificate.
fn with_cert(mut o: Outcome, c: &DecodedCert) -> Outcome {
    let i = &c.info;
    o = o
        .with("subject", i.subject.clone())
        .with("issuer", i.issuer.clone())
        .with("serial", i.serial.clone())
        .with("not_before", rfc3339(i.not_before))
        .with("not_after", rfc3339(i.not_after))
        .with("key_type", i.key_type())
        .with("key_bits", i.key_bits());
    if let Some(curve) = i.public_key.curve_name() {
        o = o.with("curve", curve);
    }
    o.with("signature_algorithm", i.signature_algorithm.clone())
        .with("sha256_fingerprint", i.sha256_fingerprint.clone())
        .with("encoding", c.encoding.as_str())
}

/// The fields an auditor files for a key (no secret among them).
fn with_key(mut o: Outcome, k: &KeyFacts) -> Outcome {
    o = o
        .with("key_format", k.format.as_str())
        .with("encoding", k.encoding.as_str())
        .with("layout", k.layout.as_string());
    if let Some(cipher) = &k.cipher {
        o = o.with("cipher", cipher.clone());
    }
    if let Some(kdf) = &k.kdf {
        o = o.with("kdf", kdf.clone());
    }
    if let Some(cost) = k.kdf_cost {
        o = o.with("kdf_cost", cost);
    }
    if let Some(public) = &k.public {
        o = o
            .with("key_type", public.key_type())
            .with("key_bits", public.bits());
        if let Some(curve) = public.curve_name() {
            o = o.with("curve", curve);
        }
    }
    o
}

/// A digest of the public key anyone can reproduce by hand: for RSA the
/// SHA-256 of `openssl x509 -noout -modulus` / `openssl rsa -noout -modulus`
/// output; for EC the SHA-256 of the point's upper-case hex.
#[must_use]
pub fn public_key_digest(p: &PublicParts) -> Option<String> {
    let text = match p {
        PublicParts::Rsa { modulus, .. } => format!("Modulus={}\n", hex::encode_upper(modulus)),
        PublicParts::Ec { point, .. } => hex::encode_upper(point),
        PublicParts::Unsupported(_) => return None,
    };
    Some(hex::encode(Sha256::digest(text.as_bytes())))
}

// ------------------------------------------------------------- preconditions --

/// The `skip` a rule returns when the certificate did not decode.
fn skip_no_certificate() -> Outcome {
    Outcome::skip(
        "certificate-not-decoded",
        "saml/certificate did not decode to a certificate (see CRT001), so this cannot be checked.",
    )
}

/// The `skip` a rule returns when the key did not decode.
fn skip_no_key() -> Outcome {
    Outcome::skip(
        "key-not-decoded",
        "saml/pkey did not decode to a private key (see CRT005), so this cannot be checked.",
    )
}

const CERT_FIX: &str =
    "set it to the base64 of the certificate's PEM file (`openssl base64 -in saml.pem`)";
const KEY_FIX: &str = "set it to the base64 of the AES-256-encrypted key file (`openssl rsa -in key.pem -aes256 -out key.pem.enc`, then `openssl base64 -in key.pem.enc`)";

// ------------------------------------------------------------------- rules --

/// CRT001: `saml/certificate` decodes to an X.509 certificate; names the encoding.
#[must_use]
pub fn crt001(t: &TenantCrypto) -> Outcome {
    let c = match &t.certificate {
        Input::Absent => {
            return Outcome::fail(
                "missing-option",
                format!("saml/certificate is not set; {CERT_FIX}."),
            );
        }
        Input::Invalid(p) => {
            let o = Outcome::fail(
                p.reason,
                format!("saml/certificate: {}; {CERT_FIX}.", p.message),
            );
            return match p.encoding {
                Some(e) => o.with("encoding", e.as_str()),
                None => o,
            };
        }
        Input::Decoded(c) => c,
    };
    let found = format!("{}, {}", c.encoding.describe(), c.layout.describe());
    let o = if c.encoding != Encoding::Base64OfPem {
        Outcome::warn(
            "unexpected-encoding",
            format!(
                "saml/certificate decodes to `{}` but is {found}, not the base64 of the PEM file the guide prescribes; {CERT_FIX}.",
                c.info.subject
            ),
        )
    } else if c.layout.is_mangled() {
        Outcome::warn(
            "mangled-whitespace",
            format!(
                "saml/certificate decodes to `{}` but is {found}, which the Engage side may not accept; paste the output of `openssl base64` unchanged.",
                c.info.subject
            ),
        )
    } else {
        Outcome::pass(format!(
            "saml/certificate decodes to `{}`: {found}, as the guide prescribes.",
            c.info.subject
        ))
    };
    let o = with_cert(o, c).with("layout", c.layout.as_string());
    if c.extra_certificates > 0 {
        o.with("extra_certificates", c.extra_certificates)
    } else {
        o
    }
}

/// CRT002: the certificate is valid at `now`.
#[must_use]
pub fn crt002(t: &TenantCrypto, now: OffsetDateTime) -> Outcome {
    let Some(c) = t.certificate() else {
        return skip_no_certificate();
    };
    let i = &c.info;
    let o = if now < i.not_before {
        Outcome::fail(
            "not-yet-valid",
            format!(
                "The SAML certificate is not valid before {}; check the issuing host's clock or issue it with a current start date.",
                rfc3339(i.not_before)
            ),
        )
    } else if now > i.not_after {
        Outcome::fail(
            "expired",
            format!(
                "The SAML certificate expired on {} ({} days ago); issue a new one and update saml/certificate, saml/pkey and the identity provider.",
                rfc3339(i.not_after),
                -days_left(i, now)
            ),
        )
    } else {
        Outcome::pass(format!(
            "The SAML certificate is valid until {} ({} days left).",
            rfc3339(i.not_after),
            days_left(i, now)
        ))
    };
    with_cert(o, c)
        .with("days_left", days_left(i, now))
        .with("checked_at", rfc3339(now))
}

/// CRT003: the certificate does not expire within `warn_days` (warn) or
/// `fail_days` (fail).
#[must_use]
pub fn crt003(t: &TenantCrypto, now: OffsetDateTime, warn_days: i64, fail_days: i64) -> Outcome {
    let Some(c) = t.certificate() else {
        return skip_no_certificate();
    };
    if warn_days < 0 || fail_days < 0 {
        return Outcome::error(
            "invalid-threshold",
            format!(
                "The expiry thresholds must not be negative (warn_days {warn_days}, fail_days {fail_days}); fix the rule file."
            ),
        );
    }
    let i = &c.info;
    let remaining = i.not_after - now;
    let left = days_left(i, now);
    let renew =
        "issue a new certificate and update saml/certificate, saml/pkey and the identity provider";
    let o = if remaining <= time::Duration::ZERO {
        Outcome::fail(
            "expired",
            format!(
                "The SAML certificate expired on {}; {renew}.",
                rfc3339(i.not_after)
            ),
        )
    } else if remaining < time::Duration::days(fail_days) {
        Outcome::fail(
            "expires-within-fail-days",
            format!(
                "The SAML certificate expires on {} ({left} days left, fail threshold {fail_days}); {renew} now.",
                rfc3339(i.not_after)
            ),
        )
    } else if remaining < time::Duration::days(warn_days) {
        Outcome::warn(
            "expires-within-warn-days",
            format!(
                "The SAML certificate expires on {} ({left} days left, warn threshold {warn_days}); plan its renewal.",
                rfc3339(i.not_after)
            ),
        )
    } else {
        Outcome::pass(format!(
            "The SAML certificate expires on {} ({left} days left).",
            rfc3339(i.not_after)
        ))
    };
    with_cert(o, c)
        .with("days_left", left)
        .with("warn_days", warn_days)
        .with("fail_days", fail_days)
        .with("checked_at", rfc3339(now))
}

/// CRT004: RSA ≥ `min_rsa_bits` or EC ≥ `min_ec_bits`, signature hash not SHA-1/MD5.
#[must_use]
pub fn crt004(t: &TenantCrypto, min_rsa_bits: u32, min_ec_bits: u32) -> Outcome {
    let Some(c) = t.certificate() else {
        return skip_no_certificate();
    };
    let i = &c.info;
    let bits = i.key_bits();
    let weak_key = match &i.public_key {
        PublicParts::Rsa { .. } => {
            (bits < min_rsa_bits).then(|| format!("RSA {bits} bits (minimum {min_rsa_bits})"))
        }
        PublicParts::Ec { .. } => {
            (bits < min_ec_bits).then(|| format!("EC {bits} bits (minimum {min_ec_bits})"))
        }
        PublicParts::Unsupported(what) => {
            return with_cert(
                Outcome::error(
                    "unsupported-key-type",
                    format!(
                        "The SAML certificate's key ({what}) is not RSA or EC, so its strength cannot be judged; use an RSA 2048 certificate."
                    ),
                ),
                c,
            );
        }
    };
    let weak_sig = i
        .weak_signature_hash
        .map(|h| format!("signature {} uses {h}", i.signature_algorithm));
    let problems: Vec<String> = weak_key.iter().chain(weak_sig.iter()).cloned().collect();
    let o = if problems.is_empty() {
        Outcome::pass(format!(
            "The SAML certificate has a {} {bits}-bit key and a {} signature.",
            i.key_type(),
            i.signature_algorithm
        ))
    } else {
        let reason = if weak_key.is_some() {
            "weak-key"
        } else {
            "weak-signature"
        };
        Outcome::fail(
            reason,
            format!(
                "The SAML certificate is weak: {}; issue a new RSA 2048 (or EC P-256) certificate signed with SHA-256.",
                problems.join("; ")
            ),
        )
    };
    with_cert(o, c)
        .with("min_rsa_bits", min_rsa_bits)
        .with("min_ec_bits", min_ec_bits)
}

/// CRT005: `saml/pkey` is an encrypted private key (AES-256 expected).
#[must_use]
pub fn crt005(t: &TenantCrypto) -> Outcome {
    let k = match &t.key {
        Input::Absent => {
            return Outcome::fail(
                "missing-option",
                format!("saml/pkey is not set; {KEY_FIX}."),
            );
        }
        Input::Invalid(p) => {
            let o = Outcome::fail(p.reason, format!("saml/pkey: {}; {KEY_FIX}.", p.message));
            return match p.encoding {
                Some(e) => o.with("encoding", e.as_str()),
                None => o,
            };
        }
        Input::Decoded(k) => k,
    };
    let what = k.format.describe();
    let cipher = k.cipher.as_deref().unwrap_or("an unknown cipher");
    let o = if !k.format.is_encrypted() {
        Outcome::fail(
            "unencrypted-key",
            format!("saml/pkey holds {what}; the guide requires it encrypted: {KEY_FIX}."),
        )
    } else if !k.is_aes256() {
        Outcome::warn(
            "not-aes-256",
            format!(
                "saml/pkey is {what} encrypted with {cipher}; the guide asks for AES-256: {KEY_FIX}."
            ),
        )
    } else if k.encoding != Encoding::Base64OfPem {
        Outcome::warn(
            "unexpected-encoding",
            format!(
                "saml/pkey is {what} with {cipher}, but stored as {}, not the base64 of the key file the guide prescribes; {KEY_FIX}.",
                k.encoding.describe()
            ),
        )
    } else if k.layout.is_mangled() {
        Outcome::warn(
            "mangled-whitespace",
            format!(
                "saml/pkey is {what} with {cipher}, stored {}, which the Engage side may not accept; paste the output of `openssl base64` unchanged.",
                k.layout.describe()
            ),
        )
    } else {
        Outcome::pass(format!(
            "saml/pkey is {what} with {cipher}, stored as {} {}.",
            k.encoding.describe(),
            k.layout.describe()
        ))
    };
    with_key(o, k)
}

/// CRT006: `saml/pkey` decrypts with `saml/password`.
#[must_use]
pub fn crt006(t: &TenantCrypto) -> Outcome {
    let Some(k) = t.key() else {
        return skip_no_key();
    };
    let o = match &k.decryption {
        Decryption::Decrypted => Outcome::pass(format!(
            "saml/pkey decrypts with saml/password ({}).",
            k.cipher.as_deref().unwrap_or("unknown cipher")
        )),
        Decryption::NotEncrypted => Outcome::skip(
            "key-not-encrypted",
            "saml/pkey is not encrypted, so saml/password is not used (CRT005 reports this).",
        ),
        Decryption::MissingPassword => Outcome::fail(
            "missing-password",
            "saml/pkey is encrypted but saml/password is missing or empty; set it to the passphrase the key was encrypted with.",
        ),
        Decryption::WrongPasswordOrCorrupt => Outcome::fail(
            "wrong-password-or-corrupt",
            "saml/pkey does not decrypt with saml/password: the password is wrong or the key is corrupt; check the password or re-export the key.",
        ),
        Decryption::Unsupported(what) => Outcome::error(
            "unsupported-encryption",
            format!(
                "saml/pkey is encrypted with {what}, which this tool cannot decrypt, so saml/password cannot be checked; re-encrypt with `openssl rsa -aes256`."
            ),
        ),
        Decryption::TooCostly(what) => Outcome::error(
            "kdf-cost-too-high",
            format!(
                "saml/pkey asks for {what}, more than this tool will spend, so saml/password was not checked; re-encrypt with `openssl rsa -aes256`."
            ),
        ),
    };
    with_key(o, k)
}

/// CRT007: the private key belongs to the certificate.
#[must_use]
pub fn crt007(t: &TenantCrypto) -> Outcome {
    let Some(c) = t.certificate() else {
        return skip_no_certificate();
    };
    let Some(k) = t.key() else {
        return skip_no_key();
    };
    let Some(key_public) = &k.public else {
        return Outcome::skip(
            "key-not-decrypted",
            "saml/pkey could not be decrypted (see CRT006), so it cannot be compared with the certificate.",
        );
    };
    let cert_public = &c.info.public_key;
    let o = match key_public.same_key(cert_public) {
        Some(true) => Outcome::pass(format!(
            "The private key in saml/pkey matches the certificate `{}` ({} {} bits).",
            c.info.subject,
            key_public.key_type(),
            key_public.bits()
        )),
        Some(false) => Outcome::fail(
            "key-mismatch",
            format!(
                "The private key in saml/pkey ({} {} bits) is not the key of the certificate `{}`; store the key the certificate was issued for, or re-issue the certificate.",
                key_public.key_type(),
                key_public.bits(),
                c.info.subject
            ),
        ),
        None => Outcome::error(
            "unsupported-key-type",
            format!(
                "The key pair cannot be compared (certificate: {}, key: {}); use an RSA or EC key with its public point.",
                cert_public.key_type(),
                key_public.key_type()
            ),
        ),
    };
    let mut o = o
        .with("sha256_fingerprint", c.info.sha256_fingerprint.clone())
        .with("certificate_key_type", cert_public.key_type())
        .with("key_type", key_public.key_type())
        .with("key_format", k.format.as_str());
    if let (Some(cd), Some(kd)) = (
        public_key_digest(cert_public),
        public_key_digest(key_public),
    ) {
        o = o
            .with("certificate_public_key_sha256", cd)
            .with("key_public_key_sha256", kd)
            .with(
                "digest_method",
                "RSA: sha256 of `openssl x509|rsa -noout -modulus` output; EC: sha256 of the point's upper-case hex",
            );
    }
    o
}

/// CRT008: the Genesys Cloud identity provider holds the same certificate
/// (`certificate` or any of `certificates[]`), compared by DER bytes after
/// normalising encodings.
#[must_use]
pub fn crt008(t: &TenantCrypto, idp_certificates: &[&str]) -> Outcome {
    let Some(c) = t.certificate() else {
        return skip_no_certificate();
    };
    if idp_certificates.is_empty() {
        return with_cert(
            Outcome::fail(
                "idp-has-no-certificate",
                "The Genesys Cloud `pureengage` identity provider holds no certificate; upload saml/certificate to it.",
            ),
            c,
        );
    }
    let mut seen = Vec::new();
    let mut matched = None;
    let mut same_key = false;
    let mut decodable = 0usize;
    for (index, value) in idp_certificates.iter().enumerate() {
        match decode_certificate(value) {
            Ok(idp) => {
                decodable += 1;
                if idp.info.der == c.info.der && matched.is_none() {
                    matched = Some(index);
                } else if idp.info.public_key.same_key(&c.info.public_key) == Some(true) {
                    same_key = true;
                }
                seen.push(serde_json::json!({
                    "index": index,
                    "subject": idp.info.subject,
                    "not_after": rfc3339(idp.info.not_after),
                    "sha256_fingerprint": idp.info.sha256_fingerprint,
                }));
            }
            Err(p) => seen.push(serde_json::json!({"index": index, "error": p.reason})),
        }
    }
    let n = idp_certificates.len();
    let o = if let Some(index) = matched {
        Outcome::pass(format!(
            "The Genesys Cloud identity provider holds this certificate (entry {} of {n}).",
            index + 1
        ))
        .with("matched_index", index)
    } else if decodable == 0 {
        Outcome::error(
            "idp-certificate-undecodable",
            format!(
                "None of the identity provider's {n} certificate value(s) decodes, so they cannot be compared; re-upload saml/certificate to the identity provider."
            ),
        )
    } else if same_key {
        Outcome::fail(
            "certificate-not-on-idp",
            "The identity provider holds a different certificate for the same key (re-issued?), not this one; upload the current saml/certificate to the identity provider.",
        )
    } else {
        Outcome::fail(
            "certificate-not-on-idp",
            format!(
                "None of the identity provider's {n} certificate(s) is saml/certificate; SAML assertions will be rejected: upload saml/certificate to the identity provider."
            ),
        )
    };
    with_cert(o, c).with("idp_certificates", serde_json::Value::Array(seen))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_inputs_never_pass() {
        let t = TenantCrypto::analyse(None, None, None);
        let now = OffsetDateTime::now_utc();
        assert_eq!(crt001(&t).reason.as_deref(), Some("missing-option"));
        assert_eq!(crt005(&t).reason.as_deref(), Some("missing-option"));
        for o in [
            crt002(&t, now),
            crt003(&t, now, 30, 7),
            crt004(&t, 2048, 256),
            crt007(&t),
            crt008(&t, &["x"]),
        ] {
            assert_eq!(o.status, crate::Status::Skip);
            assert_eq!(o.reason.as_deref(), Some("certificate-not-decoded"));
        }
        assert_eq!(crt006(&t).reason.as_deref(), Some("key-not-decoded"));
    }

    #[test]
    fn garbage_fails_with_reason() {
        let t = TenantCrypto::analyse(Some("%%% not a cert %%%"), Some("bm9wZQ=="), None);
        let o = crt001(&t);
        assert_eq!(o.status, crate::Status::Fail);
        assert_eq!(o.reason.as_deref(), Some("not-base64"));
        let o = crt005(&t);
        assert_eq!(o.status, crate::Status::Fail);
        assert_eq!(o.reason.as_deref(), Some("not-pem-or-der"));
    }
}

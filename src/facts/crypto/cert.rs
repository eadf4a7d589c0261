//! The certificate side: decode the option value, parse the X.509, and keep
//! the public facts an auditor files (subject, validity, key, fingerprint).

use super::encoding::{Content, DecodeError, Encoding, Layout, unwrap_value};
use super::key::PublicParts;
use ::time::OffsetDateTime;
use sha2::{Digest, Sha256};
use x509_parser::prelude::*;
use x509_parser::public_key::PublicKey;
use x509_parser::signature_algorithm::SignatureAlgorithm;

/// The public facts of one parsed certificate.
#[derive(Debug, Clone, PartialEq)]
pub struct CertInfo {
    /// The certificate's DER bytes: what CRT008 compares.
    pub der: Vec<u8>,
    pub subject: String,
    pub issuer: String,
    /// Serial number as colon-separated hex (`openssl x509 -serial` without colons).
    pub serial: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// Short name (`sha256WithRSAEncryption`) or the dotted OID when unknown.
    pub signature_algorithm: String,
    /// `SHA-1`/`MD5`/`MD2` when the signature hash is broken.
    pub weak_signature_hash: Option<&'static str>,
    pub public_key: PublicParts,
    /// Upper-case colon-separated, as `openssl x509 -fingerprint -sha256` prints it.
    pub sha256_fingerprint: String,
}

impl CertInfo {
    /// Parses DER; the error is x509-parser's description (public data only).
    pub fn from_der(der: &[u8]) -> Result<CertInfo, String> {
        let (rest, cert) = X509Certificate::from_der(der).map_err(|e| e.to_string())?;
        let der = &der[..der.len() - rest.len()];
        let spki = cert.public_key();
        let public_key = match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => PublicParts::rsa(rsa.modulus, rsa.exponent),
            Ok(PublicKey::EC(point)) => PublicParts::Ec {
                curve: spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok())
                    .map(|oid| oid.to_id_string()),
                point: point.data().to_vec(),
            },
            Ok(_) | Err(_) => PublicParts::Unsupported(algorithm_name(&spki.algorithm.algorithm)),
        };
        let validity = cert.validity();
        Ok(CertInfo {
            der: der.to_vec(),
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            serial: cert.raw_serial_as_string().to_uppercase(),
            not_before: validity.not_before.to_datetime(),
            not_after: validity.not_after.to_datetime(),
            signature_algorithm: algorithm_name(&cert.signature_algorithm.algorithm),
            weak_signature_hash: weak_hash(&cert.signature_algorithm),
            public_key,
            sha256_fingerprint: fingerprint(der),
        })
    }

    /// Key type as reports show it (`RSA`, `EC`).
    #[must_use]
    pub fn key_type(&self) -> String {
        self.public_key.key_type()
    }

    /// Key size in bits (0 when unknown).
    #[must_use]
    pub fn key_bits(&self) -> u32 {
        self.public_key.bits()
    }
}

/// A decoded `saml/certificate` value.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedCert {
    pub encoding: Encoding,
    pub layout: Layout,
    pub info: CertInfo,
    /// Further certificates after the first (a chain pasted in), counted only.
    pub extra_certificates: usize,
}

/// Why `saml/certificate` (or an IdP certificate) did not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertProblem {
    pub reason: &'static str,
    pub message: String,
    pub encoding: Option<Encoding>,
}

/// Decodes a certificate option value in any of the encodings we recognise.
pub fn decode_certificate(value: &str) -> Result<DecodedCert, CertProblem> {
    let unwrapped = unwrap_value(value).map_err(|e| CertProblem {
        reason: e.reason(),
        message: format!("the value {}", e.describe()),
        encoding: None,
    })?;
    let encoding = unwrapped.encoding;
    let not_cert = |message: String| CertProblem {
        reason: "not-a-certificate",
        message,
        encoding: Some(encoding),
    };
    let (der, extra) = match &unwrapped.content {
        Content::Der(der) => (&der[..], 0),
        Content::Pem(blocks) => {
            let mut certs = blocks.iter().filter(|b| b.label == "CERTIFICATE");
            let Some(first) = certs.next() else {
                let labels: Vec<&str> = blocks.iter().map(|b| b.label.as_str()).collect();
                return Err(not_cert(format!(
                    "the value is {} holding `{}`, not `CERTIFICATE`",
                    encoding.describe(),
                    labels.join("`, `")
                )));
            };
            (&first.der[..], certs.count())
        }
    };
    let info = CertInfo::from_der(der).map_err(|e| {
        not_cert(format!(
            "the value is {} but not an X.509 certificate ({e})",
            encoding.describe()
        ))
    })?;
    Ok(DecodedCert {
        encoding,
        layout: unwrapped.layout,
        info,
        extra_certificates: extra,
    })
}

impl From<DecodeError> for CertProblem {
    fn from(e: DecodeError) -> Self {
        CertProblem {
            reason: e.reason(),
            message: format!("the value {}", e.describe()),
            encoding: None,
        }
    }
}

/// SHA-256 of DER as `AA:BB:…`.
#[must_use]
pub fn fingerprint(der: &[u8]) -> String {
    colon_hex(&Sha256::digest(der))
}

/// Upper-case hex with colons.
#[must_use]
pub fn colon_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        s.push_str(&format!("{b:02X}"));
    }
    s
}

fn algorithm_name(oid: &x509_parser::der_parser::oid::Oid) -> String {
    oid2sn(oid, oid_registry())
        .map(str::to_owned)
        .unwrap_or_else(|_| oid.to_id_string())
}

/// The broken hash a signature algorithm relies on, if any. RSASSA-PSS names
/// its hash in parameters (SHA-1 when absent), so it is read from there.
fn weak_hash(alg: &AlgorithmIdentifier<'_>) -> Option<&'static str> {
    let by_oid = |id: &str| -> Option<&'static str> {
        match id {
            // sha1WithRSA, ecdsa-with-SHA1, dsa-with-sha1, sha1WithRSA (OIW), sha1 itself
            "1.2.840.113549.1.1.5"
            | "1.2.840.10045.4.1"
            | "1.2.840.10040.4.3"
            | "1.3.14.3.2.29"
            | "1.3.14.3.2.26" => Some("SHA-1"),
            "1.2.840.113549.1.1.4" | "1.2.840.113549.2.5" => Some("MD5"),
            "1.2.840.113549.1.1.2" => Some("MD2"),
            _ => None,
        }
    };
    if let Ok(SignatureAlgorithm::RSASSA_PSS(params)) = SignatureAlgorithm::try_from(alg) {
        return by_oid(&params.hash_algorithm_oid().to_id_string());
    }
    by_oid(&alg.algorithm.to_id_string())
}

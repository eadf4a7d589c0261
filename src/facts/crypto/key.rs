//! The private-key side: recognise the format of `saml/pkey`, decrypt it with
//! `saml/password`, and keep only its *public* half.
//!
//! Decrypted bytes live in [`Zeroizing`] buffers inside this module and never
//! leave it: [`KeyFacts`] holds the format, the cipher, a verdict and the
//! public key (RSA modulus/exponent or EC point), nothing secret. Errors name
//! algorithms and formats, never bytes of the key or the password.

use super::encoding::{Content, Encoding, Layout, PemBlock, unwrap_value};
use super::legacy;
use pkcs8::der::asn1::{AnyRef, BitStringRef, ContextSpecific, ObjectIdentifier, OctetStringRef};
use pkcs8::der::{Decode, Reader, SliceReader, Tag, TagNumber, Tagged};
use pkcs8::pkcs5::{self, pbes2};
use pkcs8::{AlgorithmIdentifierRef, EncryptedPrivateKeyInfoRef, PrivateKeyInfoRef};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

/// PBKDF2 iteration counts above this are refused rather than run: OpenSSL
/// writes 2048, OWASP suggests 600,000; a hostile value could stall an audit.
pub const MAX_PBKDF2_ITERATIONS: u32 = 1_000_000;
/// scrypt cost limits (N, r, p) for the same reason; OpenSSL uses 2^14, 8, 1.
const MAX_SCRYPT_N: u64 = 1 << 20;
const MAX_SCRYPT_R: u16 = 16;
const MAX_SCRYPT_P: u16 = 4;

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_RSA_PSS: &str = "1.2.840.113549.1.1.10";
const OID_EC: &str = "1.2.840.10045.2.1";

/// The public half of a key pair, as both a certificate and a key reveal it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicParts {
    /// Big-endian, leading zeros stripped.
    Rsa { modulus: Vec<u8>, exponent: Vec<u8> },
    /// Curve OID (dotted) when known, and the encoded point.
    Ec {
        curve: Option<String>,
        point: Vec<u8>,
    },
    /// A key we cannot compare; the text names the algorithm or the gap.
    Unsupported(String),
}

impl PublicParts {
    /// RSA parts with leading zero bytes removed (DER adds one for the sign).
    #[must_use]
    pub fn rsa(modulus: &[u8], exponent: &[u8]) -> PublicParts {
        PublicParts::Rsa {
            modulus: strip_zeros(modulus).to_vec(),
            exponent: strip_zeros(exponent).to_vec(),
        }
    }

    /// `RSA`, `EC`, or the unsupported algorithm's description.
    #[must_use]
    pub fn key_type(&self) -> String {
        match self {
            PublicParts::Rsa { .. } => "RSA".to_owned(),
            PublicParts::Ec { .. } => "EC".to_owned(),
            PublicParts::Unsupported(what) => what.clone(),
        }
    }

    /// Key size in bits; 0 when unknown.
    #[must_use]
    pub fn bits(&self) -> u32 {
        match self {
            PublicParts::Rsa { modulus, .. } => match modulus.first() {
                Some(first) => {
                    let len = u32::try_from(modulus.len()).unwrap_or(u32::MAX / 8);
                    (len - 1) * 8 + (8 - first.leading_zeros())
                }
                None => 0,
            },
            PublicParts::Ec { curve, point } => {
                match curve.as_deref().and_then(curve_info) {
                    Some((_, bits)) => bits,
                    // Uncompressed point: 04 ‖ X ‖ Y.
                    None => u32::try_from(point.len().saturating_sub(1) / 2 * 8).unwrap_or(0),
                }
            }
            PublicParts::Unsupported(_) => 0,
        }
    }

    /// The curve's common name (`prime256v1`), when EC and known.
    #[must_use]
    pub fn curve_name(&self) -> Option<String> {
        match self {
            PublicParts::Ec {
                curve: Some(oid), ..
            } => Some(curve_info(oid).map_or_else(|| oid.clone(), |(n, _)| n.to_owned())),
            _ => None,
        }
    }

    /// Whether two public halves are the same key; `None` when either side
    /// cannot be compared (never guess a match).
    #[must_use]
    pub fn same_key(&self, other: &PublicParts) -> Option<bool> {
        match (self, other) {
            (PublicParts::Unsupported(_), _) | (_, PublicParts::Unsupported(_)) => None,
            (
                PublicParts::Rsa {
                    modulus: n1,
                    exponent: e1,
                },
                PublicParts::Rsa {
                    modulus: n2,
                    exponent: e2,
                },
            ) => Some(n1 == n2 && e1 == e2),
            (
                PublicParts::Ec {
                    curve: c1,
                    point: p1,
                },
                PublicParts::Ec {
                    curve: c2,
                    point: p2,
                },
            ) => {
                let curves_differ = matches!((c1, c2), (Some(a), Some(b)) if a != b);
                Some(!curves_differ && p1 == p2)
            }
            _ => Some(false),
        }
    }
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

fn curve_info(oid: &str) -> Option<(&'static str, u32)> {
    match oid {
        "1.2.840.10045.3.1.7" => Some(("prime256v1", 256)),
        "1.3.132.0.34" => Some(("secp384r1", 384)),
        "1.3.132.0.35" => Some(("secp521r1", 521)),
        "1.3.132.0.10" => Some(("secp256k1", 256)),
        "1.2.840.10045.3.1.1" => Some(("prime192v1", 192)),
        "1.3.132.0.33" => Some(("secp224r1", 224)),
        _ => None,
    }
}

/// How `saml/pkey` is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormat {
    /// `BEGIN ENCRYPTED PRIVATE KEY` with PBES2: OpenSSL 3's `openssl rsa -aes256`.
    Pkcs8Pbes2,
    /// `BEGIN ENCRYPTED PRIVATE KEY` with an old PKCS#5 v1.5 / PKCS#12 PBE scheme.
    Pkcs8LegacyPbe,
    /// `Proc-Type: 4,ENCRYPTED` + `DEK-Info`: OpenSSL 1.1's `openssl rsa -aes256`.
    LegacyPem,
    UnencryptedPkcs8,
    UnencryptedPkcs1,
    UnencryptedSec1,
}

impl KeyFormat {
    /// Stable machine name used in evidence.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            KeyFormat::Pkcs8Pbes2 => "openssl3-pkcs8-pbes2",
            KeyFormat::Pkcs8LegacyPbe => "pkcs8-legacy-pbe",
            KeyFormat::LegacyPem => "openssl-legacy-pem",
            KeyFormat::UnencryptedPkcs8 => "unencrypted-pkcs8",
            KeyFormat::UnencryptedPkcs1 => "unencrypted-pkcs1",
            KeyFormat::UnencryptedSec1 => "unencrypted-sec1",
        }
    }

    /// How a report sentence names it.
    #[must_use]
    pub const fn describe(self) -> &'static str {
        match self {
            KeyFormat::Pkcs8Pbes2 => {
                "OpenSSL 3 encrypted PKCS#8 (BEGIN ENCRYPTED PRIVATE KEY, PBES2)"
            }
            KeyFormat::Pkcs8LegacyPbe => "encrypted PKCS#8 with a legacy PBE (not PBES2) scheme",
            KeyFormat::LegacyPem => {
                "OpenSSL 1.1 legacy encrypted PEM (Proc-Type: 4,ENCRYPTED, DEK-Info)"
            }
            KeyFormat::UnencryptedPkcs8 => "an unencrypted PKCS#8 key (BEGIN PRIVATE KEY)",
            KeyFormat::UnencryptedPkcs1 => "an unencrypted PKCS#1 key (BEGIN RSA PRIVATE KEY)",
            KeyFormat::UnencryptedSec1 => "an unencrypted SEC1 key (BEGIN EC PRIVATE KEY)",
        }
    }

    #[must_use]
    pub const fn is_encrypted(self) -> bool {
        matches!(
            self,
            KeyFormat::Pkcs8Pbes2 | KeyFormat::Pkcs8LegacyPbe | KeyFormat::LegacyPem
        )
    }
}

/// What came of trying to open the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decryption {
    /// Stored in clear: nothing to decrypt (and a CRT005 finding).
    NotEncrypted,
    Decrypted,
    MissingPassword,
    WrongPasswordOrCorrupt,
    /// An algorithm this build cannot run; names it.
    Unsupported(String),
    /// KDF parameters beyond our cost limits; names them.
    TooCostly(String),
}

/// Everything learnt from `saml/pkey`; holds no secret material.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyFacts {
    pub encoding: Encoding,
    pub layout: Layout,
    pub format: KeyFormat,
    /// `aes-256-cbc`, `des-ede3-cbc`, … (encrypted formats only).
    pub cipher: Option<String>,
    /// `pbkdf2-hmac-sha256`, `scrypt`, `evp-bytes-to-key-md5`.
    pub kdf: Option<String>,
    /// PBKDF2 iterations or scrypt N.
    pub kdf_cost: Option<u64>,
    pub decryption: Decryption,
    /// The public half, once the key could be read.
    pub public: Option<PublicParts>,
}

impl KeyFacts {
    fn new(encoding: Encoding, layout: Layout, format: KeyFormat) -> KeyFacts {
        KeyFacts {
            encoding,
            layout,
            format,
            cipher: None,
            kdf: None,
            kdf_cost: None,
            decryption: if format.is_encrypted() {
                Decryption::MissingPassword
            } else {
                Decryption::NotEncrypted
            },
            public: None,
        }
    }

    /// Whether the cipher is the AES-256 the guide asks for.
    #[must_use]
    pub fn is_aes256(&self) -> bool {
        self.cipher
            .as_deref()
            .is_some_and(|c| c.starts_with("aes-256"))
    }
}

/// Why `saml/pkey` is not a key we can even classify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyProblem {
    pub reason: &'static str,
    pub message: String,
    pub encoding: Option<Encoding>,
}

/// Classifies `saml/pkey`, decrypts it with `password` and keeps its public half.
pub fn inspect_key(value: &str, password: Option<&SecretString>) -> Result<KeyFacts, KeyProblem> {
    let unwrapped = unwrap_value(value).map_err(|e| KeyProblem {
        reason: e.reason(),
        message: format!("the value {}", e.describe()),
        encoding: None,
    })?;
    let (encoding, layout) = (unwrapped.encoding, unwrapped.layout);
    let problem = |reason: &'static str, message: String| KeyProblem {
        reason,
        message,
        encoding: Some(encoding),
    };
    let password = password.map(|p| p.expose_secret().as_bytes());
    match &unwrapped.content {
        Content::Pem(blocks) => {
            let Some(block) = blocks.iter().find(|b| b.label.ends_with("PRIVATE KEY")) else {
                let labels: Vec<&str> = blocks.iter().map(|b| b.label.as_str()).collect();
                return Err(problem(
                    "not-a-private-key",
                    format!(
                        "the value is {} holding `{}`, not a private key",
                        encoding.describe(),
                        labels.join("`, `")
                    ),
                ));
            };
            let bad = |what: &str| {
                problem(
                    "not-a-private-key",
                    format!("its `{}` block is not valid {what}", block.label),
                )
            };
            match block.label.as_str() {
                "ENCRYPTED PRIVATE KEY" => match EncryptedPrivateKeyInfoRef::from_der(&block.der) {
                    Ok(info) => Ok(open_pkcs8(&info, encoding, layout, password)),
                    Err(_) => {
                        unknown_scheme(&block.der, encoding, layout).ok_or_else(|| bad("PKCS#8"))
                    }
                },
                "PRIVATE KEY" => {
                    let mut facts = KeyFacts::new(encoding, layout, KeyFormat::UnencryptedPkcs8);
                    let info =
                        PrivateKeyInfoRef::from_der(&block.der).map_err(|_| bad("PKCS#8"))?;
                    facts.public = Some(pkcs8_public(&info).ok_or_else(|| bad("PKCS#8"))?);
                    Ok(facts)
                }
                "RSA PRIVATE KEY" | "EC PRIVATE KEY" | "DSA PRIVATE KEY" => {
                    let encrypted = block
                        .header("Proc-Type")
                        .is_some_and(|v| v.to_ascii_uppercase().contains("ENCRYPTED"));
                    if encrypted {
                        open_legacy(block, encoding, layout, password).map_err(|m| {
                            problem("malformed-pem", format!("its legacy PEM headers {m}"))
                        })
                    } else {
                        let (format, public) = match block.label.as_str() {
                            "RSA PRIVATE KEY" => {
                                (KeyFormat::UnencryptedPkcs1, rsa_public(&block.der))
                            }
                            "EC PRIVATE KEY" => {
                                (KeyFormat::UnencryptedSec1, sec1_public(&block.der, None))
                            }
                            _ => (
                                KeyFormat::UnencryptedPkcs1,
                                Some(PublicParts::Unsupported("DSA".to_owned())),
                            ),
                        };
                        let mut facts = KeyFacts::new(encoding, layout, format);
                        facts.public = Some(public.ok_or_else(|| bad("key DER"))?);
                        Ok(facts)
                    }
                }
                other => Err(problem(
                    "unsupported-key-format",
                    format!("it holds a `{other}` block, which this tool cannot read"),
                )),
            }
        }
        Content::Der(der) => {
            if let Ok(info) = EncryptedPrivateKeyInfoRef::from_der(der) {
                return Ok(open_pkcs8(&info, encoding, layout, password));
            }
            let (format, public) = if let Ok(info) = PrivateKeyInfoRef::from_der(der) {
                (KeyFormat::UnencryptedPkcs8, pkcs8_public(&info))
            } else if let Some(p) = rsa_public(der) {
                (KeyFormat::UnencryptedPkcs1, Some(p))
            } else if let Some(p) = sec1_public(der, None) {
                (KeyFormat::UnencryptedSec1, Some(p))
            } else if let Some(facts) = unknown_scheme(der, encoding, layout) {
                return Ok(facts);
            } else {
                return Err(problem(
                    "not-a-private-key",
                    format!("the value is {} but not a private key", encoding.describe()),
                ));
            };
            let mut facts = KeyFacts::new(encoding, layout, format);
            facts.public = public;
            Ok(facts)
        }
    }
}

/// PKCS#8 `EncryptedPrivateKeyInfo`: read the scheme, check its cost, decrypt.
fn open_pkcs8(
    info: &EncryptedPrivateKeyInfoRef<'_>,
    encoding: Encoding,
    layout: Layout,
    password: Option<&[u8]>,
) -> KeyFacts {
    let params = match &info.encryption_algorithm {
        pkcs5::EncryptionScheme::Pbes2(params) => params,
        pkcs5::EncryptionScheme::Pbes1(alg) => {
            let mut facts = KeyFacts::new(encoding, layout, KeyFormat::Pkcs8LegacyPbe);
            facts.cipher = Some(format!("pbes1 {}", alg.encryption.oid()));
            facts.decryption = Decryption::Unsupported("PBES1 (PKCS#5 v1.5) encryption".to_owned());
            return facts;
        }
        other => {
            let mut facts = KeyFacts::new(encoding, layout, KeyFormat::Pkcs8Pbes2);
            facts.cipher = Some(other.oid().to_string());
            facts.decryption = Decryption::Unsupported(format!("scheme {}", other.oid()));
            return facts;
        }
    };
    let mut facts = KeyFacts::new(encoding, layout, KeyFormat::Pkcs8Pbes2);
    facts.cipher = Some(pbes2_cipher(&params.encryption).to_owned());
    if let Some(verdict) = pbes2_gate(&params.kdf, &mut facts) {
        facts.decryption = verdict;
        return facts;
    }
    let Some(password) = password.filter(|p| !p.is_empty()) else {
        facts.decryption = Decryption::MissingPassword;
        return facts;
    };
    let mut buf = Zeroizing::new(info.encrypted_data.as_bytes().to_vec());
    facts.decryption = match params.decrypt_in_place(password, &mut buf) {
        Ok(plain) => match PrivateKeyInfoRef::from_der(plain)
            .ok()
            .and_then(|i| pkcs8_public(&i))
        {
            Some(public) => {
                facts.public = Some(public);
                Decryption::Decrypted
            }
            None => Decryption::WrongPasswordOrCorrupt,
        },
        Err(pkcs5::Error::UnsupportedAlgorithm { oid }) => {
            Decryption::Unsupported(format!("algorithm {oid}"))
        }
        Err(_) => Decryption::WrongPasswordOrCorrupt,
    };
    facts
}

/// An `EncryptedPrivateKeyInfo` whose scheme the `pkcs8` crate does not parse
/// (PKCS#12 PBE such as `PBE-SHA1-3DES`): still an encrypted key, named by
/// its scheme OID, but one we cannot open. `None` when not even that shape.
fn unknown_scheme(der: &[u8], encoding: Encoding, layout: Layout) -> Option<KeyFacts> {
    let mut reader = SliceReader::new(der).ok()?;
    let oid = reader
        .sequence(|r| {
            let alg = AlgorithmIdentifierRef::decode(r)?;
            let _data = <&OctetStringRef>::decode(r)?;
            Ok::<_, pkcs8::der::Error>(alg.oid)
        })
        .ok()?;
    let name = match oid.to_string().as_str() {
        "1.2.840.113549.1.12.1.1" => "pbe-sha1-rc4-128",
        "1.2.840.113549.1.12.1.2" => "pbe-sha1-rc4-40",
        "1.2.840.113549.1.12.1.3" => "pbe-sha1-3des",
        "1.2.840.113549.1.12.1.4" => "pbe-sha1-2des",
        "1.2.840.113549.1.12.1.5" => "pbe-sha1-rc2-128",
        "1.2.840.113549.1.12.1.6" => "pbe-sha1-rc2-40",
        _ => "unknown",
    };
    let mut facts = KeyFacts::new(encoding, layout, KeyFormat::Pkcs8LegacyPbe);
    facts.cipher = Some(if name == "unknown" {
        oid.to_string()
    } else {
        name.to_owned()
    });
    facts.decryption = Decryption::Unsupported(format!("PKCS#8 scheme {name} ({oid})"));
    Some(facts)
}

/// Records the KDF and refuses what we cannot or should not run.
fn pbes2_gate(kdf: &pbes2::Kdf, facts: &mut KeyFacts) -> Option<Decryption> {
    if let Some(p) = kdf.pbkdf2() {
        let prf = match p.prf {
            pbes2::Pbkdf2Prf::HmacWithSha1 => "hmac-sha1",
            pbes2::Pbkdf2Prf::HmacWithSha224 => "hmac-sha224",
            pbes2::Pbkdf2Prf::HmacWithSha256 => "hmac-sha256",
            pbes2::Pbkdf2Prf::HmacWithSha384 => "hmac-sha384",
            pbes2::Pbkdf2Prf::HmacWithSha512 => "hmac-sha512",
            _ => "unknown-prf",
        };
        facts.kdf = Some(format!("pbkdf2-{prf}"));
        facts.kdf_cost = Some(u64::from(p.iteration_count));
        if p.prf == pbes2::Pbkdf2Prf::HmacWithSha1 {
            return Some(Decryption::Unsupported("PBKDF2 with HMAC-SHA1".to_owned()));
        }
        if p.iteration_count > MAX_PBKDF2_ITERATIONS {
            return Some(Decryption::TooCostly(format!(
                "{} PBKDF2 iterations (limit {MAX_PBKDF2_ITERATIONS})",
                p.iteration_count
            )));
        }
        None
    } else if let Some(s) = kdf.scrypt() {
        facts.kdf = Some("scrypt".to_owned());
        facts.kdf_cost = Some(s.cost_parameter);
        if s.cost_parameter > MAX_SCRYPT_N
            || s.block_size > MAX_SCRYPT_R
            || s.parallelization > MAX_SCRYPT_P
        {
            return Some(Decryption::TooCostly(format!(
                "scrypt N={} r={} p={} (limits {MAX_SCRYPT_N}, {MAX_SCRYPT_R}, {MAX_SCRYPT_P})",
                s.cost_parameter, s.block_size, s.parallelization
            )));
        }
        None
    } else {
        facts.kdf = Some(kdf.oid().to_string());
        Some(Decryption::Unsupported(format!(
            "key derivation {}",
            kdf.oid()
        )))
    }
}

fn pbes2_cipher(scheme: &pbes2::EncryptionScheme) -> &'static str {
    match scheme {
        pbes2::EncryptionScheme::Aes128Cbc { .. } => "aes-128-cbc",
        pbes2::EncryptionScheme::Aes192Cbc { .. } => "aes-192-cbc",
        pbes2::EncryptionScheme::Aes256Cbc { .. } => "aes-256-cbc",
        pbes2::EncryptionScheme::Aes128Gcm { .. } => "aes-128-gcm",
        pbes2::EncryptionScheme::Aes256Gcm { .. } => "aes-256-gcm",
        pbes2::EncryptionScheme::DesEde3Cbc { .. } => "des-ede3-cbc",
        #[allow(unreachable_patterns)]
        _ => "unknown",
    }
}

/// Legacy `Proc-Type`/`DEK-Info` PEM. `Err` says what is wrong with the headers.
fn open_legacy(
    block: &PemBlock,
    encoding: Encoding,
    layout: Layout,
    password: Option<&[u8]>,
) -> Result<KeyFacts, &'static str> {
    let mut facts = KeyFacts::new(encoding, layout, KeyFormat::LegacyPem);
    let dek = block.header("DEK-Info").ok_or("lack DEK-Info")?;
    let (cipher, iv) = match legacy::parse_dek_info(dek) {
        Ok(parsed) => parsed,
        Err(Some(name)) => {
            facts.cipher = Some(name.to_ascii_lowercase());
            facts.decryption = Decryption::Unsupported(format!("legacy PEM cipher {name}"));
            return Ok(facts);
        }
        Err(None) => return Err("hold a malformed DEK-Info"),
    };
    facts.cipher = Some(cipher.name().to_owned());
    facts.kdf = Some("evp-bytes-to-key-md5".to_owned());
    facts.kdf_cost = Some(1);
    let Some(password) = password.filter(|p| !p.is_empty()) else {
        return Ok(facts);
    };
    let mut buf = Zeroizing::new(block.der.to_vec());
    let public = legacy::decrypt(cipher, &iv, password, &mut buf).and_then(|len| {
        let plain = &buf[..len];
        match block.label.as_str() {
            "RSA PRIVATE KEY" => rsa_public(plain),
            "EC PRIVATE KEY" => sec1_public(plain, None),
            // DSA: proven decrypted by a DER parse of its outer SEQUENCE only.
            _ => AnyRef::from_der(plain)
                .ok()
                .filter(|any| any.tag() == Tag::Sequence)
                .map(|_| PublicParts::Unsupported("DSA".to_owned())),
        }
    });
    facts.decryption = match public {
        Some(p) => {
            facts.public = Some(p);
            Decryption::Decrypted
        }
        None => Decryption::WrongPasswordOrCorrupt,
    };
    Ok(facts)
}

/// The public half of a PKCS#8 `PrivateKeyInfo`; `None` when malformed.
fn pkcs8_public(info: &PrivateKeyInfoRef<'_>) -> Option<PublicParts> {
    let oid = info.algorithm.oid.to_string();
    match oid.as_str() {
        OID_RSA | OID_RSA_PSS => rsa_public(info.private_key.as_bytes()),
        OID_EC => {
            let curve = info
                .algorithm
                .parameters
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
                .map(|o| o.to_string());
            let public = sec1_public(info.private_key.as_bytes(), curve)?;
            // PKCS#8 v2 may carry the point outside the SEC1 structure.
            match (
                public,
                info.public_key.as_ref().and_then(BitStringRef::as_bytes),
            ) {
                (PublicParts::Unsupported(_), Some(point)) => Some(PublicParts::Ec {
                    curve: info
                        .algorithm
                        .parameters
                        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
                        .map(|o| o.to_string()),
                    point: point.to_vec(),
                }),
                (public, _) => Some(public),
            }
        }
        "1.3.101.112" => Some(PublicParts::Unsupported("Ed25519".to_owned())),
        "1.3.101.113" => Some(PublicParts::Unsupported("Ed448".to_owned())),
        "1.2.840.10040.4.1" => Some(PublicParts::Unsupported("DSA".to_owned())),
        _ => Some(PublicParts::Unsupported(format!("key algorithm {oid}"))),
    }
}

/// PKCS#1 `RSAPrivateKey` → modulus and public exponent.
fn rsa_public(der: &[u8]) -> Option<PublicParts> {
    let key = pkcs1::RsaPrivateKeyRef::from_der(der).ok()?;
    Some(PublicParts::rsa(
        key.modulus.as_bytes(),
        key.public_exponent.as_bytes(),
    ))
}

/// SEC1 `ECPrivateKey` (RFC 5915) → curve and public point. The point is
/// optional in the format; without it we cannot compare (no EC arithmetic
/// here), which is reported rather than guessed.
fn sec1_public(der: &[u8], curve_hint: Option<String>) -> Option<PublicParts> {
    let mut reader = SliceReader::new(der).ok()?;
    let (curve, point) = reader
        .sequence(|r| {
            let version = u8::decode(r)?;
            let _secret = <&OctetStringRef>::decode(r)?;
            let params = ContextSpecific::<ObjectIdentifier>::decode_explicit(r, TagNumber(0))?;
            let point = ContextSpecific::<BitStringRef<'_>>::decode_explicit(r, TagNumber(1))?;
            Ok::<_, pkcs8::der::Error>((
                version,
                params.map(|p| p.value.to_string()),
                point.and_then(|p| p.value.as_bytes().map(<[u8]>::to_vec)),
            ))
        })
        .ok()
        .filter(|(version, _, _)| *version == 1)
        .map(|(_, c, p)| (c, p))?;
    let curve = curve.or(curve_hint);
    Some(match point {
        Some(point) => PublicParts::Ec { curve, point },
        None => PublicParts::Unsupported("EC key without its public point".to_owned()),
    })
}

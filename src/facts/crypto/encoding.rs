//! The text layers around a certificate or key in a transaction option.
//!
//! The guide prescribes base64 of the whole PEM file (`openssl base64`, wrapped
//! at 64 columns), but values are also found on one line (`-A`), with their
//! line breaks lost or turned into spaces by an admin UI, as raw PEM, or as
//! base64 of DER (the PEM body without its armour). This module peels those
//! layers leniently and names what it found, so CRT001/CRT005 can say it.
//!
//! Everything here may carry private-key material (an unencrypted key, or a
//! mis-pasted one), so every intermediate buffer is [`Zeroizing`] and no error
//! quotes the input.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use zeroize::Zeroizing;

/// Values longer than this are refused before any work (1 MiB): a certificate
/// is a few KiB, and parsing must stay bounded on hostile input.
pub const MAX_VALUE_LEN: usize = 1 << 20;

/// Standard alphabet; padding optional because pasted values lose it.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The outer encoding of an option value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Base64 of a whole PEM file, armour lines included (what the guide prescribes).
    Base64OfPem,
    /// A PEM file pasted as is.
    Pem,
    /// Base64 of the DER bytes: the PEM body without its armour lines.
    Base64OfDer,
}

impl Encoding {
    /// Stable machine name used in evidence.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Encoding::Base64OfPem => "base64-of-pem",
            Encoding::Pem => "pem",
            Encoding::Base64OfDer => "base64-of-der",
        }
    }

    /// How a report sentence names it.
    #[must_use]
    pub const fn describe(self) -> &'static str {
        match self {
            Encoding::Base64OfPem => "base64 of a PEM file",
            Encoding::Pem => "raw PEM",
            Encoding::Base64OfDer => "base64 of DER (a PEM body without its armour lines)",
        }
    }
}

/// How the outermost text of a value is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Several lines, as `openssl base64` or a PEM file writes them.
    Wrapped { columns: usize, crlf: bool },
    /// One line without any whitespace (`openssl base64 -A`, or newlines lost).
    OneLine,
    /// Line breaks turned into spaces (a single-line admin UI field).
    Spaces,
    /// Line breaks written as the two characters `\n`.
    EscapedNewlines,
}

impl Layout {
    /// Stable machine name used in evidence.
    #[must_use]
    pub fn as_string(self) -> String {
        match self {
            Layout::Wrapped { columns, crlf } => {
                format!("wrapped-{columns}{}", if crlf { "-crlf" } else { "" })
            }
            Layout::OneLine => "one-line".to_owned(),
            Layout::Spaces => "newlines-as-spaces".to_owned(),
            Layout::EscapedNewlines => "escaped-newlines".to_owned(),
        }
    }

    /// How a report sentence names it.
    #[must_use]
    pub fn describe(self) -> String {
        match self {
            Layout::Wrapped { columns, crlf } => format!(
                "wrapped at {columns} columns{}",
                if crlf { " with CRLF line ends" } else { "" }
            ),
            Layout::OneLine => "on one line".to_owned(),
            Layout::Spaces => "with its line breaks turned into spaces".to_owned(),
            Layout::EscapedNewlines => "with its line breaks written as \\n".to_owned(),
        }
    }

    /// Whether whitespace was mangled in a way some consumers may not accept.
    #[must_use]
    pub const fn is_mangled(self) -> bool {
        matches!(self, Layout::Spaces | Layout::EscapedNewlines)
    }
}

/// One armoured block (`-----BEGIN LABEL-----` … `-----END LABEL-----`).
pub struct PemBlock {
    pub label: String,
    /// RFC 1421 headers (`Proc-Type`, `DEK-Info`), in order.
    pub headers: Vec<(String, String)>,
    pub der: Zeroizing<Vec<u8>>,
}

impl PemBlock {
    /// A header's value by case-insensitive name.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What a value held once its text layers are removed.
pub enum Content {
    Pem(Vec<PemBlock>),
    Der(Zeroizing<Vec<u8>>),
}

/// A value with its text layers removed.
pub struct Unwrapped {
    pub encoding: Encoding,
    pub layout: Layout,
    pub content: Content,
}

/// Why a value could not be unwrapped. Messages never quote the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    Empty,
    TooLarge,
    /// Neither PEM nor valid base64.
    NotBase64,
    /// Base64 that decodes to neither a PEM file nor DER.
    NotPemOrDer,
    /// PEM armour that is broken (no END line, bad base64 body).
    BadPem,
}

impl DecodeError {
    /// Stable reason code.
    #[must_use]
    pub const fn reason(self) -> &'static str {
        match self {
            DecodeError::Empty => "empty-value",
            DecodeError::TooLarge => "value-too-large",
            DecodeError::NotBase64 => "not-base64",
            DecodeError::NotPemOrDer => "not-pem-or-der",
            DecodeError::BadPem => "malformed-pem",
        }
    }

    /// What went wrong, for a message that goes on to say what to do.
    #[must_use]
    pub const fn describe(self) -> &'static str {
        match self {
            DecodeError::Empty => "is empty",
            DecodeError::TooLarge => "is larger than 1 MiB",
            DecodeError::NotBase64 => "is neither PEM nor valid base64",
            DecodeError::NotPemOrDer => "is base64 but decodes to neither a PEM file nor DER",
            DecodeError::BadPem => "holds broken PEM armour (missing END line or bad body)",
        }
    }
}

/// Peels the text layers of an option value.
pub fn unwrap_value(value: &str) -> Result<Unwrapped, DecodeError> {
    if value.len() > MAX_VALUE_LEN {
        return Err(DecodeError::TooLarge);
    }
    let value = value.trim_start_matches('\u{feff}').trim();
    if value.is_empty() {
        return Err(DecodeError::Empty);
    }
    let layout = layout_of(value);
    let text: Zeroizing<String> = Zeroizing::new(if layout == Layout::EscapedNewlines {
        value.replace("\\r\\n", "\n").replace("\\n", "\n")
    } else {
        value.to_owned()
    });
    if text.contains("-----BEGIN ") {
        let blocks = parse_pem(&text)?;
        return Ok(Unwrapped {
            encoding: Encoding::Pem,
            layout,
            content: Content::Pem(blocks),
        });
    }
    let bytes = decode_base64(&text).ok_or(DecodeError::NotBase64)?;
    if let Some(inner) = pem_text(&bytes) {
        let blocks = parse_pem(inner)?;
        return Ok(Unwrapped {
            encoding: Encoding::Base64OfPem,
            layout,
            content: Content::Pem(blocks),
        });
    }
    if bytes.first() == Some(&0x30) {
        return Ok(Unwrapped {
            encoding: Encoding::Base64OfDer,
            layout,
            content: Content::Der(bytes),
        });
    }
    Err(DecodeError::NotPemOrDer)
}

/// The layout of the outermost text (already trimmed).
fn layout_of(value: &str) -> Layout {
    if value.contains("\\n") {
        return Layout::EscapedNewlines;
    }
    if value.contains('\n') {
        let crlf = value.contains("\r\n");
        // The wrap width is the first line that is not PEM armour or a header.
        let columns = value
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .find(|l| !l.starts_with("-----") && !l.contains(':') && !l.is_empty())
            .map_or(0, str::len);
        return Layout::Wrapped { columns, crlf };
    }
    let body = value
        .rsplit("-----")
        .find(|s| !s.trim().is_empty() && !s.starts_with("BEGIN ") && !s.starts_with("END "));
    // PEM labels hold spaces; only the body's whitespace tells.
    let probe = if value.starts_with("-----") {
        body.unwrap_or(value)
    } else {
        value
    };
    if probe.trim().contains([' ', '\t']) {
        Layout::Spaces
    } else {
        Layout::OneLine
    }
}

/// Decodes base64 ignoring whitespace; `None` when any other character is
/// outside the alphabet or the length is impossible.
pub fn decode_base64(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    let mut compact = Zeroizing::new(String::with_capacity(text.len()));
    for c in text.chars() {
        match c {
            ' ' | '\t' | '\r' | '\n' => {}
            'A'..='Z' | 'a'..='z' | '0'..='9' | '+' | '/' | '=' => compact.push(c),
            _ => return None,
        }
    }
    if compact.is_empty() {
        return None;
    }
    LENIENT.decode(compact.as_bytes()).ok().map(Zeroizing::new)
}

/// The decoded bytes as PEM text, when they are one (a BOM is tolerated).
fn pem_text(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.trim_start_matches('\u{feff}');
    text.contains("-----BEGIN ").then_some(text)
}

/// Parses every armoured block, whatever became of the line breaks: the body
/// is split on whitespace, `Name:` tokens with the token after them are
/// headers, and the rest is base64.
pub fn parse_pem(text: &str) -> Result<Vec<PemBlock>, DecodeError> {
    let mut blocks = Vec::new();
    let mut rest = text;
    // Each iteration consumes at least one BEGIN marker: bounded by the input length.
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + "-----BEGIN ".len()..];
        let label_end = after.find("-----").ok_or(DecodeError::BadPem)?;
        let label = after[..label_end].trim().to_owned();
        let body_and_rest = &after[label_end + "-----".len()..];
        let end_marker = format!("-----END {label}-----");
        let body_end = body_and_rest.find(&end_marker).ok_or(DecodeError::BadPem)?;
        let body = &body_and_rest[..body_end];
        blocks.push(parse_body(label, body)?);
        rest = &body_and_rest[body_end + end_marker.len()..];
    }
    if blocks.is_empty() {
        return Err(DecodeError::BadPem);
    }
    Ok(blocks)
}

fn parse_body(label: String, body: &str) -> Result<PemBlock, DecodeError> {
    let mut headers = Vec::new();
    let mut b64 = Zeroizing::new(String::with_capacity(body.len()));
    let mut tokens = body.split_whitespace();
    while let Some(token) = tokens.next() {
        if let Some(name) = token.strip_suffix(':') {
            let value = tokens.next().ok_or(DecodeError::BadPem)?;
            headers.push((name.to_owned(), value.to_owned()));
        } else if let Some((name, value)) = token.split_once(':') {
            // `Name:value` without the space.
            headers.push((name.to_owned(), value.to_owned()));
        } else {
            b64.push_str(token);
        }
    }
    let der = decode_base64(&b64).ok_or(DecodeError::BadPem)?;
    Ok(PemBlock {
        label,
        headers,
        der,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT_PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIB\nAAAA\n-----END CERTIFICATE-----\n";

    #[test]
    fn raw_pem_with_spaces_for_newlines() {
        let v = CERT_PEM.replace('\n', " ");
        let u = unwrap_value(&v).unwrap();
        assert_eq!(u.encoding, Encoding::Pem);
        assert_eq!(u.layout, Layout::Spaces);
        let Content::Pem(blocks) = u.content else {
            panic!("expected PEM")
        };
        assert_eq!(blocks[0].label, "CERTIFICATE");
        assert_eq!(&blocks[0].der[..], &[0x30, 0x82, 0x01, 0, 0, 0]);
    }

    #[test]
    fn legacy_headers_survive_lost_newlines() {
        let v = "-----BEGIN RSA PRIVATE KEY-----Proc-Type: 4,ENCRYPTED DEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF MIIB AAAA-----END RSA PRIVATE KEY-----";
        let u = unwrap_value(v).unwrap();
        let Content::Pem(blocks) = u.content else {
            panic!("expected PEM")
        };
        assert_eq!(blocks[0].header("proc-type"), Some("4,ENCRYPTED"));
        assert_eq!(
            blocks[0].header("DEK-Info"),
            Some("AES-256-CBC,00112233445566778899AABBCCDDEEFF")
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert_eq!(unwrap_value("").err(), Some(DecodeError::Empty));
        assert_eq!(
            unwrap_value("not base64!").err(),
            Some(DecodeError::NotBase64)
        );
        assert_eq!(
            unwrap_value("aGVsbG8=").err(),
            Some(DecodeError::NotPemOrDer)
        );
        assert_eq!(
            unwrap_value("-----BEGIN CERTIFICATE----- MIIB").err(),
            Some(DecodeError::BadPem)
        );
        assert_eq!(
            unwrap_value(&"A".repeat(MAX_VALUE_LEN + 1)).err(),
            Some(DecodeError::TooLarge)
        );
        // Escaped newlines are recognised and undone.
        let u = unwrap_value(&CERT_PEM.replace('\n', "\\n")).unwrap();
        assert_eq!(u.layout, Layout::EscapedNewlines);
    }
}

//! Reading text files the way Windows admin tools write them.
//!
//! Exports come from Windows hosts: UTF-8 with or without a BOM, UTF-16 with
//! a BOM (what Windows PowerShell 5's `>` writes), CRLF line ends. Everything
//! is decoded to a `String` with `\n` line ends, or refused with a reason.

use crate::error::InputError;
use std::path::Path;

/// Largest input file accepted, so a wrong path cannot exhaust memory.
pub const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// Reads and decodes one text input file.
pub fn read_text(path: &Path) -> Result<String, InputError> {
    let meta = std::fs::metadata(path).map_err(|e| io_error(path, &e))?;
    if meta.is_dir() {
        return Err(InputError::new(path, "is a directory, expected a file"));
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(InputError::new(
            path,
            format!(
                "file is too large ({} bytes; the limit is {} bytes)",
                meta.len(),
                MAX_INPUT_BYTES
            ),
        ));
    }
    // The size above can lie (a device, a pipe, a file still growing): the
    // read itself is capped too, so memory never follows the input's size.
    let file = std::fs::File::open(path).map_err(|e| io_error(path, &e))?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, MAX_INPUT_BYTES + 1),
        &mut bytes,
    )
    .map_err(|e| io_error(path, &e))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(InputError::new(
            path,
            format!("file is larger than the limit of {MAX_INPUT_BYTES} bytes"),
        ));
    }
    decode(path, &bytes)
}

/// A short phrase for an I/O error, without the OS error number noise.
pub fn io_error(path: &Path, e: &std::io::Error) -> InputError {
    let what = match e.kind() {
        std::io::ErrorKind::NotFound => "file not found".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => format!("cannot read: {e}"),
    };
    InputError::new(path, what)
}

/// Decodes bytes to text with `\n` line ends.
pub fn decode(path: &Path, bytes: &[u8]) -> Result<String, InputError> {
    let text = if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        utf8(path, rest)?
    } else if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        utf16(path, rest, u16::from_le_bytes)?
    } else if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        utf16(path, rest, u16::from_be_bytes)?
    } else {
        if looks_like_utf16_without_bom(bytes) {
            return Err(
                InputError::new(path, "looks like UTF-16 text without a byte-order mark")
                    .hint("save the file as UTF-8 (or UTF-16 with a BOM)"),
            );
        }
        utf8(path, bytes)?
    };
    if text.contains('\0') {
        return Err(InputError::new(
            path,
            "contains NUL bytes: binary data, not a text export",
        ));
    }
    Ok(if text.contains('\r') {
        text.replace("\r\n", "\n")
    } else {
        text
    })
}

fn utf8(path: &Path, bytes: &[u8]) -> Result<String, InputError> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_owned()),
        Err(e) => {
            let (line, column) = line_col(&bytes[..e.valid_up_to()]);
            Err(InputError::new(path, "invalid UTF-8").at(line, column))
        }
    }
}

fn utf16(path: &Path, bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, InputError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(InputError::new(
            path,
            "truncated UTF-16 text (odd number of bytes)",
        ));
    }
    let units = bytes.chunks_exact(2).map(|c| unit([c[0], c[1]]));
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .map_err(|_| InputError::new(path, "invalid UTF-16 text (unpaired surrogate)"))
}

fn looks_like_utf16_without_bom(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(512)];
    if sample.len() < 4 {
        return false;
    }
    let zeros_odd = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|b| **b == 0)
        .count();
    let zeros_even = sample.iter().step_by(2).filter(|b| **b == 0).count();
    let half = sample.len() / 2;
    zeros_odd * 10 > half * 8 || zeros_even * 10 > half * 8
}

/// 1-based line and column (in characters) at the end of `prefix`.
pub fn line_col(prefix: &[u8]) -> (u64, u64) {
    let text = String::from_utf8_lossy(prefix);
    let line = text.matches('\n').count() as u64 + 1;
    let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_file_is_refused_at_the_cap() {
        // /dev/zero reports size 0 and never ends: the read cap stops it.
        let e = read_text(Path::new("/dev/zero")).unwrap_err();
        assert!(e.to_string().contains("larger than the limit"), "{e}");
    }

    fn d(bytes: &[u8]) -> Result<String, InputError> {
        decode(Path::new("x"), bytes)
    }

    #[test]
    fn strips_utf8_bom_and_crlf() {
        assert_eq!(d(b"\xEF\xBB\xBF[a]\r\nk=v\r\n").unwrap(), "[a]\nk=v\n");
    }

    #[test]
    fn decodes_utf16le_with_bom() {
        let mut b = vec![0xFF, 0xFE];
        for u in "{\"a\":1}\r\n".encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(d(&b).unwrap(), "{\"a\":1}\n");
    }

    #[test]
    fn refuses_utf16_without_bom() {
        let mut b = vec![];
        for u in "{\"transactions\": []}".encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        let e = d(&b).unwrap_err();
        assert!(e.message.contains("UTF-16"), "{e}");
    }

    #[test]
    fn invalid_utf8_has_position() {
        let e = d(b"ab\ncd\xFFef").unwrap_err();
        assert_eq!(e.to_string(), "x:2:3: invalid UTF-8");
    }
}

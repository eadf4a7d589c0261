//! OpenSSL's traditional encrypted PEM (`Proc-Type: 4,ENCRYPTED`,
//! `DEK-Info: AES-256-CBC,<iv>`), what OpenSSL 1.1's `openssl rsa -aes256`
//! writes. The key is `EVP_BytesToKey(MD5, 1 round, salt = IV[..8])`; weak by
//! design, but it is what the format is.

use aes::{Aes128, Aes192, Aes256};
use cbc::cipher::{BlockCipherDecrypt, BlockModeDecrypt, KeyInit, KeyIvInit, block_padding::Pkcs7};
use des::{Des, TdesEde3};
use md5::{Digest, Md5};
use zeroize::{Zeroize, Zeroizing};

/// A `DEK-Info` cipher we can decrypt.
#[allow(clippy::enum_variant_names)] // OpenSSL's names: every one is CBC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegacyCipher {
    Aes128Cbc,
    Aes192Cbc,
    Aes256Cbc,
    DesEde3Cbc,
    DesCbc,
}

impl LegacyCipher {
    /// Parses the `DEK-Info` algorithm name (case-insensitive).
    #[must_use]
    pub fn parse(name: &str) -> Option<LegacyCipher> {
        match name.to_ascii_uppercase().as_str() {
            "AES-128-CBC" => Some(LegacyCipher::Aes128Cbc),
            "AES-192-CBC" => Some(LegacyCipher::Aes192Cbc),
            "AES-256-CBC" => Some(LegacyCipher::Aes256Cbc),
            "DES-EDE3-CBC" => Some(LegacyCipher::DesEde3Cbc),
            "DES-CBC" => Some(LegacyCipher::DesCbc),
            _ => None,
        }
    }

    /// The name reports use (OpenSSL's lower-case cipher names).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            LegacyCipher::Aes128Cbc => "aes-128-cbc",
            LegacyCipher::Aes192Cbc => "aes-192-cbc",
            LegacyCipher::Aes256Cbc => "aes-256-cbc",
            LegacyCipher::DesEde3Cbc => "des-ede3-cbc",
            LegacyCipher::DesCbc => "des-cbc",
        }
    }

    const fn key_len(self) -> usize {
        match self {
            LegacyCipher::Aes128Cbc => 16,
            LegacyCipher::Aes192Cbc | LegacyCipher::DesEde3Cbc => 24,
            LegacyCipher::Aes256Cbc => 32,
            LegacyCipher::DesCbc => 8,
        }
    }

    /// Block (and IV) length.
    #[must_use]
    pub const fn iv_len(self) -> usize {
        match self {
            LegacyCipher::DesEde3Cbc | LegacyCipher::DesCbc => 8,
            _ => 16,
        }
    }
}

/// Parses `DEK-Info: <cipher>,<hex iv>`; `Err` carries the cipher name when it
/// is one we do not support (public data: it names an algorithm).
pub fn parse_dek_info(value: &str) -> Result<(LegacyCipher, Vec<u8>), Option<String>> {
    let (name, iv_hex) = value.split_once(',').ok_or(None)?;
    let cipher = LegacyCipher::parse(name.trim()).ok_or_else(|| Some(name.trim().to_owned()))?;
    let iv = hex::decode(iv_hex.trim()).map_err(|_| None)?;
    if iv.len() != cipher.iv_len() {
        return Err(None);
    }
    Ok((cipher, iv))
}

/// `EVP_BytesToKey` with MD5, one round, the IV's first 8 bytes as salt.
fn evp_bytes_to_key(password: &[u8], salt: &[u8], len: usize) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(len + 16));
    let mut prev = Zeroizing::new(Vec::new());
    // Each round adds 16 bytes; len ≤ 32 so at most two rounds.
    while out.len() < len {
        let mut h = Md5::new();
        h.update(&prev[..]);
        h.update(password);
        h.update(salt);
        let mut digest = h.finalize();
        prev.clear();
        prev.extend_from_slice(&digest);
        out.extend_from_slice(&digest);
        digest.as_mut_slice().zeroize();
    }
    out.truncate(len);
    out
}

/// Decrypts in place; returns the plaintext length, or `None` for a wrong
/// password or corrupt data (bad padding, bad lengths).
pub fn decrypt(cipher: LegacyCipher, iv: &[u8], password: &[u8], buf: &mut [u8]) -> Option<usize> {
    let key = evp_bytes_to_key(password, iv.get(..8)?, cipher.key_len());
    match cipher {
        LegacyCipher::Aes128Cbc => cbc_decrypt::<Aes128>(&key, iv, buf),
        LegacyCipher::Aes192Cbc => cbc_decrypt::<Aes192>(&key, iv, buf),
        LegacyCipher::Aes256Cbc => cbc_decrypt::<Aes256>(&key, iv, buf),
        LegacyCipher::DesEde3Cbc => cbc_decrypt::<TdesEde3>(&key, iv, buf),
        LegacyCipher::DesCbc => cbc_decrypt::<Des>(&key, iv, buf),
    }
}

fn cbc_decrypt<C: BlockCipherDecrypt + KeyInit>(
    key: &[u8],
    iv: &[u8],
    buf: &mut [u8],
) -> Option<usize> {
    let dec = cbc::Decryptor::<C>::new_from_slices(key, iv).ok()?;
    dec.decrypt_padded::<Pkcs7>(buf).ok().map(<[u8]>::len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dek_info_parsing() {
        let (c, iv) = parse_dek_info("AES-256-CBC,9C430B47DB79E6168745CFC229602BA3").unwrap();
        assert_eq!(c, LegacyCipher::Aes256Cbc);
        assert_eq!(iv.len(), 16);
        assert_eq!(
            parse_dek_info("CAMELLIA-256-CBC,00").err(),
            Some(Some("CAMELLIA-256-CBC".to_owned()))
        );
        assert_eq!(parse_dek_info("AES-256-CBC,0011").err(), Some(None));
        assert_eq!(parse_dek_info("AES-256-CBC").err(), Some(None));
    }

    #[test]
    fn bytes_to_key_matches_openssl() {
        // `openssl enc -aes-256-cbc -md md5 -pass pass:abcd -S 0001020304050607 -P`
        let key = evp_bytes_to_key(b"abcd", &[0, 1, 2, 3, 4, 5, 6, 7], 32);
        assert_eq!(key.len(), 32);
        let expected = std::process::Command::new("openssl")
            .args([
                "enc",
                "-aes-256-cbc",
                "-md",
                "md5",
                "-pass",
                "pass:abcd",
                "-S",
                "0001020304050607",
                "-P",
            ])
            .output()
            .unwrap();
        let text = String::from_utf8(expected.stdout).unwrap();
        let line = text.lines().find(|l| l.starts_with("key=")).unwrap();
        assert_eq!(hex::encode_upper(&key[..]), line["key=".len()..].trim());
    }
}

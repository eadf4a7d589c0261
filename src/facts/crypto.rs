//! SAML certificate and encrypted private key: decoding, decryption and
//! matching (rules CRT001–CRT008). Being written; see issue 3.

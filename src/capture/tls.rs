//! TLS handshake records seen on the wire (`tls-parser`): the ClientHello's
//! server name, the ServerHello's version, and alerts before it.
//!
//! Each direction of a connection is reassembled in sequence order into a
//! small buffer (at most [`MAX_HELLO_BYTES`]) only until its hello is read, so
//! a multi-segment ClientHello (post-quantum key shares exceed one Ethernet
//! segment) is still understood while memory per connection stays bounded.

use tls_parser::{
    TlsExtension, TlsMessage, TlsMessageHandshake, parse_tls_client_hello_extensions,
    parse_tls_plaintext, parse_tls_server_hello_extensions,
};

/// Bytes buffered per direction while waiting for a complete hello.
pub(crate) const MAX_HELLO_BYTES: usize = 32 * 1024;

/// A handshake event read from one direction of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TlsEvent {
    ClientHello {
        sni: Option<String>,
    },
    /// A ServerHello (or HelloRetryRequest) with the negotiated version.
    ServerHello {
        version: u16,
    },
    Alert {
        level: u8,
        description: u8,
    },
}

/// One direction of a TCP connection, reassembled until its hello is read.
#[derive(Debug, Default)]
pub(crate) struct Stream {
    next_seq: Option<u32>,
    buf: Vec<u8>,
    /// No more parsing: the hello was read, the data is not TLS, or too big.
    pub done: bool,
}

impl Stream {
    /// The sequence number of the first payload byte (SYN's seq + 1).
    pub fn start_at(&mut self, seq: u32) {
        self.next_seq.get_or_insert(seq);
    }

    /// Takes one segment; appends the part that continues the stream and
    /// returns the events it completes.
    pub fn push(&mut self, seq: u32, data: &[u8], events: &mut Vec<TlsEvent>) {
        if self.done || data.is_empty() {
            return;
        }
        let next = *self.next_seq.get_or_insert(seq);
        // Signed distance on the 32-bit sequence circle.
        let ahead = seq.wrapping_sub(next) as i32;
        if ahead > 0 {
            return; // a gap (lost or reordered segment): wait for a retransmission
        }
        let skip = ahead.unsigned_abs() as usize;
        let Some(fresh) = data.get(skip..) else {
            return;
        };
        if fresh.is_empty() {
            return;
        }
        self.next_seq = Some(next.wrapping_add(fresh.len() as u32));
        if self.buf.len() + fresh.len() > MAX_HELLO_BYTES {
            self.finish();
            return;
        }
        self.buf.extend_from_slice(fresh);
        self.parse(events);
    }

    fn finish(&mut self) {
        self.done = true;
        self.buf = Vec::new();
    }

    fn parse(&mut self, events: &mut Vec<TlsEvent>) {
        // A TLS record starts with a content type 20–24 and major version 3;
        // anything else (plain HTTP, SSH…) is not worth buffering.
        if self.buf.first().is_some_and(|t| !(20..=24).contains(t))
            || self.buf.get(1).is_some_and(|v| *v != 3)
        {
            self.finish();
            return;
        }
        let mut used = 0;
        while !self.done && used < self.buf.len() {
            match parse_tls_plaintext(&self.buf[used..]) {
                Ok((rest, record)) => {
                    used = self.buf.len() - rest.len();
                    // Encrypted records end what can be read in the clear.
                    if record.hdr.record_type == tls_parser::TlsRecordType::ApplicationData {
                        self.done = true;
                    }
                    for msg in &record.msg {
                        if let Some(e) = event(msg) {
                            // A ServerHello or a fatal alert settles the handshake; after a
                            // ClientHello the client may still abort with an alert.
                            if matches!(
                                e,
                                TlsEvent::ServerHello { .. } | TlsEvent::Alert { level: 2.., .. }
                            ) {
                                self.done = true;
                            }
                            events.push(e);
                        }
                    }
                }
                Err(tls_parser::nom::Err::Incomplete(_)) => break,
                Err(_) => self.done = true,
            }
        }
        if self.done {
            self.finish();
        } else {
            self.buf.drain(..used);
        }
    }
}

fn event(msg: &TlsMessage<'_>) -> Option<TlsEvent> {
    match msg {
        TlsMessage::Handshake(TlsMessageHandshake::ClientHello(ch)) => {
            let sni = ch.ext.and_then(|ext| {
                let (_, exts) = parse_tls_client_hello_extensions(ext).ok()?;
                exts.iter().find_map(|e| match e {
                    TlsExtension::SNI(names) => names
                        .iter()
                        .find(|(t, _)| t.0 == 0)
                        .and_then(|(_, n)| clean_name(n)),
                    _ => None,
                })
            });
            Some(TlsEvent::ClientHello { sni })
        }
        TlsMessage::Handshake(TlsMessageHandshake::ServerHello(sh)) => {
            let negotiated = sh.ext.and_then(|ext| {
                let (_, exts) = parse_tls_server_hello_extensions(ext).ok()?;
                exts.iter().find_map(|e| match e {
                    TlsExtension::SupportedVersions(v) => v.first().map(|v| v.0),
                    _ => None,
                })
            });
            Some(TlsEvent::ServerHello {
                version: negotiated.unwrap_or(sh.version.0),
            })
        }
        TlsMessage::Handshake(TlsMessageHandshake::HelloRetryRequest(h)) => {
            Some(TlsEvent::ServerHello {
                version: h.version.0,
            })
        }
        TlsMessage::Alert(a) => Some(TlsEvent::Alert {
            level: a.severity.0,
            description: a.code.0,
        }),
        _ => None,
    }
}

/// A server name as reports may show it: printable DNS characters only,
/// lowercase, no trailing dot; anything else is dropped as not a name.
fn clean_name(raw: &[u8]) -> Option<String> {
    let ok = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'*');
    if raw.is_empty() || raw.len() > 253 || !raw.iter().all(ok) {
        return None;
    }
    let s = String::from_utf8_lossy(raw).to_ascii_lowercase();
    Some(s.trim_end_matches('.').to_owned())
}

/// `TLS 1.2`, `TLS 1.3`… for a protocol version number.
#[must_use]
pub fn version_name(v: u16) -> String {
    match v {
        0x0300 => "SSL 3.0".to_owned(),
        0x0301 => "TLS 1.0".to_owned(),
        0x0302 => "TLS 1.1".to_owned(),
        0x0303 => "TLS 1.2".to_owned(),
        0x0304 => "TLS 1.3".to_owned(),
        other => format!("0x{other:04x}"),
    }
}

/// The kebab-case name of a TLS alert (`handshake-failure`, `protocol-version`).
#[must_use]
pub fn alert_name(description: u8) -> String {
    let camel = tls_parser::TlsAlertDescription(description).to_string();
    if camel.chars().all(|c| c.is_ascii_alphanumeric())
        && !camel.starts_with(|c: char| c.is_ascii_digit())
    {
        let mut out = String::new();
        for (i, c) in camel.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        }
        out
    } else {
        format!("alert-{description}")
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A TLS 1.2-style ClientHello record carrying `sni` (test helper).
    pub(crate) fn client_hello(sni: &str) -> Vec<u8> {
        let name = sni.as_bytes();
        let mut sni_ext = Vec::new();
        let list_len = name.len() + 3;
        sni_ext.extend_from_slice(&[0, 0]); // extension type server_name
        sni_ext.extend_from_slice(&((list_len + 2) as u16).to_be_bytes());
        sni_ext.extend_from_slice(&(list_len as u16).to_be_bytes());
        sni_ext.push(0);
        sni_ext.extend_from_slice(&(name.len() as u16).to_be_bytes());
        sni_ext.extend_from_slice(name);
        let mut body = vec![3, 3];
        body.extend_from_slice(&[7; 32]); // random
        body.push(0); // session id
        body.extend_from_slice(&[0, 2, 0x13, 0x01]); // one cipher suite
        body.extend_from_slice(&[1, 0]); // null compression
        body.extend_from_slice(&(sni_ext.len() as u16).to_be_bytes());
        body.extend_from_slice(&sni_ext);
        handshake_record(1, &body)
    }

    /// A ServerHello record (TLS 1.2, no extensions).
    pub(crate) fn server_hello() -> Vec<u8> {
        let mut body = vec![3, 3];
        body.extend_from_slice(&[9; 32]);
        body.push(0);
        body.extend_from_slice(&[0x13, 0x01, 0]);
        handshake_record(2, &body)
    }

    pub(crate) fn alert(description: u8) -> Vec<u8> {
        vec![21, 3, 3, 0, 2, 2, description]
    }

    fn handshake_record(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut hs = vec![kind];
        hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        hs.extend_from_slice(body);
        let mut rec = vec![22, 3, 1];
        rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
        rec.extend_from_slice(&hs);
        rec
    }

    #[test]
    fn client_hello_split_across_segments() {
        let ch = client_hello("Login.MyPureCloud.IE");
        let mut s = Stream::default();
        let mut ev = Vec::new();
        s.push(1000, &ch[..30], &mut ev);
        assert!(ev.is_empty());
        // A retransmission of the first part changes nothing.
        s.push(1000, &ch[..30], &mut ev);
        s.push(1030, &ch[30..], &mut ev);
        assert_eq!(
            ev,
            vec![TlsEvent::ClientHello {
                sni: Some("login.mypurecloud.ie".to_owned())
            }]
        );
        assert!(!s.done, "the client may still send an alert");
        s.push(1000 + ch.len() as u32, &alert(48), &mut ev);
        assert_eq!(
            ev[1],
            TlsEvent::Alert {
                level: 2,
                description: 48
            }
        );
        assert!(s.done);
    }

    #[test]
    fn server_hello_and_alerts() {
        let mut ev = Vec::new();
        let mut s = Stream::default();
        s.push(1, &server_hello(), &mut ev);
        assert_eq!(ev, vec![TlsEvent::ServerHello { version: 0x0303 }]);
        let mut ev = Vec::new();
        let mut s = Stream::default();
        s.push(1, &alert(70), &mut ev);
        assert_eq!(
            ev,
            vec![TlsEvent::Alert {
                level: 2,
                description: 70
            }]
        );
        assert_eq!(alert_name(70), "protocol-version");
        assert_eq!(alert_name(200), "alert-200");
    }

    #[test]
    fn plain_http_is_not_tls() {
        let mut ev = Vec::new();
        let mut s = Stream::default();
        s.push(1, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", &mut ev);
        assert!(ev.is_empty());
        assert!(s.done);
    }
}

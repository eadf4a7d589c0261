//! A minimal DNS message reader: the question name, the response code and
//! the A/AAAA/CNAME answers. Hand-rolled (40 lines of parsing) rather than a
//! full DNS stack because only these fields matter and every read is bounded:
//! names are at most 255 bytes and compression pointers may only point
//! backwards, so a hostile packet cannot loop.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What one DNS message says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DnsMessage {
    pub response: bool,
    /// Lowercase, without the trailing dot.
    pub question: String,
    pub rcode: u8,
    pub addresses: Vec<IpAddr>,
    pub cnames: Vec<String>,
}

/// Parses a DNS message (UDP payload); `None` when it is not one.
pub(crate) fn parse(msg: &[u8]) -> Option<DnsMessage> {
    let header = msg.get(..12)?;
    let flags = u16::from_be_bytes([header[2], header[3]]);
    let qd = u16::from_be_bytes([header[4], header[5]]);
    let an = u16::from_be_bytes([header[6], header[7]]);
    if qd != 1 {
        return None;
    }
    let (question, mut pos) = name(msg, 12)?;
    pos = pos.checked_add(4)?; // qtype, qclass
    if pos > msg.len() {
        return None;
    }
    let mut out = DnsMessage {
        response: flags & 0x8000 != 0,
        question,
        rcode: (flags & 0x000f) as u8,
        addresses: Vec::new(),
        cnames: Vec::new(),
    };
    for _ in 0..an.min(64) {
        let (_, after) = name(msg, pos)?;
        let fixed = msg.get(after..after + 10)?;
        let rtype = u16::from_be_bytes([fixed[0], fixed[1]]);
        let rdlen = usize::from(u16::from_be_bytes([fixed[8], fixed[9]]));
        let start = after + 10;
        let rdata = msg.get(start..start + rdlen)?;
        match (rtype, rdlen) {
            (1, 4) => out.addresses.push(IpAddr::V4(Ipv4Addr::new(
                rdata[0], rdata[1], rdata[2], rdata[3],
            ))),
            (28, 16) => {
                let a: [u8; 16] = rdata.try_into().ok()?;
                out.addresses.push(IpAddr::V6(Ipv6Addr::from(a)));
            }
            (5, _) => out.cnames.push(name(msg, start)?.0),
            _ => {}
        }
        pos = start + rdlen;
    }
    Some(out)
}

/// Reads a possibly compressed name at `pos`; returns it and the offset after it.
fn name(msg: &[u8], mut pos: usize) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut end = None;
    let mut limit = pos; // pointers must go strictly backwards
    loop {
        let len = *msg.get(pos)?;
        match len >> 6 {
            0b00 if len == 0 => {
                return Some((out, end.unwrap_or(pos + 1)));
            }
            0b00 => {
                let label = msg.get(pos + 1..pos + 1 + usize::from(len))?;
                if !out.is_empty() {
                    out.push('.');
                }
                out.extend(label.iter().map(|b| char::from(b.to_ascii_lowercase())));
                if out.len() > 255 {
                    return None;
                }
                pos += 1 + usize::from(len);
            }
            0b11 => {
                let target = usize::from(u16::from_be_bytes([len, *msg.get(pos + 1)?]) & 0x3fff);
                if target >= limit {
                    return None;
                }
                end.get_or_insert(pos + 2);
                limit = target;
                pos = target;
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds a response for `q` with the given A/AAAA answers (test helper).
    pub(crate) fn response(q: &str, rcode: u8, answers: &[IpAddr]) -> Vec<u8> {
        let mut m = vec![
            0x12,
            0x34,
            0x81,
            0x80 | rcode,
            0,
            1,
            0,
            answers.len() as u8,
            0,
            0,
            0,
            0,
        ];
        for l in q.split('.') {
            m.push(l.len() as u8);
            m.extend_from_slice(l.as_bytes());
        }
        m.extend_from_slice(&[0, 0, 1, 0, 1]);
        for a in answers {
            m.extend_from_slice(&[0xc0, 12]);
            match a {
                IpAddr::V4(v4) => {
                    m.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
                    m.extend_from_slice(&v4.octets());
                }
                IpAddr::V6(v6) => {
                    m.extend_from_slice(&[0, 28, 0, 1, 0, 0, 0, 60, 0, 16]);
                    m.extend_from_slice(&v6.octets());
                }
            }
        }
        m
    }

    #[test]
    fn answers_and_compression() {
        let addrs: Vec<IpAddr> = vec!["192.0.2.7".parse().unwrap(), "2001:db8::7".parse().unwrap()];
        let m = parse(&response("Login.Example.TEST", 0, &addrs)).unwrap();
        assert!(m.response);
        assert_eq!(m.question, "login.example.test");
        assert_eq!(m.addresses, addrs);
    }

    #[test]
    fn pointer_loops_and_garbage_are_rejected() {
        let mut m = response("a.test", 0, &["192.0.2.1".parse().unwrap()]);
        // Make the answer's name point at itself.
        let at = m.len() - 16;
        m[at] = 0xc0;
        m[at + 1] = at as u8;
        assert!(parse(&m).is_none());
        assert!(parse(&[0u8; 5]).is_none());
    }
}

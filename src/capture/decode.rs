//! Link layer → IP → TCP/UDP/ICMP, with `etherparse`'s lax slicer so packets
//! cut short by a snap length still yield their headers.

use super::read::LinkType;
use etherparse::{EtherType, LaxNetSlice, LaxSlicedPacket, TransportSlice};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The headers of one IP packet that the analysis needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decoded<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IPv4 TTL or IPv6 hop limit.
    pub ttl: u8,
    pub l4: L4<'a>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum L4<'a> {
    Tcp(Tcp<'a>),
    Udp {
        sport: u16,
        dport: u16,
        payload: &'a [u8],
    },
    Icmp(Icmp),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tcp<'a> {
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub syn: bool,
    pub ack: bool,
    pub rst: bool,
    pub fin: bool,
    pub payload: &'a [u8],
}

/// An ICMP or ICMPv6 error and the TCP/UDP packet it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Icmp {
    pub v6: bool,
    pub icmp_type: u8,
    pub code: u8,
    pub quoted: Option<Quoted>,
}

/// The start of the packet an ICMP error quotes (RFC 792: IP header + 8 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Quoted {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub protocol: u8,
    pub sport: u16,
    pub dport: u16,
}

/// Decodes one captured frame; `None` for anything that is not an
/// unfragmented (or first-fragment) IPv4/IPv6 TCP, UDP or ICMP packet.
pub(crate) fn decode(link: LinkType, data: &[u8]) -> Option<Decoded<'_>> {
    let sliced = match link {
        LinkType::Ethernet => LaxSlicedPacket::from_ethernet(data).ok()?,
        LinkType::LinuxSll => {
            // packet type(2) arphrd(2) addr len(2) addr(8) protocol(2)
            let proto = u16::from_be_bytes([*data.get(14)?, *data.get(15)?]);
            LaxSlicedPacket::from_ether_type(EtherType(proto), data.get(16..)?)
        }
        LinkType::LinuxSll2 => {
            // protocol(2) reserved(2) ifindex(4) arphrd(2) pkttype(1) addr len(1) addr(8)
            let proto = u16::from_be_bytes([*data.first()?, *data.get(1)?]);
            LaxSlicedPacket::from_ether_type(EtherType(proto), data.get(20..)?)
        }
        LinkType::RawIp => LaxSlicedPacket::from_ip(data).ok()?,
        LinkType::Null => LaxSlicedPacket::from_ip(data.get(4..)?).ok()?,
    };
    let (src, dst, ttl) = match sliced.net.as_ref()? {
        LaxNetSlice::Ipv4(v4) => {
            let h = v4.header();
            (
                IpAddr::V4(h.source_addr()),
                IpAddr::V4(h.destination_addr()),
                h.ttl(),
            )
        }
        LaxNetSlice::Ipv6(v6) => {
            let h = v6.header();
            (
                IpAddr::V6(h.source_addr()),
                IpAddr::V6(h.destination_addr()),
                h.hop_limit(),
            )
        }
        LaxNetSlice::Arp(_) => return None,
    };
    let l4 = match sliced.transport? {
        TransportSlice::Tcp(t) => L4::Tcp(Tcp {
            sport: t.source_port(),
            dport: t.destination_port(),
            seq: t.sequence_number(),
            syn: t.syn(),
            ack: t.ack(),
            rst: t.rst(),
            fin: t.fin(),
            payload: t.payload(),
        }),
        TransportSlice::Udp(u) => L4::Udp {
            sport: u.source_port(),
            dport: u.destination_port(),
            payload: u.payload(),
        },
        TransportSlice::Icmpv4(i) => L4::Icmp(Icmp {
            v6: false,
            icmp_type: i.type_u8(),
            code: i.code_u8(),
            // Destination unreachable (3) and time exceeded (11) quote the packet.
            quoted: matches!(i.type_u8(), 3 | 11)
                .then(|| quoted(i.payload()))
                .flatten(),
        }),
        TransportSlice::Icmpv6(i) => L4::Icmp(Icmp {
            v6: true,
            icmp_type: i.type_u8(),
            code: i.code_u8(),
            // Destination unreachable (1) and time exceeded (3); 4 unused bytes precede the quote.
            quoted: matches!(i.type_u8(), 1 | 3)
                .then(|| quoted(i.payload()))
                .flatten(),
        }),
        _ => return None,
    };
    Some(Decoded { src, dst, ttl, l4 })
}

/// Reads the quoted IP header and the ports after it.
fn quoted(b: &[u8]) -> Option<Quoted> {
    match b.first()? >> 4 {
        4 => {
            let ihl = usize::from(b[0] & 0x0f) * 4;
            if ihl < 20 {
                return None;
            }
            let ip = |o: usize| -> Option<IpAddr> {
                let a: [u8; 4] = b.get(o..o + 4)?.try_into().ok()?;
                Some(IpAddr::V4(Ipv4Addr::from(a)))
            };
            Some(Quoted {
                protocol: *b.get(9)?,
                src: ip(12)?,
                dst: ip(16)?,
                sport: u16::from_be_bytes(b.get(ihl..ihl + 2)?.try_into().ok()?),
                dport: u16::from_be_bytes(b.get(ihl + 2..ihl + 4)?.try_into().ok()?),
            })
        }
        6 => {
            let ip = |o: usize| -> Option<IpAddr> {
                let a: [u8; 16] = b.get(o..o + 16)?.try_into().ok()?;
                Some(IpAddr::V6(Ipv6Addr::from(a)))
            };
            Some(Quoted {
                protocol: *b.get(6)?,
                src: ip(8)?,
                dst: ip(24)?,
                sport: u16::from_be_bytes(b.get(40..42)?.try_into().ok()?),
                dport: u16::from_be_bytes(b.get(42..44)?.try_into().ok()?),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::PacketBuilder;

    fn tcp_syn_v4() -> Vec<u8> {
        let b = PacketBuilder::ethernet2([1; 6], [2; 6])
            .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 61)
            .tcp(40000, 443, 7, 64240)
            .syn();
        let mut out = Vec::new();
        b.write(&mut out, &[]).unwrap();
        out
    }

    #[test]
    fn ethernet_tcp_syn() {
        let p = tcp_syn_v4();
        let d = decode(LinkType::Ethernet, &p).unwrap();
        assert_eq!(d.src, "10.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(d.ttl, 61);
        let L4::Tcp(t) = d.l4 else { panic!("not tcp") };
        assert!(t.syn && !t.ack && !t.rst);
        assert_eq!((t.sport, t.dport, t.seq), (40000, 443, 7));
    }

    #[test]
    fn cooked_and_raw_headers() {
        let eth = tcp_syn_v4();
        let ip = &eth[14..];
        let mut sll = vec![0, 4, 0, 1, 0, 6, 1, 1, 1, 1, 1, 1, 0, 0, 0x08, 0x00];
        sll.extend_from_slice(ip);
        let mut sll2 = vec![
            0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 4, 6, 1, 1, 1, 1, 1, 1, 0, 0,
        ];
        sll2.extend_from_slice(ip);
        let mut null = vec![2, 0, 0, 0];
        null.extend_from_slice(ip);
        for (link, bytes) in [
            (LinkType::LinuxSll, &sll),
            (LinkType::LinuxSll2, &sll2),
            (LinkType::Null, &null),
        ] {
            assert_eq!(decode(link, bytes).map(|d| d.ttl), Some(61), "{link}");
        }
        assert_eq!(decode(LinkType::RawIp, ip).map(|d| d.ttl), Some(61));
        assert!(decode(LinkType::LinuxSll2, &sll2[..19]).is_none());
    }

    #[test]
    fn icmp_admin_prohibited_quotes_the_syn() {
        let syn = tcp_syn_v4();
        let quote = &syn[14..14 + 28];
        let b = PacketBuilder::ipv4([10, 0, 9, 1], [10, 0, 0, 1], 64).icmpv4(
            etherparse::Icmpv4Type::DestinationUnreachable(
                etherparse::icmpv4::DestUnreachableHeader::FilterProhibited,
            ),
        );
        let mut out = Vec::new();
        b.write(&mut out, quote).unwrap();
        let d = decode(LinkType::RawIp, &out).unwrap();
        let L4::Icmp(i) = d.l4 else {
            panic!("not icmp")
        };
        assert_eq!((i.icmp_type, i.code), (3, 13));
        let q = i.quoted.unwrap();
        assert_eq!(
            (q.dst, q.dport, q.protocol),
            ("10.0.0.2".parse().unwrap(), 443, 6)
        );
    }
}

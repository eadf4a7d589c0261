//! Scenario tests: packets built with etherparse, written as pcap, read back
//! and judged.

use super::*;
use crate::result::Status;
use etherparse::PacketBuilder;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

const CLIENT: [u8; 4] = [10, 1, 0, 5];
const SERVER: [u8; 4] = [192, 0, 2, 10];
const ROUTER: [u8; 4] = [10, 1, 0, 1];
const RESOLVER: [u8; 4] = [10, 1, 0, 53];

/// Builds a packet list with a running clock (milliseconds).
#[derive(Default)]
struct Wire {
    packets: Vec<CapturedPacket>,
}

impl Wire {
    fn push(&mut self, at_ms: u64, data: Vec<u8>) {
        let len = data.len() as u32;
        self.packets.push(CapturedPacket {
            ts: Duration::from_millis(1_700_000_000_000 + at_ms),
            data,
            orig_len: len,
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn tcp(
        &mut self,
        at: u64,
        from: [u8; 4],
        to: [u8; 4],
        ttl: u8,
        sport: u16,
        dport: u16,
        seq: u32,
        flags: &str,
        payload: &[u8],
    ) {
        let mut b = PacketBuilder::ethernet2([1; 6], [2; 6])
            .ipv4(from, to, ttl)
            .tcp(sport, dport, seq, 64000);
        if flags.contains('S') {
            b = b.syn();
        }
        if flags.contains('A') {
            b = b.ack(1);
        }
        if flags.contains('R') {
            b = b.rst();
        }
        if flags.contains('F') {
            b = b.fin();
        }
        let mut out = Vec::new();
        b.write(&mut out, payload).unwrap();
        self.push(at, out);
    }

    fn dns_answer(&mut self, at: u64, name: &str, rcode: u8, answers: &[IpAddr]) {
        let q = super::dns::tests::response(name, 0, &[]);
        let mut query = q.clone();
        query[2] = 0x01;
        query[3] = 0x00;
        let b = PacketBuilder::ethernet2([1; 6], [2; 6])
            .ipv4(CLIENT, RESOLVER, 64)
            .udp(5353, 53);
        let mut out = Vec::new();
        b.write(&mut out, &query).unwrap();
        self.push(at, out);
        let b = PacketBuilder::ethernet2([2; 6], [1; 6])
            .ipv4(RESOLVER, CLIENT, 64)
            .udp(53, 5353);
        let mut out = Vec::new();
        b.write(&mut out, &super::dns::tests::response(name, rcode, answers))
            .unwrap();
        self.push(at + 1, out);
    }

    fn icmp_unreachable(&mut self, at: u64, from: [u8; 4], code: u8, quoted_syn: &[u8]) {
        use etherparse::icmpv4::DestUnreachableHeader as D;
        let h = match code {
            13 => D::FilterProhibited,
            1 => D::Host,
            3 => D::Port,
            _ => D::Network,
        };
        let b = PacketBuilder::ethernet2([2; 6], [1; 6])
            .ipv4(from, CLIENT, 64)
            .icmpv4(etherparse::Icmpv4Type::DestinationUnreachable(h));
        let mut out = Vec::new();
        b.write(&mut out, quoted_syn).unwrap();
        self.push(at, out);
    }

    /// Round-trips through the pcap writer and the streaming reader.
    fn analyse(&self, targets: &[Target]) -> CaptureAnalysis {
        let mut file = Vec::new();
        write_pcap_to(&mut file, LinkType::Ethernet, &self.packets).unwrap();
        analyse_reader(&file[..], targets).unwrap()
    }
}

fn ip(a: [u8; 4]) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(a))
}

fn target(host: &str, port: u16) -> Target {
    Target {
        host: host.to_owned(),
        port,
    }
}

/// DNS answer, then SYN / SYN-ACK / ACK and a TLS exchange for `sni`.
fn good_connection(w: &mut Wire, at: u64, sport: u16, sni: &str) {
    w.tcp(at, CLIENT, SERVER, 64, sport, 443, 100, "S", &[]);
    w.tcp(at + 20, SERVER, CLIENT, 57, 443, sport, 500, "SA", &[]);
    w.tcp(at + 21, CLIENT, SERVER, 64, sport, 443, 101, "A", &[]);
    let ch = super::tls::tests::client_hello(sni);
    w.tcp(at + 22, CLIENT, SERVER, 64, sport, 443, 101, "A", &ch);
    w.tcp(
        at + 42,
        SERVER,
        CLIENT,
        57,
        443,
        sport,
        501,
        "A",
        &super::tls::tests::server_hello(),
    );
}

#[test]
fn handshake_completed_passes_and_learns_the_address_from_dns() {
    let mut w = Wire::default();
    w.dns_answer(0, "login.mypurecloud.ie", 0, &[ip(SERVER)]);
    good_connection(&mut w, 10, 40001, "login.mypurecloud.ie");
    let a = w.analyse(&[target("Login.MyPureCloud.ie.", 443)]);
    assert_eq!(
        (a.link_type.as_str(), a.format.as_str(), a.packets),
        ("ethernet", "pcap", 7)
    );
    let t = &a.per_target[0];
    assert_eq!(t.verdict, Verdict::HandshakeCompleted);
    assert_eq!(t.dns.answers, vec![ip(SERVER)]);
    assert_eq!(t.addresses[0].learned_from, vec!["dns", "sni"]);
    assert_eq!(
        (
            t.addresses[0].syns,
            t.addresses[0].synacks,
            t.addresses[0].server_hellos
        ),
        (1, 1, 1)
    );
    assert_eq!(t.addresses[0].tls_versions, vec!["TLS 1.2"]);
    assert_eq!(t.addresses[0].path_rtt_ms, Some(20.0));
    let o = net008(t);
    assert_eq!(o.status, Status::Pass, "{}", o.message);
    assert_eq!(o.evidence["verdict"], "handshake-completed");
}

#[test]
fn without_targets_every_sni_becomes_one() {
    let mut w = Wire::default();
    good_connection(&mut w, 0, 40001, "api.mypurecloud.ie");
    good_connection(&mut w, 100, 40002, "login.mypurecloud.ie");
    let a = w.analyse(&[]);
    let names: Vec<String> = a
        .per_target
        .iter()
        .map(|t| format!("{}:{}", t.host, t.port))
        .collect();
    assert_eq!(
        names,
        ["api.mypurecloud.ie:443", "login.mypurecloud.ie:443"]
    );
    assert!(
        a.per_target
            .iter()
            .all(|t| t.verdict == Verdict::HandshakeCompleted)
    );
}

#[test]
fn silent_drop_is_no_response() {
    let mut w = Wire::default();
    w.dns_answer(0, "api.example.test", 0, &[ip(SERVER)]);
    for i in 0..3 {
        w.tcp(10 + i * 1000, CLIENT, SERVER, 64, 40001, 443, 100, "S", &[]);
    }
    let t = &w.analyse(&[target("api.example.test", 443)]).per_target[0];
    assert_eq!(t.verdict, Verdict::NoResponse);
    assert_eq!(
        (t.addresses[0].syns, t.addresses[0].connection_attempts),
        (3, 1)
    );
    let o = net008(t);
    assert_eq!(
        (o.status, o.reason.as_deref()),
        (Status::Fail, Some("no-response"))
    );
    assert!(
        o.message.contains("3 SYN(s) to 192.0.2.10:443"),
        "{}",
        o.message
    );
}

#[test]
fn reset_with_the_paths_ttl_is_conn_refused_and_a_different_ttl_is_forged() {
    // The path's SYN-ACKs (port 443) come with TTL 57.
    let mut w = Wire::default();
    good_connection(&mut w, 0, 40001, "x.test");
    w.tcp(100, CLIENT, SERVER, 64, 40002, 8443, 100, "S", &[]);
    w.tcp(120, SERVER, CLIENT, 57, 8443, 40002, 0, "RA", &[]);
    let t = &w.analyse(&[target("192.0.2.10", 8443)]).per_target[0];
    assert_eq!(t.verdict, Verdict::ConnRefused);
    assert_eq!(net008(t).reason.as_deref(), Some("conn-refused"));

    let mut w = Wire::default();
    good_connection(&mut w, 0, 40001, "x.test");
    w.tcp(100, CLIENT, SERVER, 64, 40002, 8443, 100, "S", &[]);
    w.tcp(120, SERVER, CLIENT, 63, 8443, 40002, 0, "RA", &[]);
    let t = &w.analyse(&[target("192.0.2.10", 8443)]).per_target[0];
    assert_eq!(t.verdict, Verdict::ForgedReset);
    let f = t.addresses[0].forged_reset.as_ref().unwrap();
    assert_eq!(
        (f.reset_ttl, f.path_synack_ttls.as_slice(), f.evidence),
        (63, &[57][..], "ttl-mismatch")
    );
    let o = net008(t);
    assert_eq!(o.reason.as_deref(), Some("forged-reset"));
    assert!(
        o.message.contains("TTL 63") && o.message.contains("TTL 57"),
        "{}",
        o.message
    );
}

#[test]
fn reset_faster_than_the_path_is_forged() {
    let mut w = Wire::default();
    good_connection(&mut w, 0, 40001, "x.test"); // 20 ms round trip
    w.tcp(100, CLIENT, SERVER, 64, 40002, 8443, 100, "S", &[]);
    w.tcp(101, SERVER, CLIENT, 57, 8443, 40002, 0, "RA", &[]); // 1 ms later, same TTL
    let t = &w.analyse(&[target("192.0.2.10", 8443)]).per_target[0];
    assert_eq!(t.verdict, Verdict::ForgedReset, "{t:#?}");
    assert_eq!(
        t.addresses[0].forged_reset.as_ref().unwrap().evidence,
        "faster-than-path"
    );
}

#[test]
fn reset_after_client_hello_with_another_ttl_is_sni_filtering() {
    let mut w = Wire::default();
    good_connection(&mut w, 0, 40001, "allowed.test");
    w.tcp(100, CLIENT, SERVER, 64, 40002, 443, 100, "S", &[]);
    w.tcp(120, SERVER, CLIENT, 57, 443, 40002, 500, "SA", &[]);
    w.tcp(
        121,
        CLIENT,
        SERVER,
        64,
        40002,
        443,
        101,
        "A",
        &super::tls::tests::client_hello("blocked.test"),
    );
    w.tcp(122, SERVER, CLIENT, 62, 443, 40002, 501, "RA", &[]);
    let t = &w.analyse(&[target("blocked.test", 443)]).per_target[0];
    assert_eq!(t.verdict, Verdict::ForgedReset);
    assert_eq!(t.addresses[0].reset_samples[0].stage, "after-client-hello");
}

#[test]
fn icmp_admin_prohibited_names_the_router() {
    let mut w = Wire::default();
    w.tcp(0, CLIENT, SERVER, 64, 40001, 443, 100, "S", &[]);
    let syn = w.packets[0].data[14..14 + 28].to_vec();
    w.icmp_unreachable(5, ROUTER, 13, &syn);
    let t = &w.analyse(&[target("192.0.2.10", 443)]).per_target[0];
    assert_eq!(t.verdict, Verdict::AdminProhibited);
    let o = net008(t);
    assert_eq!(
        (o.status, o.reason.as_deref()),
        (Status::Fail, Some("admin-prohibited"))
    );
    assert_eq!(o.evidence["router"], "10.1.0.1");
    assert!(o.message.starts_with("10.1.0.1 answered"), "{}", o.message);

    let r = refine_tcp_verdict(
        LinkType::Ethernet,
        &w.packets,
        "192.0.2.10:443".parse().unwrap(),
    )
    .unwrap();
    assert_eq!(r.reason(), "admin-prohibited");
    assert_eq!(r.evidence()["router"], "10.1.0.1");
}

#[test]
fn tls_alert_and_missing_server_hello() {
    let mut w = Wire::default();
    w.tcp(0, CLIENT, SERVER, 64, 40001, 443, 100, "S", &[]);
    w.tcp(20, SERVER, CLIENT, 57, 443, 40001, 500, "SA", &[]);
    w.tcp(
        21,
        CLIENT,
        SERVER,
        64,
        40001,
        443,
        101,
        "A",
        &super::tls::tests::client_hello("a.test"),
    );
    w.tcp(
        40,
        SERVER,
        CLIENT,
        57,
        443,
        40001,
        501,
        "A",
        &super::tls::tests::alert(40),
    );
    let o = net008(&w.analyse(&[target("a.test", 443)]).per_target[0]);
    assert_eq!(o.reason.as_deref(), Some("tls-alert"));
    assert!(o.message.contains("handshake-failure"), "{}", o.message);

    let mut w = Wire::default();
    w.tcp(0, CLIENT, SERVER, 64, 40001, 443, 100, "S", &[]);
    w.tcp(20, SERVER, CLIENT, 57, 443, 40001, 500, "SA", &[]);
    w.tcp(
        21,
        CLIENT,
        SERVER,
        64,
        40001,
        443,
        101,
        "A",
        &super::tls::tests::client_hello("a.test"),
    );
    let o = net008(&w.analyse(&[target("a.test", 443)]).per_target[0]);
    assert_eq!(o.reason.as_deref(), Some("no-server-hello"));
}

#[test]
fn dns_failures_and_absence() {
    let mut w = Wire::default();
    w.dns_answer(0, "gone.example.test", 3, &[]);
    let a = w.analyse(&[target("gone.example.test", 443), target("other.test", 443)]);
    let o = net008(&a.per_target[0]);
    assert_eq!(
        (o.status, o.reason.as_deref()),
        (Status::Fail, Some("no-dns-answer"))
    );
    assert!(o.message.contains("NXDOMAIN"), "{}", o.message);
    let o = net008(&a.per_target[1]);
    assert_eq!(
        (o.status, o.reason.as_deref()),
        (Status::Skip, Some("not-seen"))
    );

    let mut w = Wire::default();
    w.dns_answer(0, "idle.test", 0, &[ip(SERVER)]);
    let o = net008(&w.analyse(&[target("idle.test", 443)]).per_target[0]);
    assert_eq!(
        (o.status, o.reason.as_deref()),
        (Status::Skip, Some("no-connection-seen"))
    );
}

#[test]
fn one_dead_address_of_two_warns() {
    let other = [192, 0, 2, 11];
    let mut w = Wire::default();
    w.dns_answer(0, "multi.test", 0, &[ip(SERVER), ip(other)]);
    good_connection(&mut w, 10, 40001, "multi.test");
    w.tcp(200, CLIENT, other, 64, 40002, 443, 100, "S", &[]);
    let o = net008(&w.analyse(&[target("multi.test", 443)]).per_target[0]);
    assert_eq!(
        (o.status, o.reason.as_deref()),
        (Status::Warn, Some("some-addresses-failed"))
    );
    assert!(
        o.message.contains("192.0.2.11 (no-response)"),
        "{}",
        o.message
    );
}

#[test]
fn refinement_of_a_working_connection_is_none_and_of_silence_is_no_response() {
    let mut w = Wire::default();
    good_connection(&mut w, 0, 40001, "x.test");
    let server: std::net::SocketAddr = "192.0.2.10:443".parse().unwrap();
    assert_eq!(
        refine_tcp_verdict(LinkType::Ethernet, &w.packets, server),
        None
    );
    let mut w = Wire::default();
    w.tcp(0, CLIENT, SERVER, 64, 40001, 443, 100, "S", &[]);
    w.tcp(1000, CLIENT, SERVER, 64, 40001, 443, 100, "S", &[]);
    let r = refine_tcp_verdict(LinkType::Ethernet, &w.packets, server).unwrap();
    assert_eq!(r, TcpRefinement::NoResponse { syns: 2 });
}

#[test]
fn packets_for_selects_one_endpoint_and_write_pcap_round_trips() {
    let mut w = Wire::default();
    good_connection(&mut w, 0, 40001, "x.test");
    w.tcp(100, CLIENT, [192, 0, 2, 99], 64, 40002, 443, 100, "S", &[]);
    w.dns_answer(200, "x.test", 0, &[ip(SERVER)]);
    let mine = packets_for(
        LinkType::Ethernet,
        &w.packets,
        "192.0.2.10:443".parse().unwrap(),
    );
    assert_eq!(mine.len(), 5);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.pcap");
    write_pcap(&path, LinkType::Ethernet, &mine).unwrap();
    let a = analyse_file(&path, &[target("x.test", 443)]).unwrap();
    assert_eq!(a.packets, 5);
    assert_eq!(a.per_target[0].verdict, Verdict::HandshakeCompleted);
}

#[test]
fn truncated_and_missing_files_are_clear_errors() {
    let mut w = Wire::default();
    good_connection(&mut w, 0, 40001, "x.test");
    let mut file = Vec::new();
    write_pcap_to(&mut file, LinkType::Ethernet, &w.packets).unwrap();
    file.truncate(file.len() - 10);
    let e = analyse_reader(&file[..], &[]).unwrap_err();
    assert!(matches!(e, ReadError::Truncated { .. }), "{e:?}");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cut.pcap");
    std::fs::write(&p, &file).unwrap();
    let e = analyse_file(&p, &[]).unwrap_err();
    assert!(e.to_string().contains("capture is truncated"), "{e}");
    assert!(e.hint.is_some());
    let e = analyse_file(&dir.path().join("none.pcap"), &[]).unwrap_err();
    assert!(
        e.to_string()
            .ends_with("cannot open the capture: no such file"),
        "{e}"
    );
}

#[test]
fn client_rejecting_the_certificate_is_a_tls_alert() {
    // TLS 1.2: ServerHello arrives, then the client aborts with unknown_ca
    // (what an inspecting proxy's certificate causes).
    let mut w = Wire::default();
    w.tcp(0, CLIENT, SERVER, 64, 40001, 443, 100, "S", &[]);
    w.tcp(20, SERVER, CLIENT, 57, 443, 40001, 500, "SA", &[]);
    let ch = super::tls::tests::client_hello("login.test");
    w.tcp(21, CLIENT, SERVER, 64, 40001, 443, 101, "A", &ch);
    w.tcp(
        40,
        SERVER,
        CLIENT,
        57,
        443,
        40001,
        501,
        "A",
        &super::tls::tests::server_hello(),
    );
    w.tcp(
        41,
        CLIENT,
        SERVER,
        64,
        40001,
        443,
        101 + ch.len() as u32,
        "A",
        &super::tls::tests::alert(48),
    );
    let o = net008(&w.analyse(&[target("login.test", 443)]).per_target[0]);
    assert_eq!(
        (o.status, o.reason.as_deref()),
        (Status::Fail, Some("tls-alert"))
    );
    assert!(
        o.message
            .starts_with("the client sent TLS alert unknown-ca (48)"),
        "{}",
        o.message
    );
}

//! Captures recorded by the test itself: tcpdump in a client network
//! namespace while real servers in a server namespace are probed through a
//! router namespace whose iptables rules DROP, REJECT with tcp-reset and
//! REJECT with icmp-admin-prohibited. DNS answers come from a resolver in
//! the server namespace (this test binary, re-run as a helper).
//!
//! ```text
//!  client ns            router ns (iptables FORWARD)          server ns
//!  10.77.1.2 ── c0 ── r0 10.77.1.1 │ r1 10.77.2.1 ── s0 ── 10.77.2.2
//!  tcpdump, openssl s_client          8001 DROP                openssl s_server 8001-8003, 8443,
//!                                     8002 REJECT tcp-reset    8444 (TLS 1.2 only); DNS on :53
//!                                     8003 REJECT admin-prohib
//! ```
//!
//! Needs root, `ip` (iproute2), `iptables`, `tcpdump` and `openssl`; skipped
//! with a message otherwise.

use hybrid_preflight::capture::{
    CapturedPacket, Target, TcpRefinement, Verdict, analyse_file, net008, read_packets,
    refine_tcp_verdict,
};
use hybrid_preflight::result::Status;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SERVER: &str = "10.77.2.2";
const ZONE: &[&str] = &[
    "good.test",
    "drop.test",
    "reset.test",
    "prohibited.test",
    "closed.test",
    "alert.test",
];

fn tools_present() -> bool {
    let root = std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false);
    if !root {
        eprintln!("skipped: network-namespace capture tests need root");
        return false;
    }
    for tool in ["ip", "iptables", "tcpdump", "openssl", "timeout"] {
        let found = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
            .unwrap_or(false);
        if !found {
            eprintln!(
                "skipped: {tool} is not installed (apt-get install iproute2 iptables tcpdump openssl)"
            );
            return false;
        }
    }
    true
}

fn run(args: &[&str]) {
    let out = Command::new(args[0]).args(&args[1..]).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Three namespaces and their wiring; removed on drop.
struct Lab {
    client: String,
    router: String,
    server: String,
    children: Vec<Child>,
}

impl Lab {
    fn new() -> Lab {
        let id = std::process::id();
        let lab = Lab {
            client: format!("hpc-c-{id}"),
            router: format!("hpc-r-{id}"),
            server: format!("hpc-s-{id}"),
            children: Vec::new(),
        };
        for ns in [&lab.client, &lab.router, &lab.server] {
            run(&["ip", "netns", "add", ns]);
            run(&["ip", "-n", ns, "link", "set", "lo", "up"]);
        }
        let (c, r, s) = (
            lab.client.as_str(),
            lab.router.as_str(),
            lab.server.as_str(),
        );
        run(&[
            "ip", "-n", c, "link", "add", "c0", "type", "veth", "peer", "name", "r0", "netns", r,
        ]);
        run(&[
            "ip", "-n", s, "link", "add", "s0", "type", "veth", "peer", "name", "r1", "netns", r,
        ]);
        for (ns, dev, addr) in [
            (c, "c0", "10.77.1.2/24"),
            (r, "r0", "10.77.1.1/24"),
            (r, "r1", "10.77.2.1/24"),
            (s, "s0", "10.77.2.2/24"),
        ] {
            run(&["ip", "-n", ns, "addr", "add", addr, "dev", dev]);
            run(&["ip", "-n", ns, "link", "set", dev, "up"]);
        }
        run(&["ip", "-n", c, "route", "add", "default", "via", "10.77.1.1"]);
        run(&["ip", "-n", s, "route", "add", "default", "via", "10.77.2.1"]);
        run(&[
            "ip",
            "netns",
            "exec",
            r,
            "sysctl",
            "-qw",
            "net.ipv4.ip_forward=1",
        ]);
        for (port, action) in [
            ("8001", &["DROP"][..]),
            ("8002", &["REJECT", "--reject-with", "tcp-reset"]),
            (
                "8003",
                &["REJECT", "--reject-with", "icmp-admin-prohibited"],
            ),
        ] {
            let mut cmd = vec![
                "ip", "netns", "exec", r, "iptables", "-A", "FORWARD", "-p", "tcp", "--dport",
                port, "-j",
            ];
            cmd.extend_from_slice(action);
            run(&cmd);
        }
        // The client resolves through the server namespace's DNS helper.
        let etc = format!("/etc/netns/{c}");
        std::fs::create_dir_all(&etc).unwrap();
        std::fs::write(
            format!("{etc}/resolv.conf"),
            format!("nameserver {SERVER}\noptions timeout:1 attempts:1\n"),
        )
        .unwrap();
        std::fs::write(format!("{etc}/hosts"), "127.0.0.1 localhost\n").unwrap();
        lab
    }

    fn spawn(&mut self, ns: &str, args: &[&str]) -> &mut Child {
        let child = Command::new("ip")
            .args(["netns", "exec", ns])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        self.children.push(child);
        self.children.last_mut().unwrap()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        for ns in [&self.client, &self.router, &self.server] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
        let _ = std::fs::remove_dir_all(format!("/etc/netns/{}", self.client));
    }
}

fn wait_for_port(ns: &str, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let out = Command::new("ip")
            .args([
                "netns",
                "exec",
                ns,
                "ss",
                "-Htln",
                &format!("sport = :{port}"),
            ])
            .output()
            .unwrap();
        if !out.stdout.is_empty() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nothing listens on {port} in {ns}");
}

fn s_client(lab: &Lab, host: &str, port: u16, extra: &[&str], secs: &str) {
    let connect = format!("{host}:{port}");
    let _ = Command::new("ip")
        .args([
            "netns",
            "exec",
            &lab.client,
            "timeout",
            secs,
            "openssl",
            "s_client",
            "-connect",
            &connect,
            "-servername",
            host,
        ])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
}

#[test]
fn firewall_verdicts_from_a_recorded_capture() {
    if !tools_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    run(&[
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=good.test",
        "-addext",
        "subjectAltName=DNS:good.test",
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        cert.to_str().unwrap(),
    ]);
    let mut lab = Lab::new();
    let server = lab.server.clone();
    let (cert_s, key_s) = (
        cert.to_str().unwrap().to_owned(),
        key.to_str().unwrap().to_owned(),
    );
    for (port, extra) in [
        ("8443", None),
        ("8001", None),
        ("8002", None),
        ("8003", None),
        ("8444", Some("-tls1_2")),
    ] {
        let mut args = vec![
            "openssl", "s_server", "-quiet", "-accept", port, "-cert", &cert_s, "-key", &key_s,
        ];
        args.extend(extra);
        lab.spawn(&server, &args);
    }
    let exe = std::env::current_exe().unwrap();
    let zone: Vec<String> = ZONE.iter().map(|n| format!("{n}={SERVER}")).collect();
    let child = Command::new("ip")
        .args(["netns", "exec", &server])
        .arg(&exe)
        .args(["--exact", "dns_helper", "--ignored", "--nocapture"])
        .env("HPC_DNS_ZONE", zone.join(","))
        .env("HPC_DNS_BIND", format!("{SERVER}:53"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    lab.children.push(child);
    for port in [8443, 8001, 8002, 8003, 8444] {
        wait_for_port(&server, port);
    }

    let pcap = dir.path().join("client.pcap");
    let client = lab.client.clone();
    let pcap_s = pcap.to_str().unwrap().to_owned();
    let dump = lab.spawn(
        &client,
        &[
            "tcpdump",
            "--immediate-mode",
            "-U",
            "-n",
            "-i",
            "c0",
            "-w",
            &pcap_s,
            "tcp or udp port 53 or icmp",
        ],
    );
    let dump_pid = dump.id();
    let mut err = BufReader::new(dump.stderr.take().unwrap());
    let mut line = String::new();
    while err.read_line(&mut line).unwrap() > 0 && !line.contains("listening on") {
        line.clear();
    }

    s_client(&lab, "good.test", 8443, &[], "5");
    s_client(&lab, "drop.test", 8001, &[], "3");
    s_client(&lab, "reset.test", 8002, &[], "5");
    s_client(&lab, "prohibited.test", 8003, &[], "5");
    s_client(&lab, "closed.test", 8004, &[], "5");
    s_client(&lab, "alert.test", 8444, &["-tls1_3"], "5");
    s_client(&lab, "missing.test", 443, &[], "5");
    // Without --immediate-mode, libpcap would hold packets in the kernel
    // ring until a block fills or times out, and lose them at SIGINT.
    std::thread::sleep(Duration::from_millis(500));
    // `ip netns exec` execs tcpdump in place, so this pid is tcpdump's.
    run(&["kill", "-INT", &dump_pid.to_string()]);
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline
        && std::fs::read_to_string(format!("/proc/{dump_pid}/stat"))
            .is_ok_and(|s| !s.contains(") Z"))
    {
        std::thread::sleep(Duration::from_millis(50));
    }

    let targets: Vec<Target> = [
        ("good.test", 8443),
        ("drop.test", 8001),
        ("reset.test", 8002),
        ("prohibited.test", 8003),
        ("closed.test", 8004),
        ("alert.test", 8444),
        ("missing.test", 443),
        ("never.test", 443),
    ]
    .iter()
    .map(|(h, p)| Target {
        host: (*h).to_owned(),
        port: *p,
    })
    .collect();
    let a = analyse_file(&pcap, &targets).unwrap();
    assert_eq!(a.link_type, "ethernet");
    let verdicts: Vec<(&str, Status, Option<String>)> = a
        .per_target
        .iter()
        .map(|t| (t.host.as_str(), net008(t).status, net008(t).reason))
        .collect();
    let expect = |r: Option<&str>, s: Status| (s, r.map(str::to_owned));
    assert_eq!(
        verdicts
            .iter()
            .map(|(_, s, r)| (*s, r.clone()))
            .collect::<Vec<_>>(),
        vec![
            expect(None, Status::Pass),
            expect(Some("no-response"), Status::Fail),
            expect(Some("forged-reset"), Status::Fail),
            expect(Some("admin-prohibited"), Status::Fail),
            expect(Some("conn-refused"), Status::Fail),
            expect(Some("tls-alert"), Status::Fail),
            expect(Some("no-dns-answer"), Status::Fail),
            expect(Some("not-seen"), Status::Skip),
        ],
        "{verdicts:?}\n{a:#?}"
    );
    let good = &a.per_target[0];
    assert_eq!(
        good.dns.answers,
        vec![SERVER.parse::<std::net::IpAddr>().unwrap()]
    );
    assert_eq!(good.addresses[0].learned_from, ["dns", "sni"]);
    assert_eq!(good.addresses[0].synack_ttls, [63], "one router hop");
    let forged = a.per_target[2].addresses[0].forged_reset.as_ref().unwrap();
    assert_eq!(
        (
            forged.reset_ttl,
            forged.path_synack_ttls.as_slice(),
            forged.evidence
        ),
        (64, &[63][..], "ttl-mismatch")
    );
    let prohibited = net008(&a.per_target[3]);
    assert_eq!(prohibited.evidence["router"], "10.77.1.1");
    assert!(
        net008(&a.per_target[5])
            .message
            .contains("protocol-version"),
        "{}",
        net008(&a.per_target[5]).message
    );
    assert_eq!(a.per_target[6].dns.error_rcodes, ["NXDOMAIN"]);
    assert!(a.per_target[1].addresses[0].syns >= 2, "SYN retransmitted");

    // The live audit's refinement reads the same packets.
    let mut packets = Vec::new();
    read_packets(std::fs::File::open(&pcap).unwrap(), |p| {
        packets.push(CapturedPacket {
            ts: p.ts,
            data: p.data.to_vec(),
            orig_len: p.orig_len,
        });
    })
    .unwrap();
    let at = |port: u16| -> SocketAddr { format!("{SERVER}:{port}").parse().unwrap() };
    let link = hybrid_preflight::capture::LinkType::Ethernet;
    assert!(matches!(
        refine_tcp_verdict(link, &packets, at(8002)),
        Some(TcpRefinement::ForgedReset(_))
    ));
    assert_eq!(
        refine_tcp_verdict(link, &packets, at(8003)).map(|r| r.evidence()["router"].clone()),
        Some("10.77.1.1".into())
    );
    assert!(matches!(
        refine_tcp_verdict(link, &packets, at(8001)),
        Some(TcpRefinement::NoResponse { .. })
    ));
    assert_eq!(
        refine_tcp_verdict(link, &packets, at(8004)),
        Some(TcpRefinement::ConnRefused { reset_ttl: 63 })
    );
    assert_eq!(refine_tcp_verdict(link, &packets, at(8443)), None);
    assert_eq!(
        a.per_target
            .iter()
            .find(|t| t.host == "good.test")
            .map(|t| t.verdict),
        Some(Verdict::HandshakeCompleted)
    );
}

/// The DNS resolver of the server namespace (run by the test above).
#[test]
#[ignore = "helper process for firewall_verdicts_from_a_recorded_capture"]
fn dns_helper() {
    let (Ok(zone), Ok(bind)) = (std::env::var("HPC_DNS_ZONE"), std::env::var("HPC_DNS_BIND"))
    else {
        return;
    };
    let sock = UdpSocket::bind(&bind).unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut buf = [0u8; 512];
    while Instant::now() < deadline {
        let Ok((n, peer)) = sock.recv_from(&mut buf) else {
            continue;
        };
        if let Some(resp) = answer(&buf[..n], &zone) {
            let _ = sock.send_to(&resp, peer);
        }
    }
}

/// Answers A queries from `zone` (`name=ip,…`); AAAA gets an empty answer,
/// unknown names NXDOMAIN.
fn answer(q: &[u8], zone: &str) -> Option<Vec<u8>> {
    let mut pos = 12;
    let mut labels = Vec::new();
    loop {
        let len = usize::from(*q.get(pos)?);
        if len == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(q.get(pos + 1..pos + 1 + len)?).to_ascii_lowercase());
        pos += 1 + len;
    }
    let qtype = u16::from_be_bytes([*q.get(pos + 1)?, *q.get(pos + 2)?]);
    let question = q.get(12..pos + 5)?;
    let name = labels.join(".");
    let addr: Option<std::net::Ipv4Addr> = zone.split(',').find_map(|e| {
        e.split_once('=')
            .filter(|(n, _)| *n == name)
            .and_then(|(_, a)| a.parse().ok())
    });
    let mut r = vec![
        q[0],
        q[1],
        0x81,
        if addr.is_some() { 0x80 } else { 0x83 },
        0,
        1,
        0,
        0,
        0,
        0,
        0,
        0,
    ];
    r.extend_from_slice(question);
    if let (Some(a), 1) = (addr, qtype) {
        r[7] = 1;
        r.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
        r.extend_from_slice(&a.octets());
    }
    Some(r)
}

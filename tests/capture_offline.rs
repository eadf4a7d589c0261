//! Offline capture analysis on checked-in captures of every supported link
//! type (recorded by `tests/fixtures/capture/make-fixtures.sh`): a TLS 1.3
//! handshake with SNI `fixture.test` over IPv4 and IPv6, and a refused port.

use hybrid_preflight::capture::{Target, Verdict, analyse_file, analyse_reader, net008};
use hybrid_preflight::result::Status;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/capture")
        .join(name)
}

fn target(host: &str, port: u16) -> Target {
    Target {
        host: host.to_owned(),
        port,
    }
}

const LINK_TYPES: [(&str, &str, &str); 5] = [
    ("ethernet.pcap", "ethernet", "pcap"),
    ("linux-sll.pcap", "linux-sll", "pcap"),
    ("linux-sll2.pcap", "linux-sll2", "pcap"),
    ("raw-ip.pcap", "raw-ip", "pcap"),
    ("ethernet-ns.pcapng", "ethernet", "pcapng"),
];

#[test]
fn every_link_type_gives_the_same_verdicts() {
    let targets = [
        target("fixture.test", 44330),
        target("127.0.0.1", 44339),
        target("::1", 44330),
        target("absent.test", 443),
    ];
    for (file, link, format) in LINK_TYPES {
        let a = analyse_file(&fixture(file), &targets).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(
            (a.link_type.as_str(), a.format.as_str()),
            (link, format),
            "{file}"
        );
        assert!(a.packets >= 30, "{file}: {} packets", a.packets);
        assert_eq!(a.not_decoded, 0, "{file}");
        assert!(a.limits_hit.is_empty(), "{file}");

        let by_name = &a.per_target[0];
        assert_eq!(
            by_name.verdict,
            Verdict::HandshakeCompleted,
            "{file}: {by_name:#?}"
        );
        let addrs: Vec<String> = by_name
            .addresses
            .iter()
            .map(|x| x.address.to_string())
            .collect();
        assert_eq!(addrs, ["127.0.0.1", "::1"], "{file}");
        assert!(
            by_name
                .addresses
                .iter()
                .all(|x| x.learned_from == ["sni"] && x.tls_versions == ["TLS 1.3"]),
            "{file}"
        );
        let o = net008(by_name);
        assert_eq!(o.status, Status::Pass, "{file}: {}", o.message);

        let refused = net008(&a.per_target[1]);
        assert_eq!(
            (refused.status, refused.reason.as_deref()),
            (Status::Fail, Some("conn-refused")),
            "{file}: {}",
            refused.message
        );
        assert_eq!(
            a.per_target[1].addresses[0].reset_samples[0].ttl, 64,
            "{file}"
        );

        assert_eq!(
            a.per_target[2].verdict,
            Verdict::HandshakeCompleted,
            "{file}"
        );
        let absent = net008(&a.per_target[3]);
        assert_eq!(
            (absent.status, absent.reason.as_deref()),
            (Status::Skip, Some("not-seen")),
            "{file}"
        );
    }
}

#[test]
fn without_a_manifest_every_server_name_is_reported() {
    for (file, ..) in LINK_TYPES {
        let a = analyse_file(&fixture(file), &[]).unwrap();
        let seen: Vec<String> = a
            .per_target
            .iter()
            .map(|t| format!("{}:{}", t.host, t.port))
            .collect();
        assert_eq!(seen, ["fixture.test:44330"], "{file}");
    }
}

#[test]
fn nanosecond_pcapng_timestamps_are_read() {
    let a = analyse_file(
        &fixture("ethernet-ns.pcapng"),
        &[target("127.0.0.1", 44330)],
    )
    .unwrap();
    let rtt = a.per_target[0].addresses[0].path_rtt_ms.unwrap();
    assert!(rtt > 0.0 && rtt < 50.0, "loopback round trip {rtt} ms");
}

#[test]
fn cut_and_corrupt_files_are_errors_with_the_offset() {
    let bytes = std::fs::read(fixture("ethernet.pcap")).unwrap();
    // Every prefix that ends inside a record is "truncated", never a panic.
    for cut in [25, 40, 100, bytes.len() / 2, bytes.len() - 1] {
        let e = analyse_reader(&bytes[..cut], &[]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("capture is truncated: the record at byte"),
            "cut {cut}: {e}"
        );
    }
    // A record claiming 1 GiB.
    let mut huge = bytes.clone();
    huge[24 + 8..24 + 12].copy_from_slice(&(1u32 << 30).to_le_bytes());
    let e = analyse_reader(&huge[..], &[]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "capture is corrupt at byte 24: a record claims more than 16 MiB"
    );
    // A header alone is a valid, empty capture.
    let a = analyse_reader(&bytes[..24], &[target("fixture.test", 44330)]).unwrap();
    assert_eq!((a.packets, a.per_target[0].verdict), (0, Verdict::NotSeen));
    // An unknown link type is named.
    let mut odd = bytes.clone();
    odd[20..24].copy_from_slice(&147u32.to_le_bytes());
    let e = analyse_reader(&odd[..], &[]).unwrap_err();
    assert!(
        e.to_string().starts_with("unsupported link type 147"),
        "{e}"
    );
}

#[test]
fn error_messages_name_the_file_and_a_fix() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("notes.txt");
    std::fs::write(&p, "this is not a capture").unwrap();
    let e = analyse_file(&p, &[]).unwrap_err();
    assert_eq!(e.path, p);
    assert_eq!(
        e.message,
        "not a pcap or pcapng capture (unrecognised or empty header)"
    );
    assert!(e.hint.as_deref().unwrap().contains("tcpdump -w"));
}

/// Inputs that once crashed the reader (found by `cargo fuzz run capture_reader`).
#[test]
fn fuzz_crash_inputs_stay_fixed() {
    let dir = fixture("crashes");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        // Either outcome is fine; a panic or a hang is the bug.
        let _ = analyse_reader(&bytes[..], &[]);
        let _ = analyse_reader(&bytes[..], &[target("fixture.test", 443)]);
        n += 1;
    }
    assert!(n > 0, "no regression inputs in {}", dir.display());
}

/// A deterministic mutation sweep over the fixtures (the fuzz target in
/// `fuzz/` explores further): flipped bytes, cut files, spliced lengths.
#[test]
fn mutated_captures_never_panic() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let targets = [target("fixture.test", 44330), target("127.0.0.1", 44339)];
    for (file, ..) in LINK_TYPES {
        let original = std::fs::read(fixture(file)).unwrap();
        for _ in 0..400 {
            let mut b = original.clone();
            for _ in 0..1 + next() % 8 {
                let at = (next() as usize) % b.len();
                match next() % 4 {
                    0 => b[at] = next() as u8,
                    1 => b[at] ^= 0x80,
                    2 => b.truncate(at.max(1)),
                    _ => {
                        let v = [0xff, 0xff, 0xff, 0x7f];
                        let end = (at + 4).min(b.len());
                        b[at..end].copy_from_slice(&v[..end - at]);
                    }
                }
            }
            let _ = analyse_reader(&b[..], &targets);
            let _ = analyse_reader(&b[..], &[]);
        }
    }
}

#[test]
fn pcapng_edge_cases_are_handled() {
    // if_tsoffset = -1 with a huge timestamp: saturates instead of overflowing.
    let b = std::fs::read(fixture("crashes/pcapng-negative-tsoffset")).unwrap();
    let a = analyse_reader(&b[..], &[]).unwrap();
    assert_eq!(
        (a.format.as_str(), a.packets, a.not_decoded),
        ("pcapng", 1, 1)
    );
    let b = std::fs::read(fixture("crashes/pcapng-undescribed-interface")).unwrap();
    let e = analyse_reader(&b[..], &[]).unwrap_err();
    assert!(
        e.to_string()
            .contains("packet refers to interface 7 that no block describes"),
        "{e}"
    );
}

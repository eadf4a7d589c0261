//! `audit --capture DIR` (feature `capture`, root): the packets of each failed
//! endpoint's probes are written to a pcap file referenced from the evidence,
//! and the TCP verdict is refined from them.
#![cfg(feature = "capture")]

mod support;

use support::{Fixture, run};

#[test]
fn failed_endpoints_get_a_pcap_and_a_refined_verdict() {
    if !support::is_root() {
        assert!(std::env::var_os("CI").is_none(), "CI runs as root");
        eprintln!("skipping: live capture needs root");
        return;
    }
    let f = Fixture::copy_of("examples/single-tenant");
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = f.path("packets");
    let pin = format!(":443:127.0.0.1:{closed}");
    let r = run(&[
        "audit",
        f.dir.path().to_str().unwrap(),
        "--select",
        "NET002",
        "--connect-to",
        &pin,
        "--timeout",
        "2",
        "--capture",
        dir.to_str().unwrap(),
        "--report",
        "json:-",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let res = support::result(&v, "NET002", "endpoint:login.mypurecloud.ie:443");
    assert_eq!(res["reason"], "conn-refused", "{res}");
    let file = res["evidence"]["capture_file"]
        .as_str()
        .expect("capture_file in the evidence");
    assert_eq!(
        file,
        dir.join("login.mypurecloud.ie_443.pcap")
            .display()
            .to_string()
    );
    // The file is a capture this tool reads back: a SYN answered by a reset.
    let a = hybrid_preflight::capture::analyse_file(std::path::Path::new(file), &[]).unwrap();
    assert!(a.packets >= 2, "SYN and RST at least: {}", a.packets);
    assert_eq!(
        res["evidence"]["packets"]["reason"], "conn-refused",
        "{res}"
    );
}

#[test]
fn capture_cannot_run_offline() {
    let f = Fixture::copy_of("examples/single-tenant");
    let r = run(&[
        "audit",
        f.dir.path().to_str().unwrap(),
        "--offline",
        "--capture",
        "/tmp/x",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("cannot be combined with --offline"),
        "{}",
        r.stderr
    );
}

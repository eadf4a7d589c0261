//! `hybrid-preflight pcap`: NET008 results in the same reports as an audit.

mod support;

use support::{Fixture, run};

#[test]
fn pcap_command_reports_net008_per_endpoint() {
    let cap = support::crate_dir().join("tests/fixtures/capture/ethernet.pcap");
    // Without a manifest: every TLS server name seen.
    let r = run(&["pcap", cap.to_str().unwrap(), "--report", "json:-"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let results = v["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert!(
        results
            .iter()
            .all(|x| x["rule"] == "NET008"
                && x["subject"].as_str().unwrap().starts_with("endpoint:"))
    );
    assert!(results.iter().any(|x| x["status"] == "pass"));
    // With a manifest: its required endpoints, none seen in this capture (skip, never pass).
    let f = Fixture::copy_of("examples/single-tenant");
    let r = run(&[
        "pcap",
        cap.to_str().unwrap(),
        f.dir.path().to_str().unwrap(),
        "--report",
        "json:-",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        support::verdict(&v, "NET008", "endpoint:login.mypurecloud.ie:443").0,
        "skip"
    );
    assert_eq!(v["results"].as_array().unwrap().len(), 3);
    // NET008 does not run in an ordinary audit.
    let (_, a) = f.audit(&[]);
    assert!(
        a["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["rule"] != "NET008")
    );
    // Not a capture: exit 2 naming the file.
    let r = run(&["pcap", f.path("deployment.yaml").to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("deployment.yaml: not a pcap or pcapng capture"),
        "{}",
        r.stderr
    );
}

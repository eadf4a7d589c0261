//! The shipped examples: the single-tenant one is clean, and every fault
//! planted in the two-tenant one is reported by the right rule (the list is
//! `examples/two-tenants/expected-findings.json`).

mod support;

use support::{Fixture, non_passes};

#[test]
fn single_tenant_example_has_no_configuration_findings() {
    let f = Fixture::copy_of("examples/single-tenant");
    // OAU006 (opt-in live check) reports `skip` without --live-auth.
    let (code, r) = f.audit(&["--select", "CFG,IDP,OAU,ROL", "--ignore", "OAU006"]);
    assert_eq!(
        non_passes(&r, &["CFG", "IDP", "OAU", "ROL"]),
        vec![
            "\"CFG014\" \"tenant:Environment\" \"skip\" \"not-applicable\"",
            "\"OAU002\" \"tenant:Environment\" \"skip\" \"not-applicable\"",
            "\"OAU004\" \"tenant:Environment\" \"skip\" \"not-applicable\"",
        ]
    );
    assert_eq!(code, 0);
}

#[test]
fn two_tenant_example_reports_every_planted_fault() {
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            support::crate_dir().join("examples/two-tenants/expected-findings.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let f = Fixture::copy_of("examples/two-tenants");
    let prefixes = ["CFG", "CRT", "IDP", "OAU", "ROL", "TEN"];
    let (code, r) = f.audit(&["--select", "CFG,CRT,IDP,OAU,ROL,TEN", "--ignore", "OAU006"]);
    assert_eq!(code, 1);
    let want: Vec<String> = expected["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            prefixes
                .iter()
                .any(|p| e["rule"].as_str().unwrap().starts_with(p))
        })
        .map(|e| {
            let got = support::result(
                &r,
                e["rule"].as_str().unwrap(),
                e["subject"].as_str().unwrap(),
            );
            if !e["reason"].is_null() {
                assert_eq!(got["reason"], e["reason"], "{}", e["rule"]);
            }
            format!("{} {} {}", e["rule"], e["subject"], e["status"])
        })
        .collect();
    let got: Vec<String> = non_passes(&r, &prefixes)
        .into_iter()
        .map(|l| l.rsplit_once(' ').unwrap().0.to_owned())
        .collect();
    assert_eq!(got, want);
    // Acme_Retail (INI with BOM + CRLF, renamed admin role) is entirely clean.
    assert!(!got.iter().any(|l| l.contains("Acme_Retail")));
    let ten = support::result(&r, "TEN002", "tenant:Acme_Travel");
    assert_eq!(
        ten["evidence"]["findings"][0]["path_text"],
        "jsmith ∈ Floor Leads ∈ Travel Overflow → READ on Acme_Travel/hybrid_integration"
    );
    assert!(ten["message"].as_str().unwrap().contains("8.5.133.02"));
}

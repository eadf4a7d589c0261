//! `--baseline`: every result is new, fixed, unchanged or changed; reports
//! lead with what changed; `--fail-on-new` pages only for new findings.

mod support;

use serde_json::json;
use support::{Fixture, run};

const TX_A: &str = "onprem/tenant-a.json";
const UP: &str = "/transactions/0/userProperties";

fn drift(r: &serde_json::Value, rule: &str, subject: &str) -> String {
    support::result(r, rule, subject)["drift"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn baseline_pair_with_every_drift_state() {
    let f = Fixture::sample();
    let dir = f.dir.path().to_str().unwrap().to_owned();
    // Yesterday: expire_time 72 (CFG012), the IdP flag a string (IDP002), a token URL on the wrong path (CFG007).
    f.set_json(TX_A, &format!("{UP}/saml/expire_time"), json!("72"));
    f.set_json(
        "cloud/tenant-a/identityproviders-pureengage.json",
        "/autoProvisionUsers",
        json!("true"),
    );
    f.set_json(
        TX_A,
        &format!("{UP}/general/base_auth_url"),
        json!("https://login.mypurecloud.com/oauth/token/"),
    );
    let base = f.path("yesterday.json");
    assert_eq!(
        run(&[
            "audit",
            &dir,
            "--offline",
            "--ignore",
            "NET,CRT,TEN",
            "--report",
            &format!("json:{}", base.display())
        ])
        .code,
        1
    );

    // Today: CFG012 (and OAU005 with it) fixed, IDP002 unchanged, CFG007 fails for another reason, CFG008 is new.
    f.set_json(TX_A, &format!("{UP}/saml/expire_time"), json!("24"));
    f.set_json(
        TX_A,
        &format!("{UP}/general/base_auth_url"),
        json!("http://login.mypurecloud.com/oauth/token"),
    );
    f.set_json(
        TX_A,
        &format!("{UP}/general/base_service_url"),
        json!("https://api.mypurecloud.com/api"),
    );
    let today = f.path("today.json");
    let r = run(&[
        "audit",
        &dir,
        "--offline",
        "--ignore",
        "NET,CRT,TEN",
        "--baseline",
        base.to_str().unwrap(),
        "--report",
        &format!("json:{}", today.display()),
        "--report",
        "table:-",
    ]);
    assert_eq!(r.code, 1);
    let t: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&today).unwrap()).unwrap();
    let a = "tenant:Tenant_A";
    assert_eq!(drift(&t, "CFG012", a), "fixed");
    assert_eq!(drift(&t, "IDP002", a), "unchanged");
    assert_eq!(drift(&t, "CFG007", a), "changed");
    assert_eq!(drift(&t, "CFG008", a), "new");
    assert_eq!(drift(&t, "CFG001", a), "unchanged");
    // The table leads with the changes, the newest kind first.
    let first_lines: Vec<&str> = r.stdout.lines().take(5).collect();
    assert_eq!(
        first_lines[1], "changes since the baseline: 4",
        "{}",
        r.stdout
    );
    assert!(
        first_lines[2]
            .starts_with("  new      FAIL    CFG008 tenant:Tenant_A missing-trailing-slash"),
        "{first_lines:?}"
    );
    assert!(
        first_lines[3].starts_with("  changed  FAIL    CFG007 tenant:Tenant_A not-https"),
        "{first_lines:?}"
    );
    assert!(
        first_lines[4].starts_with("  fixed    PASS    CFG012"),
        "{first_lines:?}"
    );

    // --fail-on-new: CFG008 is new, so still 1; against today's own report nothing is new.
    let r = run(&[
        "audit",
        &dir,
        "--offline",
        "--ignore",
        "NET,CRT,TEN",
        "--baseline",
        base.to_str().unwrap(),
        "--fail-on-new",
    ]);
    assert_eq!(r.code, 1);
    let r = run(&[
        "audit",
        &dir,
        "--offline",
        "--ignore",
        "NET,CRT,TEN",
        "--baseline",
        today.to_str().unwrap(),
        "--fail-on-new",
        "--report",
        "markdown:-",
    ]);
    assert_eq!(r.code, 0, "known findings must not page twice");
    assert!(
        r.stdout.contains("### Changes since the baseline (0)"),
        "{}",
        r.stdout
    );
}

#[test]
fn fail_on_new_requires_a_baseline() {
    let f = Fixture::sample();
    let r = run(&[
        "audit",
        f.dir.path().to_str().unwrap(),
        "--offline",
        "--fail-on-new",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--baseline"), "{}", r.stderr);
}

//! `firewall-request`: the flows a deployment needs, and the static diff
//! against a firewall rules export (allowed, missing, denied, stale IP).

#[path = "support/probe/mod.rs"]
mod probe_support;
mod support;

use probe_support::dns::{self, Behaviour};
use support::{Fixture, run};

fn fixture() -> Fixture {
    let f = Fixture::copy_of("examples/single-tenant");
    let manifest = std::fs::read_to_string(f.path("deployment.yaml")).unwrap();
    assert!(!manifest.contains("network:"));
    let manifest = format!(
        "{manifest}network:\n  sources:\n    - name: WDE desktops\n      addresses: [\"10.20.0.0/16\"]\n    - name: Config servers\n      addresses: [\"10.30.1.5\", \"10.30.1.6\"]\n"
    );
    std::fs::write(f.path("deployment.yaml"), manifest).unwrap();
    f.write(
        "rules.csv",
        "name,source,destination,port,action,comment\n\
         r1,10.20.0.0/16,login.mypurecloud.ie,443,allow,token endpoint by name\n\
         r2,WDE desktops,52.1.1.1,443,allow,API by IP (still right)\n\
         r3,10.20.0.0/16,apps.mypurecloud.ie,443,deny,SSO blocked\n\
         r4,any,*.mypurecloud.ie,443,allow,wildcard for everyone\n\
         r5,10.30.0.0/16,52.9.9.9,443,allow,old API address\n",
    );
    f
}

#[tokio::test(flavor = "multi_thread")]
async fn diff_against_a_rules_export() {
    let f = fixture();
    let dns = dns::serve(&[
        (
            "login.mypurecloud.ie",
            Behaviour::Addresses(vec!["52.1.1.2".parse().unwrap()]),
        ),
        (
            "api.mypurecloud.ie",
            Behaviour::Addresses(vec!["52.1.1.1".parse().unwrap()]),
        ),
        (
            "apps.mypurecloud.ie",
            Behaviour::Addresses(vec!["52.1.1.3".parse().unwrap()]),
        ),
    ])
    .await;
    let csv_out = f.path("flows.csv");
    let md_out = f.path("flows.md");
    let args = vec![
        "firewall-request".to_owned(),
        f.dir.path().display().to_string(),
        "--rules-export".into(),
        f.path("rules.csv").display().to_string(),
        "--resolver".into(),
        dns.addr.to_string(),
        "--timeout".into(),
        "3".into(),
        "--report".into(),
        format!("csv:{}", csv_out.display()),
        "--report".into(),
        format!("markdown:{}", md_out.display()),
    ];
    let r = tokio::task::spawn_blocking(move || {
        run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    })
    .await
    .unwrap();
    assert_eq!(r.code, 1, "some flows need a change: {}", r.stderr);
    let mut rdr = csv::Reader::from_path(&csv_out).unwrap();
    let rows: Vec<(String, String, String, String)> = rdr
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[0].to_owned(),
                r[2].to_owned(),
                r[8].to_owned(),
                r[7].to_owned(),
            )
        })
        .collect();
    let status = |src: &str, dst: &str| {
        rows.iter()
            .find(|r| r.0 == src && r.1 == dst)
            .unwrap()
            .2
            .clone()
    };
    // WDE desktops: by name, by IP, denied before the wildcard.
    assert_eq!(status("WDE desktops", "login.mypurecloud.ie"), "allowed");
    assert_eq!(status("WDE desktops", "api.mypurecloud.ie"), "allowed");
    assert_eq!(status("WDE desktops", "apps.mypurecloud.ie"), "denied");
    // Config servers: only the wildcard, and an IP rule for an address the API no longer has.
    assert_eq!(status("Config servers", "login.mypurecloud.ie"), "allowed");
    assert_eq!(rows.len(), 6, "2 source groups x 3 endpoints");
    let resolved = &rows.iter().find(|r| r.1 == "api.mypurecloud.ie").unwrap().3;
    assert_eq!(resolved, "52.1.1.1 (changing: cloud address pools)");
    let md = std::fs::read_to_string(&md_out).unwrap();
    assert!(md.contains("**1 of 6 flows need a change.**"), "{md}");
}

#[test]
fn ip_only_rules_are_judged_against_current_addresses() {
    use hybrid_preflight::firewall::{self, FlowStatus, Resolution};
    let f = fixture();
    let d = hybrid_preflight::evidence::load(f.dir.path()).unwrap();
    let mut flows = firewall::flows(&d);
    let rules = firewall::parse_rules(
        std::path::Path::new("r.csv"),
        "source,destination,port,action\nany,52.1.1.0/24,443,allow\n",
    )
    .unwrap();
    for fl in &mut flows {
        fl.resolved = match fl.destination.as_str() {
            "login.mypurecloud.ie" => Resolution::Addresses {
                addresses: vec!["52.1.1.7".parse().unwrap()],
            },
            "api.mypurecloud.ie" => Resolution::Addresses {
                addresses: vec!["52.1.1.7".parse().unwrap(), "34.2.2.2".parse().unwrap()],
            },
            _ => Resolution::Failed {
                reason: "timed out".into(),
            },
        };
    }
    firewall::diff(&mut flows, &rules);
    fn st(flows: &[firewall::Flow], dst: &str) -> FlowStatus {
        flows
            .iter()
            .find(|f| f.destination == dst)
            .unwrap()
            .status
            .unwrap()
    }
    assert_eq!(st(&flows, "login.mypurecloud.ie"), FlowStatus::AllowedByIp);
    assert_eq!(st(&flows, "api.mypurecloud.ie"), FlowStatus::StaleIp);
    assert_eq!(st(&flows, "apps.mypurecloud.ie"), FlowStatus::IpUnverified);
    let none = firewall::parse_rules(
        std::path::Path::new("r.csv"),
        "source,destination,port,action\n10.0.0.0/8,login.mypurecloud.ie,80,allow\n",
    )
    .unwrap();
    firewall::diff(&mut flows, &none);
    assert_eq!(st(&flows, "login.mypurecloud.ie"), FlowStatus::Missing);
}

#[test]
fn works_offline_and_rejects_a_bad_export() {
    let f = fixture();
    let r = run(&[
        "firewall-request",
        f.dir.path().to_str().unwrap(),
        "--no-resolve",
        "--report",
        "csv:-",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout.lines().count(),
        7,
        "header + 6 flows: {}",
        r.stdout
    );
    assert!(r.stdout.contains("WDE desktops,10.20.0.0/16,login.mypurecloud.ie,443,tcp,OAuth token endpoint,Environment,not resolved (--no-resolve)"), "{}", r.stdout);
    f.write(
        "bad.csv",
        "source,destination,port,action\nany,x,443,maybe\n",
    );
    let r = run(&[
        "firewall-request",
        f.dir.path().to_str().unwrap(),
        "--no-resolve",
        "--rules-export",
        f.path("bad.csv").to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("bad.csv:2:1: unknown action `maybe`"),
        "{}",
        r.stderr
    );
}

#[test]
fn without_named_sources_only_any_rules_cover_a_flow() {
    let f = Fixture::copy_of("examples/single-tenant");
    f.write("r.csv", "source,destination,port,action\nSomeone else,login.mypurecloud.ie,443,allow\n192.168.99.7/32,api.mypurecloud.ie,443,allow\nany,apps.mypurecloud.ie,443,allow\n");
    let r = run(&[
        "firewall-request",
        f.dir.path().to_str().unwrap(),
        "--no-resolve",
        "--rules-export",
        f.path("r.csv").to_str().unwrap(),
        "--report",
        "json:-",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let st = |d: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|x| x["destination"] == d)
            .unwrap()["status"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(st("login.mypurecloud.ie"), "missing");
    assert_eq!(st("api.mypurecloud.ie"), "missing");
    assert_eq!(st("apps.mypurecloud.ie"), "allowed");
}

//! The whole CLI with live probes against local servers: a TLS server that
//! answers like Genesys Cloud behind a corporate inspection CA, reached with
//! `--connect-to`, and a DNS server reached with `--resolver`.

#[path = "support/probe/mod.rs"]
mod probe_support;
mod support;

use probe_support::dns::{self, Behaviour};
use probe_support::pki::Ca;
use probe_support::web::{self, Mode};
use support::{Fixture, run};

#[tokio::test(flavor = "multi_thread")]
async fn audit_probes_every_endpoint_once_through_the_cli() {
    let f = Fixture::copy_of("examples/single-tenant");
    let ca = Ca::new("Corp Inspection CA");
    let leaf = ca.leaf(
        &[
            "login.mypurecloud.ie",
            "api.mypurecloud.ie",
            "apps.mypurecloud.ie",
        ],
        -1,
        365,
    );
    let server = web::serve_tls(
        leaf,
        Mode::Genesys {
            date_offset_secs: 0,
        },
    )
    .await;
    let ca_file = ca.write(f.dir.path(), "corp-ca.pem");
    let json = f.path("live.json");
    let pin = format!(":443:127.0.0.1:{}", server.addr.port());
    let dir = f.dir.path().to_str().unwrap().to_owned();
    let args = vec![
        "audit".to_owned(),
        dir,
        "--select".into(),
        "NET".into(),
        "--timeout".into(),
        "3".into(),
        "--connect-to".into(),
        pin,
        "--ca-file".into(),
        ca_file.display().to_string(),
        "--report".into(),
        format!("json:{}", json.display()),
    ];
    let r = tokio::task::spawn_blocking(move || {
        run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    })
    .await
    .unwrap();
    assert_eq!(r.code, 1, "{}", r.stderr);
    let rep: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let login = "endpoint:login.mypurecloud.ie:443";
    assert_eq!(
        support::verdict(&rep, "NET001", login),
        ("skip".to_owned(), Some("connect-to".to_owned()))
    );
    assert_eq!(
        support::verdict(&rep, "NET002", login),
        ("pass".to_owned(), None)
    );
    let tls = support::result(&rep, "NET003", login);
    assert_eq!(
        (tls["status"].as_str(), tls["reason"].as_str()),
        (Some("fail"), Some("tls-interception"))
    );
    assert!(
        tls["message"]
            .as_str()
            .unwrap()
            .contains("Corp Inspection CA"),
        "{}",
        tls["message"]
    );
    // Three endpoints (login, api, apps), each probed once: 3 TLS connections
    // for the handshake stage plus the HTTP stage's.
    let subjects: std::collections::BTreeSet<&str> = rep["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects.len(), 3, "{subjects:?}");
    assert!(server.connections.load(std::sync::atomic::Ordering::SeqCst) >= 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn dns_through_resolver_flag_and_offline_skip() {
    let f = Fixture::copy_of("examples/single-tenant");
    let dns = dns::serve(&[
        ("login.mypurecloud.ie", Behaviour::NxDomain),
        ("api.mypurecloud.ie", Behaviour::ServFail),
        ("apps.mypurecloud.ie", Behaviour::NoData),
    ])
    .await;
    let dir = f.dir.path().to_str().unwrap().to_owned();
    let resolver = dns.addr.to_string();
    let args = vec![
        "audit".to_owned(),
        dir.clone(),
        "--select".into(),
        "NET001".into(),
        "--resolver".into(),
        resolver,
        "--timeout".into(),
        "2".into(),
        "--report".into(),
        "json:-".into(),
    ];
    let r = tokio::task::spawn_blocking(move || {
        run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    })
    .await
    .unwrap();
    assert_eq!(r.code, 1, "{}", r.stderr);
    let rep: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let reason = |h: &str| {
        support::result(&rep, "NET001", &format!("endpoint:{h}:443"))["reason"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(reason("login.mypurecloud.ie"), "nxdomain");
    assert_eq!(reason("api.mypurecloud.ie"), "servfail");
    assert_eq!(reason("apps.mypurecloud.ie"), "no-addresses");

    let r = run(&[
        "audit",
        &dir,
        "--select",
        "NET",
        "--offline",
        "--report",
        "json:-",
    ]);
    assert_eq!(r.code, 0);
    let rep: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        rep["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "skip" && r["reason"] == "offline")
    );
    assert_eq!(rep["results"].as_array().unwrap().len(), 21);
}

//! NET005–NET007 against real HTTPS servers: Genesys-like answers pass; a
//! proxy block page, a captive-portal redirect and a skewed clock are findings.
//! Also: endpoints derived from a real deployment are deduplicated and each
//! probed once.

#[path = "support/probe/mod.rs"]
mod support;

use hybrid_preflight::Status;
use hybrid_preflight::probe::{
    ConnectTo, Endpoint, Purpose, net001, net002, net003, net004, net005, net006, net007,
    probe_all, required_endpoints,
};
use std::sync::atomic::Ordering;
use support::pki::Ca;
use support::web::{Mode, serve_tls};

fn pin(cfg: &mut hybrid_preflight::probe::ProbeConfig, host: &str, port: u16) {
    cfg.connect_to
        .push(ConnectTo::parse(&format!("{host}:443:127.0.0.1:{port}")).unwrap());
}

fn token_ep(host: &str) -> Endpoint {
    let mut e = Endpoint::new(host, 443);
    e.token_urls.push(format!("https://{host}/oauth/token"));
    e.purposes.insert(Purpose::Auth);
    e.tenants.insert("Tenant_A".into());
    e
}

fn api_ep(host: &str) -> Endpoint {
    let mut e = Endpoint::new(host, 443);
    e.api_urls.push(format!("https://{host}/api/"));
    e.purposes.insert(Purpose::Api);
    e.tenants.insert("Tenant_A".into());
    e
}

#[tokio::test(flavor = "multi_thread")]
async fn genesys_like_endpoints_pass_and_skewed_clocks_fail() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("Preflight Public Root R1");
    let mut cfg = support::config();
    cfg.public_ca_files = vec![ca.write(dir.path(), "ca.pem")];
    let cases = [
        ("login.ok.test", 0),
        ("api.ok.test", 0),
        ("login.fast.test", 60),
        ("api.slow.test", -45),
        ("login.edge.test", 10),
    ];
    let mut servers = Vec::new();
    let mut eps = Vec::new();
    for (host, offset) in cases {
        let srv = serve_tls(
            ca.leaf(&[host], -1, 365),
            Mode::Genesys {
                date_offset_secs: offset,
            },
        )
        .await;
        pin(&mut cfg, host, srv.addr.port());
        eps.push(if host.starts_with("login") {
            token_ep(host)
        } else {
            api_ep(host)
        });
        servers.push(srv);
    }
    let r = probe_all(&eps, &cfg).await;

    let n5 = net005(&r[0]);
    assert_eq!(n5.status, Status::Pass, "{n5:?}");
    assert!(n5.message.contains("invalid_client"), "{}", n5.message);
    assert_eq!(n5.evidence["http"][0]["status"], 400);
    assert_eq!(n5.evidence["tenants"], serde_json::json!(["Tenant_A"]));
    assert_eq!(n5.evidence["purposes"], serde_json::json!(["auth"]));
    let na = net006(&r[0]);
    assert_eq!(
        (na.status, na.reason.as_deref()),
        (Status::Skip, Some("not-applicable"))
    );
    assert_eq!(
        net007(&r[0], 10).status,
        Status::Pass,
        "{:?}",
        net007(&r[0], 10)
    );
    assert_eq!(
        servers[0].requests.lock().unwrap().as_slice(),
        ["POST /oauth/token"],
        "one credential-less token request"
    );

    let n6 = net006(&r[1]);
    assert_eq!(n6.status, Status::Pass, "{n6:?}");
    assert_eq!(
        servers[1].requests.lock().unwrap().as_slice(),
        ["GET /api/v2/organizations/me"]
    );
    assert_eq!(net005(&r[1]).reason.as_deref(), Some("not-applicable"));
    assert_eq!(net007(&r[1], 10).status, Status::Pass);

    let fast = net007(&r[2], 10);
    assert_eq!(
        (fast.status, fast.reason.as_deref()),
        (Status::Fail, Some("clock-skew")),
        "{fast:?}"
    );
    assert!(
        fast.message.contains("behind"),
        "server is ahead, so this host is behind: {}",
        fast.message
    );
    let skew = fast.evidence["skew_secs"].as_f64().unwrap();
    assert!((58.0..=61.0).contains(&skew), "{skew}");
    let slow = net007(&r[3], 10);
    assert_eq!(
        (slow.status, slow.reason.as_deref()),
        (Status::Fail, Some("clock-skew")),
        "{slow:?}"
    );
    assert!(slow.message.contains("ahead of"), "{}", slow.message);
    let edge = net007(&r[4], 10);
    assert_eq!(
        (edge.status, edge.reason.as_deref()),
        (Status::Warn, Some("clock-skew-uncertain")),
        "{edge:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn block_pages_and_captive_portals_are_failures_that_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("Preflight Public Root R1");
    let mut cfg = support::config();
    cfg.public_ca_files = vec![ca.write(dir.path(), "ca.pem")];
    let block = serve_tls(
        ca.leaf(&["login.blocked.test", "api.blocked.test"], -1, 365),
        Mode::BlockPage,
    )
    .await;
    let portal = serve_tls(ca.leaf(&["login.portal.test"], -1, 365), Mode::Redirect).await;
    pin(&mut cfg, "login.blocked.test", block.addr.port());
    pin(&mut cfg, "api.blocked.test", block.addr.port());
    pin(&mut cfg, "login.portal.test", portal.addr.port());
    let eps = [
        token_ep("login.blocked.test"),
        api_ep("api.blocked.test"),
        token_ep("login.portal.test"),
    ];
    let r = probe_all(&eps, &cfg).await;

    let b5 = net005(&r[0]);
    assert_eq!(
        (b5.status, b5.reason.as_deref()),
        (Status::Fail, Some("proxy-block-page")),
        "{b5:?}"
    );
    assert!(
        b5.message.contains("Access Denied - Corporate Web Filter"),
        "{}",
        b5.message
    );
    let b6 = net006(&r[1]);
    assert_eq!(
        (b6.status, b6.reason.as_deref()),
        (Status::Fail, Some("proxy-block-page")),
        "{b6:?}"
    );
    let b7 = net007(&r[0], 10);
    assert_eq!(
        (b7.status, b7.reason.as_deref()),
        (Status::Skip, Some("no-genuine-response")),
        "{b7:?}"
    );

    let p5 = net005(&r[2]);
    assert_eq!(
        (p5.status, p5.reason.as_deref()),
        (Status::Fail, Some("redirected")),
        "{p5:?}"
    );
    assert!(
        p5.message.contains("http://portal.corp.test/login"),
        "{}",
        p5.message
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn http_checks_skip_when_tls_is_not_trusted() {
    let corp = Ca::new("Corp Inspection CA");
    let srv = serve_tls(
        corp.leaf(&["login.mitm.test"], -1, 365),
        Mode::Genesys {
            date_offset_secs: 0,
        },
    )
    .await;
    let mut cfg = support::config();
    pin(&mut cfg, "login.mitm.test", srv.addr.port());
    let r = probe_all(&[token_ep("login.mitm.test")], &cfg).await;
    assert_eq!(net003(&r[0]).reason.as_deref(), Some("tls-interception"));
    for o in [net005(&r[0]), net007(&r[0], 10)] {
        assert_eq!(
            (o.status, o.reason.as_deref()),
            (Status::Skip, Some("tls-failed")),
            "{o:?}"
        );
    }
    assert!(
        srv.requests.lock().unwrap().is_empty(),
        "no HTTP request over an untrusted chain"
    );
}

fn write(dir: &std::path::Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn tx(tenant: &str, auth: &str, api: &str) -> String {
    serde_json::json!({"transactions": [{"name": "hybrid_integration", "type": "list", "state": "enabled",
        "tenant": tenant, "userProperties": {"general": {"base_auth_url": auth, "base_service_url": api}}}]})
    .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn deployment_endpoints_are_deduplicated_and_each_probed_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "deployment.yaml",
        "name: Dedup\nmulti_tenant: true\nservices: [predictive-engagement]\ntenants:\n  - {name: A, transaction: a.json, cloud: cloud/a/}\n  - {name: B, transaction: b.json}\n  - {name: C, transaction: c.json}\nnetwork:\n  extra_endpoints: [\"login.shared.test:443\", \"streaming.extra.test:8443\"]\n",
    );
    write(
        d,
        "a.json",
        &tx(
            "A",
            "https://login.shared.test/oauth/token",
            "https://api.shared.test/api/",
        ),
    );
    write(
        d,
        "b.json",
        &tx(
            "B",
            "https://login.shared.test/oauth/token",
            "https://api.shared.test/api/",
        ),
    );
    write(
        d,
        "c.json",
        &tx(
            "C",
            "https://LOGIN.shared.test:443/oauth/token",
            "https://api.other.test/api/",
        ),
    );
    write(
        d,
        "cloud/a/identityproviders-pureengage.json",
        r#"{"name":"PureEngage","ssoTargetURI":"https://apps.shared.test/sso","disabled":false}"#,
    );
    let dep = hybrid_preflight::evidence::load(d).unwrap();
    let eps = required_endpoints(&dep);
    let ids: Vec<String> = eps.iter().map(Endpoint::subject).collect();
    assert_eq!(
        ids,
        [
            "endpoint:login.shared.test:443",
            "endpoint:api.shared.test:443",
            "endpoint:apps.shared.test:443",
            "endpoint:api.other.test:443",
            "endpoint:streaming.extra.test:8443"
        ]
    );
    let login = &eps[0];
    assert_eq!(login.tenants.iter().collect::<Vec<_>>(), ["A", "B", "C"]);
    assert_eq!(
        login.purposes.iter().copied().collect::<Vec<_>>(),
        [Purpose::Auth, Purpose::Extra]
    );
    assert_eq!(
        login.token_urls,
        [
            "https://login.shared.test/oauth/token",
            "https://LOGIN.shared.test:443/oauth/token"
        ]
    );
    assert_eq!(
        eps[2].purposes.iter().copied().collect::<Vec<_>>(),
        [Purpose::SsoTarget]
    );
    assert_eq!(eps[2].tenants.iter().collect::<Vec<_>>(), ["A"]);

    // Probe the shared login endpoint: one TLS probe plus one request per distinct URL.
    let ca = Ca::new("Preflight Public Root R1");
    let srv = serve_tls(
        ca.leaf(&["login.shared.test"], -1, 365),
        Mode::Genesys {
            date_offset_secs: 0,
        },
    )
    .await;
    let mut cfg = support::config();
    cfg.public_ca_files = vec![ca.write(d, "ca.pem")];
    pin(&mut cfg, "login.shared.test", srv.addr.port());
    let r = probe_all(&eps[..1], &cfg).await;
    assert_eq!(net005(&r[0]).status, Status::Pass, "{:?}", net005(&r[0]));
    assert_eq!(
        srv.connections.load(Ordering::SeqCst),
        3,
        "1 TLS probe + 2 token requests"
    );
    assert_eq!(net001(&r[0]).reason.as_deref(), Some("connect-to"));
    assert_eq!(net002(&r[0]).status, Status::Pass);
    assert_eq!(net004(&r[0], 14).status, Status::Pass);
}

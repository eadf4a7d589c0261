//! NET001 against a real DNS server (in-process, hickory-proto): distinct
//! reasons for NXDOMAIN, SERVFAIL, REFUSED, silence and empty answers; every
//! A/AAAA address reported and tried.

#[path = "support/probe/mod.rs"]
mod support;

use hybrid_preflight::Status;
use hybrid_preflight::probe::{Depth, Endpoint, net001, net002, net003, probe_all};
use std::net::IpAddr;
use std::time::{Duration, Instant};
use support::dns::{Behaviour, serve};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn dns_outcomes_have_distinct_reasons_and_later_stages_skip() {
    // Dual-stack listener: 127.0.0.1, 127.0.0.2 and ::1 all reach it.
    let listener = tokio::net::TcpListener::bind("[::]:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let srv = serve(&[
        (
            "login.ok.test",
            Behaviour::Addresses(vec![ip("127.0.0.1"), ip("127.0.0.2"), ip("::1")]),
        ),
        ("gone.test", Behaviour::NxDomain),
        ("broken.test", Behaviour::ServFail),
        ("refused.test", Behaviour::Refused),
        ("empty.test", Behaviour::NoData),
        ("slow.test", Behaviour::Silent),
    ])
    .await;
    let mut cfg = support::config();
    cfg.resolver = Some(srv.addr);
    cfg.timeout = Duration::from_millis(500);
    cfg.depth = Depth::Tcp;
    let names = [
        "login.ok.test",
        "gone.test",
        "broken.test",
        "refused.test",
        "empty.test",
        "slow.test",
    ];
    let eps: Vec<Endpoint> = names.iter().map(|n| Endpoint::new(n, port)).collect();
    let started = Instant::now();
    let reports = probe_all(&eps, &cfg).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(reports.len(), eps.len());
    for (r, n) in reports.iter().zip(names) {
        assert_eq!(r.endpoint.host, n, "reports keep input order");
    }

    let ok = net001(&reports[0]);
    assert_eq!(ok.status, Status::Pass, "{ok:?}");
    assert_eq!(
        ok.evidence["addresses"],
        serde_json::json!(["127.0.0.1", "127.0.0.2", "::1"]),
        "all A and AAAA addresses reported"
    );
    assert!(
        ok.evidence["resolver"]
            .as_str()
            .unwrap()
            .contains(&srv.addr.to_string())
    );
    assert!(
        ok.message
            .contains("login.ok.test resolves to 127.0.0.1, 127.0.0.2, ::1"),
        "{}",
        ok.message
    );
    let tcp = net002(&reports[0]);
    assert_eq!(tcp.status, Status::Pass, "{tcp:?}");
    let tried = tcp.evidence["tcp"].as_array().unwrap();
    assert_eq!(tried.len(), 3, "every resolved address is tried");
    assert!(tried.iter().all(|a| a["state"] == "open"));
    assert_eq!(
        tcp.evidence["local_address"]
            .as_str()
            .map(|s| s.starts_with("127.0.0.1:")),
        Some(true)
    );

    let expect = [
        (1, Status::Fail, "nxdomain"),
        (2, Status::Fail, "servfail"),
        (3, Status::Fail, "dns-refused"),
        (4, Status::Fail, "no-addresses"),
        (5, Status::Fail, "dns-timeout"),
    ];
    for (i, status, reason) in expect {
        let o = net001(&reports[i]);
        assert_eq!(
            (o.status, o.reason.as_deref()),
            (status, Some(reason)),
            "{}: {o:?}",
            names[i]
        );
        let later = net002(&reports[i]);
        assert_eq!(
            (later.status, later.reason.as_deref()),
            (Status::Skip, Some("dns-failed")),
            "{later:?}"
        );
        let tls = net003(&reports[i]);
        assert_eq!(
            (tls.status, tls.reason.as_deref()),
            (Status::Skip, Some("dns-failed"))
        );
        assert_eq!(o.evidence["tenants"], serde_json::json!([]));
    }
    drop(listener);
}

#[tokio::test(flavor = "multi_thread")]
async fn some_addresses_closed_is_a_warning_naming_each() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let srv = serve(&[(
        "api.split.test",
        Behaviour::Addresses(vec![ip("127.0.0.1"), ip("127.0.0.3")]),
    )])
    .await;
    let mut cfg = support::config();
    cfg.resolver = Some(srv.addr);
    cfg.depth = Depth::Tcp;
    let r = probe_all(&[Endpoint::new("api.split.test", port)], &cfg).await;
    let o = net002(&r[0]);
    assert_eq!(
        (o.status, o.reason.as_deref()),
        (Status::Warn, Some("partially-reachable")),
        "{o:?}"
    );
    assert!(
        o.message
            .contains(&format!("127.0.0.3:{port} closed (conn-refused)")),
        "{}",
        o.message
    );
    assert!(
        o.message.contains(&format!("127.0.0.1:{port} open")),
        "{}",
        o.message
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ip_literal_needs_no_dns_and_closed_port_is_conn_refused() {
    let port = support::free_port();
    let cfg = support::config();
    let r = probe_all(&[Endpoint::new("127.0.0.1", port)], &cfg).await;
    let dns = net001(&r[0]);
    assert_eq!(dns.status, Status::Pass);
    assert_eq!(dns.evidence["resolver"], "none (IP address)");
    let tcp = net002(&r[0]);
    assert_eq!(
        (tcp.status, tcp.reason.as_deref()),
        (Status::Fail, Some("conn-refused")),
        "{tcp:?}"
    );
    assert_eq!(tcp.evidence["state"], "closed");
    assert_eq!(tcp.evidence["path"], "direct");
    let tls = net003(&r[0]);
    assert_eq!(
        (tls.status, tls.reason.as_deref()),
        (Status::Skip, Some("tcp-failed"))
    );
}

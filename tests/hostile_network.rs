//! Hostile networks, each a real server on loopback: a peer that accepts and
//! never speaks, a TLS slowloris, an HTTPS body that never ends, a redirect
//! loop, a DNS server that never answers and DNS servers that answer with a
//! broken packet. Every probe ends within its timeout, the run within its
//! deadline, and each case has its own reason. Also: 10,000 endpoints under a
//! small open-file limit run without exhausting descriptors.

#[path = "support/probe/mod.rs"]
mod probe_support;
mod support;

use hybrid_preflight::Status;
use hybrid_preflight::probe::{
    ConnectTo, Depth, Endpoint, ProbeConfig, Purpose, net001, net002, net003, net005, net006,
    probe_all,
};
use probe_support::dns::{self, Behaviour};
use probe_support::hostile::{self, BadDns, Web};
use probe_support::pki::Ca;
use std::time::{Duration, Instant};

/// Slack for a loaded 2-core CI machine on top of a budget.
const SLACK: Duration = Duration::from_secs(2);

fn cfg(timeout_ms: u64) -> ProbeConfig {
    ProbeConfig {
        timeout: Duration::from_millis(timeout_ms),
        run_deadline: Duration::from_secs(30),
        ..Default::default()
    }
}

fn pin(cfg: &mut ProbeConfig, host: &str, port: u16) {
    cfg.connect_to
        .push(ConnectTo::parse(&format!("{host}:443:127.0.0.1:{port}")).unwrap());
}

fn token_ep(host: &str) -> Endpoint {
    let mut e = Endpoint::new(host, 443);
    e.token_urls.push(format!("https://{host}/oauth/token"));
    e.purposes.insert(Purpose::Auth);
    e
}

fn api_ep(host: &str) -> Endpoint {
    let mut e = Endpoint::new(host, 443);
    e.api_urls.push(format!("https://{host}/api/"));
    e.purposes.insert(Purpose::Api);
    e
}

fn reason(o: &hybrid_preflight::Outcome) -> (Status, Option<&str>) {
    (o.status, o.reason.as_deref())
}

#[tokio::test(flavor = "multi_thread")]
async fn silent_peer_times_out_the_tls_handshake() {
    let srv = hostile::silent_tcp().await;
    let cfg = cfg(800);
    let started = Instant::now();
    let r = probe_all(&[Endpoint::new("127.0.0.1", srv.addr.port())], &cfg).await;
    let took = started.elapsed();
    assert_eq!(net002(&r[0]).status, Status::Pass, "TCP itself is open");
    let tls = net003(&r[0]);
    assert_eq!(reason(&tls), (Status::Fail, Some("tls-timeout")), "{tls:?}");
    assert!(tls.message.contains("sent nothing"), "{}", tls.message);
    assert!(took >= cfg.timeout, "the timeout was honoured: {took:?}");
    assert!(took < cfg.timeout + SLACK, "took {took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_slowloris_is_stalled_not_silent() {
    let srv = hostile::slowloris_tls(Duration::from_millis(250)).await;
    let cfg = cfg(1500);
    let started = Instant::now();
    let r = probe_all(&[Endpoint::new("127.0.0.1", srv.addr.port())], &cfg).await;
    let took = started.elapsed();
    let tls = net003(&r[0]);
    assert_eq!(reason(&tls), (Status::Fail, Some("tls-stalled")), "{tls:?}");
    assert!(tls.message.contains("bytes"), "{}", tls.message);
    assert!(took < cfg.timeout + SLACK, "took {took:?}");
}

/// A lab with one trusted CA and a hostile HTTPS server pinned per host.
async fn https_lab(web: Web, host: &str) -> (tempfile::TempDir, ProbeConfig, hostile::Hostile) {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("Preflight Public Root R1");
    let srv = hostile::serve_tls(ca.leaf(&[host], -1, 90), web).await;
    let mut cfg = cfg(1200);
    cfg.public_ca_files = vec![ca.write(dir.path(), "public.pem")];
    pin(&mut cfg, host, srv.addr.port());
    (dir, cfg, srv)
}

#[tokio::test(flavor = "multi_thread")]
async fn endless_body_is_its_own_failure_within_the_timeout() {
    let host = "login.endless.test";
    let (_dir, cfg, _srv) = https_lab(Web::EndlessBody, host).await;
    let started = Instant::now();
    let r = probe_all(&[token_ep(host)], &cfg).await;
    let took = started.elapsed();
    assert_eq!(net003(&r[0]).status, Status::Pass, "{:?}", net003(&r[0]));
    let tok = net005(&r[0]);
    assert_eq!(
        reason(&tok),
        (Status::Fail, Some("http-body-timeout")),
        "{tok:?}"
    );
    assert!(tok.message.contains("did not end"), "{}", tok.message);
    assert!(took < cfg.timeout * 2 + SLACK, "took {took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn redirect_loop_is_named_and_not_followed() {
    let host = "api.loop.test";
    let (_dir, cfg, _srv) = https_lab(Web::RedirectLoop, host).await;
    let started = Instant::now();
    let r = probe_all(&[api_ep(host)], &cfg).await;
    let took = started.elapsed();
    let api = net006(&r[0]);
    assert_eq!(reason(&api), (Status::Fail, Some("redirect-loop")), "{api:?}");
    assert!(api.message.contains("to itself"), "{}", api.message);
    assert!(took < cfg.timeout + SLACK, "took {took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn dns_silence_and_broken_answers_have_distinct_reasons() {
    let silent = dns::serve(&[("never.hostile.test", Behaviour::Silent)]).await;
    let cut = hostile::bad_dns(BadDns::CutOff).await;
    let tc = hostile::bad_dns(BadDns::Truncated).await;
    let mut out = Vec::new();
    for srv in [silent.addr, cut.addr, tc.addr] {
        let mut cfg = cfg(800);
        cfg.resolver = Some(srv);
        cfg.depth = Depth::Tcp;
        let started = Instant::now();
        let r = probe_all(&[Endpoint::new("never.hostile.test", 443)], &cfg).await;
        let took = started.elapsed();
        assert!(took < cfg.timeout + SLACK, "{srv}: took {took:?}");
        let o = net001(&r[0]);
        eprintln!("{srv}: {o:?}");
        out.push((o.status, o.reason.clone()));
    }
    assert_eq!(out[0], (Status::Fail, Some("dns-timeout".to_owned())));
    assert_eq!(out[1], (Status::Fail, Some("dns-malformed".to_owned())));
    assert_eq!(out[2], (Status::Fail, Some("dns-truncated".to_owned())));
}

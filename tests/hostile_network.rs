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
    assert_eq!(
        reason(&api),
        (Status::Fail, Some("redirect-loop")),
        "{api:?}"
    );
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

/// Runs the binary with `args`, optionally under a hard open-file limit.
fn run_bin(args: &[String], nofile: Option<u64>) -> (std::process::Output, Duration) {
    use std::os::unix::process::CommandExt;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hybrid-preflight"));
    cmd.args(args).env("NO_COLOR", "1");
    if let Some(n) = nofile {
        // SAFETY: setrlimit is async-signal-safe and touches only the child.
        unsafe {
            cmd.pre_exec(move || {
                let l = libc::rlimit {
                    rlim_cur: n,
                    rlim_max: n,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &l) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
    }
    let started = Instant::now();
    let out = cmd.output().unwrap();
    (out, started.elapsed())
}

fn load(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_run_ends_within_its_deadline_among_hostile_peers() {
    let f = support::Fixture::copy_of("examples/single-tenant");
    let ca = Ca::new("Corp Inspection CA");
    let ca_file = ca.write(f.dir.path(), "corp-ca.pem");
    let slow = hostile::slowloris_tls(Duration::from_millis(250)).await;
    let endless =
        hostile::serve_tls(ca.leaf(&["api.mypurecloud.ie"], -1, 90), Web::EndlessBody).await;
    let silent = hostile::silent_tcp().await;
    let dns = dns::serve(&[("never.hostile.test", Behaviour::Silent)]).await;
    let manifest = f.path("deployment.yaml");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.push_str("network:\n  extra_endpoints: [\"never.hostile.test:443\"]\n");
    std::fs::write(&manifest, text).unwrap();

    let args = |timeout: &str, deadline: &str, json: &std::path::Path| -> Vec<String> {
        let mut a: Vec<String> = vec![
            "audit".into(),
            f.dir.path().display().to_string(),
            "--select".into(),
            "NET".into(),
            "--ca-file".into(),
            ca_file.display().to_string(),
            "--resolver".into(),
            dns.addr.to_string(),
            "--timeout".into(),
            timeout.into(),
            "--deadline".into(),
            deadline.into(),
            "--report".into(),
            format!("json:{}", json.display()),
        ];
        for (host, port) in [
            ("login.mypurecloud.ie", slow.addr.port()),
            ("api.mypurecloud.ie", endless.addr.port()),
            ("apps.mypurecloud.ie", silent.addr.port()),
        ] {
            a.push("--connect-to".into());
            a.push(format!("{host}:443:127.0.0.1:{port}"));
        }
        a
    };
    let login = "endpoint:login.mypurecloud.ie:443";
    let api = "endpoint:api.mypurecloud.ie:443";
    let apps = "endpoint:apps.mypurecloud.ie:443";
    let never = "endpoint:never.hostile.test:443";

    // Every stage fits the deadline: each hostile peer gets its own reason.
    let json = f.path("within.json");
    let a = args("2", "8", &json);
    let (out, took) = tokio::task::spawn_blocking(move || run_bin(&a, None))
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(took < Duration::from_secs(8) + SLACK, "took {took:?}");
    let rep = load(&json);
    let v = |rule: &str, subject: &str| support::verdict(&rep, rule, subject);
    let fail = |r: &str| ("fail".to_owned(), Some(r.to_owned()));
    assert_eq!(v("NET003", login), fail("tls-stalled"));
    assert_eq!(v("NET003", apps), fail("tls-timeout"));
    assert_eq!(v("NET006", api), fail("http-body-timeout"));
    assert_eq!(v("NET001", never), fail("dns-timeout"));

    // The deadline is shorter than one timeout: the run still ends on time,
    // and what was cut short says so (error, never pass).
    let json = f.path("deadline.json");
    let a = args("20", "2", &json);
    let (out, took) = tokio::task::spawn_blocking(move || run_bin(&a, None))
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(took < Duration::from_secs(2) + SLACK, "took {took:?}");
    let rep = load(&json);
    let v = |rule: &str, subject: &str| support::verdict(&rep, rule, subject);
    let cut = ("error".to_owned(), Some("run-deadline".to_owned()));
    assert_eq!(v("NET003", login), cut);
    assert_eq!(v("NET003", apps), cut);
    assert_eq!(v("NET006", api), cut);
    assert_eq!(v("NET001", never), cut);
    for r in rep["results"].as_array().unwrap() {
        assert_ne!(
            (r["rule"].as_str(), r["status"].as_str()),
            (Some("NET005"), Some("pass")),
            "{r}"
        );
    }
}

#[test]
fn ten_thousand_endpoints_fit_a_small_open_file_limit() {
    let f = support::Fixture::copy_of("examples/single-tenant");
    let manifest = f.path("deployment.yaml");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.push_str("network:\n  extra_endpoints:\n");
    // Distinct loopback hosts on the discard port: refused at once, each its own host.
    for i in 0..10_000u32 {
        text.push_str(&format!("    - \"127.77.{}.{}:9\"\n", i / 250, i % 250 + 1));
    }
    std::fs::write(&manifest, text).unwrap();
    let json = f.path("many.json");
    let mut args: Vec<String> = vec![
        "audit".into(),
        f.dir.path().display().to_string(),
        "--select".into(),
        "NET001,NET002".into(),
        "--timeout".into(),
        "3".into(),
        "--deadline".into(),
        "120".into(),
        // Far above what 256 descriptors allow: the CLI must bound it.
        "--concurrency".into(),
        "5000".into(),
        "--report".into(),
        format!("json:{}", json.display()),
    ];
    for host in [
        "login.mypurecloud.ie",
        "api.mypurecloud.ie",
        "apps.mypurecloud.ie",
    ] {
        args.push("--connect-to".into());
        args.push(format!("{host}:443:127.0.0.1:9"));
    }
    let (out, took) = run_bin(&args, Some(256));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        !stderr.to_lowercase().contains("too many open files"),
        "{stderr}"
    );
    let rep = load(&json);
    let results = rep["results"].as_array().unwrap();
    let net002: Vec<&serde_json::Value> =
        results.iter().filter(|r| r["rule"] == "NET002").collect();
    assert_eq!(net002.len(), 10_003, "one TCP verdict per endpoint");
    for r in results {
        let status = r["status"].as_str().unwrap();
        assert!(
            ["pass", "fail", "warn", "error", "skip"].contains(&status),
            "{r}"
        );
        let text = r.to_string().to_lowercase();
        assert!(
            !text.contains("too many open files") && !text.contains("os error 24"),
            "{r}"
        );
        assert_ne!(r["reason"], "run-deadline", "{r}");
    }
    let refused = net002
        .iter()
        .filter(|r| r["reason"] == "conn-refused")
        .count();
    assert!(refused >= 9_990, "closed ports are refused: {refused}");
    eprintln!("10,003 endpoints in {took:?}");
}

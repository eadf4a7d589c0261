//! Probing through a real proxy (tinyproxy from Debian): DNS is the proxy's
//! job, TCP means CONNECT allowed (407 = auth required, 403 = denied), TLS and
//! HTTP go through the tunnel; proxy credentials never leak.

#[path = "support/probe/mod.rs"]
mod support;

use hybrid_preflight::probe::{
    ConnectTo, Endpoint, ProxySetting, ProxySource, net001, net002, net003, net004, net005, net007,
    probe_all,
};
use hybrid_preflight::{Outcome, Status};
use support::dns::{Behaviour, serve};
use support::pki::Ca;
use support::web::{Mode, WebServer, serve_tls_on};

/// tinyproxy accepts only `[A-Za-z0-9_-]` in BasicAuth passwords.
const PASSWORD: &str = "s3cret-Pass-7731";

struct Lab {
    dir: tempfile::TempDir,
    ca: std::path::PathBuf,
    web: WebServer,
}

async fn lab() -> Lab {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("Preflight Public Root R1");
    // Dual-stack, because `localhost` resolves to both 127.0.0.1 and ::1.
    let web = serve_tls_on(
        "[::]:0",
        ca.leaf(&["localhost"], -1, 365),
        Mode::Genesys {
            date_offset_secs: 0,
        },
    )
    .await;
    Lab {
        ca: ca.write(dir.path(), "ca.pem"),
        dir,
        web,
    }
}

fn endpoint(lab: &Lab) -> Endpoint {
    let port = lab.web.addr.port();
    let mut e = Endpoint::new("localhost", port);
    e.token_urls
        .push(format!("https://localhost:{port}/oauth/token"));
    e
}

fn outcomes(r: &hybrid_preflight::probe::EndpointReport) -> Vec<Outcome> {
    vec![
        net001(r),
        net002(r),
        net003(r),
        net004(r, 14),
        net005(r),
        net007(r, 10),
    ]
}

fn assert_no_secret(outs: &[Outcome], reports: &impl std::fmt::Debug) {
    for o in outs {
        let text = format!(
            "{} {} {:?}",
            o.message,
            serde_json::Value::Object(o.evidence.clone()),
            o
        );
        assert!(!text.contains(PASSWORD), "proxy password leaked: {text}");
        assert!(!text.contains("s3cret"), "{text}");
    }
    assert!(!format!("{reports:?}").contains(PASSWORD));
}

macro_rules! need_tinyproxy {
    ($e:expr) => {
        match $e {
            Some(p) => p,
            None => {
                eprintln!("SKIP: tinyproxy is not installed (apt-get install tinyproxy)");
                return;
            }
        }
    };
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_allowed_probes_tls_and_http_through_the_tunnel() {
    let lab = lab().await;
    let tp = need_tinyproxy!(support::tinyproxy::start(
        lab.dir.path(),
        &[lab.web.addr.port()],
        None
    ));
    let mut cfg = support::config();
    cfg.public_ca_files = vec![lab.ca.clone()];
    cfg.proxy = Some(
        ProxySetting::parse(&format!("http://127.0.0.1:{}", tp.port), ProxySource::Flag).unwrap(),
    );
    let r = probe_all(&[endpoint(&lab)], &cfg).await;
    let o = outcomes(&r[0]);
    assert_eq!(
        (o[0].status, o[0].reason.as_deref()),
        (Status::Skip, Some("resolved-by-proxy")),
        "{:?}",
        o[0]
    );
    assert_eq!(o[1].status, Status::Pass, "{:?}", o[1]);
    assert!(
        o[1].message.contains("accepted CONNECT localhost:"),
        "{}",
        o[1].message
    );
    assert_eq!(o[2].status, Status::Pass, "{:?}", o[2]);
    assert_eq!(o[3].status, Status::Pass, "{:?}", o[3]);
    assert_eq!(o[4].status, Status::Pass, "{:?}", o[4]);
    assert_eq!(o[5].status, Status::Pass, "{:?}", o[5]);
    let path = o[2].evidence["path"].as_str().unwrap();
    assert_eq!(
        path,
        format!("proxy http://127.0.0.1:{} (from --proxy)", tp.port)
    );
    let local = o[1].evidence["local_address"].as_str().unwrap();
    assert!(local.starts_with("127.0.0.1:"), "{local}");
    assert_eq!(
        lab.web.requests.lock().unwrap().as_slice(),
        ["POST /oauth/token"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn proxy_policy_403_is_proxy_denied() {
    let lab = lab().await;
    let other = support::free_port();
    let tp = need_tinyproxy!(support::tinyproxy::start(lab.dir.path(), &[other], None));
    let mut cfg = support::config();
    cfg.proxy = Some(
        ProxySetting::parse(&format!("127.0.0.1:{}", tp.port), ProxySource::Manifest).unwrap(),
    );
    let r = probe_all(&[endpoint(&lab)], &cfg).await;
    let o = outcomes(&r[0]);
    assert_eq!(
        (o[1].status, o[1].reason.as_deref()),
        (Status::Fail, Some("proxy-denied")),
        "{:?}",
        o[1]
    );
    assert_eq!(o[1].evidence["proxy"]["status"], 403);
    assert!(
        o[1].evidence["proxy"]["proxy_agent"]
            .as_str()
            .unwrap_or("")
            .contains("tinyproxy"),
        "{:?}",
        o[1]
    );
    assert_eq!(
        (o[2].status, o[2].reason.as_deref()),
        (Status::Skip, Some("tcp-failed"))
    );
    assert_eq!(
        lab.web
            .connections
            .load(std::sync::atomic::Ordering::SeqCst),
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn proxy_auth_407_with_and_without_credentials_and_no_leak() {
    let lab = lab().await;
    let tp = need_tinyproxy!(support::tinyproxy::start(
        lab.dir.path(),
        &[lab.web.addr.port()],
        Some(("bob", PASSWORD))
    ));
    let mut cfg = support::config();
    cfg.public_ca_files = vec![lab.ca.clone()];
    let ep = endpoint(&lab);

    cfg.proxy = Some(
        ProxySetting::parse(&format!("http://127.0.0.1:{}", tp.port), ProxySource::Flag).unwrap(),
    );
    let r = probe_all(std::slice::from_ref(&ep), &cfg).await;
    let o = net002(&r[0]);
    assert_eq!(
        (o.status, o.reason.as_deref()),
        (Status::Fail, Some("proxy-auth-required")),
        "{o:?}"
    );
    assert!(o.message.contains("requires credentials"), "{}", o.message);

    let wrong = format!("http://bob:wrong-{PASSWORD}@127.0.0.1:{}", tp.port);
    cfg.proxy = Some(ProxySetting::parse(&wrong, ProxySource::Env("HTTPS_PROXY".into())).unwrap());
    let r = probe_all(std::slice::from_ref(&ep), &cfg).await;
    let o = net002(&r[0]);
    assert_eq!(
        (o.status, o.reason.as_deref()),
        (Status::Fail, Some("proxy-auth-required")),
        "{o:?}"
    );
    assert!(
        o.message.contains("rejected the credentials"),
        "{}",
        o.message
    );
    assert_no_secret(&outcomes(&r[0]), &r);

    let right = format!("http://bob:{PASSWORD}@127.0.0.1:{}", tp.port);
    cfg.proxy = Some(ProxySetting::parse(&right, ProxySource::Flag).unwrap());
    let r = probe_all(std::slice::from_ref(&ep), &cfg).await;
    let outs = outcomes(&r[0]);
    assert_eq!(outs[1].status, Status::Pass, "{:?}", outs[1]);
    assert_eq!(
        outs[4].status,
        Status::Pass,
        "HTTP through the authenticated proxy: {:?}",
        outs[4]
    );
    assert_eq!(
        outs[1].evidence["path"],
        format!("proxy http://bob@127.0.0.1:{} (from --proxy)", tp.port)
    );
    assert_no_secret(&outs, &r);
}

#[tokio::test(flavor = "multi_thread")]
async fn proxy_name_resolution_unreachable_proxy_and_no_proxy() {
    let lab = lab().await;
    let tp = need_tinyproxy!(support::tinyproxy::start(
        lab.dir.path(),
        &[lab.web.addr.port()],
        None
    ));
    let dns = serve(&[(
        "proxy.corp.test",
        Behaviour::Addresses(vec!["127.0.0.1".parse().unwrap()]),
    )])
    .await;
    let mut cfg = support::config();
    cfg.public_ca_files = vec![lab.ca.clone()];
    cfg.resolver = Some(dns.addr);
    cfg.proxy = Some(
        ProxySetting::parse(
            &format!("http://proxy.corp.test:{}", tp.port),
            ProxySource::Flag,
        )
        .unwrap(),
    );
    let r = probe_all(&[endpoint(&lab)], &cfg).await;
    let o = net002(&r[0]);
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert!(
        o.evidence["resolver"]
            .as_str()
            .unwrap()
            .contains("proxy host via"),
        "{o:?}"
    );
    assert_eq!(
        o.evidence["proxy"]["proxy_dns"]["a"],
        serde_json::json!(["127.0.0.1"])
    );

    // A proxy nobody listens on.
    let dead = support::free_port();
    cfg.proxy =
        Some(ProxySetting::parse(&format!("http://127.0.0.1:{dead}"), ProxySource::Flag).unwrap());
    let r = probe_all(&[endpoint(&lab)], &cfg).await;
    let o = net002(&r[0]);
    assert_eq!(
        (o.status, o.reason.as_deref()),
        (Status::Fail, Some("proxy-unreachable")),
        "{o:?}"
    );
    assert!(o.message.contains("closed (conn-refused)"), "{}", o.message);

    // NO_PROXY sends the endpoint direct; a --connect-to pin also bypasses the proxy.
    cfg.proxy = Some(
        ProxySetting::parse(
            &format!("http://127.0.0.1:{dead}"),
            ProxySource::Env("HTTPS_PROXY".into()),
        )
        .unwrap()
        .with_no_proxy("localhost"),
    );
    let r = probe_all(&[endpoint(&lab)], &cfg).await;
    let o = net002(&r[0]);
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert_eq!(o.evidence["path"], "direct");

    cfg.proxy =
        Some(ProxySetting::parse(&format!("http://127.0.0.1:{dead}"), ProxySource::Flag).unwrap());
    let mut ep = endpoint(&lab);
    ep.host = "login.pinned.test".into();
    cfg.connect_to = vec![
        ConnectTo::parse(&format!(
            "login.pinned.test::127.0.0.1:{}",
            lab.web.addr.port()
        ))
        .unwrap(),
    ];
    let r = probe_all(&[ep], &cfg).await;
    let o = net002(&r[0]);
    assert_eq!(o.status, Status::Pass, "{o:?}");
    assert!(
        o.evidence["path"]
            .as_str()
            .unwrap()
            .starts_with("direct to 127.0.0.1:"),
        "{o:?}"
    );
}

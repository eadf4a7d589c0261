//! NET003/NET004 against real TLS servers with rcgen certificates: trusted,
//! expired, wrong name, expiring soon, and an unknown CA (interception),
//! with and without `--ca-file`.

#[path = "support/probe/mod.rs"]
mod support;

use hybrid_preflight::Status;
use hybrid_preflight::probe::{ConnectTo, Depth, Endpoint, ProbeConfig, net003, net004, probe_all};
use std::time::{Duration, Instant};
use support::pki::Ca;
use support::web::{Mode, WebServer, serve_tls};

struct Lab {
    _dir: tempfile::TempDir,
    public_ca: std::path::PathBuf,
    corp_ca: std::path::PathBuf,
    servers: Vec<(String, WebServer)>,
}

const GENESYS: Mode = Mode::Genesys {
    date_offset_secs: 0,
};

async fn lab() -> Lab {
    let dir = tempfile::tempdir().unwrap();
    let public = Ca::new("Preflight Public Root R1");
    let corp = Ca::new("Corp Inspection CA");
    let mut servers = Vec::new();
    for (name, leaf) in [
        (
            "trusted.tls.test",
            public.leaf(&["trusted.tls.test"], -1, 90),
        ),
        (
            "expired.tls.test",
            public.leaf(&["expired.tls.test"], -60, -1),
        ),
        (
            "wrongname.tls.test",
            public.leaf(&["other.tls.test"], -1, 90),
        ),
        ("soon.tls.test", public.leaf(&["soon.tls.test"], -1, 5)),
        ("mitm.tls.test", corp.leaf(&["mitm.tls.test"], -1, 90)),
    ] {
        servers.push((name.to_owned(), serve_tls(leaf, GENESYS).await));
    }
    Lab {
        public_ca: public.write(dir.path(), "public.pem"),
        corp_ca: corp.write(dir.path(), "corp.pem"),
        _dir: dir,
        servers,
    }
}

fn config(lab: &Lab) -> (ProbeConfig, Vec<Endpoint>) {
    let mut cfg = support::config();
    cfg.public_ca_files = vec![lab.public_ca.clone()];
    cfg.depth = Depth::Tls;
    let mut eps = Vec::new();
    for (name, srv) in &lab.servers {
        cfg.connect_to
            .push(ConnectTo::parse(&format!("{name}:443:127.0.0.1:{}", srv.addr.port())).unwrap());
        eps.push(Endpoint::new(name, 443));
    }
    (cfg, eps)
}

#[tokio::test(flavor = "multi_thread")]
async fn chain_verdicts_are_distinct_and_name_the_issuer() {
    let lab = lab().await;
    let (cfg, eps) = config(&lab);
    let started = Instant::now();
    let r = probe_all(&eps, &cfg).await;
    let took = started.elapsed();

    let trusted = net003(&r[0]);
    assert_eq!(trusted.status, Status::Pass, "{trusted:?}");
    assert!(
        trusted.message.contains("Preflight Public Root R1"),
        "{}",
        trusted.message
    );
    assert_eq!(trusted.evidence["tls"]["verdict"], "trusted");
    assert_eq!(trusted.evidence["tls"]["version"], "TLSv1.3");
    assert!(
        trusted.evidence["tls"]["cipher"]
            .as_str()
            .unwrap()
            .starts_with("TLS13_")
    );
    assert_eq!(
        trusted.evidence["tls"]["chain"][0]["dns_names"],
        serde_json::json!(["trusted.tls.test"])
    );
    let path = trusted.evidence["path"].as_str().unwrap();
    assert!(
        path.contains("--connect-to trusted.tls.test:443:127.0.0.1:"),
        "{path}"
    );
    assert!(
        trusted.evidence["trust_store"]
            .as_str()
            .unwrap()
            .contains("public.pem")
    );
    let exp = net004(&r[0], 14);
    assert_eq!(exp.status, Status::Pass, "{exp:?}");
    assert!(
        matches!(exp.evidence["days_left"].as_i64(), Some(88..=90)),
        "{exp:?}"
    );

    let expired = net003(&r[1]);
    assert_eq!(
        (expired.status, expired.reason.as_deref()),
        (Status::Fail, Some("expired")),
        "{expired:?}"
    );
    let n4 = net004(&r[1], 14);
    assert_eq!(
        (n4.status, n4.reason.as_deref()),
        (Status::Skip, Some("tls-untrusted"))
    );

    let wrong = net003(&r[2]);
    assert_eq!(
        (wrong.status, wrong.reason.as_deref()),
        (Status::Fail, Some("wrong-name")),
        "{wrong:?}"
    );
    assert!(
        wrong.message.contains("other.tls.test") && wrong.message.contains("wrongname.tls.test"),
        "{}",
        wrong.message
    );

    let soon = net003(&r[3]);
    assert_eq!(soon.status, Status::Pass, "{soon:?}");
    let soon4 = net004(&r[3], 14);
    assert_eq!(
        (soon4.status, soon4.reason.as_deref()),
        (Status::Fail, Some("expiring-soon")),
        "{soon4:?}"
    );
    assert!(matches!(soon4.evidence["days_left"].as_i64(), Some(3..=5)));
    assert_eq!(
        net004(&r[3], 3).status,
        Status::Pass,
        "threshold is the caller's"
    );

    let mitm = net003(&r[4]);
    assert_eq!(
        (mitm.status, mitm.reason.as_deref()),
        (Status::Fail, Some("tls-interception")),
        "{mitm:?}"
    );
    assert!(
        mitm.message.contains("Corp Inspection CA"),
        "{}",
        mitm.message
    );
    assert_eq!(mitm.evidence["trusted_by_store"], false);
    assert!(
        mitm.evidence["tls"]["chain"][0]["issuer"]
            .as_str()
            .unwrap()
            .contains("Corp Inspection CA")
    );

    // One handshake per endpoint, and all five well within the budget.
    for (name, srv) in &lab.servers {
        assert_eq!(
            srv.connections.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "{name}"
        );
    }
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn corporate_ca_file_is_trusted_but_still_interception() {
    let lab = lab().await;
    let (mut cfg, eps) = config(&lab);
    cfg.ca_files = vec![lab.corp_ca.clone()];
    let r = probe_all(&eps[4..], &cfg).await;
    let o = net003(&r[0]);
    assert_eq!(
        (o.status, o.reason.as_deref()),
        (Status::Fail, Some("tls-interception")),
        "{o:?}"
    );
    assert_eq!(o.evidence["trusted_by_store"], true);
    assert!(o.message.contains("accepts it"), "{}", o.message);
    assert!(
        o.evidence["trust_store"]
            .as_str()
            .unwrap()
            .contains("--ca-file"),
        "{o:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn not_tls_and_silent_servers_fail_the_handshake() {
    use tokio::io::AsyncWriteExt;
    let plain = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (p1, p2) = (
        plain.local_addr().unwrap().port(),
        silent.local_addr().unwrap().port(),
    );
    tokio::spawn(async move {
        while let Ok((mut s, _)) = plain.accept().await {
            let _ = s
                .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                .await;
        }
    });
    let held = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let h = held.clone();
    tokio::spawn(async move {
        while let Ok((s, _)) = silent.accept().await {
            h.lock().unwrap().push(s);
        }
    });
    let mut cfg = support::config();
    cfg.timeout = Duration::from_millis(300);
    cfg.depth = Depth::Tls;
    let r = probe_all(
        &[
            Endpoint::new("127.0.0.1", p1),
            Endpoint::new("127.0.0.1", p2),
        ],
        &cfg,
    )
    .await;
    let a = net003(&r[0]);
    assert_eq!(
        (a.status, a.reason.as_deref()),
        (Status::Fail, Some("handshake-failed")),
        "{a:?}"
    );
    let b = net003(&r[1]);
    assert_eq!(
        (b.status, b.reason.as_deref()),
        (Status::Fail, Some("tls-timeout")),
        "{b:?}"
    );
    assert_eq!(net004(&r[1], 14).reason.as_deref(), Some("tls-failed"));
}

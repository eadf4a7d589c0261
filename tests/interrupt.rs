//! SIGINT / SIGTERM during the probes: every requested report is written
//! with the results so far, marked incomplete; exit 130 / 143.

#[path = "support/probe/mod.rs"]
mod probe_support;
mod support;

use probe_support::dns::{self, Behaviour};
use std::time::{Duration, Instant};
use support::Fixture;

async fn interrupted_run(signal: i32) -> (i32, serde_json::Value, String, Duration) {
    let f = Fixture::copy_of("examples/single-tenant");
    let dns = dns::serve(&[
        ("login.mypurecloud.ie", Behaviour::Silent),
        ("api.mypurecloud.ie", Behaviour::Silent),
        ("apps.mypurecloud.ie", Behaviour::Silent),
    ])
    .await;
    let json = f.path("r.json");
    let junit = f.path("r.xml");
    let child = std::process::Command::new(support::BIN)
        .args([
            "audit",
            f.dir.path().to_str().unwrap(),
            "--resolver",
            &dns.addr.to_string(),
            "--timeout",
            "20",
            "--deadline",
            "30",
        ])
        .arg("--report")
        .arg(format!("json:{}", json.display()))
        .arg("--report")
        .arg(format!("junit:{}", junit.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let t0 = Instant::now();
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(child.id() as i32, signal) };
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let took = t0.elapsed();
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let xml = std::fs::read_to_string(&junit).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stderr.contains("interrupted"), "{stderr}");
    (out.status.code().unwrap_or(-1), report, xml, took)
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_writes_partial_reports_and_exits_130() {
    let (code, report, xml, took) = interrupted_run(libc::SIGINT).await;
    assert_eq!(code, 130);
    assert!(took < Duration::from_secs(5), "stopped promptly ({took:?})");
    assert_eq!(report["complete"], false);
    // Configuration results are all there; network results say why they are missing.
    assert_eq!(
        support::verdict(&report, "CFG001", "tenant:Environment"),
        ("pass".to_owned(), None)
    );
    assert_eq!(
        support::verdict(&report, "NET001", "endpoint:login.mypurecloud.ie:443"),
        ("error".to_owned(), Some("interrupted".to_owned()))
    );
    assert!(
        xml.contains("classname=\"run.interrupted\"") && xml.contains("type=\"interrupted\""),
        "{xml}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_exits_143() {
    let (code, report, _, _) = interrupted_run(libc::SIGTERM).await;
    assert_eq!(code, 143);
    assert_eq!(report["complete"], false);
}

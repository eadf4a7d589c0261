//! `collect` and OAU006 against an in-process HTTPS server on loopback that
//! speaks the Platform API (test CA from rcgen, reached with `--connect-to`
//! and `--ca-file`): paging, throttling, a wrong secret, a missing provider,
//! a missing permission, and the round trip collect → audit.

#[path = "support/genesys_api.rs"]
mod genesys_api;
#[allow(dead_code)]
#[path = "support/probe/pki.rs"]
mod pki;
mod support;

use genesys_api::{ApiServer, Org};
use pki::Ca;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use support::{BIN, Fixture};

const CLIENT_ID: &str = "7d3b1f0e-2a4c-4e6b-9d8f-1a2b3c4d5e6f";
const SECRET: &str = "cs-Zq8vT3mW9xLr2Kp5Yh7Nd4Bf6Gj1Sc0e";
const LOGIN: &str = "login.mypurecloud.com";
const API: &str = "api.mypurecloud.com";

struct Org0 {
    server: ApiServer,
    ca_file: PathBuf,
    _dir: tempfile::TempDir,
    token: String,
}

async fn start(org: Org, names: &[&str]) -> Org0 {
    let ca = Ca::new("Preflight Test Root");
    let leaf = ca.leaf(names, -1, 30);
    let dir = tempfile::tempdir().unwrap();
    let ca_file = ca.write(dir.path(), "ca.pem");
    let token = org.token.clone();
    let server = genesys_api::serve(leaf.chain, leaf.key, org).await;
    Org0 {
        server,
        ca_file,
        _dir: dir,
        token,
    }
}

fn sample_tenant_a() -> PathBuf {
    support::crate_dir().join("tests/fixtures/sample/cloud/tenant-a")
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the binary with `secret` in HYBRID_PREFLIGHT_CLIENT_SECRET (blocking, off the runtime).
async fn run_bin(args: Vec<String>, secret: Option<&str>) -> Out {
    let secret = secret.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let mut c = Command::new(BIN);
        c.args(&args).env("NO_COLOR", "1");
        c.env_remove("HTTPS_PROXY")
            .env_remove("https_proxy")
            .env_remove("ALL_PROXY")
            .env_remove("all_proxy");
        match secret {
            Some(s) => c.env("HYBRID_PREFLIGHT_CLIENT_SECRET", s),
            None => c.env_remove("HYBRID_PREFLIGHT_CLIENT_SECRET"),
        };
        let o = c.output().unwrap();
        Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}

fn collect_args(o: &Org0, out: &Path) -> Vec<String> {
    let port = o.server.addr.port();
    [
        "collect",
        "--base-auth-url",
        &format!("https://{LOGIN}/oauth/token"),
        "--base-service-url",
        &format!("https://{API}/api/"),
        "--client-id",
        CLIENT_ID,
        "--out",
        out.to_str().unwrap(),
        "--connect-to",
        &format!("{LOGIN}:443:127.0.0.1:{port}"),
        "--connect-to",
        &format!("{API}:443:127.0.0.1:{port}"),
        "--ca-file",
        o.ca_file.to_str().unwrap(),
        "--timeout",
        "5",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// Every file under `dir`, as text.
fn all_text(dir: &Path) -> String {
    let mut s = String::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            s.push_str(&String::from_utf8_lossy(&std::fs::read(&p).unwrap()));
        }
    }
    s
}

fn assert_no_leak(haystacks: &[&str], needles: &[&str]) {
    for h in haystacks {
        for n in needles {
            assert!(!h.contains(n), "secret or token `{n}` leaked");
        }
    }
}

/// (rule, subject) → (status, reason) of a JSON report.
fn verdicts(r: &Value) -> BTreeMap<(String, String), (String, Option<String>)> {
    r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                (
                    x["rule"].as_str().unwrap().to_owned(),
                    x["subject"].as_str().unwrap().to_owned(),
                ),
                (
                    x["status"].as_str().unwrap().to_owned(),
                    x["reason"].as_str().map(str::to_owned),
                ),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn round_trip_pages_throttling_and_same_audit_results() {
    let mut org = Org::from_folder(&sample_tenant_a(), CLIENT_ID, SECRET);
    org.next_uri_page_size = 1; // 2 OAuth clients: 2 pages via nextUri
    org.roles_page_size = 3; // 7 roles: 3 pages via pageNumber/pageCount
    org.throttle_once = Some("/api/v2/oauth/clients?pageSize=1&pageNumber=2".into());
    let o = start(org, &[LOGIN, API]).await;

    let f = Fixture::sample();
    let out = f.path("cloud/collected-a");
    let t0 = Instant::now();
    let r = run_bin(collect_args(&o, &out), Some(SECRET)).await;
    assert_eq!(r.code, 0, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert!(
        t0.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was not waited for"
    );
    let log = o.server.requests();
    let page2: Vec<&String> = log
        .iter()
        .filter(|l| l.contains("/api/v2/oauth/clients?pageSize=1&pageNumber=2"))
        .collect();
    assert_eq!(page2.len(), 2, "{log:#?}");
    assert!(
        page2[0].ends_with(" 429") && page2[1].ends_with(" 200"),
        "{log:#?}"
    );
    let roles_pages = log
        .iter()
        .filter(|l| l.starts_with("GET /api/v2/authorization/roles"))
        .count();
    assert_eq!(roles_pages, 3, "{log:#?}");
    assert!(r.stdout.contains("oauth-clients.json"), "{}", r.stdout);

    // Listings merged: every entity, in order, one complete page.
    for name in [
        "oauth-clients.json",
        "authorization-roles.json",
        "identityproviders.json",
    ] {
        let got = read_json(&out.join(name));
        let want = read_json(&sample_tenant_a().join(name));
        assert_eq!(got["entities"], want["entities"], "{name}");
        assert_eq!(got["total"], want["total"], "{name}");
        assert_eq!(got["pageCount"], 1, "{name}");
    }
    for name in [
        "organizations-me.json",
        "identityproviders-pureengage.json",
        "divisions-home.json",
    ] {
        assert_eq!(
            read_json(&out.join(name)),
            read_json(&sample_tenant_a().join(name)),
            "{name}"
        );
    }
    assert_no_leak(
        &[&r.stdout, &r.stderr, &all_text(&out)],
        &[SECRET, &o.token],
    );

    // The audit over the collected folder equals the audit over the source files.
    let (_, before) = f.audit(&[]);
    f.replace("deployment.yaml", "cloud/tenant-a/", "cloud/collected-a/");
    let (_, after) = f.audit(&[]);
    let (b, a) = (verdicts(&before), verdicts(&after));
    assert!(b.len() > 50, "{}", b.len());
    assert_eq!(a, b);

    // Re-running over the folder replaces it: notes kept, nothing stale.
    std::fs::write(out.join("NOTES.txt"), "collected for the March audit").unwrap();
    let r2 = run_bin(collect_args(&o, &out), Some(SECRET)).await;
    assert_eq!(r2.code, 0, "{}", r2.stderr);
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 7, "{names:?}");
    assert!(names.contains(&"NOTES.txt".to_owned()));
    let leftovers: Vec<String> = std::fs::read_dir(f.path("cloud"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_secret_is_authentication_failed_with_exit_2() {
    let org = Org::from_folder(&sample_tenant_a(), CLIENT_ID, SECRET);
    let o = start(org, &[LOGIN, API]).await;
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("org");
    let wrong = "cs-wrong-Ab3De5Gh7Jk9Mn2Pq4St6Vw8";
    let r = run_bin(collect_args(&o, &out), Some(wrong)).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("authentication failed: check client id/secret and region"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("invalid_client"), "{}", r.stderr);
    assert!(!out.exists());
    assert_no_leak(&[&r.stdout, &r.stderr], &[wrong, SECRET, &o.token]);
    // Only the token endpoint was asked.
    assert_eq!(o.server.requests(), ["POST /oauth/token 400"]);

    // No secret in the environment: a usage error before any request.
    let r = run_bin(collect_args(&o, &out), None).await;
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("HYBRID_PREFLIGHT_CLIENT_SECRET"),
        "{}",
        r.stderr
    );
    assert_eq!(o.server.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_provider_is_recorded_so_idp001_fails() {
    let mut org = Org::from_folder(&sample_tenant_a(), CLIENT_ID, SECRET);
    org.missing_provider = true;
    let o = start(org, &[LOGIN, API]).await;
    let f = Fixture::sample();
    let out = f.path("cloud/tenant-a");
    let r = run_bin(collect_args(&o, &out), Some(SECRET)).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("not configured"), "{}", r.stdout);
    let idp = read_json(&out.join("identityproviders-pureengage.json"));
    assert_eq!(idp["status"], 404);
    assert_eq!(idp["code"], "not.found");
    let (_, rep) = f.audit(&["--select", "IDP001"]);
    assert_eq!(
        support::verdict(&rep, "IDP001", "tenant:Tenant_A"),
        ("fail".to_owned(), Some("not-configured".to_owned()))
    );
    assert_eq!(
        support::verdict(&rep, "IDP001", "tenant:Tenant_B"),
        ("pass".to_owned(), None)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_permission_is_explained_and_the_old_folder_kept() {
    let mut org = Org::from_folder(&sample_tenant_a(), CLIENT_ID, SECRET);
    org.forbid = Some(("/api/v2/oauth/clients".into(), "oauth:client:view".into()));
    let o = start(org, &[LOGIN, API]).await;
    let f = Fixture::sample();
    let out = f.path("cloud/tenant-a");
    let before = all_text(&out);
    let r = run_bin(collect_args(&o, &out), Some(SECRET)).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("(403)"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("the OAuth client lacks the permission `oauth:client:view`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("GET /api/v2/oauth/clients"),
        "{}",
        r.stderr
    );
    assert_eq!(
        all_text(&out),
        before,
        "a failed run must not touch the folder"
    );
    assert_no_leak(&[&r.stdout, &r.stderr], &[SECRET, &o.token]);
}

/// The `ewt` credentials of the sample's Tenant_A.
const EWT_A: (&str, &str) = (
    "c57a67e9-e208-4373-b689-0e973886d31a",
    "sec-c55c67948e3c4bf0b8cb9d18cd195656",
);

#[tokio::test(flavor = "multi_thread")]
async fn live_auth_token_request_passes_and_fails_per_tenant() {
    let org = Org::token_only(EWT_A.0, EWT_A.1);
    // Every tenant's login host, pinned to the one server.
    let o = start(
        org,
        &[
            "login.mypurecloud.com",
            "login.mypurecloud.com.au",
            "login.mypurecloud.de",
        ],
    )
    .await;
    let f = Fixture::sample();
    let report = f.path("live.json");
    let args = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "audit",
            f.dir.path().to_str().unwrap(),
            "--select",
            "OAU006",
            "--report",
            &format!("json:{}", report.display()),
            "--connect-to",
            &format!("::127.0.0.1:{}", o.server.addr.port()),
            "--ca-file",
            o.ca_file.to_str().unwrap(),
            "--timeout",
            "5",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };

    // Off by default: no request is sent.
    let r = run_bin(args(&[]), None).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rep = read_json(&report);
    for t in ["Tenant_A", "Tenant_B", "Tenant_C"] {
        assert_eq!(
            support::verdict(&rep, "OAU006", &format!("tenant:{t}")),
            ("skip".to_owned(), Some("live-auth-disabled".to_owned()))
        );
    }
    assert!(o.server.requests().is_empty());

    let r = run_bin(args(&["--live-auth"]), None).await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    let rep = read_json(&report);
    assert_eq!(
        support::verdict(&rep, "OAU006", "tenant:Tenant_A"),
        ("pass".to_owned(), None)
    );
    for t in ["Tenant_B", "Tenant_C"] {
        let x = support::result(&rep, "OAU006", &format!("tenant:{t}"));
        assert_eq!(x["status"], "fail", "{x}");
        assert_eq!(x["reason"], "token-refused", "{x}");
        assert_eq!(x["evidence"]["error"], "invalid_client", "{x}");
        assert_eq!(
            x["evidence"]["error_description"], "authentication failed",
            "{x}"
        );
        assert_eq!(x["evidence"]["http_status"], 400, "{x}");
    }
    assert_eq!(o.server.requests().len(), 3);
    let text = std::fs::read_to_string(&report).unwrap();
    let mut needles: Vec<&str> = support::SAMPLE_SECRETS.to_vec();
    needles.push(&o.token);
    assert_no_leak(&[&r.stdout, &r.stderr, &text], &needles);

    // --live-auth sends credentials over the network: not with --offline.
    let r = run_bin(args(&["--live-auth", "--offline"]), None).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn live_auth_without_an_answer_is_an_error_not_a_verdict() {
    // Nothing listens on the pinned port: the check cannot decide.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let f = Fixture::sample();
    let report = f.path("live.json");
    let args: Vec<String> = [
        "audit",
        f.dir.path().to_str().unwrap(),
        "--select",
        "OAU006",
        "--live-auth",
        "--report",
        &format!("json:{}", report.display()),
        "--connect-to",
        &format!("::127.0.0.1:{port}"),
        "--timeout",
        "2",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let r = run_bin(args, None).await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    let rep = read_json(&report);
    assert_eq!(
        support::verdict(&rep, "OAU006", "tenant:Tenant_A"),
        ("error".to_owned(), Some("token-request-failed".to_owned()))
    );
}

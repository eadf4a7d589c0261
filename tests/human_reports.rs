//! Reports for people and schedulers: HTML (escaped, self-contained, renders
//! in Chromium), Markdown, waivers, fleet merge, Prometheus, recipes.

mod support;

use serde_json::json;
use support::{Fixture, run};

/// The sample with markup planted in names and values, and a finding.
fn hostile_sample() -> Fixture {
    let f = Fixture::sample();
    f.replace(
        "deployment.yaml",
        "name: Sample contact centre (three tenants)",
        "name: \"<b>ACME</b> & <script>alert(1)</script>\"",
    );
    f.set_json(
        "onprem/tenant-a.json",
        "/transactions/0/userProperties/saml/issuer",
        json!("https://x/<img src=x onerror=alert(2)>"),
    );
    f.set_json(
        "onprem/tenant-a.json",
        "/transactions/0/userProperties/saml/expire_time",
        json!("72"),
    );
    f
}

#[test]
fn html_escapes_every_value_and_is_self_contained() {
    let f = hostile_sample();
    let out = f.path("r.html");
    let r = run(&[
        "audit",
        f.dir.path().to_str().unwrap(),
        "--offline",
        "--report",
        &format!("html:{}", out.display()),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(
        !html.contains("<script"),
        "markup from evidence must render as text"
    );
    assert!(!html.contains("<img"));
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "escaped deployment name"
    );
    assert!(html.contains("&lt;img src=x onerror=alert(2)&gt;"));
    for external in ["src=\"http", "href=\"http", "@import", "url(", "<link"] {
        assert!(!html.contains(external), "external resource: {external}");
    }
    assert!(html.contains("CFG012") && html.contains("above-maximum"));
    assert!(html.contains("<details>"), "passed checks are collapsible");
    assert!(html.contains("@media print"));
}

#[test]
fn html_renders_in_headless_chromium() {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(chromium) = chromium else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs chromium; it is missing"
        );
        eprintln!("skipping: chromium is not installed");
        return;
    };
    let f = hostile_sample();
    let html = f.path("r.html");
    let r = run(&[
        "audit",
        f.dir.path().to_str().unwrap(),
        "--offline",
        "--report",
        &format!("html:{}", html.display()),
    ]);
    assert_eq!(r.code, 1);
    let png = std::env::var("HTML_SCREENSHOT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| f.path("r.png"));
    let profile = f.path("chromium-profile");
    let status = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", profile.display()),
            &format!("--screenshot={}", png.display()),
            "--window-size=1200,1600",
            &format!("file://{}", html.display()),
        ])
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(
        bytes.len() > 20_000,
        "a rendered page, not a blank one ({} bytes)",
        bytes.len()
    );
}

#[test]
fn markdown_escapes_table_cells() {
    let f = Fixture::sample();
    f.set_json(
        "onprem/tenant-a.json",
        "/transactions/0/userProperties/general/base_service_url",
        json!("https://api.mypurecloud.com/api|v2/"),
    );
    let r = run(&[
        "audit",
        f.dir.path().to_str().unwrap(),
        "--offline",
        "--select",
        "CFG008",
        "--report",
        "markdown:-",
    ]);
    assert_eq!(r.code, 1);
    let md = r.stdout;
    assert!(md.starts_with("## Preflight audit: Sample contact centre"));
    let row = md.lines().find(|l| l.contains("CFG008")).unwrap();
    assert!(row.contains("api\\|v2"), "{row}");
    // 6 columns + 2 borders = 7 unescaped pipes.
    assert_eq!(row.replace("\\|", "").matches('|').count(), 7, "{row}");
}

#[test]
fn waivers_apply_expire_and_report_unused() {
    let f = Fixture::sample();
    f.set_json(
        "onprem/tenant-a.json",
        "/transactions/0/userProperties/saml/expire_time",
        json!("72"),
    );
    f.replace("onprem/tenant-b.cfg", "expire_time=24", "expire_time=96");
    f.write(
        "waivers.yaml",
        r#"waivers:
  - rule: CFG012
    subject: "tenant:Tenant_A"
    justification: "Change CHG-1234 lowers it on 2027-01-15"
    expires: 2027-01-31
  - rule: CFG012
    subject: "tenant:Tenant_B"
    justification: "Old exception"
    expires: 2026-06-30
  - rule: IDP004
    subject: "tenant:*"
    justification: "Never matches: every issuer is correct"
"#,
    );
    let dir = f.dir.path().to_str().unwrap();
    let waivers = f.path("waivers.yaml");
    let junit = f.path("r.xml");
    let json_out = f.path("r.json");
    let r = run(&[
        "audit",
        dir,
        "--offline",
        "--select",
        "CFG012,IDP004",
        "--now",
        "2026-12-03T12:00:00Z",
        "--waivers",
        waivers.to_str().unwrap(),
        "--report",
        &format!("json:{}", json_out.display()),
        "--report",
        &format!("junit:{}", junit.display()),
        "--report",
        "table:-",
    ]);
    // Tenant_B's finding is active again: its waiver expired.
    assert_eq!(r.code, 1, "{}", r.stderr);
    let rep: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_out).unwrap()).unwrap();
    let a = support::result(&rep, "CFG012", "tenant:Tenant_A");
    assert_eq!(a["status"], "waived");
    assert_eq!(a["reason"], "above-maximum");
    assert_eq!(
        a["evidence"]["waiver"]["justification"],
        "Change CHG-1234 lowers it on 2027-01-15"
    );
    assert_eq!(
        support::verdict(&rep, "CFG012", "tenant:Tenant_B"),
        ("fail".to_owned(), Some("above-maximum".to_owned()))
    );
    assert_eq!(rep["summary"]["waived"], 1);
    let notes: Vec<(String, String)> = rep["waiver_notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["rule"].as_str().unwrap().to_owned(),
                n["problem"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        notes,
        vec![
            ("CFG012".to_owned(), "expired".to_owned()),
            ("IDP004".to_owned(), "unused".to_owned())
        ]
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    let case_a = xml
        .split("<testcase ")
        .find(|c| c.contains("name=\"tenant:Tenant_A\" classname=\"config.CFG012\""))
        .unwrap();
    assert!(
        case_a.contains("<skipped") && case_a.contains("CHG-1234"),
        "{case_a}"
    );
    assert!(xml.contains("type=\"waiver-expired\"") && xml.contains("type=\"waiver-unused\""));
    assert!(r.stdout.contains("waiver expired CFG012"), "{}", r.stdout);

    // With every finding waived (and no expired waiver), the exit code is 0.
    f.write(
        "w2.yaml",
        "waivers:\n  - { rule: CFG012, subject: \"tenant:*\", justification: \"accepted\" }\n",
    );
    let r = run(&[
        "audit",
        dir,
        "--offline",
        "--select",
        "CFG012",
        "--waivers",
        f.path("w2.yaml").to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn waiver_without_justification_is_an_input_error() {
    let f = Fixture::sample();
    f.write(
        "w.yaml",
        "waivers:\n  - rule: CFG012\n    subject: \"tenant:*\"\n    justification: \"  \"\n",
    );
    let r = run(&[
        "audit",
        f.dir.path().to_str().unwrap(),
        "--offline",
        "--waivers",
        f.path("w.yaml").to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("w.yaml:4:20: waiver for CFG012 has an empty justification"),
        "{}",
        r.stderr
    );
    f.write(
        "w.yaml",
        "waivers:\n  - rule: CFG012\n    subject: \"tenant:*\"\n",
    );
    let r = run(&[
        "audit",
        f.dir.path().to_str().unwrap(),
        "--offline",
        "--waivers",
        f.path("w.yaml").to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("justification"), "{}", r.stderr);
}

#[test]
fn fleet_merge_keeps_the_host_on_every_result() {
    let f = Fixture::sample();
    let dir = f.dir.path().to_str().unwrap();
    let (h1, h2) = (f.path("host1.json"), f.path("host2.json"));
    assert_eq!(
        run(&[
            "audit",
            dir,
            "--offline",
            "--select",
            "CFG",
            "--host",
            "cc-app-01",
            "--report",
            &format!("json:{}", h1.display())
        ])
        .code,
        0
    );
    f.set_json(
        "onprem/tenant-a.json",
        "/transactions/0/userProperties/saml/expire_time",
        json!("72"),
    );
    assert_eq!(
        run(&[
            "audit",
            dir,
            "--offline",
            "--select",
            "CFG",
            "--host",
            "cc-app-02",
            "--report",
            &format!("json:{}", h2.display())
        ])
        .code,
        1
    );
    let (junit, md, merged) = (
        f.path("fleet.xml"),
        f.path("fleet.md"),
        f.path("fleet.json"),
    );
    let r = run(&[
        "report",
        "merge",
        h1.to_str().unwrap(),
        h2.to_str().unwrap(),
        "--report",
        &format!("junit:{}", junit.display()),
        "--report",
        &format!("markdown:{}", md.display()),
        "--report",
        &format!("json:{}", merged.display()),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&merged).unwrap()).unwrap();
    assert_eq!(m["summary"]["total"], 90);
    assert_eq!(m["summary"]["fail"], 1);
    let fail = m["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["status"] == "fail")
        .unwrap();
    assert_eq!(
        (fail["rule"].as_str(), fail["host"].as_str()),
        (Some("CFG012"), Some("cc-app-02"))
    );
    assert_eq!(m["host"], "2 host(s): cc-app-01, cc-app-02");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("name=\"tenant:Tenant_A @ cc-app-01\" classname=\"config.CFG012\""));
    assert!(xml.contains("name=\"tenant:Tenant_A @ cc-app-02\" classname=\"config.CFG012\""));
    assert!(
        std::fs::read_to_string(&md)
            .unwrap()
            .contains("| cc-app-02 |")
    );
    // Not a report: exit 2 naming the file.
    f.write("junk.json", "{\"x\": 1}");
    let r = run(&["report", "merge", f.path("junk.json").to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("junk.json:1:8: not a hybrid-preflight JSON report"),
        "{}",
        r.stderr
    );
}

#[test]
fn prometheus_textfile_parses() {
    let f = Fixture::sample();
    f.set_json(
        "onprem/tenant-a.json",
        "/transactions/0/userProperties/saml/expire_time",
        json!("72"),
    );
    let out = f.path("hp.prom");
    let r = run(&[
        "audit",
        f.dir.path().to_str().unwrap(),
        "--offline",
        "--select",
        "CFG",
        "--host",
        "h\"1",
        "--report",
        &format!("prometheus:{}", out.display()),
    ]);
    assert_eq!(r.code, 1);
    let text = std::fs::read_to_string(&out).unwrap();
    let lines = text.lines().map(|l| Ok(l.to_owned()));
    let scrape = prometheus_parse::Scrape::parse(lines).unwrap();
    let status = scrape
        .samples
        .iter()
        .find(|s| {
            s.metric == "hybrid_preflight_check_status"
                && s.labels.get("rule") == Some("CFG012")
                && s.labels.get("subject") == Some("tenant:Tenant_A")
        })
        .unwrap();
    assert_eq!(status.value, prometheus_parse::Value::Gauge(2.0));
    // The label is escaped as the exposition format requires (prometheus-parse keeps escapes).
    assert_eq!(status.labels.get("host"), Some("h\\\"1"));
    let high = scrape
        .samples
        .iter()
        .find(|s| {
            s.metric == "hybrid_preflight_findings" && s.labels.get("severity") == Some("medium")
        })
        .unwrap();
    assert_eq!(high.value, prometheus_parse::Value::Gauge(1.0));
    let n_status = scrape
        .samples
        .iter()
        .filter(|s| s.metric == "hybrid_preflight_check_status")
        .count();
    assert_eq!(n_status, 45);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o644,
        "readable by a textfile collector"
    );
}

#[test]
fn scheduling_recipes_are_valid() {
    let dir = support::crate_dir().join("docs/recipes");
    // YAML recipes parse, and run the documented command line.
    let cron: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(dir.join("cronjob.yaml")).unwrap())
            .unwrap();
    assert_eq!(cron["kind"], "CronJob");
    assert_eq!(cron["apiVersion"], "batch/v1");
    let c = &cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["args"][0], "audit");
    assert_eq!(
        cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"],
        "Never"
    );
    let play: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(dir.join("playbook.yml")).unwrap())
            .unwrap();
    let plays = play.as_array().unwrap();
    assert_eq!(plays.len(), 2);
    assert_eq!(
        plays[0]["tasks"][0]["ansible.builtin.command"]["argv"][1],
        "audit"
    );
    assert_eq!(
        plays[0]["tasks"][0]["failed_when"],
        "audit.rc not in [0, 1]"
    );
    // systemd units: INI sections and keys, and the flags exist in this binary.
    for (file, sections) in [
        ("hybrid-preflight.service", vec!["Unit", "Service"]),
        ("hybrid-preflight.timer", vec!["Unit", "Timer", "Install"]),
    ] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let mut found = Vec::new();
        let mut continued = false;
        for line in text.lines() {
            let l = line.trim();
            if continued {
                continued = l.ends_with('\\');
                continue;
            }
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            if let Some(name) = l.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
                found.push(name.to_owned());
                continue;
            }
            assert!(l.contains('='), "{file}: `{l}` is not key=value");
            continued = l.ends_with('\\');
        }
        assert_eq!(found, sections, "{file}");
    }
    let service = std::fs::read_to_string(dir.join("hybrid-preflight.service")).unwrap();
    assert!(service.contains("SuccessExitStatus=1"));
    let help = run(&["audit", "--help"]).stdout;
    for flag in ["--report", "--waivers", "--host", "--fail-on"] {
        assert!(help.contains(flag), "{flag}");
    }
}

//! The binary's contract: exit codes, report files, input errors with
//! positions, rule selection, user rule files, secrets kept out of output.

mod support;

use support::{Fixture, SAMPLE_SECRETS, run};

#[test]
fn several_reports_in_one_run_and_exit_codes() {
    let f = Fixture::sample();
    let dir = f.dir.path().to_str().unwrap().to_owned();
    let json = f.path("out/r.json");
    let junit = f.path("out/r.xml");
    std::fs::create_dir_all(f.path("out")).unwrap();
    let r = run(&[
        "audit",
        &dir,
        "--offline",
        "--select",
        "CFG,IDP",
        "--report",
        &format!("json:{}", json.display()),
        "--report",
        &format!("junit:{}", junit.display()),
        "--report",
        "table",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("63 checks: 63 pass"), "{}", r.stdout);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["summary"]["total"], 63);
    assert!(
        std::fs::read_to_string(&junit)
            .unwrap()
            .contains("<testsuites")
    );
}

#[test]
fn findings_exit_1_and_fail_on_raises_the_bar() {
    let f = Fixture::sample();
    f.set_json(
        "onprem/tenant-a.json",
        "/transactions/0/userProperties/saml/expire_time",
        serde_json::json!("72"),
    );
    let dir = f.dir.path().to_str().unwrap();
    let r = run(&["audit", dir, "--offline", "--select", "CFG012"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("above-maximum"), "{}", r.stdout);
    // CFG012 is medium: --fail-on high ignores it.
    let r = run(&[
        "audit",
        dir,
        "--offline",
        "--select",
        "CFG012",
        "--fail-on",
        "high",
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = run(&["audit", dir, "--offline", "--fail-on", "severe"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown severity"), "{}", r.stderr);
}

#[test]
fn json_to_stdout_for_pipes() {
    let f = Fixture::sample();
    let r = run(&[
        "audit",
        f.dir.path().to_str().unwrap(),
        "--offline",
        "--select",
        "CFG001",
        "--report",
        "json:-",
    ]);
    assert_eq!(r.code, 0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["results"].as_array().unwrap().len(), 3);
    let r = run(&[
        "audit",
        f.dir.path().to_str().unwrap(),
        "--offline",
        "--report",
        "json:-",
        "--report",
        "junit:-",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("only one --report can write to stdout"));
}

#[test]
fn missing_manifest_is_exit_2_naming_the_file() {
    let r = run(&["audit", "/nonexistent/deployment.yaml", "--offline"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr.trim(),
        "hybrid-preflight: error: /nonexistent/deployment.yaml: file not found"
    );
}

#[test]
fn manifest_typo_is_exit_2_with_line_and_column() {
    let f = Fixture::sample();
    f.replace(
        "deployment.yaml",
        "multi_tenant: true",
        "multi_tennant: true",
    );
    let r = run(&["audit", f.dir.path().to_str().unwrap(), "--offline"]);
    assert_eq!(r.code, 2);
    let manifest = f.path("deployment.yaml");
    assert!(
        r.stderr.contains(&format!("{}:2:1:", manifest.display())),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("multi_tennant"), "{}", r.stderr);
}

#[test]
fn missing_export_points_at_the_manifest_line() {
    let f = Fixture::sample();
    std::fs::remove_file(f.path("onprem/tenant-c.json")).unwrap();
    let r = run(&["audit", f.dir.path().to_str().unwrap(), "--offline"]);
    assert_eq!(r.code, 2);
    let want = format!(
        "hybrid-preflight: error: {}: file not found (named as `onprem/tenant-c.json` at {}:12:18)",
        f.path("onprem/tenant-c.json").display(),
        f.path("deployment.yaml").display()
    );
    assert_eq!(r.stderr.trim(), want);
}

#[test]
fn broken_export_json_has_position() {
    let f = Fixture::sample();
    f.write(
        "onprem/tenant-a.json",
        "{\n  \"transactions\": [\n    {\"name\": \"hybrid_integration\",}\n  ]\n}\n",
    );
    let r = run(&["audit", f.dir.path().to_str().unwrap(), "--offline"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("tenant-a.json:3:35: invalid JSON: trailing comma"),
        "{}",
        r.stderr
    );
}

#[test]
fn select_and_ignore_by_code_prefix_and_category() {
    let f = Fixture::sample();
    let (_, r) = f.audit(&["--select", "identity-provider", "--ignore", "IDP00"]);
    assert_eq!(r["summary"]["total"], 0);
    let (_, r) = f.audit(&["--select", "IDP", "--ignore", "IDP002"]);
    assert_eq!(r["summary"]["total"], 15);
    let r = run(&[
        "audit",
        f.dir.path().to_str().unwrap(),
        "--offline",
        "--select",
        "XYZ",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("name no rule or category: XYZ"),
        "{}",
        r.stderr
    );
}

#[test]
fn rules_list_and_explain() {
    let r = run(&["rules", "list"]);
    assert_eq!(r.code, 0);
    for code in [
        "CFG001", "CFG015", "IDP006", "OAU005", "ROL002", "CRT008", "TEN004", "NET007",
    ] {
        assert!(r.stdout.contains(code), "{code} missing from rules list");
    }
    let r = run(&["rules", "explain", "idp004"]);
    assert_eq!(r.code, 0);
    for part in [
        "# IDP004",
        "## What it checks",
        "## Why it matters",
        "## How to fix",
        "Guide: Genesys Cloud provisioning, step 3",
    ] {
        assert!(r.stdout.contains(part), "{part}: {}", r.stdout);
    }
    let r = run(&["rules", "explain", "NOPE001"]);
    assert_eq!(r.code, 2);
}

#[test]
fn site_policy_rule_in_yaml_alone() {
    let f = Fixture::sample();
    let dir = f.dir.path().to_str().unwrap();
    let policy = support::crate_dir().join("docs/examples/site-policy.yaml");
    let r = run(&[
        "audit",
        dir,
        "--offline",
        "--rules",
        policy.to_str().unwrap(),
        "--select",
        "SITE001",
        "--report",
        "json:-",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let res = support::result(&v, "SITE001", "tenant:Tenant_A");
    assert_eq!(res["status"], "fail");
    assert_eq!(res["reason"], "above-maximum");
    assert_eq!(res["remediation"], "Set saml/expire_time to 12 or less.");
}

#[test]
fn bad_rule_files_are_rejected_with_positions() {
    let f = Fixture::sample();
    let dir = f.dir.path().to_str().unwrap();
    let cases = [
        (
            "typo.yaml",
            "rules:\n  - code: SITE002\n    titel: x\n",
            ":3:5:",
            "titel",
        ),
        (
            "sev.yaml",
            "rules:\n  - code: SITE003\n    title: t\n    category: c\n    severity: severe\n    guide: g\n    what: w\n    why: y\n    fix: f\n    check: { fact: tx.saml.issuer, present: true }\n",
            ":5:15:",
            "severe",
        ),
        (
            "fact.yaml",
            "rules:\n  - code: SITE004\n    title: t\n    category: c\n    severity: low\n    guide: g\n    what: w\n    why: y\n    fix: f\n    check: { fact: tx.saml, present: true }\n",
            ":10:12:",
            "unknown fact path",
        ),
        (
            "builtin.yaml",
            "rules:\n  - code: SITE005\n    title: t\n    category: c\n    severity: low\n    guide: g\n    what: w\n    why: y\n    fix: f\n    check: { builtin: issuer-mach }\n",
            ":10:12:",
            "did you mean `issuer-match`",
        ),
        (
            "dup.yaml",
            "rules:\n  - code: CFG001\n    title: t\n    category: c\n    severity: low\n    guide: g\n    what: w\n    why: y\n    fix: f\n    check: { fact: tx.saml.issuer, present: true }\n",
            ":2:11:",
            "already defined in built-in pack",
        ),
        (
            "regex.yaml",
            "rules:\n  - code: SITE006\n    title: t\n    category: c\n    severity: low\n    guide: g\n    what: w\n    why: y\n    fix: f\n    check: { fact: tx.saml.issuer, matches: '(' }\n",
            ":10:12:",
            "invalid regex",
        ),
    ];
    for (name, text, pos, phrase) in cases {
        f.write(&format!("bad/{name}"), text);
        let file = f.path(&format!("bad/{name}"));
        let r = run(&["audit", dir, "--offline", "--rules", file.to_str().unwrap()]);
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("{}{pos}", file.display())),
            "{name}: {}",
            r.stderr
        );
        assert!(r.stderr.contains(phrase), "{name}: {}", r.stderr);
    }
}

#[test]
fn no_secret_reaches_any_output() {
    let f = Fixture::sample();
    // Make secrets the subject of findings too: whitespace around a password,
    // a site rule that compares a password.
    f.set_json(
        "onprem/tenant-a.json",
        "/transactions/0/userProperties/saml/password",
        serde_json::json!("Pw-4d2a3d87cf23 "),
    );
    f.write(
        "policy/p.yaml",
        "rules:\n  - code: SITE009\n    title: t\n    category: c\n    severity: low\n    guide: g\n    what: w\n    why: y\n    fix: f\n    check: { fact: tx.saml.password, equals: not-the-password }\n",
    );
    let dir = f.dir.path().to_str().unwrap();
    let json = f.path("r.json");
    let junit = f.path("r.xml");
    let r = run(&[
        "audit",
        dir,
        "--offline",
        "--rules",
        f.path("policy").to_str().unwrap(),
        "--report",
        &format!("json:{}", json.display()),
        "--report",
        &format!("junit:{}", junit.display()),
        "--report",
        "table:-",
    ]);
    assert_eq!(r.code, 1);
    let outputs = [
        r.stdout,
        r.stderr,
        std::fs::read_to_string(&json).unwrap(),
        std::fs::read_to_string(&junit).unwrap(),
    ];
    assert!(outputs[2].contains("SITE009"));
    assert!(
        outputs[2].contains("<redacted"),
        "secret facts are shown redacted"
    );
    // The encrypted key's base64 (any 24-character piece of any line).
    let tx: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(f.path("onprem/tenant-a.json")).unwrap())
            .unwrap();
    let pkey = tx["transactions"][0]["userProperties"]["saml"]["pkey"]
        .as_str()
        .unwrap()
        .to_owned();
    let pieces: Vec<&str> = pkey
        .lines()
        .filter(|l| l.len() >= 48)
        .map(|l| &l[12..36])
        .collect();
    assert!(pieces.len() > 10);
    for out in &outputs {
        for s in SAMPLE_SECRETS {
            assert!(!out.contains(s), "secret {s} leaked");
        }
        for p in &pieces {
            assert!(!out.contains(p), "key material {p} leaked");
        }
    }
}

#[cfg(not(feature = "capture"))]
#[test]
fn capture_needs_the_feature() {
    let f = Fixture::sample();
    let r = run(&[
        "audit",
        f.dir.path().to_str().unwrap(),
        "--capture",
        "/tmp/x",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("rebuild with `cargo build --release --features capture`"),
        "{}",
        r.stderr
    );
}

//! Report formats: the JSON report validates against the published schema;
//! the JUnit report has the structure strict CI consumers need.

mod support;

use std::collections::BTreeSet;
use support::{Fixture, run};

fn faulty_sample() -> Fixture {
    let f = Fixture::sample();
    f.set_json(
        "onprem/tenant-a.json",
        "/transactions/0/userProperties/saml/expire_time",
        serde_json::json!("72"),
    );
    f.set_json(
        "cloud/tenant-b/identityproviders.json",
        "/total",
        serde_json::json!(9),
    );
    f
}

#[test]
fn json_report_matches_the_published_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(support::crate_dir().join("reports/audit-report.schema.json"))
            .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let f = faulty_sample();
    let (_, report) = f.audit(&[]);
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert_eq!(errors, Vec::<String>::new());
    // The statuses this report exercises.
    let statuses: BTreeSet<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert!(
        statuses.is_superset(&BTreeSet::from(["pass", "fail", "error", "skip"])),
        "{statuses:?}"
    );
    // A report missing a required field is rejected (the schema is not vacuous).
    let mut broken = report.clone();
    broken["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("subject");
    assert!(!validator.is_valid(&broken));
}

/// Value of `name="..."` in one XML start tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("{name}=\"");
    let start = tag
        .match_indices(&key)
        .find(|(i, _)| *i == 0 || tag.as_bytes()[i - 1] == b' ')?
        .0
        + key.len();
    Some(&tag[start..start + tag[start..].find('"')?])
}

#[test]
fn junit_has_the_structure_ci_consumers_need() {
    let f = faulty_sample();
    let out = f.path("r.xml");
    let r = run(&[
        "audit",
        f.dir.path().to_str().unwrap(),
        "--offline",
        "--report",
        &format!("junit:{}", out.display()),
    ]);
    assert_eq!(r.code, 1);
    let xml = std::fs::read_to_string(&out).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert_eq!(xml.matches("<testsuites").count(), 1, "one root");
    let root = &xml[xml.find("<testsuites").unwrap()..];
    let root_tag = &root[..root.find('>').unwrap()];

    let mut names = BTreeSet::new();
    let mut total = 0;
    let mut suites = 0;
    for suite in xml.split("<testsuite ").skip(1) {
        suites += 1;
        let tag = &suite[..suite.find('>').unwrap()];
        let tests: usize = attr(tag, "tests").unwrap().parse().unwrap();
        let cases: Vec<&str> = suite.split("<testcase ").skip(1).collect();
        assert_eq!(
            tests,
            cases.len(),
            "suite {} counts",
            attr(tag, "name").unwrap()
        );
        let failures: usize = attr(tag, "failures").unwrap().parse().unwrap();
        let errors: usize = attr(tag, "errors").unwrap().parse().unwrap();
        assert_eq!(failures, suite.matches("<failure ").count());
        assert_eq!(errors, suite.matches("<error ").count());
        for c in cases {
            let ctag = &c[..c.find('>').unwrap()];
            let classname = attr(ctag, "classname").unwrap();
            let name = attr(ctag, "name").unwrap();
            assert!(!classname.is_empty() && !name.is_empty());
            assert!(
                classname.starts_with(attr(tag, "name").unwrap()),
                "{classname}"
            );
            assert!(
                names.insert(format!("{classname}/{name}")),
                "duplicate {classname} {name}"
            );
            let time = attr(ctag, "time").unwrap();
            assert!(
                !time.contains('e') && time.parse::<f64>().is_ok(),
                "time {time} must be fixed-point"
            );
            if let Some(i) = c.find("<failure ") {
                let ftag = &c[i..i + c[i..].find('>').unwrap()];
                let msg = attr(ftag, "message").unwrap();
                assert!(
                    !msg.contains('\n') && !msg.contains("&#xA;"),
                    "single-line message: {msg}"
                );
                assert!(attr(ftag, "type").is_some());
            }
            total += 1;
        }
    }
    assert_eq!(
        attr(root_tag, "tests").unwrap().parse::<usize>().unwrap(),
        total
    );
    assert!(suites >= 5, "one suite per category");
    assert!(names.contains("config.CFG012/tenant:Tenant_A"));
    assert!(xml.contains("type=\"above-maximum\""));
    assert!(xml.contains("type=\"incomplete-evidence\""));
}

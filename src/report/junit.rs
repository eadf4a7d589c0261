//! JUnit XML for CI and schedulers (Jenkins, GitLab, Azure DevOps).
//!
//! One `<testsuites>` root, one `<testsuite>` per category, a testcase per
//! result with `classname="<category>.<rule>"` and `name="<subject>"` (stable
//! and unique, no message in it). `fail` → `<failure>`, `error` → `<error>`,
//! `skip`/`waived` → `<skipped>`. Messages are single-line; times fixed-point.

use crate::result::{AuditReport, CheckResult, Status};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::collections::BTreeMap;
use std::time::Duration;

pub fn render(report: &AuditReport) -> String {
    let mut r = Report::new("hybrid-preflight");
    let mut by_category: BTreeMap<&str, Vec<&CheckResult>> = BTreeMap::new();
    for res in &report.results {
        by_category
            .entry(res.category.as_str())
            .or_default()
            .push(res);
    }
    for (category, results) in by_category {
        let mut suite = TestSuite::new(category);
        for res in results {
            suite.add_test_case(case(category, res));
        }
        r.add_test_suite(suite);
    }
    if !report.complete {
        let mut suite = TestSuite::new("run");
        let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
        if let TestCaseStatus::NonSuccess { message, ty, .. } = &mut s {
            *message = Some("the run was interrupted before every probe finished".into());
            *ty = Some("interrupted".into());
        }
        let mut tc = TestCase::new("complete", s);
        tc.set_classname("run.interrupted");
        suite.add_test_case(tc);
        r.add_test_suite(suite);
    }
    if !report.waiver_notes.is_empty() {
        let mut suite = TestSuite::new("waivers");
        for n in &report.waiver_notes {
            let mut s = TestCaseStatus::skipped();
            if let TestCaseStatus::Skipped { message, ty, .. } = &mut s {
                *message = Some(one_line(&n.message).into());
                *ty = Some(format!("waiver-{}", n.problem).into());
            }
            let mut tc = TestCase::new(format!("{} ({})", n.subject, n.problem), s);
            tc.set_classname(format!("waivers.{}", n.rule));
            suite.add_test_case(tc);
        }
        r.add_test_suite(suite);
    }
    r.to_string().unwrap_or_else(|e| {
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"hybrid-preflight\" tests=\"0\" failures=\"0\" errors=\"1\"><!-- cannot render: {} --></testsuites>\n", e.to_string().replace("--", "- -"))
    })
}

/// First line of a message, for the `message` attribute.
fn one_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_owned()
}

fn case(category: &str, res: &CheckResult) -> TestCase {
    let detail = || {
        let mut d = format!(
            "{}\nrule: {} ({})\nseverity: {}",
            res.message, res.rule, res.title, res.severity
        );
        if !res.remediation.is_empty() {
            d.push_str(&format!("\nremediation: {}", res.remediation));
        }
        if !res.evidence.is_empty() {
            d.push_str(&format!(
                "\nevidence: {}",
                serde_json::to_string(&res.evidence).unwrap_or_default()
            ));
        }
        d
    };
    let reason = res.reason.clone().unwrap_or_else(|| res.status.to_string());
    let status = match res.status {
        Status::Pass => TestCaseStatus::success(),
        Status::Warn => TestCaseStatus::success(),
        Status::Fail | Status::Error => {
            let kind = if res.status == Status::Fail {
                NonSuccessKind::Failure
            } else {
                NonSuccessKind::Error
            };
            let mut s = TestCaseStatus::non_success(kind);
            if let TestCaseStatus::NonSuccess {
                message,
                ty,
                description,
                ..
            } = &mut s
            {
                *message = Some(one_line(&res.message).into());
                *ty = Some(reason.clone().into());
                *description = Some(detail().into());
            }
            s
        }
        Status::Skip | Status::Waived => {
            let mut s = TestCaseStatus::skipped();
            if let TestCaseStatus::Skipped {
                message,
                ty,
                description,
                ..
            } = &mut s
            {
                *message = Some(one_line(&format!("{}: {}", reason, res.message)).into());
                *ty = Some(res.status.to_string().into());
                *description = Some(detail().into());
            }
            s
        }
    };
    // In a fleet report the same subject appears once per host.
    let name = match &res.host {
        Some(h) => format!("{} @ {h}", res.subject),
        None => res.subject.clone(),
    };
    let mut tc = TestCase::new(name, status);
    tc.set_classname(format!("{category}.{}", res.rule));
    tc.set_time(Duration::from_secs_f64(res.duration_ms.max(0.0) / 1000.0));
    if res.status == Status::Warn {
        tc.set_system_out(format!("WARNING ({reason}): {}", res.message));
    }
    tc
}

//! The HTML report: one self-contained file (inline CSS, no scripts, fonts
//! or images) for audit sign-off. Every value is HTML-escaped by the
//! template engine (the template's `.html` name turns auto-escaping on).

use crate::result::{AuditReport, CheckResult, Severity, Status};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const TEMPLATE: &str = include_str!("../../reports/templates/report.html");

pub fn render(report: &AuditReport) -> String {
    let mut env = minijinja::Environment::new();
    // The name ends in `.html`: minijinja escapes every `{{ }}` value.
    if let Err(e) = env.add_template("report.html", TEMPLATE) {
        return fallback(&e.to_string());
    }
    let ctx = context(report);
    match env
        .get_template("report.html")
        .and_then(|t| t.render(minijinja::value::Serde(&ctx)))
    {
        Ok(s) => s,
        Err(e) => fallback(&e.to_string()),
    }
}

fn fallback(e: &str) -> String {
    let e = e
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!("<!DOCTYPE html><html><body><p>cannot render the report: {e}</p></body></html>\n")
}

fn finding(r: &CheckResult) -> Value {
    let evidence = if r.evidence.is_empty() {
        String::new()
    } else {
        serde_json::to_string_pretty(&r.evidence).unwrap_or_default()
    };
    json!({
        "rule": r.rule, "title": r.title, "status": r.status, "severity": r.severity,
        "reason": r.reason, "message": r.message, "remediation": r.remediation,
        "evidence": evidence, "host": r.host, "drift": r.drift,
        "fix_request": r.fix_request.as_ref().map(|f| serde_json::to_string_pretty(f).unwrap_or_default()),
    })
}

fn context(report: &AuditReport) -> Value {
    let is_finding = |r: &&CheckResult| {
        matches!(
            r.status,
            Status::Fail | Status::Error | Status::Warn | Status::Waived
        )
    };
    // subject → category → findings, most severe first within a category.
    let mut groups: BTreeMap<&str, BTreeMap<&str, Vec<&CheckResult>>> = BTreeMap::new();
    for r in report.results.iter().filter(is_finding) {
        groups
            .entry(&r.subject)
            .or_default()
            .entry(&r.category)
            .or_default()
            .push(r);
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(subject, cats)| {
            let categories: Vec<Value> = cats
                .into_iter()
                .map(|(category, mut fs)| {
                    fs.sort_by_key(|r| (std::cmp::Reverse(r.severity), r.status));
                    json!({"category": category, "findings": fs.into_iter().map(finding).collect::<Vec<_>>()})
                })
                .collect();
            json!({"subject": subject, "categories": categories})
        })
        .collect();
    let statuses: Vec<Value> = [
        Status::Fail,
        Status::Error,
        Status::Warn,
        Status::Waived,
        Status::Skip,
        Status::Pass,
    ]
    .into_iter()
    .map(|s| json!({"name": s.as_str(), "count": report.summary.count(s)}))
    .collect();
    let by_severity: Vec<Value> = Severity::ALL
        .into_iter()
        .map(|sev| {
            let n = |st: Status| report.results.iter().filter(|r| r.severity == sev && r.status == st).count();
            json!({"severity": sev.as_str(), "fail": n(Status::Fail), "error": n(Status::Error), "warn": n(Status::Warn), "waived": n(Status::Waived)})
        })
        .collect();
    let brief = |st: Status| -> Vec<Value> {
        report
            .results
            .iter()
            .filter(|r| r.status == st)
            .map(|r| json!({"rule": r.rule, "subject": r.subject, "reason": r.reason, "message": r.message, "host": r.host}))
            .collect()
    };
    json!({
        "tool": report.tool, "deployment": report.deployment, "host": report.host,
        "started_at": report.started_at, "finished_at": report.finished_at,
        "summary": report.summary, "statuses": statuses, "by_severity": by_severity,
        "groups": groups, "skipped": brief(Status::Skip), "passed": brief(Status::Pass),
        "waiver_notes": report.waiver_notes,
        "complete": report.complete,
        "has_baseline": report.results.iter().any(|r| r.drift.is_some()),
        "changes": crate::drift::changes(report).into_iter().map(|r| json!({
            "drift": r.drift, "rule": r.rule, "subject": r.subject, "status": r.status,
            "reason": r.reason, "message": r.message, "host": r.host,
        })).collect::<Vec<_>>(),
    })
}

//! Prometheus text exposition for node_exporter's textfile collector:
//! per-result status gauges, finding counts by severity, certificate
//! days-left gauges (from CRT003 / NET004 evidence), the run's timestamp.

use crate::result::{AuditReport, Severity, Status};
use std::fmt::Write;

/// Escapes a label value (backslash, double quote, newline).
fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

const fn code(s: Status) -> u8 {
    match s {
        Status::Pass => 0,
        Status::Warn => 1,
        Status::Fail => 2,
        Status::Error => 3,
        Status::Skip => 4,
        Status::Waived => 5,
    }
}

pub fn render(report: &AuditReport) -> String {
    let mut o = String::new();
    let dep = label(&report.deployment);
    let _ = writeln!(
        o,
        "# HELP hybrid_preflight_check_status Result of one rule on one subject: 0 pass, 1 warn, 2 fail, 3 error, 4 skip, 5 waived."
    );
    let _ = writeln!(o, "# TYPE hybrid_preflight_check_status gauge");
    for r in &report.results {
        let host = r.host.as_deref().unwrap_or(&report.host);
        let _ = writeln!(
            o,
            "hybrid_preflight_check_status{{deployment=\"{dep}\",host=\"{}\",rule=\"{}\",subject=\"{}\",category=\"{}\",severity=\"{}\",status=\"{}\",reason=\"{}\"}} {}",
            label(host),
            label(&r.rule),
            label(&r.subject),
            label(&r.category),
            r.severity,
            r.status,
            label(r.reason.as_deref().unwrap_or("")),
            code(r.status)
        );
    }
    let _ = writeln!(
        o,
        "# HELP hybrid_preflight_findings Fail and error results by severity."
    );
    let _ = writeln!(o, "# TYPE hybrid_preflight_findings gauge");
    for sev in Severity::ALL {
        let n = report
            .results
            .iter()
            .filter(|r| r.severity == sev && r.status.is_finding())
            .count();
        let _ = writeln!(
            o,
            "hybrid_preflight_findings{{deployment=\"{dep}\",severity=\"{sev}\"}} {n}"
        );
    }
    let _ = writeln!(o, "# HELP hybrid_preflight_results Results by status.");
    let _ = writeln!(o, "# TYPE hybrid_preflight_results gauge");
    for st in Status::ALL {
        let _ = writeln!(
            o,
            "hybrid_preflight_results{{deployment=\"{dep}\",status=\"{st}\"}} {}",
            report.summary.count(st)
        );
    }
    let _ = writeln!(
        o,
        "# HELP hybrid_preflight_certificate_days_left Days until a certificate expires (SAML certificate: CRT003; endpoint certificate: NET004)."
    );
    let _ = writeln!(o, "# TYPE hybrid_preflight_certificate_days_left gauge");
    for r in report
        .results
        .iter()
        .filter(|r| r.rule == "CRT003" || r.rule == "NET004")
    {
        if let Some(days) = r
            .evidence
            .get("days_left")
            .and_then(serde_json::Value::as_f64)
        {
            let kind = if r.rule == "CRT003" {
                "saml"
            } else {
                "endpoint"
            };
            let _ = writeln!(
                o,
                "hybrid_preflight_certificate_days_left{{deployment=\"{dep}\",subject=\"{}\",certificate=\"{kind}\"}} {days}",
                label(&r.subject)
            );
        }
    }
    let ts = time::OffsetDateTime::parse(
        &report.finished_at,
        &time::format_description::well_known::Rfc3339,
    )
    .map(|t| t.unix_timestamp())
    .unwrap_or_default();
    let _ = writeln!(
        o,
        "# HELP hybrid_preflight_last_run_timestamp_seconds When the audit finished."
    );
    let _ = writeln!(
        o,
        "# TYPE hybrid_preflight_last_run_timestamp_seconds gauge"
    );
    let _ = writeln!(
        o,
        "hybrid_preflight_last_run_timestamp_seconds{{deployment=\"{dep}\"}} {ts}"
    );
    o
}

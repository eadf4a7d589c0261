//! Markdown: a findings summary to paste into a ticket.

use crate::result::{AuditReport, Status};

/// Makes text safe inside a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn render(report: &AuditReport) -> String {
    let s = &report.summary;
    let mut out = format!(
        "## Preflight audit: {}\n\nHost `{}`, {} · **{} fail**, {} error, {} warn, {} waived, {} pass, {} skip ({} checks)\n\n",
        cell(&report.deployment),
        cell(&report.host),
        report.finished_at,
        s.fail,
        s.error,
        s.warn,
        s.waived,
        s.pass,
        s.skip,
        s.total
    );
    if !report.complete {
        out.push_str("> **Incomplete:** the run was interrupted before every probe finished.\n\n");
    }
    if report.results.iter().any(|r| r.drift.is_some()) {
        let changed = crate::drift::changes(report);
        out.push_str(&format!(
            "### Changes since the baseline ({})\n\n",
            changed.len()
        ));
        for r in &changed {
            out.push_str(&format!(
                "- **{}** {} `{}` {}: {}\n",
                r.drift.map_or("", |d| d.as_str()),
                r.rule,
                cell(&r.subject),
                r.status,
                cell(&r.message)
            ));
        }
        out.push('\n');
    }
    let mut findings: Vec<_> = report
        .results
        .iter()
        .filter(|r| {
            matches!(
                r.status,
                Status::Fail | Status::Error | Status::Warn | Status::Waived
            )
        })
        .collect();
    findings.sort_by_key(|r| (std::cmp::Reverse(r.severity), r.status, r.rule.clone()));
    if findings.is_empty() {
        out.push_str("No findings.\n");
    } else {
        let fleet = findings.iter().any(|r| r.host.is_some());
        out.push_str(if fleet {
            "| Severity | Status | Rule | Subject | Host | Finding | Fix |\n|---|---|---|---|---|---|---|\n"
        } else {
            "| Severity | Status | Rule | Subject | Finding | Fix |\n|---|---|---|---|---|---|\n"
        });
        for r in findings {
            let finding = match &r.reason {
                Some(reason) => format!("`{}` {}", cell(reason), cell(&r.message)),
                None => cell(&r.message),
            };
            let host = if fleet {
                format!(" {} |", cell(r.host.as_deref().unwrap_or("-")))
            } else {
                String::new()
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} |{host} {} | {} |\n",
                r.severity,
                r.status,
                r.rule,
                cell(&r.subject),
                finding,
                cell(&r.remediation)
            ));
        }
    }
    let fixes: Vec<_> = report
        .results
        .iter()
        .filter(|r| r.fix_request.is_some())
        .collect();
    if !fixes.is_empty() {
        out.push_str("\n### Exact changes\n");
        for r in fixes {
            out.push_str(&format!(
                "\n**{}** `{}`\n\n```json\n{}\n```\n",
                r.rule,
                cell(&r.subject),
                serde_json::to_string_pretty(&r.fix_request).unwrap_or_default()
            ));
        }
    }
    if !report.waiver_notes.is_empty() {
        out.push_str("\n### Waivers that did not apply\n\n");
        for w in &report.waiver_notes {
            out.push_str(&format!(
                "- **{}** `{}` ({}): {}\n",
                w.rule,
                cell(&w.subject),
                w.problem,
                cell(&w.message)
            ));
        }
    }
    out
}

//! Fleet reports: per-host JSON results combined into one report, with the
//! host kept on every result (which hosts fail which endpoint).

use crate::error::InputError;
use crate::evidence::text;
use crate::result::{AuditReport, Summary, ToolInfo};
use std::path::Path;

/// Reads one host's JSON report.
pub fn read(path: &Path) -> Result<AuditReport, InputError> {
    let t = text::read_text(path)?;
    let r: AuditReport = serde_json::from_str(&t).map_err(|e| {
        InputError::new(
            path,
            format!(
                "not a hybrid-preflight JSON report: {}",
                crate::evidence::transaction::json_phrase(&e)
            ),
        )
        .at(e.line() as u64, e.column() as u64)
    })?;
    if r.schema_version != AuditReport::SCHEMA_VERSION {
        return Err(InputError::new(
            path,
            format!(
                "report schema_version {} is not supported (expected {})",
                r.schema_version,
                AuditReport::SCHEMA_VERSION
            ),
        ));
    }
    Ok(r)
}

/// Combines reports; results are ordered by rule, subject, then host.
pub fn merge(reports: Vec<AuditReport>) -> AuditReport {
    let mut deployments: Vec<String> = Vec::new();
    let mut hosts: Vec<String> = Vec::new();
    let mut results = Vec::new();
    let mut notes = Vec::new();
    let started = reports
        .iter()
        .map(|r| r.started_at.clone())
        .min()
        .unwrap_or_default();
    let finished = reports
        .iter()
        .map(|r| r.finished_at.clone())
        .max()
        .unwrap_or_default();
    let complete = reports.iter().all(|r| r.complete);
    for r in reports {
        if !deployments.contains(&r.deployment) {
            deployments.push(r.deployment.clone());
        }
        if !hosts.contains(&r.host) {
            hosts.push(r.host.clone());
        }
        for mut res in r.results {
            res.host.get_or_insert_with(|| r.host.clone());
            results.push(res);
        }
        for n in r.waiver_notes {
            if !notes.contains(&n) {
                notes.push(n);
            }
        }
    }
    results.sort_by(|a, b| (&a.rule, &a.subject, &a.host).cmp(&(&b.rule, &b.subject, &b.host)));
    AuditReport {
        schema_version: AuditReport::SCHEMA_VERSION,
        tool: ToolInfo::default(),
        deployment: deployments.join(", "),
        host: format!("{} host(s): {}", hosts.len(), hosts.join(", ")),
        started_at: started,
        finished_at: finished,
        summary: Summary::of(&results),
        results,
        complete,
        waiver_notes: notes,
    }
}

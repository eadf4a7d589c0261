//! The JSON report: the serialized [`AuditReport`]; schema in
//! `reports/audit-report.schema.json` (checked by `tests/report_schema.rs`).

use crate::result::AuditReport;

pub fn render(report: &AuditReport) -> String {
    let mut s = serde_json::to_string_pretty(report).unwrap_or_else(|e| {
        // Serializing plain data cannot fail; keep the output valid JSON regardless.
        format!("{{\"schema_version\":1,\"error\":\"cannot serialize report: {e}\"}}")
    });
    s.push('\n');
    s
}

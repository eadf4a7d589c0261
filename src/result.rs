//! The result model: what one rule concluded about one subject.
//!
//! A result is a value to report, never an `Err`: a check that cannot decide
//! says so with [`Status::Error`] or [`Status::Skip`] and a machine `reason`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How bad a failing rule is. Ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The verdict of one rule on one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Error,
    Skip,
    Waived,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Pass,
        Status::Warn,
        Status::Fail,
        Status::Error,
        Status::Skip,
        Status::Waived,
    ];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::Skip => "skip",
            Status::Waived => "waived",
        }
    }

    /// A finding the exit code cares about (`fail` or `error`).
    #[must_use]
    pub const fn is_finding(self) -> bool {
        matches!(self, Status::Fail | Status::Error)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Structured evidence attached to a result (ordered, JSON-shaped).
pub type Evidence = serde_json::Map<String, serde_json::Value>;

/// What a check concluded, before the rule's metadata is attached.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    /// Stable kebab-case machine code (`conn-refused`, `issuer-trailing-slash`).
    pub reason: Option<String>,
    pub message: String,
    pub evidence: Evidence,
}

impl Outcome {
    fn new(status: Status, reason: Option<&str>, message: impl Into<String>) -> Self {
        Outcome {
            status,
            reason: reason.map(str::to_owned),
            message: message.into(),
            evidence: Evidence::new(),
        }
    }
    pub fn pass(message: impl Into<String>) -> Self {
        Self::new(Status::Pass, None, message)
    }
    pub fn warn(reason: &str, message: impl Into<String>) -> Self {
        Self::new(Status::Warn, Some(reason), message)
    }
    pub fn fail(reason: &str, message: impl Into<String>) -> Self {
        Self::new(Status::Fail, Some(reason), message)
    }
    pub fn error(reason: &str, message: impl Into<String>) -> Self {
        Self::new(Status::Error, Some(reason), message)
    }
    pub fn skip(reason: &str, message: impl Into<String>) -> Self {
        Self::new(Status::Skip, Some(reason), message)
    }
    /// Adds one evidence field.
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.evidence.insert(key.to_owned(), value.into());
        self
    }
}

/// One rule's result on one subject, as every report shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub rule: String,
    pub title: String,
    pub category: String,
    pub severity: Severity,
    /// What was checked: `tenant:Tenant_A`, `endpoint:login.mypurecloud.ie:443`.
    pub subject: String,
    pub status: Status,
    pub reason: Option<String>,
    pub message: String,
    pub evidence: Evidence,
    pub remediation: String,
    pub duration_ms: f64,
    /// The host that produced the result, in fleet reports merged from
    /// several hosts (`report merge`); absent in a single host's report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The exact change that fixes the finding: a Platform API request, or
    /// the transaction object options to set in GAX (secrets as placeholders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix_request: Option<serde_json::Value>,
    /// Against `--baseline`: `new`, `fixed`, `unchanged` or `changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<Drift>,
}

/// How a result compares with the same rule and subject in a previous run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Drift {
    /// Not in the baseline, or a finding that was not one before.
    New,
    /// A finding whose status or reason differs from the baseline's.
    Changed,
    /// A finding in the baseline that is no longer one.
    Fixed,
    /// Same status and reason as the baseline.
    Unchanged,
}

impl Drift {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Drift::New => "new",
            Drift::Changed => "changed",
            Drift::Fixed => "fixed",
            Drift::Unchanged => "unchanged",
        }
    }
}

/// Counts by status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub total: usize,
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub error: usize,
    pub skip: usize,
    pub waived: usize,
}

impl Summary {
    pub fn of(results: &[CheckResult]) -> Summary {
        let mut s = Summary {
            total: results.len(),
            ..Summary::default()
        };
        for r in results {
            *s.slot(r.status) += 1;
        }
        s
    }

    fn slot(&mut self, status: Status) -> &mut usize {
        match status {
            Status::Pass => &mut self.pass,
            Status::Warn => &mut self.warn,
            Status::Fail => &mut self.fail,
            Status::Error => &mut self.error,
            Status::Skip => &mut self.skip,
            Status::Waived => &mut self.waived,
        }
    }

    #[must_use]
    pub fn count(&self, status: Status) -> usize {
        let mut copy = self.clone();
        *copy.slot(status)
    }
}

/// The tool that produced a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

impl Default for ToolInfo {
    fn default() -> Self {
        ToolInfo {
            name: env!("CARGO_PKG_NAME").to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

/// A whole audit run: the JSON report's top level (schema in `reports/`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditReport {
    pub schema_version: u32,
    pub tool: ToolInfo,
    pub deployment: String,
    pub host: String,
    pub started_at: String,
    pub finished_at: String,
    pub summary: Summary,
    pub results: Vec<CheckResult>,
    /// `false` when the run was interrupted (SIGINT/SIGTERM) before every
    /// probe finished: the results are those obtained so far.
    #[serde(default = "yes")]
    pub complete: bool,
    /// Waivers that expired or matched nothing (they are reported, not applied).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waiver_notes: Vec<WaiverNote>,
}

fn yes() -> bool {
    true
}

/// A waiver that did not apply, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverNote {
    pub rule: String,
    pub subject: String,
    /// `expired` or `unused`.
    pub problem: String,
    pub message: String,
}

impl AuditReport {
    pub const SCHEMA_VERSION: u32 = 1;

    /// Whether any `fail`/`error` result has at least `threshold` severity.
    #[must_use]
    pub fn has_findings_at(&self, threshold: Severity) -> bool {
        self.results
            .iter()
            .any(|r| r.status.is_finding() && r.severity >= threshold)
    }

    /// Like [`Self::has_findings_at`], counting only findings new since the baseline.
    #[must_use]
    pub fn has_new_findings_at(&self, threshold: Severity) -> bool {
        self.results.iter().any(|r| {
            r.status.is_finding() && r.severity >= threshold && r.drift == Some(Drift::New)
        })
    }
}

//! A rule as it runs: metadata for docs and reports, an applicability
//! condition, and a check (declarative assertions or a named built-in).

use crate::facts::FactPath;
use crate::result::{Severity, Status};
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a rule is evaluated against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Once per tenant (`tenant:<name>`).
    Tenant,
    /// Once for the whole deployment (`deployment:<name>`).
    Deployment,
    /// Once per required network endpoint (`endpoint:<host>:<port>`).
    Endpoint,
}

/// Where a rule was defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The built-in pack, with its file name under `rules/`.
    BuiltIn(&'static str),
    /// A user rule file.
    User(std::path::PathBuf),
}

impl Origin {
    pub fn describe(&self) -> String {
        match self {
            Origin::BuiltIn(f) => format!("built-in pack (rules/{f})"),
            Origin::User(p) => p.display().to_string(),
        }
    }
}

/// Rule documentation and report metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleMeta {
    pub code: String,
    pub title: String,
    pub category: String,
    pub severity: Severity,
    pub scope: Scope,
    /// The provisioning-guide step the rule enforces.
    pub guide: String,
    pub since: String,
    /// What it checks.
    pub what: String,
    /// Why it matters.
    pub why: String,
    /// How to fix a finding (the report's `remediation`).
    pub fix: String,
    pub example: Option<String>,
    pub origin: Origin,
}

/// One test applied to a fact's value.
#[derive(Debug, Clone)]
pub enum Test {
    Present,
    Equals(Value),
    Matches(Regex),
    OneOf(Vec<Value>),
    Contains(Value),
    Range {
        min: Option<f64>,
        max: Option<f64>,
        integer: bool,
    },
    SameAs(FactPath),
}

/// `fact` must pass `test`.
#[derive(Debug, Clone)]
pub struct Assertion {
    pub fact: FactPath,
    pub test: Test,
}

/// How a rule decides.
#[derive(Debug, Clone)]
pub enum Check {
    /// Every assertion must hold; the first that does not gives the finding.
    Assert {
        all: Vec<Assertion>,
        /// `fail` (default) or `warn` when an assertion does not hold.
        on_fail: Status,
    },
    /// A named built-in check with its parameters (validated at load).
    Builtin { name: String, params: Value },
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub meta: RuleMeta,
    /// When present and not satisfied, the rule reports `skip` (`not-applicable`).
    pub when: Option<Assertion>,
    pub check: Check,
}

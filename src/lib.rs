//! hybrid-preflight: the preflight and compliance auditor for Genesys Engage
//! on premises ↔ Genesys Cloud CX hybrid integrations.
//!
//! The modules follow the pipeline:
//!
//! ```text
//! evidence ──► facts ──► rules ──► results ──► report
//!  manifest,    per tenant,  YAML pack +   status, reason,   table, JSON,
//!  exports,     per endpoint built-in      evidence,         JUnit
//!  cloud, ACLs  (+ probe)    checks        remediation
//! ```
//!
//! [`audit::run`] drives the whole pipeline; the CLI in `main.rs` only parses
//! flags, calls it, writes reports and picks the exit code.

// Checks return `Result<_, Outcome>` to exit early with a verdict (skip for
// missing evidence, fail for a finding); an `Outcome` is a result, not an
// error, and its size on this cold path does not matter.
#![allow(clippy::result_large_err)]

pub mod audit;
pub mod capture;
pub mod collect;
pub mod drift;
pub mod error;
pub mod evidence;
pub mod facts;
pub mod firewall;
pub mod probe;
pub mod remediation;
pub mod report;
pub mod result;
pub mod rules;
pub mod secret;
pub mod waivers;

pub use error::{InputError, InputErrors};
pub use result::{AuditReport, CheckResult, Outcome, Severity, Status, Summary};

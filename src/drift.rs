//! Drift against a previous run (`--baseline PREVIOUS.json`): every result is
//! `new`, `fixed`, `unchanged` or `changed`, keyed by rule + subject (+ host
//! in fleet reports), so nightly jobs can page only for what is new.

use crate::result::{AuditReport, Drift, Status};
use std::collections::BTreeMap;

fn is_finding(s: Status) -> bool {
    matches!(s, Status::Fail | Status::Error | Status::Warn)
}

/// rule, subject, host.
type Key<'a> = (&'a str, &'a str, Option<&'a str>);

/// Marks every result of `current` against `baseline`.
pub fn mark(current: &mut AuditReport, baseline: &AuditReport) {
    let before: BTreeMap<Key<'_>, (Status, Option<&str>)> = baseline
        .results
        .iter()
        .map(|r| {
            (
                (r.rule.as_str(), r.subject.as_str(), r.host.as_deref()),
                (r.status, r.reason.as_deref()),
            )
        })
        .collect();
    for r in &mut current.results {
        let prev = before.get(&(r.rule.as_str(), r.subject.as_str(), r.host.as_deref()));
        r.drift = Some(match prev {
            None => Drift::New,
            Some((st, reason)) if *st == r.status && *reason == r.reason.as_deref() => {
                Drift::Unchanged
            }
            // A waived finding stays the same finding for drift purposes.
            Some((st, _)) if is_finding(*st) && r.status == Status::Waived => Drift::Unchanged,
            Some((st, _)) if is_finding(*st) && !is_finding(r.status) => Drift::Fixed,
            Some((st, _)) if !is_finding(*st) && is_finding(r.status) => Drift::New,
            Some(_) => Drift::Changed,
        });
    }
}

/// Results that changed since the baseline (new findings, changed, fixed), for reports to lead with.
pub fn changes(report: &AuditReport) -> Vec<&crate::result::CheckResult> {
    let mut v: Vec<_> = report
        .results
        .iter()
        .filter(|r| match r.drift {
            Some(Drift::New) => is_finding(r.status),
            Some(Drift::Changed) | Some(Drift::Fixed) => true,
            _ => false,
        })
        .collect();
    v.sort_by_key(|r| (r.drift, std::cmp::Reverse(r.severity)));
    v
}

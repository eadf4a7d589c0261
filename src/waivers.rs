//! Waivers: accepted findings, each with a justification and an optional
//! expiry. A waived result keeps its verdict in the message but has status
//! `waived`; an expired waiver no longer applies, and an expired or unused
//! waiver is reported (`AuditReport::waiver_notes`) so exceptions stay honest.

use crate::error::InputError;
use crate::evidence::{text, yaml};
use crate::result::{AuditReport, Status, Summary, WaiverNote};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::path::Path;
use time::Date;
use time::macros::format_description;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverFile {
    waivers: Vec<WaiverRaw>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverRaw {
    rule: Spanned<String>,
    subject: String,
    justification: Spanned<String>,
    #[serde(default)]
    expires: Option<Spanned<String>>,
    #[serde(default)]
    approved_by: Option<String>,
}

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    pub rule: String,
    /// Subject pattern; `*` matches any run of characters.
    pub subject: String,
    pub justification: String,
    pub expires: Option<Date>,
    pub approved_by: Option<String>,
}

/// Loads a waiver file; every problem names the file, line and column.
pub fn load(path: &Path) -> Result<Vec<Waiver>, InputError> {
    let text = text::read_text(path)?;
    let raw: WaiverFile = yaml::from_str(path, &text)?;
    let mut out = Vec::with_capacity(raw.waivers.len());
    for w in raw.waivers {
        if w.justification.value.trim().is_empty() {
            return Err(yaml::at(
                InputError::new(
                    path,
                    format!("waiver for {} has an empty justification", w.rule.value),
                ),
                &w.justification,
            ));
        }
        let expires = match &w.expires {
            Some(e) => Some(
                Date::parse(e.value.trim(), format_description!("[year]-[month]-[day]")).map_err(
                    |_| {
                        yaml::at(
                            InputError::new(
                                path,
                                format!("expires `{}` is not a date (YYYY-MM-DD)", e.value),
                            ),
                            e,
                        )
                    },
                )?,
            ),
            None => None,
        };
        out.push(Waiver {
            rule: w.rule.value,
            subject: w.subject,
            justification: w.justification.value.trim().to_owned(),
            expires,
            approved_by: w.approved_by,
        });
    }
    Ok(out)
}

/// Whether `pattern` (with `*` wildcards) matches `text` entirely.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first)
        || !text[first.len()..].ends_with(last)
        || text.len() < first.len() + last.len()
    {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// Applies waivers to a report as of `today`.
pub fn apply(report: &mut AuditReport, waivers: &[Waiver], today: Date) {
    for w in waivers {
        let expired = w.expires.is_some_and(|d| d < today);
        let mut matched = 0usize;
        for r in report
            .results
            .iter_mut()
            .filter(|r| r.rule.eq_ignore_ascii_case(&w.rule) && glob_match(&w.subject, &r.subject))
        {
            if !matches!(r.status, Status::Fail | Status::Error | Status::Warn) {
                continue;
            }
            matched += 1;
            if expired {
                continue;
            }
            r.message = format!(
                "waived ({} was {}): {} — {}",
                r.rule, r.status, w.justification, r.message
            );
            r.status = Status::Waived;
            r.evidence.insert(
                "waiver".to_owned(),
                serde_json::json!({
                    "justification": w.justification,
                    "expires": w.expires.map(|d| d.to_string()),
                    "approved_by": w.approved_by,
                }),
            );
        }
        if expired {
            report.waiver_notes.push(WaiverNote {
                rule: w.rule.clone(),
                subject: w.subject.clone(),
                problem: "expired".to_owned(),
                message: format!(
                    "the waiver for {} on {} expired on {}; it no longer applies ({matched} finding(s) are active again)",
                    w.rule,
                    w.subject,
                    w.expires.map(|d| d.to_string()).unwrap_or_default()
                ),
            });
        } else if matched == 0 {
            report.waiver_notes.push(WaiverNote {
                rule: w.rule.clone(),
                subject: w.subject.clone(),
                problem: "unused".to_owned(),
                message: format!(
                    "the waiver for {} on {} matched no finding: remove it, or fix its rule/subject",
                    w.rule, w.subject
                ),
            });
        }
    }
    report.summary = Summary::of(&report.results);
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match("tenant:*", "tenant:A"));
        assert!(glob_match("tenant:A", "tenant:A"));
        assert!(!glob_match("tenant:A", "tenant:AB"));
        assert!(glob_match(
            "endpoint:*.mypurecloud.ie:*",
            "endpoint:login.mypurecloud.ie:443"
        ));
        assert!(!glob_match(
            "endpoint:*.ie:*",
            "endpoint:login.mypurecloud.de:443"
        ));
        assert!(glob_match("*", ""));
        assert!(!glob_match("a*a", "a"));
    }
}

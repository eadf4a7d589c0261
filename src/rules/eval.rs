//! Evaluating rules: declarative assertions here, built-ins in `builtin/`.

use super::builtin::{self, Ctx};
use super::model::{Assertion, Check, Rule, Test};
use crate::facts::{self, Fact, FactPath, Lookup};
use crate::result::{Outcome, Status};
use serde_json::Value;

/// Runs one rule on one subject.
pub fn evaluate(rule: &Rule, ctx: &Ctx<'_>) -> Outcome {
    if let Some(when) = &rule.when {
        let o = assert_one(when, ctx, Status::Fail);
        if o.status != Status::Pass {
            return Outcome::skip(
                "not-applicable",
                format!("applies only when {}: {}", describe(when), o.message),
            );
        }
    }
    match &rule.check {
        Check::Assert { all, on_fail } => {
            let mut evidence = crate::result::Evidence::new();
            let mut messages = Vec::new();
            for a in all {
                let o = assert_one(a, ctx, *on_fail);
                if o.status != Status::Pass {
                    return o;
                }
                evidence.extend(o.evidence);
                messages.push(o.message);
            }
            let mut o = Outcome::pass(messages.join("; "));
            o.evidence = evidence;
            o
        }
        Check::Builtin { name, params } => match builtin::find(name) {
            Some(b) => (b.run)(ctx, params),
            None => Outcome::error(
                "unknown-builtin",
                format!("built-in check `{name}` is not known"),
            ),
        },
    }
}

fn lookup(ctx: &Ctx<'_>, path: &FactPath) -> Lookup {
    facts::lookup(ctx.deployment, ctx.tenant, path)
}

/// A short description of an assertion for messages.
pub fn describe(a: &Assertion) -> String {
    let what = match &a.test {
        Test::Present => "is set".to_owned(),
        Test::Equals(v) => format!("equals {}", show_expected(v)),
        Test::Matches(r) => format!("matches /{}/", r.as_str()),
        Test::OneOf(vs) => format!(
            "is one of {}",
            vs.iter().map(show_expected).collect::<Vec<_>>().join(", ")
        ),
        Test::Contains(v) => format!("contains {}", show_expected(v)),
        Test::Range { min, max, integer } => {
            let kind = if *integer {
                "a whole number"
            } else {
                "a number"
            };
            match (min, max) {
                (Some(lo), Some(hi)) => format!("is {kind} from {lo} to {hi}"),
                (Some(lo), None) => format!("is {kind} of at least {lo}"),
                (None, Some(hi)) => format!("is {kind} of at most {hi}"),
                (None, None) => format!("is {kind}"),
            }
        }
        Test::SameAs(other) => format!("equals {other}"),
    };
    format!("{} {what}", a.fact)
}

fn show_expected(v: &Value) -> String {
    match v {
        Value::String(s) => format!("\"{s}\""),
        v => v.to_string(),
    }
}

fn assert_one(a: &Assertion, ctx: &Ctx<'_>, on_fail: Status) -> Outcome {
    let fact = match lookup(ctx, &a.fact) {
        Lookup::Found(f) => f,
        Lookup::Absent { source } => {
            return finding(on_fail, "missing", format!("{} is not set", a.fact))
                .with("source", source);
        }
        Lookup::Unavailable(u) => {
            return if u.is_error {
                Outcome::error(u.reason, u.message)
            } else {
                Outcome::skip(u.reason, u.message)
            };
        }
    };
    let o = test(a, &fact, ctx, on_fail);
    o.with("fact", a.fact.label())
        .with("value", fact.evidence_value())
        .with("source", fact.source.clone())
}

fn finding(on_fail: Status, reason: &str, message: String) -> Outcome {
    if on_fail == Status::Warn {
        Outcome::warn(reason, message)
    } else {
        Outcome::fail(reason, message)
    }
}

fn test(a: &Assertion, fact: &Fact, ctx: &Ctx<'_>, on_fail: Status) -> Outcome {
    let label = a.fact.label();
    let shown = fact.shown();
    match &a.test {
        Test::Present => {
            if fact.value.is_null() || fact.text().trim().is_empty() {
                finding(on_fail, "empty", format!("{label} is set but empty"))
            } else {
                Outcome::pass(format!("{label} is set"))
            }
        }
        Test::Equals(expected) => match compare(fact, expected) {
            Cmp::Equal => Outcome::pass(format!("{label} is {shown}")),
            Cmp::WrongType => finding(
                on_fail,
                "wrong-type",
                format!(
                    "{label} is {shown} ({}), expected {} ({})",
                    type_name(&fact.value),
                    show_expected(expected),
                    type_name(expected)
                ),
            ),
            Cmp::Differs => finding(
                on_fail,
                "not-equal",
                format!("{label} is {shown}, expected {}", show_expected(expected)),
            ),
        },
        Test::OneOf(list) => {
            if list.iter().any(|v| compare(fact, v) == Cmp::Equal) {
                Outcome::pass(format!("{label} is {shown}"))
            } else {
                finding(
                    on_fail,
                    "not-allowed",
                    format!(
                        "{label} is {shown}, expected one of {}",
                        list.iter()
                            .map(show_expected)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            }
        }
        Test::Contains(item) => {
            let found = match &fact.value {
                Value::Array(items) => items
                    .iter()
                    .any(|v| v == item || text_of(v) == text_of(item)),
                Value::String(s) => s.contains(&text_of(item)),
                _ => false,
            };
            if found {
                Outcome::pass(format!("{label} contains {}", show_expected(item)))
            } else {
                finding(
                    on_fail,
                    "not-contained",
                    format!("{label} does not contain {}", show_expected(item)),
                )
            }
        }
        Test::Matches(re) => {
            if re.is_match(&fact.text()) {
                Outcome::pass(format!("{label} is {shown}"))
            } else {
                finding(
                    on_fail,
                    "no-match",
                    format!("{label} is {shown}, which does not match /{}/", re.as_str()),
                )
            }
        }
        Test::Range { min, max, integer } => range(fact, &label, *min, *max, *integer, on_fail),
        Test::SameAs(other) => match lookup(ctx, other) {
            Lookup::Found(o) => {
                if compare(fact, &o.value) == Cmp::Equal {
                    Outcome::pass(format!("{label} equals {other}"))
                } else {
                    finding(
                        on_fail,
                        "differs",
                        format!("{label} is {shown} but {other} is {}", o.shown()),
                    )
                    .with("other_source", o.source)
                }
            }
            Lookup::Absent { source } => finding(on_fail, "missing", format!("{other} is not set"))
                .with("other_source", source),
            Lookup::Unavailable(u) if u.is_error => Outcome::error(u.reason, u.message),
            Lookup::Unavailable(u) => Outcome::skip(u.reason, u.message),
        },
    }
}

fn range(
    fact: &Fact,
    label: &str,
    min: Option<f64>,
    max: Option<f64>,
    integer: bool,
    on_fail: Status,
) -> Outcome {
    let shown = fact.shown();
    let n = match &fact.value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if fact.textual => s.parse::<f64>().ok().filter(|v| v.is_finite()),
        _ => None,
    };
    let Some(n) = n else {
        return finding(
            on_fail,
            "not-a-number",
            format!("{label} is {shown}, not a number"),
        );
    };
    if integer && (n.fract() != 0.0 || fact.text().contains('.')) {
        return finding(
            on_fail,
            "not-an-integer",
            format!("{label} is {shown}, not a whole number"),
        );
    }
    if let Some(lo) = min
        && n < lo
    {
        return finding(
            on_fail,
            "below-minimum",
            format!("{label} is {shown}, below the minimum {lo}"),
        );
    }
    if let Some(hi) = max
        && n > hi
    {
        return finding(
            on_fail,
            "above-maximum",
            format!("{label} is {shown}, above the maximum {hi}"),
        );
    }
    Outcome::pass(format!("{label} is {shown}"))
}

#[derive(Debug, PartialEq, Eq)]
enum Cmp {
    Equal,
    WrongType,
    Differs,
}

/// Option values (textual facts) compare as text: `24` equals `"24"`. JSON
/// evidence compares by type too: the string `"true"` is not `true`.
fn compare(fact: &Fact, expected: &Value) -> Cmp {
    if fact.textual {
        return if fact.text() == text_of(expected) {
            Cmp::Equal
        } else {
            Cmp::Differs
        };
    }
    if &fact.value == expected {
        Cmp::Equal
    } else if text_of(&fact.value) == text_of(expected) {
        Cmp::WrongType
    } else {
        Cmp::Differs
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a JSON boolean",
        Value::Number(_) => "a JSON number",
        Value::String(_) => "a JSON string",
        Value::Array(_) => "a JSON list",
        Value::Object(_) => "a JSON object",
    }
}

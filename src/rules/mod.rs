//! Stage 3 of the pipeline: the rule pack (YAML under `rules/`, embedded;
//! user files added with `--rules`) and its evaluation.

pub mod builtin;
pub mod eval;
pub mod load;
pub mod model;

pub use load::RulePack;
pub use model::{Check, Rule, RuleMeta, Scope};

/// `rules explain`: the rule's documentation, ruff-style.
pub fn explain(r: &Rule) -> String {
    let m = &r.meta;
    let mut s = format!(
        "# {} — {}\n\nSeverity: {}    Category: {}    Scope: {}    Since: {}\nDefined in: {}\nGuide: {}\n\n## What it checks\n{}\n\n## Why it matters\n{}\n\n## How to fix\n{}\n",
        m.code,
        m.title,
        m.severity,
        m.category,
        match m.scope {
            Scope::Tenant => "per tenant",
            Scope::Deployment => "deployment",
            Scope::Endpoint => "per network endpoint",
        },
        m.since,
        m.origin.describe(),
        m.guide,
        m.what,
        m.why,
        m.fix
    );
    if let Some(e) = &m.example {
        s.push_str(&format!("\n## Example\n{e}\n"));
    }
    if let Some(f) = crate::remediation::describe(&m.code) {
        s.push_str(&format!("\n## Exact fix in reports\n{f}\n"));
    }
    s.push_str("\n## Check\n");
    match &r.check {
        Check::Builtin { name, params } => {
            s.push_str(&format!("built-in `{name}`"));
            if !params.is_null() {
                s.push_str(&format!(" with params {params}"));
            }
            s.push('\n');
        }
        Check::Assert { all, .. } => {
            for a in all {
                s.push_str(&format!("- {}\n", eval::describe(a)));
            }
        }
    }
    if let Some(w) = &r.when {
        s.push_str(&format!("Applies when: {}\n", eval::describe(w)));
    }
    s
}

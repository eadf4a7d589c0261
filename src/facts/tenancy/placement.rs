//! TEN001 (one object per tenant, none shared from Environment) and TEN003
//! (each tenant its own Genesys Cloud org): deployment-wide checks over the
//! transaction exports and, when given, the permissions export.

use super::MAX_LISTED;
use crate::evidence::permissions::ENVIRONMENT;
use crate::evidence::transaction::OBJECT_NAME;
use crate::evidence::{Deployment, TxExport, TxObject};
use crate::result::{Outcome, Status};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A `hybrid_integration` object seen in a transaction export.
struct Seen<'a> {
    object: &'a TxObject,
    source: String,
    /// Manifest tenants whose object this is (what the loader picked).
    picked_by: Vec<&'a str>,
}

/// Objects by recorded tenant (`None`: the export does not say, as INI
/// exports never do). An export shared by several tenants is read once,
/// and an identical object in two exports counts once.
fn transaction_objects(d: &Deployment) -> BTreeMap<Option<&str>, Vec<Seen<'_>>> {
    let mut exports: Vec<&Arc<TxExport>> = Vec::new();
    for t in &d.tenants {
        if !exports.iter().any(|e| Arc::ptr_eq(e, &t.export)) {
            exports.push(&t.export);
        }
    }
    let mut out: BTreeMap<Option<&str>, Vec<Seen<'_>>> = BTreeMap::new();
    for e in exports {
        for (i, o) in e.objects.iter().enumerate() {
            if o.name.as_deref() != Some(OBJECT_NAME) {
                continue;
            }
            let picked_by: Vec<&str> = d
                .tenants
                .iter()
                .filter(|t| Arc::ptr_eq(&t.export, e) && t.object == Some(i))
                .map(|t| t.name.as_str())
                .collect();
            let same = out.entry(o.tenant.as_deref()).or_default();
            match same.iter_mut().find(|s| s.object == o) {
                Some(s) => s.picked_by.extend(picked_by),
                None => same.push(Seen {
                    object: o,
                    source: e.path.display().to_string(),
                    picked_by,
                }),
            }
        }
    }
    out
}

/// How many times the permissions export lists each tenant's object.
fn permission_objects(d: &Deployment) -> BTreeMap<Option<&str>, usize> {
    let mut out = BTreeMap::new();
    if let Some(p) = &d.permissions {
        for o in p.objects.iter().filter(|o| o.is_hybrid_integration()) {
            *out.entry(o.tenant.as_deref()).or_insert(0) += 1;
        }
    }
    out
}

/// A placement problem, most severe kind first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    InEnvironment,
    NotInEnvironment,
    Missing,
    Duplicate,
    Unknown,
}

impl Kind {
    const fn reason(self) -> &'static str {
        match self {
            Kind::InEnvironment => "object-in-environment",
            Kind::NotInEnvironment => "not-in-environment",
            Kind::Missing => "missing-tenant-object",
            Kind::Duplicate => "duplicate-object",
            Kind::Unknown => "placement-unknown",
        }
    }
}

struct Problem {
    kind: Kind,
    tenant: String,
    message: String,
}

/// TEN001: in a multi-tenant deployment every tenant has exactly one
/// `hybrid_integration` object of its own and none is left in Environment;
/// in a single-tenant deployment the object is in Environment (CFG002).
pub fn ten001(d: &Deployment) -> Outcome {
    let tx = transaction_objects(d);
    let perm = permission_objects(d);
    let problems = if d.multi_tenant {
        multi_tenant_problems(d, &tx, &perm)
    } else {
        match single_tenant_problems(&tx, &perm) {
            Some(p) => p,
            None => {
                return Outcome::skip(
                    "no-transaction-object",
                    "no export holds a hybrid_integration object, so there is no placement to judge (CFG001)",
                );
            }
        }
    };
    let Some(worst) = problems.iter().min_by_key(|p| p.kind) else {
        let msg = if d.multi_tenant {
            format!(
                "each of the {} tenants has exactly one hybrid_integration object of its own and none is left in Environment",
                d.tenants.len()
            )
        } else {
            "the hybrid_integration object is in Environment, as a single-tenant deployment needs"
                .to_owned()
        };
        return Outcome::pass(msg)
            .with("multi_tenant", d.multi_tenant)
            .with("tenants_checked", d.tenants.len());
    };
    let more = problems.len() - 1;
    let message = if more > 0 {
        format!("{} (and {more} more placement problem(s))", worst.message)
    } else {
        worst.message.clone()
    };
    let listed: Vec<Value> = problems
        .iter()
        .take(MAX_LISTED)
        .map(|p| json!({"tenant": p.tenant, "problem": p.kind.reason(), "message": p.message}))
        .collect();
    let status = if worst.kind == Kind::Unknown {
        Status::Error
    } else {
        Status::Fail
    };
    let out = if status == Status::Error {
        Outcome::error(worst.kind.reason(), message)
    } else {
        Outcome::fail(worst.kind.reason(), message)
    };
    out.with("multi_tenant", d.multi_tenant)
        .with("problems_total", problems.len())
        .with("problems", listed)
}

fn sources(seen: &[Seen<'_>]) -> String {
    let mut s: Vec<&str> = seen.iter().map(|s| s.source.as_str()).collect();
    s.dedup();
    s.join(", ")
}

fn multi_tenant_problems(
    d: &Deployment,
    tx: &BTreeMap<Option<&str>, Vec<Seen<'_>>>,
    perm: &BTreeMap<Option<&str>, usize>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let env_tx = tx.get(&Some(ENVIRONMENT)).map_or(&[][..], Vec::as_slice);
    let env_perm = perm.get(&Some(ENVIRONMENT)).copied().unwrap_or(0);
    if !env_tx.is_empty() || env_perm > 0 {
        let mut from = Vec::new();
        if !env_tx.is_empty() {
            from.push(sources(env_tx));
        }
        if env_perm > 0 {
            from.push("the permissions export".to_owned());
        }
        problems.push(Problem {
            kind: Kind::InEnvironment,
            tenant: ENVIRONMENT.to_owned(),
            message: format!(
                "a hybrid_integration object is left in Environment (seen in {}), shared by every tenant although each tenant needs its own Genesys Cloud org; delete it and keep one object inside each tenant",
                from.join(" and ")
            ),
        });
    }
    let unrecorded = tx.get(&None).map_or(&[][..], Vec::as_slice);
    for t in &d.tenants {
        let name = t.name.as_str();
        let recorded = tx.get(&Some(name)).map_or(0, Vec::len);
        let unplaced = unrecorded
            .iter()
            .filter(|s| s.picked_by.contains(&name))
            .count();
        let in_perm = perm.get(&Some(name)).copied().unwrap_or(0);
        if recorded + unplaced > 1 || in_perm > 1 {
            let n = (recorded + unplaced).max(in_perm);
            problems.push(Problem {
                kind: Kind::Duplicate,
                tenant: name.to_owned(),
                message: format!("{name} has {n} hybrid_integration objects; keep exactly one"),
            });
        }
        if recorded == 0 && in_perm == 0 {
            problems.push(if unplaced > 0 {
                Problem {
                    kind: Kind::Unknown,
                    tenant: name.to_owned(),
                    message: format!(
                        "the export of {name}'s hybrid_integration object does not record its tenant and the permissions export does not list it, so its placement is unknown; export it as JSON or add a permissions export"
                    ),
                }
            } else {
                Problem {
                    kind: Kind::Missing,
                    tenant: name.to_owned(),
                    message: format!(
                        "{name} has no hybrid_integration object of its own; create one in {name}'s Transactions folder"
                    ),
                }
            });
        }
    }
    problems
}

/// Single-tenant: every object in Environment, exactly one. `None` when
/// there is no object to judge (CFG001 reports that).
fn single_tenant_problems(
    tx: &BTreeMap<Option<&str>, Vec<Seen<'_>>>,
    perm: &BTreeMap<Option<&str>, usize>,
) -> Option<Vec<Problem>> {
    let mut problems = Vec::new();
    for (tenant, seen) in tx {
        if let Some(t) = tenant.filter(|t| *t != ENVIRONMENT) {
            problems.push(Problem {
                kind: Kind::NotInEnvironment,
                tenant: t.to_owned(),
                message: format!(
                    "the hybrid_integration object in {} belongs to tenant {t}, but a single-tenant deployment keeps it in Environment; move it to Environment's Transactions folder",
                    sources(seen)
                ),
            });
        }
    }
    let in_env = tx.get(&Some(ENVIRONMENT)).map_or(0, Vec::len);
    let unplaced = tx.get(&None).map_or(0, Vec::len);
    let in_perm = perm.get(&Some(ENVIRONMENT)).copied().unwrap_or(0);
    if in_env + unplaced > 1 || in_perm > 1 {
        problems.push(Problem {
            kind: Kind::Duplicate,
            tenant: ENVIRONMENT.to_owned(),
            message: format!(
                "Environment has {} hybrid_integration objects; keep exactly one",
                (in_env + unplaced).max(in_perm)
            ),
        });
    }
    if in_env == 0 && in_perm == 0 {
        if unplaced > 0 {
            problems.push(Problem {
                kind: Kind::Unknown,
                tenant: ENVIRONMENT.to_owned(),
                message: "the export of the hybrid_integration object does not record its tenant and no permissions export places it, so its placement is unknown; export it as JSON".to_owned(),
            });
        } else if problems.is_empty() {
            return None;
        }
    }
    Some(problems)
}

/// TEN003: `general/organization_id` is unique across tenants, since each
/// tenant needs its own Genesys Cloud org. UUIDs compare without case or
/// surrounding whitespace. A tenant without an id of its own makes the
/// check `error` (unless a shared id already fails it).
pub fn ten003(d: &Deployment) -> Outcome {
    if !d.multi_tenant || d.tenants.len() < 2 {
        return Outcome::skip(
            "single-tenant",
            "with one tenant there is no other organization_id to collide with",
        );
    }
    let mut by_id: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut missing: Vec<&str> = Vec::new();
    for t in &d.tenants {
        // Only the tenant's own object counts: one the loader fell back to
        // (another tenant's, or Environment's) says nothing about its org.
        let own = t
            .object()
            .filter(|o| o.tenant.as_deref().is_none_or(|ot| ot == t.name));
        let id = own
            .and_then(|o| o.option("general", "organization_id"))
            .map(|v| v.text.trim().to_ascii_lowercase())
            .filter(|v| !v.is_empty());
        match id {
            Some(id) => by_id.entry(id).or_default().push(t.name.as_str()),
            None => missing.push(t.name.as_str()),
        }
    }
    let shared: Vec<(&String, &Vec<&str>)> = by_id.iter().filter(|(_, ts)| ts.len() > 1).collect();
    if let Some((id, tenants)) = shared.first() {
        let listed: Vec<Value> = shared
            .iter()
            .take(MAX_LISTED)
            .map(|(id, ts)| json!({"organization_id": id, "tenants": ts}))
            .collect();
        let more = if shared.len() > 1 {
            format!(" (and {} more shared id(s))", shared.len() - 1)
        } else {
            String::new()
        };
        return Outcome::fail(
            "duplicate-organization-id",
            format!(
                "{} share organization_id {id}{more}; each tenant needs its own Genesys Cloud org, so give each its own org's id",
                tenants.join(", ")
            ),
        )
        .with("shared_total", shared.len())
        .with("shared", listed);
    }
    if !missing.is_empty() {
        return Outcome::error(
            "missing-organization-id",
            format!(
                "{} tenant(s) have no general/organization_id in an object of their own (first: {}), so uniqueness cannot be proven (CFG004, TEN001)",
                missing.len(),
                missing[0]
            ),
        )
        .with("missing_total", missing.len())
        .with("missing", missing.iter().take(MAX_LISTED).copied().collect::<Vec<_>>());
    }
    Outcome::pass(format!(
        "all {} tenants name distinct Genesys Cloud orgs in general/organization_id",
        d.tenants.len()
    ))
    .with("tenants_checked", d.tenants.len())
}

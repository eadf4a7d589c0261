//! TEN002 (no agent of another tenant can READ a tenant's object) and
//! TEN004 (the permissions export covers the object).

use super::graph::{Graph, Members, Node, NodeId, NodeKind, Reached};
use super::{MAX_LISTED, TenancyAnalysis, WDE_LOADS_READABLE_OBJECTS, object_label};
use crate::evidence::permissions::ENVIRONMENT;
use crate::evidence::{Deployment, Tenant};
use crate::result::Outcome;
use serde_json::{Map, Value, json};

/// Why a principal holding READ is a finding; most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Exposure {
    /// `agent: true`, another tenant.
    Agent,
    /// Another tenant with the agent flag not exported, or no tenant recorded.
    PossibleAgent,
    /// A group exported without its members.
    MembersNotListed,
    /// A group referenced but absent from `access_groups`.
    GroupNotExported,
    /// A principal of a type this version does not know.
    UnknownPrincipal,
}

impl Exposure {
    const ALL: [Exposure; 5] = [
        Exposure::Agent,
        Exposure::PossibleAgent,
        Exposure::MembersNotListed,
        Exposure::GroupNotExported,
        Exposure::UnknownPrincipal,
    ];

    const fn code(self) -> &'static str {
        match self {
            Exposure::Agent => "cross-tenant-agent",
            Exposure::PossibleAgent => "possible-agent",
            Exposure::MembersNotListed => "members-not-listed",
            Exposure::GroupNotExported => "group-not-exported",
            Exposure::UnknownPrincipal => "unknown-principal-type",
        }
    }

    /// The outcome reason when this is the most severe exposure found.
    const fn reason(self) -> &'static str {
        match self {
            Exposure::Agent => "cross-tenant-read",
            Exposure::PossibleAgent => "possible-cross-tenant-read",
            _ => "isolation-unproven",
        }
    }

    /// `own` and `environment` are the interned keys of the object's
    /// tenant and of Environment.
    fn of(node: &Node, own: Option<u32>, environment: Option<u32>) -> Option<Exposure> {
        match &node.kind {
            NodeKind::Person { agent: Some(false) } => None,
            NodeKind::Person { agent } => match node.tenant {
                Some(_) if Some(node.tenant_key) == own || Some(node.tenant_key) == environment => {
                    None
                }
                Some(_) if *agent == Some(true) => Some(Exposure::Agent),
                _ => Some(Exposure::PossibleAgent),
            },
            NodeKind::Group {
                members: Members::Listed(_),
            } => None,
            NodeKind::Group {
                members: Members::NotListed,
            } => Some(Exposure::MembersNotListed),
            NodeKind::Group {
                members: Members::NotExported,
            } => Some(Exposure::GroupNotExported),
            NodeKind::Other { .. } => Some(Exposure::UnknownPrincipal),
        }
    }
}

/// TEN002: no agent of another tenant has effective READ on `tenant`'s
/// `hybrid_integration` object. Subject `tenant:<name>`.
pub fn ten002(a: &TenancyAnalysis, d: &Deployment, tenant: &Tenant) -> Outcome {
    if !d.multi_tenant {
        return Outcome::skip(
            "single-tenant",
            "a single-tenant deployment has no other tenant to isolate the object from",
        );
    }
    let object = object_label(&tenant.name);
    let Some(acl) = a.object(&tenant.name) else {
        return Outcome::error(
            "object-not-in-permissions",
            format!("the permissions export has no ACL for {object}, so who can read it is unknown (TEN004)"),
        )
        .with("object", object);
    };
    if acl.entries.is_empty() {
        return Outcome::error(
            "no-acl-entries",
            format!("the permissions export lists {object} with no ACL entries, so who can read it is unknown (TEN004)"),
        )
        .with("object", object);
    }

    let g = &a.graph;
    let (own, environment) = (g.tenant_key(&tenant.name), g.tenant_key(ENVIRONMENT));
    let reached = g.reach(&acl.entries);
    let mut persons = 0usize;
    let mut groups = 0usize;
    let mut found: Vec<(Exposure, NodeId)> = Vec::new();
    for &id in &reached.order {
        let node = g.node(id);
        match node.kind {
            NodeKind::Person { .. } => persons += 1,
            NodeKind::Group { .. } => groups += 1,
            NodeKind::Other { .. } => {}
        }
        if let Some(e) = Exposure::of(node, own, environment) {
            found.push((e, id));
        }
    }
    let total = found.len();
    let mut counts = Map::new();
    for e in Exposure::ALL {
        let n = found.iter().filter(|(x, _)| *x == e).count();
        if n > 0 {
            counts.insert(e.code().to_owned(), n.into());
        }
    }
    let listed = first_sorted(g, found);

    let wde = d.wde_version.as_deref().map(str::trim);
    let mut out = match listed.first() {
        None => Outcome::pass(format!(
            "no agent of another tenant can READ {object}: the {} reaching it through {} are {}'s, Environment's, or not agents",
            plural(persons, "person", "persons"),
            plural(groups, "group", "groups"),
            tenant.name
        )),
        Some(&(worst, first)) => {
            let n = counts
                .get(worst.code())
                .and_then(Value::as_u64)
                .unwrap_or_default();
            let example = path_text(g, &reached, first, &object);
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            let mut what = match worst {
                Exposure::Agent => format!(
                    "{} of other tenants can READ {object}, e.g. {example}",
                    plural(n, "agent", "agents")
                ),
                Exposure::PossibleAgent => format!(
                    "{} whose agent flag or tenant the export does not give can READ {object} and count as agents of other tenants, e.g. {example}",
                    plural(n, "person", "persons")
                ),
                _ => format!(
                    "{} holding READ on {object} {} members the export does not show, so isolation from other tenants cannot be proven, e.g. {example}",
                    plural(n, "principal", "principals"),
                    if n == 1 { "has" } else { "have" }
                ),
            };
            if total > n {
                what.push_str(&format!(" ({total} findings in all)"));
            }
            let danger = if wde == Some(WDE_LOADS_READABLE_OBJECTS) {
                format!(
                    "; Workspace Desktop Edition {WDE_LOADS_READABLE_OBJECTS}, which this deployment runs, loads every hybrid_integration object an agent can read and would hand them {}'s Genesys Cloud credentials",
                    tenant.name
                )
            } else {
                String::new()
            };
            let fix = match worst {
                Exposure::Agent | Exposure::PossibleAgent => {
                    "; revoke READ on the object or remove the membership that grants it"
                }
                _ => "; export the members of every group that holds READ",
            };
            Outcome::fail(worst.reason(), format!("{what}{danger}{fix}"))
        }
    };
    let findings: Vec<Value> = listed
        .iter()
        .map(|&(e, id)| finding(g, &reached, e, id, &object))
        .collect();
    out = out
        .with("object", object)
        .with("persons_with_read", persons)
        .with("groups_with_read", groups)
        .with("findings_total", total)
        .with("findings_by_exposure", counts)
        .with("findings_truncated", total > findings.len())
        .with("findings", findings);
    if let Some(v) = wde {
        out = out.with("wde_version", v);
    }
    out
}

/// The first [`MAX_LISTED`] findings in report order (exposure, then
/// tenant and name), without sorting them all.
fn first_sorted(g: &Graph, mut found: Vec<(Exposure, NodeId)>) -> Vec<(Exposure, NodeId)> {
    if found.len() > MAX_LISTED {
        found.select_nth_unstable_by_key(MAX_LISTED - 1, |(e, id)| (*e, g.rank(*id)));
        found.truncate(MAX_LISTED);
    }
    found.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| g.cmp_nodes(a.1, b.1)));
    found
}

/// `1 agent`, `3 agents`.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn path_text(g: &Graph, reached: &Reached, id: NodeId, object: &str) -> String {
    let names: Vec<&str> = reached
        .path(id)
        .iter()
        .map(|n| g.node(*n).name.as_str())
        .collect();
    format!("{} → READ on {object}", names.join(" ∈ "))
}

/// One finding as evidence: who, how, and through which groups.
fn finding(g: &Graph, reached: &Reached, e: Exposure, id: NodeId, object: &str) -> Value {
    let node = g.node(id);
    let path = reached.path(id);
    let names: Vec<&str> = path.iter().map(|n| g.node(*n).name.as_str()).collect();
    let tenants: Vec<Option<&str>> = path.iter().map(|n| g.node(*n).tenant.as_deref()).collect();
    let access = reached.access(id).names();
    let mut v = json!({
        "principal": node.name,
        "principal_type": node.type_name(),
        "principal_tenant": node.tenant,
        "exposure": e.code(),
        "object": object,
        "access": access,
        "path": names,
        "path_tenants": tenants,
        "path_text": format!("{} → READ on {object}", names.join(" ∈ ")),
    });
    if let (NodeKind::Person { agent }, Some(map)) = (&node.kind, v.as_object_mut()) {
        map.insert("agent".to_owned(), json!(agent));
    }
    v
}

/// TEN004: the permissions export covers `tenant`'s object, so TEN002 can
/// decide. `a` is `None` when the manifest names no permissions export.
pub fn ten004(a: Option<&TenancyAnalysis>, d: &Deployment, tenant: &Tenant) -> Outcome {
    if !d.multi_tenant {
        return Outcome::skip(
            "single-tenant",
            "a single-tenant deployment has no other tenant to isolate the object from",
        );
    }
    let object = object_label(&tenant.name);
    let Some(a) = a else {
        return Outcome::fail(
            "no-permissions-evidence",
            format!(
                "no permissions export is given, so nothing shows that agents of other tenants cannot READ {object}; add `permissions:` to the manifest"
            ),
        )
        .with("object", object);
    };
    let source = d
        .permissions_path
        .as_ref()
        .map(|p| Value::from(p.display().to_string()))
        .unwrap_or(Value::Null);
    let Some(acl) = a.object(&tenant.name) else {
        return Outcome::fail(
            "object-not-in-permissions",
            format!(
                "the permissions export has no entry for {object}, so its isolation cannot be proven; export the object's permissions"
            ),
        )
        .with("object", object)
        .with("permissions", source);
    };
    if acl.entries.is_empty() {
        return Outcome::fail(
            "no-acl-entries",
            format!(
                "the permissions export lists {object} without ACL entries, so its isolation cannot be proven; export the object's permissions"
            ),
        )
        .with("object", object)
        .with("permissions", source);
    }
    Outcome::pass(format!(
        "the permissions export covers {object} ({} ACL entries)",
        acl.entries.len()
    ))
    .with("object", object)
    .with("permissions", source)
    .with("acl_entries", acl.entries.len())
    .with("copies", acl.copies)
}

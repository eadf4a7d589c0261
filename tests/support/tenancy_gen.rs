//! A synthetic multi-tenant deployment for the tenancy scale test and bench.
//!
//! Each tenant gets `groups_per_tenant` access groups nested in a chain that
//! closes into a cycle (`Agents ∋ Team 1 ∋ … ∋ Team k ∋ Agents`) plus a
//! `Supervisors` group, and `persons_per_tenant` persons (two supervisors,
//! the rest agents spread over the chain). Every `leak_every`-th tenant's
//! deepest group also holds an agent of the next tenant: a cross-tenant leak
//! through every level of nesting. An Environment `Super Administrators`
//! group of ten non-agent persons has full access on every object.
#![allow(dead_code)]

use hybrid_preflight::evidence::permissions::{self, PermissionsExport};
use hybrid_preflight::evidence::{
    Deployment, ExportFormat, Network, OptionValue, Service, Tenant, TxExport, TxObject,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct Shape {
    pub tenants: usize,
    pub persons_per_tenant: usize,
    /// At least 3: `Agents`, one team, `Supervisors`.
    pub groups_per_tenant: usize,
    /// 0: no leaks.
    pub leak_every: usize,
    /// Worst case: an Environment group holding every tenant's `Agents`
    /// group reads every object (every object leaks to every other tenant).
    pub env_group_reads_all: bool,
}

impl Shape {
    /// The issue's scale: 1,000 tenants, 50,000 persons, 5,000 nested groups.
    pub const ISSUE: Shape = Shape {
        tenants: 1000,
        persons_per_tenant: 50,
        groups_per_tenant: 5,
        leak_every: 100,
        env_group_reads_all: false,
    };

    /// Tenants whose object the generated leaks reach.
    pub fn leaking_tenants(&self) -> Vec<String> {
        if self.leak_every == 0 {
            return Vec::new();
        }
        (0..self.tenants)
            .filter(|i| i % self.leak_every == 0)
            .map(tenant_name)
            .collect()
    }

    fn teams(&self) -> usize {
        self.groups_per_tenant.saturating_sub(2).max(1)
    }

    /// The deepest group of the chain, where leaks are planted.
    pub fn deepest_group(&self) -> String {
        format!("Team {}", self.teams())
    }
}

pub fn tenant_name(i: usize) -> String {
    format!("Tenant_{i:04}")
}

pub fn agent_name(tenant: usize, n: usize) -> String {
    format!("agent{n}.{}", tenant_name(tenant))
}

const ALL: [&str; 7] = [
    "read",
    "create",
    "change",
    "delete",
    "execute",
    "read_permissions",
    "change_permissions",
];

fn person(name: &str, tenant: &str, agent: bool) -> Value {
    json!({"type": "CfgPerson", "name": name, "tenant": tenant, "agent": agent})
}

fn group(name: &str, tenant: &str) -> Value {
    json!({"type": "CfgAccessGroup", "name": name, "tenant": tenant})
}

/// The permissions export as JSON text (what a user would hand the tool).
pub fn permissions_json(s: &Shape) -> String {
    let teams = s.teams();
    let mut objects = Vec::with_capacity(s.tenants);
    let mut groups = Vec::with_capacity(s.tenants * (teams + 2) + 2);
    let mut all_agents = Vec::new();
    for i in 0..s.tenants {
        let t = tenant_name(i);
        let mut acl = vec![
            json!({"subject": group("Agents", &t), "access": ["read", "execute"]}),
            json!({"subject": group("Supervisors", &t), "access": ALL}),
            json!({"subject": group("Super Administrators", "Environment"), "access": ALL}),
        ];
        if s.env_group_reads_all {
            acl.push(json!({"subject": group("All Agents", "Environment"), "access": ["read"]}));
            all_agents.push(group("Agents", &t));
        }
        objects.push(json!({"type": "CfgTransaction", "name": "hybrid_integration", "tenant": t, "acl": acl}));

        // Chain Agents ∋ Team 1 ∋ … ∋ Team k ∋ Agents (a cycle).
        let chain: Vec<String> = std::iter::once("Agents".to_owned())
            .chain((1..=teams).map(|k| format!("Team {k}")))
            .collect();
        let mut members: Vec<Vec<Value>> = vec![Vec::new(); chain.len()];
        for (k, m) in members.iter_mut().enumerate() {
            m.push(group(&chain[(k + 1) % chain.len()], &t));
        }
        let agents = s.persons_per_tenant.saturating_sub(2);
        for n in 0..agents {
            members[n % chain.len()].push(person(&agent_name(i, n), &t, true));
        }
        if s.leak_every > 0 && i % s.leak_every == 0 {
            let next = (i + 1) % s.tenants;
            members[chain.len() - 1].push(person(&agent_name(next, 0), &tenant_name(next), true));
        }
        for (name, m) in chain.iter().zip(members) {
            groups.push(json!({"name": name, "tenant": t, "members": m}));
        }
        let sups: Vec<Value> = (0..s.persons_per_tenant.min(2))
            .map(|n| person(&format!("supervisor{n}.{t}"), &t, false))
            .chain(std::iter::once(group("Team 1", &t)))
            .collect();
        groups.push(json!({"name": "Supervisors", "tenant": t, "members": sups}));
    }
    let admins: Vec<Value> = (0..10)
        .map(|n| person(&format!("admin{n}"), "Environment", false))
        .collect();
    groups
        .push(json!({"name": "Super Administrators", "tenant": "Environment", "members": admins}));
    if s.env_group_reads_all {
        groups.push(json!({"name": "All Agents", "tenant": "Environment", "members": all_agents}));
    }
    json!({"objects": objects, "access_groups": groups}).to_string()
}

pub fn permissions(s: &Shape) -> PermissionsExport {
    permissions::parse(
        Path::new("generated-permissions.json"),
        &permissions_json(s),
    )
    .expect("generated export parses")
}

/// A multi-tenant deployment: one export holding every tenant's object
/// (distinct organization ids), each tenant picking its own.
pub fn deployment(s: &Shape, p: Option<PermissionsExport>) -> Deployment {
    let objects: Vec<TxObject> = (0..s.tenants)
        .map(|i| {
            let mut general = BTreeMap::new();
            general.insert(
                "organization_id".to_owned(),
                OptionValue {
                    text: format!("00000000-0000-4000-8000-{i:012}"),
                    line: None,
                },
            );
            let mut options = BTreeMap::new();
            options.insert("general".to_owned(), general);
            TxObject {
                name: Some("hybrid_integration".to_owned()),
                kind: Some("list".to_owned()),
                state: Some("enabled".to_owned()),
                tenant: Some(tenant_name(i)),
                options,
                ..TxObject::default()
            }
        })
        .collect();
    let export = Arc::new(TxExport {
        path: PathBuf::from("generated-transactions.json"),
        format: ExportFormat::Json,
        objects,
    });
    let tenants = (0..s.tenants)
        .map(|i| Tenant {
            name: tenant_name(i),
            export: export.clone(),
            object: Some(i),
            cloud: None,
        })
        .collect();
    Deployment {
        manifest_path: PathBuf::from("generated-deployment.yaml"),
        name: "generated".to_owned(),
        multi_tenant: true,
        services: vec![Service::PredictiveEngagement],
        wde_version: Some("8.5.133.02".to_owned()),
        tenants,
        permissions_path: p
            .as_ref()
            .map(|_| PathBuf::from("generated-permissions.json")),
        permissions: p.map(Arc::new),
        network: Network::default(),
    }
}

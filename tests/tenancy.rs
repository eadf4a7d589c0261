//! Tenant isolation rules TEN001–TEN004 on fixture deployments loaded the
//! way the CLI loads them, and on a generated deployment at the issue's scale.

#[path = "support/tenancy_gen.rs"]
mod tenancy_gen;

use hybrid_preflight::evidence::{self, Deployment, Tenant};
use hybrid_preflight::facts::tenancy::{self, MAX_LISTED, TenancyAnalysis};
use hybrid_preflight::{Outcome, Status};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};
use tenancy_gen::Shape;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tenancy")
        .join(name)
}

fn load(name: &str) -> Deployment {
    evidence::load(&fixture(name)).unwrap()
}

fn tenant<'a>(d: &'a Deployment, name: &str) -> &'a Tenant {
    d.tenants.iter().find(|t| t.name == name).unwrap()
}

fn ten002(d: &Deployment, name: &str) -> Outcome {
    let a = TenancyAnalysis::of(d).unwrap();
    tenancy::ten002(&a, d, tenant(d, name))
}

fn ten004(d: &Deployment, name: &str) -> Outcome {
    let a = TenancyAnalysis::of(d);
    tenancy::ten004(a.as_ref(), d, tenant(d, name))
}

fn assert_outcome(o: &Outcome, status: Status, reason: Option<&str>) {
    assert_eq!(
        (o.status, o.reason.as_deref()),
        (status, reason),
        "unexpected outcome: {} ({:?})",
        o.message,
        o.evidence
    );
}

fn findings(o: &Outcome) -> &Vec<Value> {
    o.evidence["findings"].as_array().unwrap()
}

/// Runs `f` on another thread and fails the test if it takes longer than
/// `limit`, so a traversal that loops shows up as a failure, not a hang.
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit).expect("did not finish in time")
}

#[test]
fn contract_sample_passes_every_tenancy_rule() {
    let d = load("contract");
    let a = TenancyAnalysis::of(&d).unwrap();
    assert_outcome(&tenancy::ten001(&d), Status::Pass, None);
    assert_outcome(&tenancy::ten003(&d), Status::Pass, None);
    for t in &d.tenants {
        let o = tenancy::ten002(&a, &d, t);
        assert_outcome(&o, Status::Pass, None);
        // Three agents and one administrator of the tenant itself.
        assert_eq!(o.evidence["persons_with_read"], 4);
        assert_eq!(o.evidence["groups_with_read"], 2);
        assert_eq!(o.evidence["findings_total"], 0);
        assert_eq!(
            o.evidence["object"],
            format!("{}/hybrid_integration", t.name)
        );
        assert_outcome(&tenancy::ten004(Some(&a), &d, t), Status::Pass, None);
    }
}

#[test]
fn secrets_of_the_sample_never_reach_an_outcome() {
    let d = load("contract");
    let a = TenancyAnalysis::of(&d).unwrap();
    let mut all = vec![tenancy::ten001(&d), tenancy::ten003(&d)];
    for t in &d.tenants {
        all.push(tenancy::ten002(&a, &d, t));
        all.push(tenancy::ten004(Some(&a), &d, t));
    }
    let text = format!("{all:?}");
    for secret in [
        "Pw-4d2a3d87cf23",
        "sec-d0c6c82d7bc5453e9d5c27f641ebf4b4",
        "Pw-4061862a3a78",
        "sec-1d821755a91b4b689745d23753cfeef6",
        "Pw-a8cf307dd33d",
        "sec-8cae684c2d9446d5b231d8373d63f0b4",
    ] {
        assert!(!text.contains(secret), "secret {secret} leaked");
    }
}

#[test]
fn direct_acl_entry_for_another_tenants_agent_is_a_leak() {
    let d = load("direct-leak.yaml");
    let o = ten002(&d, "Tenant_B");
    assert_outcome(&o, Status::Fail, Some("cross-tenant-read"));
    assert_eq!(o.evidence["findings_total"], 1);
    assert_eq!(
        findings(&o)[0],
        json!({
            "principal": "agent7.tenant-a",
            "principal_type": "person",
            "principal_tenant": "Tenant_A",
            "exposure": "cross-tenant-agent",
            "object": "Tenant_B/hybrid_integration",
            "access": ["read"],
            "path": ["agent7.tenant-a"],
            "path_tenants": ["Tenant_A"],
            "path_text": "agent7.tenant-a → READ on Tenant_B/hybrid_integration",
            "agent": true,
        })
    );
    assert!(
        o.message
            .contains("agent7.tenant-a → READ on Tenant_B/hybrid_integration")
    );
    // No WDE version in the manifest: no claim about what the desktop loads.
    assert!(!o.message.contains("Workspace Desktop Edition"));
    assert!(o.evidence.get("wde_version").is_none());
    assert_outcome(&ten002(&d, "Tenant_A"), Status::Pass, None);
    assert_outcome(&ten002(&d, "Tenant_C"), Status::Pass, None);
}

#[test]
fn leak_through_two_levels_of_nesting_has_the_json_path() {
    let d = load("nested-leak.yaml");
    let o = ten002(&d, "Tenant_B");
    assert_outcome(&o, Status::Fail, Some("cross-tenant-read"));
    assert_eq!(o.evidence["findings_total"], 2);
    assert_eq!(
        o.evidence["findings_by_exposure"],
        json!({"cross-tenant-agent": 1, "possible-agent": 1})
    );
    assert_eq!(o.evidence["findings_truncated"], false);
    assert_eq!(o.evidence["wde_version"], "8.5.133.02");
    // Agents first; then the person whose agent flag is not exported.
    assert_eq!(
        findings(&o)[0],
        json!({
            "principal": "agent9",
            "principal_type": "person",
            "principal_tenant": "Tenant_A",
            "exposure": "cross-tenant-agent",
            "object": "Tenant_B/hybrid_integration",
            "access": ["read", "execute"],
            "path": ["agent9", "Shift Pool", "Floor Leads"],
            "path_tenants": ["Tenant_A", "Tenant_B", "Tenant_B"],
            "path_text": "agent9 ∈ Shift Pool ∈ Floor Leads → READ on Tenant_B/hybrid_integration",
            "agent": true,
        })
    );
    let second = &findings(&o)[1];
    assert_eq!(second["principal"], "temp.tenant-c");
    assert_eq!(second["exposure"], "possible-agent");
    assert_eq!(second["agent"], Value::Null);
    assert_eq!(
        second["path"],
        json!(["temp.tenant-c", "Shift Pool", "Floor Leads"])
    );
    // The supervisor of Tenant_A reads too, but is not an agent.
    assert!(
        findings(&o)
            .iter()
            .all(|f| f["principal"] != "supervisor.tenant-a")
    );

    assert!(
        o.message
            .starts_with("1 agent of other tenants can READ Tenant_B/hybrid_integration")
    );
    assert!(o.message.contains("(2 findings in all)"));
    assert!(
        o.message
            .contains("agent9 ∈ Shift Pool ∈ Floor Leads → READ on Tenant_B/hybrid_integration")
    );
    assert!(o.message.contains("Workspace Desktop Edition 8.5.133.02"));
    assert!(o.message.contains("Tenant_B's Genesys Cloud credentials"));

    assert_outcome(&ten002(&d, "Tenant_A"), Status::Pass, None);
    assert_outcome(&ten002(&d, "Tenant_C"), Status::Pass, None);
}

#[test]
fn another_wde_version_gets_no_wde_warning() {
    let mut d = load("nested-leak.yaml");
    d.wde_version = Some("8.5.140.08".to_owned());
    let o = ten002(&d, "Tenant_B");
    assert_outcome(&o, Status::Fail, Some("cross-tenant-read"));
    assert!(!o.message.contains("Workspace Desktop Edition"));
    assert_eq!(o.evidence["wde_version"], "8.5.140.08");
}

#[test]
fn person_without_agent_flag_counts_as_a_possible_agent() {
    let mut d = load("nested-leak.yaml");
    let mut p = (**d.permissions.as_ref().unwrap()).clone();
    for g in &mut p.access_groups {
        if let Some(m) = &mut g.members {
            m.retain(|m| m.name != "agent9");
        }
    }
    d.permissions = Some(Arc::new(p));
    let o = ten002(&d, "Tenant_B");
    assert_outcome(&o, Status::Fail, Some("possible-cross-tenant-read"));
    assert_eq!(o.evidence["findings_total"], 1);
    assert!(
        o.message
            .contains("temp.tenant-c ∈ Shift Pool ∈ Floor Leads")
    );
    assert!(o.message.contains("agent flag or tenant"));
}

#[test]
fn membership_cycle_terminates_and_still_finds_the_leak() {
    let d = load("cycle.yaml");
    let (a_out, b_out) = within(Duration::from_secs(10), move || {
        (ten002(&d, "Tenant_A"), ten002(&d, "Tenant_B"))
    });
    assert_outcome(&a_out, Status::Fail, Some("cross-tenant-read"));
    assert_eq!(a_out.evidence["findings_total"], 1);
    let f = &findings(&a_out)[0];
    assert_eq!(f["principal"], "agent5.tenant-c");
    assert_eq!(f["path"], json!(["agent5.tenant-c", "Z", "Y", "X"]));
    assert_eq!(
        f["path_text"],
        "agent5.tenant-c ∈ Z ∈ Y ∈ X → READ on Tenant_A/hybrid_integration"
    );
    // The clean cycle P ∋ Q ∋ P holds only Tenant_B persons.
    assert_outcome(&b_out, Status::Pass, None);
    assert_eq!(b_out.evidence["groups_with_read"], 4);
}

#[test]
fn environment_group_with_other_tenants_agents_leaks() {
    let d = load("environment-group.yaml");
    // Super Administrators (Environment persons only) read every object.
    for t in ["Tenant_A", "Tenant_B"] {
        let o = ten002(&d, t);
        assert_outcome(&o, Status::Pass, None);
        // Two agents, the administrator, and two Environment persons.
        assert_eq!(o.evidence["persons_with_read"], 5);
    }
    let o = ten002(&d, "Tenant_C");
    assert_outcome(&o, Status::Fail, Some("cross-tenant-read"));
    assert_eq!(o.evidence["findings_total"], 2);
    let names: Vec<&str> = findings(&o)
        .iter()
        .map(|f| f["principal"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["agent1.tenant-a", "agent2.tenant-a"]);
    assert_eq!(
        findings(&o)[0]["path"],
        json!(["agent1.tenant-a", "Global Agents"])
    );
    assert_eq!(
        findings(&o)[0]["path_tenants"],
        json!(["Tenant_A", "Environment"])
    );
    assert_eq!(findings(&o)[0]["access"], json!(["read", "execute"]));
}

#[test]
fn unknown_membership_cannot_prove_isolation() {
    let d = load("unknown-members.yaml");
    let o = ten002(&d, "Tenant_A");
    assert_outcome(&o, Status::Fail, Some("isolation-unproven"));
    let f = &findings(&o)[0];
    assert_eq!(f["principal"], "Partner Desk");
    assert_eq!(f["principal_type"], "group");
    assert_eq!(f["principal_tenant"], "Tenant_B");
    assert_eq!(f["exposure"], "members-not-listed");
    assert!(o.message.contains("cannot be proven"));

    // A group referenced as a member but absent from access_groups.
    let o = ten002(&d, "Tenant_B");
    assert_outcome(&o, Status::Fail, Some("isolation-unproven"));
    let f = &findings(&o)[0];
    assert_eq!(f["exposure"], "group-not-exported");
    assert_eq!(f["path"], json!(["Night Shift", "Agents"]));

    // Tenant_C's object is not in the export at all.
    let o = ten002(&d, "Tenant_C");
    assert_outcome(&o, Status::Error, Some("object-not-in-permissions"));
    assert_outcome(
        &ten004(&d, "Tenant_C"),
        Status::Fail,
        Some("object-not-in-permissions"),
    );
    assert_outcome(&ten004(&d, "Tenant_A"), Status::Pass, None);
    assert_outcome(&ten004(&d, "Tenant_B"), Status::Pass, None);
}

#[test]
fn empty_acl_is_not_evidence_of_isolation() {
    let mut d = load("contract");
    let mut p = (**d.permissions.as_ref().unwrap()).clone();
    p.objects[0].acl.clear();
    d.permissions = Some(Arc::new(p));
    let t = p_tenant(&d);
    assert_outcome(&ten002(&d, &t), Status::Error, Some("no-acl-entries"));
    assert_outcome(&ten004(&d, &t), Status::Fail, Some("no-acl-entries"));
}

fn p_tenant(d: &Deployment) -> String {
    d.permissions.as_ref().unwrap().objects[0]
        .tenant
        .clone()
        .unwrap()
}

#[test]
fn missing_permissions_export_fails_ten004() {
    let d = load("no-permissions.yaml");
    for t in &d.tenants {
        let o = tenancy::ten004(None, &d, t);
        assert_outcome(&o, Status::Fail, Some("no-permissions-evidence"));
        assert!(o.message.contains("permissions:"));
    }
    // Placement and org ids are judged from the transaction export alone.
    assert_outcome(&tenancy::ten001(&d), Status::Pass, None);
    assert_outcome(&tenancy::ten003(&d), Status::Pass, None);
}

#[test]
fn shared_environment_copy_missing_object_and_shared_org_id() {
    let d = load("placement.yaml");
    let o = tenancy::ten001(&d);
    assert_outcome(&o, Status::Fail, Some("object-in-environment"));
    assert_eq!(o.evidence["problems_total"], 2);
    assert_eq!(o.evidence["problems"][0]["tenant"], "Environment");
    assert_eq!(o.evidence["problems"][1]["tenant"], "Tenant_C");
    assert_eq!(
        o.evidence["problems"][1]["problem"],
        "missing-tenant-object"
    );
    assert!(o.message.contains("and 1 more placement problem"));

    let o = tenancy::ten003(&d);
    assert_outcome(&o, Status::Fail, Some("duplicate-organization-id"));
    // Case and stray whitespace do not hide the collision.
    assert_eq!(
        o.evidence["shared"],
        json!([{"organization_id": "0b5c6a53-7d51-4a0e-9b1b-5a3a3f0d0a01", "tenants": ["Tenant_A", "Tenant_B"]}])
    );
    assert!(
        o.message
            .starts_with("Tenant_A, Tenant_B share organization_id")
    );
}

#[test]
fn tenant_without_organization_id_makes_ten003_undecided() {
    let mut d = load("direct-leak.yaml");
    let t = &mut d.tenants[2];
    let export = Arc::make_mut(&mut t.export);
    let i = t.object.unwrap();
    export.objects[i]
        .options
        .get_mut("general")
        .unwrap()
        .remove("organization_id");
    let o = tenancy::ten003(&d);
    assert_outcome(&o, Status::Error, Some("missing-organization-id"));
    assert_eq!(o.evidence["missing"], json!(["Tenant_C"]));
}

#[test]
fn duplicate_object_in_permissions_export_fails_ten001() {
    let mut d = load("contract");
    let mut p = (**d.permissions.as_ref().unwrap()).clone();
    p.objects.push(p.objects[1].clone());
    d.permissions = Some(Arc::new(p));
    let o = tenancy::ten001(&d);
    assert_outcome(&o, Status::Fail, Some("duplicate-object"));
    assert_eq!(o.evidence["problems"][0]["tenant"], "Tenant_B");
}

#[test]
fn ini_export_without_permissions_has_unknown_placement() {
    // tenant-b.cfg (INI) does not record its tenant; only the permissions
    // export places it.
    let mut d = load("contract");
    d.permissions = None;
    let o = tenancy::ten001(&d);
    assert_outcome(&o, Status::Error, Some("placement-unknown"));
    assert_eq!(o.evidence["problems"][0]["tenant"], "Tenant_B");
}

#[test]
fn single_tenant_deployment() {
    let d = load("single-tenant.yaml");
    let a = TenancyAnalysis::new(&Default::default());
    let t = &d.tenants[0];
    assert_outcome(&tenancy::ten001(&d), Status::Pass, None);
    assert_outcome(
        &tenancy::ten002(&a, &d, t),
        Status::Skip,
        Some("single-tenant"),
    );
    assert_outcome(&tenancy::ten003(&d), Status::Skip, Some("single-tenant"));
    assert_outcome(
        &tenancy::ten004(None, &d, t),
        Status::Skip,
        Some("single-tenant"),
    );

    // The same object placed inside a tenant is CFG002's finding, here TEN001's.
    let mut d = d;
    Arc::make_mut(&mut d.tenants[0].export).objects[0].tenant = Some("Tenant_X".to_owned());
    let o = tenancy::ten001(&d);
    assert_outcome(&o, Status::Fail, Some("not-in-environment"));
    assert!(o.message.contains("Tenant_X"));
}

#[test]
fn evidence_is_capped_sorted_and_deterministic() {
    let shape = Shape {
        tenants: 12,
        persons_per_tenant: 10,
        groups_per_tenant: 4,
        leak_every: 0,
        env_group_reads_all: true,
    };
    let d = tenancy_gen::deployment(&shape, Some(tenancy_gen::permissions(&shape)));
    let a = TenancyAnalysis::of(&d).unwrap();
    let o = tenancy::ten002(&a, &d, &d.tenants[3]);
    assert_outcome(&o, Status::Fail, Some("cross-tenant-read"));
    // 11 other tenants × 8 agents each.
    assert_eq!(o.evidence["findings_total"], 88);
    assert_eq!(o.evidence["findings_truncated"], true);
    let listed = findings(&o);
    assert_eq!(listed.len(), MAX_LISTED);
    let keys: Vec<(String, String)> = listed
        .iter()
        .map(|f| {
            (
                f["principal_tenant"].as_str().unwrap().to_owned(),
                f["principal"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(
        keys[0],
        ("Tenant_0000".to_owned(), "agent0.Tenant_0000".to_owned())
    );
    assert!(keys.iter().all(|(t, _)| t != "Tenant_0003"));
    assert_eq!(
        listed[0]["path"],
        json!(["agent0.Tenant_0000", "Agents", "All Agents"])
    );
    // Same input, same report.
    let again = tenancy::ten002(&TenancyAnalysis::of(&d).unwrap(), &d, &d.tenants[3]);
    assert_eq!(o, again);
}

#[test]
fn issue_scale_deployment_is_fast_and_exact() {
    let shape = Shape::ISSUE;
    let text = tenancy_gen::permissions_json(&shape);
    let leaking = shape.leaking_tenants();
    let deepest = shape.deepest_group();
    let outcomes = within(Duration::from_secs(60), move || {
        let started = Instant::now();
        let p = evidence::permissions::parse(Path::new("generated.json"), &text).unwrap();
        let d = tenancy_gen::deployment(&shape, Some(p));
        let a = TenancyAnalysis::of(&d).unwrap();
        let mut out = vec![
            ("*".to_owned(), tenancy::ten001(&d)),
            ("*".to_owned(), tenancy::ten003(&d)),
        ];
        for t in &d.tenants {
            out.push((t.name.clone(), tenancy::ten002(&a, &d, t)));
            out.push((t.name.clone(), tenancy::ten004(Some(&a), &d, t)));
        }
        (out, started.elapsed())
    });
    let (out, elapsed) = outcomes;
    // An unoptimised test build on a shared machine: the bound only
    // catches accidental quadratic work (the release bench is the measure).
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
    assert_eq!(out.len(), 2 + 2 * 1000);
    let mut failed = Vec::new();
    for (tenant, o) in &out {
        match o.status {
            Status::Pass => {}
            Status::Fail => {
                assert_eq!(o.reason.as_deref(), Some("cross-tenant-read"));
                assert_eq!(o.evidence["findings_total"], 1);
                failed.push(tenant.clone());
            }
            _ => panic!("{tenant}: {o:?}"),
        }
    }
    assert_eq!(failed, leaking);
    let (_, first) = out
        .iter()
        .find(|(t, o)| t == "Tenant_0000" && o.status == Status::Fail)
        .unwrap();
    assert_eq!(
        findings(first)[0]["path_text"],
        format!(
            "agent0.Tenant_0001 ∈ {deepest} ∈ Team 2 ∈ Team 1 ∈ Agents → READ on Tenant_0000/hybrid_integration"
        )
    );
    assert!(
        first
            .message
            .contains("Workspace Desktop Edition 8.5.133.02")
    );
}

#[test]
fn analysis_can_be_shared_by_concurrent_checks() {
    fn shared<T: Send + Sync>() {}
    shared::<TenancyAnalysis>();
}

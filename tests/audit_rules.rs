//! The CFG/IDP/OAU/ROL rules on the contract sample (all pass) and on copies
//! with one planted fault each (the right rule, status and reason).

mod support;

use serde_json::json;
use support::{Fixture, non_passes, verdict};

const A: &str = "tenant:Tenant_A";
const B: &str = "tenant:Tenant_B";
const TX_A: &str = "onprem/tenant-a.json";
const UP: &str = "/transactions/0/userProperties";
const IDP_A: &str = "cloud/tenant-a/identityproviders-pureengage.json";
const CLIENTS_A: &str = "cloud/tenant-a/oauth-clients.json";
const ROLES_A: &str = "cloud/tenant-a/authorization-roles.json";

fn v(s: &str, r: Option<&str>) -> (String, Option<String>) {
    (s.to_owned(), r.map(str::to_owned))
}

#[test]
fn contract_sample_passes_every_configuration_rule() {
    let f = Fixture::sample();
    // OAU006 is the opt-in live check: without --live-auth it reports `skip`.
    let (code, report) = f.audit(&["--select", "CFG,IDP,OAU,ROL", "--ignore", "OAU006"]);
    assert_eq!(
        non_passes(&report, &["CFG", "IDP", "OAU", "ROL"]),
        Vec::<String>::new()
    );
    // 15 + 6 + 5 + 2 rules × 3 tenants.
    assert_eq!(report["summary"]["pass"], 84);
    assert_eq!(code, 0);
}

#[test]
fn service_url_with_version_is_cfg008_includes_version() {
    let f = Fixture::sample();
    f.set_json(
        TX_A,
        &format!("{UP}/general/base_service_url"),
        json!("https://api.mypurecloud.com/api/v2/"),
    );
    let (code, r) = f.audit(&[]);
    assert_eq!(
        verdict(&r, "CFG008", A),
        v("fail", Some("includes-version"))
    );
    assert_eq!(verdict(&r, "CFG008", B), v("pass", None));
    assert_eq!(code, 1);
}

#[test]
fn region_mismatch_and_unknown_region() {
    let f = Fixture::sample();
    f.set_json(
        TX_A,
        &format!("{UP}/general/base_auth_url"),
        json!("https://login.mypurecloud.ie/oauth/token"),
    );
    let (_, r) = f.audit(&[]);
    assert_eq!(verdict(&r, "CFG007", A), v("pass", None));
    assert_eq!(verdict(&r, "CFG009", A), v("fail", Some("region-mismatch")));
    // ssoTargetURI (apps.mypurecloud.com) no longer matches the org's auth region.
    assert_eq!(verdict(&r, "IDP006", A), v("fail", Some("region-mismatch")));

    let f = Fixture::sample();
    f.set_json(
        TX_A,
        &format!("{UP}/general/base_auth_url"),
        json!("https://login.mypurecloud.co/oauth/token"),
    );
    let (_, r) = f.audit(&[]);
    assert_eq!(verdict(&r, "CFG007", A), v("fail", Some("unknown-region")));
    assert_eq!(verdict(&r, "CFG009", A), v("skip", Some("unknown-region")));
}

#[test]
fn misspelt_and_misplaced_options_are_cfg015() {
    let f = Fixture::sample();
    f.set_json(TX_A, &format!("{UP}/general/base_auth_uri"), json!("x"));
    f.set_json(
        TX_A,
        &format!("{UP}/general/organization_domain_suffix"),
        json!("com"),
    );
    let (_, r) = f.audit(&[]);
    let res = support::result(&r, "CFG015", A);
    assert_eq!(res["status"], "fail");
    assert_eq!(res["reason"], "misspelt-name");
    let msg = res["message"].as_str().unwrap();
    assert!(
        msg.contains("did you mean `general/base_auth_url`"),
        "{msg}"
    );
    assert!(msg.contains("belongs in the Annex"), "{msg}");
}

#[test]
fn misspelt_section_in_ini_and_stray_whitespace() {
    let f = Fixture::sample();
    f.replace("onprem/tenant-b.cfg", "[saml_auth]", "[saml-auth]");
    let (_, r) = f.audit(&[]);
    assert_eq!(verdict(&r, "CFG015", B), v("fail", Some("misspelt-name")));
    assert_eq!(verdict(&r, "CFG013", B), v("fail", Some("missing")));

    let f = Fixture::sample();
    f.set_json(
        TX_A,
        &format!("{UP}/general/organization_sname"),
        json!("tenant-a "),
    );
    let (_, r) = f.audit(&[]);
    assert_eq!(
        verdict(&r, "CFG015", A),
        v("fail", Some("stray-whitespace"))
    );
}

#[test]
fn expire_time_range_and_type() {
    for (value, reason) in [
        ("72", "above-maximum"),
        ("0", "below-minimum"),
        ("1.5", "not-an-integer"),
        ("one day", "not-a-number"),
    ] {
        let f = Fixture::sample();
        f.set_json(TX_A, &format!("{UP}/saml/expire_time"), json!(value));
        let (_, r) = f.audit(&["--select", "CFG012"]);
        assert_eq!(verdict(&r, "CFG012", A), v("fail", Some(reason)), "{value}");
    }
}

#[test]
fn missing_object_and_wrong_name() {
    let f = Fixture::sample();
    f.set_json(TX_A, "/transactions/0/name", json!("Hybrid_Integration"));
    let (_, r) = f.audit(&[]);
    assert_eq!(verdict(&r, "CFG001", A), v("fail", Some("wrong-name")));
    // Rules that need the object skip instead of passing.
    assert_eq!(
        verdict(&r, "CFG003", A),
        v("skip", Some("no-transaction-object"))
    );
    assert_eq!(
        verdict(&r, "CFG015", A),
        v("skip", Some("no-transaction-object"))
    );
}

#[test]
fn shared_object_in_environment_is_cfg002() {
    let f = Fixture::sample();
    f.set_json(TX_A, "/transactions/0/tenant", json!("Environment"));
    let (_, r) = f.audit(&[]);
    assert_eq!(
        verdict(&r, "CFG002", A),
        v("fail", Some("shared-from-environment"))
    );
}

#[test]
fn identity_provider_faults() {
    let f = Fixture::sample();
    f.set_json(IDP_A, "/autoProvisionUsers", json!("true"));
    f.set_json(IDP_A, "/disabled", json!(true));
    f.set_json(
        IDP_A,
        "/issuerURI",
        json!("https://onprem.example.net/tenant-a/pureengage/"),
    );
    let (_, r) = f.audit(&[]);
    assert_eq!(verdict(&r, "IDP002", A), v("fail", Some("wrong-type")));
    assert_eq!(verdict(&r, "IDP003", A), v("fail", Some("not-equal")));
    assert_eq!(
        verdict(&r, "IDP004", A),
        v("fail", Some("issuer-trailing-slash"))
    );
}

#[test]
fn missing_identity_provider_fails_idp001_and_skips_the_rest() {
    let f = Fixture::sample();
    f.write(
        IDP_A,
        r#"{"message":"Identity provider not found","code":"not.found","status":404}"#,
    );
    let (_, r) = f.audit(&[]);
    assert_eq!(verdict(&r, "IDP001", A), v("fail", Some("not-configured")));
    assert_eq!(
        verdict(&r, "IDP002", A),
        v("skip", Some("idp-not-configured"))
    );
    assert_eq!(
        verdict(&r, "IDP004", A),
        v("skip", Some("idp-not-configured"))
    );
}

#[test]
fn duplicate_issuer_is_idp005() {
    let f = Fixture::sample();
    let listing = "cloud/tenant-a/identityproviders.json";
    f.set_json(listing, "/entities/1", json!({"id": "x1", "name": "Old ADFS", "issuerURI": "HTTPS://onprem.example.net/tenant-a/pureengage"}));
    f.set_json(listing, "/total", json!(2));
    let (_, r) = f.audit(&[]);
    assert_eq!(
        verdict(&r, "IDP005", A),
        v("fail", Some("duplicate-issuer"))
    );
}

#[test]
fn incomplete_listing_is_an_error_never_a_verdict() {
    let f = Fixture::sample();
    f.set_json("cloud/tenant-a/identityproviders.json", "/total", json!(30));
    f.set_json(CLIENTS_A, "/total", json!(40));
    f.set_json(CLIENTS_A, "/entities/0/id", json!("someone-else"));
    let (_, r) = f.audit(&[]);
    assert_eq!(
        verdict(&r, "IDP005", A),
        v("error", Some("incomplete-evidence"))
    );
    assert_eq!(
        verdict(&r, "OAU001", A),
        v("error", Some("incomplete-evidence"))
    );
}

#[test]
fn oauth_client_faults() {
    let f = Fixture::sample();
    f.set_json(
        CLIENTS_A,
        "/entities/0/authorizedGrantType",
        json!("CLIENT-CREDENTIALS"),
    );
    f.set_json(CLIENTS_A, "/entities/1/state", json!("inactive"));
    f.set_json(
        CLIENTS_A,
        "/entities/1/accessTokenValiditySeconds",
        json!(200000),
    );
    let (_, r) = f.audit(&[]);
    assert_eq!(
        verdict(&r, "OAU001", A),
        v("fail", Some("wrong-grant-type"))
    );
    assert_eq!(verdict(&r, "OAU002", A), v("fail", Some("client-inactive")));
    assert_eq!(
        verdict(&r, "OAU003", A),
        v("fail", Some("token-duration-out-of-range"))
    );

    let f = Fixture::sample();
    f.set_json(
        CLIENTS_A,
        "/entities/0/authorizedGrantType",
        json!("SAML2BEARER"),
    );
    f.set_json(
        CLIENTS_A,
        "/entities/1/authorizedGrantType",
        json!("CLIENT_CREDENTIALS"),
    );
    let (_, r) = f.audit(&[]);
    assert_eq!(verdict(&r, "OAU001", A), v("pass", None));
    assert_eq!(verdict(&r, "OAU002", A), v("pass", None));
}

#[test]
fn unknown_client_admin_role_and_expire_time() {
    let f = Fixture::sample();
    f.set_json(
        TX_A,
        &format!("{UP}/saml_auth/client_id"),
        json!("00000000-0000-0000-0000-000000000000"),
    );
    f.set_json(CLIENTS_A, "/entities/1/roleDivisions", json!([]));
    let (_, r) = f.audit(&[]);
    assert_eq!(
        verdict(&r, "OAU001", A),
        v("fail", Some("client-not-found"))
    );
    assert_eq!(
        verdict(&r, "OAU004", A),
        v("fail", Some("admin-role-missing"))
    );

    let f = Fixture::sample();
    f.set_json(
        CLIENTS_A,
        "/entities/0/accessTokenValiditySeconds",
        json!(3600),
    );
    let (code, r) = f.audit(&["--select", "OAU005"]);
    assert_eq!(
        verdict(&r, "OAU005", A),
        v("fail", Some("expire-exceeds-token-duration"))
    );
    // OAU005 is severity info: below the default --fail-on low.
    assert_eq!(code, 0);
}

#[test]
fn employee_role_missing_permission_is_rol001() {
    let f = Fixture::sample();
    // Policies 0..11 of the employee role (index 1); drop journey:segment:view (policy 5).
    f.set_json(
        ROLES_A,
        "/entities/1/permissionPolicies/5",
        json!({"domain": "journey", "entityName": "visit", "actionSet": ["view"]}),
    );
    let (_, r) = f.audit(&[]);
    let res = support::result(&r, "ROL001", A);
    assert_eq!(res["status"], "fail");
    assert_eq!(res["reason"], "missing-permissions");
    assert_eq!(res["evidence"]["missing"], json!(["journey:segment:view"]));
    assert_eq!(res["evidence"]["matched_by"], "defaultRoleId");

    // A wildcard policy written by hand covers it again.
    let f = Fixture::sample();
    f.set_json(
        ROLES_A,
        "/entities/1/permissionPolicies/5",
        json!({"domain": "journey", "entityName": "*", "actionSet": ["*"]}),
    );
    let (_, r) = f.audit(&[]);
    assert_eq!(verdict(&r, "ROL001", A), v("pass", None));
}

#[test]
fn renamed_admin_role_is_found_by_default_role_id() {
    let f = Fixture::sample();
    f.set_json(ROLES_A, "/entities/0/name", json!("Master Admin"));
    let (_, r) = f.audit(&[]);
    assert_eq!(verdict(&r, "ROL002", A), v("pass", None));
    assert_eq!(verdict(&r, "OAU004", A), v("pass", None));
}

#[test]
fn missing_cloud_evidence_skips_with_reason() {
    let f = Fixture::sample();
    f.replace("deployment.yaml", "    cloud: cloud/tenant-a/\n", "");
    std::fs::remove_file(f.path(CLIENTS_A)).unwrap();
    let (_, r) = f.audit(&[]);
    for rule in ["IDP001", "IDP004", "OAU001", "ROL001"] {
        assert_eq!(
            verdict(&r, rule, A),
            v("skip", Some("no-cloud-evidence")),
            "{rule}"
        );
    }
    let f = Fixture::sample();
    std::fs::remove_file(f.path(CLIENTS_A)).unwrap();
    let (_, r) = f.audit(&[]);
    assert_eq!(
        verdict(&r, "OAU001", A),
        v("skip", Some("missing-evidence-file"))
    );
}

#[test]
fn agent_pacing_rules_do_not_apply_without_the_service() {
    let f = Fixture::sample();
    f.replace(
        "deployment.yaml",
        "services: [predictive-engagement, agent-pacing]",
        "services: [predictive-engagement]",
    );
    let (_, r) = f.audit(&[]);
    assert_eq!(verdict(&r, "CFG014", A), v("skip", Some("not-applicable")));
    assert_eq!(verdict(&r, "OAU002", A), v("skip", Some("not-applicable")));
}

#[test]
fn certificate_thresholds_come_from_the_rule_file() {
    let f = Fixture::sample();
    f.write(
        "policy/expiry.yaml",
        "rules:\n  - code: SITE010\n    title: Certificates valid for 20 more years\n    category: site-policy\n    severity: low\n    guide: g\n    what: w\n    why: y\n    fix: f\n    check:\n      builtin: certificate-expiry\n      params: { warn_days: 7300, fail_days: 30 }\n",
    );
    let (_, r) = f.audit(&[
        "--rules",
        f.path("policy").to_str().unwrap(),
        "--select",
        "SITE010,CRT003",
        "--now",
        "2026-12-03T00:00:00Z",
    ]);
    assert_eq!(
        verdict(&r, "SITE010", A),
        v("warn", Some("expires-within-warn-days"))
    );
    assert_eq!(verdict(&r, "CRT003", A), v("pass", None));
    let days = support::result(&r, "SITE010", A)["evidence"]["days_left"]
        .as_i64()
        .unwrap();
    assert_eq!(
        days, 3652,
        "the sample certificate runs to 2036-12-02T15:38:20Z"
    );
}

#[test]
fn wrong_password_and_foreign_key() {
    let f = Fixture::sample();
    f.set_json(
        TX_A,
        &format!("{UP}/saml/password"),
        json!("not-the-password"),
    );
    let (_, r) = f.audit(&["--select", "CRT"]);
    assert_eq!(verdict(&r, "CRT005", A), v("pass", None));
    assert_eq!(
        verdict(&r, "CRT006", A),
        v("fail", Some("wrong-password-or-corrupt"))
    );
    assert_eq!(
        verdict(&r, "CRT007", A),
        v("skip", Some("key-not-decrypted"))
    );
    // Tenant B's certificate with Tenant A's key: CRT007 and CRT008 both see it.
    let f = Fixture::sample();
    let b_cert = std::fs::read_to_string(f.path("onprem/tenant-b.cfg")).unwrap();
    let b_cert = b_cert
        .lines()
        .find_map(|l| l.strip_prefix("certificate="))
        .unwrap()
        .to_owned();
    f.set_json(TX_A, &format!("{UP}/saml/certificate"), json!(b_cert));
    let (_, r) = f.audit(&["--select", "CRT"]);
    assert_eq!(verdict(&r, "CRT007", A), v("fail", Some("key-mismatch")));
    assert_eq!(
        verdict(&r, "CRT008", A),
        v("fail", Some("certificate-not-on-idp"))
    );
}

#[test]
fn single_tenant_ini_placement_is_not_assumed() {
    let f = Fixture::copy_of("examples/two-tenants");
    f.write(
        "single.yaml",
        "name: one\nmulti_tenant: false\nservices: [predictive-engagement]\ntenants:\n  - name: Acme_Retail\n    transaction: onprem/acme_retail.cfg\n",
    );
    let out = f.path("r.json");
    let r = support::run(&[
        "audit",
        f.path("single.yaml").to_str().unwrap(),
        "--offline",
        "--select",
        "CFG002",
        "--report",
        &format!("json:{}", out.display()),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let rep: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(
        verdict(&rep, "CFG002", "tenant:Acme_Retail"),
        v("error", Some("placement-unknown"))
    );
}

//! Remediation as the exact change: API bodies use only the real model's
//! field names, keep collected fields, carry no secret; GAX changes name
//! section, option and value.

mod support;

use hybrid_preflight::remediation::{OAUTH_CLIENT_FIELDS, PUREENGAGE_FIELDS, ROLE_FIELDS};
use serde_json::{Value, json};
use support::Fixture;

const A: &str = "tenant:Tenant_A";
const IDP_A: &str = "cloud/tenant-a/identityproviders-pureengage.json";
const CLIENTS_A: &str = "cloud/tenant-a/oauth-clients.json";

fn fix<'a>(r: &'a Value, rule: &str) -> &'a Value {
    let f = &support::result(r, rule, A)["fix_request"];
    assert!(f.is_object(), "{rule} has no fix_request");
    f
}

fn assert_fields(body: &Value, allowed: &[&str]) {
    for k in body.as_object().unwrap().keys() {
        assert!(
            allowed.contains(&k.as_str()),
            "`{k}` is not a field of the API model"
        );
    }
}

#[test]
fn identity_provider_and_oauth_fixes_are_exact_api_requests() {
    let f = Fixture::sample();
    f.set_json(IDP_A, "/autoProvisionUsers", json!("true"));
    f.set_json(IDP_A, "/disabled", json!(true));
    f.set_json(
        IDP_A,
        "/issuerURI",
        json!("https://onprem.example.net/tenant-a/pureengage/"),
    );
    f.set_json(IDP_A, "/ssoTargetURI", json!("http://apps.mypurecloud.com"));
    f.set_json(
        CLIENTS_A,
        "/entities/0/accessTokenValiditySeconds",
        json!(200000),
    );
    f.set_json(
        CLIENTS_A,
        "/entities/0/secret",
        json!("sec-must-not-appear"),
    );
    f.set_json(CLIENTS_A, "/entities/1/state", json!("inactive"));
    f.set_json(CLIENTS_A, "/entities/1/roleDivisions", json!([]));
    f.set_json(
        "cloud/tenant-a/authorization-roles.json",
        "/entities/1/permissionPolicies/5",
        json!({"domain": "journey", "entityName": "visit", "actionSet": ["view"]}),
    );
    let (_, r) = f.audit(&[]);

    for (rule, field, value) in [
        ("IDP002", "autoProvisionUsers", json!(true)),
        ("IDP003", "disabled", json!(false)),
        (
            "IDP004",
            "issuerURI",
            json!("https://onprem.example.net/tenant-a/pureengage"),
        ),
        (
            "IDP006",
            "ssoTargetURI",
            json!("https://apps.mypurecloud.com"),
        ),
    ] {
        let fx = fix(&r, rule);
        assert_eq!(
            (fx["method"].as_str(), fx["path"].as_str()),
            (Some("PUT"), Some("/api/v2/identityproviders/pureengage")),
            "{rule}"
        );
        assert_eq!(fx["body"][field], value, "{rule}");
        assert_fields(&fx["body"], PUREENGAGE_FIELDS);
        // Every other field is kept as collected.
        assert_eq!(
            fx["body"]["relyingPartyIdentifier"], "urn:example:newfield",
            "{rule}"
        );
        assert_eq!(
            fx["body"]["certificates"].as_array().unwrap().len(),
            2,
            "{rule}"
        );
        assert!(fx["body"].get("id").is_none() && fx["body"].get("selfUri").is_none());
    }
    let o3 = fix(&r, "OAU003");
    assert_eq!(
        o3["path"],
        "/api/v2/oauth/clients/e6eb933c-8700-48bf-9a2d-7f8db8e9a184"
    );
    assert_eq!(o3["body"]["accessTokenValiditySeconds"], 172800);
    assert_fields(&o3["body"], OAUTH_CLIENT_FIELDS);
    let o2 = fix(&r, "OAU002");
    assert_eq!(o2["body"]["state"], "active");
    assert_fields(&o2["body"], OAUTH_CLIENT_FIELDS);
    let o4 = fix(&r, "OAU004");
    assert_eq!(
        o4["body"]["roleDivisions"],
        json!([{"roleId": "506cbbb9-2f99-43ba-b7ae-49bed3b0bb74", "divisionId": "d64df132-a06d-47ff-8ca7-79eda4a8e0e7"}])
    );
    let r1 = fix(&r, "ROL001");
    assert_eq!(
        r1["path"],
        "/api/v2/authorization/roles/d130243f-38ee-47d3-9f99-c321b71007cc"
    );
    assert_fields(&r1["body"], ROLE_FIELDS);
    let policies = r1["body"]["permissionPolicies"].as_array().unwrap();
    assert!(
        policies
            .iter()
            .any(|p| p["entityName"] == "segment" && p["actionSet"] == json!(["view"]))
    );
    let text = serde_json::to_string(&r).unwrap();
    assert!(
        !text.contains("sec-must-not-appear"),
        "an OAuth secret leaked into a fix"
    );
}

#[test]
fn transaction_fixes_name_section_option_and_value() {
    let f = Fixture::sample();
    let up = "/transactions/0/userProperties";
    f.set_json(
        "onprem/tenant-a.json",
        &format!("{up}/general/base_service_url"),
        json!("https://api.mypurecloud.com/api/v2/"),
    );
    f.set_json(
        "onprem/tenant-a.json",
        &format!("{up}/general/organization_id"),
        json!("99e424d6"),
    );
    let (_, r) = f.audit(&[]);
    assert_eq!(
        fix(&r, "CFG008")["changes"],
        json!([{"section": "general", "option": "base_service_url", "value": "https://api.mypurecloud.com/api/"}])
    );
    // The org id comes from the org's own evidence.
    assert_eq!(
        fix(&r, "CFG004")["changes"][0]["value"],
        "99e424d6-1d15-4f6d-aaf7-e4598dc30a43"
    );
    let explain = support::run(&["rules", "explain", "IDP004"]).stdout;
    assert!(
        explain.contains("## Exact fix in reports\nPUT /api/v2/identityproviders/pureengage"),
        "{explain}"
    );
}

//! Remediation as the exact change: for a finding, the Platform API request
//! that fixes it (every other field kept as collected), or the transaction
//! object option to set in GAX. Secrets are never included: placeholders
//! name them.

use crate::audit::Derived;
use crate::evidence::cloud::str_field;
use crate::evidence::{CloudFile, Deployment, Tenant};
use crate::result::{CheckResult, Status};
use crate::rules::builtin::config::url_region;
use base64::Engine;
use serde_json::{Map, Value, json};

/// Fields the API sets itself; a PUT body leaves them out.
const READ_ONLY: &[&str] = &[
    "id",
    "selfUri",
    "dateCreated",
    "dateModified",
    "createdBy",
    "modifiedBy",
    "userCount",
    "roleNeedsUpdate",
    "dateToDelete",
];

/// The fields of the Platform API models a body may carry (SDK 257.1.0).
pub const PUREENGAGE_FIELDS: &[&str] = &[
    "name",
    "disabled",
    "issuerURI",
    "ssoTargetURI",
    "sloURI",
    "sloBinding",
    "relyingPartyIdentifier",
    "certificate",
    "certificates",
    "logoImageData",
    "nameIdentifierFormat",
    "ssoBinding",
    "signAuthnRequests",
    "providerName",
    "displayOnLogin",
    "metadataURL",
    "forceAuthn",
    "autoProvisionUsers",
];
pub const OAUTH_CLIENT_FIELDS: &[&str] = &[
    "name",
    "accessTokenValiditySeconds",
    "description",
    "registeredRedirectUri",
    "roleIds",
    "authorizedGrantType",
    "scope",
    "roleDivisions",
    "state",
];
pub const ROLE_FIELDS: &[&str] = &[
    "name",
    "description",
    "defaultRoleId",
    "permissions",
    "permissionPolicies",
    "base",
    "default",
];

/// The fix for one result, when the tool can name it exactly.
pub fn fix_request(d: &Deployment, derived: &Derived, r: &CheckResult) -> Option<Value> {
    if !matches!(r.status, Status::Fail | Status::Error | Status::Warn) {
        return None;
    }
    let name = r.subject.strip_prefix("tenant:")?;
    let (index, tenant) = d.tenants.iter().enumerate().find(|(_, t)| t.name == name)?;
    let opt = |section: &str, option: &str| {
        tenant
            .object()
            .and_then(|o| o.option(section, option))
            .map(|v| v.text.trim().to_owned())
    };
    let region = opt("general", "base_service_url")
        .as_deref()
        .and_then(url_region)
        .or_else(|| {
            opt("general", "base_auth_url")
                .as_deref()
                .and_then(url_region)
        });
    let gax = |section: &str, option: &str, value: Value| {
        json!({
            "kind": "gax-option",
            "object": "hybrid_integration",
            "tenant": tenant.name,
            "changes": [{"section": section, "option": option, "value": value}],
        })
    };
    let org = tenant
        .cloud
        .as_ref()
        .and_then(|c| c.get(CloudFile::OrganizationsMe).ok());
    match r.rule.as_str() {
        "CFG003" => Some(gax(
            "general",
            "organization_sname",
            org.and_then(|o| o.get("thirdPartyOrgName"))
                .cloned()
                .unwrap_or_else(|| {
                    "<the org Short Name (Organization Settings > Advanced)>".into()
                }),
        )),
        "CFG004" => Some(gax(
            "general",
            "organization_id",
            org.and_then(|o| o.get("id")).cloned().unwrap_or_else(|| {
                "<the Organization ID (Organization Settings > Advanced)>".into()
            }),
        )),
        "CFG005" => Some(gax("general", "default_agent_role_name", "employee".into())),
        "CFG006" => Some(gax("general", "default_admin_role_name", "admin".into())),
        "CFG007" => region.map(|g| {
            gax(
                "general",
                "base_auth_url",
                format!("https://login.{}/oauth/token", g.domain).into(),
            )
        }),
        "CFG008" => region.map(|g| {
            gax(
                "general",
                "base_service_url",
                format!("https://api.{}/api/", g.domain).into(),
            )
        }),
        "CFG010" => Some(
            json!({"kind": "gax-option", "object": "hybrid_integration", "tenant": tenant.name, "changes": [{"annex": true, "section": "general", "option": "organization_domain_suffix", "value": "com"}]}),
        ),
        "CFG011" => Some(gax(
            "saml",
            "issuer",
            pureengage(tenant)
                .and_then(|i| i.get("issuerURI"))
                .cloned()
                .unwrap_or_else(|| "<the issuerURI of the pureengage identity provider>".into()),
        )),
        "CFG012" => Some(gax("saml", "expire_time", "24".into())),
        "CFG013" => Some(
            json!({"kind": "gax-option", "object": "hybrid_integration", "tenant": tenant.name, "changes": [
            {"section": "saml_auth", "option": "client_id", "value": "<id of the SAML2 Bearer OAuth client>"},
            {"section": "saml_auth", "option": "password", "value": "<secret of the SAML2 Bearer OAuth client>"}]}),
        ),
        "CFG014" => Some(
            json!({"kind": "gax-option", "object": "hybrid_integration", "tenant": tenant.name, "changes": [
            {"section": "ewt", "option": "client_id", "value": "<id of the Client Credentials OAuth client>"},
            {"section": "ewt", "option": "password", "value": "<secret of the Client Credentials OAuth client>"}]}),
        ),
        "CRT005" | "CRT006" | "CRT007" => Some(
            json!({"kind": "gax-option", "object": "hybrid_integration", "tenant": tenant.name, "changes": [
            {"section": "saml", "option": "pkey", "value": "<output of: openssl rsa -in key.pem -out key.pem.enc -aes256; openssl base64 -in key.pem.enc>"},
            {"section": "saml", "option": "password", "value": "<the pass phrase given to openssl rsa -aes256>"}]}),
        ),
        "IDP001" => Some(idp_put(
            tenant,
            derived.crypto.get(index),
            region.map(|g| g.domain.as_str()),
            true,
            &r.rule,
        )),
        "IDP002" | "IDP003" | "IDP004" | "IDP006" | "CRT008" => Some(idp_put(
            tenant,
            derived.crypto.get(index),
            region.map(|g| g.domain.as_str()),
            false,
            &r.rule,
        )),
        "OAU001" => client_fix(tenant, "saml_auth", "SAML2-BEARER", r),
        "OAU002" => client_fix(tenant, "ewt", "CLIENT-CREDENTIALS", r),
        "OAU003" => {
            let c = client(tenant, "saml_auth")
                .filter(|c| out_of_range(c))
                .or_else(|| client(tenant, "ewt").filter(|c| out_of_range(c)))?;
            let mut body = put_body(c, OAUTH_CLIENT_FIELDS);
            let secs = c
                .get("accessTokenValiditySeconds")
                .and_then(Value::as_i64)
                .unwrap_or(86_400);
            body.insert(
                "accessTokenValiditySeconds".into(),
                secs.clamp(300, 172_800).into(),
            );
            Some(api(
                "PUT",
                &format!("/api/v2/oauth/clients/{}", str_field(c, "id")?),
                body,
            ))
        }
        "OAU004" => {
            let c = client(tenant, "ewt")?;
            let cloud = tenant.cloud.as_ref()?;
            let roles = cloud.listing(CloudFile::AuthorizationRoles).ok()?;
            let admin =
                crate::rules::builtin::roles::find_role(roles.entities, "admin", "admin")?.0;
            let home = cloud
                .get(CloudFile::DivisionsHome)
                .ok()
                .and_then(|h| str_field(h, "id"))
                .unwrap_or("<id of the Home division>");
            let mut body = put_body(c, OAUTH_CLIENT_FIELDS);
            let mut rds = body
                .get("roleDivisions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            rds.push(json!({"roleId": str_field(admin, "id")?, "divisionId": home}));
            body.insert("roleDivisions".into(), rds.into());
            Some(api(
                "PUT",
                &format!("/api/v2/oauth/clients/{}", str_field(c, "id")?),
                body,
            ))
        }
        "ROL001" => {
            let missing = r.evidence.get("missing")?.as_array()?;
            let cloud = tenant.cloud.as_ref()?;
            let roles = cloud.listing(CloudFile::AuthorizationRoles).ok()?;
            let role =
                crate::rules::builtin::roles::find_role(roles.entities, "employee", "employee")?.0;
            let mut body = put_body(role, ROLE_FIELDS);
            let mut policies = body
                .get("permissionPolicies")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for m in missing.iter().filter_map(Value::as_str) {
                let p: Vec<&str> = m.splitn(3, ':').collect();
                if let [d, e, a] = p[..] {
                    policies.push(json!({"domain": d, "entityName": e, "actionSet": [a], "allowConditions": false}));
                }
            }
            body.insert("permissionPolicies".into(), policies.into());
            Some(api(
                "PUT",
                &format!("/api/v2/authorization/roles/{}", str_field(role, "id")?),
                body,
            ))
        }
        _ => None,
    }
}

fn api(method: &str, path: &str, body: Map<String, Value>) -> Value {
    json!({"kind": "genesys-api", "method": method, "path": path, "body": body})
}

/// The collected object without read-only fields and without fields the
/// model does not define (and never a `secret`).
fn put_body(v: &Value, allowed: &[&str]) -> Map<String, Value> {
    v.as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| {
                    !READ_ONLY.contains(&k.as_str())
                        && allowed.contains(&k.as_str())
                        && k.as_str() != "secret"
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

fn pureengage(t: &Tenant) -> Option<&Value> {
    t.cloud.as_ref()?.pureengage().ok().flatten()
}

fn client<'a>(t: &'a Tenant, section: &str) -> Option<&'a Value> {
    let id = t
        .object()?
        .option(section, "client_id")?
        .text
        .trim()
        .to_owned();
    let listing = t.cloud.as_ref()?.listing(CloudFile::OAuthClients).ok()?;
    listing
        .entities
        .iter()
        .find(|c| str_field(c, "id") == Some(id.as_str()))
}

fn out_of_range(c: &Value) -> bool {
    let s = c
        .get("accessTokenValiditySeconds")
        .and_then(Value::as_i64)
        .unwrap_or(86_400);
    !(300..=172_800).contains(&s)
}

fn client_fix(t: &Tenant, section: &str, grant: &str, r: &CheckResult) -> Option<Value> {
    match (r.reason.as_deref(), client(t, section)) {
        (Some("client-inactive"), Some(c)) => {
            let mut body = put_body(c, OAUTH_CLIENT_FIELDS);
            body.insert("state".into(), "active".into());
            Some(api(
                "PUT",
                &format!("/api/v2/oauth/clients/{}", str_field(c, "id")?),
                body,
            ))
        }
        (Some("client-not-found" | "wrong-grant-type"), _) => {
            let mut body = Map::new();
            body.insert(
                "name".into(),
                if grant == "SAML2-BEARER" {
                    "PureEngage SAML2 Bearer"
                } else {
                    "PureEngage Client Credentials"
                }
                .into(),
            );
            body.insert("authorizedGrantType".into(), grant.into());
            body.insert("accessTokenValiditySeconds".into(), 86_400.into());
            if grant == "SAML2-BEARER" {
                body.insert(
                    "registeredRedirectUri".into(),
                    json!(["<https://apps.<region domain>>"]),
                );
                body.insert(
                    "scope".into(),
                    json!(["identity-providers:readonly", "journey", "oauth"]),
                );
            } else {
                body.insert("roleDivisions".into(), json!([{"roleId": "<id of the admin role>", "divisionId": "<id of the Home division>"}]));
            }
            Some(
                json!({"kind": "genesys-api", "method": "POST", "path": "/api/v2/oauth/clients", "body": body,
                "then": format!("set {section}/client_id to the new client's id and {section}/password to its secret")}),
            )
        }
        _ => None,
    }
}

/// `PUT /api/v2/identityproviders/pureengage`: the collected provider with the fix applied.
fn idp_put(
    t: &Tenant,
    crypto: Option<&crate::facts::crypto::TenantCrypto>,
    domain: Option<&str>,
    create: bool,
    rule: &str,
) -> Value {
    let collected = pureengage(t);
    let mut body = collected
        .map(|v| put_body(v, PUREENGAGE_FIELDS))
        .unwrap_or_default();
    let issuer = t
        .object()
        .and_then(|o| o.option("saml", "issuer"))
        .map(|v| v.text.trim().to_owned());
    let pem_body = crypto
        .and_then(|c| c.certificate())
        .map(|c| base64::engine::general_purpose::STANDARD.encode(&c.info.der));
    let sso = domain.map_or_else(
        || "https://apps.<region domain>".to_owned(),
        |d| format!("https://apps.{d}"),
    );
    if create || collected.is_none() {
        body.insert("name".into(), "Genesys Multicloud CX".into());
        body.insert("autoProvisionUsers".into(), true.into());
        body.insert("disabled".into(), false.into());
        body.insert(
            "issuerURI".into(),
            issuer
                .clone()
                .unwrap_or_else(|| "<saml/issuer>".into())
                .into(),
        );
        body.insert("ssoTargetURI".into(), sso.clone().into());
        body.insert(
            "certificate".into(),
            pem_body
                .clone()
                .unwrap_or_else(|| "<cert.pem without the BEGIN/END lines>".into())
                .into(),
        );
    }
    match rule {
        "IDP002" => {
            body.insert("autoProvisionUsers".into(), true.into());
        }
        "IDP003" => {
            body.insert("disabled".into(), false.into());
        }
        "IDP004" => {
            if let Some(i) = issuer {
                body.insert("issuerURI".into(), i.into());
            }
        }
        "IDP006" => {
            body.insert("ssoTargetURI".into(), sso.into());
        }
        "CRT008" => {
            if let Some(p) = pem_body {
                // Keep the certificates already there (a rotation in progress) and add ours.
                let mut list: Vec<Value> = body
                    .get("certificates")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                list.push(p.clone().into());
                body.insert("certificate".into(), p.into());
                if body.contains_key("certificates") {
                    body.insert("certificates".into(), list.into());
                }
            }
        }
        _ => {}
    }
    api("PUT", "/api/v2/identityproviders/pureengage", body)
}

/// What `rules explain` says about a rule's exact fix.
pub fn describe(code: &str) -> Option<&'static str> {
    Some(match code {
        "CFG003" | "CFG004" | "CFG005" | "CFG006" | "CFG007" | "CFG008" | "CFG010" | "CFG011"
        | "CFG012" | "CFG013" | "CFG014" => {
            "the transaction object option to set in GAX (section, option, value; the value from the org's evidence or region where known)"
        }
        "CRT005" | "CRT006" | "CRT007" => {
            "the saml/pkey and saml/password options to set in GAX (secrets as placeholders)"
        }
        "IDP001" | "IDP002" | "IDP003" | "IDP004" | "IDP006" | "CRT008" => {
            "PUT /api/v2/identityproviders/pureengage with the fix applied and every other field kept as collected"
        }
        "OAU001" | "OAU002" => {
            "PUT /api/v2/oauth/clients/{id} (state active) or POST /api/v2/oauth/clients (a new client with the right grant type)"
        }
        "OAU003" | "OAU004" => {
            "PUT /api/v2/oauth/clients/{id} with the token duration in range / the admin role in Home, other fields as collected"
        }
        "ROL001" => {
            "PUT /api/v2/authorization/roles/{id} with the missing permission policies added"
        }
        _ => return None,
    })
}

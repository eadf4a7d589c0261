//! Named built-in checks: the rules whose logic is real (URL and region
//! analysis, near-miss diagnosis, permission matching). A rule file calls
//! one with `check: { builtin: <name>, params: {...} }`; params are
//! validated when the rule file loads.

mod certs;
pub(crate) mod config;
mod identity;
pub(crate) mod live;
mod network;
mod oauth;
pub(crate) mod roles;
mod tenancy;

use super::model::Scope;
use crate::evidence::{CloudEvidence, Deployment, Tenant, TxObject};
use crate::facts;
use crate::result::Outcome;
use serde::de::DeserializeOwned;
use serde_json::Value;
use time::OffsetDateTime;

/// What a check can see while it runs on one subject.
pub struct Ctx<'a> {
    pub deployment: &'a Deployment,
    /// The tenant for tenant-scope rules.
    pub tenant: Option<&'a Tenant>,
    /// Its position in `deployment.tenants` (indexes per-tenant derived facts).
    pub tenant_index: Option<usize>,
    /// The endpoint index for endpoint-scope rules.
    pub endpoint: Option<usize>,
    pub derived: &'a crate::audit::Derived,
    pub now: OffsetDateTime,
}

impl<'a> Ctx<'a> {
    /// The tenant, or an `error` outcome for a mis-scoped rule.
    pub fn tenant(&self) -> Result<&'a Tenant, Outcome> {
        self.tenant
            .ok_or_else(|| Outcome::error("wrong-scope", "this check needs a tenant subject"))
    }

    /// The tenant's `hybrid_integration` object, or a `skip` outcome.
    pub fn object(&self) -> Result<&'a TxObject, Outcome> {
        let t = self.tenant()?;
        t.object().ok_or_else(|| unavailable(facts::no_object(t)))
    }

    /// The tenant's cloud evidence, or a `skip` outcome.
    pub fn cloud(&self) -> Result<&'a CloudEvidence, Outcome> {
        let t = self.tenant()?;
        t.cloud
            .as_deref()
            .ok_or_else(|| unavailable(facts::no_cloud(t)))
    }

    /// An option's value (as exported), if set.
    pub fn option(&self, section: &str, name: &str) -> Result<Option<&'a str>, Outcome> {
        Ok(self
            .object()?
            .option(section, name)
            .map(|v| v.text.as_str()))
    }
}

/// An evidence gap as an outcome.
pub fn unavailable(u: crate::evidence::Unavailable) -> Outcome {
    if u.is_error {
        Outcome::error(u.reason, u.message)
    } else {
        Outcome::skip(u.reason, u.message)
    }
}

/// A built-in check.
pub struct Builtin {
    pub name: &'static str,
    pub scope: Scope,
    /// Checks `params` at load time; the error names the bad field.
    pub validate: fn(&Value) -> Result<(), String>,
    pub run: fn(&Ctx<'_>, &Value) -> Outcome,
}

/// Deserializes params into their typed form.
pub fn params<T: DeserializeOwned>(v: &Value) -> Result<T, String> {
    let v = if v.is_null() {
        Value::Object(serde_json::Map::new())
    } else {
        v.clone()
    };
    serde_json::from_value(v).map_err(|e| e.to_string())
}

/// `validate` for a typed params struct.
pub fn validate_as<T: DeserializeOwned>(v: &Value) -> Result<(), String> {
    params::<T>(v).map(|_| ())
}

/// `validate` for checks that take no params.
pub fn no_params(v: &Value) -> Result<(), String> {
    match v {
        Value::Null => Ok(()),
        Value::Object(m) if m.is_empty() => Ok(()),
        _ => Err("this check takes no params".into()),
    }
}

/// Runs `f` with typed params; a params error (impossible after load-time
/// validation) becomes an `error` outcome rather than a panic.
pub fn with_params<T: DeserializeOwned>(v: &Value, f: impl FnOnce(T) -> Outcome) -> Outcome {
    match params::<T>(v) {
        Ok(p) => f(p),
        Err(e) => Outcome::error("bad-params", format!("invalid params: {e}")),
    }
}

/// Turns `Result<Outcome, Outcome>` (early exits) into an outcome.
pub fn flatten(r: Result<Outcome, Outcome>) -> Outcome {
    r.unwrap_or_else(|o| o)
}

/// Every built-in check.
pub static BUILTINS: &[Builtin] = &[
    config::TRANSACTION_OBJECT,
    config::OBJECT_PLACEMENT,
    config::REGION_URL,
    config::SAME_REGION,
    config::OPTION_NAMES,
    identity::IDP_EXISTS,
    identity::ISSUER_MATCH,
    identity::ISSUER_UNIQUE,
    identity::SSO_TARGET,
    oauth::OAUTH_CLIENT,
    oauth::TOKEN_VALIDITY,
    oauth::CLIENT_ADMIN_ROLE,
    oauth::EXPIRE_WITHIN_TOKEN,
    live::LIVE_TOKEN,
    roles::ROLE_PERMISSIONS,
    roles::ROLES_EXIST,
    certs::CERT_DECODES,
    certs::CERT_VALID,
    certs::CERT_EXPIRY,
    certs::CERT_STRENGTH,
    certs::KEY_ENCRYPTED,
    certs::KEY_DECRYPTS,
    certs::KEY_MATCHES,
    certs::IDP_CERT,
    tenancy::ONE_OBJECT,
    tenancy::NO_CROSS_READ,
    tenancy::UNIQUE_ORG,
    tenancy::PERM_COVERAGE,
    network::DNS,
    network::TCP,
    network::TLS,
    network::TLS_CERT,
    network::TOKEN,
    network::API,
    network::SKEW,
    network::CAPTURE,
];

/// Whether a built-in needs the per-tenant certificate analysis.
pub fn needs_crypto(name: &str) -> bool {
    [
        certs::CERT_DECODES,
        certs::CERT_VALID,
        certs::CERT_EXPIRY,
        certs::CERT_STRENGTH,
        certs::KEY_ENCRYPTED,
        certs::KEY_DECRYPTS,
        certs::KEY_MATCHES,
        certs::IDP_CERT,
    ]
    .iter()
    .any(|b| b.name == name)
}

/// Whether a built-in needs the permissions index.
pub fn needs_tenancy(name: &str) -> bool {
    [tenancy::NO_CROSS_READ, tenancy::PERM_COVERAGE]
        .iter()
        .any(|b| b.name == name)
}

/// Whether a built-in needs the live token requests (`--live-auth`).
pub fn needs_live_auth(name: &str) -> bool {
    name == live::LIVE_TOKEN.name
}

/// The built-in check called `name`.
pub fn find(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

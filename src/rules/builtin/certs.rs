//! Certificate and key checks (CRT001–CRT008) over the per-tenant analysis
//! in [`crate::facts::crypto`], computed once per tenant by the audit.

use super::{Builtin, Ctx, flatten, no_params, unavailable, validate_as, with_params};
use crate::facts::crypto::{self, TenantCrypto};
use crate::result::Outcome;
use crate::rules::model::Scope;
use serde::Deserialize;
use serde_json::Value;

/// The tenant's analysis (decode, decrypt, match), or an outcome explaining its absence.
fn analysis<'a>(ctx: &Ctx<'a>) -> Result<&'a TenantCrypto, Outcome> {
    ctx.object()?;
    let i = ctx
        .tenant_index
        .ok_or_else(|| Outcome::error("wrong-scope", "certificate checks need a tenant subject"))?;
    ctx.derived
        .crypto
        .get(i)
        .ok_or_else(|| Outcome::error("internal", "the certificate analysis did not run"))
}

macro_rules! simple {
    ($id:ident, $name:literal, $f:expr) => {
        pub const $id: Builtin = Builtin {
            name: $name,
            scope: Scope::Tenant,
            validate: no_params,
            run: |ctx, _| flatten(analysis(ctx).map($f)),
        };
    };
}

simple!(CERT_DECODES, "certificate-decodes", crypto::crt001);
simple!(KEY_ENCRYPTED, "key-encrypted", crypto::crt005);
simple!(KEY_DECRYPTS, "key-decrypts", crypto::crt006);
simple!(KEY_MATCHES, "key-matches", crypto::crt007);

/// CRT002: currently valid.
pub const CERT_VALID: Builtin = Builtin {
    name: "certificate-valid",
    scope: Scope::Tenant,
    validate: no_params,
    run: |ctx, _| flatten(analysis(ctx).map(|t| crypto::crt002(t, ctx.now))),
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpiryParams {
    warn_days: i64,
    fail_days: i64,
}

/// CRT003: not expiring within the thresholds (rule params).
pub const CERT_EXPIRY: Builtin = Builtin {
    name: "certificate-expiry",
    scope: Scope::Tenant,
    validate: |v| {
        let p: ExpiryParams = super::params(v)?;
        if p.fail_days < 0 || p.warn_days < p.fail_days {
            return Err("need 0 <= fail_days <= warn_days".into());
        }
        Ok(())
    },
    run: |ctx, p: &Value| {
        with_params(p, |p: ExpiryParams| {
            flatten(analysis(ctx).map(|t| crypto::crt003(t, ctx.now, p.warn_days, p.fail_days)))
        })
    },
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StrengthParams {
    min_rsa_bits: u32,
    min_ec_bits: u32,
}

/// CRT004: key size and signature algorithm.
pub const CERT_STRENGTH: Builtin = Builtin {
    name: "certificate-strength",
    scope: Scope::Tenant,
    validate: validate_as::<StrengthParams>,
    run: |ctx, p: &Value| {
        with_params(p, |p: StrengthParams| {
            flatten(analysis(ctx).map(|t| crypto::crt004(t, p.min_rsa_bits, p.min_ec_bits)))
        })
    },
};

/// CRT008: the identity provider holds the same certificate.
pub const IDP_CERT: Builtin = Builtin {
    name: "idp-certificate",
    scope: Scope::Tenant,
    validate: no_params,
    run: idp_certificate,
};

fn idp_certificate(ctx: &Ctx<'_>, _: &Value) -> Outcome {
    flatten((|| {
        let t = analysis(ctx)?;
        let cloud = ctx.cloud()?;
        let Some(idp) = cloud.pureengage().map_err(unavailable)? else {
            return Err(Outcome::skip(
                "idp-not-configured",
                "the org has no pureengage identity provider (IDP001)",
            ));
        };
        // `certificate` first, then every `certificates[]` entry.
        let mut certs: Vec<&str> = Vec::new();
        if let Some(c) = idp.get("certificate").and_then(Value::as_str) {
            certs.push(c);
        }
        if let Some(list) = idp.get("certificates").and_then(Value::as_array) {
            certs.extend(list.iter().filter_map(Value::as_str));
        }
        Ok(crypto::crt008(t, &certs))
    })())
}

//! Tenant isolation checks (TEN001–TEN004) over [`crate::facts::tenancy`];
//! the permissions index is built once per run.

use super::{Builtin, Ctx, flatten, no_params};
use crate::facts::tenancy;
use crate::result::Outcome;
use crate::rules::model::Scope;

/// TEN001: one object per tenant, none in Environment.
pub const ONE_OBJECT: Builtin = Builtin {
    name: "one-object-per-tenant",
    scope: Scope::Deployment,
    validate: no_params,
    run: |ctx, _| tenancy::ten001(ctx.deployment),
};

/// TEN003: organization_id unique across tenants.
pub const UNIQUE_ORG: Builtin = Builtin {
    name: "unique-org",
    scope: Scope::Deployment,
    validate: no_params,
    run: |ctx, _| tenancy::ten003(ctx.deployment),
};

/// TEN002: no agent of another tenant reads the object.
pub const NO_CROSS_READ: Builtin = Builtin {
    name: "no-cross-tenant-read",
    scope: Scope::Tenant,
    validate: no_params,
    run: no_cross_read,
};

fn no_cross_read(ctx: &Ctx<'_>, _: &serde_json::Value) -> Outcome {
    flatten((|| {
        let t = ctx.tenant()?;
        if !ctx.deployment.multi_tenant {
            return Ok(Outcome::skip(
                "single-tenant",
                "a single-tenant deployment has no other tenant to isolate the object from",
            ));
        }
        let Some(a) = ctx.derived.tenancy.as_ref() else {
            return Ok(Outcome::error(
                "no-permissions-evidence",
                "no permissions export: isolation cannot be proven (TEN004); add `permissions:` to the manifest",
            ));
        };
        Ok(tenancy::ten002(a, ctx.deployment, t))
    })())
}

/// TEN004: the permissions export covers the tenant's object.
pub const PERM_COVERAGE: Builtin = Builtin {
    name: "permissions-coverage",
    scope: Scope::Tenant,
    validate: no_params,
    run: |ctx, _| {
        flatten(
            ctx.tenant()
                .map(|t| tenancy::ten004(ctx.derived.tenancy.as_ref(), ctx.deployment, t)),
        )
    },
};

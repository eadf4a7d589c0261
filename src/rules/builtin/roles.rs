//! Roles: the employee role's Predictive Engagement permissions; named roles exist.

use super::{Builtin, Ctx, flatten, no_params, unavailable, validate_as, with_params};
use crate::evidence::CloudFile;
use crate::evidence::cloud::str_field;
use crate::result::Outcome;
use crate::rules::model::Scope;
use serde::Deserialize;
use serde_json::Value;

/// Finds a role by `defaultRoleId`, then by display name (orgs rename
/// "admin" to "Master Admin"; the id stays). Returns the role and how it matched.
pub fn find_role<'a>(
    roles: &'a [Value],
    default_id: &str,
    name: &str,
) -> Option<(&'a Value, &'static str)> {
    roles
        .iter()
        .find(|r| str_field(r, "defaultRoleId") == Some(default_id))
        .map(|r| (r, "defaultRoleId"))
        .or_else(|| {
            roles
                .iter()
                .find(|r| str_field(r, "name").is_some_and(|n| n.eq_ignore_ascii_case(name)))
                .map(|r| (r, "name"))
        })
}

/// Whether `pattern` (a permission segment, `*` = any) covers `want`.
fn seg(pattern: &str, want: &str) -> bool {
    pattern == "*" || pattern.eq_ignore_ascii_case(want)
}

/// Whether a role grants `domain:entity:action`, by policies or permission strings.
pub fn grants(role: &Value, permission: &str) -> bool {
    let mut parts = permission.splitn(3, ':');
    let (Some(d), Some(e), Some(a)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let by_policy = role
        .get("permissionPolicies")
        .and_then(Value::as_array)
        .is_some_and(|ps| {
            ps.iter().any(|p| {
                str_field(p, "domain").is_some_and(|x| seg(x, d))
                    && str_field(p, "entityName").is_some_and(|x| seg(x, e))
                    && p.get("actionSet")
                        .and_then(Value::as_array)
                        .is_some_and(|acts| {
                            acts.iter().filter_map(Value::as_str).any(|x| seg(x, a))
                        })
            })
        });
    let by_string = role
        .get("permissions")
        .and_then(Value::as_array)
        .is_some_and(|ps| {
            ps.iter().filter_map(Value::as_str).any(|s| {
                let mut p = s.splitn(3, ':');
                match (p.next(), p.next(), p.next()) {
                    (Some(pd), Some(pe), Some(pa)) => seg(pd, d) && seg(pe, e) && seg(pa, a),
                    (Some(pd), Some(pe), None) => seg(pd, d) && seg(pe, e),
                    (Some(pd), None, None) => pd.eq_ignore_ascii_case(d) && pd != "admin",
                    _ => false,
                }
            })
        });
    by_policy || by_string
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PermissionParams {
    /// The role's `defaultRoleId` (`employee`).
    role: String,
    /// Required permissions, `domain:entity:action`.
    permissions: Vec<String>,
}

/// ROL001: the role grants the required permissions.
pub const ROLE_PERMISSIONS: Builtin = Builtin {
    name: "role-permissions",
    scope: Scope::Tenant,
    validate: |v| {
        validate_as::<PermissionParams>(v)?;
        let p: PermissionParams = super::params(v)?;
        match p.permissions.iter().find(|s| s.split(':').count() != 3) {
            Some(bad) => Err(format!("permission `{bad}` must be domain:entity:action")),
            None if p.permissions.is_empty() => Err("permissions is empty".into()),
            None => Ok(()),
        }
    },
    run: role_permissions,
};

fn role_permissions(ctx: &Ctx<'_>, p: &Value) -> Outcome {
    with_params(p, |p: PermissionParams| {
        flatten((|| {
            let cloud = ctx.cloud()?;
            let roles = cloud
                .listing(CloudFile::AuthorizationRoles)
                .map_err(unavailable)?;
            let Some((role, matched)) = find_role(roles.entities, &p.role, &p.role) else {
                if !roles.is_complete() {
                    return Err(unavailable(crate::evidence::Unavailable::error(
                        "incomplete-evidence",
                        format!(
                            "the roles listing is incomplete and holds no `{}` role",
                            p.role
                        ),
                    )));
                }
                return Ok(Outcome::fail(
                    "role-not-found",
                    format!("the org has no `{}` role", p.role),
                ));
            };
            let missing: Vec<&String> = p
                .permissions
                .iter()
                .filter(|perm| !grants(role, perm))
                .collect();
            let ev = |o: Outcome| {
                o.with("role", str_field(role, "name").map(str::to_owned))
                    .with("role_id", str_field(role, "id").map(str::to_owned))
                    .with("matched_by", matched)
                    .with("required", p.permissions.clone())
            };
            if missing.is_empty() {
                Ok(ev(Outcome::pass(format!(
                    "the `{}` role grants all {} required permissions",
                    p.role,
                    p.permissions.len()
                ))))
            } else {
                Ok(ev(Outcome::fail(
                    "missing-permissions",
                    format!(
                        "the `{}` role lacks {}: auto-provisioned agents get only this role, so the journey panel stays blank",
                        p.role,
                        missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                )
                .with("missing", missing.iter().map(|s| s.as_str()).collect::<Vec<_>>())))
            }
        })())
    })
}

/// ROL002: the roles named by default_agent_role_name and default_admin_role_name exist.
pub const ROLES_EXIST: Builtin = Builtin {
    name: "roles-exist",
    scope: Scope::Tenant,
    validate: no_params,
    run: roles_exist,
};

fn roles_exist(ctx: &Ctx<'_>, _: &Value) -> Outcome {
    flatten((|| {
        let cloud = ctx.cloud()?;
        let roles = cloud
            .listing(CloudFile::AuthorizationRoles)
            .map_err(unavailable)?;
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for (option, default_id) in [
            ("default_agent_role_name", "employee"),
            ("default_admin_role_name", "admin"),
        ] {
            let name = ctx.option("general", option)?.map_or(default_id, str::trim);
            match find_role(roles.entities, name, name).or_else(|| find_role(roles.entities, default_id, name)) {
                Some((r, how)) => found.push(serde_json::json!({"option": option, "value": name, "role": str_field(r, "name"), "matched_by": how})),
                None => missing.push(format!("`{name}` ({option})")),
            }
        }
        if missing.is_empty() {
            return Ok(Outcome::pass("the agent and admin roles exist").with("roles", found));
        }
        if !roles.is_complete() {
            return Err(unavailable(crate::evidence::Unavailable::error(
                "incomplete-evidence",
                "the roles listing is incomplete",
            )));
        }
        Ok(Outcome::fail(
            "role-not-found",
            format!("no role matches {}", missing.join(", ")),
        )
        .with("roles", found))
    })())
}

#[cfg(test)]
mod tests {
    use super::grants;
    use serde_json::json;

    #[test]
    fn policies_strings_and_wildcards() {
        let r = json!({"permissionPolicies": [
            {"domain": "journey", "entityName": "session", "actionSet": ["view"]},
            {"domain": "journey", "entityName": "*", "actionSet": ["edit"]},
            {"domain": "routing", "entityName": "queue", "actionSet": ["*"]}
        ], "permissions": ["analytics:journeyAggregate:view"]});
        assert!(grants(&r, "journey:session:view"));
        assert!(!grants(&r, "journey:event:view"));
        assert!(grants(&r, "journey:event:edit"));
        assert!(grants(&r, "routing:queue:search"));
        assert!(grants(&r, "analytics:journeyAggregate:view"));
        assert!(!grants(&r, "journey"));
    }
}

//! OAuth clients: existence, grant type, state, token duration, admin role.

use super::{Builtin, Ctx, flatten, no_params, unavailable, validate_as, with_params};
use crate::evidence::CloudFile;
use crate::evidence::cloud::str_field;
use crate::result::Outcome;
use crate::rules::model::Scope;
use serde::Deserialize;
use serde_json::{Value, json};

/// The API's default when a client has no `accessTokenValiditySeconds`.
const DEFAULT_TOKEN_SECONDS: i64 = 86_400;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientParams {
    /// `saml_auth/client_id`
    option: String,
    /// Accepted `authorizedGrantType` spellings.
    grant_types: Vec<String>,
    /// Name for messages (`SAML2 Bearer`).
    grant_label: String,
}

/// Looks up the client named by an option: `(client_id, client)`.
fn client_for<'a>(ctx: &Ctx<'a>, option: &str) -> Result<(String, &'a Value), Outcome> {
    let (section, name) = option.split_once('/').unwrap_or(("general", option));
    let Some(id) = ctx.option(section, name)? else {
        return Err(Outcome::skip(
            "missing-option",
            format!("{option} is not set (CFG013/CFG014)"),
        ));
    };
    let id = id.trim().to_owned();
    let cloud = ctx.cloud()?;
    let listing = cloud
        .listing(CloudFile::OAuthClients)
        .map_err(unavailable)?;
    if let Some(c) = listing
        .entities
        .iter()
        .find(|c| str_field(c, "id") == Some(id.as_str()))
    {
        return Ok((id, c));
    }
    if !listing.is_complete() {
        return Err(unavailable(
            cloud
                .complete_listing(CloudFile::OAuthClients)
                .err()
                .unwrap_or_else(|| {
                    crate::evidence::Unavailable::error("incomplete-evidence", "incomplete listing")
                }),
        ));
    }
    Err(Outcome::fail(
        "client-not-found",
        format!("{option} `{id}` is not an OAuth client of this org ({} clients listed): wrong id, or a client of another org/region", listing.entities.len()),
    )
    .with("client_id", id))
}

/// OAU001/OAU002: the client exists, has the grant type, is active.
pub const OAUTH_CLIENT: Builtin = Builtin {
    name: "oauth-client",
    scope: Scope::Tenant,
    validate: validate_as::<ClientParams>,
    run: oauth_client,
};

fn oauth_client(ctx: &Ctx<'_>, p: &Value) -> Outcome {
    with_params(p, |p: ClientParams| {
        flatten((|| {
            let (id, c) = client_for(ctx, &p.option)?;
            let name = str_field(c, "name").unwrap_or("(unnamed)").to_owned();
            let ev = |o: Outcome| {
                o.with("client_id", id.clone())
                    .with("client_name", name.clone())
                    .with("authorizedGrantType", c.get("authorizedGrantType").cloned())
                    .with("state", c.get("state").cloned())
            };
            let Some(grant) = str_field(c, "authorizedGrantType") else {
                return Ok(ev(Outcome::error(
                    "grant-type-unknown",
                    format!(
                        "the listing has no authorizedGrantType for `{name}` (older API shape): fetch GET /api/v2/oauth/clients/{id}"
                    ),
                )));
            };
            if !p.grant_types.iter().any(|g| g.eq_ignore_ascii_case(grant)) {
                return Ok(ev(Outcome::fail(
                    "wrong-grant-type",
                    format!(
                        "client `{name}` has grant type {grant}; {} needs {}",
                        p.option, p.grant_label
                    ),
                )));
            }
            match str_field(c, "state") {
                Some("active") => Ok(ev(Outcome::pass(format!(
                    "client `{name}` is an active {} client",
                    p.grant_label
                )))),
                Some(state) => Ok(ev(Outcome::fail(
                    "client-inactive",
                    format!("client `{name}` is {state}: tokens cannot be created with it"),
                ))),
                None => Ok(ev(Outcome::error(
                    "state-unknown",
                    format!("the evidence has no state for client `{name}`"),
                ))),
            }
        })())
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ValidityParams {
    /// Options naming the clients to check (`saml_auth/client_id`, `ewt/client_id`).
    options: Vec<String>,
    min_seconds: i64,
    max_seconds: i64,
}

/// OAU003: `accessTokenValiditySeconds` within the API's range.
pub const TOKEN_VALIDITY: Builtin = Builtin {
    name: "token-validity",
    scope: Scope::Tenant,
    validate: validate_as::<ValidityParams>,
    run: token_validity,
};

fn token_validity(ctx: &Ctx<'_>, p: &Value) -> Outcome {
    with_params(p, |p: ValidityParams| {
        flatten((|| {
            let mut checked = Vec::new();
            let mut bad = Vec::new();
            let mut gaps = Vec::new();
            for opt in &p.options {
                match client_for(ctx, opt) {
                    Ok((id, c)) => {
                        let secs = c.get("accessTokenValiditySeconds").and_then(Value::as_i64);
                        let effective = secs.unwrap_or(DEFAULT_TOKEN_SECONDS);
                        let name = str_field(c, "name").unwrap_or("(unnamed)").to_owned();
                        checked.push(json!({"option": opt, "client_id": id, "client_name": name, "accessTokenValiditySeconds": secs, "effective_seconds": effective}));
                        if effective < p.min_seconds || effective > p.max_seconds {
                            bad.push(format!("`{name}` ({opt}) has {effective} s"));
                        }
                    }
                    Err(o) if o.reason.as_deref() == Some("missing-option") => {}
                    Err(o) => gaps.push(o),
                }
            }
            if !bad.is_empty() {
                return Ok(Outcome::fail(
                    "token-duration-out-of-range",
                    format!(
                        "token duration must be {}–{} s (5 min–48 h): {}",
                        p.min_seconds,
                        p.max_seconds,
                        bad.join(", ")
                    ),
                )
                .with("clients", checked));
            }
            if let Some(g) = gaps.into_iter().next() {
                return Ok(g.with("clients", checked));
            }
            if checked.is_empty() {
                return Ok(Outcome::skip(
                    "missing-option",
                    "no client id is set (CFG013/CFG014)",
                ));
            }
            Ok(Outcome::pass(format!(
                "token durations are within {}–{} s",
                p.min_seconds, p.max_seconds
            ))
            .with("clients", checked))
        })())
    })
}

/// OAU004: the Client Credentials client holds the admin role in the Home division.
pub const CLIENT_ADMIN_ROLE: Builtin = Builtin {
    name: "client-admin-role",
    scope: Scope::Tenant,
    validate: no_params,
    run: client_admin_role,
};

fn client_admin_role(ctx: &Ctx<'_>, _: &Value) -> Outcome {
    flatten((|| {
        let (id, c) = client_for(ctx, "ewt/client_id")?;
        let cloud = ctx.cloud()?;
        let admin_name = ctx
            .option("general", "default_admin_role_name")?
            .unwrap_or("admin");
        let roles = cloud
            .listing(CloudFile::AuthorizationRoles)
            .map_err(unavailable)?;
        let admin = super::roles::find_role(roles.entities, "admin", admin_name);
        let Some((admin, _)) = admin else {
            if !roles.is_complete() {
                return Err(unavailable(crate::evidence::Unavailable::error(
                    "incomplete-evidence",
                    "the roles listing is incomplete and holds no admin role",
                )));
            }
            return Ok(Outcome::fail(
                "role-not-found",
                "the org has no admin role (defaultRoleId `admin`)",
            ));
        };
        let admin_id = str_field(admin, "id").unwrap_or_default();
        let home = cloud
            .get(CloudFile::DivisionsHome)
            .ok()
            .and_then(|h| str_field(h, "id"));
        let pairs: Vec<(&str, &str)> = c
            .get("roleDivisions")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|rd| Some((str_field(rd, "roleId")?, str_field(rd, "divisionId")?)))
                    .collect()
            })
            .unwrap_or_default();
        let ev = |o: Outcome| {
            o.with("client_id", id.clone())
                .with("admin_role_id", admin_id.to_owned())
                .with("home_division_id", home.map(str::to_owned))
                .with("roleDivisions", c.get("roleDivisions").cloned())
        };
        let with_admin: Vec<&str> = pairs
            .iter()
            .filter(|(r, _)| *r == admin_id)
            .map(|(_, d)| *d)
            .collect();
        if with_admin.is_empty() {
            let legacy = c
                .get("roleIds")
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(|r| r.as_str() == Some(admin_id)));
            if legacy {
                return Ok(ev(Outcome::warn(
                    "division-unknown",
                    "the client has the admin role through the deprecated roleIds; the division is not recorded",
                )));
            }
            return Ok(ev(Outcome::fail(
                "admin-role-missing",
                "the Client Credentials client does not hold the admin role: assign it in the client's Roles tab with division Home",
            )));
        }
        match home {
            Some(h) if with_admin.contains(&h) => Ok(ev(Outcome::pass(
                "the Client Credentials client holds the admin role in the Home division",
            ))),
            Some(_) => Ok(ev(Outcome::fail(
                "wrong-division",
                "the client holds the admin role, but not in the Home division",
            ))),
            None => Ok(ev(Outcome::warn(
                "home-division-unknown",
                "the client holds the admin role; divisions-home.json is missing, so the division cannot be confirmed as Home",
            ))),
        }
    })())
}

/// OAU005: `saml/expire_time` (hours) within the SAML2 Bearer client's token duration.
pub const EXPIRE_WITHIN_TOKEN: Builtin = Builtin {
    name: "expire-within-token",
    scope: Scope::Tenant,
    validate: no_params,
    run: expire_within_token,
};

fn expire_within_token(ctx: &Ctx<'_>, _: &Value) -> Outcome {
    flatten((|| {
        let Some(expire) = ctx.option("saml", "expire_time")? else {
            return Ok(Outcome::skip(
                "missing-option",
                "saml/expire_time is not set (the default is 24 hours)",
            ));
        };
        let Ok(hours) = expire.trim().parse::<i64>() else {
            return Ok(Outcome::skip(
                "not-a-number",
                "saml/expire_time is not a whole number (CFG012)",
            ));
        };
        let (_, c) = client_for(ctx, "saml_auth/client_id")?;
        let secs = c
            .get("accessTokenValiditySeconds")
            .and_then(Value::as_i64)
            .unwrap_or(DEFAULT_TOKEN_SECONDS);
        let ev = |o: Outcome| {
            o.with("expire_time_hours", hours)
                .with("token_duration_seconds", secs)
        };
        if hours.saturating_mul(3600) <= secs {
            Ok(ev(Outcome::pass(format!(
                "expire_time {hours} h is within the client's {secs} s token duration"
            ))))
        } else {
            Ok(ev(Outcome::fail(
                "expire-exceeds-token-duration",
                format!(
                    "expire_time {hours} h exceeds the SAML2 Bearer client's token duration ({secs} s): the server caps it"
                ),
            )))
        }
    })())
}

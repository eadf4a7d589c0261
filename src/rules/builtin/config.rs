//! Transaction object checks: existence, placement, region URLs, option names.

use super::{Builtin, Ctx, flatten, no_params, validate_as, with_params};
use crate::evidence::transaction::OBJECT_NAME;
use crate::evidence::{ExportFormat, TxObject};
use crate::facts::region::{self, Region};
use crate::result::Outcome;
use crate::rules::model::Scope;
use crate::secret;
use serde::Deserialize;
use serde_json::{Value, json};

/// CFG001: the tenant's `hybrid_integration` exists, type list, enabled.
pub const TRANSACTION_OBJECT: Builtin = Builtin {
    name: "transaction-object",
    scope: Scope::Tenant,
    validate: no_params,
    run: transaction_object,
};

fn transaction_object(ctx: &Ctx<'_>, _: &Value) -> Outcome {
    flatten((|| {
        let t = ctx.tenant()?;
        let path = t.export.path.display().to_string();
        let Some(obj) = t.object() else {
            let near: Vec<&TxObject> = t
                .export
                .objects
                .iter()
                .filter(|o| {
                    o.name.as_deref().is_some_and(|n| {
                        n.eq_ignore_ascii_case(OBJECT_NAME)
                            || strsim::levenshtein(n, OBJECT_NAME) <= 2
                    }) || o.alias.as_deref() == Some(OBJECT_NAME)
                })
                .collect();
            if let Some(o) = near.first() {
                let name = o.name.clone().unwrap_or_default();
                return Ok(Outcome::fail(
                    "wrong-name",
                    format!("no object named `{OBJECT_NAME}` in {path}; found `{name}` (names are case-sensitive: did you mean `{OBJECT_NAME}`?)"),
                )
                .with("found", name));
            }
            let names: Vec<String> = t
                .export
                .objects
                .iter()
                .filter_map(|o| o.name.clone())
                .collect();
            return Ok(Outcome::fail(
                "missing-object",
                format!(
                    "{path} holds no `{OBJECT_NAME}` transaction object for {}",
                    t.name
                ),
            )
            .with("objects_in_export", names));
        };
        let mut o_ok = Outcome::pass(format!("`{OBJECT_NAME}` exists in {path}"));
        if t.export.format == ExportFormat::Ini {
            o_ok.message.push_str(" (INI options export: type and state are not recorded; the object's options are present)");
            return Ok(o_ok.with("format", "ini"));
        }
        if let Some(kind) = &obj.kind
            && !(kind == "list" || kind == "CFGTRTList")
        {
            return Ok(Outcome::fail(
                "wrong-type",
                format!("`{OBJECT_NAME}` has type `{kind}`; it must be a Transaction of type list (the type cannot be changed: recreate the object)"),
            )
            .with("type", kind.clone()));
        }
        if let Some(state) = &obj.state
            && !(state == "enabled" || state == "CFGEnabled")
        {
            return Ok(Outcome::fail(
                "disabled",
                format!("`{OBJECT_NAME}` is `{state}`, not enabled"),
            )
            .with("state", state.clone()));
        }
        if obj.kind.is_none() || obj.state.is_none() {
            return Ok(Outcome::error(
                "incomplete-evidence",
                format!("the export of `{OBJECT_NAME}` does not record its type and state"),
            ));
        }
        Ok(o_ok
            .with("type", obj.kind.clone())
            .with("state", obj.state.clone()))
    })())
}

/// CFG002: single-tenant → Environment; multi-tenant → the tenant itself.
pub const OBJECT_PLACEMENT: Builtin = Builtin {
    name: "object-placement",
    scope: Scope::Tenant,
    validate: no_params,
    run: object_placement,
};

fn object_placement(ctx: &Ctx<'_>, _: &Value) -> Outcome {
    flatten((|| {
        let t = ctx.tenant()?;
        let obj = ctx.object()?;
        let multi = ctx.deployment.multi_tenant;
        let Some(owner) = obj.tenant.as_deref() else {
            // INI exports carry options only: the manifest says whose they are.
            let env = t.name == "Environment" || t.name == "Resources";
            if multi || env {
                return Ok(Outcome::pass(format!(
                    "placement taken from the manifest: the export is {}'s",
                    t.name
                ))
                .with("placement_source", "manifest"));
            }
            return Ok(Outcome::error(
                "placement-unknown",
                format!(
                    "the INI export does not record the object's tenant, and the manifest names the tenant `{}`, not Environment: export the object as JSON (with `tenant`) or name the tenant Environment",
                    t.name
                ),
            ));
        };
        let env = owner == "Environment" || owner == "Resources";
        let o = match (multi, env) {
            (true, true) => Outcome::fail(
                "shared-from-environment",
                format!(
                    "`{OBJECT_NAME}` is in {owner}: a multi-tenant deployment needs one object inside each tenant (each tenant has its own Genesys Cloud org)"
                ),
            ),
            (true, false) if owner != t.name => Outcome::fail(
                "wrong-tenant",
                format!("`{OBJECT_NAME}` for {} is in tenant {owner}", t.name),
            ),
            (true, false) => Outcome::pass(format!("`{OBJECT_NAME}` is inside tenant {owner}")),
            (false, true) => {
                Outcome::pass(format!("`{OBJECT_NAME}` is in {owner} (single-tenant)"))
            }
            (false, false) => Outcome::fail(
                "not-in-environment",
                format!(
                    "single-tenant deployment: `{OBJECT_NAME}` should be in the Environment tenant's Transactions folder, not in {owner}"
                ),
            ),
        };
        Ok(o.with("tenant", owner.to_owned())
            .with("folder", obj.folder.clone()))
    })())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionUrlParams {
    /// `general/base_auth_url`
    option: String,
    /// `login` or `api`
    host_prefix: String,
    /// `token` (path `/oauth/token`) or `api` (path `/api/`)
    kind: UrlKind,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum UrlKind {
    Token,
    Api,
}

/// CFG007/CFG008: a URL on a known region's `login.`/`api.` host with the right path.
pub const REGION_URL: Builtin = Builtin {
    name: "region-url",
    scope: Scope::Tenant,
    validate: validate_as::<RegionUrlParams>,
    run: region_url,
};

fn split_option(s: &str) -> (&str, &str) {
    s.split_once('/').unwrap_or(("general", s))
}

fn region_url(ctx: &Ctx<'_>, p: &Value) -> Outcome {
    with_params(p, |p: RegionUrlParams| {
        flatten((|| {
            let (section, name) = split_option(&p.option);
            let Some(value) = ctx.option(section, name)? else {
                return Ok(Outcome::fail("missing", format!("{} is not set", p.option)));
            };
            let analysed = analyse_url(value, &p.host_prefix, p.kind);
            Ok(analysed
                .with("option", p.option.clone())
                .with("value", value.to_owned()))
        })())
    })
}

/// Judges one region URL; public for CFG009 and IDP006.
fn analyse_url(value: &str, host_prefix: &str, kind: UrlKind) -> Outcome {
    if value.trim() != value {
        return Outcome::fail(
            "stray-whitespace",
            format!("`{value}` has leading or trailing whitespace"),
        );
    }
    let url = match url::Url::parse(value) {
        Ok(u) => u,
        Err(e) => {
            return Outcome::fail("invalid-url", format!("`{value}` is not a valid URL ({e})"));
        }
    };
    if url.scheme() != "https" {
        return Outcome::fail(
            "not-https",
            format!("`{value}` must use https, not {}", url.scheme()),
        );
    }
    let host = url.host_str().unwrap_or_default();
    let Some((prefix, region)) = region::split_host(host) else {
        let domain = host.split_once('.').map_or(host, |(_, d)| d);
        let hint = region::closest_domain(domain)
            .map(|d| format!(" (did you mean `{host_prefix}.{d}`?)"))
            .unwrap_or_default();
        return Outcome::fail(
            "unknown-region",
            format!("`{host}` is not a Genesys Cloud region host{hint}"),
        )
        .with("host", host.to_owned());
    };
    let region_ev = json!({"id": region.id, "name": region.name, "domain": region.domain});
    if prefix != host_prefix {
        return Outcome::fail(
            "wrong-host",
            format!("`{host}` should be `{host_prefix}.{}`", region.domain),
        )
        .with("region", region_ev);
    }
    if url.port().is_some_and(|p| p != 443) {
        return Outcome::fail(
            "wrong-port",
            format!("`{value}` names a port other than 443"),
        );
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Outcome::fail("wrong-path", format!("`{value}` has a query or fragment"));
    }
    let path = url.path();
    let verdict = match kind {
        UrlKind::Token if path == "/oauth/token" => None,
        UrlKind::Token => Some(("wrong-path", format!("the path is `{path}`; the token endpoint is `/oauth/token`"))),
        UrlKind::Api if path == "/api/" => None,
        UrlKind::Api if path == "/api" => Some((
            "missing-trailing-slash",
            "the path is `/api`: it must end with a slash (`/api/`), because components append `v2/...`".to_owned(),
        )),
        UrlKind::Api if path.starts_with("/api/v") => Some((
            "includes-version",
            format!("the path is `{path}`: base_service_url must stop at `/api/` (components append `v2/...` themselves)"),
        )),
        UrlKind::Api => Some(("wrong-path", format!("the path is `{path}`; the base service URL path is `/api/`"))),
    };
    match verdict {
        Some((reason, msg)) => {
            Outcome::fail(reason, format!("`{value}`: {msg}")).with("region", region_ev)
        }
        None => Outcome::pass(format!(
            "`{value}` is the {} ({}) {}",
            region.name,
            region.id,
            match kind {
                UrlKind::Token => "token endpoint",
                UrlKind::Api => "API base",
            }
        ))
        .with("region", region_ev),
    }
}

/// The region a URL's host names, if any.
pub fn url_region(value: &str) -> Option<&'static Region> {
    let url = url::Url::parse(value.trim()).ok()?;
    region::split_host(url.host_str()?).map(|(_, r)| r)
}

/// CFG009: base_auth_url and base_service_url name the same region.
pub const SAME_REGION: Builtin = Builtin {
    name: "same-region",
    scope: Scope::Tenant,
    validate: no_params,
    run: same_region,
};

fn same_region(ctx: &Ctx<'_>, _: &Value) -> Outcome {
    flatten((|| {
        let auth = ctx.option("general", "base_auth_url")?;
        let api = ctx.option("general", "base_service_url")?;
        let (Some(auth), Some(api)) = (auth, api) else {
            return Ok(Outcome::skip(
                "missing-option",
                "base_auth_url or base_service_url is not set (CFG007/CFG008)",
            ));
        };
        let (Some(ra), Some(rs)) = (url_region(auth), url_region(api)) else {
            return Ok(Outcome::skip(
                "unknown-region",
                "a URL names no known region (CFG007/CFG008 report why)",
            ));
        };
        if ra.id == rs.id {
            Ok(
                Outcome::pass(format!("both URLs are in {} ({})", ra.name, ra.id))
                    .with("region", ra.id.clone()),
            )
        } else {
            Ok(Outcome::fail(
                "region-mismatch",
                format!(
                    "base_auth_url is in {} ({}) but base_service_url is in {} ({}): tokens from one region are rejected by the other (invalid_client / 401)",
                    ra.name, ra.id, rs.name, rs.id
                ),
            )
            .with("auth_region", ra.id.clone())
            .with("service_region", rs.id.clone()))
        }
    })())
}

/// The options the guide defines, by section (userProperties) and for the Annex.
const KNOWN_SECTIONS: &[(&str, &[&str])] = &[
    (
        "general",
        &[
            "organization_sname",
            "organization_id",
            "default_agent_role_name",
            "default_admin_role_name",
            "base_auth_url",
            "base_service_url",
        ],
    ),
    (
        "saml",
        &["issuer", "certificate", "pkey", "password", "expire_time"],
    ),
    ("saml_auth", &["client_id", "password"]),
    ("ewt", &["client_id", "password"]),
];
const KNOWN_ANNEX: &[(&str, &[&str])] = &[("general", &["organization_domain_suffix"])];

/// Values that are multi-line blobs by design (whitespace inside is fine).
const BLOB_OPTIONS: &[&str] = &["certificate", "pkey"];

fn near(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.to_ascii_lowercase().replace(['-', ' ', '.'], "_");
    a != b && (norm(a) == norm(b) || strsim::levenshtein(&a.to_ascii_lowercase(), b) <= 2)
}

/// CFG015: misspelt section/option names, misplaced options, duplicates, stray whitespace.
pub const OPTION_NAMES: Builtin = Builtin {
    name: "option-names",
    scope: Scope::Tenant,
    validate: no_params,
    run: option_names,
};

fn option_names(ctx: &Ctx<'_>, _: &Value) -> Outcome {
    flatten((|| {
        let obj = ctx.object()?;
        let mut problems: Vec<Value> = Vec::new();
        let mut unrecognised: Vec<String> = Vec::new();
        let mut push = |reason: &str, option: String, message: String| {
            problems.push(json!({"reason": reason, "option": option, "message": message}));
        };
        for (annex, sections, known) in [
            (false, &obj.options, KNOWN_SECTIONS),
            (true, &obj.annex, KNOWN_ANNEX),
        ] {
            let prefix = if annex { "annex." } else { "" };
            for (sname, opts) in sections {
                let known_opts = known.iter().find(|(k, _)| k == sname).map(|(_, o)| *o);
                let Some(known_opts) = known_opts else {
                    match known.iter().find(|(k, _)| near(sname, k)) {
                        Some((k, _)) => push(
                            "misspelt-name",
                            format!("{prefix}{sname}"),
                            format!(
                                "section `{prefix}{sname}` is not one the guide defines: did you mean `{prefix}{k}`? (names are case-sensitive)"
                            ),
                        ),
                        None => unrecognised.push(format!("{prefix}{sname}")),
                    }
                    continue;
                };
                for (oname, value) in opts {
                    let full = format!("{prefix}{sname}/{oname}");
                    if !known_opts.contains(&oname.as_str()) {
                        if let Some(k) = known_opts.iter().find(|k| near(oname, k)) {
                            push(
                                "misspelt-name",
                                full.clone(),
                                format!(
                                    "option `{full}` is not one the guide defines: did you mean `{prefix}{sname}/{k}`? (option names are case-sensitive)"
                                ),
                            );
                        } else if let Some((where_, k)) = misplaced(oname, annex) {
                            push(
                                "misplaced-option",
                                full.clone(),
                                format!(
                                    "option `{full}` looks like `{k}`, which belongs in {where_}"
                                ),
                            );
                        } else {
                            unrecognised.push(full.clone());
                        }
                        continue;
                    }
                    if !BLOB_OPTIONS.contains(&oname.as_str()) && value.text.trim() != value.text {
                        let what = if secret::is_secret_option(oname) {
                            "the value (not shown: secret)"
                        } else {
                            "the value"
                        };
                        push(
                            "stray-whitespace",
                            full.clone(),
                            format!(
                                "{what} of `{full}` has leading or trailing whitespace, which Genesys components keep"
                            ),
                        );
                    }
                }
            }
        }
        for d in &obj.duplicates {
            push(
                "duplicate-option",
                d.clone(),
                format!("option `{d}` is given more than once; the last value wins"),
            );
        }
        if problems.is_empty() {
            let mut o = Outcome::pass("section and option names are as the guide defines them");
            if !unrecognised.is_empty() {
                o.message.push_str(&format!(
                    " ({} other option(s) not checked)",
                    unrecognised.len()
                ));
                o = o.with("unrecognised", unrecognised);
            }
            return Ok(o);
        }
        let first_reason = problems[0]["reason"]
            .as_str()
            .unwrap_or("misspelt-name")
            .to_owned();
        let message = problems
            .iter()
            .filter_map(|p| p["message"].as_str())
            .collect::<Vec<_>>()
            .join("; ");
        Ok(Outcome::fail(&first_reason, message)
            .with("problems", problems)
            .with("unrecognised", unrecognised))
    })())
}

/// An option that exists elsewhere (e.g. `organization_domain_suffix` in userProperties).
fn misplaced(option: &str, in_annex: bool) -> Option<(&'static str, String)> {
    let (other, where_) = if in_annex {
        (KNOWN_SECTIONS, "the options (not the Annex)")
    } else {
        (KNOWN_ANNEX, "the Annex")
    };
    other.iter().find_map(|(s, opts)| {
        opts.iter()
            .find(|k| **k == option || near(option, k))
            .map(|k| {
                (
                    where_,
                    format!("{}{s}/{k}", if in_annex { "" } else { "annex." }),
                )
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::Status;

    fn reason(o: &Outcome) -> (Status, Option<&str>) {
        (o.status, o.reason.as_deref())
    }

    #[test]
    fn token_urls() {
        let ok = analyse_url(
            "https://login.mypurecloud.ie/oauth/token",
            "login",
            UrlKind::Token,
        );
        assert_eq!(reason(&ok), (Status::Pass, None));
        let api_host = analyse_url(
            "https://api.mypurecloud.ie/oauth/token",
            "login",
            UrlKind::Token,
        );
        assert_eq!(reason(&api_host), (Status::Fail, Some("wrong-host")));
        let http = analyse_url(
            "http://login.mypurecloud.ie/oauth/token",
            "login",
            UrlKind::Token,
        );
        assert_eq!(reason(&http), (Status::Fail, Some("not-https")));
        let typo = analyse_url(
            "https://login.mypurecloud.co/oauth/token",
            "login",
            UrlKind::Token,
        );
        assert_eq!(reason(&typo), (Status::Fail, Some("unknown-region")));
        assert!(
            typo.message.contains("login.mypurecloud.com"),
            "{}",
            typo.message
        );
    }

    #[test]
    fn api_urls() {
        for (url, want) in [
            ("https://api.mypurecloud.com.au/api/", None),
            (
                "https://api.mypurecloud.com.au/api",
                Some("missing-trailing-slash"),
            ),
            (
                "https://api.mypurecloud.com.au/api/v2/",
                Some("includes-version"),
            ),
            ("https://api.mypurecloud.com.au/", Some("wrong-path")),
            (
                "https://api.mypurecloud.com.au/api/ ",
                Some("stray-whitespace"),
            ),
        ] {
            let o = analyse_url(url, "api", UrlKind::Api);
            assert_eq!(o.reason.as_deref(), want, "{url}: {}", o.message);
        }
    }

    #[test]
    fn near_names() {
        assert!(near("saml-auth", "saml_auth"));
        assert!(near("Issuer", "issuer"));
        assert!(near("base_auth_uri", "base_auth_url"));
        assert!(!near("issuer", "issuer"));
        assert_eq!(
            misplaced("organisation_domain_suffix", false).map(|m| m.1),
            Some("annex.general/organization_domain_suffix".to_owned())
        );
    }
}

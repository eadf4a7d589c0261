//! The `pureengage` identity provider: existence, issuer match and uniqueness, SSO target.

use super::config::url_region;
use super::{Builtin, Ctx, flatten, no_params, unavailable};
use crate::evidence::CloudFile;
use crate::evidence::cloud::str_field;
use crate::facts::region;
use crate::result::Outcome;
use crate::rules::model::Scope;
use serde_json::{Value, json};

/// IDP001: the org has a `pureengage` identity provider.
pub const IDP_EXISTS: Builtin = Builtin {
    name: "idp-exists",
    scope: Scope::Tenant,
    validate: no_params,
    run: idp_exists,
};

fn idp_exists(ctx: &Ctx<'_>, _: &Value) -> Outcome {
    flatten((|| {
        let cloud = ctx.cloud()?;
        match cloud.pureengage().map_err(unavailable)? {
            None => Ok(Outcome::fail(
                "not-configured",
                "the org has no pureengage identity provider: create it with PUT /api/v2/identityproviders/pureengage",
            )
            .with("source", cloud.path_of(CloudFile::IdentityProviderPureEngage))),
            Some(idp) => Ok(Outcome::pass(format!(
                "pureengage identity provider `{}` exists",
                str_field(idp, "name").unwrap_or("(unnamed)")
            ))
            .with("id", str_field(idp, "id").map(str::to_owned))
            .with("source", cloud.path_of(CloudFile::IdentityProviderPureEngage))),
        }
    })())
}

/// The IdP object, or a skip/fail outcome when there is none.
fn pureengage<'a>(ctx: &Ctx<'a>) -> Result<&'a Value, Outcome> {
    let cloud = ctx.cloud()?;
    cloud.pureengage().map_err(unavailable)?.ok_or_else(|| {
        Outcome::skip(
            "idp-not-configured",
            "the org has no pureengage identity provider (IDP001)",
        )
    })
}

/// How two issuer URIs differ, as a stable reason, or `None` when equal.
pub fn issuer_difference(onprem: &str, cloud: &str) -> Option<(&'static str, String)> {
    if onprem == cloud {
        return None;
    }
    let (a, b) = (onprem.trim(), cloud.trim());
    if a == b {
        return Some((
            "issuer-whitespace",
            "they differ only in leading/trailing whitespace".into(),
        ));
    }
    if a.trim_end_matches('/') == b.trim_end_matches('/') {
        let which = if b.ends_with('/') {
            "the identity provider's"
        } else {
            "saml/issuer"
        };
        return Some((
            "issuer-trailing-slash",
            format!("they differ only by a trailing slash ({which} has it)"),
        ));
    }
    if a.eq_ignore_ascii_case(b) {
        return Some((
            "issuer-case",
            "they differ only in letter case; the comparison is exact".into(),
        ));
    }
    let strip = |s: &str| {
        s.split_once("://")
            .map(|(_, r)| r.trim_end_matches('/').to_ascii_lowercase())
    };
    if strip(a).is_some() && strip(a) == strip(b) {
        return Some((
            "issuer-scheme",
            "they differ in the scheme (http vs https)".into(),
        ));
    }
    Some(("issuer-mismatch", "they are different URIs".into()))
}

/// IDP004: `issuerURI` equals `saml/issuer` exactly.
pub const ISSUER_MATCH: Builtin = Builtin {
    name: "issuer-match",
    scope: Scope::Tenant,
    validate: no_params,
    run: issuer_match,
};

fn issuer_match(ctx: &Ctx<'_>, _: &Value) -> Outcome {
    flatten((|| {
        let Some(onprem) = ctx.option("saml", "issuer")? else {
            return Ok(Outcome::skip(
                "missing-option",
                "saml/issuer is not set (CFG011)",
            ));
        };
        let idp = pureengage(ctx)?;
        let Some(cloud) = str_field(idp, "issuerURI") else {
            return Ok(Outcome::fail(
                "missing",
                "the identity provider has no issuerURI",
            ));
        };
        let ev = |o: Outcome| {
            o.with("saml_issuer", onprem.to_owned())
                .with("idp_issuer_uri", cloud.to_owned())
        };
        Ok(match issuer_difference(onprem, cloud) {
            None => ev(Outcome::pass(format!(
                "issuerURI equals saml/issuer (`{onprem}`)"
            ))),
            Some((reason, why)) => ev(Outcome::fail(
                reason,
                format!(
                    "issuerURI `{cloud}` does not equal saml/issuer `{onprem}` exactly: {why}; SAML assertions will be rejected"
                ),
            )),
        })
    })())
}

/// IDP005: no other identity provider uses the same issuer URI.
pub const ISSUER_UNIQUE: Builtin = Builtin {
    name: "issuer-unique",
    scope: Scope::Tenant,
    validate: no_params,
    run: issuer_unique,
};

fn issuer_unique(ctx: &Ctx<'_>, _: &Value) -> Outcome {
    flatten((|| {
        let cloud = ctx.cloud()?;
        let idp = cloud.pureengage().map_err(unavailable)?;
        let issuer = match idp.and_then(|v| str_field(v, "issuerURI")) {
            Some(i) => i.to_owned(),
            None => match ctx.option("saml", "issuer")? {
                Some(i) => i.to_owned(),
                None => {
                    return Ok(Outcome::skip(
                        "missing-option",
                        "no issuer to compare (saml/issuer and issuerURI unset)",
                    ));
                }
            },
        };
        let own_id = idp.and_then(|v| str_field(v, "id"));
        let listing = cloud
            .complete_listing(CloudFile::IdentityProviders)
            .map_err(unavailable)?;
        let norm = |s: &str| s.trim().trim_end_matches('/').to_ascii_lowercase();
        let clashes: Vec<Value> = listing
            .entities
            .iter()
            .filter(|e| {
                let id = str_field(e, "id");
                let is_self = (own_id.is_some() && id == own_id)
                    || str_field(e, "selfUri").is_some_and(|u| u.ends_with("/pureengage"));
                !is_self && str_field(e, "issuerURI").is_some_and(|u| norm(u) == norm(&issuer))
            })
            .map(|e| json!({"id": str_field(e, "id"), "name": str_field(e, "name"), "issuerURI": str_field(e, "issuerURI")}))
            .collect();
        if clashes.is_empty() {
            Ok(Outcome::pass(format!(
                "no other of the org's {} identity provider(s) uses `{issuer}`",
                listing.entities.len()
            )))
        } else {
            let names: Vec<String> = clashes
                .iter()
                .map(|c| c["name"].as_str().unwrap_or("(unnamed)").to_owned())
                .collect();
            Ok(Outcome::fail(
                "duplicate-issuer",
                format!(
                    "other identity provider(s) use the issuer `{issuer}`: {}",
                    names.join(", ")
                ),
            )
            .with("clashes", clashes))
        }
    })())
}

/// IDP006: `ssoTargetURI` is https and within the org's region domain.
pub const SSO_TARGET: Builtin = Builtin {
    name: "sso-target",
    scope: Scope::Tenant,
    validate: no_params,
    run: sso_target,
};

fn sso_target(ctx: &Ctx<'_>, _: &Value) -> Outcome {
    flatten((|| {
        let idp = pureengage(ctx)?;
        let Some(target) = str_field(idp, "ssoTargetURI") else {
            return Ok(Outcome::fail(
                "missing",
                "the identity provider has no ssoTargetURI",
            ));
        };
        let ev = |o: Outcome| o.with("sso_target_uri", target.to_owned());
        let url = match url::Url::parse(target.trim()) {
            Ok(u) => u,
            Err(e) => {
                return Ok(ev(Outcome::fail(
                    "invalid-url",
                    format!("ssoTargetURI `{target}` is not a valid URL ({e})"),
                )));
            }
        };
        if url.scheme() != "https" {
            return Ok(ev(Outcome::fail(
                "not-https",
                format!("ssoTargetURI `{target}` must use https"),
            )));
        }
        let host = url.host_str().unwrap_or_default();
        let Some((_, region)) = region::split_host(host) else {
            return Ok(ev(Outcome::fail(
                "outside-region",
                format!(
                    "ssoTargetURI host `{host}` is not in a Genesys Cloud region domain (e.g. apps.<region domain>)"
                ),
            )));
        };
        let org_region = ctx
            .option("general", "base_auth_url")?
            .and_then(url_region)
            .or(ctx
                .option("general", "base_service_url")?
                .and_then(url_region));
        match org_region {
            Some(r) if r.id != region.id => Ok(ev(Outcome::fail(
                "region-mismatch",
                format!(
                    "ssoTargetURI is in {} ({}) but the org's URLs are in {} ({})",
                    region.name, region.id, r.name, r.id
                ),
            ))),
            Some(_) => Ok(ev(Outcome::pass(format!(
                "ssoTargetURI `{target}` is https in {}",
                region.name
            )))),
            None => Ok(ev(Outcome::pass(format!(
                "ssoTargetURI `{target}` is https in {} (the transaction object's region is unknown, see CFG007)",
                region.name
            )))),
        }
    })())
}

#[cfg(test)]
mod tests {
    use super::issuer_difference;

    #[test]
    fn issuer_near_misses() {
        let base = "https://onprem.example.net/pureengage";
        assert_eq!(issuer_difference(base, base), None);
        for (other, want) in [
            (
                "https://onprem.example.net/pureengage/",
                "issuer-trailing-slash",
            ),
            (
                " https://onprem.example.net/pureengage",
                "issuer-whitespace",
            ),
            ("https://onprem.example.net/PureEngage", "issuer-case"),
            ("http://onprem.example.net/pureengage", "issuer-scheme"),
            ("https://www.genesys.com/pureengage", "issuer-mismatch"),
        ] {
            assert_eq!(
                issuer_difference(base, other).map(|d| d.0),
                Some(want),
                "{other}"
            );
        }
    }
}

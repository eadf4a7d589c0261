//! Stage 2 of the pipeline: facts derived from evidence.
//!
//! A fact is a value with provenance, named by a dotted path that rule
//! files use (`tx.general.base_auth_url`, `cloud.idp.autoProvisionUsers`):
//!
//! | path | value |
//! |---|---|
//! | `tx.<section>.<option>` | a transaction object option (text) |
//! | `tx.annex.<section>.<option>` | an Annex option (text) |
//! | `tx.object.<name\|alias\|type\|state\|tenant\|folder>` | object attributes |
//! | `cloud.<file>.<field>[.<field>…]` | a field of a cloud evidence file (`org`, `idp`, `idps`, `oauth_clients`, `roles`, `home_division`) |
//! | `deployment.<name\|multi_tenant\|services\|wde_version\|tenant_count>` | the manifest |
//! | `tenant.name` | the tenant being checked |

pub mod crypto;
pub mod region;
pub mod tenancy;

use crate::evidence::{CloudFile, Deployment, Tenant, Unavailable};
use crate::secret;
use serde_json::Value;
use std::fmt;

/// A parsed fact path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactPath {
    TxOption {
        section: String,
        option: String,
    },
    TxAnnex {
        section: String,
        option: String,
    },
    TxObject(ObjectField),
    Cloud {
        file: CloudFile,
        fields: Vec<String>,
    },
    Deployment(DeploymentField),
    TenantName,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectField {
    Name,
    Alias,
    Type,
    State,
    Tenant,
    Folder,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeploymentField {
    Name,
    MultiTenant,
    Services,
    WdeVersion,
    TenantCount,
}

impl FactPath {
    /// Parses a dotted path; the error is a phrase naming what is wrong.
    pub fn parse(s: &str) -> Result<FactPath, String> {
        let parts: Vec<&str> = s.split('.').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(format!("fact path `{s}` has an empty segment"));
        }
        match parts.as_slice() {
            ["tx", "object", field] => Ok(FactPath::TxObject(match *field {
                "name" => ObjectField::Name,
                "alias" => ObjectField::Alias,
                "type" => ObjectField::Type,
                "state" => ObjectField::State,
                "tenant" => ObjectField::Tenant,
                "folder" => ObjectField::Folder,
                other => {
                    return Err(format!(
                        "unknown object field `{other}` (expected name, alias, type, state, tenant or folder)"
                    ));
                }
            })),
            ["tx", "annex", section, option] => Ok(FactPath::TxAnnex {
                section: (*section).to_owned(),
                option: (*option).to_owned(),
            }),
            ["tx", section, option] => Ok(FactPath::TxOption {
                section: (*section).to_owned(),
                option: (*option).to_owned(),
            }),
            ["cloud", file, fields @ ..] if !fields.is_empty() => {
                let file = CloudFile::from_key(file).ok_or_else(|| {
                    format!(
                        "unknown cloud evidence file `{file}` (expected org, idp, idps, oauth_clients, roles or home_division)"
                    )
                })?;
                Ok(FactPath::Cloud {
                    file,
                    fields: fields.iter().map(|f| (*f).to_owned()).collect(),
                })
            }
            ["deployment", field] => Ok(FactPath::Deployment(match *field {
                "name" => DeploymentField::Name,
                "multi_tenant" => DeploymentField::MultiTenant,
                "services" => DeploymentField::Services,
                "wde_version" => DeploymentField::WdeVersion,
                "tenant_count" => DeploymentField::TenantCount,
                other => {
                    return Err(format!(
                        "unknown deployment field `{other}` (expected name, multi_tenant, services, wde_version or tenant_count)"
                    ));
                }
            })),
            ["tenant", "name"] => Ok(FactPath::TenantName),
            _ => Err(format!(
                "unknown fact path `{s}` (expected tx.<section>.<option>, tx.annex.<section>.<option>, tx.object.<field>, cloud.<file>.<field>, deployment.<field> or tenant.name)"
            )),
        }
    }

    /// Whether the fact belongs to a tenant (needs a tenant subject).
    #[must_use]
    pub fn is_per_tenant(&self) -> bool {
        !matches!(self, FactPath::Deployment(_))
    }

    /// How a finding names the fact: `general/base_auth_url`, `identity provider issuerURI`.
    pub fn label(&self) -> String {
        match self {
            FactPath::TxOption { section, option } => format!("{section}/{option}"),
            FactPath::TxAnnex { section, option } => format!("Annex {section}/{option}"),
            FactPath::TxObject(f) => format!("object {}", format!("{f:?}").to_lowercase()),
            FactPath::Cloud { file, fields } => {
                format!("{} {}", file.file_name(), fields.join("."))
            }
            FactPath::Deployment(f) => format!("manifest {}", format!("{f:?}").to_lowercase()),
            FactPath::TenantName => "tenant name".to_owned(),
        }
    }

    fn is_secret(&self) -> bool {
        match self {
            FactPath::TxOption { option, .. } | FactPath::TxAnnex { option, .. } => {
                secret::is_secret_option(option)
            }
            FactPath::Cloud { fields, .. } => fields.iter().any(|f| f == "secret"),
            _ => false,
        }
    }
}

impl fmt::Display for FactPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// A fact's value and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub value: Value,
    /// `onprem/tenant-a.json general/base_auth_url`, `…/organizations-me.json id`.
    pub source: String,
    /// Never show the value; show [`secret::redacted`] instead.
    pub secret: bool,
    /// An option value: compared as text (`24` equals `"24"`).
    pub textual: bool,
}

impl Fact {
    /// The value as text (strings bare, other JSON as JSON).
    pub fn text(&self) -> String {
        match &self.value {
            Value::String(s) => s.clone(),
            v => v.to_string(),
        }
    }

    /// The value as evidence: the JSON value itself, or the redaction.
    pub fn evidence_value(&self) -> Value {
        if self.secret {
            Value::from(secret::redacted(&self.text()))
        } else {
            self.value.clone()
        }
    }

    /// The value as a message may show it.
    pub fn shown(&self) -> String {
        if self.secret {
            secret::redacted(&self.text())
        } else {
            match &self.value {
                Value::String(s) => format!("\"{s}\""),
                v => v.to_string(),
            }
        }
    }
}

/// The result of looking a fact up.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    Found(Fact),
    /// The evidence is there but does not hold this fact.
    Absent {
        source: String,
    },
    /// The evidence itself is missing or unusable.
    Unavailable(Unavailable),
}

/// Looks up a fact for a tenant (or for the deployment when `tenant` is None).
pub fn lookup(d: &Deployment, tenant: Option<&Tenant>, path: &FactPath) -> Lookup {
    if let FactPath::Deployment(field) = path {
        return Lookup::Found(Fact {
            value: match field {
                DeploymentField::Name => Value::from(d.name.clone()),
                DeploymentField::MultiTenant => Value::from(d.multi_tenant),
                DeploymentField::Services => {
                    Value::from(d.services.iter().map(|s| s.as_str()).collect::<Vec<_>>())
                }
                DeploymentField::WdeVersion => match &d.wde_version {
                    Some(v) => Value::from(v.clone()),
                    None => {
                        return Lookup::Absent {
                            source: d.manifest_path.display().to_string(),
                        };
                    }
                },
                DeploymentField::TenantCount => Value::from(d.tenants.len()),
            },
            source: d.manifest_path.display().to_string(),
            secret: false,
            textual: false,
        });
    }
    let Some(t) = tenant else {
        return Lookup::Unavailable(Unavailable::error(
            "no-tenant",
            format!("{path} is a per-tenant fact, used by a deployment-scope rule"),
        ));
    };
    let export_path = t.export.path.display().to_string();
    let text_fact = |value: &str, where_: String| Fact {
        value: Value::from(value),
        source: format!("{export_path} {where_}"),
        secret: path.is_secret(),
        textual: true,
    };
    match path {
        FactPath::TenantName => Lookup::Found(Fact {
            value: Value::from(t.name.clone()),
            source: d.manifest_path.display().to_string(),
            secret: false,
            textual: true,
        }),
        FactPath::TxOption { section, option } | FactPath::TxAnnex { section, option } => {
            let Some(obj) = t.object() else {
                return Lookup::Unavailable(no_object(t));
            };
            let v = if matches!(path, FactPath::TxAnnex { .. }) {
                obj.annex_option(section, option)
            } else {
                obj.option(section, option)
            };
            match v {
                Some(v) => {
                    let line = v.line.map(|l| format!(":{l}")).unwrap_or_default();
                    Lookup::Found(text_fact(&v.text, format!("{}{line}", path.label())))
                }
                None => Lookup::Absent {
                    source: format!("{export_path} {}", path.label()),
                },
            }
        }
        FactPath::TxObject(field) => {
            let Some(obj) = t.object() else {
                return Lookup::Unavailable(no_object(t));
            };
            let v = match field {
                ObjectField::Name => &obj.name,
                ObjectField::Alias => &obj.alias,
                ObjectField::Type => &obj.kind,
                ObjectField::State => &obj.state,
                ObjectField::Tenant => &obj.tenant,
                ObjectField::Folder => &obj.folder,
            };
            match v {
                Some(v) => Lookup::Found(text_fact(v, path.label())),
                None => Lookup::Absent {
                    source: format!("{export_path} {}", path.label()),
                },
            }
        }
        FactPath::Cloud { file, fields } => {
            let Some(cloud) = &t.cloud else {
                return Lookup::Unavailable(no_cloud(t));
            };
            let root = if *file == CloudFile::IdentityProviderPureEngage {
                match cloud.pureengage() {
                    Ok(Some(v)) => v,
                    Ok(None) => {
                        return Lookup::Unavailable(Unavailable::skip(
                            "idp-not-configured",
                            "the org has no pureengage identity provider (IDP001)",
                        ));
                    }
                    Err(u) => return Lookup::Unavailable(u),
                }
            } else {
                match cloud.get(*file) {
                    Ok(v) => v,
                    Err(u) => return Lookup::Unavailable(u),
                }
            };
            let source = format!("{} {}", cloud.path_of(*file), fields.join("."));
            let mut cur = root;
            for f in fields {
                match cur.get(f.as_str()) {
                    Some(v) => cur = v,
                    None => return Lookup::Absent { source },
                }
            }
            Lookup::Found(Fact {
                value: cur.clone(),
                source,
                secret: path.is_secret(),
                textual: false,
            })
        }
        FactPath::Deployment(_) => unreachable_deployment(),
    }
}

fn unreachable_deployment() -> Lookup {
    Lookup::Unavailable(Unavailable::error(
        "internal",
        "deployment fact handled above",
    ))
}

/// Why tenant option facts are unavailable.
pub fn no_object(t: &Tenant) -> Unavailable {
    Unavailable::skip(
        "no-transaction-object",
        format!(
            "{} holds no hybrid_integration object for {} (CFG001)",
            t.export.path.display(),
            t.name
        ),
    )
}

/// Why cloud facts are unavailable.
pub fn no_cloud(t: &Tenant) -> Unavailable {
    Unavailable::skip(
        "no-cloud-evidence",
        format!(
            "no Genesys Cloud evidence folder for {} (add `cloud:` to the tenant, or run `hybrid-preflight collect`)",
            t.name
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_paths() {
        assert_eq!(
            FactPath::parse("tx.general.base_auth_url").unwrap(),
            FactPath::TxOption {
                section: "general".into(),
                option: "base_auth_url".into()
            }
        );
        assert_eq!(
            FactPath::parse("tx.annex.general.organization_domain_suffix").unwrap(),
            FactPath::TxAnnex {
                section: "general".into(),
                option: "organization_domain_suffix".into()
            }
        );
        assert!(matches!(
            FactPath::parse("cloud.idp.autoProvisionUsers").unwrap(),
            FactPath::Cloud {
                file: CloudFile::IdentityProviderPureEngage,
                ..
            }
        ));
        assert!(
            FactPath::parse("cloud.nope.x")
                .unwrap_err()
                .contains("nope")
        );
        assert!(FactPath::parse("tx.general").is_err());
        assert!(FactPath::parse("tx..x").is_err());
    }

    #[test]
    fn secret_options_are_marked() {
        assert!(FactPath::parse("tx.saml.password").unwrap().is_secret());
        assert!(FactPath::parse("tx.saml.pkey").unwrap().is_secret());
        assert!(!FactPath::parse("tx.saml.issuer").unwrap().is_secret());
    }
}

//! The deployment manifest (input contract v1): which tenants, where their
//! exports and cloud evidence are, and what the network needs.

use crate::error::InputError;
use crate::evidence::yaml;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::path::{Path, PathBuf};

/// The manifest as written; paths still relative to it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    pub name: String,
    #[serde(default)]
    pub multi_tenant: bool,
    #[serde(default)]
    pub services: Vec<Spanned<String>>,
    #[serde(default)]
    pub wde_version: Option<String>,
    pub tenants: Vec<TenantEntry>,
    #[serde(default)]
    pub permissions: Option<Spanned<String>>,
    #[serde(default)]
    pub network: NetworkEntry,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantEntry {
    pub name: Spanned<String>,
    pub transaction: Spanned<String>,
    #[serde(default)]
    pub cloud: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkEntry {
    #[serde(default)]
    pub proxy: Option<String>,
    #[serde(default)]
    pub extra_endpoints: Vec<Spanned<String>>,
    /// On-prem hosts or host groups that need the egress (for `firewall-request`).
    #[serde(default)]
    pub sources: Vec<SourceEntry>,
}

/// A named group of on-prem hosts: addresses or CIDRs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceEntry {
    pub name: String,
    #[serde(default)]
    pub addresses: Vec<Spanned<String>>,
}

/// Genesys Cloud services the deployment uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    PredictiveEngagement,
    AgentPacing,
}

impl Service {
    pub const ALL: [Service; 2] = [Service::PredictiveEngagement, Service::AgentPacing];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Service::PredictiveEngagement => "predictive-engagement",
            Service::AgentPacing => "agent-pacing",
        }
    }
}

/// Resolves the manifest location: a file, or a directory with `deployment.yaml`.
pub fn manifest_path(path: &Path) -> Result<PathBuf, InputError> {
    if path.is_dir() {
        let candidate = path.join("deployment.yaml");
        if candidate.is_file() {
            return Ok(candidate);
        }
        return Err(InputError::new(path, "directory holds no deployment.yaml")
            .hint("pass the manifest file itself, or a directory containing deployment.yaml"));
    }
    Ok(path.to_path_buf())
}

/// Parses the manifest text.
pub fn parse(path: &Path, text: &str) -> Result<ManifestFile, InputError> {
    let m: ManifestFile = yaml::from_str(path, text)?;
    if m.tenants.is_empty() {
        return Err(InputError::new(path, "manifest lists no tenants")
            .hint("add a `tenants:` entry with `name` and `transaction`"));
    }
    Ok(m)
}

/// Parses a `services` entry.
pub fn parse_service(path: &Path, s: &Spanned<String>) -> Result<Service, InputError> {
    Service::ALL
        .into_iter()
        .find(|v| v.as_str() == s.value)
        .ok_or_else(|| {
            yaml::at(
                InputError::new(path, format!("unknown service `{}`", s.value))
                    .hint("known services: predictive-engagement, agent-pacing"),
                s,
            )
        })
}

//! Stage 1 of the pipeline: load the evidence a deployment manifest names.
//!
//! Everything here is read-only input; nothing is judged. Failures are
//! [`InputError`]s (exit code 2: nothing was audited).

pub mod cloud;
pub mod manifest;
pub mod permissions;
pub mod text;
pub mod transaction;
pub mod yaml;

use crate::error::InputError;
pub use cloud::{CloudEvidence, CloudFile, Unavailable};
pub use manifest::Service;
use permissions::PermissionsExport;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
pub use transaction::{ExportFormat, OptionValue, TxExport, TxObject};

/// Everything known about one deployment before any check runs.
#[derive(Debug, Clone)]
pub struct Deployment {
    pub manifest_path: PathBuf,
    pub name: String,
    pub multi_tenant: bool,
    pub services: Vec<Service>,
    pub wde_version: Option<String>,
    pub tenants: Vec<Tenant>,
    pub permissions: Option<Arc<PermissionsExport>>,
    pub permissions_path: Option<PathBuf>,
    pub network: Network,
}

/// One tenant: its export, the object picked for it, its cloud evidence.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub name: String,
    pub export: Arc<TxExport>,
    /// Index in `export.objects` of this tenant's `hybrid_integration`.
    pub object: Option<usize>,
    pub cloud: Option<Arc<CloudEvidence>>,
}

impl Tenant {
    /// This tenant's `hybrid_integration` object, when the export has one.
    pub fn object(&self) -> Option<&TxObject> {
        self.object.and_then(|i| self.export.objects.get(i))
    }

    /// The subject string reports use.
    pub fn subject(&self) -> String {
        format!("tenant:{}", self.name)
    }
}

/// Network settings from the manifest.
#[derive(Debug, Clone, Default)]
pub struct Network {
    pub proxy: Option<String>,
    /// `host:port` entries.
    pub extra_endpoints: Vec<String>,
    /// On-prem host groups that need the egress.
    pub sources: Vec<Source>,
}

/// A named group of on-prem hosts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub name: String,
    pub addresses: Vec<Cidr>,
}

/// An IPv4/IPv6 network (`10.1.0.0/16`; a bare address is a /32 or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub addr: std::net::IpAddr,
    pub bits: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Option<Cidr> {
        let (a, b) = match s.trim().split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (s.trim(), None),
        };
        let addr: std::net::IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let bits = match b {
            Some(b) => b.parse::<u8>().ok().filter(|b| *b <= max)?,
            None => max,
        };
        Some(Cidr { addr, bits })
    }

    /// Whether `ip` is inside this network.
    #[must_use]
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        match (self.addr, ip) {
            (std::net::IpAddr::V4(n), std::net::IpAddr::V4(i)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.bits)).unwrap_or(0);
                u32::from(n) & mask == u32::from(i) & mask
            }
            (std::net::IpAddr::V6(n), std::net::IpAddr::V6(i)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.bits))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(i) & mask
            }
            _ => false,
        }
    }

    /// Whether every address of `other` is inside this network.
    #[must_use]
    pub fn covers(&self, other: &Cidr) -> bool {
        other.bits >= self.bits && self.contains(other.addr)
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let max = if self.addr.is_ipv4() { 32 } else { 128 };
        if self.bits == max {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.bits)
        }
    }
}

impl Deployment {
    /// Whether the deployment uses a service.
    pub fn uses(&self, s: Service) -> bool {
        self.services.contains(&s)
    }
}

/// Loads a manifest (file, or directory with `deployment.yaml`) and every file it names.
pub fn load(path: &Path) -> Result<Deployment, InputError> {
    let manifest_path = manifest::manifest_path(path)?;
    let text = text::read_text(&manifest_path)?;
    let m = manifest::parse(&manifest_path, &text)?;
    let base = manifest_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let resolve = |p: &str| -> PathBuf {
        if p.is_empty() {
            base.clone()
        } else {
            base.join(p)
        }
    };

    let services = m
        .services
        .iter()
        .map(|s| manifest::parse_service(&manifest_path, s))
        .collect::<Result<Vec<_>, _>>()?;

    let mut exports: BTreeMap<PathBuf, Arc<TxExport>> = BTreeMap::new();
    let mut clouds: BTreeMap<PathBuf, Arc<CloudEvidence>> = BTreeMap::new();
    let mut tenants = Vec::with_capacity(m.tenants.len());
    let mut seen = std::collections::BTreeSet::new();
    for t in &m.tenants {
        if !seen.insert(t.name.value.clone()) {
            return Err(yaml::at(
                InputError::new(
                    &manifest_path,
                    format!("tenant `{}` is listed twice", t.name.value),
                ),
                &t.name,
            ));
        }
        let tx_path = resolve(&t.transaction.value);
        let export = match exports.get(&tx_path) {
            Some(e) => e.clone(),
            None => {
                let text = text::read_text(&tx_path)
                    .map_err(|e| referenced(e, &manifest_path, &t.transaction))?;
                let e = Arc::new(transaction::parse(&tx_path, &text)?);
                exports.insert(tx_path.clone(), e.clone());
                e
            }
        };
        let object = pick_object(&export, &t.name.value, m.multi_tenant);
        let cloud = match &t.cloud {
            Some(c) => {
                let dir = resolve(&c.value);
                match clouds.get(&dir) {
                    Some(e) => Some(Arc::clone(e)),
                    None => {
                        let e = Arc::new(
                            CloudEvidence::load(&dir)
                                .map_err(|e| referenced(e, &manifest_path, c))?,
                        );
                        clouds.insert(dir, Arc::clone(&e));
                        Some(e)
                    }
                }
            }
            None => None,
        };
        tenants.push(Tenant {
            name: t.name.value.clone(),
            export,
            object,
            cloud,
        });
    }

    let (permissions, permissions_path) = match &m.permissions {
        Some(p) => {
            let path = resolve(&p.value);
            let text = text::read_text(&path).map_err(|e| referenced(e, &manifest_path, p))?;
            (
                Some(Arc::new(permissions::parse(&path, &text)?)),
                Some(path),
            )
        }
        None => (None, None),
    };

    let mut extra_endpoints = Vec::new();
    for e in &m.network.extra_endpoints {
        if !valid_host_port(&e.value) {
            return Err(yaml::at(
                InputError::new(
                    &manifest_path,
                    format!("extra endpoint `{}` is not host:port", e.value),
                )
                .hint("write endpoints as `host:port`, e.g. `streaming.mypurecloud.ie:443`"),
                e,
            ));
        }
        extra_endpoints.push(e.value.clone());
    }

    let mut sources = Vec::new();
    for src in &m.network.sources {
        let mut addresses = Vec::new();
        for a in &src.addresses {
            addresses.push(Cidr::parse(&a.value).ok_or_else(|| {
                yaml::at(
                    InputError::new(
                        &manifest_path,
                        format!("source address `{}` is not an IP address or CIDR", a.value),
                    ),
                    a,
                )
            })?);
        }
        sources.push(Source {
            name: src.name.clone(),
            addresses,
        });
    }

    Ok(Deployment {
        manifest_path,
        name: m.name,
        multi_tenant: m.multi_tenant,
        services,
        wde_version: m.wde_version,
        tenants,
        permissions,
        permissions_path,
        network: Network {
            proxy: m.network.proxy,
            extra_endpoints,
            sources,
        },
    })
}

/// A referenced file's error, naming the manifest line that referenced it
/// when the file itself could not be opened (the fault may be the entry).
fn referenced(e: InputError, manifest: &Path, at: &serde_saphyr::Spanned<String>) -> InputError {
    if e.position.is_some() {
        return e;
    }
    let l = at.referenced;
    let mut out = e;
    out.message = format!(
        "{} (named as `{}` at {}:{}:{})",
        out.message,
        at.value,
        manifest.display(),
        l.line(),
        l.column()
    );
    out
}

fn valid_host_port(s: &str) -> bool {
    match s.rsplit_once(':') {
        Some((host, port)) => {
            !host.is_empty() && !host.contains('/') && port.parse::<u16>().is_ok_and(|p| p > 0)
        }
        None => false,
    }
}

/// Picks the tenant's `hybrid_integration` among the export's objects: the one
/// in the tenant, else one with no tenant recorded (INI), else one left in
/// Environment (which CFG002/TEN001 judge). Another tenant's object is never
/// taken for this tenant's.
fn pick_object(export: &TxExport, tenant: &str, _multi_tenant: bool) -> Option<usize> {
    let named: Vec<(usize, &TxObject)> = export
        .objects
        .iter()
        .enumerate()
        .filter(|(_, o)| o.name.as_deref() == Some(transaction::OBJECT_NAME))
        .collect();
    let by_tenant = |want: Option<&str>| {
        named
            .iter()
            .find(|(_, o)| o.tenant.as_deref() == want)
            .map(|(i, _)| *i)
    };
    by_tenant(Some(tenant))
        .or_else(|| by_tenant(None))
        .or_else(|| by_tenant(Some("Environment")))
        .or_else(|| by_tenant(Some("Resources")))
}

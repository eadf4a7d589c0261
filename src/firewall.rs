//! `firewall-request`: every egress flow the deployment needs, as a change
//! request a network team can act on, and — given the firewall's current
//! allow rules — a static diff: allowed, missing, denied, or allowed only by
//! an address that no longer matches the name. Works without network access
//! (name resolution is optional and reported as such).

use crate::error::InputError;
use crate::evidence::{Cidr, Deployment};
use crate::probe::{self, ProbeConfig};
use serde::Serialize;
use std::net::IpAddr;
use std::path::Path;

/// One egress flow: from a source group to a destination name and port.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flow {
    /// The on-prem host group (or `any on-prem host` when the manifest names none).
    pub source: String,
    pub source_addresses: Vec<String>,
    pub destination: String,
    pub port: u16,
    pub protocol: &'static str,
    pub purposes: Vec<&'static str>,
    pub tenants: Vec<String>,
    /// Addresses the name resolves to now (they change: FQDN rules are the stable form).
    pub resolved: Resolution,
    /// With a rules export: the diff verdict.
    pub status: Option<FlowStatus>,
    /// The rules-export line that decided the status.
    pub matched_rule: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Resolution {
    NotAsked,
    Addresses { addresses: Vec<IpAddr> },
    Failed { reason: String },
}

/// The diff verdict for a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlowStatus {
    /// An allow rule names the destination (FQDN or wildcard).
    Allowed,
    /// Allowed only by IP rules that cover every address the name has now.
    AllowedByIp,
    /// Allowed only by IP rules, and the name resolves elsewhere now.
    StaleIp,
    /// Allowed only by IP rules, and the name could not be resolved to check them.
    IpUnverified,
    /// A deny rule matches first.
    Denied,
    /// No rule matches.
    Missing,
}

impl FlowStatus {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            FlowStatus::Allowed => "allowed",
            FlowStatus::AllowedByIp => "allowed-by-ip",
            FlowStatus::StaleIp => "stale-ip",
            FlowStatus::IpUnverified => "ip-unverified",
            FlowStatus::Denied => "denied",
            FlowStatus::Missing => "missing",
        }
    }

    /// Whether the flow needs a change.
    #[must_use]
    pub const fn needs_change(self) -> bool {
        !matches!(self, FlowStatus::Allowed | FlowStatus::AllowedByIp)
    }
}

fn purpose_label(p: probe::Purpose) -> &'static str {
    match p {
        probe::Purpose::Auth => "OAuth token endpoint",
        probe::Purpose::Api => "Platform API",
        probe::Purpose::SsoTarget => "SSO target",
        probe::Purpose::Extra => "extra endpoint",
    }
}

/// Every flow the deployment needs: each source group × each required endpoint.
pub fn flows(d: &Deployment) -> Vec<Flow> {
    let endpoints = probe::required_endpoints(d);
    let sources: Vec<(String, Vec<String>)> = if d.network.sources.is_empty() {
        vec![("any on-prem host".to_owned(), Vec::new())]
    } else {
        d.network
            .sources
            .iter()
            .map(|s| {
                (
                    s.name.clone(),
                    s.addresses.iter().map(ToString::to_string).collect(),
                )
            })
            .collect()
    };
    let mut out = Vec::new();
    for (name, addrs) in &sources {
        for e in &endpoints {
            out.push(Flow {
                source: name.clone(),
                source_addresses: addrs.clone(),
                destination: e.host.clone(),
                port: e.port,
                protocol: "tcp",
                purposes: e.purposes.iter().map(|p| purpose_label(*p)).collect(),
                tenants: e.tenants.iter().cloned().collect(),
                resolved: Resolution::NotAsked,
                status: None,
                matched_rule: None,
            });
        }
    }
    out
}

/// Resolves every destination once (bounded by the probe timeout).
pub fn resolve(flows: &mut [Flow], cfg: &ProbeConfig) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    let dns = match probe::dns::Dns::new(cfg) {
        Ok(d) => d,
        Err(e) => {
            for f in flows.iter_mut() {
                f.resolved = Resolution::Failed { reason: e.clone() };
            }
            return;
        }
    };
    let mut names: Vec<String> = flows.iter().map(|f| f.destination.clone()).collect();
    names.sort();
    names.dedup();
    let dns = std::sync::Arc::new(dns);
    let timeout = cfg.timeout;
    let answers: Vec<(String, Resolution)> = rt.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        for n in names {
            let dns = std::sync::Arc::clone(&dns);
            set.spawn(async move {
                let r = match n.parse::<IpAddr>() {
                    Ok(ip) => Resolution::Addresses {
                        addresses: vec![ip],
                    },
                    Err(_) => match tokio::time::timeout(timeout, dns.lookup_ip(&n)).await {
                        Ok(Ok(a)) if !a.is_empty() => Resolution::Addresses { addresses: a },
                        Ok(Ok(_)) => Resolution::Failed {
                            reason: "no addresses".into(),
                        },
                        Ok(Err(e)) => Resolution::Failed { reason: e },
                        Err(_) => Resolution::Failed {
                            reason: "timed out".into(),
                        },
                    },
                };
                (n, r)
            });
        }
        let mut out = Vec::new();
        while let Some(r) = set.join_next().await {
            if let Ok(r) = r {
                out.push(r);
            }
        }
        out
    });
    for f in flows.iter_mut() {
        if let Some((_, r)) = answers.iter().find(|(n, _)| *n == f.destination) {
            f.resolved = r.clone();
        }
    }
}

/// One rule of the firewall's export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirewallRule {
    pub line: u64,
    pub source: String,
    pub destination: String,
    pub port: String,
    pub allow: bool,
}

/// Parses a rules export CSV: a header with `source`, `destination`, `port`,
/// `action` (any order, case-insensitive; other columns ignored).
pub fn parse_rules(path: &Path, text: &str) -> Result<Vec<FirewallRule>, InputError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| InputError::new(path, format!("invalid CSV header: {e}")))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(src), Some(dst), Some(port), Some(action)) = (
        col("source"),
        col("destination"),
        col("port"),
        col("action"),
    ) else {
        return Err(InputError::new(
            path,
            "the header must name the columns source, destination, port and action",
        )
        .at(1, 1));
    };
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, csv::Position::line);
            InputError::new(path, format!("invalid CSV record: {e}")).at(line, 1)
        })?;
        let line = rec.position().map_or(0, csv::Position::line);
        let field = |i: usize| rec.get(i).unwrap_or("").to_owned();
        let allow = match field(action).to_ascii_lowercase().as_str() {
            "allow" | "accept" | "permit" | "pass" => true,
            "deny" | "drop" | "reject" | "block" => false,
            other => {
                return Err(InputError::new(
                    path,
                    format!("unknown action `{other}` (allow/accept/permit or deny/drop/reject)"),
                )
                .at(line, 1));
            }
        };
        out.push(FirewallRule {
            line,
            source: field(src),
            destination: field(dst),
            port: field(port),
            allow,
        });
    }
    Ok(out)
}

fn is_any(s: &str) -> bool {
    matches!(
        s.to_ascii_lowercase().as_str(),
        "" | "*" | "any" | "all" | "0.0.0.0/0" | "::/0"
    )
}

fn port_matches(rule: &str, port: u16) -> bool {
    if is_any(rule) {
        return true;
    }
    rule.split([',', ';']).map(str::trim).any(|p| match p.split_once('-') {
        Some((a, b)) => matches!((a.trim().parse::<u16>(), b.trim().parse::<u16>()), (Ok(a), Ok(b)) if a <= port && port <= b),
        None => p.trim_start_matches("tcp/").parse::<u16>() == Ok(port),
    })
}

/// Whether a rule's source covers the flow's source group. Without named
/// sources in the manifest only `any` rules are known to apply.
fn source_matches(rule: &str, flow: &Flow) -> bool {
    if is_any(rule) {
        return true;
    }
    if flow.source_addresses.is_empty() {
        return false;
    }
    if rule.eq_ignore_ascii_case(&flow.source) {
        return true;
    }
    let Some(net) = Cidr::parse(rule) else {
        return false;
    };
    flow.source_addresses
        .iter()
        .filter_map(|a| Cidr::parse(a))
        .all(|a| net.covers(&a))
}

fn name_matches(rule: &str, host: &str) -> bool {
    let (r, h) = (
        rule.trim_end_matches('.').to_ascii_lowercase(),
        host.trim_end_matches('.').to_ascii_lowercase(),
    );
    match r.strip_prefix("*.") {
        Some(suffix) => h.ends_with(&format!(".{suffix}")),
        None => r == h,
    }
}

/// Judges every flow against the rules (first matching name rule decides;
/// address rules count only when no name rule matches).
pub fn diff(flows: &mut [Flow], rules: &[FirewallRule]) {
    for f in flows.iter_mut() {
        let applicable =
            |r: &&FirewallRule| source_matches(&r.source, f) && port_matches(&r.port, f.port);
        if let Some(r) = rules
            .iter()
            .filter(applicable)
            .find(|r| name_matches(&r.destination, &f.destination))
        {
            f.status = Some(if r.allow {
                FlowStatus::Allowed
            } else {
                FlowStatus::Denied
            });
            f.matched_rule = Some(r.line);
            continue;
        }
        let ip_rules: Vec<(&FirewallRule, Cidr)> = rules
            .iter()
            .filter(applicable)
            .filter(|r| !is_any(&r.destination))
            .filter_map(|r| Cidr::parse(&r.destination).map(|c| (r, c)))
            .collect();
        let allowing: Vec<&(&FirewallRule, Cidr)> =
            ip_rules.iter().filter(|(r, _)| r.allow).collect();
        if allowing.is_empty() {
            f.status = Some(FlowStatus::Missing);
            continue;
        }
        f.matched_rule = Some(allowing[0].0.line);
        f.status = Some(match &f.resolved {
            Resolution::Addresses { addresses } => {
                let covered = |ip: &IpAddr| allowing.iter().any(|(_, c)| c.contains(*ip));
                if addresses.iter().all(covered) {
                    FlowStatus::AllowedByIp
                } else {
                    FlowStatus::StaleIp
                }
            }
            _ => FlowStatus::IpUnverified,
        });
    }
}

fn resolved_text(r: &Resolution) -> String {
    match r {
        Resolution::NotAsked => "not resolved (--no-resolve)".to_owned(),
        Resolution::Addresses { addresses } => {
            let a: Vec<String> = addresses.iter().map(ToString::to_string).collect();
            format!("{} (changing: cloud address pools)", a.join(" "))
        }
        Resolution::Failed { reason } => format!("unresolved: {reason}"),
    }
}

/// CSV for import into change tools.
pub fn render_csv(flows: &[Flow]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "source",
        "source_addresses",
        "destination_fqdn",
        "port",
        "protocol",
        "purpose",
        "tenants",
        "resolved_addresses",
        "status",
        "matched_rule_line",
    ]);
    for f in flows {
        let _ = w.write_record([
            f.source.as_str(),
            &f.source_addresses.join(" "),
            &f.destination,
            &f.port.to_string(),
            f.protocol,
            &f.purposes.join("; "),
            &f.tenants.join("; "),
            &resolved_text(&f.resolved),
            f.status.map_or("", FlowStatus::as_str),
            &f.matched_rule.map(|l| l.to_string()).unwrap_or_default(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A change request in Markdown.
pub fn render_markdown(deployment: &str, flows: &[Flow]) -> String {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = format!(
        "## Firewall change request: {}\n\nEgress from the on-premises hosts to Genesys Cloud, TCP only, no inbound flows. \
Use FQDN rules: Genesys Cloud runs on cloud provider address pools, so addresses change.\n\n",
        cell(deployment)
    );
    let with_status = flows.iter().any(|f| f.status.is_some());
    if with_status {
        let todo = flows
            .iter()
            .filter(|f| f.status.is_some_and(FlowStatus::needs_change))
            .count();
        out.push_str(&format!(
            "**{todo} of {} flows need a change.**\n\n",
            flows.len()
        ));
        out.push_str("| Status | Source | Destination | Port | Purpose | Tenants | Resolves to now | Rule line |\n|---|---|---|---|---|---|---|---|\n");
    } else {
        out.push_str("| Source | Destination | Port | Purpose | Tenants | Resolves to now |\n|---|---|---|---|---|---|\n");
    }
    for f in flows {
        let src = if f.source_addresses.is_empty() {
            f.source.clone()
        } else {
            format!("{} ({})", f.source, f.source_addresses.join(", "))
        };
        let common = format!(
            "{} | {} | {}/{} | {} | {} | {}",
            cell(&src),
            cell(&f.destination),
            f.protocol,
            f.port,
            cell(&f.purposes.join(", ")),
            cell(&f.tenants.join(", ")),
            cell(&resolved_text(&f.resolved))
        );
        if with_status {
            out.push_str(&format!(
                "| {} | {common} | {} |\n",
                f.status.map_or("", FlowStatus::as_str),
                f.matched_rule.map(|l| l.to_string()).unwrap_or_default()
            ));
        } else {
            out.push_str(&format!("| {common} |\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_helpers() {
        assert!(
            port_matches("443", 443)
                && port_matches("80,443", 443)
                && port_matches("1-1024", 443)
                && port_matches("any", 1)
        );
        assert!(!port_matches("80", 443));
        assert!(
            name_matches("*.mypurecloud.ie", "login.mypurecloud.ie")
                && !name_matches("*.mypurecloud.ie", "mypurecloud.ie")
        );
        assert!(name_matches(
            "LOGIN.mypurecloud.ie.",
            "login.mypurecloud.ie"
        ));
        let c = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(
            c.contains("10.1.2.3".parse().unwrap()) && !c.contains("11.0.0.1".parse().unwrap())
        );
        assert!(
            c.covers(&Cidr::parse("10.20.0.0/16").unwrap())
                && !c.covers(&Cidr::parse("0.0.0.0/0").unwrap())
        );
    }
}

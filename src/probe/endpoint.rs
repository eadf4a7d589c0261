//! Required endpoints: what every on-prem host must reach, derived from the
//! deployment and deduplicated so each `(host, port)` is probed once however
//! many tenants need it.

use crate::evidence::Deployment;
use crate::probe::proxy::host_port;
use serde::Serialize;
use std::collections::BTreeSet;

/// Why an endpoint is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// Host of `general/base_auth_url` (OAuth token endpoint).
    Auth,
    /// Host of `general/base_service_url` (Platform API).
    Api,
    /// Host of the `pureengage` identity provider's `ssoTargetURI`.
    SsoTarget,
    /// `network.extra_endpoints` in the manifest.
    Extra,
}

impl Purpose {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Purpose::Auth => "auth",
            Purpose::Api => "api",
            Purpose::SsoTarget => "sso-target",
            Purpose::Extra => "extra",
        }
    }
}

/// One `(host, port)` to probe and everything that needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Lowercase host name or IP literal (IPv6 without brackets).
    pub host: String,
    pub port: u16,
    pub tenants: BTreeSet<String>,
    pub purposes: BTreeSet<Purpose>,
    /// `base_auth_url`s on this endpoint (NET005 posts to each).
    pub token_urls: Vec<String>,
    /// `base_service_url`s on this endpoint (NET006 gets `v2/organizations/me`).
    pub api_urls: Vec<String>,
}

impl Endpoint {
    /// An endpoint with no tenant or URL attached yet.
    pub fn new(host: &str, port: u16) -> Endpoint {
        Endpoint {
            host: normalize_host(host),
            port,
            tenants: BTreeSet::new(),
            purposes: BTreeSet::new(),
            token_urls: Vec::new(),
            api_urls: Vec::new(),
        }
    }

    /// `endpoint:<host>:<port>` (IPv6 in brackets), the subject reports use.
    #[must_use]
    pub fn subject(&self) -> String {
        format!("endpoint:{}", self.authority())
    }

    /// `host:port`, IPv6 in brackets.
    #[must_use]
    pub fn authority(&self) -> String {
        host_port(&self.host, self.port)
    }

    /// The host as an IP address, when it is a literal.
    #[must_use]
    pub fn ip_literal(&self) -> Option<std::net::IpAddr> {
        self.host.parse().ok()
    }

    /// Parses `host:port` (`[v6]:port`).
    pub fn parse_host_port(s: &str) -> Option<Endpoint> {
        let (host, port) = s.trim().rsplit_once(':')?;
        let port = port.parse::<u16>().ok().filter(|p| *p > 0)?;
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        (!host.is_empty() && !host.contains('/')).then(|| Endpoint::new(host, port))
    }

    /// Parses an absolute `http(s)` URL into its endpoint.
    pub fn from_url(url: &str) -> Option<Endpoint> {
        let u = url::Url::parse(url.trim()).ok()?;
        if !matches!(u.scheme(), "https" | "http") {
            return None;
        }
        let host = match u.host()? {
            url::Host::Domain(d) => d.to_owned(),
            url::Host::Ipv4(a) => a.to_string(),
            url::Host::Ipv6(a) => a.to_string(),
        };
        Some(Endpoint::new(&host, u.port_or_known_default()?))
    }
}

fn normalize_host(h: &str) -> String {
    h.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Every endpoint the deployment needs, in first-seen order, deduplicated by
/// `(host, port)`: each tenant's auth and API hosts, the `ssoTargetURI` host
/// when cloud evidence holds the identity provider, then
/// `network.extra_endpoints` (needed by every tenant). Unparsable URLs are left
/// to the CFG rules.
pub fn required_endpoints(d: &Deployment) -> Vec<Endpoint> {
    let mut out: Vec<Endpoint> = Vec::new();
    for t in &d.tenants {
        let tenant = std::slice::from_ref(&t.name);
        if let Some(obj) = t.object() {
            for (option, purpose) in [
                ("base_auth_url", Purpose::Auth),
                ("base_service_url", Purpose::Api),
            ] {
                if let Some(v) = obj.option("general", option)
                    && let Some(ep) = Endpoint::from_url(&v.text)
                {
                    add(&mut out, ep, tenant, purpose, Some(&v.text));
                }
            }
        }
        if let Some(cloud) = &t.cloud
            && let Ok(Some(idp)) = cloud.pureengage()
            && let Some(ep) = idp
                .get("ssoTargetURI")
                .and_then(|v| v.as_str())
                .and_then(Endpoint::from_url)
        {
            add(&mut out, ep, tenant, Purpose::SsoTarget, None);
        }
    }
    let all: Vec<String> = d.tenants.iter().map(|t| t.name.clone()).collect();
    for extra in &d.network.extra_endpoints {
        if let Some(ep) = Endpoint::parse_host_port(extra) {
            add(&mut out, ep, &all, Purpose::Extra, None);
        }
    }
    out
}

/// Merges one need into the list (dedup by host and port).
fn add(
    out: &mut Vec<Endpoint>,
    ep: Endpoint,
    tenants: &[String],
    purpose: Purpose,
    url: Option<&str>,
) {
    let idx = match out
        .iter()
        .position(|e| e.host == ep.host && e.port == ep.port)
    {
        Some(i) => i,
        None => {
            out.push(ep);
            out.len() - 1
        }
    };
    let e = &mut out[idx];
    e.tenants.extend(tenants.iter().cloned());
    e.purposes.insert(purpose);
    let list = match (purpose, url) {
        (Purpose::Auth, Some(_)) => &mut e.token_urls,
        (Purpose::Api, Some(_)) => &mut e.api_urls,
        _ => return,
    };
    let u = url.unwrap_or_default().trim().to_owned();
    if !list.contains(&u) {
        list.push(u);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_host_ports_parse() {
        let e = Endpoint::from_url("https://Login.MyPureCloud.ie/oauth/token").unwrap();
        assert_eq!((e.host.as_str(), e.port), ("login.mypurecloud.ie", 443));
        assert_eq!(e.subject(), "endpoint:login.mypurecloud.ie:443");
        let v6 = Endpoint::from_url("https://[::1]:8443/api/").unwrap();
        assert_eq!(v6.subject(), "endpoint:[::1]:8443");
        assert!(Endpoint::from_url("ftp://x/").is_none());
        assert!(Endpoint::from_url("not a url").is_none());
        let hp = Endpoint::parse_host_port("[fd00::1]:443").unwrap();
        assert_eq!((hp.host.as_str(), hp.port), ("fd00::1", 443));
        assert!(Endpoint::parse_host_port("host").is_none());
        assert!(Endpoint::parse_host_port("host:0").is_none());
    }
}

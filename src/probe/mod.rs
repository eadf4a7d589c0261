//! Live network probes from the host that runs the audit: DNS, TCP, TLS and
//! HTTP to every required endpoint (rules NET001–NET007).
//!
//! ```text
//! required_endpoints(deployment) ─► probe_all(endpoints, config) ─► net001 … net007
//!   dedup by (host, port)            bounded, deadline-aware,          one Outcome per
//!                                    each endpoint probed once         rule and endpoint
//! ```
//!
//! Each endpoint goes through the stages in order; a stage that cannot run
//! because an earlier one failed records why (`dns-failed`, `tcp-failed`,
//! `tls-failed`), so a later rule reports `skip` with that reason and never
//! `pass`. Every report names what produced it: the resolver, the path
//! (direct, pinned by `--connect-to`, or the proxy), the trust store and the
//! local source address.

pub mod config;
pub mod dns;
pub mod endpoint;
pub mod http;
pub mod proxy;
mod run;
pub mod tcp;
pub mod tls;
pub mod verdict;

pub use config::{ConnectTo, Depth, ProbeConfig, parse_resolver};
pub use endpoint::{Endpoint, Purpose, required_endpoints};
pub use proxy::{NoProxy, ProxySetting, ProxySource};
pub use run::probe_all;
pub use verdict::{net001, net002, net003, net004, net005, net006, net007};

use serde_json::{Value, json};
use std::net::{IpAddr, SocketAddr};

/// How connections to an endpoint are made.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Direct,
    /// `--connect-to` sends connections to `target` (takes precedence over a proxy).
    Pinned {
        rule: String,
        target: SocketAddr,
    },
    /// Through the proxy (its redacted display form).
    Proxy {
        proxy: String,
    },
}

impl Route {
    /// `direct`, `direct to 10.1.2.3:443 (--connect-to …)`, `proxy http://…`.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Route::Direct => "direct".to_owned(),
            Route::Pinned { rule, target } => format!("direct to {target} (--connect-to {rule})"),
            Route::Proxy { proxy } => format!("proxy {proxy}"),
        }
    }
}

/// The DNS stage.
#[derive(Debug, Clone, PartialEq)]
pub enum DnsResult {
    /// The host is an IP address: nothing to resolve.
    Literal(IpAddr),
    /// Pinned by `--connect-to`: DNS not consulted.
    Pinned(SocketAddr),
    /// A proxy carries the connection and resolves the name.
    ByProxy,
    Answered(dns::Lookup),
    /// The resolver could not be set up (unreadable resolv.conf …).
    ResolverError(String),
    NotRun {
        reason: &'static str,
        message: String,
    },
}

/// The proxy leg: resolving and reaching the proxy, then `CONNECT`.
#[derive(Debug, Clone, PartialEq)]
pub struct ProxyLeg {
    pub proxy: String,
    /// `host:port` asked in `CONNECT`.
    pub authority: String,
    /// How the proxy's own name resolved; `None` for an IP or pinned proxy.
    pub dns: Option<dns::Lookup>,
    /// Connection attempts to the proxy's addresses (stops at the first open one).
    pub attempts: Vec<tcp::TcpAttempt>,
    /// `None` when no proxy address was reachable.
    pub tunnel: Option<proxy::Tunnel>,
    pub has_credentials: bool,
}

/// The TCP stage.
#[derive(Debug, Clone, PartialEq)]
pub enum TcpResult {
    NotRun {
        reason: &'static str,
        message: String,
    },
    /// Every resolved (or pinned) address, in order.
    Direct(Vec<tcp::TcpAttempt>),
    Proxy(ProxyLeg),
}

/// Everything probed for one endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointReport {
    pub endpoint: Endpoint,
    pub route: Route,
    /// Which resolver answered (or why none was asked).
    pub resolver: String,
    pub trust_store: String,
    pub dns: DnsResult,
    pub tcp: TcpResult,
    pub tls: tls::TlsResult,
    pub http: http::HttpResult,
    pub elapsed_ms: f64,
}

impl EndpointReport {
    /// `endpoint:<host>:<port>`.
    #[must_use]
    pub fn subject(&self) -> String {
        self.endpoint.subject()
    }

    /// The local source address of the connection that got furthest.
    #[must_use]
    pub fn local_address(&self) -> Option<SocketAddr> {
        let attempts = match &self.tcp {
            TcpResult::Direct(a) => a.as_slice(),
            TcpResult::Proxy(p) => p.attempts.as_slice(),
            TcpResult::NotRun { .. } => &[],
        };
        attempts
            .iter()
            .find(|a| a.state == tcp::PortState::Open)
            .or_else(|| attempts.iter().find(|a| a.local.is_some()))
            .and_then(|a| a.local)
    }

    /// Provenance every outcome carries.
    #[must_use]
    pub fn provenance(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("endpoint", json!(self.endpoint.authority())),
            ("tenants", json!(self.endpoint.tenants)),
            ("purposes", json!(self.endpoint.purposes)),
            ("resolver", json!(self.resolver)),
            ("path", json!(self.route.describe())),
            ("trust_store", json!(self.trust_store)),
            (
                "local_address",
                json!(self.local_address().map(|a| a.to_string())),
            ),
        ]
    }
}

//! DNS with hickory-resolver: the system configuration by default, or the one
//! server `--resolver` names. A and AAAA are asked separately so NXDOMAIN,
//! SERVFAIL, a timeout and an empty answer stay distinct, per family.

use crate::probe::config::ProbeConfig;
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::ProtoError;
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{RData, RecordType};
use serde_json::{Value, json};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

/// A configured resolver and how to name it in reports.
pub struct Dns {
    resolver: TokioResolver,
    /// `system (10.0.0.2:53 from /etc/resolv.conf)` or `127.0.0.1:5353 (--resolver)`.
    pub description: String,
}

impl std::fmt::Debug for Dns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dns")
            .field("description", &self.description)
            .finish()
    }
}

impl Dns {
    /// Builds the resolver; per-query timeout is the probe timeout and hickory
    /// makes one attempt (our own retry loop decides about retries).
    pub fn new(cfg: &ProbeConfig) -> Result<Dns, String> {
        let (mut builder, description) = match cfg.resolver {
            Some(addr) => {
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = addr.port();
                let ns = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
                let mut b = TokioResolver::builder_with_config(
                    ResolverConfig::from_name_servers(vec![ns]),
                    TokioRuntimeProvider::default(),
                );
                b.options_mut().use_hosts_file = ResolveHosts::Never;
                (b, format!("{} (--resolver)", describe_addr(addr)))
            }
            None => {
                let b = TokioResolver::builder_tokio().map_err(|e| {
                    format!("cannot read the system DNS configuration (/etc/resolv.conf): {e}")
                })?;
                (b, system_description())
            }
        };
        let o = builder.options_mut();
        o.timeout = cfg.timeout;
        o.attempts = 1;
        o.num_concurrent_reqs = 1;
        let resolver = builder
            .build()
            .map_err(|e| format!("cannot build the DNS resolver: {e}"))?;
        Ok(Dns {
            resolver,
            description,
        })
    }

    /// Looks up A and AAAA for `host`, each within the probe budget and the
    /// run deadline, retrying only timeouts.
    pub async fn lookup(
        &self,
        host: &str,
        timeout: Duration,
        deadline: Instant,
        retries: u32,
    ) -> Lookup {
        let started = Instant::now();
        // A dotted name is asked as-is (FQDN), so search domains cannot turn
        // an NXDOMAIN into someone else's answer.
        let name = if host.contains('.') && !host.ends_with('.') {
            format!("{host}.")
        } else {
            host.to_owned()
        };
        let (a, aaaa) = tokio::join!(
            self.family(&name, RecordType::A, timeout, deadline, retries),
            self.family(&name, RecordType::AAAA, timeout, deadline, retries)
        );
        Lookup {
            a,
            aaaa,
            elapsed_ms: started.elapsed().as_secs_f64() * 1e3,
        }
    }

    /// A plain address lookup (for names only the HTTP client meets).
    pub async fn lookup_ip(&self, host: &str) -> Result<Vec<IpAddr>, String> {
        self.resolver
            .lookup_ip(host)
            .await
            .map(|l| l.iter().collect())
            .map_err(|e| e.to_string())
    }

    async fn family(
        &self,
        name: &str,
        rt: RecordType,
        timeout: Duration,
        deadline: Instant,
        retries: u32,
    ) -> Answer {
        let mut backoff = Duration::from_millis(100);
        let mut attempt = 0;
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Answer::Deadline;
            }
            let until = (now + timeout).min(deadline);
            let answer =
                match tokio::time::timeout_at(until.into(), self.resolver.lookup(name, rt)).await {
                    Ok(Ok(l)) => {
                        let ips: Vec<IpAddr> = l
                            .answers()
                            .iter()
                            .filter_map(|r| match &r.data {
                                RData::A(a) => Some(IpAddr::V4(a.0)),
                                RData::AAAA(a) => Some(IpAddr::V6(a.0)),
                                _ => None,
                            })
                            .collect();
                        if ips.is_empty() {
                            Answer::NoData
                        } else {
                            Answer::Addresses(ips)
                        }
                    }
                    Ok(Err(e)) => classify(&e),
                    Err(_) if until == deadline && Instant::now() >= deadline => Answer::Deadline,
                    Err(_) => Answer::Timeout,
                };
            if answer != Answer::Timeout || attempt >= retries {
                return answer;
            }
            attempt += 1;
            let pause = backoff.min(deadline.saturating_duration_since(Instant::now()));
            tokio::time::sleep(pause).await;
            backoff *= 2;
        }
    }
}

fn describe_addr(a: SocketAddr) -> String {
    a.to_string()
}

/// Names the system's name servers, as a network team would check them.
fn system_description() -> String {
    match hickory_resolver::system_conf::read_system_conf() {
        Ok((conf, _)) => {
            let servers: Vec<String> = conf
                .name_servers()
                .iter()
                .map(|ns| {
                    describe_addr(SocketAddr::new(
                        ns.ip,
                        ns.connections.first().map_or(53, |c| c.port),
                    ))
                })
                .collect();
            format!("system ({} from /etc/resolv.conf)", servers.join(", "))
        }
        Err(_) => "system".to_owned(),
    }
}

/// What the server said for one record type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Addresses(Vec<IpAddr>),
    /// The name does not exist.
    NxDomain,
    /// The name exists but has no record of this type (NOERROR, empty answer).
    NoData,
    ServFail,
    Refused,
    /// Another error response code.
    Rcode(String),
    /// No answer within the probe timeout.
    Timeout,
    /// The run deadline passed first.
    Deadline,
    /// The answer could not be decoded (cut off, corrupt).
    Malformed(String),
    /// The answer had the TC flag and the query over TCP failed too.
    Truncated,
    /// Anything else (no name server reachable …).
    Error(String),
}

fn classify(e: &NetError) -> Answer {
    match e {
        NetError::Dns(DnsError::NoRecordsFound(nr)) => match nr.response_code {
            ResponseCode::NXDomain => Answer::NxDomain,
            ResponseCode::NoError => Answer::NoData,
            ResponseCode::ServFail => Answer::ServFail,
            ResponseCode::Refused => Answer::Refused,
            c => Answer::Rcode(c.to_string()),
        },
        NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail)) => Answer::ServFail,
        NetError::Dns(DnsError::ResponseCode(ResponseCode::Refused)) => Answer::Refused,
        NetError::Dns(DnsError::ResponseCode(c)) => Answer::Rcode(c.to_string()),
        NetError::Proto(p @ (ProtoError::Decode(_) | ProtoError::FormError { .. })) => {
            Answer::Malformed(p.to_string())
        }
        NetError::Truncated => Answer::Truncated,
        NetError::Timeout => Answer::Timeout,
        NetError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => Answer::Timeout,
        other => Answer::Error(other.to_string()),
    }
}

impl Answer {
    /// Short text for evidence.
    #[must_use]
    pub fn label(&self) -> String {
        match self {
            Answer::Addresses(a) => format!("{} address(es)", a.len()),
            Answer::NxDomain => "NXDOMAIN".into(),
            Answer::NoData => "no records (NOERROR)".into(),
            Answer::ServFail => "SERVFAIL".into(),
            Answer::Refused => "REFUSED".into(),
            Answer::Rcode(c) => format!("response code {c}"),
            Answer::Timeout => "timeout".into(),
            Answer::Deadline => "run deadline passed".into(),
            Answer::Malformed(e) => format!("malformed answer: {e}"),
            Answer::Truncated => "truncated answer (TC), and TCP failed".into(),
            Answer::Error(e) => e.clone(),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Answer::Addresses(a) => json!(a.iter().map(ToString::to_string).collect::<Vec<_>>()),
            other => json!(other.label()),
        }
    }
}

/// Both families' answers for one name.
#[derive(Debug, Clone, PartialEq)]
pub struct Lookup {
    pub a: Answer,
    pub aaaa: Answer,
    pub elapsed_ms: f64,
}

impl Lookup {
    /// Every address, IPv4 first.
    #[must_use]
    pub fn addresses(&self) -> Vec<IpAddr> {
        let mut out = Vec::new();
        for ans in [&self.a, &self.aaaa] {
            if let Answer::Addresses(a) = ans {
                out.extend(a.iter().copied());
            }
        }
        out
    }

    /// When no address came back: the machine reason and a phrase, most
    /// decisive answer first (a name that does not exist beats a timeout on
    /// the other family; empty answers only when both are empty).
    #[must_use]
    pub fn failure(&self) -> Option<(&'static str, String)> {
        if !self.addresses().is_empty() {
            return None;
        }
        let both = [&self.a, &self.aaaa];
        let any = |f: &dyn Fn(&Answer) -> bool| both.iter().any(|a| f(a));
        Some(if any(&|a| *a == Answer::NxDomain) {
            ("nxdomain", "the name does not exist (NXDOMAIN)".to_owned())
        } else if any(&|a| *a == Answer::ServFail) {
            (
                "servfail",
                "the DNS server failed to answer (SERVFAIL)".to_owned(),
            )
        } else if any(&|a| *a == Answer::Refused) {
            (
                "dns-refused",
                "the DNS server refused the query (REFUSED)".to_owned(),
            )
        } else if any(&|a| *a == Answer::Truncated) {
            (
                "dns-truncated",
                "the DNS server sent a truncated answer and the query over TCP failed".to_owned(),
            )
        } else if let Some(Answer::Malformed(e)) = both
            .iter()
            .find(|a| matches!(a, Answer::Malformed(_)))
            .copied()
        {
            (
                "dns-malformed",
                format!("the DNS server's answer could not be decoded ({e})"),
            )
        } else if any(&|a| *a == Answer::Deadline) {
            (
                "run-deadline",
                "the run deadline passed before DNS answered".to_owned(),
            )
        } else if any(&|a| *a == Answer::Timeout) {
            (
                "dns-timeout",
                "the DNS server did not answer in time".to_owned(),
            )
        } else if let Some(Answer::Rcode(c)) =
            both.iter().find(|a| matches!(a, Answer::Rcode(_))).copied()
        {
            (
                "dns-error",
                format!("the DNS server answered with response code {c}"),
            )
        } else if let Some(Answer::Error(e)) =
            both.iter().find(|a| matches!(a, Answer::Error(_))).copied()
        {
            ("dns-error", format!("the lookup failed: {e}"))
        } else {
            (
                "no-addresses",
                "the name exists but has no A or AAAA record".to_owned(),
            )
        })
    }

    /// Evidence: each family's answer.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({"a": self.a.to_json(), "aaaa": self.aaaa.to_json(), "elapsed_ms": round_ms(self.elapsed_ms)})
    }
}

pub(crate) fn round_ms(ms: f64) -> f64 {
    (ms * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(a: Answer, aaaa: Answer) -> Lookup {
        Lookup {
            a,
            aaaa,
            elapsed_ms: 0.0,
        }
    }

    #[test]
    fn failure_prefers_decisive_answers() {
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(
            l(Answer::Addresses(vec![ip]), Answer::Timeout).failure(),
            None
        );
        assert_eq!(
            l(Answer::NxDomain, Answer::Timeout).failure().unwrap().0,
            "nxdomain"
        );
        assert_eq!(
            l(Answer::NoData, Answer::Timeout).failure().unwrap().0,
            "dns-timeout"
        );
        assert_eq!(
            l(Answer::NoData, Answer::NoData).failure().unwrap().0,
            "no-addresses"
        );
        assert_eq!(
            l(Answer::ServFail, Answer::NoData).failure().unwrap().0,
            "servfail"
        );
        assert_eq!(
            l(Answer::Truncated, Answer::Timeout).failure().unwrap().0,
            "dns-truncated"
        );
        assert_eq!(
            l(Answer::Malformed("x".into()), Answer::Timeout)
                .failure()
                .unwrap()
                .0,
            "dns-malformed"
        );
        assert_eq!(
            l(Answer::Error("x".into()), Answer::NoData)
                .failure()
                .unwrap()
                .0,
            "dns-error"
        );
    }
}

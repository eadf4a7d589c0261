//! NET008 from a target's flows, and the TCP refinement the live audit uses
//! to tell a firewall's forged reset or ICMP reject apart from the host.

use super::Target;
use super::flows::{AddressFlows, Analyzer, ForgedReset, TargetFlows, Verdict};
use super::read::{LinkType, RawPacket};
use super::write::CapturedPacket;
use crate::result::Outcome;
use serde_json::{Value, json};
use std::net::{IpAddr, SocketAddr};

/// NET008 for one target: pass when a TLS handshake completed; fail with
/// `no-response`, `conn-refused`, `forged-reset`, `admin-prohibited`,
/// `host-unreach`, `net-unreach`, `port-unreach`, `tls-alert`,
/// `no-server-hello`, `no-dns-answer`; warn `some-addresses-failed`; skip
/// `not-seen`, `no-connection-seen`, `no-tls-seen` when the capture cannot tell.
#[must_use]
pub fn net008(t: &TargetFlows) -> Outcome {
    let ep = authority(&t.host, t.port);
    let first = |v: Verdict| t.addresses.iter().find(|a| a.verdict == v);
    let o = match t.verdict {
        Verdict::HandshakeCompleted => {
            let addrs = list(
                t.addresses
                    .iter()
                    .filter(|a| a.verdict == Verdict::HandshakeCompleted)
                    .map(|a| a.address),
            );
            let versions: Vec<String> = t
                .addresses
                .iter()
                .flat_map(|a| a.tls_versions.iter().cloned())
                .collect();
            Outcome::pass(format!(
                "a TLS handshake with {ep} completed in the capture (ServerHello from {addrs}{})",
                if versions.is_empty() {
                    String::new()
                } else {
                    format!(", {}", versions.join(", "))
                }
            ))
        }
        Verdict::SomeAddressesFailed => {
            let ok = list(
                t.addresses
                    .iter()
                    .filter(|a| a.verdict == Verdict::HandshakeCompleted)
                    .map(|a| a.address),
            );
            let bad: Vec<String> = t
                .addresses
                .iter()
                .filter(|a| !matches!(a.verdict, Verdict::HandshakeCompleted | Verdict::NotSeen))
                .map(|a| format!("{} ({})", a.address, a.verdict.as_str()))
                .collect();
            Outcome::warn(
                "some-addresses-failed",
                format!(
                    "{ep} completed a TLS handshake on {ok} but failed on {}; clients that pick a failing address will not connect",
                    bad.join(", ")
                ),
            )
        }
        Verdict::NotSeen => Outcome::skip(
            "not-seen",
            format!(
                "the capture holds no DNS, TCP or TLS packet for {ep}; capture on the on-prem host while it connects to the endpoint"
            ),
        ),
        Verdict::NoConnectionSeen => Outcome::skip(
            "no-connection-seen",
            format!(
                "DNS answered for {} ({}) but the capture shows no connection to port {}; capture while the host connects",
                t.host,
                list(t.dns.answers.iter().copied()),
                t.port
            ),
        ),
        Verdict::NoTlsSeen => Outcome::skip(
            "no-tls-seen",
            format!(
                "TCP connections to {ep} were answered but no TLS ClientHello naming {} was seen, so the TLS stage cannot be judged",
                t.host
            ),
        ),
        Verdict::NoDnsAnswer => {
            let rcodes = if t.dns.error_rcodes.is_empty() {
                String::new()
            } else {
                format!(" ({})", t.dns.error_rcodes.join(", "))
            };
            Outcome::fail(
                "no-dns-answer",
                format!(
                    "{} was queried {} time(s) but no DNS answer with an address was seen{rcodes}; check the resolver this host uses",
                    t.host, t.dns.queries
                ),
            )
        }
        v => match first(v) {
            Some(a) => failure(v, a, &t.host, t.port),
            None => Outcome::error(
                "inconsistent-analysis",
                format!("the capture analysis for {ep} has no address with its verdict"),
            ),
        },
    };
    o.with("verdict", t.verdict.as_str())
        .with("dns", serde_json::to_value(&t.dns).unwrap_or(Value::Null))
        .with(
            "addresses",
            serde_json::to_value(&t.addresses).unwrap_or(Value::Null),
        )
}

fn failure(v: Verdict, a: &AddressFlows, host: &str, port: u16) -> Outcome {
    let at = authority(&a.address.to_string(), port);
    match v {
        Verdict::NoResponse => Outcome::fail(
            "no-response",
            format!(
                "{} SYN(s) to {at} went unanswered (no SYN-ACK, reset or ICMP error): a firewall drops them silently",
                a.syns
            ),
        ),
        Verdict::ConnRefused => {
            let ttl = a.reset_samples.first().map(|r| r.ttl).unwrap_or_default();
            Outcome::fail(
                "conn-refused",
                format!(
                    "{at} answered the SYN with a reset (TTL {ttl}): nothing listens on port {port} there, or a firewall rejects it{}",
                    if a.path_synack_ttls.is_empty() {
                        " (no SYN-ACK from this address to compare TTLs with)"
                    } else {
                        ""
                    }
                ),
            )
        }
        Verdict::ForgedReset => match &a.forged_reset {
            Some(f) => Outcome::fail("forged-reset", forged_message(f, &at)),
            None => Outcome::error(
                "inconsistent-analysis",
                format!("the forged reset for {at} has no details"),
            ),
        },
        Verdict::AdminProhibited
        | Verdict::HostUnreach
        | Verdict::NetUnreach
        | Verdict::PortUnreach => {
            let kind = v.as_str();
            match a
                .icmp_samples
                .iter()
                .find(|i| i.kind == kind || (v == Verdict::NetUnreach && i.kind == "ttl-exceeded"))
            {
                Some(i) => Outcome::fail(
                    kind,
                    format!(
                        "{} answered the connection to {at} with ICMP{} type {} code {} ({}){}",
                        i.from,
                        if i.v6 { "v6" } else { "" },
                        i.icmp_type,
                        i.code,
                        kind,
                        if v == Verdict::AdminProhibited {
                            ": a firewall rule on that router rejects it"
                        } else {
                            ""
                        }
                    ),
                )
                .with("router", i.from.to_string()),
                None => Outcome::error(
                    "inconsistent-analysis",
                    format!("the ICMP error for {at} is missing"),
                ),
            }
        }
        Verdict::TlsAlert => {
            let (side, alert) = match (
                a.server_alerts.iter().find(|x| x.level == 2),
                a.client_alerts.first(),
            ) {
                (Some(x), _) => ("the server sent", x),
                (None, Some(x)) => ("the client sent", x),
                (None, None) => {
                    return Outcome::error(
                        "inconsistent-analysis",
                        format!("the TLS alert for {at} is missing"),
                    );
                }
            };
            Outcome::fail(
                "tls-alert",
                format!(
                    "{side} TLS alert {} ({}) during the handshake with {host} at {at}",
                    alert.name, alert.description
                ),
            )
        }
        Verdict::NoServerHello => {
            let reset = a
                .reset_samples
                .iter()
                .any(|r| r.stage == "after-client-hello");
            Outcome::fail(
                "no-server-hello",
                format!(
                    "{} ClientHello(s) for {host} went to {at} but no ServerHello came back{}",
                    a.client_hellos,
                    if reset {
                        "; the connection was reset instead (SNI filtering?)"
                    } else {
                        ""
                    }
                ),
            )
        }
        other => Outcome::error(
            "inconsistent-analysis",
            format!("unexpected verdict {} for {at}", other.as_str()),
        ),
    }
}

fn forged_message(f: &ForgedReset, at: &str) -> String {
    match f.evidence {
        "ttl-mismatch" => format!(
            "a reset for {at} arrived with TTL {} while the path's SYN-ACKs have TTL {}: a firewall on the path answered for the host",
            f.reset_ttl,
            f.path_synack_ttls
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("/")
        ),
        _ => format!(
            "a reset for {at} arrived {} ms after the SYN, faster than the path's {} ms round trip allows: a firewall on the path answered for the host",
            f.after_syn_ms.unwrap_or_default(),
            f.path_rtt_ms.unwrap_or_default()
        ),
    }
}

/// What the packets of a failed TCP probe add to its verdict.
#[derive(Debug, Clone, PartialEq)]
pub enum TcpRefinement {
    /// A reset that the host did not send.
    ForgedReset(ForgedReset),
    /// An ICMP error naming the router that sent it.
    Icmp {
        reason: &'static str,
        router: IpAddr,
        icmp_type: u8,
        code: u8,
    },
    /// A reset consistent with the host (or nothing to compare it with).
    ConnRefused { reset_ttl: u8 },
    /// Nothing came back.
    NoResponse { syns: u32 },
}

impl TcpRefinement {
    /// The stable reason code (`forged-reset`, `admin-prohibited`, `host-unreach`,
    /// `net-unreach`, `port-unreach`, `conn-refused`, `no-response`).
    #[must_use]
    pub fn reason(&self) -> &'static str {
        match self {
            TcpRefinement::ForgedReset(_) => "forged-reset",
            TcpRefinement::Icmp { reason, .. } => reason,
            TcpRefinement::ConnRefused { .. } => "conn-refused",
            TcpRefinement::NoResponse { .. } => "no-response",
        }
    }

    /// One sentence for the report.
    #[must_use]
    pub fn message(&self, server: SocketAddr) -> String {
        let at = server.to_string();
        match self {
            TcpRefinement::ForgedReset(f) => forged_message(f, &at),
            TcpRefinement::Icmp {
                reason,
                router,
                icmp_type,
                code,
            } => {
                format!(
                    "{router} answered the connection to {at} with ICMP type {icmp_type} code {code} ({reason})"
                )
            }
            TcpRefinement::ConnRefused { reset_ttl } => {
                format!(
                    "{at} answered the SYN with a reset (TTL {reset_ttl}) consistent with the host itself"
                )
            }
            TcpRefinement::NoResponse { syns } => {
                format!("the capture shows {syns} SYN(s) to {at} and nothing back")
            }
        }
    }

    /// Evidence fields for the report.
    #[must_use]
    pub fn evidence(&self) -> Value {
        match self {
            TcpRefinement::ForgedReset(f) => json!({"reason": "forged-reset", "forged_reset": f}),
            TcpRefinement::Icmp {
                reason,
                router,
                icmp_type,
                code,
            } => {
                json!({"reason": reason, "router": router.to_string(), "icmp_type": icmp_type, "icmp_code": code})
            }
            TcpRefinement::ConnRefused { reset_ttl } => {
                json!({"reason": "conn-refused", "reset_ttl": reset_ttl})
            }
            TcpRefinement::NoResponse { syns } => json!({"reason": "no-response", "syns": syns}),
        }
    }
}

/// Refines a failed TCP probe of `server` from the packets captured during
/// it: a reset whose TTL differs from the path's SYN-ACKs (or that arrives
/// faster than the path allows) is `forged-reset`; ICMP 3/13 is
/// `admin-prohibited` naming the router; silence is `no-response`. `None`
/// when the packets show no attempt, or a connection that worked.
#[must_use]
pub fn refine_tcp_verdict(
    link: LinkType,
    packets: &[CapturedPacket],
    server: SocketAddr,
) -> Option<TcpRefinement> {
    let mut an = Analyzer::new(&[Target {
        host: server.ip().to_string(),
        port: server.port(),
    }]);
    for p in packets {
        an.packet(&RawPacket {
            link,
            ts: p.ts,
            data: &p.data,
            orig_len: p.orig_len,
        });
    }
    let analysis = an.finish("");
    let a = analysis.per_target.first()?.addresses.first()?;
    match a.verdict {
        Verdict::ForgedReset => a.forged_reset.clone().map(TcpRefinement::ForgedReset),
        v @ (Verdict::AdminProhibited
        | Verdict::HostUnreach
        | Verdict::NetUnreach
        | Verdict::PortUnreach) => {
            let i = a
                .icmp_samples
                .iter()
                .find(|i| i.kind == v.as_str() || i.kind == "ttl-exceeded")?;
            Some(TcpRefinement::Icmp {
                reason: v.as_str(),
                router: i.from,
                icmp_type: i.icmp_type,
                code: i.code,
            })
        }
        Verdict::ConnRefused => Some(TcpRefinement::ConnRefused {
            reset_ttl: a.reset_samples.first()?.ttl,
        }),
        Verdict::NoResponse => Some(TcpRefinement::NoResponse { syns: a.syns }),
        _ => None,
    }
}

fn authority(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn list(addrs: impl Iterator<Item = IpAddr>) -> String {
    addrs.map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
}

//! Per-endpoint flow analysis: one streaming pass collects DNS answers,
//! TCP handshakes, resets, ICMP errors and TLS hellos per server address and
//! port; [`Analyzer::finish`] then joins them to the targets and judges each.
//!
//! Everything kept is bounded (see the `MAX_*` constants); when a bound is
//! hit the analysis says so in [`CaptureAnalysis::limits_hit`] instead of
//! silently dropping evidence.

use super::Target;
use super::decode::{self, Decoded, L4, Tcp};
use super::dns;
use super::read::{LinkType, RawPacket};
use super::tls::{self, Stream, TlsEvent};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::time::Duration;

/// Connections followed at once (each costs ~200 bytes plus hello buffers).
const MAX_FLOWS: usize = 100_000;
/// A flow with no packet for this long may be forgotten when the table is full.
const FLOW_IDLE: Duration = Duration::from_secs(120);
/// Server `(address, port)` pairs with statistics.
const MAX_ENDPOINTS: usize = 100_000;
/// DNS names remembered.
const MAX_NAMES: usize = 100_000;
/// Individual events (resets, ICMP errors, alerts) kept per endpoint; counts stay exact.
const MAX_EVENTS: usize = 32;
/// Server names remembered per endpoint.
const MAX_SNIS: usize = 64;

/// The result of reading one capture.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaptureAnalysis {
    /// Link types seen (`ethernet`, `linux-sll2`…), comma-separated.
    pub link_type: String,
    /// `pcap` or `pcapng` (empty for in-memory packets).
    pub format: String,
    pub packets: u64,
    /// Packets that are not IPv4/IPv6 TCP, UDP or ICMP (ARP, fragments, other protocols, cut-off headers).
    pub not_decoded: u64,
    /// Packets captured shorter than they were on the wire (a snap length).
    pub snapped: u64,
    /// Bounds that were reached (`flow-table-full`…): evidence may be incomplete.
    pub limits_hit: Vec<String>,
    pub per_target: Vec<TargetFlows>,
}

/// Everything the capture shows about one target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetFlows {
    pub host: String,
    pub port: u16,
    pub dns: DnsSeen,
    /// One entry per server address the target was reached at (or learned for).
    pub addresses: Vec<AddressFlows>,
    pub verdict: Verdict,
}

impl TargetFlows {
    /// `endpoint:host:port` (IPv6 in brackets), the subject reports use.
    #[must_use]
    pub fn subject(&self) -> String {
        if self.host.contains(':') {
            format!("endpoint:[{}]:{}", self.host, self.port)
        } else {
            format!("endpoint:{}:{}", self.host, self.port)
        }
    }
}

/// DNS traffic about the target's name.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DnsSeen {
    pub queries: u32,
    pub responses: u32,
    /// Response codes other than NOERROR (`NXDOMAIN`, `SERVFAIL`…).
    pub error_rcodes: Vec<String>,
    pub answers: Vec<IpAddr>,
    pub cnames: Vec<String>,
}

/// Packets exchanged with one address of a target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AddressFlows {
    pub address: IpAddr,
    /// How the address was tied to the target: `literal`, `dns`, `sni`.
    pub learned_from: Vec<&'static str>,
    /// SYN packets sent (retransmissions included).
    pub syns: u32,
    /// Distinct connection attempts (client ports).
    pub connection_attempts: u32,
    pub synacks: u32,
    /// TTLs (hop limits) of this endpoint's SYN-ACKs.
    pub synack_ttls: Vec<u8>,
    /// TTLs of SYN-ACKs from this address on any port: the path's signature.
    pub path_synack_ttls: Vec<u8>,
    /// Smallest SYN → SYN-ACK time seen to this address, in milliseconds.
    pub path_rtt_ms: Option<f64>,
    pub resets: u32,
    pub reset_samples: Vec<ResetSeen>,
    pub icmp_errors: u32,
    pub icmp_samples: Vec<IcmpSeen>,
    pub client_hellos: u32,
    pub server_hellos: u32,
    pub tls_versions: Vec<String>,
    /// Alerts the server sent (before or instead of a ServerHello).
    pub server_alerts: Vec<AlertSeen>,
    /// Alerts the client sent (e.g. rejecting the certificate).
    pub client_alerts: Vec<AlertSeen>,
    /// Set when a reset is judged forged.
    pub forged_reset: Option<ForgedReset>,
    pub verdict: Verdict,
}

/// A TCP reset from the server side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResetSeen {
    pub ttl: u8,
    /// Time since the connection's first SYN, in milliseconds.
    pub after_syn_ms: Option<f64>,
    /// `handshake` (answering the SYN), `established`, `after-client-hello`.
    pub stage: &'static str,
}

/// An ICMP error about a connection to the target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IcmpSeen {
    /// The router (or host) that sent it.
    pub from: IpAddr,
    pub icmp_type: u8,
    pub code: u8,
    pub ttl: u8,
    /// `admin-prohibited`, `host-unreach`, `net-unreach`, `port-unreach`, `ttl-exceeded`, `other`.
    pub kind: &'static str,
    pub v6: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertSeen {
    /// 1 warning, 2 fatal.
    pub level: u8,
    pub description: u8,
    pub name: String,
}

/// Why a reset is judged to come from something other than the host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForgedReset {
    pub reset_ttl: u8,
    pub path_synack_ttls: Vec<u8>,
    pub after_syn_ms: Option<f64>,
    pub path_rtt_ms: Option<f64>,
    /// `ttl-mismatch` or `faster-than-path`.
    pub evidence: &'static str,
}

/// What the packets say about a target (or one of its addresses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// A ServerHello answered a ClientHello on every address tried.
    HandshakeCompleted,
    /// Some addresses completed a handshake, others failed.
    SomeAddressesFailed,
    /// No packet for the target at all.
    NotSeen,
    /// DNS answered, but no connection to the port was attempted.
    NoConnectionSeen,
    /// TCP connected but no TLS ClientHello (for this name) was seen.
    NoTlsSeen,
    /// The name was queried but no address came back.
    NoDnsAnswer,
    /// SYNs went unanswered.
    NoResponse,
    /// The host answered the SYN with a reset.
    ConnRefused,
    /// A reset whose TTL or timing does not fit the path.
    ForgedReset,
    /// ICMP administratively prohibited.
    AdminProhibited,
    HostUnreach,
    NetUnreach,
    PortUnreach,
    /// The server sent an alert instead of a ServerHello (or the client aborted after it).
    TlsAlert,
    /// A ClientHello went unanswered.
    NoServerHello,
}

impl Verdict {
    /// The stable kebab-case code.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Verdict::HandshakeCompleted => "handshake-completed",
            Verdict::SomeAddressesFailed => "some-addresses-failed",
            Verdict::NotSeen => "not-seen",
            Verdict::NoConnectionSeen => "no-connection-seen",
            Verdict::NoTlsSeen => "no-tls-seen",
            Verdict::NoDnsAnswer => "no-dns-answer",
            Verdict::NoResponse => "no-response",
            Verdict::ConnRefused => "conn-refused",
            Verdict::ForgedReset => "forged-reset",
            Verdict::AdminProhibited => "admin-prohibited",
            Verdict::HostUnreach => "host-unreach",
            Verdict::NetUnreach => "net-unreach",
            Verdict::PortUnreach => "port-unreach",
            Verdict::TlsAlert => "tls-alert",
            Verdict::NoServerHello => "no-server-hello",
        }
    }

    /// Failures in order of how much they tell a network team (most first).
    const PRECEDENCE: [Verdict; 10] = [
        Verdict::TlsAlert,
        Verdict::ForgedReset,
        Verdict::AdminProhibited,
        Verdict::NoServerHello,
        Verdict::HostUnreach,
        Verdict::NetUnreach,
        Verdict::PortUnreach,
        Verdict::ConnRefused,
        Verdict::NoResponse,
        Verdict::NoTlsSeen,
    ];
}

/// TLS counters for one server name on one endpoint.
#[derive(Debug, Default, Clone)]
struct TlsStats {
    client_hellos: u32,
    server_hellos: u32,
    versions: BTreeSet<u16>,
    server_alerts: Vec<(u8, u8)>,
    client_alerts: Vec<(u8, u8)>,
}

/// Statistics for one server `(address, port)`.
#[derive(Debug, Default)]
struct PortStats {
    syns: u32,
    attempts: u32,
    synacks: u32,
    synack_ttls: BTreeSet<u8>,
    resets: u32,
    reset_samples: Vec<ResetSeen>,
    icmp_errors: u32,
    icmp_samples: Vec<IcmpSeen>,
    /// Keyed by lowercase SNI; `""` for hellos without one.
    tls: BTreeMap<String, TlsStats>,
}

impl PortStats {
    fn tls(&mut self, sni: &str, limits: &mut BTreeSet<&'static str>) -> Option<&mut TlsStats> {
        if !self.tls.contains_key(sni) && self.tls.len() >= MAX_SNIS {
            limits.insert("server-names-per-endpoint");
            return None;
        }
        Some(self.tls.entry(sni.to_owned()).or_default())
    }
}

/// What all SYN-ACKs from one address say about the path to it.
#[derive(Debug, Default, Clone)]
struct PathStats {
    synack_ttls: BTreeSet<u8>,
    min_rtt: Option<Duration>,
}

#[derive(Debug, Default)]
struct DnsStats {
    queries: u32,
    responses: u32,
    error_rcodes: BTreeSet<u8>,
    answers: BTreeSet<IpAddr>,
    cnames: BTreeSet<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct FlowKey {
    client: (IpAddr, u16),
    server: (IpAddr, u16),
}

#[derive(Debug, Default)]
struct Flow {
    syn_ts: Option<Duration>,
    last_ts: Duration,
    established: bool,
    sni: Option<String>,
    client_hello: bool,
    to_server: Stream,
    to_client: Stream,
}

/// The streaming state of one analysis.
#[derive(Debug)]
pub struct Analyzer {
    targets: Vec<Target>,
    /// Server ports worth following (all when there are no targets).
    ports: Option<BTreeSet<u16>>,
    /// Names whose DNS traffic is kept (all when there are no targets).
    names: Option<BTreeSet<String>>,
    link_types: Vec<LinkType>,
    packets: u64,
    not_decoded: u64,
    snapped: u64,
    flows: HashMap<FlowKey, Flow>,
    /// Capture time before which a full flow table is not swept again.
    next_sweep: Option<Duration>,
    endpoints: HashMap<(IpAddr, u16), PortStats>,
    paths: HashMap<IpAddr, PathStats>,
    /// SYN times on ports not followed, kept only to measure path round trips.
    unfollowed_syns: HashMap<FlowKey, Duration>,
    dns: HashMap<String, DnsStats>,
    limits: BTreeSet<&'static str>,
    events: Vec<TlsEvent>,
}

impl Analyzer {
    /// An analyser for these targets; with none, every TLS server name seen becomes one.
    #[must_use]
    pub fn new(targets: &[Target]) -> Analyzer {
        let targets: Vec<Target> = targets.iter().map(Target::normalized).collect();
        let (ports, names) = if targets.is_empty() {
            (None, None)
        } else {
            (
                Some(targets.iter().map(|t| t.port).collect()),
                Some(targets.iter().map(|t| t.host.clone()).collect()),
            )
        };
        Analyzer {
            targets,
            ports,
            names,
            link_types: Vec::new(),
            packets: 0,
            not_decoded: 0,
            snapped: 0,
            flows: HashMap::new(),
            next_sweep: None,
            endpoints: HashMap::new(),
            paths: HashMap::new(),
            unfollowed_syns: HashMap::new(),
            dns: HashMap::new(),
            limits: BTreeSet::new(),
            events: Vec::new(),
        }
    }

    /// Takes one captured packet.
    pub fn packet(&mut self, p: &RawPacket<'_>) {
        self.packets = self.packets.saturating_add(1);
        if !self.link_types.contains(&p.link) {
            self.link_types.push(p.link);
        }
        if (p.data.len() as u64) < u64::from(p.orig_len) {
            self.snapped = self.snapped.saturating_add(1);
        }
        match decode::decode(p.link, p.data) {
            Some(d) => self.decoded(&d, p.ts),
            None => self.not_decoded = self.not_decoded.saturating_add(1),
        }
    }

    fn follows_port(&self, port: u16) -> bool {
        self.ports.as_ref().is_none_or(|p| p.contains(&port))
    }

    fn decoded(&mut self, d: &Decoded<'_>, ts: Duration) {
        match &d.l4 {
            L4::Tcp(t) => self.tcp(d, t, ts),
            L4::Udp {
                sport,
                dport,
                payload,
            } if *sport == 53 || *dport == 53 => self.dns(payload),
            L4::Udp { .. } => {}
            L4::Icmp(i) => {
                let Some(q) = i.quoted else { return };
                // Only errors about our TCP connections (quoted packet = client → server).
                if q.protocol != 6 || !self.follows_port(q.dport) {
                    return;
                }
                let kind = icmp_kind(i.v6, i.icmp_type, i.code);
                let Some(stats) = self.endpoint(q.dst, q.dport) else {
                    return;
                };
                stats.icmp_errors = stats.icmp_errors.saturating_add(1);
                if stats.icmp_samples.len() < MAX_EVENTS {
                    stats.icmp_samples.push(IcmpSeen {
                        from: d.src,
                        icmp_type: i.icmp_type,
                        code: i.code,
                        ttl: d.ttl,
                        kind,
                        v6: i.v6,
                    });
                }
            }
        }
    }

    fn endpoint(&mut self, ip: IpAddr, port: u16) -> Option<&mut PortStats> {
        if !self.endpoints.contains_key(&(ip, port)) && self.endpoints.len() >= MAX_ENDPOINTS {
            self.limits.insert("endpoint-table-full");
            return None;
        }
        Some(self.endpoints.entry((ip, port)).or_default())
    }

    fn dns(&mut self, payload: &[u8]) {
        let Some(m) = dns::parse(payload) else { return };
        if self
            .names
            .as_ref()
            .is_some_and(|n| !n.contains(&m.question))
        {
            return;
        }
        if !self.dns.contains_key(&m.question) && self.dns.len() >= MAX_NAMES {
            self.limits.insert("dns-name-table-full");
            return;
        }
        let s = self.dns.entry(m.question).or_default();
        if !m.response {
            s.queries = s.queries.saturating_add(1);
            return;
        }
        s.responses = s.responses.saturating_add(1);
        if m.rcode != 0 {
            s.error_rcodes.insert(m.rcode);
        }
        for a in m.addresses {
            if s.answers.len() < MAX_EVENTS {
                s.answers.insert(a);
            }
        }
        for c in m.cnames {
            if s.cnames.len() < MAX_EVENTS {
                s.cnames.insert(c);
            }
        }
    }

    fn tcp(&mut self, d: &Decoded<'_>, t: &Tcp<'_>, ts: Duration) {
        // SYN-ACKs sign the path whatever the port.
        if t.syn && t.ack {
            self.path_synack(d, t, ts);
        }
        if t.syn && !t.ack {
            if !self.follows_port(t.dport) {
                if self.unfollowed_syns.len() >= MAX_FLOWS {
                    // Only round-trip samples are lost; unanswered SYNs must not pile up.
                    self.unfollowed_syns.clear();
                }
                let key = FlowKey {
                    client: (d.src, t.sport),
                    server: (d.dst, t.dport),
                };
                self.unfollowed_syns.entry(key).or_insert(ts);
                return;
            }
            let key = FlowKey {
                client: (d.src, t.sport),
                server: (d.dst, t.dport),
            };
            let new = !self.flows.contains_key(&key);
            if new && !self.room_for_flow(ts) {
                self.limits.insert("flow-table-full");
            } else {
                let f = self.flows.entry(key).or_default();
                f.syn_ts.get_or_insert(ts);
                f.last_ts = ts;
                f.to_server.start_at(t.seq.wrapping_add(1));
            }
            if let Some(s) = self.endpoint(d.dst, t.dport) {
                s.syns = s.syns.saturating_add(1);
                if new {
                    s.attempts = s.attempts.saturating_add(1);
                }
            }
            return;
        }
        // Which way does this segment go?
        let to_server = FlowKey {
            client: (d.src, t.sport),
            server: (d.dst, t.dport),
        };
        let to_client = FlowKey {
            client: (d.dst, t.dport),
            server: (d.src, t.sport),
        };
        let (key, from_server) = if self.flows.contains_key(&to_server) {
            (to_server, false)
        } else if self.flows.contains_key(&to_client) {
            (to_client, true)
        } else if self.follows_port(t.dport)
            && t.payload.first() == Some(&22)
            && t.payload.get(5) == Some(&1)
            && !t.rst
        {
            // A connection whose SYN was not captured: a record that starts
            // like a ClientHello begins following it.
            if !self.room_for_flow(ts) {
                self.limits.insert("flow-table-full");
                return;
            }
            self.flows.insert(
                to_server,
                Flow {
                    established: true,
                    last_ts: ts,
                    ..Flow::default()
                },
            );
            (to_server, false)
        } else {
            return;
        };
        let Some(flow) = self.flows.get_mut(&key) else {
            return;
        };
        flow.last_ts = ts;
        if from_server && t.syn && t.ack {
            flow.established = true;
            flow.to_client.start_at(t.seq.wrapping_add(1));
            if let Some(stats) = self.endpoints.get_mut(&key.server) {
                stats.synacks = stats.synacks.saturating_add(1);
                stats.synack_ttls.insert(d.ttl);
            }
            return;
        }
        if from_server && t.rst {
            let stage = if flow.client_hello {
                "after-client-hello"
            } else if flow.established {
                "established"
            } else {
                "handshake"
            };
            let after = flow.syn_ts.and_then(|s| ms_between(s, ts));
            self.flows.remove(&key);
            if let Some(stats) = self.endpoint(key.server.0, key.server.1) {
                stats.resets = stats.resets.saturating_add(1);
                if stats.reset_samples.len() < MAX_EVENTS {
                    stats.reset_samples.push(ResetSeen {
                        ttl: d.ttl,
                        after_syn_ms: after,
                        stage,
                    });
                }
            }
            return;
        }
        if t.rst {
            self.flows.remove(&key);
            return;
        }
        self.events.clear();
        if from_server {
            flow.to_client.push(t.seq, t.payload, &mut self.events);
        } else {
            flow.to_server.push(t.seq, t.payload, &mut self.events);
        }
        if !self.events.is_empty() {
            let events = std::mem::take(&mut self.events);
            self.tls_events(key, from_server, &events);
            self.events = events;
        }
        // Nothing more to learn once both hellos are settled, or at FIN.
        let settled = self
            .flows
            .get(&key)
            .is_none_or(|f| f.to_server.done && f.to_client.done);
        if t.fin || settled {
            self.flows.remove(&key);
        }
    }

    /// Whether another flow fits; when the table is full, flows idle for
    /// [`FLOW_IDLE`] (unanswered SYNs, connections whose end was not
    /// captured) are dropped first.
    fn room_for_flow(&mut self, now: Duration) -> bool {
        if self.flows.len() < MAX_FLOWS {
            return true;
        }
        // Sweeping is O(table); at most once per 10 s of capture time.
        if self.next_sweep.is_some_and(|at| now < at) {
            return false;
        }
        self.next_sweep = now.checked_add(Duration::from_secs(10));
        self.flows.retain(|_, f| {
            f.last_ts
                .checked_add(FLOW_IDLE)
                .is_none_or(|idle_at| idle_at > now)
        });
        self.flows.len() < MAX_FLOWS
    }

    fn path_synack(&mut self, d: &Decoded<'_>, t: &Tcp<'_>, ts: Duration) {
        let key = FlowKey {
            client: (d.dst, t.dport),
            server: (d.src, t.sport),
        };
        let syn_ts = match self.flows.get(&key) {
            Some(f) => f.syn_ts,
            None => self.unfollowed_syns.remove(&key),
        };
        let rtt = syn_ts
            .filter(|s| !s.is_zero())
            .and_then(|s| ts.checked_sub(s));
        if !self.paths.contains_key(&d.src) && self.paths.len() >= MAX_ENDPOINTS {
            self.limits.insert("path-table-full");
            return;
        }
        let p = self.paths.entry(d.src).or_default();
        p.synack_ttls.insert(d.ttl);
        if let Some(rtt) = rtt.filter(|r| !r.is_zero()) {
            p.min_rtt = Some(p.min_rtt.map_or(rtt, |m| m.min(rtt)));
        }
    }

    fn tls_events(&mut self, key: FlowKey, from_server: bool, events: &[TlsEvent]) {
        // A flow picked up mid-stream has no endpoint entry yet.
        if self.endpoint(key.server.0, key.server.1).is_none() {
            return;
        }
        for e in events {
            let Some(flow) = self.flows.get_mut(&key) else {
                return;
            };
            if let TlsEvent::ClientHello { sni } = e {
                flow.client_hello = true;
                flow.sni = sni.clone();
            }
            let sni = flow.sni.clone().unwrap_or_default();
            let Some(stats) = self.endpoints.get_mut(&key.server) else {
                return;
            };
            let Some(tls) = stats.tls(&sni, &mut self.limits) else {
                return;
            };
            match *e {
                TlsEvent::ClientHello { .. } => {
                    tls.client_hellos = tls.client_hellos.saturating_add(1)
                }
                TlsEvent::ServerHello { version } => {
                    tls.server_hellos = tls.server_hellos.saturating_add(1);
                    tls.versions.insert(version);
                }
                TlsEvent::Alert { level, description } => {
                    let list = if from_server {
                        &mut tls.server_alerts
                    } else {
                        &mut tls.client_alerts
                    };
                    if list.len() < MAX_EVENTS {
                        list.push((level, description));
                    }
                }
            }
        }
    }

    /// Joins what was seen to the targets and judges each.
    #[must_use]
    pub fn finish(self, format: &str) -> CaptureAnalysis {
        let targets = if self.targets.is_empty() {
            self.discovered_targets()
        } else {
            self.targets.clone()
        };
        let per_target = targets.iter().map(|t| self.target_flows(t)).collect();
        CaptureAnalysis {
            link_type: self
                .link_types
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>()
                .join(","),
            format: format.to_owned(),
            packets: self.packets,
            not_decoded: self.not_decoded,
            snapped: self.snapped,
            limits_hit: self.limits.iter().map(|s| (*s).to_owned()).collect(),
            per_target,
        }
    }

    /// Every `(server name, port)` a ClientHello named, sorted.
    fn discovered_targets(&self) -> Vec<Target> {
        let mut seen = BTreeSet::new();
        for ((_, port), stats) in &self.endpoints {
            for sni in stats.tls.keys().filter(|s| !s.is_empty()) {
                seen.insert((sni.clone(), *port));
            }
        }
        seen.into_iter()
            .map(|(host, port)| Target { host, port })
            .collect()
    }

    fn target_flows(&self, t: &Target) -> TargetFlows {
        let literal: Option<IpAddr> = t.host.parse().ok();
        let mut dns_seen = DnsSeen::default();
        let mut learned: BTreeMap<IpAddr, Vec<&'static str>> = BTreeMap::new();
        if let Some(ip) = literal {
            learned.entry(ip).or_default().push("literal");
        } else {
            if let Some(s) = self.dns.get(&t.host) {
                dns_seen = DnsSeen {
                    queries: s.queries,
                    responses: s.responses,
                    error_rcodes: s.error_rcodes.iter().map(|r| rcode_name(*r)).collect(),
                    answers: s.answers.iter().copied().collect(),
                    cnames: s.cnames.iter().cloned().collect(),
                };
                for a in &s.answers {
                    learned.entry(*a).or_default().push("dns");
                }
            }
            for ((ip, port), stats) in &self.endpoints {
                if *port == t.port && stats.tls.contains_key(&t.host) {
                    learned.entry(*ip).or_default().push("sni");
                }
            }
        }
        let addresses: Vec<AddressFlows> = learned
            .into_iter()
            .map(|(ip, from)| self.address_flows(t, literal.is_some(), ip, from))
            .collect();
        let verdict = target_verdict(&addresses, &dns_seen);
        TargetFlows {
            host: t.host.clone(),
            port: t.port,
            dns: dns_seen,
            addresses,
            verdict,
        }
    }

    fn address_flows(
        &self,
        t: &Target,
        literal: bool,
        ip: IpAddr,
        learned_from: Vec<&'static str>,
    ) -> AddressFlows {
        let empty = PortStats::default();
        let s = self.endpoints.get(&(ip, t.port)).unwrap_or(&empty);
        let path = self.paths.get(&ip).cloned().unwrap_or_default();
        // A literal target takes every hello on the address; a name only its own.
        let mut tls = TlsStats::default();
        for (sni, st) in &s.tls {
            if literal || *sni == t.host {
                tls.client_hellos = tls.client_hellos.saturating_add(st.client_hellos);
                tls.server_hellos = tls.server_hellos.saturating_add(st.server_hellos);
                tls.versions.extend(st.versions.iter().copied());
                tls.server_alerts.extend(st.server_alerts.iter().copied());
                tls.client_alerts.extend(st.client_alerts.iter().copied());
            }
        }
        let alerts = |v: &[(u8, u8)]| -> Vec<AlertSeen> {
            v.iter()
                .map(|(level, d)| AlertSeen {
                    level: *level,
                    description: *d,
                    name: tls::alert_name(*d),
                })
                .collect()
        };
        let path_rtt_ms = path.min_rtt.map(|d| round_ms(d.as_secs_f64() * 1000.0));
        let forged_reset = s
            .reset_samples
            .iter()
            .find_map(|r| forged(r, &path, path_rtt_ms));
        let mut a = AddressFlows {
            address: ip,
            learned_from,
            syns: s.syns,
            connection_attempts: s.attempts,
            synacks: s.synacks,
            synack_ttls: s.synack_ttls.iter().copied().collect(),
            path_synack_ttls: path.synack_ttls.iter().copied().collect(),
            path_rtt_ms,
            resets: s.resets,
            reset_samples: s.reset_samples.clone(),
            icmp_errors: s.icmp_errors,
            icmp_samples: s.icmp_samples.clone(),
            client_hellos: tls.client_hellos,
            server_hellos: tls.server_hellos,
            tls_versions: tls.versions.iter().map(|v| tls::version_name(*v)).collect(),
            server_alerts: alerts(&tls.server_alerts),
            client_alerts: alerts(&tls.client_alerts),
            forged_reset,
            verdict: Verdict::NotSeen,
        };
        a.verdict = address_verdict(&a);
        a
    }
}

/// A reset is forged when its TTL differs from every SYN-ACK of the same
/// path (a middlebox answering with its own hop count), or when it comes
/// back in under half the path's fastest round trip (nothing on the path
/// could have reached the host and back). Paths faster than 1 ms (loopback,
/// the same LAN) are too noisy to judge by time.
fn forged(r: &ResetSeen, path: &PathStats, path_rtt_ms: Option<f64>) -> Option<ForgedReset> {
    let evidence = if !path.synack_ttls.is_empty() && !path.synack_ttls.contains(&r.ttl) {
        "ttl-mismatch"
    } else if let (Some(after), Some(rtt)) = (r.after_syn_ms, path_rtt_ms)
        && r.stage == "handshake"
        && rtt >= 1.0
        && after < rtt / 2.0
    {
        "faster-than-path"
    } else {
        return None;
    };
    Some(ForgedReset {
        reset_ttl: r.ttl,
        path_synack_ttls: path.synack_ttls.iter().copied().collect(),
        after_syn_ms: r.after_syn_ms,
        path_rtt_ms,
        evidence,
    })
}

fn address_verdict(a: &AddressFlows) -> Verdict {
    if a.syns == 0 && a.client_hellos == 0 && a.synacks == 0 {
        return Verdict::NotSeen;
    }
    let fatal = |v: &[AlertSeen]| v.iter().any(|x| x.level == 2);
    if a.server_hellos > 0 {
        return if fatal(&a.client_alerts) {
            Verdict::TlsAlert
        } else {
            Verdict::HandshakeCompleted
        };
    }
    if fatal(&a.server_alerts) {
        return Verdict::TlsAlert;
    }
    if a.forged_reset.is_some() {
        return Verdict::ForgedReset;
    }
    if a.client_hellos > 0 {
        return Verdict::NoServerHello;
    }
    let icmp = |kind: &str| a.icmp_samples.iter().any(|i| i.kind == kind);
    if icmp("admin-prohibited") {
        return Verdict::AdminProhibited;
    }
    if icmp("host-unreach") {
        return Verdict::HostUnreach;
    }
    if icmp("net-unreach") || icmp("ttl-exceeded") {
        return Verdict::NetUnreach;
    }
    if icmp("port-unreach") {
        return Verdict::PortUnreach;
    }
    if a.resets > 0 && a.synacks == 0 {
        return Verdict::ConnRefused;
    }
    if a.synacks > 0 {
        return Verdict::NoTlsSeen;
    }
    Verdict::NoResponse
}

fn target_verdict(addresses: &[AddressFlows], dns: &DnsSeen) -> Verdict {
    let tried: Vec<Verdict> = addresses
        .iter()
        .map(|a| a.verdict)
        .filter(|v| *v != Verdict::NotSeen)
        .collect();
    if tried.is_empty() {
        return if !addresses.is_empty() {
            Verdict::NoConnectionSeen
        } else if dns.queries > 0 || dns.responses > 0 {
            Verdict::NoDnsAnswer
        } else {
            Verdict::NotSeen
        };
    }
    let completed = tried
        .iter()
        .filter(|v| **v == Verdict::HandshakeCompleted)
        .count();
    if completed == tried.len() {
        return Verdict::HandshakeCompleted;
    }
    if completed > 0 {
        return Verdict::SomeAddressesFailed;
    }
    Verdict::PRECEDENCE
        .into_iter()
        .find(|p| tried.contains(p))
        .unwrap_or(Verdict::NoResponse)
}

/// Classifies an ICMP / ICMPv6 destination-unreachable or time-exceeded error.
fn icmp_kind(v6: bool, icmp_type: u8, code: u8) -> &'static str {
    match (v6, icmp_type, code) {
        (false, 3, 9 | 10 | 13 | 14 | 15) | (true, 1, 1 | 5 | 6) => "admin-prohibited",
        (false, 3, 1 | 7 | 12) | (true, 1, 3) => "host-unreach",
        (false, 3, 0 | 5 | 6 | 11) | (true, 1, 0 | 2) => "net-unreach",
        (false, 3, 2 | 3) | (true, 1, 4) => "port-unreach",
        (false, 11, _) | (true, 3, _) => "ttl-exceeded",
        _ => "other",
    }
}

fn rcode_name(r: u8) -> String {
    match r {
        1 => "FORMERR".to_owned(),
        2 => "SERVFAIL".to_owned(),
        3 => "NXDOMAIN".to_owned(),
        4 => "NOTIMP".to_owned(),
        5 => "REFUSED".to_owned(),
        other => format!("RCODE{other}"),
    }
}

fn ms_between(from: Duration, to: Duration) -> Option<f64> {
    if from.is_zero() {
        return None;
    }
    to.checked_sub(from)
        .map(|d| round_ms(d.as_secs_f64() * 1000.0))
}

/// Milliseconds to three decimals, so reports stay readable and stable.
fn round_ms(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

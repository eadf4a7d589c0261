//! The pipeline driver: evidence → facts → rules → results.

use crate::evidence::Deployment;
use crate::facts::crypto::TenantCrypto;
use crate::probe::{Endpoint, EndpointReport, ProbeConfig};
use crate::result::{AuditReport, CheckResult, Outcome, Status, Summary, ToolInfo};
use crate::rules::builtin::Ctx;
use crate::rules::{Rule, RulePack, Scope, eval};
use std::time::Instant;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Facts derived once per run and shared by the checks.
#[derive(Debug, Default)]
pub struct Derived {
    /// Required network endpoints, deduplicated, in report order.
    pub endpoints: Vec<Endpoint>,
    /// One probe report per endpoint (same order); empty when offline.
    pub probes: Vec<EndpointReport>,
    /// Certificate and key analysis per tenant (same order as the tenants);
    /// empty when no certificate rule is selected.
    pub crypto: Vec<TenantCrypto>,
    /// The probes were interrupted before they finished.
    pub interrupted: bool,
    /// `--capture DIR`: packet evidence per endpoint (same order), for failed ones.
    pub packets: Vec<Option<PacketEvidence>>,
    /// Why packets were not captured, when `--capture` was asked for.
    pub capture_note: Option<String>,
    /// The permissions index; `None` without a permissions export (or when
    /// no tenancy rule is selected).
    pub tenancy: Option<crate::facts::tenancy::TenancyAnalysis>,
    /// OAU006's token request per tenant (same order as the tenants);
    /// `None` unless `--live-auth` is on.
    pub live_auth: Option<Vec<Outcome>>,
}

/// Decodes, decrypts and matches every tenant's certificate and key, on all
/// cores (PBKDF2 dominates: ~0.4 ms per OpenSSL 3 key).
fn analyse_crypto(d: &Deployment) -> Vec<TenantCrypto> {
    let one = |t: &crate::evidence::Tenant| {
        let opt = |name: &str| {
            t.object()
                .and_then(|o| o.option("saml", name))
                .map(|v| v.text.as_str())
        };
        let password = opt("password").map(|p| secrecy::SecretString::from(p.to_owned()));
        TenantCrypto::analyse(opt("certificate"), opt("pkey"), password.as_ref())
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(d.tenants.len().max(1));
    if threads <= 1 || d.tenants.len() < 8 {
        return d.tenants.iter().map(one).collect();
    }
    let chunk = d.tenants.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = d
            .tenants
            .chunks(chunk)
            .map(|c| s.spawn(move || c.iter().map(one).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// What to run and how.
#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    /// Skip live probes: network rules report `skip` (`offline`).
    pub offline: bool,
    /// Rule codes, code prefixes or categories to run (empty = all).
    pub select: Vec<String>,
    /// Rule codes, code prefixes or categories not to run.
    pub ignore: Vec<String>,
    /// The clock to judge validity against (tests pin it).
    pub now: Option<OffsetDateTime>,
    /// Host name recorded in the report.
    pub host: Option<String>,
    /// How to probe (resolver, trust, proxy, pins, timeouts, concurrency).
    pub probe: ProbeConfig,
    /// Set from outside (a signal handler) to stop the probes early.
    pub cancel: Option<Cancel>,
    /// `--capture DIR`: capture the probes' packets (feature `capture`, root or
    /// CAP_NET_RAW) and write one pcap per failed endpoint.
    pub capture_dir: Option<std::path::PathBuf>,
    /// Request a token with each tenant's `ewt` credentials (OAU006); off by default.
    pub live_auth: bool,
}

/// The packets of a failed endpoint's probes.
#[derive(Debug, Clone, PartialEq)]
pub struct PacketEvidence {
    /// The pcap file written for the endpoint.
    pub file: std::path::PathBuf,
    /// What the packets say about the TCP verdict (forged reset, ICMP, silence).
    pub refinement: Option<(std::net::SocketAddr, crate::capture::TcpRefinement)>,
}

/// A cancellation flag shared with a signal handler.
#[derive(Debug, Clone, Default)]
pub struct Cancel {
    flag: std::sync::Arc<std::sync::atomic::AtomicBool>,
    notify: std::sync::Arc<tokio::sync::Notify>,
}

impl Cancel {
    /// Stops the run: pending probes end as `error` (`interrupted`).
    pub fn cancel(&self) {
        self.flag.store(true, std::sync::atomic::Ordering::SeqCst);
        self.notify.notify_one();
    }

    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.flag.load(std::sync::atomic::Ordering::SeqCst)
    }

    async fn cancelled(&self) {
        if !self.is_cancelled() {
            self.notify.notified().await;
        }
    }
}

/// Whether a selector (`NET`, `CRT003`, `network`) names the rule.
pub fn selector_matches(sel: &str, rule: &Rule) -> bool {
    let code = &rule.meta.code;
    code.eq_ignore_ascii_case(sel)
        || rule.meta.category.eq_ignore_ascii_case(sel)
        || (sel.len() < code.len()
            && code
                .to_ascii_uppercase()
                .starts_with(&sel.to_ascii_uppercase()))
}

fn selected(rule: &Rule, opts: &AuditOptions) -> bool {
    (opts.select.is_empty() || opts.select.iter().any(|s| selector_matches(s, rule)))
        && !opts.ignore.iter().any(|s| selector_matches(s, rule))
}

/// Selectors that name no rule at all (a typo in `--select`/`--ignore`).
pub fn unknown_selectors<'a>(pack: &RulePack, opts: &'a AuditOptions) -> Vec<&'a str> {
    opts.select
        .iter()
        .chain(&opts.ignore)
        .filter(|s| !pack.rules.iter().any(|r| selector_matches(s, r)))
        .map(String::as_str)
        .collect()
}

/// Runs every selected rule on every subject.
pub fn run(d: &Deployment, pack: &RulePack, opts: &AuditOptions) -> AuditReport {
    let started = OffsetDateTime::now_utc();
    let now = opts.now.unwrap_or(started);
    // NET008 judges packet captures (`hybrid-preflight pcap`), not live probes.
    let selected_rules: Vec<&Rule> = pack
        .rules
        .iter()
        .filter(|r| selected(r, opts))
        .filter(|r| !matches!(&r.check, crate::rules::Check::Builtin { name, .. } if name == "capture-analysis"))
        .collect();
    let needs_crypto = selected_rules.iter().any(|r| {
        matches!(&r.check, crate::rules::Check::Builtin { name, .. } if crate::rules::builtin::needs_crypto(name))
    });
    let endpoints = crate::probe::required_endpoints(d);
    let probing = !opts.offline
        && selected_rules
            .iter()
            .any(|r| r.meta.scope == Scope::Endpoint)
        && !endpoints.is_empty();
    let (probes, interrupted, packets, capture_note) = match (&opts.capture_dir, probing) {
        (Some(dir), true) => probe_with_capture(&endpoints, opts, dir),
        (_, true) => {
            let (p, i) = probe_blocking(&endpoints, &opts.probe, opts.cancel.as_ref());
            (p, i, Vec::new(), None)
        }
        _ => (Vec::new(), false, Vec::new(), None),
    };
    let needs_tenancy = selected_rules.iter().any(|r| {
        matches!(&r.check, crate::rules::Check::Builtin { name, .. } if crate::rules::builtin::needs_tenancy(name))
    });
    let needs_live_auth = selected_rules.iter().any(|r| {
        matches!(&r.check, crate::rules::Check::Builtin { name, .. } if crate::rules::builtin::needs_live_auth(name))
    });
    let derived = Derived {
        live_auth: (opts.live_auth && needs_live_auth)
            .then(|| crate::rules::builtin::live::check_all(d, &opts.probe)),
        tenancy: if needs_tenancy {
            crate::facts::tenancy::TenancyAnalysis::of(d)
        } else {
            None
        },
        endpoints,
        probes,
        interrupted,
        packets,
        capture_note,
        crypto: if needs_crypto {
            analyse_crypto(d)
        } else {
            Vec::new()
        },
    };
    let mut results = Vec::new();
    for rule in selected_rules {
        match rule.meta.scope {
            Scope::Tenant => {
                for (i, t) in d.tenants.iter().enumerate() {
                    let ctx = Ctx {
                        deployment: d,
                        tenant: Some(t),
                        tenant_index: Some(i),
                        endpoint: None,
                        derived: &derived,
                        now,
                    };
                    results.push(timed(rule, t.subject(), || eval::evaluate(rule, &ctx)));
                }
            }
            Scope::Deployment => {
                let ctx = Ctx {
                    deployment: d,
                    tenant: None,
                    tenant_index: None,
                    endpoint: None,
                    derived: &derived,
                    now,
                };
                results.push(timed(rule, format!("deployment:{}", d.name), || {
                    eval::evaluate(rule, &ctx)
                }));
            }
            Scope::Endpoint => {
                for (i, ep) in derived.endpoints.iter().enumerate() {
                    let ctx = Ctx {
                        deployment: d,
                        tenant: None,
                        tenant_index: None,
                        endpoint: Some(i),
                        derived: &derived,
                        now,
                    };
                    let subject = ep.subject();
                    if opts.offline {
                        results.push(timed(rule, subject, || {
                            Outcome::skip("offline", "live probes are off (--offline)")
                        }));
                    } else {
                        results.push(timed(rule, subject, || eval::evaluate(rule, &ctx)));
                    }
                }
            }
        }
    }
    for r in &mut results {
        r.fix_request = crate::remediation::fix_request(d, &derived, r);
    }
    let finished = OffsetDateTime::now_utc();
    AuditReport {
        schema_version: AuditReport::SCHEMA_VERSION,
        tool: ToolInfo::default(),
        deployment: d.name.clone(),
        host: opts.host.clone().unwrap_or_else(local_host_name),
        started_at: rfc3339(started),
        finished_at: rfc3339(finished),
        summary: Summary::of(&results),
        results,
        complete: !derived.interrupted,
        waiver_notes: Vec::new(),
    }
}

/// Runs the async probes on a runtime of their own, until done or cancelled
/// (then `true`: nothing of the probe run is reported as a verdict).
fn probe_blocking(
    endpoints: &[Endpoint],
    cfg: &ProbeConfig,
    cancel: Option<&Cancel>,
) -> (Vec<EndpointReport>, bool) {
    let Ok(rt) = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    else {
        // Without a runtime nothing was probed: every network rule then
        // reports `skip` (`not-probed`), never a pass.
        return (Vec::new(), false);
    };
    rt.block_on(async {
        let run = crate::probe::probe_all(endpoints, cfg);
        match cancel {
            Some(c) => tokio::select! {
                r = run => (r, false),
                () = c.cancelled() => (Vec::new(), true),
            },
            None => (run.await, false),
        }
    })
}

type ProbeRun = (
    Vec<EndpointReport>,
    bool,
    Vec<Option<PacketEvidence>>,
    Option<String>,
);

/// Probes while capturing their packets; writes a pcap per failed endpoint.
#[cfg(feature = "capture")]
fn probe_with_capture(
    endpoints: &[Endpoint],
    opts: &AuditOptions,
    dir: &std::path::Path,
) -> ProbeRun {
    use crate::capture::{self, live::LiveCapture};
    // The endpoints' ports, and where --connect-to pins or a proxy send them.
    let mut ports: Vec<u16> = endpoints.iter().map(|e| e.port).collect();
    ports.extend(opts.probe.connect_to.iter().filter_map(|c| c.to_port));
    ports.extend(opts.probe.proxy.as_ref().map(|p| p.port));
    ports.sort_unstable();
    ports.dedup();
    let ports = ports
        .iter()
        .map(|p| format!("port {p}"))
        .collect::<Vec<_>>()
        .join(" or ");
    let filter = format!("(tcp and ({ports})) or icmp or icmp6");
    let live = match LiveCapture::start("any", &filter) {
        Ok(l) => l,
        Err(e) => {
            let (p, i) = probe_blocking(endpoints, &opts.probe, opts.cancel.as_ref());
            return (p, i, Vec::new(), Some(format!("no packets captured: {e}")));
        }
    };
    let (probes, interrupted) = probe_blocking(endpoints, &opts.probe, opts.cancel.as_ref());
    let captured = match live.stop() {
        Ok(c) => c,
        Err(e) => {
            return (
                probes,
                interrupted,
                Vec::new(),
                Some(format!("the capture failed: {e}")),
            );
        }
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        return (
            probes,
            interrupted,
            Vec::new(),
            Some(format!("cannot create {}: {e}", dir.display())),
        );
    }
    let mut evidence = Vec::with_capacity(probes.len());
    for r in &probes {
        let attempts: Vec<&crate::probe::tcp::TcpAttempt> = match &r.tcp {
            crate::probe::TcpResult::Direct(a) => a.iter().collect(),
            _ => Vec::new(),
        };
        let tls_failed = !matches!(r.tls, crate::probe::tls::TlsResult::Done(_));
        let failed =
            attempts.iter().any(|a| a.reason != "open") || (tls_failed && !attempts.is_empty());
        if !failed {
            evidence.push(None);
            continue;
        }
        let mut pk = Vec::new();
        let mut refinement = None;
        for a in &attempts {
            let mine = capture::packets_for(captured.link, &captured.packets, a.address);
            if refinement.is_none() && a.reason != "open" {
                refinement = capture::refine_tcp_verdict(captured.link, &mine, a.address)
                    .map(|t| (a.address, t));
            }
            pk.extend(mine);
        }
        pk.sort_by_key(|p| p.ts);
        let name = format!(
            "{}_{}.pcap",
            r.endpoint.host.replace([':', '/', '\\'], "_"),
            r.endpoint.port
        );
        let file = dir.join(name);
        match capture::write_pcap(&file, captured.link, &pk) {
            Ok(()) => evidence.push(Some(PacketEvidence { file, refinement })),
            Err(_) => evidence.push(None),
        }
    }
    (probes, interrupted, evidence, None)
}

/// Without the `capture` feature there is no live capture; the CLI refuses
/// `--capture` before this is reached.
#[cfg(not(feature = "capture"))]
fn probe_with_capture(
    endpoints: &[Endpoint],
    opts: &AuditOptions,
    _dir: &std::path::Path,
) -> ProbeRun {
    let (p, i) = probe_blocking(endpoints, &opts.probe, opts.cancel.as_ref());
    (
        p,
        i,
        Vec::new(),
        Some("this build has no live capture (build with --features capture)".to_owned()),
    )
}

fn timed(rule: &Rule, subject: String, f: impl FnOnce() -> Outcome) -> CheckResult {
    let t0 = Instant::now();
    let o = f();
    let ms = t0.elapsed().as_secs_f64() * 1000.0;
    into_result(rule, subject, o, ms)
}

/// Attaches a rule's metadata to an outcome.
pub fn into_result(rule: &Rule, subject: String, o: Outcome, duration_ms: f64) -> CheckResult {
    let remediation = if o.status == Status::Pass {
        String::new()
    } else {
        rule.meta.fix.clone()
    };
    CheckResult {
        rule: rule.meta.code.clone(),
        title: rule.meta.title.clone(),
        category: rule.meta.category.clone(),
        severity: rule.meta.severity,
        subject,
        status: o.status,
        reason: o.reason,
        message: o.message,
        evidence: o.evidence,
        remediation,
        duration_ms: (duration_ms * 1000.0).round() / 1000.0,
        host: None,
        fix_request: None,
        drift: None,
    }
}

/// RFC 3339 in UTC, seconds precision.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// This machine's host name, for the report.
pub fn local_host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// `hybrid-preflight pcap`: NET008 for every required endpoint of the
/// deployment (or, without one, every TLS server name seen in the capture).
pub fn run_capture(
    capture: &std::path::Path,
    deployment: Option<&Deployment>,
    pack: &RulePack,
    host: Option<String>,
) -> Result<AuditReport, crate::error::InputError> {
    let started = OffsetDateTime::now_utc();
    let targets: Vec<crate::capture::Target> = deployment
        .map(|d| {
            crate::probe::required_endpoints(d)
                .into_iter()
                .map(|e| crate::capture::Target {
                    host: e.host,
                    port: e.port,
                })
                .collect()
        })
        .unwrap_or_default();
    let t0 = Instant::now();
    let analysis = crate::capture::analyse_file(capture, &targets)?;
    let per_ms = t0.elapsed().as_secs_f64() * 1000.0 / analysis.per_target.len().max(1) as f64;
    let rule = pack.rules.iter().find(|r| {
        matches!(&r.check, crate::rules::Check::Builtin { name, .. } if name == "capture-analysis")
    });
    let mut results = Vec::new();
    if let Some(rule) = rule {
        for t in &analysis.per_target {
            let mut o = crate::capture::net008(t);
            o.evidence
                .insert("capture".into(), capture.display().to_string().into());
            o.evidence.insert(
                "link_type".into(),
                format!("{:?}", analysis.link_type).into(),
            );
            results.push(into_result(rule, t.subject(), o, per_ms));
        }
    }
    let finished = OffsetDateTime::now_utc();
    Ok(AuditReport {
        schema_version: AuditReport::SCHEMA_VERSION,
        tool: ToolInfo::default(),
        deployment: deployment.map_or_else(|| capture.display().to_string(), |d| d.name.clone()),
        host: host.unwrap_or_else(local_host_name),
        started_at: rfc3339(started),
        finished_at: rfc3339(finished),
        summary: Summary::of(&results),
        results,
        complete: true,
        waiver_notes: Vec::new(),
    })
}

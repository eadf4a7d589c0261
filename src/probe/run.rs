//! The scheduler: every endpoint in flight at once up to the global and
//! per-host limits, each stage bounded by the probe timeout and by one run
//! deadline computed up front, so a run never outlives its budget.

use crate::probe::config::{Depth, ProbeConfig};
use crate::probe::dns::{Dns, Lookup};
use crate::probe::endpoint::Endpoint;
use crate::probe::http::{self, Call, ClientSpec, HttpResult};
use crate::probe::proxy::{self, ProxySetting, Tunnel};
use crate::probe::tcp::{self, PortState, TcpAttempt};
use crate::probe::tls::{self, TlsResult, TrustStore};
use crate::probe::{DnsResult, EndpointReport, ProxyLeg, Route, TcpResult};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::{OnceCell, Semaphore};

/// Shared by every endpoint task of one run.
struct Ctx {
    cfg: ProbeConfig,
    /// The trust store's description before it is loaded.
    trust_unloaded: String,
    deadline: Instant,
    dns: OnceCell<Result<Arc<Dns>, String>>,
    trust: OnceCell<Result<Arc<TrustStore>, String>>,
    global: Semaphore,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Ctx {
    async fn dns(&self) -> Result<Arc<Dns>, String> {
        self.dns
            .get_or_init(|| async { Dns::new(&self.cfg).map(Arc::new) })
            .await
            .clone()
    }

    async fn trust(&self) -> Result<Arc<TrustStore>, String> {
        self.trust
            .get_or_init(|| async {
                let cfg = self.cfg.clone();
                match tokio::task::spawn_blocking(move || TrustStore::load(&cfg)).await {
                    Ok(r) => r.map(Arc::new),
                    Err(_) => Err("loading the trust store failed".to_owned()),
                }
            })
            .await
            .clone()
    }

    fn host_limit(&self, key: &str) -> Arc<Semaphore> {
        let mut m = self
            .hosts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        m.entry(key.to_owned())
            .or_insert_with(|| Arc::new(Semaphore::new(self.cfg.per_host.max(1))))
            .clone()
    }

    /// The trust store's description without forcing a load.
    fn trust_description(&self) -> String {
        match self.trust.get() {
            Some(Ok(t)) => t.description.clone(),
            Some(Err(e)) => format!("unusable: {e}"),
            None => self.trust_unloaded.clone(),
        }
    }

    fn stage_until(&self) -> (Instant, bool) {
        let t = Instant::now() + self.cfg.timeout;
        if t >= self.deadline {
            (self.deadline, true)
        } else {
            (t, false)
        }
    }
}

/// Probes every endpoint once and returns one report per endpoint, in input
/// order. Never fails: every problem is a stage result.
pub async fn probe_all(endpoints: &[Endpoint], cfg: &ProbeConfig) -> Vec<EndpointReport> {
    let mut parts = vec!["system store".to_owned()];
    parts.extend(
        cfg.ca_files
            .iter()
            .map(|f| format!("--ca-file {}", f.display())),
    );
    parts.extend(
        cfg.public_ca_files
            .iter()
            .map(|f| format!("public CA file {}", f.display())),
    );
    let ctx = Arc::new(Ctx {
        cfg: cfg.clone(),
        trust_unloaded: parts.join(" + "),
        deadline: Instant::now() + cfg.run_deadline,
        dns: OnceCell::new(),
        trust: OnceCell::new(),
        global: Semaphore::new(cfg.concurrency.max(1)),
        hosts: Mutex::new(HashMap::new()),
    });
    let mut set = tokio::task::JoinSet::new();
    if cfg.depth >= Depth::Tls && !endpoints.is_empty() {
        // Load the trust store while DNS and TCP run.
        let c = ctx.clone();
        tokio::spawn(async move {
            let _ = c.trust().await;
        });
    }
    for (i, ep) in endpoints.iter().cloned().enumerate() {
        let ctx = ctx.clone();
        set.spawn(async move { (i, probe_one(&ctx, ep).await) });
    }
    let mut out: Vec<Option<EndpointReport>> = vec![None; endpoints.len()];
    // Stages honour the deadline themselves; this guard only catches a task
    // stuck outside any stage.
    let guard = ctx.deadline + Duration::from_secs(1);
    loop {
        match tokio::time::timeout_at(guard.into(), set.join_next()).await {
            Ok(Some(Ok((i, r)))) => out[i] = Some(r),
            Ok(Some(Err(_))) => {}
            Ok(None) => break,
            Err(_) => {
                set.abort_all();
                break;
            }
        }
    }
    out.into_iter()
        .zip(endpoints)
        .map(|(r, ep)| r.unwrap_or_else(|| unfinished(&ctx, ep.clone())))
        .collect()
}

fn not_run<T>(make: impl Fn(&'static str, String) -> T, reason: &'static str, msg: &str) -> T {
    make(reason, msg.to_owned())
}

/// A report whose stages all say why they did not run.
fn skeleton(
    ctx: &Ctx,
    ep: Endpoint,
    route: Route,
    reason: &'static str,
    msg: &str,
) -> EndpointReport {
    EndpointReport {
        endpoint: ep,
        route,
        resolver: String::new(),
        trust_store: ctx.trust_description(),
        dns: not_run(
            |reason, message| DnsResult::NotRun { reason, message },
            reason,
            msg,
        ),
        tcp: not_run(
            |reason, message| TcpResult::NotRun { reason, message },
            reason,
            msg,
        ),
        tls: not_run(
            |reason, message| TlsResult::NotRun { reason, message },
            reason,
            msg,
        ),
        http: not_run(
            |reason, message| HttpResult::NotRun { reason, message },
            reason,
            msg,
        ),
        elapsed_ms: 0.0,
    }
}

fn unfinished(ctx: &Ctx, ep: Endpoint) -> EndpointReport {
    let route = route_for(&ctx.cfg, &ep);
    skeleton(
        ctx,
        ep,
        route,
        "run-deadline",
        "the probe did not finish before the run deadline",
    )
}

fn route_for(cfg: &ProbeConfig, ep: &Endpoint) -> Route {
    if let Some((rule, target)) = cfg.pin_for(&ep.host, ep.port) {
        return Route::Pinned {
            rule: rule.to_string(),
            target,
        };
    }
    match &cfg.proxy {
        Some(p) if p.applies_to(&ep.host) => Route::Proxy { proxy: p.display() },
        _ => Route::Direct,
    }
}

async fn probe_one(ctx: &Ctx, ep: Endpoint) -> EndpointReport {
    let started = Instant::now();
    let route = route_for(&ctx.cfg, &ep);
    let proxy = match &route {
        Route::Proxy { .. } => ctx.cfg.proxy.clone(),
        _ => None,
    };
    let host_key = match &proxy {
        Some(p) => format!("proxy {}", proxy::host_port(&p.host, p.port)),
        None => ep.host.clone(),
    };
    let host_sem = ctx.host_limit(&host_key);
    let permits = tokio::time::timeout_at(ctx.deadline.into(), async {
        let g = ctx.global.acquire().await;
        let h = host_sem.acquire().await;
        (g, h)
    })
    .await;
    let Ok((Ok(_global), Ok(_host))) = permits else {
        return skeleton(
            ctx,
            ep,
            route,
            "run-deadline",
            "the run deadline passed before this endpoint's turn",
        );
    };

    let mut rep = skeleton(ctx, ep, route.clone(), "not-probed", "");
    let (stream, peer, http_names) = match (&route, proxy) {
        (Route::Proxy { .. }, Some(p)) => {
            rep.dns = DnsResult::ByProxy;
            let (leg, stream) = proxy_leg(ctx, &rep.endpoint, &p).await;
            rep.resolver = match &leg.dns {
                Some(_) => format!(
                    "the proxy resolves {}; proxy host via {}",
                    rep.endpoint.host,
                    dns_desc(ctx).await
                ),
                None => format!("the proxy resolves {}", rep.endpoint.host),
            };
            let open: Vec<SocketAddr> = leg
                .attempts
                .iter()
                .filter(|a| a.state == PortState::Open)
                .map(|a| a.address)
                .collect();
            let names = BTreeMap::from([(p.host.clone(), open)]);
            let peer = format!("tunnel via {}", p.url_without_password());
            rep.tcp = TcpResult::Proxy(leg);
            (stream, peer, names)
        }
        _ => {
            let addrs = match direct_addresses(ctx, &mut rep).await {
                Some(a) => a,
                None => {
                    return finish(
                        rep,
                        started,
                        "dns-failed",
                        "DNS gave no address, so nothing was connected",
                    );
                }
            };
            let (attempts, stream) = connect_all(ctx, &addrs).await;
            let open: Vec<SocketAddr> = attempts
                .iter()
                .filter(|a| a.state == PortState::Open)
                .map(|a| a.address)
                .collect();
            let peer = open.first().map(ToString::to_string).unwrap_or_default();
            rep.tcp = TcpResult::Direct(attempts);
            let names = BTreeMap::from([(rep.endpoint.host.clone(), open)]);
            (stream, peer, names)
        }
    };

    let Some(stream) = stream else {
        return finish(
            rep,
            started,
            "tcp-failed",
            "no TCP connection (or proxy tunnel) was established",
        );
    };
    if ctx.cfg.depth < Depth::Tls {
        drop(stream);
        return finish(
            rep,
            started,
            "not-probed",
            "TLS and HTTP were not probed (TCP-only run)",
        );
    }
    rep.tls = match ctx.trust().await {
        Ok(trust) => {
            let (until, is_deadline) = ctx.stage_until();
            tls::handshake(stream, &rep.endpoint.host, peer, &trust, until, is_deadline).await
        }
        Err(e) => TlsResult::Failed {
            peer,
            reason: "trust-store-error",
            detail: e,
            chain: Vec::new(),
            elapsed_ms: 0.0,
        },
    };
    rep.trust_store = ctx.trust_description();
    rep.http = http_stage(ctx, &rep, http_names).await;
    rep.elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
    rep
}

/// Marks the stages after a failure and stamps the duration.
fn finish(
    mut rep: EndpointReport,
    started: Instant,
    reason: &'static str,
    msg: &str,
) -> EndpointReport {
    if matches!(rep.tcp, TcpResult::NotRun { .. }) {
        rep.tcp = TcpResult::NotRun {
            reason,
            message: msg.to_owned(),
        };
    }
    rep.tls = TlsResult::NotRun {
        reason,
        message: msg.to_owned(),
    };
    rep.http = HttpResult::NotRun {
        reason,
        message: msg.to_owned(),
    };
    rep.elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
    rep
}

async fn dns_desc(ctx: &Ctx) -> String {
    match ctx.dns().await {
        Ok(d) => d.description.clone(),
        Err(e) => format!("unusable resolver: {e}"),
    }
}

/// The addresses to connect to directly; `None` (with `rep.dns` set) when DNS gave none.
async fn direct_addresses(ctx: &Ctx, rep: &mut EndpointReport) -> Option<Vec<SocketAddr>> {
    let port = rep.endpoint.port;
    if let Route::Pinned { target, .. } = rep.route {
        rep.dns = DnsResult::Pinned(target);
        rep.resolver = "none (pinned by --connect-to)".to_owned();
        return Some(vec![target]);
    }
    if let Some(ip) = rep.endpoint.ip_literal() {
        rep.dns = DnsResult::Literal(ip);
        rep.resolver = "none (IP address)".to_owned();
        return Some(vec![SocketAddr::new(ip, port)]);
    }
    let dns = match ctx.dns().await {
        Ok(d) => d,
        Err(e) => {
            rep.resolver = "unusable".to_owned();
            rep.dns = DnsResult::ResolverError(e);
            return None;
        }
    };
    rep.resolver = dns.description.clone();
    let lookup = dns
        .lookup(
            &rep.endpoint.host,
            ctx.cfg.timeout,
            ctx.deadline,
            ctx.cfg.retries,
        )
        .await;
    let addrs: Vec<SocketAddr> = lookup
        .addresses()
        .into_iter()
        .map(|ip| SocketAddr::new(ip, port))
        .collect();
    rep.dns = DnsResult::Answered(lookup);
    (!addrs.is_empty()).then_some(addrs)
}

/// Tries every address at once; keeps the first open stream in address order.
async fn connect_all(ctx: &Ctx, addrs: &[SocketAddr]) -> (Vec<TcpAttempt>, Option<TcpStream>) {
    let (timeout, deadline, retries) = (ctx.cfg.timeout, ctx.deadline, ctx.cfg.retries);
    if let [one] = addrs {
        let (a, s) = tcp::connect(*one, timeout, deadline, retries).await;
        return (vec![a], s);
    }
    let mut set = tokio::task::JoinSet::new();
    for (i, addr) in addrs.iter().copied().enumerate() {
        set.spawn(async move { (i, tcp::connect(addr, timeout, deadline, retries).await) });
    }
    let mut slots: Vec<Option<(TcpAttempt, Option<TcpStream>)>> =
        (0..addrs.len()).map(|_| None).collect();
    while let Some(r) = set.join_next().await {
        if let Ok((i, x)) = r {
            slots[i] = Some(x);
        }
    }
    let mut attempts = Vec::with_capacity(addrs.len());
    let mut keep = None;
    for (slot, addr) in slots.into_iter().zip(addrs) {
        let (a, s) = slot.unwrap_or_else(|| {
            let mut a = tcp::connect_error(*addr, "the connect task failed");
            a.attempts = 1;
            (a, None)
        });
        if keep.is_none() {
            keep = s;
        }
        attempts.push(a);
    }
    (attempts, keep)
}

/// Resolves and reaches the proxy, then asks it to `CONNECT`.
async fn proxy_leg(ctx: &Ctx, ep: &Endpoint, p: &ProxySetting) -> (ProxyLeg, Option<TcpStream>) {
    let authority = ep.authority();
    let mut leg = ProxyLeg {
        proxy: p.display(),
        authority: authority.clone(),
        dns: None,
        attempts: Vec::new(),
        tunnel: None,
        has_credentials: p.has_credentials(),
    };
    let addrs: Vec<SocketAddr> = if let Some((_, target)) = ctx.cfg.pin_for(&p.host, p.port) {
        vec![target]
    } else if let Ok(ip) = p.host.parse() {
        vec![SocketAddr::new(ip, p.port)]
    } else {
        match ctx.dns().await {
            Ok(dns) => {
                let l: Lookup = dns
                    .lookup(&p.host, ctx.cfg.timeout, ctx.deadline, ctx.cfg.retries)
                    .await;
                let a = l
                    .addresses()
                    .into_iter()
                    .map(|ip| SocketAddr::new(ip, p.port))
                    .collect();
                leg.dns = Some(l);
                a
            }
            Err(_) => Vec::new(),
        }
    };
    for addr in addrs {
        let (a, s) = tcp::connect(addr, ctx.cfg.timeout, ctx.deadline, ctx.cfg.retries).await;
        leg.attempts.push(a);
        if let Some(mut stream) = s {
            let (until, _) = ctx.stage_until();
            let budget = until.saturating_duration_since(Instant::now());
            let t = proxy::connect_tunnel(&mut stream, &authority, p, budget).await;
            let ok = matches!(t, Tunnel::Established { .. });
            leg.tunnel = Some(t);
            return (leg, ok.then_some(stream));
        }
    }
    (leg, None)
}

async fn http_stage(
    ctx: &Ctx,
    rep: &EndpointReport,
    names: BTreeMap<String, Vec<SocketAddr>>,
) -> HttpResult {
    let ep = &rep.endpoint;
    if ctx.cfg.depth < Depth::Full {
        return HttpResult::NotRun {
            reason: "not-probed",
            message: "HTTP was not probed (TCP/TLS-only run)".into(),
        };
    }
    if ep.token_urls.is_empty() && ep.api_urls.is_empty() {
        return HttpResult::NotRun {
            reason: "not-applicable",
            message: format!("no token or API URL is served from {}", ep.authority()),
        };
    }
    let trust = match (&rep.tls, ctx.trust().await) {
        (TlsResult::Done(s), Ok(t)) if s.verdict.store_accepts() => t,
        (TlsResult::NotRun { reason, message }, _) => {
            return HttpResult::NotRun {
                reason,
                message: message.clone(),
            };
        }
        _ => {
            return HttpResult::NotRun {
                reason: "tls-failed",
                message: "the TLS stage did not yield a chain the trust store accepts (see NET003)"
                    .into(),
            };
        }
    };
    let proxy = match rep.route {
        Route::Proxy { .. } => ctx.cfg.proxy.as_ref(),
        _ => None,
    };
    let fallback = ctx.dns.get().and_then(|d| d.as_ref().ok()).cloned();
    let client = match http::client(ClientSpec {
        trust: &trust,
        proxy,
        names,
        fallback,
        timeout: ctx.cfg.timeout,
    }) {
        Ok(c) => c,
        Err(e) => {
            return HttpResult::NotRun {
                reason: "http-setup-failed",
                message: e,
            };
        }
    };
    let calls = ep
        .token_urls
        .iter()
        .map(|u| (Call::Token, u))
        .chain(ep.api_urls.iter().map(|u| (Call::OrgMe, u)));
    let mut out = Vec::new();
    for (call, url) in calls {
        let mut attempt = 0;
        let mut backoff = Duration::from_millis(100);
        loop {
            let (until, is_deadline) = ctx.stage_until();
            let x = http::exchange(&client, call, url, until, is_deadline).await;
            let timed_out = matches!(&x.result, Err(f) if f.reason == "http-timeout");
            if !timed_out || attempt >= ctx.cfg.retries || Instant::now() + backoff >= ctx.deadline
            {
                out.push(x);
                break;
            }
            attempt += 1;
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
    }
    HttpResult::Done(out)
}

//! The command line: parse flags, call the library, write reports, pick the
//! exit code (0 clean, 1 findings, 2 usage or input error).

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use hybrid_preflight::audit::{self, AuditOptions};
use hybrid_preflight::probe::{ConnectTo, ProbeConfig, ProxySetting, ProxySource};
use hybrid_preflight::report::{self, ReportSpec, Style, Target};
use hybrid_preflight::rules::RulePack;
use hybrid_preflight::{Severity, evidence};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Preflight and compliance auditor for Genesys Engage on-premises ↔ Genesys Cloud CX hybrid integrations.
#[derive(Parser)]
#[command(name = "hybrid-preflight", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Audit a deployment: run every rule and write reports.
    Audit(Box<AuditArgs>),
    /// List or explain the rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Work with JSON reports already written.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Every egress flow the deployment needs, as a firewall change request;
    /// with --rules-export, which flows the firewall allows, misses or allows only by a stale IP.
    FirewallRequest(Box<FirewallArgs>),
    /// Analyse a packet capture (pcap/pcapng) taken on an on-prem host: NET008 per endpoint.
    Pcap(Box<PcapArgs>),
    /// Fetch a Genesys Cloud org's evidence folder from the Platform API (client credentials;
    /// the secret comes from HYBRID_PREFLIGHT_CLIENT_SECRET).
    Collect(Box<CollectArgs>),
}

#[derive(Args)]
struct PcapArgs {
    /// The capture file (tcpdump, Wireshark, dumpcap: pcap or pcapng).
    file: PathBuf,
    /// A deployment manifest: report its required endpoints (else every TLS server name seen).
    manifest: Option<PathBuf>,
    /// Report to write (as for `audit`). Repeatable; default `table`.
    #[arg(long = "report", value_name = "FORMAT[:PATH]")]
    reports: Vec<ReportSpec>,
    /// Exit 1 only for fail/error results at or above this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "low", value_parser = parse_severity)]
    fail_on: Severity,
    /// Name this host in reports.
    #[arg(long, value_name = "NAME")]
    host: Option<String>,
}

#[derive(Args)]
struct FirewallArgs {
    /// Deployment manifest, or a directory holding deployment.yaml.
    path: PathBuf,
    /// CSV of the firewall's current rules (columns source, destination, port, action).
    #[arg(long, value_name = "FILE")]
    rules_export: Option<PathBuf>,
    /// Do not resolve the destination names (works with no network at all).
    #[arg(long)]
    no_resolve: bool,
    /// Report to write: csv:PATH, markdown:PATH, json:PATH (`-` = stdout). Repeatable; default markdown:-.
    #[arg(long = "report", value_name = "FORMAT[:PATH]")]
    reports: Vec<String>,
    #[command(flatten)]
    network: NetworkArgs,
}

#[derive(Args)]
struct CollectArgs {
    /// The org's token URL, e.g. https://login.mypurecloud.ie/oauth/token.
    #[arg(long, value_name = "URL")]
    base_auth_url: String,
    /// The org's API base, e.g. https://api.mypurecloud.ie/api/.
    #[arg(long, value_name = "URL")]
    base_service_url: String,
    /// A Client Credentials OAuth client of the org (its secret: HYBRID_PREFLIGHT_CLIENT_SECRET).
    #[arg(long, value_name = "ID")]
    client_id: String,
    /// The evidence folder to write (replaced as a whole; see docs/collect.md).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    network: NetworkArgs,
}

#[derive(Subcommand)]
enum ReportCommand {
    /// Combine per-host JSON results into one fleet report (host kept on every result).
    Merge {
        /// JSON reports written by `audit --report json:PATH` on each host.
        #[arg(required = true, value_name = "RESULT.json")]
        inputs: Vec<PathBuf>,
        /// Report to write (as for `audit`). Repeatable; default `table`.
        #[arg(long = "report", value_name = "FORMAT[:PATH]")]
        reports: Vec<ReportSpec>,
        /// Exit 1 only for fail/error results at or above this severity.
        #[arg(long, value_name = "SEVERITY", default_value = "low", value_parser = parse_severity)]
        fail_on: Severity,
    },
}

#[derive(Subcommand)]
enum RulesCommand {
    /// List every rule: code, severity, category, title.
    List {
        /// Add user rule files (a directory of *.yaml, or a file). Repeatable.
        #[arg(long = "rules", value_name = "DIR")]
        rules: Vec<PathBuf>,
    },
    /// Explain one rule: what it checks, why, how to fix, the guide step.
    Explain {
        /// Rule code, e.g. IDP004.
        code: String,
        #[arg(long = "rules", value_name = "DIR")]
        rules: Vec<PathBuf>,
    },
}

#[derive(Args)]
struct AuditArgs {
    /// Deployment manifest, or a directory holding deployment.yaml.
    path: PathBuf,
    /// Skip live network probes (network rules report `skip`, reason `offline`).
    #[arg(long)]
    offline: bool,
    /// Run OAU006: request a token with each tenant's ewt credentials at its base_auth_url.
    #[arg(long, conflicts_with = "offline")]
    live_auth: bool,
    /// Run only these rule codes, code prefixes or categories (e.g. NET, CRT003, config). Comma-separated or repeated.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    select: Vec<String>,
    /// Do not run these rule codes, code prefixes or categories.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    ignore: Vec<String>,
    /// Exit 1 only for fail/error results at or above this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "low", value_parser = parse_severity)]
    fail_on: Severity,
    /// Add user rule files (a directory of *.yaml, or a file). Repeatable.
    #[arg(long = "rules", value_name = "DIR")]
    rules: Vec<PathBuf>,
    /// Report to write: table, json:PATH, junit:PATH, html:PATH, markdown:PATH, prometheus:PATH (`-` = stdout). Repeatable; default `table`.
    #[arg(long = "report", value_name = "FORMAT[:PATH]")]
    reports: Vec<ReportSpec>,
    /// Name this host in reports (default: the system host name); useful in containers.
    #[arg(long, value_name = "NAME")]
    host: Option<String>,
    /// Capture the probes' packets and write one pcap per failed endpoint into DIR
    /// (build feature `capture`; needs root or CAP_NET_RAW).
    #[arg(long, value_name = "DIR")]
    capture: Option<PathBuf>,
    /// A previous run's JSON report: mark every result new, fixed, unchanged or changed.
    #[arg(long, value_name = "PREVIOUS.json")]
    baseline: Option<PathBuf>,
    /// Exit 1 only for findings that are new since --baseline (nightly jobs that must not page twice).
    #[arg(long, requires = "baseline")]
    fail_on_new: bool,
    /// Accepted findings (YAML: rule, subject pattern, justification, optional expires).
    #[arg(long, value_name = "FILE")]
    waivers: Option<PathBuf>,
    /// Judge validity at this instant (RFC 3339) instead of now; for reproducible reports.
    #[arg(long, value_name = "RFC3339", hide = true)]
    now: Option<String>,
    #[command(flatten)]
    network: NetworkArgs,
}

/// Network options (used by the live probes).
#[derive(Args)]
struct NetworkArgs {
    /// Ask this DNS server instead of the system's (IP or IP:PORT).
    #[arg(long, value_name = "IP[:PORT]")]
    resolver: Option<String>,
    /// Extra trusted CA certificates (PEM), e.g. a corporate inspection CA.
    #[arg(long = "ca-file", value_name = "PEM")]
    ca_file: Vec<PathBuf>,
    /// HTTP(S) proxy URL (else HTTPS_PROXY / NO_PROXY from the environment).
    #[arg(long, value_name = "URL")]
    proxy: Option<String>,
    /// Pin HOST:PORT to ADDR:PORT (curl's convention). Repeatable.
    #[arg(long = "connect-to", value_name = "HOST:PORT:ADDR:PORT")]
    connect_to: Vec<String>,
    /// Per-probe timeout in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    timeout: f64,
    /// Probes in flight at once.
    #[arg(long, value_name = "N", default_value_t = 256)]
    concurrency: usize,
    /// Budget of the whole probe run in seconds; probes still pending then report `run-deadline`.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    deadline: f64,
    /// Extra attempts after a timeout (never after a definite answer).
    #[arg(long, value_name = "N", default_value_t = 0)]
    retries: u32,
}

impl NetworkArgs {
    /// The probe configuration; the proxy is `--proxy`, else the manifest's
    /// `network.proxy`, else HTTPS_PROXY/ALL_PROXY (NO_PROXY applies to all).
    fn probe_config(&self, manifest_proxy: Option<&str>) -> Result<ProbeConfig> {
        let secs = |v: f64, flag: &str| -> Result<std::time::Duration> {
            if v.is_finite() && v > 0.0 && v < 86_400.0 {
                Ok(std::time::Duration::from_secs_f64(v))
            } else {
                bail!("{flag} must be a positive number of seconds")
            }
        };
        let no_proxy = std::env::var("NO_PROXY")
            .or_else(|_| std::env::var("no_proxy"))
            .unwrap_or_default();
        let proxy = match (&self.proxy, manifest_proxy) {
            (Some(p), _) => Some(
                ProxySetting::parse(p, ProxySource::Flag)
                    .map_err(|e| anyhow::anyhow!("--proxy: {e}"))?
                    .with_no_proxy(&no_proxy),
            ),
            (None, Some(p)) => Some(
                ProxySetting::parse(p, ProxySource::Manifest)
                    .map_err(|e| anyhow::anyhow!("network.proxy: {e}"))?
                    .with_no_proxy(&no_proxy),
            ),
            (None, None) => ProxySetting::from_env()
                .transpose()
                .map_err(|e| anyhow::anyhow!("proxy environment variable: {e}"))?,
        };
        let mut connect_to = Vec::new();
        for c in &self.connect_to {
            connect_to
                .push(ConnectTo::parse(c).map_err(|e| anyhow::anyhow!("--connect-to `{c}`: {e}"))?);
        }
        for f in &self.ca_file {
            let text =
                evidence::text::read_text(f).map_err(|e| anyhow::anyhow!("--ca-file {e}"))?;
            if !text.contains("-----BEGIN CERTIFICATE-----") {
                bail!(
                    "--ca-file {}: no `BEGIN CERTIFICATE` block found (expected PEM certificates)",
                    f.display()
                );
            }
        }
        if self.concurrency == 0 {
            bail!("--concurrency must be at least 1");
        }
        Ok(ProbeConfig {
            resolver: match &self.resolver {
                Some(r) => Some(
                    hybrid_preflight::probe::parse_resolver(r)
                        .map_err(|e| anyhow::anyhow!("--resolver: {e}"))?,
                ),
                None => None,
            },
            ca_files: self.ca_file.clone(),
            public_ca_files: Vec::new(),
            proxy,
            connect_to,
            timeout: secs(self.timeout, "--timeout")?,
            run_deadline: secs(self.deadline, "--deadline")?,
            concurrency: self.concurrency.min(max_concurrency()),
            per_host: self.concurrency.min(128),
            retries: self.retries.min(5),
            ..ProbeConfig::default()
        })
    }
}

/// `--capture` needs the feature, privileges and live probes.
fn check_capture(offline: bool) -> Result<()> {
    if offline {
        bail!("--capture records the live probes' packets; it cannot be combined with --offline");
    }
    #[cfg(not(feature = "capture"))]
    bail!(
        "this build has no live packet capture: rebuild with `cargo build --release --features capture` (needs libpcap)"
    );
    #[cfg(feature = "capture")]
    {
        if !hybrid_preflight::capture::live::has_capture_privilege() {
            bail!(
                "--capture needs root or the CAP_NET_RAW capability (e.g. `sudo setcap cap_net_raw+ep $(which hybrid-preflight)`)"
            );
        }
        Ok(())
    }
}

/// The signal that interrupted the run (2 = SIGINT, 15 = SIGTERM), or 0.
static INTERRUPTED_BY: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// Watches SIGINT and SIGTERM: the first cancels the probes (the reports are
/// still written, marked incomplete); a second one exits at once.
fn interrupt_on_signals() -> hybrid_preflight::audit::Cancel {
    let cancel = hybrid_preflight::audit::Cancel::default();
    let handle = cancel.clone();
    let spawned = std::thread::Builder::new().name("signals".into()).spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
            return;
        };
        rt.block_on(async move {
            use tokio::signal::unix::{SignalKind, signal};
            let (Ok(mut int), Ok(mut term)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) else {
                return;
            };
            let mut first = true;
            loop {
                let sig: u8 = tokio::select! {
                    _ = int.recv() => 2,
                    _ = term.recv() => 15,
                };
                if !first {
                    std::process::exit(128 + i32::from(sig));
                }
                first = false;
                INTERRUPTED_BY.store(sig, std::sync::atomic::Ordering::SeqCst);
                eprintln!("hybrid-preflight: interrupted: writing the reports with the results so far (again to exit now)");
                handle.cancel();
            }
        });
    });
    drop(spawned);
    cancel
}

/// 130 after SIGINT, 143 after SIGTERM.
fn interrupted_exit_code() -> Option<u8> {
    match INTERRUPTED_BY.load(std::sync::atomic::Ordering::SeqCst) {
        0 => None,
        sig => Some(128 + sig),
    }
}

/// Raises the soft open-file limit (Debian's default is 1024; every probe in
/// flight holds up to two descriptors) and returns the concurrency it allows.
fn max_concurrency() -> usize {
    // SAFETY: getrlimit/setrlimit on this process with a valid struct.
    let limit = unsafe {
        let mut l = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) != 0 {
            return 256;
        }
        if l.rlim_cur < 65_536 && l.rlim_cur < l.rlim_max {
            let want = libc::rlimit {
                rlim_cur: l.rlim_max.min(65_536),
                rlim_max: l.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &want) == 0 {
                l.rlim_cur = want.rlim_cur;
            }
        }
        l.rlim_cur
    };
    // Leave room for files, reports and the runtime.
    usize::try_from(limit.saturating_sub(64) / 2)
        .unwrap_or(256)
        .max(1)
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::parse(s).ok_or_else(|| {
        format!("unknown severity `{s}` (expected critical, high, medium, low, info)")
    })
}

/// Exit codes (documented in README).
const EXIT_CLEAN: u8 = 0;
const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::from(EXIT_CLEAN);
            }
            let _ = std::io::stdout().flush();
            eprintln!("hybrid-preflight: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Audit(a) => audit_cmd(*a),
        Command::Collect(c) => collect_cmd(*c),
        Command::Report(ReportCommand::Merge {
            inputs,
            reports,
            fail_on,
        }) => {
            let mut loaded = Vec::with_capacity(inputs.len());
            for p in &inputs {
                loaded.push(report::merge::read(p).map_err(|e| anyhow::anyhow!("{e}"))?);
            }
            let merged = report::merge::merge(loaded);
            write_reports(&merged, &reports)?;
            Ok(if merged.has_findings_at(fail_on) {
                EXIT_FINDINGS
            } else {
                EXIT_CLEAN
            })
        }
        Command::FirewallRequest(f) => firewall_cmd(*f),
        Command::Pcap(p) => {
            check_reports(&p.reports)?;
            let pack = load_pack(&[])?;
            let deployment = match &p.manifest {
                Some(m) => Some(evidence::load(m).map_err(|e| anyhow::anyhow!("{e}"))?),
                None => None,
            };
            let result = audit::run_capture(&p.file, deployment.as_ref(), &pack, p.host.clone())
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            write_reports(&result, &p.reports)?;
            Ok(if result.has_findings_at(p.fail_on) {
                EXIT_FINDINGS
            } else {
                EXIT_CLEAN
            })
        }
        Command::Rules(RulesCommand::List { rules }) => {
            let pack = load_pack(&rules)?;
            let mut out = String::new();
            for r in &pack.rules {
                out.push_str(&format!(
                    "{:<8} {:<9} {:<18} {}\n",
                    r.meta.code,
                    r.meta.severity.as_str(),
                    r.meta.category,
                    r.meta.title
                ));
            }
            print(&out)?;
            Ok(EXIT_CLEAN)
        }
        Command::Rules(RulesCommand::Explain { code, rules }) => {
            let pack = load_pack(&rules)?;
            let Some(r) = pack.get(&code) else {
                bail!("no rule `{code}` (see `hybrid-preflight rules list`)");
            };
            print(&hybrid_preflight::rules::explain(r))?;
            Ok(EXIT_CLEAN)
        }
    }
}

fn load_pack(user: &[PathBuf]) -> Result<RulePack> {
    RulePack::load(user).map_err(|e| anyhow::anyhow!("{e}"))
}

/// Writes to stdout; a reader that went away (`| head`) is not an error, and
/// the exit code still says whether there were findings.
fn print(s: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
}

fn audit_cmd(a: AuditArgs) -> Result<u8> {
    check_reports(&a.reports)?;
    let waivers = match &a.waivers {
        Some(p) => hybrid_preflight::waivers::load(p).map_err(|e| anyhow::anyhow!("{e}"))?,
        None => Vec::new(),
    };
    let baseline = match &a.baseline {
        Some(p) => Some(report::merge::read(p).map_err(|e| anyhow::anyhow!("{e}"))?),
        None => None,
    };
    let now = match &a.now {
        Some(s) => Some(
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                .with_context(|| format!("--now `{s}` is not an RFC 3339 time"))?,
        ),
        None => None,
    };
    let pack = load_pack(&a.rules)?;
    a.network.probe_config(None)?; // flags are checked before anything is loaded
    if a.capture.is_some() {
        check_capture(a.offline)?;
    }
    let mut opts = AuditOptions {
        offline: a.offline,
        select: a.select.clone(),
        ignore: a.ignore.clone(),
        now,
        host: a.host.clone(),
        probe: ProbeConfig::default(),
        cancel: Some(interrupt_on_signals()),
        capture_dir: a.capture.clone(),
        live_auth: a.live_auth,
    };
    let unknown = audit::unknown_selectors(&pack, &opts);
    if !unknown.is_empty() {
        bail!(
            "--select/--ignore name no rule or category: {} (see `hybrid-preflight rules list`)",
            unknown.join(", ")
        );
    }
    let deployment = evidence::load(&a.path).map_err(|e| anyhow::anyhow!("{e}"))?;
    opts.probe = a
        .network
        .probe_config(deployment.network.proxy.as_deref())?;
    let mut result = audit::run(&deployment, &pack, &opts);
    let today = now.unwrap_or_else(time::OffsetDateTime::now_utc).date();
    hybrid_preflight::waivers::apply(&mut result, &waivers, today);
    if let Some(b) = &baseline {
        hybrid_preflight::drift::mark(&mut result, b);
    }
    write_reports(&result, &a.reports)?;
    if result.results.is_empty() {
        eprintln!("hybrid-preflight: warning: no check ran (see --select/--ignore)");
    }
    if let Some(code) = interrupted_exit_code() {
        return Ok(code);
    }
    if a.fail_on_new {
        return Ok(if result.has_new_findings_at(a.fail_on) {
            EXIT_FINDINGS
        } else {
            EXIT_CLEAN
        });
    }
    Ok(if result.has_findings_at(a.fail_on) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

fn firewall_cmd(a: FirewallArgs) -> Result<u8> {
    use hybrid_preflight::firewall;
    let mut outputs = Vec::new();
    for spec in if a.reports.is_empty() {
        vec!["markdown:-".to_owned()]
    } else {
        a.reports.clone()
    } {
        let (format, path) = spec.split_once(':').unwrap_or((spec.as_str(), "-"));
        if !matches!(format, "csv" | "markdown" | "md" | "json") {
            bail!(
                "unknown report format `{format}` for firewall-request (expected csv, markdown, json)"
            );
        }
        outputs.push((format.to_owned(), path.to_owned()));
    }
    if outputs.iter().filter(|(_, p)| p == "-").count() > 1 {
        bail!("only one --report can write to stdout");
    }
    let deployment = evidence::load(&a.path).map_err(|e| anyhow::anyhow!("{e}"))?;
    let rules = match &a.rules_export {
        Some(p) => {
            let text = evidence::text::read_text(p).map_err(|e| anyhow::anyhow!("{e}"))?;
            Some(firewall::parse_rules(p, &text).map_err(|e| anyhow::anyhow!("{e}"))?)
        }
        None => None,
    };
    let mut flows = firewall::flows(&deployment);
    if !a.no_resolve {
        let cfg = a
            .network
            .probe_config(deployment.network.proxy.as_deref())?;
        firewall::resolve(&mut flows, &cfg);
    }
    if let Some(r) = &rules {
        firewall::diff(&mut flows, r);
    }
    for (format, path) in outputs {
        let text = match format.as_str() {
            "csv" => firewall::render_csv(&flows),
            "json" => serde_json::to_string_pretty(&flows)? + "\n",
            _ => firewall::render_markdown(&deployment.name, &flows),
        };
        if path == "-" {
            print(&text)?;
        } else {
            report::write_atomic(std::path::Path::new(&path), &text)
                .with_context(|| format!("cannot write report {path}"))?;
        }
    }
    let needs_change = flows
        .iter()
        .any(|f| f.status.is_some_and(|s| s.needs_change()));
    Ok(if needs_change {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

/// `collect`: the secret only from the environment; every failure exits 2.
fn collect_cmd(c: CollectArgs) -> Result<u8> {
    use hybrid_preflight::collect::{self, CollectOptions, SECRET_ENV};
    let probe = c.network.probe_config(None)?;
    let secret = match std::env::var(SECRET_ENV) {
        Ok(s) if !s.is_empty() => secrecy::SecretString::from(s),
        _ => bail!(
            "set the client secret in the environment variable {SECRET_ENV} (never on the command line)"
        ),
    };
    let opts = CollectOptions {
        base_auth_url: c.base_auth_url,
        base_service_url: c.base_service_url,
        client_id: c.client_id,
        secret,
        out: c.out,
        probe,
    };
    let report = collect::collect(&opts).map_err(|e| anyhow::anyhow!("{e}"))?;
    for w in &report.warnings {
        eprintln!("hybrid-preflight: warning: {w}");
    }
    let mut out = format!("wrote {}\n", report.out.display());
    for (f, note) in &report.files {
        out.push_str(&format!("  {:<36} {note}\n", f.file_name()));
    }
    print(&out)?;
    Ok(EXIT_CLEAN)
}

fn check_reports(specs: &[ReportSpec]) -> Result<()> {
    if specs.iter().filter(|r| r.target == Target::Stdout).count() > 1 {
        bail!("only one --report can write to stdout");
    }
    let mut seen = std::collections::BTreeSet::new();
    for s in specs {
        if let Target::File(p) = &s.target
            && !seen.insert(p.clone())
        {
            bail!("two --report options write to {}", p.display());
        }
    }
    Ok(())
}

/// Writes every requested report (default: the table on stdout).
fn write_reports(result: &hybrid_preflight::AuditReport, specs: &[ReportSpec]) -> Result<()> {
    check_reports(specs)?;
    let default = [ReportSpec {
        format: report::Format::Table,
        target: Target::Stdout,
    }];
    let specs = if specs.is_empty() {
        &default[..]
    } else {
        specs
    };
    let stdout_tty = std::io::stdout().is_terminal();
    for spec in specs {
        let style = Style {
            color: spec.target == Target::Stdout
                && stdout_tty
                && std::env::var_os("NO_COLOR").is_none(),
            width: if stdout_tty { terminal_width() } else { None },
        };
        let text = report::render(spec.format, result, style);
        match &spec.target {
            Target::Stdout => print(&text)?,
            Target::File(p) => report::write_atomic(p, &text)
                .with_context(|| format!("cannot write report {}", p.display()))?,
        }
    }
    Ok(())
}

fn terminal_width() -> Option<u16> {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok())
}

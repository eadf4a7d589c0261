//! Measurement entry point for the probe layer (used by
//! `benches/compare-nmap.sh`): probes `host:port` / `host:lo-hi` targets and
//! prints one summary line. `--listen lo-hi` instead holds listeners open on
//! 127.0.0.1 until killed, to give the comparison its open ports.
//!
//! ```text
//! probe_ports [--depth tcp|tls|full] [--timeout SECS] [--retries N]
//!             [--ca-file PEM] [--public-ca-file PEM] [--connect-to H:P:A:P]...
//!             [--verbose] TARGET...
//! probe_ports --listen LO-HI
//! ```

use hybrid_preflight::Status;
use hybrid_preflight::probe::{ConnectTo, Depth, Endpoint, ProbeConfig, net002, net003, probe_all};
use std::time::{Duration, Instant};

fn main() {
    raise_nofile();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = run(&args) {
        eprintln!("probe_ports: {e}");
        std::process::exit(2);
    }
}

fn range(s: &str) -> Result<(u16, u16), String> {
    let (lo, hi) = s.split_once('-').unwrap_or((s, s));
    let p = |x: &str| x.parse::<u16>().map_err(|_| format!("bad port `{x}`"));
    Ok((p(lo)?, p(hi)?))
}

fn run(args: &[String]) -> Result<(), String> {
    let mut cfg = ProbeConfig {
        depth: Depth::Tcp,
        timeout: Duration::from_secs(1),
        ..Default::default()
    };
    let mut targets = Vec::new();
    let mut verbose = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{a} needs a value"))
        };
        match a.as_str() {
            "--listen" => return listen(range(&val()?)?),
            "--depth" => {
                cfg.depth = match val()?.as_str() {
                    "tcp" => Depth::Tcp,
                    "tls" => Depth::Tls,
                    "full" => Depth::Full,
                    d => return Err(format!("unknown depth `{d}`")),
                }
            }
            "--timeout" => {
                cfg.timeout = Duration::from_secs_f64(val()?.parse().map_err(|_| "bad --timeout")?)
            }
            "--retries" => cfg.retries = val()?.parse().map_err(|_| "bad --retries")?,
            "--ca-file" => cfg.ca_files.push(val()?.into()),
            "--public-ca-file" => cfg.public_ca_files.push(val()?.into()),
            "--connect-to" => cfg.connect_to.push(ConnectTo::parse(&val()?)?),
            "--verbose" => verbose = true,
            t => {
                let (host, ports) = t
                    .rsplit_once(':')
                    .ok_or_else(|| format!("target `{t}` is not host:port"))?;
                let (lo, hi) = range(ports)?;
                targets.extend((lo..=hi).map(|p| Endpoint::new(host, p)));
            }
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let reports = rt.block_on(probe_all(&targets, &cfg));
    let took = started.elapsed();
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for r in &reports {
        let o = if cfg.depth >= Depth::Tls {
            net003(r)
        } else {
            net002(r)
        };
        let key = match o.status {
            Status::Pass => "pass".to_owned(),
            s => format!("{s}:{}", o.reason.as_deref().unwrap_or("")),
        };
        *counts.entry(key).or_default() += 1;
        if verbose {
            println!(
                "{} {} {} [{:.1} ms; tls {}]",
                r.subject(),
                o.status,
                o.message,
                r.elapsed_ms,
                r.tls.to_json()["elapsed_ms"]
            );
        }
    }
    println!(
        "{} endpoints in {:.1} ms: {counts:?}",
        reports.len(),
        took.as_secs_f64() * 1e3
    );
    Ok(())
}

fn listen((lo, hi): (u16, u16)) -> Result<(), String> {
    let mut held = Vec::new();
    for p in lo..=hi {
        held.push(
            std::net::TcpListener::bind(("127.0.0.1", p)).map_err(|e| format!("bind {p}: {e}"))?,
        );
    }
    // Accept and close in a loop so backlogs never fill.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let mut set = tokio::task::JoinSet::new();
        for l in held {
            l.set_nonblocking(true).ok();
            let Ok(l) = tokio::net::TcpListener::from_std(l) else {
                continue;
            };
            set.spawn(async move {
                while let Ok((s, _)) = l.accept().await {
                    drop(s);
                }
            });
        }
        while set.join_next().await.is_some() {}
    });
    Ok(())
}

fn raise_nofile() {
    // SAFETY: plain getrlimit/setrlimit on this process.
    unsafe {
        let mut l = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) == 0 && l.rlim_cur < 8192 {
            l.rlim_cur = l.rlim_max.min(8192);
            libc::setrlimit(libc::RLIMIT_NOFILE, &l);
        }
    }
}

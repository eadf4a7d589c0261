//! Fixtures for the `probe_*` tests, loaded with
//! `#[path = "support/probe/mod.rs"] mod support;` so they stay apart from the
//! shared `tests/support/mod.rs`: a DNS server on hickory-proto, a CA with
//! rcgen, TLS/HTTP servers speaking like Genesys Cloud (or like a proxy's block
//! page), tinyproxy, and network namespaces.
#![allow(dead_code)]

pub mod dns;
pub mod hostile;
pub mod netns;
pub mod pki;
pub mod tinyproxy;
pub mod web;

use std::time::Duration;

/// A probe config for loopback tests: short timeouts, no proxy.
pub fn config() -> hybrid_preflight::probe::ProbeConfig {
    hybrid_preflight::probe::ProbeConfig {
        timeout: Duration::from_secs(2),
        run_deadline: Duration::from_secs(20),
        ..Default::default()
    }
}

/// A free TCP port on 127.0.0.1 (bound then released).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Whether this process may create network namespaces and run iptables.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Whether a command is on PATH.
pub fn have(cmd: &str) -> bool {
    std::process::Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

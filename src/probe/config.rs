//! Probe settings: where to ask DNS, what to trust, which proxy, which
//! endpoints are pinned, and the time and concurrency budgets.

use crate::probe::proxy::ProxySetting;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// How far the probe goes for each endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Depth {
    /// DNS and TCP only (firewall checks, benchmarks): TLS and HTTP rules skip.
    Tcp,
    /// DNS, TCP and TLS: HTTP rules skip.
    Tls,
    /// Every stage (the default).
    #[default]
    Full,
}

/// Everything a probe run needs besides the endpoints.
#[derive(Debug, Clone)]
pub struct ProbeConfig {
    /// `--resolver IP[:PORT]`; `None` reads the system configuration.
    pub resolver: Option<SocketAddr>,
    /// `--ca-file`: corporate CAs added to the trust store in use. They never
    /// count as public CAs, so a chain they issue is reported as interception.
    pub ca_files: Vec<PathBuf>,
    /// CAs treated as public (added to Mozilla's set and to the trust store):
    /// for labs and tests that cannot obtain a publicly issued certificate.
    pub public_ca_files: Vec<PathBuf>,
    /// The proxy, when one is in the path (see [`ProxySetting::from_env`]).
    pub proxy: Option<ProxySetting>,
    /// `--connect-to` pins; the first match wins, as in curl.
    pub connect_to: Vec<ConnectTo>,
    /// Budget of one attempt of one stage (DNS query, connect, handshake, request).
    pub timeout: Duration,
    /// Budget of the whole run; stages still pending then report `run-deadline`.
    pub run_deadline: Duration,
    /// Endpoints probed at once.
    pub concurrency: usize,
    /// Endpoints on the same host (or behind the same proxy) probed at once.
    pub per_host: usize,
    /// Extra attempts after a timeout (never after a definite answer). Zero by
    /// default: the kernel already retransmits SYNs within one attempt, and a
    /// silent drop then costs exactly one `timeout`.
    pub retries: u32,
    /// Which stages run.
    pub depth: Depth,
}

impl Default for ProbeConfig {
    fn default() -> Self {
        ProbeConfig {
            resolver: None,
            ca_files: Vec::new(),
            public_ca_files: Vec::new(),
            proxy: None,
            connect_to: Vec::new(),
            timeout: Duration::from_secs(5),
            run_deadline: Duration::from_secs(60),
            concurrency: 256,
            per_host: 128,
            retries: 0,
            depth: Depth::Full,
        }
    }
}

impl ProbeConfig {
    /// The pin that applies to `host:port`, if any (first match wins).
    pub fn pin_for(&self, host: &str, port: u16) -> Option<(&ConnectTo, SocketAddr)> {
        self.connect_to
            .iter()
            .find(|c| c.matches(host, port))
            .map(|c| (c, c.target(port)))
    }
}

/// Parses `--resolver IP[:PORT]` (`[v6]:port` for IPv6 with a port).
pub fn parse_resolver(s: &str) -> Result<SocketAddr, String> {
    let s = s.trim();
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Ok(sa);
    }
    let inner = s
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(s);
    inner
        .parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| {
            format!("`{s}` is not IP[:PORT] (e.g. 10.0.0.2, 10.0.0.2:5353, [fd00::53]:53)")
        })
}

/// `--connect-to HOST:PORT:ADDR:PORT`, curl's convention: connections to
/// `HOST:PORT` go to `ADDR:PORT` instead, while SNI, certificate name checks
/// and the `Host` header keep using `HOST`. An empty HOST or first PORT
/// matches any; an empty second PORT keeps the original port. ADDR must be an
/// IP address (IPv6 in brackets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTo {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub addr: IpAddr,
    pub to_port: Option<u16>,
}

impl ConnectTo {
    pub fn parse(s: &str) -> Result<ConnectTo, String> {
        let bad = |why: &str| {
            format!(
                "--connect-to `{s}`: {why} (expected HOST:PORT:ADDR:PORT, e.g. login.mypurecloud.ie:443:10.1.2.3:443)"
            )
        };
        let fields = split_fields(s).ok_or_else(|| bad("unbalanced `[`"))?;
        let [host, port, addr, to_port] =
            <[String; 4]>::try_from(fields).map_err(|_| bad("need four `:`-separated fields"))?;
        let port_of = |p: &str, what: &str| -> Result<Option<u16>, String> {
            if p.is_empty() {
                return Ok(None);
            }
            match p.parse::<u16>() {
                Ok(n) if n > 0 => Ok(Some(n)),
                _ => Err(bad(&format!("{what} `{p}` is not a port number"))),
            }
        };
        let port = port_of(&port, "port")?;
        let to_port = port_of(&to_port, "target port")?;
        let addr_text = addr.trim_start_matches('[').trim_end_matches(']');
        let addr = addr_text
            .parse::<IpAddr>()
            .map_err(|_| bad(&format!("target `{addr}` is not an IP address")))?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        Ok(ConnectTo {
            host: (!host.is_empty()).then_some(host),
            port,
            addr,
            to_port,
        })
    }

    /// Whether this pin applies to `host:port`.
    #[must_use]
    pub fn matches(&self, host: &str, port: u16) -> bool {
        self.host
            .as_deref()
            .is_none_or(|h| h.eq_ignore_ascii_case(host))
            && self.port.is_none_or(|p| p == port)
    }

    /// Where a connection to port `port` goes.
    #[must_use]
    pub fn target(&self, port: u16) -> SocketAddr {
        SocketAddr::new(self.addr, self.to_port.unwrap_or(port))
    }
}

impl std::fmt::Display for ConnectTo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = match &self.host {
            Some(h) if h.contains(':') => format!("[{h}]"),
            Some(h) => h.clone(),
            None => String::new(),
        };
        let port = self.port.map(|p| p.to_string()).unwrap_or_default();
        let addr = match self.addr {
            IpAddr::V6(a) => format!("[{a}]"),
            IpAddr::V4(a) => a.to_string(),
        };
        let to_port = self.to_port.map(|p| p.to_string()).unwrap_or_default();
        write!(f, "{host}:{port}:{addr}:{to_port}")
    }
}

/// Splits on `:` outside brackets; `None` when brackets do not balance.
fn split_fields(s: &str) -> Option<Vec<String>> {
    let mut out = vec![String::new()];
    let mut depth = 0u32;
    for c in s.chars() {
        match c {
            '[' => {
                depth += 1;
                out.last_mut()?.push(c);
            }
            ']' => {
                depth = depth.checked_sub(1)?;
                out.last_mut()?.push(c);
            }
            ':' if depth == 0 => out.push(String::new()),
            _ => out.last_mut()?.push(c),
        }
    }
    (depth == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_to_parses_curl_syntax() {
        let c = ConnectTo::parse("login.mypurecloud.ie:443:127.0.0.1:8443").unwrap();
        assert_eq!(c.host.as_deref(), Some("login.mypurecloud.ie"));
        assert_eq!((c.port, c.to_port), (Some(443), Some(8443)));
        assert_eq!(c.target(443), "127.0.0.1:8443".parse().unwrap());
        assert!(c.matches("LOGIN.mypurecloud.ie", 443));
        assert!(!c.matches("login.mypurecloud.ie", 444));
        assert_eq!(c.to_string(), "login.mypurecloud.ie:443:127.0.0.1:8443");

        let v6 = ConnectTo::parse("api.x.test:443:[::1]:9443").unwrap();
        assert_eq!(v6.target(443), "[::1]:9443".parse().unwrap());
        assert_eq!(v6.to_string(), "api.x.test:443:[::1]:9443");

        let any = ConnectTo::parse("::10.0.0.1:").unwrap();
        assert!(any.matches("whatever", 1));
        assert_eq!(any.target(443), "10.0.0.1:443".parse().unwrap());
    }

    #[test]
    fn connect_to_rejects_bad_input_with_reason() {
        for (s, why) in [
            ("a:443:127.0.0.1", "four"),
            ("a:443:not-an-ip:443", "not an IP address"),
            ("a:99999:127.0.0.1:443", "not a port number"),
            ("a:443:[::1:443", "unbalanced"),
            ("a:0:127.0.0.1:443", "not a port number"),
        ] {
            let e = ConnectTo::parse(s).unwrap_err();
            assert!(e.contains(why), "{s}: {e}");
        }
    }

    #[test]
    fn resolver_accepts_ip_and_ip_port() {
        assert_eq!(
            parse_resolver("10.0.0.2").unwrap(),
            "10.0.0.2:53".parse().unwrap()
        );
        assert_eq!(
            parse_resolver("127.0.0.1:5353").unwrap(),
            "127.0.0.1:5353".parse().unwrap()
        );
        assert_eq!(
            parse_resolver("[::1]:5353").unwrap(),
            "[::1]:5353".parse().unwrap()
        );
        assert_eq!(
            parse_resolver("fd00::53").unwrap(),
            "[fd00::53]:53".parse().unwrap()
        );
        assert!(parse_resolver("dns.example").is_err());
    }
}

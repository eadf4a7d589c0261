//! Proxies: the setting (`--proxy`, manifest, or `HTTPS_PROXY`/`NO_PROXY`),
//! which endpoints it applies to, and the HTTP `CONNECT` tunnel.
//!
//! Through a proxy the target name is resolved by the proxy and "reachable"
//! means the proxy accepted `CONNECT host:port`; a 407 or 403 is the proxy's
//! policy speaking, not the endpoint, and is reported as such.
//!
//! Proxy credentials are secrets: the password lives in a [`SecretString`],
//! [`ProxySetting::display`] never shows it, and parse errors never echo a URL
//! that carries credentials.

use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use std::net::IpAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use zeroize::Zeroizing;

/// Where the proxy setting came from (reported as provenance).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxySource {
    /// `--proxy URL`
    Flag,
    /// `network.proxy` in the deployment manifest
    Manifest,
    /// An environment variable (its name)
    Env(String),
}

impl std::fmt::Display for ProxySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProxySource::Flag => f.write_str("--proxy"),
            ProxySource::Manifest => f.write_str("manifest network.proxy"),
            ProxySource::Env(v) => f.write_str(v),
        }
    }
}

/// An HTTP proxy reached with `CONNECT`.
#[derive(Debug, Clone)]
pub struct ProxySetting {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    password: Option<SecretString>,
    pub no_proxy: NoProxy,
    pub source: ProxySource,
}

impl ProxySetting {
    /// Parses `http://[user[:password]@]host[:port]`; the scheme may be left
    /// out (as curl allows) and the port defaults to 80 like any `http://` URL.
    ///
    /// The error never contains the URL when it carries credentials.
    pub fn parse(text: &str, source: ProxySource) -> Result<ProxySetting, String> {
        let text = text.trim();
        let shown = if text.contains('@') {
            "(URL with credentials not shown)".to_owned()
        } else {
            format!("`{text}`")
        };
        let with_scheme = if text.contains("://") {
            text.to_owned()
        } else {
            format!("http://{text}")
        };
        let url = url::Url::parse(&with_scheme)
            .map_err(|e| format!("proxy {shown} from {source} is not a valid URL: {e}"))?;
        if url.scheme() != "http" {
            return Err(format!(
                "proxy {shown} from {source}: scheme `{}` is not supported; use an http:// proxy (HTTPS is tunnelled with CONNECT)",
                url.scheme()
            ));
        }
        let host = match url.host() {
            Some(url::Host::Domain(d)) => d.to_ascii_lowercase(),
            Some(url::Host::Ipv4(a)) => a.to_string(),
            Some(url::Host::Ipv6(a)) => a.to_string(),
            None => return Err(format!("proxy {shown} from {source} has no host")),
        };
        let username = (!url.username().is_empty()).then(|| percent_decode(url.username()));
        let password = url
            .password()
            .map(|p| SecretString::from(Zeroizing::new(percent_decode(p)).as_str().to_owned()));
        Ok(ProxySetting {
            host,
            port: url.port_or_known_default().unwrap_or(80),
            username,
            password,
            no_proxy: NoProxy::default(),
            source,
        })
    }

    /// The proxy the environment names for HTTPS (`HTTPS_PROXY`, `https_proxy`,
    /// `ALL_PROXY`, `all_proxy`, first set wins) with `NO_PROXY`/`no_proxy`;
    /// `None` when no variable is set.
    pub fn from_env() -> Option<Result<ProxySetting, String>> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// [`from_env`](Self::from_env) over any variable source (testable).
    pub fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
    ) -> Option<Result<ProxySetting, String>> {
        let (var, value) = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
            .into_iter()
            .find_map(|k| get(k).filter(|v| !v.trim().is_empty()).map(|v| (k, v)))?;
        let no_proxy = get("NO_PROXY")
            .or_else(|| get("no_proxy"))
            .unwrap_or_default();
        Some(
            Self::parse(&value, ProxySource::Env(var.to_owned()))
                .map(|p| p.with_no_proxy(&no_proxy)),
        )
    }

    /// Adds `NO_PROXY`-style exclusions.
    #[must_use]
    pub fn with_no_proxy(mut self, list: &str) -> ProxySetting {
        self.no_proxy = NoProxy::parse(list);
        self
    }

    /// Whether connections to `host` go through this proxy.
    #[must_use]
    pub fn applies_to(&self, host: &str) -> bool {
        !self.no_proxy.matches(host)
    }

    /// `http://[user@]host:port (from SOURCE)`: never the password.
    #[must_use]
    pub fn display(&self) -> String {
        format!("{} (from {})", self.url_without_password(), self.source)
    }

    /// `http://[user@]host:port`.
    #[must_use]
    pub fn url_without_password(&self) -> String {
        let user = self
            .username
            .as_deref()
            .map(|u| format!("{u}@"))
            .unwrap_or_default();
        format!("http://{user}{}", host_port(&self.host, self.port))
    }

    /// Whether credentials are configured.
    #[must_use]
    pub fn has_credentials(&self) -> bool {
        self.username.is_some()
    }

    pub(crate) fn password(&self) -> Option<&SecretString> {
        self.password.as_ref()
    }

    /// `Basic …` for `Proxy-Authorization`, zeroized on drop.
    pub(crate) fn basic_auth(&self) -> Option<Zeroizing<String>> {
        let user = self.username.as_deref()?;
        let pass = self
            .password
            .as_ref()
            .map(|p| p.expose_secret())
            .unwrap_or("");
        let raw = Zeroizing::new(format!("{user}:{pass}"));
        Some(Zeroizing::new(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw.as_bytes())
        )))
    }
}

/// `host:port`, with IPv6 literals in brackets.
#[must_use]
pub fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `NO_PROXY`: `*`, domain suffixes (`example.com`, `.example.com`,
/// `*.example.com`), IP addresses and CIDR blocks; ports are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoProxy {
    all: bool,
    domains: Vec<String>,
    nets: Vec<(IpAddr, u8)>,
}

impl NoProxy {
    pub fn parse(list: &str) -> NoProxy {
        let mut np = NoProxy::default();
        for raw in list
            .split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            if raw == "*" {
                np.all = true;
                continue;
            }
            let (addr, bits) = match raw.split_once('/') {
                Some((a, b)) => (a, b.parse::<u8>().ok()),
                None => (raw, None),
            };
            let addr = addr.trim_start_matches('[').trim_end_matches(']');
            if let Ok(ip) = addr.parse::<IpAddr>() {
                let max = if ip.is_ipv4() { 32 } else { 128 };
                np.nets.push((ip, bits.unwrap_or(max).min(max)));
                continue;
            }
            let name = raw
                .rsplit_once(':')
                .map_or(raw, |(h, p)| if p.parse::<u16>().is_ok() { h } else { raw });
            let name = name
                .trim_start_matches("*.")
                .trim_start_matches('.')
                .to_ascii_lowercase();
            if !name.is_empty() {
                np.domains.push(name);
            }
        }
        np
    }

    /// Whether `host` bypasses the proxy.
    #[must_use]
    pub fn matches(&self, host: &str) -> bool {
        if self.all {
            return true;
        }
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if let Ok(ip) = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            return self.nets.iter().any(|(net, bits)| in_net(ip, *net, *bits));
        }
        self.domains.iter().any(|d| {
            host == *d
                || (host.len() > d.len()
                    && host.ends_with(d.as_str())
                    && host.as_bytes()[host.len() - d.len() - 1] == b'.')
        })
    }
}

fn in_net(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    let mask = |len: u32, bits: u8| -> u128 {
        if bits == 0 {
            0
        } else {
            (!0u128) << (len - u32::from(bits))
        }
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let m = mask(32, bits) as u32;
            u32::from(a) & m == u32::from(n) & m
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let m = mask(128, bits);
            u128::from(a) & m == u128::from(n) & m
        }
        _ => false,
    }
}

/// The proxy's answer to `CONNECT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tunnel {
    /// 2xx: the proxy connected to the target.
    Established { status: u16 },
    /// Any other status: the proxy refused (407 auth, 403 policy, 502 …).
    Refused {
        status: u16,
        phrase: String,
        /// `Proxy-Agent` or `Server`, to name the proxy product.
        agent: Option<String>,
    },
    /// Not an HTTP response, or one too large to be a proxy's.
    BadResponse(String),
    /// The proxy accepted the connection but did not answer in time.
    Timeout,
    /// The proxy connection broke while talking.
    Io(String),
}

/// Largest proxy response head we read.
const MAX_HEAD: usize = 16 * 1024;

/// Sends `CONNECT authority` and reads the response head, within `budget`.
/// On `Established` the stream is positioned at the start of the tunnel.
pub(crate) async fn connect_tunnel(
    stream: &mut TcpStream,
    authority: &str,
    proxy: &ProxySetting,
    budget: Duration,
) -> Tunnel {
    match tokio::time::timeout(budget, exchange(stream, authority, proxy)).await {
        Ok(t) => t,
        Err(_) => Tunnel::Timeout,
    }
}

async fn exchange(stream: &mut TcpStream, authority: &str, proxy: &ProxySetting) -> Tunnel {
    let mut req = Zeroizing::new(format!(
        "CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: hybrid-preflight/{}\r\n",
        env!("CARGO_PKG_VERSION")
    ));
    if let Some(auth) = proxy.basic_auth() {
        req.push_str("Proxy-Authorization: ");
        req.push_str(&auth);
        req.push_str("\r\n");
    }
    req.push_str("\r\n");
    if let Err(e) = stream.write_all(req.as_bytes()).await {
        return Tunnel::Io(format!("sending CONNECT failed: {}", e.kind()));
    }
    drop(req);
    let mut head = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(0) => {
                return if head.is_empty() {
                    Tunnel::Io(
                        "the proxy closed the connection without answering CONNECT".to_owned(),
                    )
                } else {
                    Tunnel::BadResponse("the proxy closed the connection mid-response".to_owned())
                };
            }
            Ok(n) => n,
            Err(e) => {
                return Tunnel::Io(format!("reading the CONNECT response failed: {}", e.kind()));
            }
        };
        head.extend_from_slice(&buf[..n]);
        if let Some(end) = find_head_end(&head) {
            return parse_head(&head[..end], head.len() > end);
        }
        if head.len() > MAX_HEAD {
            return Tunnel::BadResponse(format!("no end of response head within {MAX_HEAD} bytes"));
        }
    }
}

fn find_head_end(b: &[u8]) -> Option<usize> {
    b.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

fn parse_head(head: &[u8], trailing: bool) -> Tunnel {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let (Some(version), Some(code)) = (parts.next(), parts.next()) else {
        return Tunnel::BadResponse(format!(
            "not an HTTP status line: {}",
            printable(status_line)
        ));
    };
    let Some(status) = version
        .starts_with("HTTP/1.")
        .then(|| code.parse::<u16>().ok())
        .flatten()
    else {
        return Tunnel::BadResponse(format!(
            "not an HTTP status line: {}",
            printable(status_line)
        ));
    };
    let phrase = parts.next().unwrap_or_default().trim().to_owned();
    let agent = lines.find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.eq_ignore_ascii_case("proxy-agent") || k.eq_ignore_ascii_case("server"))
            .then(|| printable(v.trim()))
    });
    if (200..300).contains(&status) {
        if trailing {
            return Tunnel::BadResponse("the proxy sent data after accepting CONNECT".to_owned());
        }
        Tunnel::Established { status }
    } else {
        Tunnel::Refused {
            status,
            phrase: printable(&phrase),
            agent,
        }
    }
}

/// At most 120 printable characters of untrusted text.
pub(crate) fn printable(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(120).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_keeps_password_secret() {
        let p =
            ProxySetting::parse("http://bob:s3cr%40t@proxy.corp:3128", ProxySource::Flag).unwrap();
        assert_eq!((p.host.as_str(), p.port), ("proxy.corp", 3128));
        assert_eq!(p.username.as_deref(), Some("bob"));
        assert_eq!(
            p.password()
                .map(|s| s.expose_secret().to_owned())
                .as_deref(),
            Some("s3cr@t")
        );
        let shown = format!("{} {:?}", p.display(), p);
        assert!(!shown.contains("s3cr"), "{shown}");
        assert_eq!(p.display(), "http://bob@proxy.corp:3128 (from --proxy)");
        let auth = p.basic_auth().unwrap();
        assert_eq!(auth.as_str(), "Basic Ym9iOnMzY3JAdA==");
    }

    #[test]
    fn parse_errors_never_echo_credentials() {
        let e =
            ProxySetting::parse("socks5://bob:hunter2@proxy:1080", ProxySource::Flag).unwrap_err();
        assert!(e.contains("socks5") && !e.contains("hunter2"), "{e}");
        let e = ProxySetting::parse("http://bob:hunter2@[bad", ProxySource::Manifest).unwrap_err();
        assert!(!e.contains("hunter2"), "{e}");
        assert!(ProxySetting::parse("proxy.corp:8080", ProxySource::Flag).is_ok());
    }

    #[test]
    fn env_lookup_order_and_no_proxy() {
        let env = |k: &str| match k {
            "https_proxy" => Some("http://p.corp:3128".to_owned()),
            "ALL_PROXY" => Some("http://other:1".to_owned()),
            "no_proxy" => Some("localhost,.internal.corp, 10.0.0.0/8,*.svc:8443".to_owned()),
            _ => None,
        };
        let p = ProxySetting::from_lookup(env).unwrap().unwrap();
        assert_eq!(p.host, "p.corp");
        assert_eq!(p.source, ProxySource::Env("https_proxy".into()));
        assert!(!p.applies_to("localhost"));
        assert!(!p.applies_to("a.internal.corp"));
        assert!(!p.applies_to("internal.corp"));
        assert!(!p.applies_to("10.20.30.40"));
        assert!(!p.applies_to("x.svc"));
        assert!(p.applies_to("login.mypurecloud.ie"));
        assert!(p.applies_to("notinternal.corp"));
        assert!(p.applies_to("11.0.0.1"));
        assert!(ProxySetting::from_lookup(|_| None).is_none());
        assert!(NoProxy::parse("*").matches("anything"));
    }

    #[test]
    fn connect_response_heads() {
        assert_eq!(
            parse_head(b"HTTP/1.1 200 Connection established\r\n\r\n", false),
            Tunnel::Established { status: 200 }
        );
        assert_eq!(
            parse_head(
                b"HTTP/1.0 407 Proxy Authentication Required\r\nServer: tinyproxy/1.11.1\r\n\r\n",
                false
            ),
            Tunnel::Refused {
                status: 407,
                phrase: "Proxy Authentication Required".into(),
                agent: Some("tinyproxy/1.11.1".into())
            }
        );
        assert!(matches!(
            parse_head(b"SSH-2.0-OpenSSH\r\n\r\n", false),
            Tunnel::BadResponse(_)
        ));
        assert!(matches!(
            parse_head(b"HTTP/1.1 200 OK\r\n\r\n", true),
            Tunnel::BadResponse(_)
        ));
    }
}

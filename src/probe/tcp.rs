//! TCP connect, classified like `nmap -sT`: `open`, `closed (conn-refused)`,
//! `filtered (no-response)` and `filtered (admin-prohibited | host-unreach |
//! net-unreach | port-unreach)`.
//!
//! `connect()`'s errno cannot tell a firewall's ICMP "administratively
//! prohibited" from a router's "host unreachable" (Linux maps both to
//! `EHOSTUNREACH`), nor an ICMP port-unreachable from a real RST (both
//! `ECONNREFUSED`). On Linux the socket is opened with `IP_RECVERR` so the
//! kernel queues the ICMP message itself (type, code and the address of the
//! router or firewall that sent it), which is read from the error queue.

use crate::probe::dns::round_ms;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::net::{TcpSocket, TcpStream};

/// nmap's port states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortState {
    Open,
    Closed,
    Filtered,
    /// The probe itself failed locally (no socket, run deadline).
    Error,
}

impl PortState {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            PortState::Open => "open",
            PortState::Closed => "closed",
            PortState::Filtered => "filtered",
            PortState::Error => "error",
        }
    }
}

/// An ICMP error the kernel received for this connection attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Icmp {
    pub v6: bool,
    pub icmp_type: u8,
    pub code: u8,
    /// Who sent it: a router or firewall on the path.
    pub from: Option<std::net::IpAddr>,
}

/// One address tried.
#[derive(Debug, Clone, PartialEq)]
pub struct TcpAttempt {
    pub address: SocketAddr,
    pub state: PortState,
    /// `open`, `conn-refused`, `no-response`, `admin-prohibited`,
    /// `host-unreach`, `net-unreach`, `port-unreach`, `local-firewall`,
    /// `local-resource`, `connect-error`, `run-deadline`.
    pub reason: &'static str,
    /// Human detail: the OS error, the ICMP message.
    pub detail: String,
    pub icmp: Option<Icmp>,
    /// Local source address the kernel picked.
    pub local: Option<SocketAddr>,
    pub elapsed_ms: f64,
    pub attempts: u32,
}

impl TcpAttempt {
    /// `open`, `closed (conn-refused)`, `filtered (no-response)`.
    #[must_use]
    pub fn label(&self) -> String {
        match self.state {
            PortState::Open => "open".to_owned(),
            s => format!("{} ({})", s.as_str(), self.reason),
        }
    }

    #[must_use]
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "address": self.address.to_string(),
            "state": self.state.as_str(),
            "reason": self.reason,
            "local_address": self.local.map(|l| l.to_string()),
            "elapsed_ms": round_ms(self.elapsed_ms),
            "attempts": self.attempts,
        });
        if !self.detail.is_empty() {
            v["detail"] = json!(self.detail);
        }
        if let Some(i) = self.icmp {
            v["icmp"] = json!({
                "family": if i.v6 { "icmpv6" } else { "icmp" },
                "type": i.icmp_type, "code": i.code,
                "from": i.from.map(|a| a.to_string()),
            });
        }
        v
    }
}

/// Connects to `addr`, retrying only timeouts with doubling backoff, never
/// past `deadline`. Returns the open stream when there is one.
pub async fn connect(
    addr: SocketAddr,
    timeout: Duration,
    deadline: Instant,
    retries: u32,
) -> (TcpAttempt, Option<TcpStream>) {
    let started = Instant::now();
    let mut backoff = Duration::from_millis(100);
    let mut attempts = 0;
    loop {
        attempts += 1;
        let now = Instant::now();
        let until = (now + timeout).min(deadline);
        let (mut a, stream) = if now >= deadline {
            (
                failed(
                    addr,
                    PortState::Error,
                    "run-deadline",
                    "the run deadline passed before connecting".into(),
                ),
                None,
            )
        } else {
            attempt(addr, until, until == deadline).await
        };
        let again =
            a.reason == "no-response" && attempts <= retries && Instant::now() + backoff < deadline;
        if !again {
            a.attempts = attempts;
            a.elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
            return (a, stream);
        }
        tokio::time::sleep(backoff).await;
        backoff *= 2;
    }
}

/// An attempt that failed for a local reason (`connect-error`).
pub(crate) fn connect_error(address: SocketAddr, detail: &str) -> TcpAttempt {
    failed(
        address,
        PortState::Error,
        "connect-error",
        detail.to_owned(),
    )
}

fn failed(
    address: SocketAddr,
    state: PortState,
    reason: &'static str,
    detail: String,
) -> TcpAttempt {
    TcpAttempt {
        address,
        state,
        reason,
        detail,
        icmp: None,
        local: None,
        elapsed_ms: 0.0,
        attempts: 0,
    }
}

async fn attempt(
    addr: SocketAddr,
    until: Instant,
    until_is_run_deadline: bool,
) -> (TcpAttempt, Option<TcpStream>) {
    let sock = match if addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    } {
        Ok(s) => s,
        Err(e) => return (from_errno(addr, &e, None, None), None),
    };
    let watch = errqueue::Watch::new(&sock, addr.is_ipv6());
    let res = tokio::time::timeout_at(until.into(), sock.connect(addr)).await;
    // The success path asks the stream; failures ask the duplicate descriptor.
    let local = || watch.as_ref().and_then(errqueue::Watch::local_addr);
    match res {
        Ok(Ok(stream)) => {
            let local = stream.local_addr().ok();
            let mut a = failed(addr, PortState::Open, "open", String::new());
            a.local = local;
            (a, Some(stream))
        }
        Ok(Err(e)) => {
            let icmp = watch.as_ref().and_then(errqueue::Watch::icmp);
            (from_errno(addr, &e, icmp, local()), None)
        }
        Err(_) if until_is_run_deadline => {
            let mut a = failed(
                addr,
                PortState::Error,
                "run-deadline",
                "the run deadline passed while connecting".into(),
            );
            a.local = local();
            (a, None)
        }
        Err(_) => {
            let mut a = failed(
                addr,
                PortState::Filtered,
                "no-response",
                "no answer to SYN (silently dropped)".into(),
            );
            a.local = local();
            (a, None)
        }
    }
}

/// Classifies a failed connect from its errno and, when the kernel queued
/// one, the ICMP error behind it.
fn from_errno(
    addr: SocketAddr,
    e: &std::io::Error,
    icmp: Option<Icmp>,
    local: Option<SocketAddr>,
) -> TcpAttempt {
    let errno = e.raw_os_error().unwrap_or(0);
    let (state, reason, detail) = if let Some(i) = icmp {
        let (reason, what) = icmp_reason(i);
        let from = i.from.map(|a| format!(" from {a}")).unwrap_or_default();
        (PortState::Filtered, reason, format!("ICMP {what}{from}"))
    } else {
        match errno {
            libc::ECONNREFUSED => (
                PortState::Closed,
                "conn-refused",
                "connection refused (RST)".to_owned(),
            ),
            libc::ETIMEDOUT => (
                PortState::Filtered,
                "no-response",
                "no answer to SYN".to_owned(),
            ),
            libc::EHOSTUNREACH => (
                PortState::Filtered,
                "host-unreach",
                "no route to host".to_owned(),
            ),
            libc::ENETUNREACH => (
                PortState::Filtered,
                "net-unreach",
                "network unreachable".to_owned(),
            ),
            libc::EPERM | libc::EACCES => (
                PortState::Filtered,
                "local-firewall",
                "this host's own firewall refused the connection".to_owned(),
            ),
            libc::EMFILE | libc::ENFILE | libc::EADDRNOTAVAIL | libc::ENOBUFS | libc::ENOMEM => (
                PortState::Error,
                "local-resource",
                format!("out of local resources: {e}"),
            ),
            _ => (PortState::Error, "connect-error", e.to_string()),
        }
    };
    let mut a = failed(addr, state, reason, detail);
    a.icmp = icmp;
    a.local = local;
    a
}

/// ICMP (type 3) and ICMPv6 (type 1) destination-unreachable codes.
fn icmp_reason(i: Icmp) -> (&'static str, String) {
    let r = match (i.v6, i.icmp_type, i.code) {
        (false, 3, 0) | (false, 3, 6) | (false, 3, 11) => "net-unreach",
        (false, 3, 1) | (false, 3, 7) | (false, 3, 12) => "host-unreach",
        (false, 3, 3) => "port-unreach",
        (false, 3, 9) | (false, 3, 10) | (false, 3, 13) => "admin-prohibited",
        (true, 1, 0) => "net-unreach",
        (true, 1, 1) | (true, 1, 5) | (true, 1, 6) => "admin-prohibited",
        (true, 1, 3) => "host-unreach",
        (true, 1, 4) => "port-unreach",
        _ => "icmp-unreach",
    };
    let name = match (i.v6, i.icmp_type, i.code) {
        (false, 3, 0) => "net-unreachable",
        (false, 3, 1) => "host-unreachable",
        (false, 3, 2) => "protocol-unreachable",
        (false, 3, 3) => "port-unreachable",
        (false, 3, 9) => "net-prohibited",
        (false, 3, 10) => "host-prohibited",
        (false, 3, 13) => "admin-prohibited",
        (true, 1, 0) => "no-route",
        (true, 1, 1) => "adm-prohibited",
        (true, 1, 3) => "addr-unreachable",
        (true, 1, 4) => "port-unreachable",
        (true, 1, 5) => "policy-fail",
        (true, 1, 6) => "reject-route",
        _ => "unreachable",
    };
    (r, format!("{name} (type {} code {})", i.icmp_type, i.code))
}

#[cfg(target_os = "linux")]
mod errqueue {
    //! `IP_RECVERR` / `IPV6_RECVERR` and the socket error queue.
    use super::Icmp;
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

    const SO_EE_ORIGIN_ICMP: u8 = 2;
    const SO_EE_ORIGIN_ICMP6: u8 = 3;

    /// A duplicate of the socket's descriptor, kept so the error queue can
    /// be read after `connect` consumed the socket.
    pub(super) struct Watch {
        fd: OwnedFd,
    }

    impl Watch {
        pub(super) fn new(sock: &tokio::net::TcpSocket, v6: bool) -> Option<Watch> {
            let raw = sock.as_raw_fd();
            let on: libc::c_int = 1;
            let (level, opt) = if v6 {
                (libc::SOL_IPV6, libc::IPV6_RECVERR)
            } else {
                (libc::SOL_IP, libc::IP_RECVERR)
            };
            // SAFETY: `raw` is a live socket owned by `sock`; the option value
            // is a c_int of the size passed.
            let rc = unsafe {
                libc::setsockopt(
                    raw,
                    level,
                    opt,
                    (&raw const on).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                )
            };
            if rc != 0 {
                return None;
            }
            // SAFETY: dup of a live descriptor; on success we own the new one.
            let dup = unsafe { libc::fcntl(raw, libc::F_DUPFD_CLOEXEC, 0) };
            // SAFETY: `dup` is a fresh descriptor nobody else owns.
            (dup >= 0).then(|| Watch {
                fd: unsafe { OwnedFd::from_raw_fd(dup) },
            })
        }

        pub(super) fn local_addr(&self) -> Option<SocketAddr> {
            let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
            let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            // SAFETY: buffer and length describe `ss`.
            let rc = unsafe {
                libc::getsockname(self.fd.as_raw_fd(), (&raw mut ss).cast(), &raw mut len)
            };
            if rc != 0 {
                return None;
            }
            let a = sockaddr(&ss)?;
            (!a.ip().is_unspecified()).then_some(a)
        }

        /// The first ICMP error queued for this socket, if any.
        pub(super) fn icmp(&self) -> Option<Icmp> {
            let mut data = [0u8; 256];
            let mut control = [0u64; 64];
            let mut iov = libc::iovec {
                iov_base: data.as_mut_ptr().cast(),
                iov_len: data.len(),
            };
            // SAFETY: zeroed msghdr is a valid empty header.
            let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
            msg.msg_iov = &raw mut iov;
            msg.msg_iovlen = 1;
            msg.msg_control = control.as_mut_ptr().cast();
            msg.msg_controllen = std::mem::size_of_val(&control) as _;
            // SAFETY: every pointer in `msg` refers to live local buffers of the stated sizes.
            let n = unsafe {
                libc::recvmsg(
                    self.fd.as_raw_fd(),
                    &raw mut msg,
                    libc::MSG_ERRQUEUE | libc::MSG_DONTWAIT,
                )
            };
            if n < 0 {
                return None;
            }
            // SAFETY: walking the control buffer the kernel just filled, with the libc CMSG macros.
            unsafe {
                let mut c = libc::CMSG_FIRSTHDR(&raw const msg);
                while !c.is_null() {
                    let (lvl, ty) = ((*c).cmsg_level, (*c).cmsg_type);
                    let ours = (lvl == libc::SOL_IP && ty == libc::IP_RECVERR)
                        || (lvl == libc::SOL_IPV6 && ty == libc::IPV6_RECVERR);
                    if ours {
                        let p = libc::CMSG_DATA(c);
                        let ee: libc::sock_extended_err = std::ptr::read_unaligned(p.cast());
                        if ee.ee_origin == SO_EE_ORIGIN_ICMP || ee.ee_origin == SO_EE_ORIGIN_ICMP6 {
                            let off = p.add(std::mem::size_of::<libc::sock_extended_err>());
                            let from = offender(off);
                            return Some(Icmp {
                                v6: ee.ee_origin == SO_EE_ORIGIN_ICMP6,
                                icmp_type: ee.ee_type,
                                code: ee.ee_code,
                                from,
                            });
                        }
                    }
                    c = libc::CMSG_NXTHDR(&raw const msg, c);
                }
            }
            None
        }
    }

    /// The `SO_EE_OFFENDER` address that follows `sock_extended_err`.
    ///
    /// # Safety
    /// `p` must point into the control buffer right after the extended error.
    unsafe fn offender(p: *const u8) -> Option<IpAddr> {
        // SAFETY: the kernel writes a sockaddr after the extended error; the
        // family field tells which one, and both fit the control buffer.
        unsafe {
            let family = std::ptr::read_unaligned(p.cast::<libc::sa_family_t>());
            match i32::from(family) {
                libc::AF_INET => {
                    let sin: libc::sockaddr_in = std::ptr::read_unaligned(p.cast());
                    Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                        sin.sin_addr.s_addr,
                    ))))
                }
                libc::AF_INET6 => {
                    let sin6: libc::sockaddr_in6 = std::ptr::read_unaligned(p.cast());
                    Some(IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)))
                }
                _ => None,
            }
        }
    }

    fn sockaddr(ss: &libc::sockaddr_storage) -> Option<SocketAddr> {
        match i32::from(ss.ss_family) {
            libc::AF_INET => {
                // SAFETY: the family says this storage holds a sockaddr_in.
                let sin: libc::sockaddr_in = unsafe {
                    std::ptr::read_unaligned((ss as *const libc::sockaddr_storage).cast())
                };
                Some(SocketAddr::new(
                    IpAddr::V4(Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr))),
                    u16::from_be(sin.sin_port),
                ))
            }
            libc::AF_INET6 => {
                // SAFETY: the family says this storage holds a sockaddr_in6.
                let sin6: libc::sockaddr_in6 = unsafe {
                    std::ptr::read_unaligned((ss as *const libc::sockaddr_storage).cast())
                };
                Some(SocketAddr::new(
                    IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)),
                    u16::from_be(sin6.sin6_port),
                ))
            }
            _ => None,
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod errqueue {
    //! Without an error queue the errno alone classifies.
    use super::Icmp;
    use std::net::SocketAddr;

    pub(super) struct Watch;

    impl Watch {
        pub(super) fn new(_: &tokio::net::TcpSocket, _: bool) -> Option<Watch> {
            None
        }
        pub(super) fn local_addr(&self) -> Option<SocketAddr> {
            None
        }
        pub(super) fn icmp(&self) -> Option<Icmp> {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icmp_codes_map_to_nmap_reasons() {
        let v4 = |code| Icmp {
            v6: false,
            icmp_type: 3,
            code,
            from: None,
        };
        assert_eq!(icmp_reason(v4(13)).0, "admin-prohibited");
        assert_eq!(icmp_reason(v4(10)).0, "admin-prohibited");
        assert_eq!(icmp_reason(v4(1)).0, "host-unreach");
        assert_eq!(icmp_reason(v4(0)).0, "net-unreach");
        assert_eq!(icmp_reason(v4(3)).0, "port-unreach");
        let v6 = |code| Icmp {
            v6: true,
            icmp_type: 1,
            code,
            from: None,
        };
        assert_eq!(icmp_reason(v6(1)).0, "admin-prohibited");
        assert_eq!(icmp_reason(v6(4)).0, "port-unreach");
    }

    #[tokio::test]
    async fn loopback_open_and_closed() {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = l.local_addr().unwrap();
        let closed = {
            let t = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            t.local_addr().unwrap()
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        let (a, s) = connect(open, Duration::from_secs(1), deadline, 0).await;
        assert_eq!((a.state, a.reason), (PortState::Open, "open"));
        assert!(s.is_some());
        assert_eq!(a.local.map(|l| l.ip()), Some("127.0.0.1".parse().unwrap()));
        let (c, s) = connect(closed, Duration::from_secs(1), deadline, 0).await;
        assert_eq!(
            (c.state, c.reason, c.label().as_str()),
            (PortState::Closed, "conn-refused", "closed (conn-refused)")
        );
        assert!(s.is_none());
    }
}

//! Live capture with libpcap (cargo feature `capture`): record the packets of
//! the audit's probes so a failed endpoint's packets can be saved and its
//! verdict refined ([`super::refine_tcp_verdict`]).
//!
//! The capture runs on its own thread; [`LiveCapture::stop`] wakes it with
//! `pcap_breakloop`, so it returns promptly, and keeps at most
//! [`MAX_PACKETS`] packets / [`MAX_BYTES`] bytes.

use super::read::LinkType;
use super::write::CapturedPacket;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Packets kept per capture.
pub const MAX_PACKETS: usize = 200_000;
/// Bytes kept per capture.
pub const MAX_BYTES: usize = 64 * 1024 * 1024;
/// Bytes kept per packet: headers and TLS hellos, not bulk data.
const SNAPLEN: i32 = 4096;

/// Why a live capture could not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureError {
    /// Not root and no CAP_NET_RAW.
    NotPermitted { iface: String },
    /// The interface does not exist.
    NoSuchInterface { iface: String },
    /// libpcap rejected the BPF filter.
    BadFilter { detail: String },
    /// The interface's link layer is not one the analysis reads.
    UnsupportedLinkType { dlt: i32 },
    /// Any other libpcap failure.
    Pcap { detail: String },
    /// The capture thread died.
    ThreadPanicked,
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaptureError::NotPermitted { iface } => write!(
                f,
                "capturing on {iface} needs root or the CAP_NET_RAW capability (run as root, or `setcap cap_net_raw+ep` on the binary)"
            ),
            CaptureError::NoSuchInterface { iface } => {
                write!(f, "no network interface named {iface}")
            }
            CaptureError::BadFilter { detail } => write!(f, "invalid capture filter: {detail}"),
            CaptureError::UnsupportedLinkType { dlt } => {
                write!(f, "the interface's link type {dlt} cannot be analysed")
            }
            CaptureError::Pcap { detail } => write!(f, "packet capture failed: {detail}"),
            CaptureError::ThreadPanicked => {
                f.write_str("the packet capture thread stopped unexpectedly")
            }
        }
    }
}

impl std::error::Error for CaptureError {}

/// What a stopped capture holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    pub link: LinkType,
    pub packets: Vec<CapturedPacket>,
    /// Packets not kept because a bound was reached.
    pub not_kept: u64,
}

/// A running capture.
pub struct LiveCapture {
    link: LinkType,
    stop: Arc<AtomicBool>,
    breaker: pcap::BreakLoop,
    thread: Option<JoinHandle<Result<Vec<CapturedPacket>, CaptureError>>>,
    not_kept: Arc<std::sync::atomic::AtomicU64>,
}

impl fmt::Debug for LiveCapture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveCapture")
            .field("link", &self.link)
            .finish_non_exhaustive()
    }
}

impl LiveCapture {
    /// Opens `iface` (`any` for every interface) with a BPF `filter` and
    /// starts capturing. Packets sent after this returns are captured.
    pub fn start(iface: &str, filter: &str) -> Result<LiveCapture, CaptureError> {
        let inactive = pcap::Capture::from_device(iface).map_err(|e| map_err(e, iface))?;
        let mut cap = inactive
            .immediate_mode(true)
            .snaplen(SNAPLEN)
            .timeout(100)
            .open()
            .map_err(|e| map_err(e, iface))?;
        let pcap::Linktype(dlt) = cap.get_datalink();
        let link = LinkType::from_dlt(dlt).ok_or(CaptureError::UnsupportedLinkType { dlt })?;
        cap.filter(filter, true)
            .map_err(|e| CaptureError::BadFilter {
                detail: e.to_string(),
            })?;
        // Linux libpcap in immediate mode may block past the read timeout
        // until a packet comes; `pcap_breakloop` is what wakes it for `stop`.
        let breaker = cap.breakloop_handle();
        let stop = Arc::new(AtomicBool::new(false));
        let not_kept = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let (stop2, not_kept2) = (Arc::clone(&stop), Arc::clone(&not_kept));
        let thread = std::thread::Builder::new()
            .name("hybrid-preflight-capture".to_owned())
            .spawn(move || run(cap, &stop2, &not_kept2))
            .map_err(|e| CaptureError::Pcap {
                detail: e.to_string(),
            })?;
        Ok(LiveCapture {
            link,
            stop,
            breaker,
            thread: Some(thread),
            not_kept,
        })
    }

    #[must_use]
    pub fn link_type(&self) -> LinkType {
        self.link
    }

    /// Stops capturing (within one poll interval) and returns the packets.
    pub fn stop(mut self) -> Result<Captured, CaptureError> {
        self.stop.store(true, Ordering::Relaxed);
        self.breaker.breakloop();
        let packets = match self.thread.take().map(JoinHandle::join) {
            Some(Ok(Ok(p))) => p,
            Some(Ok(Err(e))) => return Err(e),
            Some(Err(_)) | None => return Err(CaptureError::ThreadPanicked),
        };
        Ok(Captured {
            link: self.link,
            packets,
            not_kept: self.not_kept.load(Ordering::Relaxed),
        })
    }
}

impl Drop for LiveCapture {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.breaker.breakloop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(
    mut cap: pcap::Capture<pcap::Active>,
    stop: &AtomicBool,
    not_kept: &std::sync::atomic::AtomicU64,
) -> Result<Vec<CapturedPacket>, CaptureError> {
    let mut out = Vec::new();
    let mut bytes = 0usize;
    while !stop.load(Ordering::Relaxed) {
        match cap.next_packet() {
            Ok(p) => {
                if out.len() >= MAX_PACKETS || bytes + p.data.len() > MAX_BYTES {
                    not_kept.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                bytes += p.data.len();
                let secs = u64::try_from(p.header.ts.tv_sec).unwrap_or(0);
                let micros = u32::try_from(p.header.ts.tv_usec).unwrap_or(0).min(999_999);
                out.push(CapturedPacket {
                    ts: Duration::new(secs, micros * 1000),
                    data: p.data.to_vec(),
                    orig_len: p.header.len,
                });
            }
            // The read timeout, or `pcap_breakloop` (reported as "no more packets").
            Err(pcap::Error::TimeoutExpired | pcap::Error::NoMorePackets) => {}
            Err(e) => {
                return Err(CaptureError::Pcap {
                    detail: e.to_string(),
                });
            }
        }
    }
    Ok(out)
}

fn map_err(e: pcap::Error, iface: &str) -> CaptureError {
    let detail = e.to_string();
    let lower = detail.to_ascii_lowercase();
    if lower.contains("permission") || lower.contains("not permitted") {
        CaptureError::NotPermitted {
            iface: iface.to_owned(),
        }
    } else if lower.contains("no such device") || lower.contains("doesn't exist") {
        CaptureError::NoSuchInterface {
            iface: iface.to_owned(),
        }
    } else {
        CaptureError::Pcap { detail }
    }
}

/// Whether this process may open a live capture: root or CAP_NET_RAW in
/// its effective set (Linux `/proc/self/status`).
#[must_use]
pub fn has_capture_privilege() -> bool {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return false;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .is_some_and(|caps| caps & (1 << 13) != 0)
}

/// A BPF filter for the probes of `servers`: their TCP segments, plus every
/// ICMP error (a router's reject comes from the router's address, so it
/// cannot be selected by host; [`super::packets_for`] sorts them out).
#[must_use]
pub fn bpf_filter(servers: &[SocketAddr]) -> String {
    if servers.is_empty() {
        return "icmp or icmp6".to_owned();
    }
    let tcp: Vec<String> = servers
        .iter()
        .map(|s| format!("(host {} and port {})", s.ip(), s.port()))
        .collect();
    format!("(tcp and ({})) or icmp or icmp6", tcp.join(" or "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{TcpRefinement, packets_for, refine_tcp_verdict};
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn filter_names_every_server() {
        let f = bpf_filter(&[
            "192.0.2.1:443".parse().unwrap(),
            "[2001:db8::1]:8443".parse().unwrap(),
        ]);
        assert_eq!(
            f,
            "(tcp and ((host 192.0.2.1 and port 443) or (host 2001:db8::1 and port 8443))) or icmp or icmp6"
        );
    }

    fn privileged() -> bool {
        if has_capture_privilege() {
            return true;
        }
        eprintln!("skipped: live capture needs root or CAP_NET_RAW");
        false
    }

    #[test]
    fn loopback_handshake_and_refused_port() {
        if !privileged() {
            return;
        }
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let open = listener.local_addr().unwrap();
        let closed = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let cap = LiveCapture::start("lo", &bpf_filter(&[open, closed])).unwrap();
        assert_eq!(cap.link_type(), LinkType::Ethernet);
        let _client = TcpStream::connect_timeout(&open, Duration::from_secs(2)).unwrap();
        let _server_side = listener.accept().unwrap();
        assert!(TcpStream::connect_timeout(&closed, Duration::from_secs(2)).is_err());
        std::thread::sleep(Duration::from_millis(300));
        let got = cap.stop().unwrap();
        assert_eq!(got.not_kept, 0);
        let to_open = packets_for(got.link, &got.packets, open);
        assert!(
            to_open.len() >= 3,
            "SYN, SYN-ACK, ACK expected, got {}",
            to_open.len()
        );
        assert_eq!(refine_tcp_verdict(got.link, &got.packets, open), None);
        let r = refine_tcp_verdict(got.link, &got.packets, closed).unwrap();
        assert_eq!(r, TcpRefinement::ConnRefused { reset_ttl: 64 });
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("closed.pcap");
        crate::capture::write_pcap(
            &path,
            got.link,
            &packets_for(got.link, &got.packets, closed),
        )
        .unwrap();
        let a = crate::capture::analyse_file(
            &path,
            &[crate::capture::Target {
                host: "127.0.0.1".into(),
                port: closed.port(),
            }],
        )
        .unwrap();
        assert_eq!(a.packets, 2, "SYN and RST: {a:#?}");
    }

    #[test]
    fn bad_interface_and_filter_are_named() {
        if !privileged() {
            return;
        }
        let e = LiveCapture::start("hp-no-such-if0", "tcp").unwrap_err();
        assert_eq!(
            e,
            CaptureError::NoSuchInterface {
                iface: "hp-no-such-if0".into()
            },
            "{e}"
        );
        let e = LiveCapture::start("lo", "tcp and and").unwrap_err();
        assert!(matches!(e, CaptureError::BadFilter { .. }), "{e}");
    }

    /// Runs the unprivileged half in a child process that dropped root.
    #[test]
    fn unprivileged_start_says_so() {
        if !nix_is_root() {
            // Already unprivileged: check directly.
            return unprivileged_child_body();
        }
        let exe = std::env::current_exe().unwrap();
        let out = std::process::Command::new("setpriv")
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "--inh-caps=-all",
                "--bounding-set=-all",
            ])
            .arg(&exe)
            .args([
                "--exact",
                "capture::live::tests::unprivileged_child",
                "--ignored",
                "--nocapture",
            ])
            .output()
            .expect("setpriv (util-linux) runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{text}");
        assert!(text.contains("1 passed"), "{text}");
    }

    #[test]
    #[ignore = "run by unprivileged_start_says_so as an unprivileged child"]
    fn unprivileged_child() {
        unprivileged_child_body();
    }

    fn unprivileged_child_body() {
        assert!(!has_capture_privilege());
        let e = LiveCapture::start("lo", "tcp").unwrap_err();
        assert_eq!(e, CaptureError::NotPermitted { iface: "lo".into() });
        assert!(
            e.to_string()
                .contains("needs root or the CAP_NET_RAW capability"),
            "{e}"
        );
    }

    fn nix_is_root() -> bool {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("Uid:"))
                    .map(|u| u.split_whitespace().next() == Some("0"))
            })
            .unwrap_or(false)
    }
}

//! Packet evidence (rule NET008): what a capture taken on an on-prem host
//! shows about each required endpoint, and the live capture the audit takes
//! while probing (cargo feature `capture`).
//!
//! ```text
//! pcap / pcapng ──read──► link layer ──decode──► IP/TCP/UDP/ICMP ──flows──► per target ──verdict──► NET008
//!  (streaming,             Ethernet, SLL,          (etherparse)       DNS, SYN/SYN-ACK/RST,        Outcome
//!   pcap-parser)           SLL2, raw IP                               ICMP, TLS hellos (tls-parser)
//! ```
//!
//! Offline analysis is pure Rust; only live capture needs libpcap.

mod decode;
mod dns;
pub mod flows;
pub mod read;
pub mod tls;
mod verdict;
pub mod write;

#[cfg(feature = "capture")]
pub mod live;

pub use flows::{
    AddressFlows, AlertSeen, Analyzer, CaptureAnalysis, DnsSeen, ForgedReset, IcmpSeen, ResetSeen,
    TargetFlows, Verdict,
};
pub use read::{LinkType, RawPacket, ReadError, ReadSummary, read_packets};
pub use verdict::{TcpRefinement, net008, refine_tcp_verdict};
pub use write::{CapturedPacket, packets_for, write_pcap, write_pcap_to};

use crate::error::InputError;
use std::io::Read;
use std::path::Path;

/// An endpoint to look for in a capture.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target {
    /// Host name or IP literal (IPv6 without brackets).
    pub host: String,
    pub port: u16,
}

impl Target {
    /// Lowercase, without a trailing dot or IPv6 brackets, as captures show names.
    #[must_use]
    pub fn normalized(&self) -> Target {
        let h = self.host.trim().trim_end_matches('.');
        let h = h
            .strip_prefix('[')
            .and_then(|x| x.strip_suffix(']'))
            .unwrap_or(h);
        Target {
            host: h.to_ascii_lowercase(),
            port: self.port,
        }
    }
}

/// Streams a capture file (constant memory) and analyses flows for the
/// targets; with no targets, every TLS SNI seen becomes a target.
pub fn analyse_file(path: &Path, targets: &[Target]) -> Result<CaptureAnalysis, InputError> {
    let file = std::fs::File::open(path).map_err(|e| {
        InputError::new(path, format!("cannot open the capture: {}", io_phrase(&e)))
    })?;
    analyse_reader(file, targets).map_err(|e| {
        let hint = match e {
            ReadError::NotACapture => {
                Some("give a pcap or pcapng file written by tcpdump -w, Wireshark or dumpcap")
            }
            ReadError::Truncated { .. } => Some(
                "the capture was probably copied or stopped while being written; take it again",
            ),
            ReadError::UnsupportedLinkType { .. } => {
                Some("capture on an Ethernet interface or with tcpdump -i any")
            }
            _ => None,
        };
        let err = InputError::new(path, e.to_string());
        match hint {
            Some(h) => err.hint(h),
            None => err,
        }
    })
}

/// [`analyse_file`] over any reader (the fuzz target and tests use byte slices).
pub fn analyse_reader<R: Read + Send>(
    src: R,
    targets: &[Target],
) -> Result<CaptureAnalysis, ReadError> {
    let mut an = Analyzer::new(targets);
    let summary = read_packets(src, |p| an.packet(p))?;
    Ok(an.finish(summary.format))
}

/// Analyses packets held in memory (a live capture).
#[must_use]
pub fn analyse_packets(
    link: LinkType,
    packets: &[CapturedPacket],
    targets: &[Target],
) -> CaptureAnalysis {
    let mut an = Analyzer::new(targets);
    for p in packets {
        an.packet(&RawPacket {
            link,
            ts: p.ts,
            data: &p.data,
            orig_len: p.orig_len,
        });
    }
    an.finish("")
}

fn io_phrase(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => e.kind().to_string(),
    }
}

#[cfg(test)]
mod tests;

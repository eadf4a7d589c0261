//! Packets held in memory (from a live capture) and the classic pcap writer
//! that saves them, so a failed endpoint's packets can be attached to a
//! report and opened in Wireshark. Pure Rust: no libpcap needed to write.

use super::decode::{self, L4};
use super::read::LinkType;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

/// One captured packet, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedPacket {
    /// Time since the Unix epoch.
    pub ts: Duration,
    pub data: Vec<u8>,
    /// Length on the wire (≥ `data.len()` with a snap length).
    pub orig_len: u32,
}

/// Snap length written to the file header.
const SNAPLEN: u32 = 262_144;

/// Writes `packets` as a classic (microsecond) pcap file, atomically: a
/// temporary file in the same folder renamed into place, so a reader never
/// sees half a capture.
pub fn write_pcap(path: &Path, link: LinkType, packets: &[CapturedPacket]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    {
        let mut w = io::BufWriter::new(tmp.as_file_mut());
        write_pcap_to(&mut w, link, packets)?;
        w.flush()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Writes a classic pcap stream to any writer.
pub fn write_pcap_to<W: Write>(
    w: &mut W,
    link: LinkType,
    packets: &[CapturedPacket],
) -> io::Result<()> {
    w.write_all(&0xa1b2_c3d4u32.to_le_bytes())?;
    w.write_all(&2u16.to_le_bytes())?;
    w.write_all(&4u16.to_le_bytes())?;
    w.write_all(&0i32.to_le_bytes())?;
    w.write_all(&0u32.to_le_bytes())?;
    w.write_all(&SNAPLEN.to_le_bytes())?;
    w.write_all(&link.dlt().to_le_bytes())?;
    for p in packets {
        let data = &p.data[..p.data.len().min(SNAPLEN as usize)];
        let secs = u32::try_from(p.ts.as_secs()).unwrap_or(u32::MAX);
        w.write_all(&secs.to_le_bytes())?;
        w.write_all(&p.ts.subsec_micros().to_le_bytes())?;
        w.write_all(&(data.len() as u32).to_le_bytes())?;
        w.write_all(&p.orig_len.max(data.len() as u32).to_le_bytes())?;
        w.write_all(data)?;
    }
    Ok(())
}

/// The packets of one endpoint's probes: TCP segments to or from
/// `server`, and ICMP errors quoting a segment sent to it.
#[must_use]
pub fn packets_for(
    link: LinkType,
    packets: &[CapturedPacket],
    server: SocketAddr,
) -> Vec<CapturedPacket> {
    packets
        .iter()
        .filter(|p| {
            let Some(d) = decode::decode(link, &p.data) else {
                return false;
            };
            match &d.l4 {
                L4::Tcp(t) => {
                    (d.dst == server.ip() && t.dport == server.port())
                        || (d.src == server.ip() && t.sport == server.port())
                }
                L4::Icmp(i) => i
                    .quoted
                    .is_some_and(|q| q.dst == server.ip() && q.dport == server.port()),
                L4::Udp { .. } => false,
            }
        })
        .cloned()
        .collect()
}

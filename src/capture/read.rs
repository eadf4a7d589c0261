//! Streaming pcap / pcapng reader over `pcap-parser`.
//!
//! The file is read through a bounded buffer (64 KiB, grown only for a record
//! larger than that, up to [`MAX_RECORD`]), so a 1 GB capture is read in
//! constant memory. Every packet is handed to a callback with its link type
//! and timestamp; nothing is kept. Corrupt and truncated files end with a
//! [`ReadError`] naming the byte offset, never a panic or an endless loop.

use pcap_parser::pcapng::Block;
use pcap_parser::traits::{PcapNGPacketBlock, PcapReaderIterator};
use pcap_parser::{Linktype, PcapBlockOwned, PcapError, create_reader};
use std::fmt;
use std::io::Read;
use std::time::Duration;

/// Initial read buffer.
const INITIAL_BUFFER: usize = 64 * 1024;
/// Largest single record accepted (pcapng blocks and pcap records alike).
/// Real snap lengths are at most 256 KiB; anything far above is corruption.
pub const MAX_RECORD: usize = 16 * 1024 * 1024;
/// A pcapng file may describe at most this many interfaces per section.
const MAX_INTERFACES: usize = 4096;

/// The link layer a packet starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LinkType {
    /// DLT_EN10MB: Ethernet II (also Linux `lo`).
    Ethernet,
    /// DLT_LINUX_SLL: Linux cooked capture v1 (`tcpdump -i any` before libpcap 1.10).
    LinuxSll,
    /// DLT_LINUX_SLL2: Linux cooked capture v2 (`tcpdump -i any` with libpcap ≥ 1.10).
    LinuxSll2,
    /// DLT_RAW / LINKTYPE_IPV4 / LINKTYPE_IPV6: the packet starts with the IP header.
    RawIp,
    /// DLT_NULL / DLT_LOOP: BSD loopback, a 4-byte address family first.
    Null,
}

impl LinkType {
    /// Maps a pcap link-type number; `None` for link types we cannot decode.
    #[must_use]
    pub const fn from_dlt(dlt: i32) -> Option<LinkType> {
        match dlt {
            1 => Some(LinkType::Ethernet),
            113 => Some(LinkType::LinuxSll),
            276 => Some(LinkType::LinuxSll2),
            101 | 228 | 229 | 12 | 14 => Some(LinkType::RawIp),
            0 | 108 => Some(LinkType::Null),
            _ => None,
        }
    }

    /// The LINKTYPE number written to pcap files.
    #[must_use]
    pub const fn dlt(self) -> u32 {
        match self {
            LinkType::Ethernet => 1,
            LinkType::LinuxSll => 113,
            LinkType::LinuxSll2 => 276,
            LinkType::RawIp => 101,
            LinkType::Null => 0,
        }
    }

    /// Stable name used in reports (`ethernet`, `linux-sll`, `linux-sll2`, `raw-ip`, `null`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            LinkType::Ethernet => "ethernet",
            LinkType::LinuxSll => "linux-sll",
            LinkType::LinuxSll2 => "linux-sll2",
            LinkType::RawIp => "raw-ip",
            LinkType::Null => "null",
        }
    }
}

impl fmt::Display for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One packet as read from the file (borrowed from the read buffer).
#[derive(Debug, Clone, Copy)]
pub struct RawPacket<'a> {
    pub link: LinkType,
    /// Time since the Unix epoch (zero when the format carries none).
    pub ts: Duration,
    /// Captured bytes (may be shorter than `orig_len` with a snap length).
    pub data: &'a [u8],
    pub orig_len: u32,
}

/// Why a capture file could not be read to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Empty, or starts with neither a pcap nor a pcapng header.
    NotACapture,
    /// The file ends inside a record.
    Truncated { offset: u64 },
    /// A record or block does not parse.
    Corrupt { offset: u64, detail: String },
    /// A record claims more than [`MAX_RECORD`] bytes.
    RecordTooLarge { offset: u64 },
    /// A link type this reader cannot decode.
    UnsupportedLinkType { dlt: i32 },
    /// The operating system failed a read.
    Io,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotACapture => {
                f.write_str("not a pcap or pcapng capture (unrecognised or empty header)")
            }
            ReadError::Truncated { offset } => {
                write!(
                    f,
                    "capture is truncated: the record at byte {offset} is cut off by the end of the file"
                )
            }
            ReadError::Corrupt { offset, detail } => {
                write!(f, "capture is corrupt at byte {offset}: {detail}")
            }
            ReadError::RecordTooLarge { offset } => {
                write!(
                    f,
                    "capture is corrupt at byte {offset}: a record claims more than {} MiB",
                    MAX_RECORD >> 20
                )
            }
            ReadError::UnsupportedLinkType { dlt } => write!(
                f,
                "unsupported link type {dlt}: only Ethernet, Linux cooked (SLL/SLL2), raw IP and BSD loopback are read"
            ),
            ReadError::Io => f.write_str("the capture file could not be read"),
        }
    }
}

impl std::error::Error for ReadError {}

/// What the reader saw besides the packets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadSummary {
    /// `pcap` or `pcapng`.
    pub format: &'static str,
    /// Link types seen, in first-seen order.
    pub link_types: Vec<LinkType>,
    pub packets: u64,
}

/// One pcapng interface: its link type and timestamp scale.
#[derive(Debug, Clone, Copy)]
struct Interface {
    link: Option<LinkType>,
    dlt: i32,
    /// Units per second.
    resolution: u64,
    offset_secs: i64,
}

/// Reads every packet of a pcap or pcapng stream, calling `on_packet` for each.
///
/// Memory stays bounded by the largest record (at most [`MAX_RECORD`]).
pub fn read_packets<R, F>(src: R, mut on_packet: F) -> Result<ReadSummary, ReadError>
where
    R: Read + Send,
    F: FnMut(&RawPacket<'_>),
{
    let mut reader = match create_reader(INITIAL_BUFFER, src) {
        Ok(r) => r,
        Err(PcapError::ReadError) => return Err(ReadError::Io),
        Err(PcapError::Incomplete(_)) => return Err(ReadError::Truncated { offset: 0 }),
        Err(_) => return Err(ReadError::NotACapture),
    };
    let mut summary = ReadSummary::default();
    let mut capacity = INITIAL_BUFFER;
    // Legacy pcap: one link type and timestamp unit for the whole file.
    let mut legacy: Option<(Option<LinkType>, i32, u32)> = None;
    // pcapng: interfaces of the current section.
    let mut interfaces: Vec<Interface> = Vec::new();
    // Refills in a row that added no data: the buffer is full with a block
    // the parser cannot size, so it must grow (or give up) to avoid spinning.
    let mut stalled = 0u32;

    loop {
        let offset = reader.consumed() as u64;
        let step = match reader.next() {
            Ok((len, block)) => {
                let r = handle_block(
                    block,
                    offset,
                    &mut legacy,
                    &mut interfaces,
                    &mut summary,
                    &mut on_packet,
                );
                Ok((len, r))
            }
            Err(e) => Err(classify(&e)),
        };
        match step {
            Ok((len, r)) => {
                r?;
                reader.consume(len);
                stalled = 0;
            }
            Err(Next::Eof) => break,
            Err(Next::NeedMore) => {
                let before = reader.data().len();
                if reader.refill().is_err() {
                    return Err(ReadError::Io);
                }
                if reader.data().len() == before && !reader.reader_exhausted() {
                    stalled += 1;
                    if stalled > 2 {
                        grow(&mut *reader, &mut capacity, offset)?;
                        stalled = 0;
                    }
                }
            }
            Err(Next::TooSmall) => {
                // Refuse at once a record that claims more than MAX_RECORD
                // instead of growing the buffer towards it first.
                if claimed_len(summary.format, reader.data()).is_some_and(|n| n > MAX_RECORD as u64)
                {
                    return Err(ReadError::RecordTooLarge { offset });
                }
                grow(&mut *reader, &mut capacity, offset)?;
            }
            Err(Next::Truncated) => return Err(ReadError::Truncated { offset }),
            Err(Next::Io) => return Err(ReadError::Io),
            Err(Next::Corrupt(detail)) => return Err(ReadError::Corrupt { offset, detail }),
        }
    }
    if summary.format.is_empty() {
        return Err(ReadError::NotACapture);
    }
    Ok(summary)
}

/// The reader's error, reduced to what the loop does next (owned, so the
/// reader's buffer borrow ends before refilling).
enum Next {
    Eof,
    NeedMore,
    TooSmall,
    Truncated,
    Io,
    Corrupt(String),
}

fn classify(e: &PcapError<&[u8]>) -> Next {
    match e {
        PcapError::Eof => Next::Eof,
        PcapError::Incomplete(_) => Next::NeedMore,
        PcapError::BufferTooSmall => Next::TooSmall,
        PcapError::UnexpectedEof => Next::Truncated,
        PcapError::ReadError => Next::Io,
        PcapError::HeaderNotRecognized => Next::Corrupt("unrecognised header".to_owned()),
        PcapError::NomError(_, kind) | PcapError::OwnedNomError(_, kind) => {
            Next::Corrupt(format!("malformed block ({})", kind.description()))
        }
    }
}

fn grow(
    reader: &mut (dyn PcapReaderIterator + Send),
    capacity: &mut usize,
    offset: u64,
) -> Result<(), ReadError> {
    if *capacity >= MAX_RECORD {
        return Err(ReadError::RecordTooLarge { offset });
    }
    *capacity = (*capacity * 2).min(MAX_RECORD);
    if reader.grow(*capacity) {
        Ok(())
    } else {
        Err(ReadError::RecordTooLarge { offset })
    }
}

/// The length the next record claims (header included): the smaller of
/// the little- and big-endian readings, so a valid file is never refused.
fn claimed_len(format: &str, data: &[u8]) -> Option<u64> {
    let at = match format {
        "pcap" => 8,
        "pcapng" => 4,
        _ => return None,
    };
    let raw: [u8; 4] = data.get(at..at + 4)?.try_into().ok()?;
    let n = u32::from_le_bytes(raw).min(u32::from_be_bytes(raw));
    Some(u64::from(n) + if format == "pcap" { 16 } else { 0 })
}

fn note_link(summary: &mut ReadSummary, link: LinkType) {
    if !summary.link_types.contains(&link) {
        summary.link_types.push(link);
    }
}

fn handle_block<F: FnMut(&RawPacket<'_>)>(
    block: PcapBlockOwned<'_>,
    offset: u64,
    legacy: &mut Option<(Option<LinkType>, i32, u32)>,
    interfaces: &mut Vec<Interface>,
    summary: &mut ReadSummary,
    on_packet: &mut F,
) -> Result<(), ReadError> {
    match block {
        PcapBlockOwned::LegacyHeader(h) => {
            summary.format = "pcap";
            let Linktype(dlt) = h.network;
            let link = LinkType::from_dlt(dlt);
            if link.is_none() {
                return Err(ReadError::UnsupportedLinkType { dlt });
            }
            let unit = if h.is_nanosecond_precision() {
                1_000_000_000
            } else {
                1_000_000
            };
            *legacy = Some((link, dlt, unit));
        }
        PcapBlockOwned::Legacy(b) => {
            let Some((Some(link), _, unit)) = *legacy else {
                return Err(ReadError::Corrupt {
                    offset,
                    detail: "packet record before the file header".to_owned(),
                });
            };
            note_link(summary, link);
            let ts = timestamp(
                u64::from(b.ts_sec),
                u64::from(b.ts_usec),
                u64::from(unit),
                0,
            );
            summary.packets += 1;
            on_packet(&RawPacket {
                link,
                ts,
                data: b.data,
                orig_len: b.origlen,
            });
        }
        PcapBlockOwned::NG(Block::SectionHeader(_)) => {
            summary.format = "pcapng";
            interfaces.clear();
        }
        PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
            if interfaces.len() >= MAX_INTERFACES {
                return Err(ReadError::Corrupt {
                    offset,
                    detail: "too many interface descriptions".to_owned(),
                });
            }
            let Linktype(dlt) = idb.linktype;
            interfaces.push(Interface {
                link: LinkType::from_dlt(dlt),
                dlt,
                // pcap-parser already validated if_tsresol; an invalid one falls back to µs.
                resolution: idb.ts_resolution().filter(|r| *r > 0).unwrap_or(1_000_000),
                offset_secs: idb.ts_offset(),
            });
        }
        PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
            let Some(iface) = usize::try_from(epb.if_id)
                .ok()
                .and_then(|i| interfaces.get(i))
            else {
                return Err(ReadError::Corrupt {
                    offset,
                    detail: format!(
                        "packet refers to interface {} that no block describes",
                        epb.if_id
                    ),
                });
            };
            let Some(link) = iface.link else {
                return Err(ReadError::UnsupportedLinkType { dlt: iface.dlt });
            };
            note_link(summary, link);
            let raw = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
            let ts = timestamp(
                raw / iface.resolution,
                raw % iface.resolution,
                iface.resolution,
                iface.offset_secs,
            );
            summary.packets += 1;
            on_packet(&RawPacket {
                link,
                ts,
                data: epb.packet_data(),
                orig_len: epb.origlen,
            });
        }
        PcapBlockOwned::NG(Block::SimplePacket(spb)) => {
            let Some(iface) = interfaces.first() else {
                return Err(ReadError::Corrupt {
                    offset,
                    detail: "packet before any interface description".to_owned(),
                });
            };
            let Some(link) = iface.link else {
                return Err(ReadError::UnsupportedLinkType { dlt: iface.dlt });
            };
            note_link(summary, link);
            summary.packets += 1;
            on_packet(&RawPacket {
                link,
                ts: Duration::ZERO,
                data: spb.packet_data(),
                orig_len: spb.origlen,
            });
        }
        // Name resolution, statistics, journal, secrets, custom blocks: not packets.
        PcapBlockOwned::NG(_) => {}
    }
    Ok(())
}

/// `secs + frac / unit + offset`, saturating instead of overflowing on
/// nonsense values (a corrupt file must not panic).
fn timestamp(secs: u64, frac: u64, unit: u64, offset_secs: i64) -> Duration {
    let secs = secs.saturating_add_signed(offset_secs);
    let nanos = if unit == 0 {
        0
    } else {
        // frac < unit, so this fits; u128 keeps huge units from overflowing.
        u32::try_from(u128::from(frac) * 1_000_000_000 / u128::from(unit)).unwrap_or(0)
    };
    Duration::new(secs, nanos.min(999_999_999))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_saturate() {
        assert_eq!(
            timestamp(10, 500_000, 1_000_000, 0),
            Duration::new(10, 500_000_000)
        );
        assert_eq!(timestamp(10, 5, 10, -20), Duration::new(0, 500_000_000));
        assert_eq!(
            timestamp(u64::MAX, 0, 1, i64::MAX),
            Duration::new(u64::MAX, 0)
        );
    }

    #[test]
    fn empty_and_garbage_are_not_captures() {
        assert_eq!(read_packets(&[][..], |_| {}), Err(ReadError::NotACapture));
        assert_eq!(
            read_packets(&b"hello, this is not a capture file at all"[..], |_| {}),
            Err(ReadError::NotACapture)
        );
    }
}

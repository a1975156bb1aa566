//! Reading pcap/pcapng captures into TCP connections, finding the Kafka ones, and pairing
//! their requests and responses: shared by `pcap`, `pcap-frames` and `summary`.
//!
//! Every TCP connection is reassembled per direction by sequence number (retransmitted and
//! out-of-order segments are tolerated; a gap ends that direction). The client is the side that
//! sent the SYN. A connection already open when the capture started has no SYN: its bytes may
//! start mid-frame, so it is skipped (and counted).
//!
//! Without `--port`, a connection is taken for Kafka when its first request frame has a known
//! API key and a plausible version, and the first response frame carries that request's
//! correlation id (or, when there is no response, the request decodes completely).

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;

use bytes::{Bytes, BytesMut};
use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use kafka_codec::frame::{decode_request, peek_request_header, split_frame};
use kafka_codec::ApiKey;
use pcap_parser::traits::PcapNGPacketBlock;
use pcap_parser::{Block, Linktype, PcapBlockOwned, PcapError};

use crate::capture::{FrameCutter, MAX_FRAME_LEN};

/// One TCP segment's payload.
struct Segment {
    seq: u32,
    ts: u64,
    payload: Vec<u8>,
}

/// One direction of one connection.
#[derive(Default)]
pub struct Flow {
    /// Sequence number of the first payload byte (SYN's sequence number + 1), when seen.
    base: Option<u32>,
    segments: Vec<Segment>,
}

/// One TCP connection of the capture.
pub struct Conn {
    pub client: SocketAddr,
    pub server: SocketAddr,
    first_ts: u64,
    /// The client's initial sequence number, when its SYN is in the capture.
    isn: Option<u32>,
    pub requests: Flow,
    pub responses: Flow,
}

impl Conn {
    /// Whether the connection's start (the client's SYN) is in the capture.
    pub fn saw_syn(&self) -> bool {
        self.isn.is_some()
    }

    /// `client->server`, as printed everywhere.
    pub fn name(&self) -> String {
        format!("{}->{}", self.client, self.server)
    }
}

/// A packet's TCP fields that matter here.
struct Tcp<'a> {
    src: SocketAddr,
    dst: SocketAddr,
    seq: u32,
    syn: bool,
    ack: bool,
    payload: &'a [u8],
}

fn tcp_of(linktype: Linktype, data: &[u8]) -> Option<Tcp<'_>> {
    let sliced = match linktype {
        Linktype::ETHERNET => SlicedPacket::from_ethernet(data).ok()?,
        Linktype::RAW | Linktype::IPV4 | Linktype::IPV6 => SlicedPacket::from_ip(data).ok()?,
        Linktype::LINUX_SLL => SlicedPacket::from_linux_sll(data).ok()?,
        // 20-byte SLL2 header, 4-byte BSD loopback header.
        Linktype::LINUX_SLL2 => SlicedPacket::from_ip(data.get(20..)?).ok()?,
        Linktype::NULL | Linktype::LOOP => SlicedPacket::from_ip(data.get(4..)?).ok()?,
        _ => return None,
    };
    let (src, dst) = match sliced.net? {
        NetSlice::Ipv4(ip) => (
            IpAddr::V4(ip.header().source_addr()),
            IpAddr::V4(ip.header().destination_addr()),
        ),
        NetSlice::Ipv6(ip) => (
            IpAddr::V6(ip.header().source_addr()),
            IpAddr::V6(ip.header().destination_addr()),
        ),
        _ => return None,
    };
    let TransportSlice::Tcp(tcp) = sliced.transport? else {
        return None;
    };
    Some(Tcp {
        src: SocketAddr::new(src, tcp.source_port()),
        dst: SocketAddr::new(dst, tcp.destination_port()),
        seq: tcp.sequence_number(),
        syn: tcp.syn(),
        ack: tcp.ack(),
        payload: tcp.payload(),
    })
}

/// Every TCP connection of a capture, in the order they started.
pub fn read_capture(path: &Path) -> Result<Vec<Conn>, String> {
    let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut reader = pcap_parser::create_reader(1 << 20, file)
        .map_err(|e| format!("{}: not a pcap/pcapng file: {e:?}", path.display()))?;
    let mut legacy_linktype = Linktype::ETHERNET;
    let mut if_linktypes: Vec<(Linktype, u64)> = Vec::new();
    let mut conns: Vec<Conn> = Vec::new();
    // The connection currently using each pair of endpoints (smaller address first).
    let mut current: HashMap<(SocketAddr, SocketAddr), usize> = HashMap::new();
    loop {
        let (consumed, packet) = match reader.next() {
            Ok((offset, block)) => {
                let packet = match block {
                    PcapBlockOwned::LegacyHeader(h) => {
                        legacy_linktype = h.network;
                        None
                    }
                    PcapBlockOwned::Legacy(b) => {
                        let ts = u64::from(b.ts_sec) * 1_000_000 + u64::from(b.ts_usec);
                        Some((legacy_linktype, ts, b.data.to_vec()))
                    }
                    PcapBlockOwned::NG(Block::SectionHeader(_)) => {
                        if_linktypes.clear();
                        None
                    }
                    PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                        if_linktypes.push((idb.linktype, idb.ts_resolution().unwrap_or(1_000_000)));
                        None
                    }
                    PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
                        let (lt, resolution) = if_linktypes
                            .get(epb.if_id as usize)
                            .copied()
                            .unwrap_or((Linktype::ETHERNET, 1_000_000));
                        // Microseconds, whatever the interface's resolution (dumpcap: ns).
                        let raw = (u128::from(epb.ts_high) << 32) | u128::from(epb.ts_low);
                        let ts = (raw * 1_000_000 / u128::from(resolution.max(1))) as u64;
                        Some((lt, ts, epb.packet_data().to_vec()))
                    }
                    _ => None,
                };
                (offset, packet)
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => {
                reader
                    .refill()
                    .map_err(|e| format!("{}: reading capture: {e:?}", path.display()))?;
                continue;
            }
            Err(e) => return Err(format!("{}: reading capture: {e:?}", path.display())),
        };
        reader.consume(consumed);
        let Some((linktype, ts, data)) = packet else {
            continue;
        };
        let Some(tcp) = tcp_of(linktype, &data) else {
            continue;
        };
        let pair = if tcp.src <= tcp.dst {
            (tcp.src, tcp.dst)
        } else {
            (tcp.dst, tcp.src)
        };
        let client_syn = tcp.syn && !tcp.ack;
        let idx = match current.get(&pair) {
            // A SYN with a new sequence number starts a new connection on the same ports.
            Some(&i) if !(client_syn && conns[i].isn != Some(tcp.seq)) => i,
            _ => {
                let (client, server) =
                    if client_syn || (!tcp.syn && tcp.src.port() > tcp.dst.port()) {
                        (tcp.src, tcp.dst)
                    } else {
                        // A SYN-ACK comes from the server; without a handshake, the lower port
                        // is taken for the server's.
                        (tcp.dst, tcp.src)
                    };
                conns.push(Conn {
                    client,
                    server,
                    first_ts: ts,
                    isn: client_syn.then_some(tcp.seq),
                    requests: Flow::default(),
                    responses: Flow::default(),
                });
                current.insert(pair, conns.len() - 1);
                conns.len() - 1
            }
        };
        let conn = &mut conns[idx];
        let flow = if tcp.src == conn.client {
            &mut conn.requests
        } else {
            &mut conn.responses
        };
        if tcp.syn {
            flow.base = Some(tcp.seq.wrapping_add(1));
        }
        if !tcp.payload.is_empty() {
            flow.segments.push(Segment {
                seq: tcp.seq,
                ts,
                payload: tcp.payload.to_vec(),
            });
        }
    }
    conns.sort_by_key(|c| c.first_ts);
    Ok(conns)
}

/// The reassembled bytes of a flow, the capture time at which each byte range arrived, and
/// whether a gap (missing segment) cut it short.
pub struct Stream {
    pub bytes: Vec<u8>,
    /// (stream offset where a chunk starts, its timestamp), ascending.
    arrivals: Vec<(u64, u64)>,
    pub gap: bool,
}

pub fn reassemble(flow: &Flow) -> Stream {
    let base = flow
        .base
        .or_else(|| flow.segments.iter().map(|s| s.seq).min())
        .unwrap_or(0);
    let mut by_offset: BTreeMap<u64, Vec<&Segment>> = BTreeMap::new();
    for s in &flow.segments {
        let rel = s.seq.wrapping_sub(base);
        // Sequence numbers before the base (a far wrap) are stale data: ignore them.
        if rel < (1 << 31) {
            by_offset.entry(u64::from(rel)).or_default().push(s);
        }
    }
    let mut st = Stream {
        bytes: Vec::new(),
        arrivals: Vec::new(),
        gap: false,
    };
    let mut next = 0u64;
    for (rel, segs) in by_offset {
        if rel > next {
            st.gap = true;
            break;
        }
        for s in segs {
            let end = rel + s.payload.len() as u64;
            if end <= next {
                continue; // a retransmission of bytes already placed
            }
            let skip = (next - rel) as usize;
            st.arrivals.push((next, s.ts));
            st.bytes.extend_from_slice(&s.payload[skip..]);
            next = end;
        }
    }
    st
}

impl Stream {
    /// When the byte at `offset` arrived.
    pub fn time_of(&self, offset: u64) -> u64 {
        let i = self.arrivals.partition_point(|(o, _)| *o <= offset);
        self.arrivals
            .get(i.saturating_sub(1))
            .map_or(0, |(_, ts)| *ts)
    }
}

/// The first complete frame of a stream, without its size prefix.
fn first_payload(bytes: &[u8]) -> Option<Bytes> {
    let mut buf = BytesMut::from(bytes);
    split_frame(&mut buf, MAX_FRAME_LEN).ok().flatten()
}

/// Whether a connection's first bytes are a Kafka exchange (see the module docs).
pub fn looks_like_kafka(conn: &Conn) -> bool {
    let requests = reassemble(&conn.requests);
    let Some(request) = first_payload(&requests.bytes) else {
        return false;
    };
    let Some((key, version, corr)) = peek_request_header(&request) else {
        return false;
    };
    if ApiKey(key).name().is_none() || !(0..=100).contains(&version) {
        return false;
    }
    let responses = reassemble(&conn.responses);
    match first_payload(&responses.bytes) {
        Some(resp) => resp.get(..4) == Some(&corr.to_be_bytes()[..]),
        None if responses.bytes.is_empty() => {
            let mut frame = (request.len() as u32).to_be_bytes().to_vec();
            frame.extend_from_slice(&request);
            decode_request(Bytes::from(frame)).is_ok()
        }
        None => false,
    }
}

/// Which connections of a capture to look at.
pub struct Selection {
    /// Indexes into the capture's connections.
    pub chosen: Vec<usize>,
    /// Chosen by port but opened before the capture started (not decodable): skipped.
    pub skipped_open: usize,
}

/// Picks the Kafka connections: those to one of `ports`, or, when `ports` is empty, those
/// whose first bytes decode as Kafka. An error (naming the file) when nothing matches, listing
/// the server ports the capture has.
pub fn select(path: &Path, conns: &[Conn], ports: &[u16]) -> Result<Selection, String> {
    let mut chosen = Vec::new();
    let mut skipped_open = 0;
    for (i, c) in conns.iter().enumerate() {
        let wanted = if ports.is_empty() {
            c.saw_syn() && looks_like_kafka(c)
        } else {
            ports.contains(&c.server.port())
        };
        if !wanted {
            continue;
        }
        if c.saw_syn() {
            chosen.push(i);
        } else {
            skipped_open += 1;
        }
    }
    if chosen.is_empty() {
        let mut seen: BTreeMap<u16, usize> = BTreeMap::new();
        let mut kafka_ports: BTreeMap<u16, usize> = BTreeMap::new();
        for c in conns {
            *seen.entry(c.server.port()).or_default() += 1;
            if c.saw_syn() && looks_like_kafka(c) {
                *kafka_ports.entry(c.server.port()).or_default() += 1;
            }
        }
        let listed: Vec<String> = seen
            .iter()
            .map(|(port, n)| {
                let kafka = kafka_ports.get(port).copied().unwrap_or(0);
                let what = if kafka > 0 {
                    format!(", {kafka} Kafka")
                } else {
                    String::new()
                };
                format!(
                    "{port} ({n} connection{}{what})",
                    if *n == 1 { "" } else { "s" }
                )
            })
            .collect();
        let seen = if listed.is_empty() {
            "none".to_string()
        } else {
            listed.join(", ")
        };
        let wanted = if ports.is_empty() {
            "no Kafka connection found".to_string()
        } else {
            let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
            format!("no TCP connection to port {}", ports.join(" or "))
        };
        // Without a port, connections already open when the capture started were never
        // candidates: say how many there were.
        let open_count = if ports.is_empty() {
            conns.iter().filter(|c| !c.saw_syn()).count()
        } else {
            skipped_open
        };
        let open = if open_count > 0 {
            format!(
                " ({open_count} connection(s) opened before the capture started cannot be decoded)"
            )
        } else {
            String::new()
        };
        return Err(format!(
            "{}: {wanted}{open}; server ports in this capture: {seen}",
            path.display()
        ));
    }
    Ok(Selection {
        chosen,
        skipped_open,
    })
}

/// One request, its response when one came, and when the request was sent.
pub struct Exchange {
    /// Capture time of the request's first byte, in microseconds.
    pub time: u64,
    /// Index of the connection in the capture.
    pub conn: usize,
    pub request: Bytes,
    pub response: Option<Bytes>,
}

/// Pairs the requests and responses of the chosen connections by correlation id; `warn`
/// receives a line for each response no request asked for and each gap in a stream. Sorted by
/// time.
pub fn exchanges(conns: &[Conn], chosen: &[usize], warn: &mut dyn FnMut(String)) -> Vec<Exchange> {
    let mut out: Vec<Exchange> = Vec::new();
    for &i in chosen {
        let conn = &conns[i];
        let name = conn.name();
        let req_stream = reassemble(&conn.requests);
        let resp_stream = reassemble(&conn.responses);
        for (what, st) in [("request", &req_stream), ("response", &resp_stream)] {
            if st.gap {
                warn(format!(
                    "{name}: gap in the {what} stream after {} bytes; rest ignored",
                    st.bytes.len()
                ));
            }
        }
        let mut pending: HashMap<i32, usize> = HashMap::new();
        for f in FrameCutter::default().push(&req_stream.bytes) {
            let Some((_, _, corr)) = f.bytes.get(4..).and_then(peek_request_header) else {
                continue;
            };
            pending.insert(corr, out.len());
            out.push(Exchange {
                time: req_stream.time_of(f.offset),
                conn: i,
                request: Bytes::from(f.bytes),
                response: None,
            });
        }
        for f in FrameCutter::default().push(&resp_stream.bytes) {
            let Some(corr) = f
                .bytes
                .get(4..8)
                .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            else {
                continue;
            };
            match pending.remove(&corr) {
                Some(j) => out[j].response = Some(Bytes::from(f.bytes)),
                None => warn(format!(
                    "{name}: response with unknown correlation id {corr}"
                )),
            }
        }
    }
    out.sort_by_key(|e| e.time);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reassembly_tolerates_retransmission_and_reordering() {
        let seg = |seq: u32, p: &[u8]| Segment {
            seq,
            ts: u64::from(seq.wrapping_add(2)),
            payload: p.to_vec(),
        };
        let flow = Flow {
            base: Some(u32::MAX - 1), // wraps
            segments: vec![
                seg(u32::MAX - 1, b"abc"),
                seg((u32::MAX - 1).wrapping_add(6), b"ghi"),
                seg((u32::MAX - 1).wrapping_add(3), b"def"),
                seg((u32::MAX - 1).wrapping_add(3), b"def"),
                seg((u32::MAX - 1).wrapping_add(4), b"efgh"),
            ],
        };
        let st = reassemble(&flow);
        assert_eq!(st.bytes, b"abcdefghi");
        assert!(!st.gap);
    }

    #[test]
    fn reassembly_stops_at_gap() {
        let flow = Flow {
            base: Some(100),
            segments: vec![
                Segment {
                    seq: 100,
                    ts: 0,
                    payload: b"ab".to_vec(),
                },
                Segment {
                    seq: 105,
                    ts: 1,
                    payload: b"zz".to_vec(),
                },
            ],
        };
        let st = reassemble(&flow);
        assert_eq!(st.bytes, b"ab");
        assert!(st.gap);
    }
}

//! `kafka-inspect pcap-frames FILE --port N [--port M ...] --out DIR [--label TEXT]`
//!
//! Cuts a packet capture (pcap or pcapng, e.g. from `dumpcap -i lo`) of Kafka traffic into the
//! same frame files and manifest as the recording proxy. Used where a proxy cannot sit between
//! the peers, e.g. librdkafka's mock cluster, which picks its own port and advertises it.
//!
//! Each TCP connection whose server side is one of the given ports is reassembled per
//! direction by sequence number (retransmitted and out-of-order segments are tolerated; a gap
//! ends that direction, noted in the manifest). Frames of all connections are then replayed
//! into [`crate::capture`] in the order they completed, so the sequence numbers follow time.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use pcap_parser::traits::PcapNGPacketBlock;
use pcap_parser::{Block, Linktype, PcapBlockOwned, PcapError};

use crate::capture::{Direction, FrameCutter, Recorder};

pub(crate) struct Options {
    pub(crate) file: PathBuf,
    pub(crate) ports: Vec<u16>,
    pub(crate) out: PathBuf,
    pub(crate) label: String,
}

fn parse(args: &[String]) -> Option<Options> {
    let mut file = None;
    let mut ports = Vec::new();
    let mut out = None;
    let mut label = String::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--port" => ports.push(it.next()?.parse().ok()?),
            "--out" => out = Some(PathBuf::from(it.next()?)),
            "--label" => label = it.next()?.clone(),
            s if !s.starts_with("--") && file.is_none() => file = Some(PathBuf::from(s)),
            _ => return None,
        }
    }
    if ports.is_empty() {
        return None;
    }
    Some(Options {
        file: file?,
        ports,
        out: out?,
        label,
    })
}

pub fn main(args: &[String]) -> ExitCode {
    let Some(opts) = parse(args) else {
        eprintln!(
            "usage: kafka-inspect pcap-frames FILE --port N [--port M ...] --out DIR [--label TEXT]"
        );
        return ExitCode::from(2);
    };
    match run(&opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pcap-frames: {e}");
            ExitCode::from(1)
        }
    }
}

/// One TCP segment's payload.
struct Segment {
    seq: u32,
    ts: u64,
    payload: Vec<u8>,
}

/// One direction of one connection.
#[derive(Default)]
pub(crate) struct Flow {
    /// Sequence number of the first payload byte (SYN's sequence number + 1), when seen.
    base: Option<u32>,
    segments: Vec<Segment>,
}

/// A connection: client side (address, port), server side (address, port), and a generation
/// number that tells apart connections reusing the same ports within one capture.
pub(crate) type ConnKey = (IpAddr, u16, IpAddr, u16, u32);

/// Client address and port, server address and port.
type FourTuple = (IpAddr, u16, IpAddr, u16);

#[derive(Default)]
pub(crate) struct Conn {
    first_ts: u64,
    /// Whether the client's SYN is in the capture. A connection already open when the capture
    /// started is skipped: its bytes start mid-stream and cannot be cut into frames safely.
    pub(crate) saw_syn: bool,
    pub(crate) requests: Flow,
    pub(crate) responses: Flow,
}

/// A packet's TCP fields that matter here.
struct Tcp<'a> {
    src: IpAddr,
    dst: IpAddr,
    sport: u16,
    dport: u16,
    seq: u32,
    syn: bool,
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
        src,
        dst,
        sport: tcp.source_port(),
        dport: tcp.destination_port(),
        seq: tcp.sequence_number(),
        syn: tcp.syn(),
        payload: tcp.payload(),
    })
}

/// All connections to the given ports in the capture, keyed and in first-seen order.
pub(crate) fn read_capture(opts: &Options) -> Result<Vec<(ConnKey, Conn)>, String> {
    let file = File::open(&opts.file).map_err(|e| format!("{}: {e}", opts.file.display()))?;
    let mut reader = pcap_parser::create_reader(1 << 20, file)
        .map_err(|e| format!("{}: not a pcap/pcapng file: {e:?}", opts.file.display()))?;
    let mut legacy_linktype = Linktype::ETHERNET;
    let mut if_linktypes: Vec<(Linktype, u64)> = Vec::new();
    let mut conns: HashMap<ConnKey, Conn> = HashMap::new();
    let mut order: Vec<ConnKey> = Vec::new();
    // Current generation per 4-tuple; bumped by a client SYN with a new sequence number.
    let mut generation: HashMap<FourTuple, (u32, Option<u32>)> = HashMap::new();
    let mut packets = 0u64;
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
                    .map_err(|e| format!("reading capture: {e:?}"))?;
                continue;
            }
            Err(e) => return Err(format!("reading capture: {e:?}")),
        };
        reader.consume(consumed);
        let Some((linktype, ts, data)) = packet else {
            continue;
        };
        packets += 1;
        let Some(tcp) = tcp_of(linktype, &data) else {
            continue;
        };
        let (dir, tuple) = if opts.ports.contains(&tcp.dport) {
            (Direction::Request, (tcp.src, tcp.sport, tcp.dst, tcp.dport))
        } else if opts.ports.contains(&tcp.sport) {
            (
                Direction::Response,
                (tcp.dst, tcp.dport, tcp.src, tcp.sport),
            )
        } else {
            continue;
        };
        let gen = generation.entry(tuple).or_insert((0, None));
        let client_syn = dir == Direction::Request && tcp.syn;
        if client_syn {
            match gen.1 {
                Some(isn) if isn != tcp.seq => {
                    gen.0 += 1;
                    gen.1 = Some(tcp.seq);
                }
                _ => gen.1 = Some(tcp.seq),
            }
        }
        let key = (tuple.0, tuple.1, tuple.2, tuple.3, gen.0);
        let conn = conns.entry(key).or_insert_with(|| {
            order.push(key);
            Conn {
                first_ts: ts,
                ..Conn::default()
            }
        });
        let flow = match dir {
            Direction::Request => &mut conn.requests,
            Direction::Response => &mut conn.responses,
        };
        if tcp.syn {
            flow.base = Some(tcp.seq.wrapping_add(1));
        }
        conn.saw_syn |= client_syn;
        if !tcp.payload.is_empty() {
            flow.segments.push(Segment {
                seq: tcp.seq,
                ts,
                payload: tcp.payload.to_vec(),
            });
        }
    }
    eprintln!(
        "pcap-frames: {packets} packets, {} connections to port(s) {:?}",
        order.len(),
        opts.ports
    );
    let mut out: Vec<(ConnKey, Conn)> = order
        .into_iter()
        .filter_map(|k| conns.remove(&k).map(|c| (k, c)))
        .collect();
    out.sort_by_key(|(_, c)| c.first_ts);
    Ok(out)
}

/// The reassembled bytes of a flow, the capture time at which each byte range arrived, and
/// whether a gap (missing segment) cut it short.
pub(crate) struct Stream {
    pub(crate) bytes: Vec<u8>,
    /// (stream offset where a chunk starts, its timestamp), ascending.
    arrivals: Vec<(u64, u64)>,
    pub(crate) gap: bool,
}

pub(crate) fn reassemble(flow: &Flow) -> Stream {
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
    pub(crate) fn time_of(&self, offset: u64) -> u64 {
        let i = self.arrivals.partition_point(|(o, _)| *o <= offset);
        self.arrivals
            .get(i.saturating_sub(1))
            .map_or(0, |(_, ts)| *ts)
    }
}

fn run(opts: &Options) -> Result<(), String> {
    let conns = read_capture(opts)?;
    let recorder = Recorder::open(&opts.out, &opts.label)
        .map_err(|e| format!("{}: {e}", opts.out.display()))?;
    // (completion time, connection index, requests before responses, stream offset, frame)
    let mut events: Vec<(u64, usize, u8, u64, Vec<u8>)> = Vec::new();
    let mut recs = Vec::new();
    for (i, (key, conn)) in conns.iter().enumerate() {
        let peer = format!("{}:{}->{}:{}", key.0, key.1, key.2, key.3);
        if !conn.saw_syn {
            eprintln!("pcap-frames: {peer}: opened before the capture started; skipped");
            recs.push(None);
            continue;
        }
        recs.push(Some(recorder.connection(&peer)));
        for (order, flow) in [(0u8, &conn.requests), (1u8, &conn.responses)] {
            let stream = reassemble(flow);
            if stream.gap {
                eprintln!(
                    "pcap-frames: {peer}: gap in the {} stream after {} bytes; rest ignored",
                    if order == 0 { "request" } else { "response" },
                    stream.bytes.len()
                );
            }
            let mut cutter = FrameCutter::default();
            for f in cutter.push(&stream.bytes) {
                let done = stream.time_of(f.offset + f.bytes.len() as u64 - 1);
                events.push((done, i, order, f.offset, f.bytes));
            }
        }
    }
    events.sort_by_key(|e| (e.0, e.1, e.2, e.3));
    let mut frames = 0usize;
    for (_, i, order, _, bytes) in events {
        let Some(conn) = recs[i].as_mut() else {
            continue;
        };
        let r = if order == 0 {
            conn.request_frame(&bytes)
        } else {
            conn.response_frame(bytes)
        };
        r.map_err(|e| format!("writing frames: {e}"))?;
        frames += 1;
    }
    let (mut unanswered, mut unpaired) = (0, 0);
    for c in recs.into_iter().flatten() {
        let s = c.close().map_err(|e| format!("writing frames: {e}"))?;
        unanswered += s.unanswered;
        unpaired += s.unpaired_responses;
    }
    eprintln!(
        "pcap-frames: wrote {frames} frames into {} ({unanswered} requests unanswered, {unpaired} responses unpaired)",
        opts.out.display()
    );
    Ok(())
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

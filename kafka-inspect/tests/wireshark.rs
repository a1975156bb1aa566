//! Compares what Wireshark's Kafka dissector (tshark) reads from captured frames with what
//! kafka-codec decodes: API key, version, correlation id and client id of every request, the
//! correlation id of every response, and that every topic name Wireshark finds is one we decode
//! too. Needs tshark, so it is `#[ignore]`d in the ordinary `cargo test`; CI installs tshark
//! and runs it with `--ignored`, where a missing tshark fails the test.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

use bytes::Bytes;
use common::{captures, collect_strings};
use kafka_codec::frame::{decode_request, decode_response};

fn pairs(dir: &Path, out: &mut Vec<(PathBuf, Option<PathBuf>)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            pairs(&p, out);
        } else if let Some(stem) = p.to_string_lossy().strip_suffix(".req.bin") {
            let resp = PathBuf::from(format!("{stem}.resp.bin"));
            out.push((p.clone(), resp.exists().then_some(resp)));
        }
    }
}

/// A minimal pcap writer: Ethernet / IPv4 / TCP segments on loopback.
struct Pcap {
    buf: Vec<u8>,
}

impl Pcap {
    fn new() -> Self {
        let mut buf = Vec::new();
        buf.extend_from_slice(&0xa1b2c3d4u32.to_le_bytes());
        buf.extend_from_slice(&2u16.to_le_bytes());
        buf.extend_from_slice(&4u16.to_le_bytes());
        buf.extend_from_slice(&0i32.to_le_bytes());
        buf.extend_from_slice(&0u32.to_le_bytes());
        buf.extend_from_slice(&65535u32.to_le_bytes());
        buf.extend_from_slice(&1u32.to_le_bytes()); // Ethernet
        Pcap { buf }
    }

    fn segment(&mut self, sport: u16, dport: u16, seq: u32, ack: u32, payload: &[u8], t: u32) {
        let mut pkt = Vec::with_capacity(54 + payload.len());
        pkt.extend_from_slice(&[0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x08, 0x00]);
        let total = (40 + payload.len()) as u16;
        pkt.extend_from_slice(&[0x45, 0]);
        pkt.extend_from_slice(&total.to_be_bytes());
        pkt.extend_from_slice(&[0, 0, 0x40, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]);
        pkt.extend_from_slice(&sport.to_be_bytes());
        pkt.extend_from_slice(&dport.to_be_bytes());
        pkt.extend_from_slice(&seq.to_be_bytes());
        pkt.extend_from_slice(&ack.to_be_bytes());
        pkt.extend_from_slice(&[0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
        pkt.extend_from_slice(payload);
        self.buf.extend_from_slice(&t.to_le_bytes());
        self.buf.extend_from_slice(&0u32.to_le_bytes());
        self.buf
            .extend_from_slice(&(pkt.len() as u32).to_le_bytes());
        self.buf
            .extend_from_slice(&(pkt.len() as u32).to_le_bytes());
        self.buf.extend_from_slice(&pkt);
    }

    /// One whole message from one side, cut into segments small enough for IPv4.
    fn message(&mut self, sport: u16, dport: u16, seq: &mut u32, ack: u32, data: &[u8], t: u32) {
        for chunk in data.chunks(8192) {
            self.segment(sport, dport, *seq, ack, chunk, t);
            *seq = seq.wrapping_add(chunk.len() as u32);
        }
    }
}

#[test]
#[ignore = "needs tshark (apt-get install tshark); CI runs it with --ignored"]
fn wireshark_agrees_with_us() {
    if let Err(e) = Command::new("tshark").arg("--version").output() {
        panic!("tshark cannot be run ({e}): apt-get install tshark");
    }
    let mut all = Vec::new();
    pairs(&captures(), &mut all);
    assert!(
        !all.is_empty(),
        "no captured frames under {}",
        captures().display()
    );
    // A deterministic sample across the corpus, small frames first in each step.
    let step = (all.len() / 200).max(1);
    let sample: Vec<_> = all.into_iter().step_by(step).collect();

    let mut pcap = Pcap::new();
    let mut expected = Vec::new();
    for (i, (req_path, resp_path)) in sample.iter().enumerate() {
        let req_bytes = Bytes::from(std::fs::read(req_path).unwrap());
        let Ok(req) = decode_request(req_bytes.clone()) else {
            continue;
        };
        let resp = resp_path.as_ref().and_then(|p| {
            let b = Bytes::from(std::fs::read(p).unwrap());
            decode_response(req.api_key(), req.api_version(), b.clone())
                .ok()
                .map(|r| (b, r))
        });
        // One TCP stream per exchange, so correlation ids from different sessions never meet.
        let port = 20000 + i as u16;
        let (mut cseq, mut sseq) = (1u32, 1u32);
        pcap.message(port, 9092, &mut cseq, sseq, &req_bytes, i as u32);
        if let Some((b, _)) = &resp {
            pcap.message(9092, port, &mut sseq, cseq, b, i as u32);
        }
        let mut names = BTreeSet::new();
        collect_strings(&serde_json::to_value(&req.body).unwrap(), &mut names);
        if let Some((_, r)) = &resp {
            collect_strings(&serde_json::to_value(&r.body).unwrap(), &mut names);
        }
        // Topic names are compared only where we decode the bodies (APIs outside the crate's
        // scope, like CreateTopics, stay raw bytes).
        let raw = matches!(req.body, kafka_codec::RequestBody::Raw(_));
        if raw {
            names.clear();
        }
        expected.push((port, req, resp.map(|(_, r)| r), names, req_path.clone()));
    }
    let dir = std::env::temp_dir().join(format!("kafka-codec-wireshark-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("sample.pcap");
    std::fs::File::create(&file)
        .unwrap()
        .write_all(&pcap.buf)
        .unwrap();

    let out = Command::new("tshark")
        .arg("-r")
        .arg(&file)
        .args([
            "-d",
            "tcp.port==9092,kafka",
            "-o",
            "tcp.desegment_tcp_streams:TRUE",
        ])
        .args([
            "-T",
            "fields",
            "-E",
            "separator=\t",
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=|",
        ])
        .args([
            "-e",
            "tcp.srcport",
            "-e",
            "tcp.dstport",
            "-e",
            "kafka.request_key",
        ])
        .args(["-e", "kafka.request.version", "-e", "kafka.correlation_id"])
        .args(["-e", "kafka.client_id", "-e", "kafka.topic_name"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);

    let (mut requests, mut responses, mut topics) = (0, 0, 0);
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 7 || f[4].is_empty() {
            continue; // a segment Wireshark is still reassembling
        }
        let (sport, dport): (u16, u16) = (f[0].parse().unwrap(), f[1].parse().unwrap());
        let port = if dport == 9092 { sport } else { dport };
        let Some((_, req, resp, names, path)) = expected.iter().find(|e| e.0 == port) else {
            continue;
        };
        let corr: i32 = f[4].split('|').next().unwrap().parse().unwrap();
        assert_eq!(corr, req.header.correlation_id, "{}", path.display());
        if dport == 9092 {
            requests += 1;
            if !f[2].is_empty() {
                assert_eq!(
                    f[2].parse::<i16>().unwrap(),
                    req.header.request_api_key.0,
                    "{}",
                    path.display()
                );
            }
            if !f[3].is_empty() {
                assert_eq!(
                    f[3].parse::<i16>().unwrap(),
                    req.header.request_api_version,
                    "{}",
                    path.display()
                );
            }
            if !f[5].is_empty() {
                assert_eq!(
                    Some(f[5]),
                    req.header
                        .client_id
                        .as_ref()
                        .map(|c| c.to_string_lossy())
                        .as_deref(),
                    "{}",
                    path.display()
                );
            }
        } else {
            responses += 1;
            assert!(resp.is_some(), "{}", path.display());
        }
        if names.is_empty() {
            continue;
        }
        for t in f[6]
            .split('|')
            .filter(|t| !t.is_empty() && !t.starts_with("[ "))
        {
            topics += 1;
            assert!(
                names.contains(t),
                "{}: Wireshark saw topic {t:?}, we did not",
                path.display()
            );
        }
    }
    eprintln!(
        "tshark and kafka-codec agree on {requests} requests, {responses} responses, {topics} topic names"
    );
    assert!(
        requests > expected.len() / 2,
        "tshark dissected too few requests: {requests}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

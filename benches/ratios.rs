//! The targets as ratios, measured robustly on a shared machine: for each workload the
//! variants (kafka-codec, kafka-protocol, the floor) run interleaved, round after round, and the
//! fastest round of each is kept, so a burst of load from elsewhere hits every variant alike
//! instead of skewing one of them. Prints a table; `cargo bench --bench ratios`.
//! Under `-- --test` (CI) every operation runs once.

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use kafka_codec::records::{Compression, RecordOptions};
use kafka_codec::Message;
use kafka_protocol::protocol::{Decodable, Encodable};

use common::walk::{floor_walk, kc_walk, kp_walk};
use common::{alloc, data};

type Op<'a> = (&'a str, Box<dyn FnMut() -> u64 + 'a>);

/// Fastest of `rounds` interleaved runs of each op, in ns, after a time budget or the rounds.
fn interleaved(ops: &mut [Op<'_>], rounds: usize, budget: Duration) -> Vec<f64> {
    let mut best = vec![f64::MAX; ops.len()];
    let start = Instant::now();
    for _ in 0..rounds {
        for (i, (_, op)) in ops.iter_mut().enumerate() {
            let t = Instant::now();
            black_box(op());
            best[i] = best[i].min(t.elapsed().as_nanos() as f64);
        }
        if start.elapsed() > budget {
            break;
        }
    }
    best
}

/// Runs `op` `inner` times per timed call, for sub-microsecond operations.
fn repeat<'a>(inner: usize, mut op: impl FnMut() -> u64 + 'a) -> Box<dyn FnMut() -> u64 + 'a> {
    Box::new(move || (0..inner).map(|_| op()).sum())
}

fn kp_encode<P: Encodable>(m: &P, version: i16) -> BytesMut {
    let mut buf = BytesMut::with_capacity(m.compute_size(version).expect("sizes"));
    m.encode(&mut buf, version).expect("encodes");
    buf
}

fn message<K: Message, P: Decodable + Encodable>(test: bool, name: &str, version: i16, m: K) {
    let bytes: Bytes = data::encode(&m, version);
    let kc = K::from_bytes(bytes.clone(), version).expect("decodes");
    let kp = P::decode(&mut bytes.clone(), version).expect("decodes");
    let inner = if test { 1 } else { 50 };
    let (rounds, budget) = if test {
        (1, Duration::ZERO)
    } else {
        (400, Duration::from_secs(2))
    };
    let mut ops: Vec<Op<'_>> = vec![
        (
            "kc decode",
            repeat(inner, || {
                K::from_bytes(bytes.clone(), version).is_ok() as u64
            }),
        ),
        (
            "kp decode",
            repeat(inner, || {
                P::decode(&mut bytes.clone(), version).is_ok() as u64
            }),
        ),
        (
            "kc encode",
            repeat(inner, || kc.to_bytes(version).map_or(0, |b| b.len() as u64)),
        ),
        (
            "kp encode",
            repeat(inner, || kp_encode(&kp, version).len() as u64),
        ),
    ];
    let t: Vec<f64> = interleaved(&mut ops, rounds, budget)
        .into_iter()
        .map(|ns| ns / inner as f64)
        .collect();
    let a = |f: &mut dyn FnMut() -> u64| alloc::count(f).0;
    let allocs = [
        a(&mut || K::from_bytes(bytes.clone(), version).is_ok() as u64),
        a(&mut || P::decode(&mut bytes.clone(), version).is_ok() as u64),
    ];
    println!(
        "| {name} v{version} | {:.0} | {:.0} | {:.2}× | {} / {} | {:.0} | {:.0} | {:.2}× |",
        t[0],
        t[1],
        t[1] / t[0],
        allocs[0],
        allocs[1],
        t[2],
        t[3],
        t[3] / t[2]
    );
}

fn fetch(test: bool, version: i16, value_len: usize) {
    let input = data::fetch(version, value_len, Compression::None);
    let (bytes, parts, n) = (&input.bytes, &input.partitions, input.records as f64);
    let crc = RecordOptions::default();
    let no_crc = RecordOptions::default().with_verify_crc(false);
    let (rounds, budget) = if test {
        (1, Duration::ZERO)
    } else {
        (40, Duration::from_secs(6))
    };
    let mut ops: Vec<Op<'_>> = vec![
        ("kc+crc", Box::new(|| kc_walk(bytes, version, &crc))),
        ("kc-nocrc", Box::new(|| kc_walk(bytes, version, &no_crc))),
        ("kp", Box::new(|| kp_walk(bytes, version))),
        ("floor+crc", Box::new(|| floor_walk(parts, true))),
        ("floor-nocrc", Box::new(|| floor_walk(parts, false))),
    ];
    let t = interleaved(&mut ops, rounds, budget);
    let per = |i: usize| t[i] / n;
    println!(
        "| Fetch v{version}, {value_len} B values | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1}× | {:.1}× | {:.2}× | {:.2}× |",
        per(0),
        per(1),
        per(2),
        per(3),
        per(4),
        t[2] / t[0],
        t[2] / t[1],
        t[0] / t[3],
        t[1] / t[4],
    );
}

fn main() {
    let test = std::env::args().any(|a| a == "--test");
    println!(
        "\nFetch, decode + walk every record: ns per record (fastest of interleaved rounds)\n"
    );
    println!("| workload | kafka-codec +CRC | kafka-codec no CRC | kafka-protocol | floor +CRC | floor no CRC | kp ÷ kc +CRC | kp ÷ kc no CRC | kc ÷ floor +CRC | kc ÷ floor no CRC |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (version, value_len) in [(12, 100), (12, 1024), (18, 100), (18, 1024), (4, 100)] {
        fetch(test, version, value_len);
    }
    println!("\nSmall messages: ns per operation (fastest of interleaved rounds of 50)\n");
    println!("| message | decode kc | decode kp | kp ÷ kc | allocs kc / kp | encode kc | encode kp | kp ÷ kc |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    use kafka_protocol::messages as kp;
    for v in [9, 7] {
        message::<_, kp::OffsetCommitRequest>(
            test,
            "OffsetCommitRequest",
            v,
            data::offset_commit(v),
        );
    }
    for v in [9, 5] {
        message::<_, kp::JoinGroupRequest>(test, "JoinGroupRequest", v, data::join_group(v));
    }
    for v in [9, 5] {
        message::<_, kp::OffsetFetchRequest>(test, "OffsetFetchRequest", v, data::offset_fetch(v));
    }
    for v in [10, 5] {
        message::<_, kp::ListOffsetsRequest>(test, "ListOffsetsRequest", v, data::list_offsets(v));
    }
    for v in [13, 8] {
        message::<_, kp::MetadataResponse>(test, "MetadataResponse", v, data::metadata(v));
    }
    for v in [4, 3] {
        message::<_, kp::HeartbeatRequest>(test, "HeartbeatRequest", v, data::heartbeat(v));
    }
    for v in [5, 3] {
        message::<_, kp::SyncGroupRequest>(test, "SyncGroupRequest", v, data::sync_group(v));
    }
}

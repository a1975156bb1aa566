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
use kafka_protocol::records::Compression as KpCompression;

use common::build::{direct, kc_in_place, kc_owned, kp_build, kp_records};
use common::walk::{floor_walk, kc_walk, kp_walk};
use common::{alloc, data, views};

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

/// Encodes into `buf`, cleared first: once it has grown, no allocation (the codec alone).
fn kc_encode_into<K: Message>(m: &K, version: i16, buf: &mut BytesMut) -> u64 {
    buf.clear();
    m.encode(buf, version).map_or(0, |()| buf.len() as u64)
}

/// kafka-protocol's counterpart of `kc_encode_into`.
fn kp_encode_into<P: Encodable>(m: &P, version: i16, buf: &mut BytesMut) -> u64 {
    buf.clear();
    m.encode(buf, version).map_or(0, |()| buf.len() as u64)
}

/// What the `messages` section does: print the table, or (`-- profile OP NAME VERSION N`) run
/// one operation of one message N times and nothing else, for a profiler such as callgrind.
enum Mode {
    Table {
        test: bool,
    },
    Profile {
        op: String,
        name: String,
        version: i16,
        n: usize,
    },
}

fn message<K: Message, P: Decodable + Encodable>(mode: &Mode, name: &str, version: i16, m: K) {
    let test = match mode {
        Mode::Table { test } => *test,
        Mode::Profile {
            name: n,
            version: v,
            ..
        } if (n, *v) != (&name.to_string(), version) => return,
        Mode::Profile { .. } => false,
    };
    let bytes: Bytes = data::encode(&m, version);
    let kc = K::from_bytes(bytes.clone(), version).expect("decodes");
    let kp = P::decode(&mut bytes.clone(), version).expect("decodes");
    if let Mode::Profile { op, n, .. } = mode {
        let mut sum = 0u64;
        let mut buf = BytesMut::new();
        for _ in 0..*n {
            sum += match op.as_str() {
                "kc-decode" => K::from_bytes(bytes.clone(), version).is_ok() as u64,
                "kp-decode" => P::decode(&mut bytes.clone(), version).is_ok() as u64,
                "kc-encode" => kc.to_bytes(version).map_or(0, |b| b.len() as u64),
                "kp-encode" => kp_encode(&kp, version).len() as u64,
                "kc-encode-into" => kc_encode_into(&kc, version, &mut buf),
                "kp-encode-into" => kp_encode_into(&kp, version, &mut buf),
                other => panic!(
                    "profile: unknown op {other} (kc-decode, kp-decode, kc-encode, kp-encode, \
                     kc-encode-into, kp-encode-into; view-validate, view-read for \
                     OffsetCommitRequest and MetadataResponse)"
                ),
            };
        }
        println!("{name} v{version} {op} x{n}: {}", black_box(sum));
        return;
    }
    let mut into = BytesMut::new();
    kc_encode_into(&kc, version, &mut into);
    assert_eq!(into, bytes, "{name} v{version}: encode into a buffer");
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
        ("kc encode into", {
            let (kc, mut buf) = (&kc, BytesMut::new());
            repeat(inner, move || kc_encode_into(kc, version, &mut buf))
        }),
        ("kp encode into", {
            let (kp, mut buf) = (&kp, BytesMut::new());
            repeat(inner, move || kp_encode_into(kp, version, &mut buf))
        }),
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
        "| {name} v{version} | {:.0} | {:.0} | {:.2}× | {} / {} | {:.0} | {:.0} | {:.2}× | {:.0} | {:.0} | {:.2}× |",
        t[0],
        t[1],
        t[1] / t[0],
        allocs[0],
        allocs[1],
        t[2],
        t[3],
        t[3] / t[2],
        t[4],
        t[5],
        t[5] / t[4]
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

/// Batch building from records, uncompressed: ns per record for kafka-codec in place, its owned
/// builder, kafka-protocol and the direct writer, and allocations per batch.
fn build(test: bool, value_len: usize) {
    let batches = data::partition_records(0, value_len);
    let kp_batches = kp_records(&batches);
    let n: usize = batches.iter().map(Vec::len).sum();
    let (mut a, mut b, mut c, mut d) = (
        BytesMut::new(),
        BytesMut::new(),
        BytesMut::new(),
        Vec::new(),
    );
    let len = kc_in_place(&batches, Compression::None, &mut a);
    assert_eq!(kc_owned(&batches, Compression::None, &mut b), len);
    assert_eq!(kp_build(&kp_batches, KpCompression::None, &mut c), len);
    assert_eq!(direct(&batches, &mut d), len);
    // The CRC (bytes 17..21 of a batch) differs whenever anything after it does: skip it.
    let first_difference = |x: &[u8]| {
        x.iter()
            .zip(&a[..])
            .enumerate()
            .position(|(i, (p, q))| p != q && !(17..21).contains(&i))
    };
    for (name, other) in [
        ("owned", &b[..]),
        ("kafka-protocol", &c[..]),
        ("direct", &d[..]),
    ] {
        assert_eq!(
            first_difference(other),
            None,
            "{name} writes other bytes than in place"
        );
    }
    let (rounds, budget) = if test {
        (1, Duration::ZERO)
    } else {
        (60, Duration::from_secs(6))
    };
    let allocs = [
        alloc::count(|| kc_in_place(&batches, Compression::None, &mut a)).0,
        alloc::count(|| kp_build(&kp_batches, KpCompression::None, &mut c)).0,
    ];
    let mut ops: Vec<Op<'_>> = vec![
        (
            "kc in place",
            Box::new(|| kc_in_place(&batches, Compression::None, &mut a) as u64),
        ),
        (
            "kc owned",
            Box::new(|| kc_owned(&batches, Compression::None, &mut b) as u64),
        ),
        (
            "kp",
            Box::new(|| kp_build(&kp_batches, KpCompression::None, &mut c) as u64),
        ),
        ("direct", Box::new(|| direct(&batches, &mut d) as u64)),
    ];
    let t = interleaved(&mut ops, rounds, budget);
    let per = |i: usize| t[i] / n as f64;
    let per_batch = |x: u64| x as f64 / batches.len() as f64;
    println!(
        "| {value_len} B values | {:.1} | {:.1} | {:.1} | {:.1} | {:.2}× | {:.2}× | {:.1} / {:.1} |",
        per(0),
        per(1),
        per(2),
        per(3),
        t[2] / t[0],
        t[0] / t[3],
        per_batch(allocs[0]),
        per_batch(allocs[1]),
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let test = args.iter().any(|a| a == "--test");
    // `cargo bench --bench ratios -- build` runs one section (fetch, build, messages, views).
    let sections: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| ["fetch", "build", "messages", "views"].contains(a))
        .collect();
    let profiling = args.iter().any(|a| a == "profile");
    let run = |section: &str| !profiling && (sections.is_empty() || sections.contains(&section));
    // The machine is shared: say how loaded it was, before and after.
    let load = || std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average at start: {}", load().trim());
    if run("fetch") {
        println!(
            "\nFetch, decode + walk every record: ns per record (fastest of interleaved rounds)\n"
        );
        println!("| workload | kafka-codec +CRC | kafka-codec no CRC | kafka-protocol | floor +CRC | floor no CRC | kp ÷ kc +CRC | kp ÷ kc no CRC | kc ÷ floor +CRC | kc ÷ floor no CRC |");
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (version, value_len) in [(12, 100), (12, 1024), (18, 100), (18, 1024), (4, 100)] {
            fetch(test, version, value_len);
        }
    }
    if run("build") {
        println!(
            "\nRecord batches built from records (uncompressed, ~16 KiB batches): ns per record\n"
        );
        println!("| workload | kc in place | kc owned builder | kafka-protocol | direct writer | kp ÷ kc | kc ÷ direct | allocs per batch kc / kp |");
        println!("|---|---:|---:|---:|---:|---:|---:|---:|");
        for value_len in [100, 1024] {
            build(test, value_len);
        }
    }
    if run("messages") {
        messages(&Mode::Table { test });
    }
    if run("views") {
        views_section(test);
    }
    if let Some(i) = args.iter().position(|a| a == "profile") {
        let arg = |k: usize| args.get(i + k).cloned().unwrap_or_default();
        let mode = Mode::Profile {
            op: arg(1),
            name: arg(2),
            version: arg(3).parse().expect("profile OP NAME VERSION N: VERSION"),
            n: arg(4).parse().expect("profile OP NAME VERSION N: N"),
        };
        if arg(1).starts_with("view-") {
            views_profile(&mode);
        } else if arg(1).contains("-walk") {
            fetch_profile(&arg(1), &arg(2), &arg(3), &arg(4));
        } else {
            messages(&mode);
        }
        return;
    }
    println!("\nload average at end: {}", load().trim());
}

fn messages(mode: &Mode) {
    if let Mode::Table { .. } = mode {
        println!("\nSmall messages: ns per operation (fastest of interleaved rounds of 50)\n");
        println!("| message | decode kc | decode kp | kp ÷ kc | allocs kc / kp | encode kc | encode kp | kp ÷ kc | reused buffer: encode kc | encode kp | kp ÷ kc |");
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    }
    use kafka_protocol::messages as kp;
    for v in [9, 7] {
        message::<_, kp::OffsetCommitRequest>(
            mode,
            "OffsetCommitRequest",
            v,
            data::offset_commit(v),
        );
    }
    for v in [9, 5] {
        message::<_, kp::JoinGroupRequest>(mode, "JoinGroupRequest", v, data::join_group(v));
    }
    for v in [9, 5] {
        message::<_, kp::OffsetFetchRequest>(mode, "OffsetFetchRequest", v, data::offset_fetch(v));
    }
    for v in [10, 5] {
        message::<_, kp::ListOffsetsRequest>(mode, "ListOffsetsRequest", v, data::list_offsets(v));
    }
    for v in [13, 8] {
        message::<_, kp::MetadataResponse>(mode, "MetadataResponse", v, data::metadata(v));
    }
    for v in [4, 3] {
        message::<_, kp::HeartbeatRequest>(mode, "HeartbeatRequest", v, data::heartbeat(v));
    }
    for v in [5, 3] {
        message::<_, kp::SyncGroupRequest>(mode, "SyncGroupRequest", v, data::sync_group(v));
    }
}

/// A view workload: the message's name and version, its bytes, and the validate and
/// read-every-field functions of `common::views`.
struct ViewCase {
    name: &'static str,
    version: i16,
    bytes: Bytes,
    validate: fn(&[u8], i16) -> u64,
    read: fn(&[u8], i16) -> u64,
    /// Owned decode of the same bytes by kafka-codec and by kafka-protocol.
    kc_decode: fn(&Bytes, i16) -> u64,
    kp_decode: fn(&Bytes, i16) -> u64,
}

/// Owned decode by kafka-codec of `M`, for the views table.
fn kc_decode<M: Message>(b: &Bytes, v: i16) -> u64 {
    M::from_bytes(b.clone(), v).is_ok() as u64
}

/// Owned decode by kafka-protocol of `P`, for the views table.
fn kp_decode<P: Decodable>(b: &Bytes, v: i16) -> u64 {
    P::decode(&mut b.clone(), v).is_ok() as u64
}

fn view_cases() -> Vec<ViewCase> {
    let mut cases = Vec::new();
    for version in [9, 7] {
        cases.push(ViewCase {
            name: "OffsetCommitRequest",
            version,
            bytes: data::encode(&data::offset_commit(version), version),
            validate: views::validate_offset_commit,
            read: views::read_offset_commit,
            kc_decode: kc_decode::<kafka_codec::messages::OffsetCommitRequest>,
            kp_decode: kp_decode::<kafka_protocol::messages::OffsetCommitRequest>,
        });
    }
    for version in [13, 8] {
        cases.push(ViewCase {
            name: "MetadataResponse",
            version,
            bytes: data::encode(&data::metadata(version), version),
            validate: views::validate_metadata,
            read: views::read_metadata,
            kc_decode: kc_decode::<kafka_codec::messages::MetadataResponse>,
            kp_decode: kp_decode::<kafka_protocol::messages::MetadataResponse>,
        });
    }
    cases
}

/// Issue 15's view targets: validate + read every field against kafka-protocol's decode
/// (>= 5x) and against validation alone (<= 2x), with kafka-codec's owned decode beside them.
fn views_section(test: bool) {
    println!("\nViews: ns per operation (fastest of interleaved rounds)\n");
    println!("| message | kp decode | kc owned decode | view validate | view validate + read all | kp ÷ view+read | view+read ÷ validate | allocs view+read |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for c in view_cases() {
        let (validate, read, b, v) = (c.validate, c.read, &c.bytes, c.version);
        // The read sees the values (tests/views_read.rs checks it changes with any of them).
        assert_ne!(read(b, v), 0, "{} v{v}: the view reads", c.name);
        let inner = if test { 1 } else { 20 };
        let (rounds, budget) = if test {
            (1, Duration::ZERO)
        } else {
            (400, Duration::from_secs(2))
        };
        let (kc, kp) = (c.kc_decode, c.kp_decode);
        let mut ops: Vec<Op<'_>> = vec![
            ("kp decode", repeat(inner, move || kp(b, v))),
            ("kc decode", repeat(inner, move || kc(b, v))),
            ("validate", repeat(inner, move || validate(black_box(b), v))),
            ("read", repeat(inner, move || read(black_box(b), v))),
        ];
        let t: Vec<f64> = interleaved(&mut ops, rounds, budget)
            .into_iter()
            .map(|ns| ns / inner as f64)
            .collect();
        let allocs = alloc::count(|| read(b, v)).0;
        println!(
            "| {} v{v} | {:.0} | {:.0} | {:.0} | {:.0} | {:.2}× | {:.2}× | {allocs} |",
            c.name,
            t[0],
            t[1],
            t[2],
            t[3],
            t[0] / t[3],
            t[3] / t[2],
        );
    }
}

/// `-- profile view-validate|view-read NAME VERSION N`: one view operation N times.
fn views_profile(mode: &Mode) {
    let Mode::Profile {
        op,
        name,
        version,
        n,
    } = mode
    else {
        return;
    };
    let f = match op.as_str() {
        "view-validate" => |c: &ViewCase| c.validate,
        "view-read" => |c: &ViewCase| c.read,
        _ => return,
    };
    let Some(c) = view_cases()
        .into_iter()
        .find(|c| c.name == name && c.version == *version)
    else {
        return;
    };
    let (g, b) = (f(&c), &c.bytes);
    let sum: u64 = (0..*n).map(|_| g(black_box(b), *version)).sum();
    println!("{name} v{version} {op} x{n}: {}", black_box(sum));
}

/// `-- profile kc-walk|kc-walk-crc|floor-walk|floor-walk-crc VERSION VALUE_LEN N`: one Fetch
/// walk (decode + every record, or the floor) N times, for a profiler.
fn fetch_profile(op: &str, version: &str, value_len: &str, n: &str) {
    let version: i16 = version
        .parse()
        .expect("profile OP VERSION VALUE_LEN N: VERSION");
    let value_len: usize = value_len
        .parse()
        .expect("profile OP VERSION VALUE_LEN N: VALUE_LEN");
    let n: usize = n.parse().expect("profile OP VERSION VALUE_LEN N: N");
    let input = data::fetch(version, value_len, Compression::None);
    let opts = RecordOptions::default().with_verify_crc(op.ends_with("-crc"));
    let mut sum = 0u64;
    for _ in 0..n {
        sum += match op {
            "kc-walk" | "kc-walk-crc" => kc_walk(&input.bytes, version, &opts),
            "floor-walk" | "floor-walk-crc" => floor_walk(&input.partitions, opts.verify_crc),
            other => panic!(
                "profile: unknown op {other} (kc-walk, kc-walk-crc, floor-walk, floor-walk-crc)"
            ),
        };
    }
    println!(
        "Fetch v{version} {value_len} B {op} x{n}: {} ({} records each)",
        black_box(sum),
        input.records
    );
}

//! FetchResponse: decode alone, and decode + walk every record (touching key and value lengths),
//! through kafka-codec and kafka-protocol on the same bytes, next to the bare borrowed walk floor.
//!
//! Groups `fetch_v{version}_{value}B/decode` and `.../walk` (uncompressed; versions 18, 12, 4;
//! 100 B and 1 KiB values), and `fetch_v18_100B_{codec}/walk` per compression codec.
//! Throughput is reported per record and in bytes of the encoded response.

mod common;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kafka_codec::messages::FetchResponse;
use kafka_codec::records::{entries, Compression, Entry, RecordOptions};
use kafka_codec::Message;
use kafka_protocol::protocol::Decodable;
use kafka_protocol::records::RecordBatchDecoder;

use common::{alloc, data, floor};

type KpFetchResponse = kafka_protocol::messages::FetchResponse;

fn kc_decode(bytes: &Bytes, version: i16) -> FetchResponse {
    FetchResponse::from_bytes(bytes.clone(), version).expect("kafka-codec decodes")
}

fn kp_decode(bytes: &Bytes, version: i16) -> KpFetchResponse {
    KpFetchResponse::decode(&mut bytes.clone(), version).expect("kafka-protocol decodes")
}

/// Decode, then walk every record of every batch with kafka-codec's records module.
fn kc_walk(bytes: &Bytes, version: i16, opts: &RecordOptions) -> u64 {
    let m = kc_decode(bytes, version);
    let mut acc = 0u64;
    for topic in &m.responses {
        for p in &topic.partitions {
            let Some(records) = &p.records else { continue };
            for entry in entries(records, opts) {
                let Entry::Batch(batch) = entry.expect("entry reads") else {
                    panic!("only v2 batches here")
                };
                let payload = batch.payload(opts).expect("payload reads");
                for r in payload.records() {
                    let r = r.expect("record reads");
                    acc += r.key().map_or(0, <[u8]>::len) as u64;
                    acc += r.value().map_or(0, <[u8]>::len) as u64;
                }
            }
        }
    }
    acc
}

/// Decode, then decode every batch of every partition with kafka-protocol's record decoder.
fn kp_walk(bytes: &Bytes, version: i16) -> u64 {
    let m = kp_decode(bytes, version);
    let mut acc = 0u64;
    for topic in &m.responses {
        for p in &topic.partitions {
            let Some(records) = &p.records else { continue };
            let mut buf = records.clone();
            for set in RecordBatchDecoder::decode_all(&mut buf).expect("batches decode") {
                for r in &set.records {
                    acc += r.key.as_ref().map_or(0, Bytes::len) as u64;
                    acc += r.value.as_ref().map_or(0, Bytes::len) as u64;
                }
            }
        }
    }
    acc
}

/// The floor: the bare walk over the partitions' records fields (already located).
fn floor_walk(partitions: &[Bytes], crc: bool) -> u64 {
    partitions
        .iter()
        .map(|p| floor::walk(p, crc).expect("floor walks"))
        .sum()
}

fn uncompressed(c: &mut Criterion) {
    let crc = RecordOptions::default();
    let no_crc = RecordOptions::default().with_verify_crc(false);
    for (version, value_len) in [
        (18, 100),
        (18, 1024),
        (12, 100),
        (12, 1024),
        (4, 100),
        (4, 1024),
    ] {
        let input = data::fetch(version, value_len, Compression::None);
        let (bytes, parts, n) = (&input.bytes, &input.partitions, input.records);
        let expected = floor_walk(parts, true);
        assert_eq!(kc_walk(bytes, version, &crc), expected);
        assert_eq!(kp_walk(bytes, version), expected);
        let throughput = Throughput::ElementsAndBytes {
            elements: n,
            bytes: bytes.len() as u64,
        };
        let name = format!("fetch_v{version}_{value_len}B");
        eprintln!("{name}: {} bytes, {n} records", bytes.len());

        let group = format!("{name}/decode");
        alloc::report(&group, "kafka-codec", Some(n), || kc_decode(bytes, version));
        alloc::report(&group, "kafka-protocol", Some(n), || {
            kp_decode(bytes, version)
        });
        let mut g = c.benchmark_group(&group);
        g.throughput(throughput.clone());
        g.bench_function("kafka-codec", |b| b.iter(|| kc_decode(bytes, version)));
        g.bench_function("kafka-protocol", |b| b.iter(|| kp_decode(bytes, version)));
        g.finish();

        let group = format!("{name}/walk");
        alloc::report(&group, "kafka-codec+crc", Some(n), || {
            kc_walk(bytes, version, &crc)
        });
        alloc::report(&group, "kafka-codec-nocrc", Some(n), || {
            kc_walk(bytes, version, &no_crc)
        });
        alloc::report(&group, "kafka-protocol", Some(n), || {
            kp_walk(bytes, version)
        });
        alloc::report(&group, "floor+crc", Some(n), || floor_walk(parts, true));
        alloc::report(&group, "floor-nocrc", Some(n), || floor_walk(parts, false));
        let mut g = c.benchmark_group(&group);
        g.throughput(throughput);
        g.bench_function("kafka-codec+crc", |b| {
            b.iter(|| kc_walk(bytes, version, &crc))
        });
        g.bench_function("kafka-codec-nocrc", |b| {
            b.iter(|| kc_walk(bytes, version, &no_crc))
        });
        g.bench_function("kafka-protocol", |b| b.iter(|| kp_walk(bytes, version)));
        g.bench_function("floor+crc", |b| b.iter(|| floor_walk(parts, true)));
        g.bench_function("floor-nocrc", |b| b.iter(|| floor_walk(parts, false)));
        g.finish();
    }
}

fn compressed(c: &mut Criterion) {
    let crc = RecordOptions::default();
    let version = 18;
    for (codec, label) in [
        (Compression::Gzip, "gzip"),
        (Compression::Snappy, "snappy"),
        (Compression::Lz4, "lz4"),
        (Compression::Zstd, "zstd"),
    ] {
        let input = data::fetch(version, 100, codec);
        let (bytes, n) = (&input.bytes, input.records);
        assert_eq!(kc_walk(bytes, version, &crc), kp_walk(bytes, version));
        let group = format!("fetch_v{version}_100B_{label}/walk");
        eprintln!("{group}: {} bytes, {n} records", bytes.len());
        alloc::report(&group, "kafka-codec+crc", Some(n), || {
            kc_walk(bytes, version, &crc)
        });
        alloc::report(&group, "kafka-protocol", Some(n), || {
            kp_walk(bytes, version)
        });
        let mut g = c.benchmark_group(&group);
        g.throughput(Throughput::ElementsAndBytes {
            elements: n,
            bytes: bytes.len() as u64,
        });
        g.bench_function("kafka-codec+crc", |b| {
            b.iter(|| kc_walk(bytes, version, &crc))
        });
        g.bench_function("kafka-protocol", |b| b.iter(|| kp_walk(bytes, version)));
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = uncompressed, compressed
}
criterion_main!(benches);

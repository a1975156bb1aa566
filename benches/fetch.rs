//! FetchResponse: decode alone, and decode + walk every record (touching key and value lengths),
//! through kafka-codec and kafka-protocol on the same bytes, next to the bare borrowed walk floor.
//!
//! Groups `fetch_v{version}_{value}B/decode` and `.../walk` (uncompressed; versions 18, 12, 4;
//! 100 B and 1 KiB values), and `fetch_v18_100B_{codec}/walk` per compression codec.
//! Throughput is reported per record and in bytes of the encoded response.

mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kafka_codec::records::{Compression, RecordOptions};

use common::walk::{floor_walk, kc_decode, kc_walk, kp_decode, kp_walk};
use common::{alloc, data};

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

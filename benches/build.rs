//! Record batch building: one partition's worth of records (~1 MiB uncompressed, 100 B values,
//! 16-byte keys, one header) into ~16 KiB batches, uncompressed and per codec, with
//! kafka-codec's `RecordBatchBuilder` (in place, and owned) and kafka-protocol's
//! `RecordBatchEncoder`, each appending to a reused buffer.
//! Groups `build_100B_{codec}`.
//!
//! kafka-protocol takes owned `Record`s (with a header map each); they are prepared outside the
//! timed loop. kafka-codec's builder borrows, so its `NewRecord`s are made inside the loop.
//! kafka-protocol groups records into one batch while `offset - sequence` stays constant, so its
//! records carry sequence numbers and each batch is encoded by its own call.

mod common;

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kafka_codec::records::Compression;
use kafka_protocol::records::Compression as KpCompression;

use common::build::{kc_in_place, kc_owned, kp_build, kp_records};
use common::{alloc, data};

fn build(c: &mut Criterion) {
    let batches = data::partition_records(0, 100);
    let kp_batches = kp_records(&batches);
    let records: usize = batches.iter().map(Vec::len).sum();
    let (mut kc_out, mut kp_out) = (BytesMut::new(), BytesMut::new());
    let plain = kc_in_place(&batches, Compression::None, &mut kc_out);
    assert_eq!(
        kp_build(&kp_batches, KpCompression::None, &mut kp_out),
        plain
    );
    for (codec, kp_codec, label) in [
        (Compression::None, KpCompression::None, "none"),
        (Compression::Gzip, KpCompression::Gzip, "gzip"),
        (Compression::Snappy, KpCompression::Snappy, "snappy"),
        (Compression::Lz4, KpCompression::Lz4, "lz4"),
        (Compression::Zstd, KpCompression::Zstd, "zstd"),
    ] {
        let group = format!("build_100B_{label}");
        eprintln!(
            "{group}: {records} records, {plain} bytes uncompressed; built: kafka-codec {} bytes, kafka-protocol {} bytes",
            kc_in_place(&batches, codec, &mut kc_out),
            kp_build(&kp_batches, kp_codec, &mut kp_out)
        );
        let n = Some(records as u64);
        alloc::report(&group, "kafka-codec", n, || {
            kc_in_place(&batches, codec, &mut kc_out)
        });
        alloc::report(&group, "kafka-codec-owned", n, || {
            kc_owned(&batches, codec, &mut kc_out)
        });
        alloc::report(&group, "kafka-protocol", n, || {
            kp_build(&kp_batches, kp_codec, &mut kp_out)
        });
        let mut g = c.benchmark_group(&group);
        g.throughput(Throughput::ElementsAndBytes {
            elements: records as u64,
            bytes: plain as u64,
        });
        g.bench_function("kafka-codec", |b| {
            b.iter(|| kc_in_place(&batches, codec, &mut kc_out))
        });
        g.bench_function("kafka-codec-owned", |b| {
            b.iter(|| kc_owned(&batches, codec, &mut kc_out))
        });
        g.bench_function("kafka-protocol", |b| {
            b.iter(|| kp_build(&kp_batches, kp_codec, &mut kp_out))
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = build
}
criterion_main!(benches);

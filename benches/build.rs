//! Record batch building: one partition's worth of records (~1 MiB uncompressed, 100 B values,
//! 16-byte keys, one header) into ~16 KiB batches, uncompressed and per codec, with
//! kafka-codec's `RecordBatchBuilder` and kafka-protocol's `RecordBatchEncoder`.
//! Groups `build_100B_{codec}`.
//!
//! kafka-protocol takes owned `Record`s (with a header map each); they are prepared outside the
//! timed loop. kafka-codec's builder borrows, so its `NewRecord`s are made inside the loop.
//! kafka-protocol groups records into one batch while `offset - sequence` stays constant, so its
//! records carry sequence numbers and each batch is encoded by its own call.

mod common;

use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kafka_codec::records::{Compression, RecordBatchBuilder};
use kafka_protocol::indexmap::IndexMap;
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::records::{
    Compression as KpCompression, Record as KpRecord, RecordBatchEncoder, RecordEncodeOptions,
    TimestampType,
};

use common::{alloc, data};

const TIMESTAMP: i64 = 1_763_780_000_000;

fn kc_build(batches: &[Vec<data::Rec>], codec: Compression) -> BytesMut {
    let mut out = BytesMut::new();
    let mut offset = 0i64;
    for batch in batches {
        let mut b = RecordBatchBuilder::new(offset).compression(codec);
        for (j, r) in batch.iter().enumerate() {
            b.push(data::new_record(r, TIMESTAMP + offset + j as i64));
        }
        b.build_into(&mut out).expect("kafka-codec builds");
        offset += batch.len() as i64;
    }
    out
}

fn kp_records(batches: &[Vec<data::Rec>]) -> Vec<Vec<KpRecord>> {
    let mut offset = 0i64;
    batches
        .iter()
        .map(|batch| {
            let base = offset;
            offset += batch.len() as i64;
            batch
                .iter()
                .enumerate()
                .map(|(j, r)| {
                    let mut headers = IndexMap::new();
                    headers.insert(
                        StrBytes::from_static_str("trace-id"),
                        Some(Bytes::copy_from_slice(&r.trace)),
                    );
                    KpRecord {
                        transactional: false,
                        control: false,
                        delete_horizon: false,
                        partition_leader_epoch: -1,
                        producer_id: -1,
                        producer_epoch: -1,
                        timestamp_type: TimestampType::Creation,
                        offset: base + j as i64,
                        sequence: j as i32,
                        timestamp: TIMESTAMP + base + j as i64,
                        key: Some(Bytes::copy_from_slice(&r.key)),
                        value: Some(Bytes::copy_from_slice(&r.value)),
                        headers,
                    }
                })
                .collect()
        })
        .collect()
}

fn kp_build(batches: &[Vec<KpRecord>], codec: KpCompression) -> BytesMut {
    let mut out = BytesMut::new();
    let options = RecordEncodeOptions {
        version: 2,
        compression: codec,
    };
    for batch in batches {
        RecordBatchEncoder::encode(&mut out, batch, &options).expect("kafka-protocol builds");
    }
    out
}

fn build(c: &mut Criterion) {
    let batches = data::partition_records(0, 100);
    let kp_batches = kp_records(&batches);
    let records: usize = batches.iter().map(Vec::len).sum();
    let plain = kc_build(&batches, Compression::None).len();
    assert_eq!(kp_build(&kp_batches, KpCompression::None).len(), plain);
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
            kc_build(&batches, codec).len(),
            kp_build(&kp_batches, kp_codec).len()
        );
        let n = Some(records as u64);
        alloc::report(&group, "kafka-codec", n, || kc_build(&batches, codec));
        alloc::report(&group, "kafka-protocol", n, || {
            kp_build(&kp_batches, kp_codec)
        });
        let mut g = c.benchmark_group(&group);
        g.throughput(Throughput::ElementsAndBytes {
            elements: records as u64,
            bytes: plain as u64,
        });
        g.bench_function("kafka-codec", |b| b.iter(|| kc_build(&batches, codec)));
        g.bench_function("kafka-protocol", |b| {
            b.iter(|| kp_build(&kp_batches, kp_codec))
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

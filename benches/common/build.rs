//! Record batch building, three ways over the same records: kafka-codec (in place, and through
//! the owned builder), kafka-protocol's `RecordBatchEncoder`, and a direct writer — plain code
//! that writes the v2 batch layout into a buffer sized once, the floor a builder is compared to.
//! Every variant appends to a buffer the caller clears and reuses, so what allocates per batch
//! shows in the allocation counts. All four write the same bytes (base sequence 0, as
//! kafka-protocol derives it from its records' sequence numbers).

use bytes::{BufMut, Bytes, BytesMut};
use kafka_codec::records::{Compression, Header, RecordBatchBuilder};
use kafka_protocol::indexmap::IndexMap;
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::records::{
    Compression as KpCompression, Record as KpRecord, RecordBatchEncoder, RecordEncodeOptions,
    TimestampType,
};

use super::data::Rec;

pub const TIMESTAMP: i64 = 1_763_780_000_000;
const TRACE_KEY: &[u8] = b"trace-id";

/// kafka-codec, each batch written straight into `out` ([`RecordBatchBuilder::begin`]).
pub fn kc_in_place(batches: &[Vec<Rec>], codec: Compression, out: &mut BytesMut) -> usize {
    out.clear();
    let mut offset = 0i64;
    let mut buffer = BytesMut::new();
    for batch in batches {
        let mut w = RecordBatchBuilder::new(offset)
            .producer(-1, -1, 0)
            .compression(codec)
            .with_buffer(std::mem::take(&mut buffer))
            .begin(out);
        for (j, r) in batch.iter().enumerate() {
            let headers = [Header {
                key: TRACE_KEY,
                value: Some(&r.trace),
            }];
            w.append(
                TIMESTAMP + offset + j as i64,
                Some(&r.key),
                Some(&r.value),
                &headers,
                None,
                0,
            );
        }
        buffer = w.finish_reclaim().expect("kafka-codec builds");
        offset += batch.len() as i64;
    }
    out.len()
}

/// kafka-codec's owned builder: records collected in the builder, then copied into `out`.
pub fn kc_owned(batches: &[Vec<Rec>], codec: Compression, out: &mut BytesMut) -> usize {
    out.clear();
    let mut offset = 0i64;
    for batch in batches {
        let mut b = RecordBatchBuilder::new(offset)
            .producer(-1, -1, 0)
            .compression(codec);
        for (j, r) in batch.iter().enumerate() {
            b.push(super::data::new_record(r, TIMESTAMP + offset + j as i64));
        }
        b.build_into(out).expect("kafka-codec builds");
        offset += batch.len() as i64;
    }
    out.len()
}

/// kafka-protocol's records, prepared outside the timed loop (it takes owned `Record`s, each
/// with a header map). Its encoder groups records into one batch while `offset - sequence`
/// stays constant, so each record carries its sequence and each batch is its own call.
pub fn kp_records(batches: &[Vec<Rec>]) -> Vec<Vec<KpRecord>> {
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

/// kafka-protocol's `RecordBatchEncoder`, one call per batch.
pub fn kp_build(batches: &[Vec<KpRecord>], codec: KpCompression, out: &mut BytesMut) -> usize {
    out.clear();
    let options = RecordEncodeOptions {
        version: 2,
        compression: codec,
    };
    for batch in batches {
        RecordBatchEncoder::encode(out, batch, &options).expect("kafka-protocol builds");
    }
    out.len()
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn varint_len(v: i64) -> usize {
    let z = zigzag(v) | 1;
    (64 - z.leading_zeros() as usize).div_ceil(7)
}

fn put_varint(out: &mut Vec<u8>, v: i64) {
    let mut z = zigzag(v);
    while z >= 0x80 {
        out.push(z as u8 | 0x80);
        z >>= 7;
    }
    out.push(z as u8);
}

/// The floor: uncompressed v2 batches of the same records written directly into a `Vec`
/// reserved once per batch — no builder state, no error paths. Same bytes as the others.
pub fn direct(batches: &[Vec<Rec>], out: &mut Vec<u8>) -> usize {
    out.clear();
    let mut offset = 0i64;
    for batch in batches {
        let start = out.len();
        let bytes_len = |b: &[u8]| varint_len(b.len() as i64) + b.len();
        let bodies: usize = batch
            .iter()
            .enumerate()
            .map(|(j, r)| {
                let body = 1
                    + 2 * varint_len(j as i64)
                    + bytes_len(&r.key)
                    + bytes_len(&r.value)
                    + 1
                    + bytes_len(TRACE_KEY)
                    + bytes_len(&r.trace);
                varint_len(body as i64) + body
            })
            .sum();
        out.reserve(61 + bodies);
        let last = batch.len() as i64 - 1;
        out.put_i64(offset);
        out.put_i32((61 - 12 + bodies) as i32);
        out.put_i32(-1);
        out.put_i8(2);
        out.put_u32(0);
        out.put_i16(0);
        out.put_i32(last as i32);
        out.put_i64(TIMESTAMP + offset);
        out.put_i64(TIMESTAMP + offset + last);
        out.put_i64(-1);
        out.put_i16(-1);
        out.put_i32(0); // base sequence, as kafka-protocol derives it from the records
        out.put_i32(batch.len() as i32);
        for (j, r) in batch.iter().enumerate() {
            let j = j as i64;
            let body = 1
                + 2 * varint_len(j)
                + bytes_len(&r.key)
                + bytes_len(&r.value)
                + 1
                + bytes_len(TRACE_KEY)
                + bytes_len(&r.trace);
            put_varint(out, body as i64);
            out.push(0);
            put_varint(out, j); // timestamp delta: the records' timestamps step by one
            put_varint(out, j);
            for field in [&r.key[..], &r.value] {
                put_varint(out, field.len() as i64);
                out.extend_from_slice(field);
            }
            put_varint(out, 1);
            for field in [TRACE_KEY, &r.trace[..]] {
                put_varint(out, field.len() as i64);
                out.extend_from_slice(field);
            }
        }
        let crc = crc32c::crc32c(&out[start + 21..]);
        out[start + 17..start + 21].copy_from_slice(&crc.to_be_bytes());
        offset += batch.len() as i64;
    }
    out.len()
}

//! The Fetch workloads' operations, shared by fetch.rs (criterion) and ratios.rs (interleaved).

use bytes::Bytes;
use kafka_codec::messages::FetchResponse;
use kafka_codec::records::{entries, Entry, RecordOptions};
use kafka_codec::Message;
use kafka_protocol::protocol::Decodable;
use kafka_protocol::records::RecordBatchDecoder;

use super::floor;

pub type KpFetchResponse = kafka_protocol::messages::FetchResponse;

pub fn kc_decode(bytes: &Bytes, version: i16) -> FetchResponse {
    FetchResponse::from_bytes(bytes.clone(), version).expect("kafka-codec decodes")
}

pub fn kp_decode(bytes: &Bytes, version: i16) -> KpFetchResponse {
    KpFetchResponse::decode(&mut bytes.clone(), version).expect("kafka-protocol decodes")
}

/// Decode, then walk every record of every batch with kafka-codec's records module.
pub fn kc_walk(bytes: &Bytes, version: i16, opts: &RecordOptions) -> u64 {
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
pub fn kp_walk(bytes: &Bytes, version: i16) -> u64 {
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
pub fn floor_walk(partitions: &[Bytes], crc: bool) -> u64 {
    partitions
        .iter()
        .map(|p| floor::walk(p, crc).expect("floor walks"))
        .sum()
}

//! The workloads' input: Fetch responses of 8 partitions × ~1 MiB of v2 batches, and realistic
//! small group/offset/metadata messages. Every message is built with kafka-codec and encoded once;
//! both crates then read (and re-encode) the same bytes.

use bytes::Bytes;
use kafka_codec::messages::fetch_response::{FetchableTopicResponse, PartitionData};
use kafka_codec::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_codec::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_codec::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_codec::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kafka_codec::messages::offset_fetch_request::{
    OffsetFetchRequestGroup, OffsetFetchRequestTopic, OffsetFetchRequestTopics,
};
use kafka_codec::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_codec::messages::{
    FetchResponse, HeartbeatRequest, JoinGroupRequest, ListOffsetsRequest, MetadataResponse,
    OffsetCommitRequest, OffsetFetchRequest, SyncGroupRequest,
};
use kafka_codec::records::{Compression, NewRecord, RecordBatchBuilder};
use kafka_codec::{Message, Uuid};

/// Partitions per Fetch response.
pub const PARTITIONS: usize = 8;
/// Bytes of uncompressed batches per partition (whole batches only, at most this).
pub const PARTITION_BYTES: usize = 1 << 20;
/// Uncompressed record bytes per batch: the Java producer's default `batch.size`.
pub const BATCH_BYTES: usize = 16 << 10;
/// Key length of every record.
pub const KEY_LEN: usize = 16;

const TIMESTAMP: i64 = 1_763_780_000_000;

/// A small deterministic generator, so every run benches the same bytes.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

/// A text-like value (a JSON-ish prefix, then random lowercase letters), so compressed batches
/// compress about as much as real event payloads (roughly 2:1), neither 0 nor 100 %.
fn value(i: u64, len: usize, rng: &mut Lcg) -> Vec<u8> {
    let mut v = format!("{{\"seq\":{i},\"kind\":\"click\",\"data\":\"").into_bytes();
    while v.len() < len {
        v.push(b'a' + (rng.next() % 26) as u8);
    }
    v.truncate(len);
    v
}

/// One record's key, value and header value.
pub struct Rec {
    pub key: [u8; KEY_LEN],
    pub value: Vec<u8>,
    pub trace: [u8; 16],
}

/// A record's fields as a `NewRecord` (key, value, one `trace-id` header).
pub fn new_record(r: &Rec, timestamp: i64) -> NewRecord<'_> {
    NewRecord::new(timestamp)
        .key(&r.key)
        .value(&r.value)
        .header(b"trace-id", &r.trace)
}

/// The records of one partition, grouped into batches of ~[`BATCH_BYTES`], as many whole
/// batches as fit in [`PARTITION_BYTES`] uncompressed.
pub fn partition_records(partition: usize, value_len: usize) -> Vec<Vec<Rec>> {
    let mut rng = Lcg(0x5eed ^ partition as u64);
    let per_record = value_len + KEY_LEN + 8 + 16 + 16; // fields plus framing, roughly
    let per_batch = (BATCH_BYTES / per_record).max(1);
    let batch_len = 61 + per_batch * per_record;
    let batches = PARTITION_BYTES / batch_len;
    let mut i = 0u64;
    (0..batches)
        .map(|_| {
            (0..per_batch)
                .map(|_| {
                    i += 1;
                    let mut key = [0u8; KEY_LEN];
                    key.copy_from_slice(format!("user-{:011}", i * 7919 % 100_000).as_bytes());
                    let mut trace = [0u8; 16];
                    for b in &mut trace {
                        *b = b"0123456789abcdef"[(rng.next() % 16) as usize];
                    }
                    Rec {
                        key,
                        value: value(i, value_len, &mut rng),
                        trace,
                    }
                })
                .collect()
        })
        .collect()
}

/// The `records` field of one partition: its batches, built with kafka-codec's builder.
pub fn records_field(batches: &[Vec<Rec>], compression: Compression) -> (Bytes, u64) {
    let mut out = Vec::new();
    let mut offset = 0i64;
    let mut count = 0u64;
    for batch in batches {
        let mut b = RecordBatchBuilder::new(offset)
            .compression(compression)
            .partition_leader_epoch(7);
        for (j, r) in batch.iter().enumerate() {
            b.push(new_record(r, TIMESTAMP + offset + j as i64));
        }
        out.extend_from_slice(&b.build().expect("batch builds"));
        offset += batch.len() as i64;
        count += batch.len() as u64;
    }
    (Bytes::from(out), count)
}

/// A Fetch response and what the benches need to know about it.
pub struct FetchInput {
    pub version: i16,
    /// The encoded response body.
    pub bytes: Bytes,
    /// Records in all partitions.
    pub records: u64,
    /// Each partition's `records` field (slices of `bytes`), for the floor walk.
    pub partitions: Vec<Bytes>,
}

/// A Fetch response body at `version`: one topic, 8 partitions of ~1 MiB (uncompressed) each.
pub fn fetch(version: i16, value_len: usize, compression: Compression) -> FetchInput {
    let mut records = 0;
    let partitions = (0..PARTITIONS)
        .map(|p| {
            let (bytes, n) = records_field(&partition_records(p, value_len), compression);
            records += n;
            PartitionData::default()
                .with_partition_index(p as i32)
                .with_high_watermark(1_000_000)
                .with_last_stable_offset(1_000_000)
                .with_log_start_offset(if version >= 5 { 0 } else { -1 })
                .with_aborted_transactions(Some(Vec::new()))
                .with_records(Some(bytes))
        })
        .collect();
    let mut topic = FetchableTopicResponse::default().with_partitions(partitions);
    if version >= 13 {
        topic.topic_id = Uuid([0x42; 16]);
    } else {
        topic.topic = "events".into();
    }
    let m = FetchResponse::default().with_responses(vec![topic]);
    let bytes = m.to_bytes(version).expect("fetch encodes").freeze();
    let decoded = FetchResponse::from_bytes(bytes.clone(), version).expect("fetch decodes");
    let partitions = decoded.responses[0]
        .partitions
        .iter()
        .map(|p| p.records.clone().expect("records present"))
        .collect();
    FetchInput {
        version,
        bytes,
        records,
        partitions,
    }
}

fn topic_name(t: usize) -> String {
    format!("payments.orders-{t:02}")
}

const GROUP: &str = "payments-order-processor";
const MEMBER: &str = "consumer-payments-order-processor-1-6f1c2a9e-3b7d-4c1e-9a55-0d2f8e7b4c11";

/// OffsetCommitRequest: 5 topics × 10 partitions.
pub fn offset_commit(version: i16) -> OffsetCommitRequest {
    OffsetCommitRequest::default()
        .with_group_id(GROUP.into())
        .with_generation_id_or_member_epoch(42)
        .with_member_id(MEMBER.into())
        .with_topics(
            (0..5)
                .map(|t| {
                    OffsetCommitRequestTopic::default()
                        .with_name(topic_name(t).as_str().into())
                        .with_partitions(
                            (0..10)
                                .map(|p| {
                                    OffsetCommitRequestPartition::default()
                                        .with_partition_index(p)
                                        .with_committed_offset(1_000_000 + p as i64 * 7919)
                                        .with_committed_leader_epoch(if version >= 6 {
                                            5
                                        } else {
                                            -1
                                        })
                                        .with_committed_metadata(Some("".into()))
                                })
                                .collect(),
                        )
                })
                .collect(),
        )
}

/// JoinGroupRequest: 3 protocols of 200-byte metadata.
pub fn join_group(_version: i16) -> JoinGroupRequest {
    JoinGroupRequest::default()
        .with_group_id(GROUP.into())
        .with_session_timeout_ms(45_000)
        .with_rebalance_timeout_ms(300_000)
        .with_member_id(MEMBER.into())
        .with_protocol_type("consumer".into())
        .with_protocols(
            ["cooperative-sticky", "range", "roundrobin"]
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    JoinGroupRequestProtocol::default()
                        .with_name((*name).into())
                        .with_metadata(Bytes::from(vec![i as u8 + 1; 200]))
                })
                .collect(),
        )
}

/// OffsetFetchRequest: 5 topics × 10 partitions (one group from v8 on).
pub fn offset_fetch(version: i16) -> OffsetFetchRequest {
    if version >= 8 {
        OffsetFetchRequest::default()
            .with_groups(vec![OffsetFetchRequestGroup::default()
                .with_group_id(GROUP.into())
                .with_member_id(Some(MEMBER.into()))
                .with_member_epoch(42)
                .with_topics(Some(
                    (0..5)
                        .map(|t| {
                            OffsetFetchRequestTopics::default()
                                .with_name(topic_name(t).as_str().into())
                                .with_partition_indexes((0..10).collect())
                        })
                        .collect(),
                ))])
            .with_require_stable(true)
    } else {
        OffsetFetchRequest::default()
            .with_group_id(GROUP.into())
            .with_topics(Some(
                (0..5)
                    .map(|t| {
                        OffsetFetchRequestTopic::default()
                            .with_name(topic_name(t).as_str().into())
                            .with_partition_indexes((0..10).collect())
                    })
                    .collect(),
            ))
            .with_require_stable(version >= 7)
    }
}

/// ListOffsetsRequest: 5 topics × 10 partitions, latest offsets.
pub fn list_offsets(version: i16) -> ListOffsetsRequest {
    ListOffsetsRequest::default()
        .with_replica_id(-1)
        .with_isolation_level(1)
        .with_timeout_ms(if version >= 10 { 30_000 } else { 0 })
        .with_topics(
            (0..5)
                .map(|t| {
                    ListOffsetsTopic::default()
                        .with_name(topic_name(t).as_str().into())
                        .with_partitions(
                            (0..10)
                                .map(|p| {
                                    ListOffsetsPartition::default()
                                        .with_partition_index(p)
                                        .with_current_leader_epoch(5)
                                        .with_timestamp(-1)
                                })
                                .collect(),
                        )
                })
                .collect(),
        )
}

/// MetadataResponse: 3 brokers, 50 topics × 10 partitions with 3 replicas.
pub fn metadata(version: i16) -> MetadataResponse {
    MetadataResponse::default()
        .with_brokers(
            (0..3)
                .map(|b| {
                    MetadataResponseBroker::default()
                        .with_node_id(b)
                        .with_host(
                            format!("broker-{b}.kafka.svc.cluster.local")
                                .as_str()
                                .into(),
                        )
                        .with_port(9092)
                        .with_rack(Some(
                            format!("eu-west-1{}", (b'a' + b as u8) as char)
                                .as_str()
                                .into(),
                        ))
                })
                .collect(),
        )
        .with_cluster_id(Some("q1Sh-9_ISia_zwGINzRvyQ".into()))
        .with_controller_id(1)
        .with_topics(
            (0..50)
                .map(|t| {
                    MetadataResponseTopic::default()
                        .with_name(Some(topic_name(t).as_str().into()))
                        .with_topic_id(if version >= 10 {
                            Uuid([t as u8 + 1; 16])
                        } else {
                            Uuid::default()
                        })
                        .with_partitions(
                            (0..10)
                                .map(|p| {
                                    MetadataResponsePartition::default()
                                        .with_partition_index(p)
                                        .with_leader_id(p % 3)
                                        .with_leader_epoch(3)
                                        .with_replica_nodes(vec![p % 3, (p + 1) % 3, (p + 2) % 3])
                                        .with_isr_nodes(vec![p % 3, (p + 1) % 3, (p + 2) % 3])
                                })
                                .collect(),
                        )
                })
                .collect(),
        )
}

/// HeartbeatRequest.
pub fn heartbeat(_version: i16) -> HeartbeatRequest {
    HeartbeatRequest::default()
        .with_group_id(GROUP.into())
        .with_generation_id(42)
        .with_member_id(MEMBER.into())
}

/// SyncGroupRequest from the leader: assignments for 3 members of 120 bytes each.
pub fn sync_group(version: i16) -> SyncGroupRequest {
    SyncGroupRequest::default()
        .with_group_id(GROUP.into())
        .with_generation_id(42)
        .with_member_id(MEMBER.into())
        .with_protocol_type((version >= 5).then(|| "consumer".into()))
        .with_protocol_name((version >= 5).then(|| "range".into()))
        .with_assignments(
            (0..3)
                .map(|m| {
                    SyncGroupRequestAssignment::default()
                        .with_member_id(
                            format!("consumer-payments-order-processor-{m}-6f1c2a9e")
                                .as_str()
                                .into(),
                        )
                        .with_assignment(Bytes::from(vec![m as u8 + 1; 120]))
                })
                .collect(),
        )
}

/// A message encoded at `version` with kafka-codec.
pub fn encode<M: Message>(m: &M, version: i16) -> Bytes {
    m.to_bytes(version).expect("message encodes").freeze()
}

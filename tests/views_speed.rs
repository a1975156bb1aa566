//! A criterion-free measurement of views (the benchmarks in `benches/` belong to another
//! stream of work): validate, and validate + read every field, against the owned decoder and
//! kafka-protocol's decoder on the same bytes, OffsetCommit v9 and Metadata v12. Ignored in
//! ordinary runs; docs/views.md gives the figures and how to run it:
//!
//! ```sh
//! cargo test --release -p kafka-codec --features views --test views_speed -- --ignored --nocapture measure_views
//! cargo test --profile bench-lto -p kafka-codec --features views --test views_speed -- --ignored --nocapture measure_views
//! ```
//!
//! For instruction counts (steady on a loaded machine), `count_views` runs each operation a
//! fixed number of times in functions of its own, to read with callgrind:
//!
//! ```sh
//! valgrind --tool=callgrind --callgrind-out-file=cg.out \
//!     target/release/deps/views_speed-<hash> --ignored --exact count_views
//! callgrind_annotate --inclusive=yes cg.out | grep -E 'views_speed::(kp|kc|validate|read)_'
//! ```
//!
//! (each line's count divided by `VIEWS_ROUNDS`, 200 by default, is instructions per call).
//!
//! The ordinary run checks only that the read-every-field functions see the values built.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use kafka_codec::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_codec::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kafka_codec::messages::{MetadataResponse, OffsetCommitRequest};
use kafka_codec::views::{MetadataResponseView, OffsetCommitRequestView};
use kafka_codec::{Message, Uuid};
use kafka_protocol::protocol::Decodable;

/// 5 topics × 10 partitions, as the owned benchmarks use.
fn offset_commit() -> OffsetCommitRequest {
    let mut m = OffsetCommitRequest::default();
    m.group_id = "payments-consumer-group".into();
    m.generation_id_or_member_epoch = 42;
    m.member_id = "consumer-1-8d5e3c1a-4b7f-4e2a-9c1d-2f6b8a0e4d3c".into();
    for t in 0..5 {
        let mut topic = OffsetCommitRequestTopic::default();
        topic.name = format!("orders.events.v{t}").as_str().into();
        for p in 0..10 {
            let mut part = OffsetCommitRequestPartition::default();
            part.partition_index = p;
            part.committed_offset = 1_000_000 + p as i64 * 7919;
            part.committed_leader_epoch = 5;
            part.committed_metadata = Some("".into());
            topic.partitions.push(part);
        }
        m.topics.push(topic);
    }
    m
}

/// 3 brokers, 50 topics × 10 partitions of 3 replicas.
fn metadata() -> MetadataResponse {
    let mut m = MetadataResponse::default();
    for b in 0..3 {
        let mut broker = MetadataResponseBroker::default();
        broker.node_id = b;
        broker.host = format!("broker-{b}.kafka.svc.cluster.local")
            .as_str()
            .into();
        broker.port = 9092;
        broker.rack = Some(
            format!("eu-west-1{}", (b'a' + b as u8) as char)
                .as_str()
                .into(),
        );
        m.brokers.push(broker);
    }
    m.cluster_id = Some("q1Sh-9_ISia_zwGINzRvyQ".into());
    m.controller_id = 1;
    for t in 0..50 {
        let mut topic = MetadataResponseTopic::default();
        topic.name = Some(format!("orders.events.v{t}").as_str().into());
        topic.topic_id = Uuid([t as u8 + 1; 16]);
        for p in 0..10 {
            let mut part = MetadataResponsePartition::default();
            part.partition_index = p;
            part.leader_id = p % 3;
            part.leader_epoch = 3;
            part.replica_nodes = vec![p % 3, (p + 1) % 3, (p + 2) % 3];
            part.isr_nodes = part.replica_nodes.clone();
            topic.partitions.push(part);
        }
        m.topics.push(topic);
    }
    m
}

/// Validates and reads every field of an OffsetCommit request; a checksum of what it read.
#[inline(never)]
fn read_offset_commit(bytes: &[u8], version: i16) -> u64 {
    let Ok(v) = OffsetCommitRequestView::parse(bytes, version) else {
        return 0;
    };
    let mut sum = v.group_id().len() as u64;
    sum = sum.wrapping_add(v.member_id().len() as u64);
    sum = sum.wrapping_add(v.generation_id_or_member_epoch() as u64);
    sum = sum.wrapping_add(v.group_instance_id().map_or(0, |s| s.len() as u64));
    sum = sum.wrapping_add(v.retention_time_ms() as u64);
    for t in v.topics() {
        sum = sum
            .wrapping_add(t.name().len() as u64)
            .wrapping_add(t.topic_id().0[0] as u64);
        for p in t.partitions() {
            sum = sum
                .wrapping_add(p.partition_index() as u64)
                .wrapping_add(p.committed_offset() as u64);
            sum = sum
                .wrapping_add(p.committed_leader_epoch() as u64)
                .wrapping_add(p.commit_timestamp() as u64);
            sum = sum.wrapping_add(p.committed_metadata().map_or(0, |s| s.len() as u64));
        }
    }
    sum
}

/// Validates and reads every field of a Metadata response; a checksum of what it read.
#[inline(never)]
fn read_metadata(bytes: &[u8], version: i16) -> u64 {
    let Ok(v) = MetadataResponseView::parse(bytes, version) else {
        return 0;
    };
    let mut sum = v.throttle_time_ms() as u64;
    sum = sum.wrapping_add(v.controller_id() as u64);
    sum = sum.wrapping_add(v.cluster_id().map_or(0, |s| s.len() as u64));
    sum = sum
        .wrapping_add(v.cluster_authorized_operations() as u64)
        .wrapping_add(v.error_code() as u64);
    for b in v.brokers() {
        sum = sum
            .wrapping_add(b.node_id() as u64)
            .wrapping_add(b.host().len() as u64)
            .wrapping_add(b.port() as u64);
        sum = sum.wrapping_add(b.rack().map_or(0, |s| s.len() as u64));
    }
    for t in v.topics() {
        sum = sum
            .wrapping_add(t.error_code() as u64)
            .wrapping_add(t.name().map_or(0, |s| s.len() as u64));
        sum = sum
            .wrapping_add(t.topic_id().0[0] as u64)
            .wrapping_add(t.is_internal() as u64);
        sum = sum.wrapping_add(t.topic_authorized_operations() as u64);
        for p in t.partitions() {
            sum = sum
                .wrapping_add(p.error_code() as u64)
                .wrapping_add(p.partition_index() as u64);
            sum = sum
                .wrapping_add(p.leader_id() as u64)
                .wrapping_add(p.leader_epoch() as u64);
            sum = sum.wrapping_add(
                p.replica_nodes()
                    .iter()
                    .fold(0u64, |a, x| a.wrapping_add(x as u64)),
            );
            sum = sum.wrapping_add(
                p.isr_nodes()
                    .iter()
                    .fold(0u64, |a, x| a.wrapping_add(x as u64)),
            );
            sum = sum.wrapping_add(
                p.offline_replicas()
                    .iter()
                    .fold(0u64, |a, x| a.wrapping_add(x as u64)),
            );
        }
    }
    sum
}

#[test]
fn read_every_field_sees_the_values() {
    // One value changed by one changes the checksum by one: the reads see the fields.
    let mut m = offset_commit();
    let before = read_offset_commit(&m.to_bytes(9).unwrap(), 9);
    assert_ne!(before, 0);
    m.topics[4].partitions[9].committed_offset += 1;
    assert_eq!(
        read_offset_commit(&m.to_bytes(9).unwrap(), 9),
        before.wrapping_add(1)
    );
    let mut m = metadata();
    let bytes = m.to_bytes(12).unwrap();
    let before = read_metadata(&bytes, 12);
    assert_ne!(before, 0);
    // A byte short: no view, no sum.
    assert_eq!(read_metadata(&bytes[..bytes.len() - 1], 12), 0);
    m.topics[49].partitions[9].isr_nodes[2] += 1;
    assert_eq!(
        read_metadata(&m.to_bytes(12).unwrap(), 12),
        before.wrapping_add(1)
    );
}

/// Fastest of `rounds` interleaved rounds, ns per call.
fn time(ops: &mut [(&str, &mut dyn FnMut() -> u64)], inner: u32) -> Vec<f64> {
    let mut best = vec![f64::MAX; ops.len()];
    let start = Instant::now();
    let mut sink = 0u64;
    for _ in 0..400 {
        for (i, (_, f)) in ops.iter_mut().enumerate() {
            let t = Instant::now();
            for _ in 0..inner {
                sink = sink.wrapping_add(f());
            }
            best[i] = best[i].min(t.elapsed().as_nanos() as f64 / inner as f64);
        }
        if start.elapsed() > Duration::from_secs(4) {
            break;
        }
    }
    black_box(sink);
    best
}

#[test]
#[ignore = "a measurement: run with --release -- --ignored --nocapture"]
fn measure_views() {
    let oc = offset_commit().to_bytes(9).unwrap().freeze();
    let md = metadata().to_bytes(12).unwrap().freeze();
    println!("| message | kp decode | kc owned decode | view validate | view validate + read all | kp ÷ view+read | view+read ÷ validate |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let cases: [(&str, &Bytes, i16); 2] = [
        ("OffsetCommitRequest", &oc, 9),
        ("MetadataResponse", &md, 12),
    ];
    for (name, bytes, v) in cases {
        let t = if name == "OffsetCommitRequest" {
            time(
                &mut [
                    ("kp", &mut || {
                        kafka_protocol::messages::OffsetCommitRequest::decode(&mut bytes.clone(), v)
                            .is_ok() as u64
                    }),
                    ("kc", &mut || {
                        OffsetCommitRequest::from_bytes(bytes.clone(), v).is_ok() as u64
                    }),
                    ("validate", &mut || {
                        OffsetCommitRequestView::parse(black_box(bytes), v).is_ok() as u64
                    }),
                    ("read", &mut || read_offset_commit(black_box(bytes), v)),
                ],
                50,
            )
        } else {
            time(
                &mut [
                    ("kp", &mut || {
                        kafka_protocol::messages::MetadataResponse::decode(&mut bytes.clone(), v)
                            .is_ok() as u64
                    }),
                    ("kc", &mut || {
                        MetadataResponse::from_bytes(bytes.clone(), v).is_ok() as u64
                    }),
                    ("validate", &mut || {
                        MetadataResponseView::parse(black_box(bytes), v).is_ok() as u64
                    }),
                    ("read", &mut || read_metadata(black_box(bytes), v)),
                ],
                20,
            )
        };
        println!(
            "| {name} v{v} | {:.0} | {:.0} | {:.0} | {:.0} | {:.1}× | {:.2}× |",
            t[0],
            t[1],
            t[2],
            t[3],
            t[0] / t[3],
            t[3] / t[2]
        );
    }
}

#[inline(never)]
fn kp_offset_commit(bytes: &Bytes, v: i16) -> u64 {
    kafka_protocol::messages::OffsetCommitRequest::decode(&mut bytes.clone(), v).is_ok() as u64
}

#[inline(never)]
fn kc_offset_commit(bytes: &Bytes, v: i16) -> u64 {
    OffsetCommitRequest::from_bytes(bytes.clone(), v).is_ok() as u64
}

#[inline(never)]
fn validate_offset_commit(bytes: &[u8], v: i16) -> u64 {
    OffsetCommitRequestView::parse(black_box(bytes), v).is_ok() as u64
}

#[inline(never)]
fn kp_metadata(bytes: &Bytes, v: i16) -> u64 {
    kafka_protocol::messages::MetadataResponse::decode(&mut bytes.clone(), v).is_ok() as u64
}

#[inline(never)]
fn kc_metadata(bytes: &Bytes, v: i16) -> u64 {
    MetadataResponse::from_bytes(bytes.clone(), v).is_ok() as u64
}

#[inline(never)]
fn validate_metadata(bytes: &[u8], v: i16) -> u64 {
    MetadataResponseView::parse(black_box(bytes), v).is_ok() as u64
}

/// Each operation `VIEWS_ROUNDS` times (200 by default), for callgrind (see the module doc).
#[test]
#[ignore = "for callgrind: see the module doc"]
fn count_views() {
    let rounds: u32 = std::env::var("VIEWS_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let oc = offset_commit().to_bytes(9).unwrap().freeze();
    let md = metadata().to_bytes(12).unwrap().freeze();
    let mut sink = 0u64;
    for _ in 0..rounds {
        sink = sink.wrapping_add(kp_offset_commit(&oc, 9));
        sink = sink.wrapping_add(kc_offset_commit(&oc, 9));
        sink = sink.wrapping_add(validate_offset_commit(&oc, 9));
        sink = sink.wrapping_add(read_offset_commit(black_box(&oc), 9));
        sink = sink.wrapping_add(kp_metadata(&md, 12));
        sink = sink.wrapping_add(kc_metadata(&md, 12));
        sink = sink.wrapping_add(validate_metadata(&md, 12));
        sink = sink.wrapping_add(read_metadata(black_box(&md), 12));
    }
    black_box(sink);
}

//! Validate + read every field through the views: what the `views` section of
//! `benches/ratios.rs` times against the owned decoder and kafka-protocol's, and what
//! `tests/views_read.rs` checks sees every value. Each is a function of its own
//! (`#[inline(never)]`), so a profiler counts it apart (`-- profile view-read ...`).

use kafka_codec::views::{MetadataResponseView, OffsetCommitRequestView};

/// Validates and reads every field of an OffsetCommit request; a checksum of what it read.
#[inline(never)]
pub fn read_offset_commit(bytes: &[u8], version: i16) -> u64 {
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
pub fn read_metadata(bytes: &[u8], version: i16) -> u64 {
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

/// Validates an OffsetCommit request and reads nothing: the view's share of every read.
#[inline(never)]
pub fn validate_offset_commit(bytes: &[u8], version: i16) -> u64 {
    OffsetCommitRequestView::parse(bytes, version).is_ok() as u64
}

/// Validates a Metadata response and reads nothing.
#[inline(never)]
pub fn validate_metadata(bytes: &[u8], version: i16) -> u64 {
    MetadataResponseView::parse(bytes, version).is_ok() as u64
}

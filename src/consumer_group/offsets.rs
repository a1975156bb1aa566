// Messages are built as `let mut m = X::default(); m.field = ...;`, the way that keeps
// compiling once generated types become `#[non_exhaustive]` (docs/design/round2.md).
#![allow(clippy::field_reassign_with_default)]

//! Where a consumer starts reading and what it commits.
//!
//! - [`OffsetReset`]: `auto.offset.reset` (`earliest`, `latest`, `none`, and KIP-1106's
//!   `by_duration:<ISO-8601 duration>`) turned into the ListOffsets timestamp to ask for, and
//!   the answer into a position;
//! - [`list_offsets_request()`] / [`read_list_offsets_response`]: ListOffsets for special
//!   timestamps and for real ones (`offsetsForTimes`);
//! - [`offset_commit_request()`] / [`read_offset_commit_response`]: OffsetCommit with its
//!   per-partition leader epoch and metadata string.
//!
//! No I/O and no clock reads: the wall-clock time `by_duration` needs is passed in.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use super::membership::TopicPartition;
use crate::consumer::offset_spec;
use crate::messages::{
    list_offsets_request, offset_commit_request, ListOffsetsRequest, ListOffsetsResponse,
    OffsetCommitRequest, OffsetCommitResponse,
};
use crate::ErrorCode;

/// `auto.offset.reset`: where to start a partition with no committed offset (or whose
/// position fell out of range).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OffsetReset {
    /// The log start offset.
    Earliest,
    /// The log end offset (only new records).
    Latest,
    /// No guess: the consumer reports an error.
    None,
    /// KIP-1106: the first record no older than this much before now; the log end when every
    /// record is older.
    ByDuration(Duration),
}

/// `auto.offset.reset` could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseResetError(pub String);

impl fmt::Display for ParseResetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid auto.offset.reset {:?}: expected earliest, latest, none or by_duration:<ISO-8601 duration such as P1DT2H30M>", self.0)
    }
}

impl std::error::Error for ParseResetError {}

impl std::str::FromStr for OffsetReset {
    type Err = ParseResetError;

    /// Parses the config value as the Java client spells it (case-insensitive keywords).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseResetError(s.to_string());
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "earliest" => Ok(OffsetReset::Earliest),
            "latest" => Ok(OffsetReset::Latest),
            "none" => Ok(OffsetReset::None),
            _ => {
                let rest = lower.strip_prefix("by_duration:").ok_or_else(err)?;
                parse_iso_duration(rest)
                    .map(OffsetReset::ByDuration)
                    .ok_or_else(err)
            }
        }
    }
}

/// Parses the day-time part of an ISO-8601 duration (`PnDTnHnMn.nS`), as Java's
/// `Duration.parse` accepts it; negative durations are refused.
fn parse_iso_duration(s: &str) -> Option<Duration> {
    let s = s.strip_prefix('p')?;
    let (date, time) = match s.split_once('t') {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let mut total_ms: u128 = 0;
    let mut any = false;
    if !date.is_empty() {
        let days = date.strip_suffix('d')?;
        total_ms += days.parse::<u128>().ok()? * 86_400_000;
        any = true;
    }
    if let Some(mut t) = time {
        if t.is_empty() {
            return None;
        }
        for (unit, ms) in [('h', 3_600_000u128), ('m', 60_000)] {
            if let Some(i) = t.find(unit) {
                total_ms += t[..i].parse::<u128>().ok()? * ms;
                t = &t[i + 1..];
                any = true;
            }
        }
        if let Some(secs) = t.strip_suffix('s') {
            let (whole, frac) = secs.split_once('.').unwrap_or((secs, ""));
            total_ms += whole.parse::<u128>().ok()? * 1000;
            if !frac.is_empty() {
                if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let mut f = frac.to_string();
                f.truncate(3);
                while f.len() < 3 {
                    f.push('0');
                }
                total_ms += f.parse::<u128>().ok()?;
            }
            any = true;
        } else if !t.is_empty() {
            return None;
        }
    }
    if !any {
        return None;
    }
    Some(Duration::from_millis(u64::try_from(total_ms).ok()?))
}

/// What a reset resolves to once ListOffsets answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResetPosition {
    /// Start at this offset.
    Offset(i64),
    /// `by_duration` found no record that recent: ask again with
    /// [`offset_spec::LATEST_TIMESTAMP`] and start there.
    NeedLatest,
}

impl OffsetReset {
    /// The ListOffsets timestamp to ask for: `-2` earliest, `-1` latest, `now - duration` for
    /// `by_duration` (with `now_wall_ms` the wall-clock time in Unix milliseconds), `None` for
    /// `none`.
    pub fn timestamp(self, now_wall_ms: i64) -> Option<i64> {
        match self {
            OffsetReset::Earliest => Some(offset_spec::EARLIEST_TIMESTAMP),
            OffsetReset::Latest => Some(offset_spec::LATEST_TIMESTAMP),
            OffsetReset::None => None,
            OffsetReset::ByDuration(d) => {
                let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
                Some(now_wall_ms.saturating_sub(ms).max(0))
            }
        }
    }

    /// The position to start at, given the offset ListOffsets returned for
    /// [`timestamp`](Self::timestamp) (`-1` when it found none).
    pub fn resolve(self, listed_offset: i64) -> ResetPosition {
        match self {
            OffsetReset::ByDuration(_) if listed_offset < 0 => ResetPosition::NeedLatest,
            _ => ResetPosition::Offset(listed_offset),
        }
    }
}

/// `isolation.level`, as ListOffsets and Fetch carry it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum IsolationLevel {
    /// Every record, committed or not (0).
    #[default]
    ReadUncommitted,
    /// Only records of committed transactions, up to the last stable offset (1).
    ReadCommitted,
}

impl IsolationLevel {
    /// The wire value.
    pub fn as_i8(self) -> i8 {
        match self {
            IsolationLevel::ReadUncommitted => 0,
            IsolationLevel::ReadCommitted => 1,
        }
    }
}

/// A ListOffsets request (as a consumer sends it: replica id -1) for each partition at its
/// timestamp: [`offset_spec`] values for earliest/latest, a real time for `offsetsForTimes`.
/// Topics and partitions come out in order.
pub fn list_offsets_request(
    partitions: &BTreeMap<TopicPartition, i64>,
    isolation: IsolationLevel,
) -> ListOffsetsRequest {
    let mut req = ListOffsetsRequest::default();
    req.replica_id = -1;
    req.isolation_level = isolation.as_i8();
    for (tp, ts) in partitions {
        if req.topics.last().is_none_or(|t| t.name != tp.topic) {
            let mut t = list_offsets_request::ListOffsetsTopic::default();
            t.name = tp.topic.as_str().into();
            req.topics.push(t);
        }
        let mut p = list_offsets_request::ListOffsetsPartition::default();
        p.partition_index = tp.partition;
        p.timestamp = *ts;
        p.current_leader_epoch = -1;
        p.max_num_offsets = 1;
        if let Some(t) = req.topics.last_mut() {
            t.partitions.push(p);
        }
    }
    req
}

/// One partition's ListOffsets answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListedOffset {
    /// The offset; `-1` when no record matched the timestamp (Java's `offsetsForTimes` then
    /// maps the partition to null).
    pub offset: i64,
    /// The matched record's timestamp (`-1` when none, or for version 0).
    pub timestamp: i64,
    /// The leader epoch of the matched record, `None` when unknown.
    pub leader_epoch: Option<i32>,
}

/// Reads a ListOffsets response decoded at `version`: each partition's offset, or the error
/// code it came back with. Version 0 carries a list of offsets; its first is the answer.
pub fn read_list_offsets_response(
    resp: &ListOffsetsResponse,
    version: i16,
) -> BTreeMap<TopicPartition, Result<ListedOffset, ErrorCode>> {
    let mut out = BTreeMap::new();
    for t in &resp.topics {
        for p in &t.partitions {
            let tp = TopicPartition::new(t.name.to_string_lossy(), p.partition_index);
            let r = if p.error_code != 0 {
                Err(ErrorCode(p.error_code))
            } else if version == 0 {
                Ok(ListedOffset {
                    offset: p.old_style_offsets.first().copied().unwrap_or(-1),
                    timestamp: -1,
                    leader_epoch: None,
                })
            } else {
                Ok(ListedOffset {
                    offset: p.offset,
                    timestamp: p.timestamp,
                    leader_epoch: (p.leader_epoch >= 0).then_some(p.leader_epoch),
                })
            };
            out.insert(tp, r);
        }
    }
    out
}

/// What a consumer commits for one partition: the next offset to read, the leader epoch of
/// the last record consumed (for fencing after an unclean election; `None` if unknown) and a
/// free-form metadata string (Java's default is empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OffsetAndMetadata {
    /// The position: the offset of the next record to consume.
    pub offset: i64,
    /// The leader epoch of the last consumed record.
    pub leader_epoch: Option<i32>,
    /// The metadata string stored with the offset.
    pub metadata: String,
}

impl OffsetAndMetadata {
    /// `offset` with no leader epoch and empty metadata.
    pub fn new(offset: i64) -> Self {
        OffsetAndMetadata {
            offset,
            leader_epoch: None,
            metadata: String::new(),
        }
    }
}

/// An OffsetCommit for a group member: `generation_or_epoch` and `member_id` from the
/// membership machine (`-1` and "" for a consumer outside group management), topics by name.
/// For version 10+ (topics by id) the caller sets each topic's `topic_id`.
pub fn offset_commit_request(
    group_id: &str,
    generation_or_epoch: i32,
    member_id: &str,
    group_instance_id: Option<&str>,
    offsets: &BTreeMap<TopicPartition, OffsetAndMetadata>,
) -> OffsetCommitRequest {
    let mut req = OffsetCommitRequest::default();
    req.group_id = group_id.into();
    req.generation_id_or_member_epoch = generation_or_epoch;
    req.member_id = member_id.into();
    req.group_instance_id = group_instance_id.map(Into::into);
    req.retention_time_ms = -1;
    for (tp, o) in offsets {
        if req.topics.last().is_none_or(|t| t.name != tp.topic) {
            let mut t = offset_commit_request::OffsetCommitRequestTopic::default();
            t.name = tp.topic.as_str().into();
            req.topics.push(t);
        }
        let mut p = offset_commit_request::OffsetCommitRequestPartition::default();
        p.partition_index = tp.partition;
        p.committed_offset = o.offset;
        p.committed_leader_epoch = o.leader_epoch.unwrap_or(-1);
        p.committed_metadata = Some(o.metadata.as_str().into());
        p.commit_timestamp = -1;
        if let Some(t) = req.topics.last_mut() {
            t.partitions.push(p);
        }
    }
    req
}

/// The partitions an OffsetCommit response refused, with their error codes (empty when all
/// were committed). `ILLEGAL_GENERATION`, `UNKNOWN_MEMBER_ID` and `REBALANCE_IN_PROGRESS` mean
/// the member must rejoin before committing again; `FENCED_INSTANCE_ID` is fatal.
pub fn read_offset_commit_response(
    resp: &OffsetCommitResponse,
) -> Vec<(TopicPartition, ErrorCode)> {
    resp.topics
        .iter()
        .flat_map(|t| {
            t.partitions.iter().filter(|p| p.error_code != 0).map(|p| {
                (
                    TopicPartition::new(t.name.to_string_lossy(), p.partition_index),
                    ErrorCode(p.error_code),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;

// Messages are built as `let mut m = X::default(); m.field = ...;`, the way that keeps
// compiling once generated types become `#[non_exhaustive]` (docs/design/round2.md).
#![allow(clippy::field_reassign_with_default)]

//! A consumer's group membership as sans-IO state machines.
//!
//! Two protocols, two machines:
//!
//! - [`classic::ClassicMember`]: the JoinGroup → SyncGroup → Heartbeat → LeaveGroup protocol,
//!   eager or cooperative (KIP-429), with static membership (KIP-345) and KIP-394's
//!   `MEMBER_ID_REQUIRED` round trip.
//! - [`kip848::ConsumerGroupMember`]: KIP-848's `ConsumerGroupHeartbeat`, where the coordinator
//!   computes the assignment and the member reconciles it epoch by epoch.
//!
//! Neither machine opens a socket or reads a clock. The caller feeds it events (a response
//! arrived, a request failed, the application polled, time passed: every call takes `now` in
//! milliseconds of the caller's monotonic clock) and carries out the [`classic::Action`]s /
//! [`kip848::Action`]s it returns, in order: send this request, commit these offsets, stop
//! reading these partitions, start reading those.
//!
//! The decisions follow the Java client's (`AbstractCoordinator`, `ConsumerCoordinator`,
//! `AbstractMembershipManager`); where they differ, the type's documentation says so.

use std::collections::BTreeSet;
use std::fmt;

use crate::ErrorCode;

pub mod classic;
pub mod kip848;

pub use super::assignor::TopicPartition;

/// A set of partitions, ordered by topic then partition.
pub type PartitionSet = BTreeSet<TopicPartition>;

/// Why a membership machine stopped for good or failed a rebalance: the API whose response
/// carried the error, and the error. A `fatal` error leaves the machine in its fatal state
/// (the Java client throws it from `poll`); otherwise the machine has already arranged to
/// rejoin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MembershipError {
    /// The API whose response failed (`"JoinGroup"`, `"SyncGroup"`, ...).
    pub api: &'static str,
    /// The error code the coordinator sent, or [`ErrorCode::UNKNOWN_SERVER_ERROR`] for a
    /// failure found on this side (say, an assignment that does not decode).
    pub code: ErrorCode,
    /// Whether the member can go on.
    pub fatal: bool,
    /// What went wrong, in words.
    pub message: String,
}

impl fmt::Display for MembershipError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} failed with {}{}: {}",
            self.api,
            self.code,
            if self.fatal { " (fatal)" } else { "" },
            self.message
        )
    }
}

impl std::error::Error for MembershipError {}

//! The consumer-group layer: the parts of Kafka's consumer-group protocol that are pure state
//! and computation, with no sockets and no clock reads. Callers pass the time in and send the
//! requests these types hand back.
//!
//! - [`membership`]: a member's state machines, for the classic protocol (JoinGroup, SyncGroup,
//!   Heartbeat, LeaveGroup) and for KIP-848's `ConsumerGroupHeartbeat`.
//! - [`offsets`]: where to start reading (`auto.offset.reset`), offsets for timestamps via
//!   ListOffsets, and commit requests.

// Messages are built as `let mut m = X::default(); m.field = ...;`, the way that keeps
// compiling once generated types become `#[non_exhaustive]` (docs/design/round2.md).
#![allow(clippy::field_reassign_with_default)]

pub mod membership;
pub mod offsets;

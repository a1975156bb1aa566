//! The consumer-group layer above the wire messages: the parts of Kafka's consumer-group
//! protocol that are pure computation and state, with no sockets and no clock reads. Callers
//! pass the time in and send the requests these types hand back.
//!
//! - [`assignor`]: the client-side partition assignors Kafka's consumers run on the group
//!   leader (`range`, `roundrobin`, `sticky`, `cooperative-sticky`), and the cooperative
//!   rebalancing rules of KIP-429.
//! - [`membership`]: a member's state machines, for the classic protocol (JoinGroup, SyncGroup,
//!   Heartbeat, LeaveGroup) and for KIP-848's `ConsumerGroupHeartbeat`.
//! - [`offsets`]: where to start reading (`auto.offset.reset`), offsets for timestamps via
//!   ListOffsets, and commit requests.

pub mod assignor;
pub mod membership;
pub mod offsets;

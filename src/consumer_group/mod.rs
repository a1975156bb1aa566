//! The consumer-group layer above the wire messages: pure computation and state, no I/O.
//!
//! - [`assignor`]: the client-side partition assignors Kafka's consumers run on the group
//!   leader (`range`, `roundrobin`, `sticky`, `cooperative-sticky`), and the cooperative
//!   rebalancing rules of KIP-429.

pub mod assignor;

//! A pure-Rust codec for the [Apache Kafka](https://kafka.apache.org/) wire protocol: every
//! version of the APIs it covers, in both directions, **byte-exact** round trips, **zero-copy**
//! decoding from [`bytes::Bytes`], and errors, never panics, on hostile input. Messages are
//! generated from Kafka's own message definitions; nothing does I/O except the optional
//! [`tokio`] codecs, so the same types serve clients, brokers, proxies and traffic inspectors.
//!
//! ```toml
//! [dependencies]
//! kafka-codec = "0.2"
//! # or only what you use, e.g. a consumer that fetches and commits:
//! # kafka-codec = { version = "0.2", default-features = false, features = ["fetch", "offset", "lz4"] }
//! ```
//!
//! # Frames and payloads
//!
//! On the wire every request and response is a **frame**: a 4-byte big-endian size, then the
//! **payload** (header and body). Throughout this crate a function or type that says *frame*
//! takes or returns the size prefix, and one that says *payload* does not:
//! [`frame::decode_request`] takes a frame, [`frame::decode_request_payload`] a payload;
//! [`correlator::Correlator::decode_response`] a frame,
//! [`decode_response_payload`](correlator::Correlator::decode_response_payload) a payload;
//! [`frame::split_frame`] and the [`tokio::FrameCodec`] cut frames off a stream and hand out
//! their payloads. Handing a frame to a payload function (or the other way round) is detected
//! and refused with [`DecodeErrorKind::SizePrefixInPayload`] or
//! [`DecodeErrorKind::MissingSizePrefix`], never misread.
//!
//! Responses do not say which API they answer: [`correlator::Correlator`] remembers the API and
//! version of each request by correlation id and decodes each response at the right version;
//! [`CorrelatedResponse::into_response`](correlator::CorrelatedResponse::into_response) turns
//! it into the response type of the request type you sent.
//!
//! # Recipes
//!
//! ## A proxy that rewrites broker addresses (Metadata, FindCoordinator)
//!
//! A proxy tracks each request it forwards, decodes the answers, points every broker address
//! at itself and re-encodes; everything it does not touch goes back byte for byte.
//!
//! ```
//! # #[cfg(all(feature = "metadata", feature = "group"))]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use kafka_codec::correlator::Correlator;
//! use kafka_codec::frame::{encode_request_message, encode_response, RequestParams};
//! use kafka_codec::messages::metadata_response::MetadataResponseBroker;
//! use kafka_codec::messages::{MetadataRequest, MetadataResponse, ResponseHeader};
//! use kafka_codec::{ApiKey, ResponseBody};
//!
//! /// Points every broker and coordinator at the proxy, one port per node.
//! fn rewrite(body: &mut ResponseBody) {
//!     match body {
//!         ResponseBody::Metadata(m) => {
//!             for b in &mut m.brokers {
//!                 b.host = "proxy.local".into();
//!                 b.port = 19000 + b.node_id;
//!             }
//!         }
//!         ResponseBody::FindCoordinator(c) => {
//!             if c.coordinators.is_empty() {
//!                 c.host = "proxy.local".into(); // v0-3: one coordinator, top level
//!                 c.port = 19000 + c.node_id;
//!             }
//!             for co in &mut c.coordinators {
//!                 co.host = "proxy.local".into(); // v4+
//!                 co.port = 19000 + co.node_id;
//!             }
//!         }
//!         _ => {} // other APIs, and bodies this build leaves raw, pass as they are
//!     }
//! }
//!
//! let mut correlator = Correlator::new();
//!
//! // Client -> broker: note the request (its payload, as tokio::FrameCodec yields it).
//! let params = RequestParams { version: 12, correlation_id: 1, client_id: Some("app") };
//! let request = encode_request_message(&MetadataRequest::default(), &params)?;
//! correlator.track_payload(&request.slice(4..))?;
//!
//! // Broker -> client: a Metadata v12 response frame naming broker 2 at its real address.
//! let mut broker = MetadataResponseBroker::default();
//! broker.node_id = 2;
//! broker.host = "10.0.0.2".into();
//! broker.port = 9092;
//! let mut metadata = MetadataResponse::default();
//! metadata.brokers = vec![broker];
//! let mut header = ResponseHeader::default();
//! header.correlation_id = 1;
//! let from_broker = encode_response(ApiKey::METADATA, 12, &header, &metadata.into())?;
//!
//! let mut response = correlator.decode_response(from_broker)?;
//! rewrite(&mut response.frame.body);
//! let to_client = response.frame.encode()?; // a frame again, size prefix included
//!
//! let seen = kafka_codec::frame::decode_response(ApiKey::METADATA, 12, to_client)?;
//! let ResponseBody::Metadata(m) = seen.body else { unreachable!() };
//! assert_eq!((m.brokers[0].host.to_str().unwrap(), m.brokers[0].port), ("proxy.local", 19002));
//! # Ok(())
//! # }
//! # #[cfg(not(all(feature = "metadata", feature = "group")))]
//! # fn main() {}
//! ```
//!
//! ## A Fetch consumer
//!
//! Build a Fetch request, read the response's record batches without copying them, and name
//! topics that Fetch v13+ gives by id only from a Metadata response.
//!
//! ```
//! # #[cfg(all(feature = "fetch", feature = "metadata"))]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use kafka_codec::messages::fetch_request::{FetchPartition, FetchTopic};
//! use kafka_codec::messages::fetch_response::{FetchableTopicResponse, PartitionData};
//! use kafka_codec::messages::metadata_response::MetadataResponseTopic;
//! use kafka_codec::messages::{FetchRequest, FetchResponse, MetadataResponse};
//! use kafka_codec::records::{NewRecord, RecordBatchBuilder, RecordOptions};
//! use kafka_codec::{Message, Uuid};
//!
//! let orders = Uuid([0x42; 16]);
//!
//! // The request: partition 0 of topic `orders` (by id: this is v13+) from offset 100.
//! let mut partition = FetchPartition::default();
//! partition.partition = 0;
//! partition.fetch_offset = 100;
//! partition.partition_max_bytes = 1 << 20;
//! let mut topic = FetchTopic::default();
//! topic.topic_id = orders;
//! topic.partitions = vec![partition];
//! let mut request = FetchRequest::default();
//! request.max_wait_ms = 500;
//! request.max_bytes = 50 << 20;
//! request.topics = vec![topic];
//! assert_eq!(request.partitions().count(), 1);
//! let body = request.to_bytes(16)?; // the body; frame::encode_request_message adds the header
//!
//! // The response, as a broker would send it: one batch of two records.
//! let mut batch = RecordBatchBuilder::new(100);
//! batch.push(NewRecord::new(1_700_000_000_000).key(b"k1").value(b"first"));
//! batch.push(NewRecord::new(1_700_000_000_001).key(b"k2").value(b"second"));
//! let mut data = PartitionData::default();
//! data.high_watermark = 102;
//! data.records = Some(batch.build()?);
//! let mut answered = FetchableTopicResponse::default();
//! answered.topic_id = orders;
//! answered.partitions = vec![data];
//! let mut response = FetchResponse::default();
//! response.responses = vec![answered];
//! let wire = response.to_bytes(16)?.freeze();
//!
//! // The consumer side: decode (zero-copy: records stay slices of `wire`), name topics, walk.
//! let response = FetchResponse::from_bytes(wire, 16)?;
//! let mut metadata = MetadataResponse::default();
//! let mut t = MetadataResponseTopic::default();
//! t.name = Some("orders".into());
//! t.topic_id = orders;
//! metadata.topics = vec![t];
//! let names = metadata.topic_names();
//!
//! let mut seen = Vec::new();
//! for (topic, partition) in response.partitions() {
//!     let name = topic.name_in(&names).unwrap_or("?");
//!     partition.for_each_record(&RecordOptions::default(), |r| {
//!         seen.push(format!("{name}/{} @{}: {:?}", partition.partition_index, r.offset, r.value));
//!     })?;
//! }
//! assert_eq!(seen[1], r#"orders/0 @101: Some([115, 101, 99, 111, 110, 100])"#);
//! # let _ = body;
//! # Ok(())
//! # }
//! # #[cfg(not(all(feature = "fetch", feature = "metadata")))]
//! # fn main() {}
//! ```
//!
//! ## Encoding OffsetCommit and JoinGroup
//!
//! ```
//! # #[cfg(all(feature = "group", feature = "offset"))]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use kafka_codec::consumer::Versioned;
//! use kafka_codec::frame::{decode_request, encode_request_message, RequestParams};
//! use kafka_codec::messages::join_group_request::JoinGroupRequestProtocol;
//! use kafka_codec::messages::offset_commit_request::{
//!     OffsetCommitRequestPartition, OffsetCommitRequestTopic,
//! };
//! use kafka_codec::messages::{ConsumerProtocolSubscription, JoinGroupRequest, OffsetCommitRequest};
//! use kafka_codec::ApiKey;
//!
//! // JoinGroup v9 with a "range" protocol whose metadata is a consumer-protocol subscription.
//! let mut subscription = ConsumerProtocolSubscription::default();
//! subscription.topics = vec!["orders".into()];
//! let mut protocol = JoinGroupRequestProtocol::default();
//! protocol.name = "range".into();
//! protocol.metadata = Versioned::new(3, subscription)?.encode()?;
//! let mut join = JoinGroupRequest::default();
//! join.group_id = "billing".into();
//! join.session_timeout_ms = 45_000;
//! join.rebalance_timeout_ms = 300_000;
//! join.protocol_type = "consumer".into();
//! join.protocols = vec![protocol];
//! let params = RequestParams { version: 9, correlation_id: 3, client_id: Some("billing-1") };
//! let join_frame = encode_request_message(&join, &params)?;
//!
//! // OffsetCommit v9: offset 42 of orders/0 for generation 5.
//! let mut partition = OffsetCommitRequestPartition::default();
//! partition.partition_index = 0;
//! partition.committed_offset = 42;
//! let mut topic = OffsetCommitRequestTopic::default();
//! topic.name = "orders".into();
//! topic.partitions = vec![partition];
//! let mut commit = OffsetCommitRequest::default();
//! commit.group_id = "billing".into();
//! commit.generation_id_or_member_epoch = 5;
//! commit.member_id = "billing-1-4f1c".into();
//! commit.topics = vec![topic];
//! let params = RequestParams { version: 9, correlation_id: 4, client_id: Some("billing-1") };
//! let commit_frame = encode_request_message(&commit, &params)?;
//!
//! // Both are whole frames, ready to write; reading them back gives the same messages.
//! assert_eq!(decode_request(join_frame)?.api_key(), ApiKey::JOIN_GROUP);
//! let back = decode_request(commit_frame)?;
//! assert_eq!(OffsetCommitRequest::try_from(back.body).ok(), Some(commit));
//! # Ok(())
//! # }
//! # #[cfg(not(all(feature = "group", feature = "offset")))]
//! # fn main() {}
//! ```
//!
//! ## A tokio client and broker (feature `tokio`)
//!
//! [`tokio::ClientCodec`] encodes typed requests, assigns correlation ids and pairs each
//! response with its request; [`tokio::BrokerCodec`] decodes requests and writes each response
//! at the version of the request it answers. Both plug into
//! [`tokio_util::codec::Framed`](https://docs.rs/tokio-util/latest/tokio_util/codec/struct.Framed.html).
//!
//! ```
//! # #[cfg(all(feature = "tokio", feature = "group"))]
//! # #[::tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use futures_util::{SinkExt, StreamExt};
//! use kafka_codec::messages::{HeartbeatRequest, HeartbeatResponse, ResponseHeader};
//! use kafka_codec::tokio::{BrokerCodec, ClientCodec};
//! use kafka_codec::{ErrorCode, RequestBody};
//! use tokio_util::codec::Framed;
//!
//! let (client_io, broker_io) = ::tokio::io::duplex(64 * 1024);
//! let mut client = Framed::new(client_io, ClientCodec::new().with_client_id("app"));
//! let mut broker = Framed::new(broker_io, BrokerCodec::new());
//!
//! let mut heartbeat = HeartbeatRequest::default();
//! heartbeat.group_id = "billing".into();
//! heartbeat.generation_id = 5;
//! client.send((4, heartbeat)).await?; // (version, typed body)
//!
//! // The broker: read the request, answer it.
//! let request = broker.next().await.unwrap()?;
//! let RequestBody::Heartbeat(hb) = &request.body else { panic!("{:?}", request.body) };
//! let mut answer = HeartbeatResponse::default();
//! if hb.generation_id != 6 {
//!     answer.error_code = ErrorCode::ILLEGAL_GENERATION.0;
//! }
//! let mut header = ResponseHeader::default();
//! header.correlation_id = request.header.correlation_id;
//! broker.send((header, answer.into())).await?;
//!
//! // The client: the response, typed by the request type that was sent.
//! let response = client.next().await.unwrap()?;
//! let answer: HeartbeatResponse = response.into_response::<HeartbeatRequest>()?;
//! assert_eq!(ErrorCode(answer.error_code), ErrorCode::ILLEGAL_GENERATION);
//! # Ok(())
//! # }
//! # #[cfg(not(all(feature = "tokio", feature = "group")))]
//! # fn main() {}
//! ```
//!
//! # APIs and cargo features
//!
//! Each family of APIs is a cargo feature; a build without a family still reads every frame,
//! leaving the bodies of its APIs as [`RequestBody::Raw`] / [`ResponseBody::Raw`], and
//! [`frame::RequestFrame::raw_reason`] / [`ApiKey::support`] name the feature to enable.
//! Features are additive: [`RequestBody`] and [`ResponseBody`] are `#[non_exhaustive]`, so a
//! `match` on them needs a `_ =>` arm and keeps compiling whatever features other crates in the
//! build turn on.
//!
//! | feature | what it adds |
//! | --- | --- |
//! | (always) | request and response headers, ApiVersions (18) |
//! | `group` (default) | FindCoordinator, JoinGroup, Heartbeat, LeaveGroup, SyncGroup, DescribeGroups, ListGroups, DeleteGroups, ConsumerGroupHeartbeat, ConsumerGroupDescribe; consumer-protocol Subscription/Assignment; `__consumer_offsets` group records |
//! | `offset` (default) | OffsetCommit, OffsetFetch, OffsetForLeaderEpoch, TxnOffsetCommit, OffsetDelete; `__consumer_offsets` offset records |
//! | `fetch` (default) | Fetch, and the [`fetch`] helpers |
//! | `list-offsets` (default) | ListOffsets |
//! | `metadata` (default) | Metadata |
//! | `produce` (default) | Produce |
//! | `security` (default) | SaslHandshake, SaslAuthenticate, ACLs, delegation tokens, SCRAM credentials |
//! | `transactions` (default) | InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, WriteTxnMarkers, DescribeProducers, DescribeTransactions, ListTransactions |
//! | `admin` (default) | topics, partitions, records, configs, log dirs, reassignments, quotas, features, cluster (CreateTopics, DescribeConfigs, DescribeCluster, ...) |
//! | `telemetry` (default) | GetTelemetrySubscriptions, PushTelemetry (KIP-714) |
//! | `share-groups` | share groups (KIP-932): ShareGroupHeartbeat, ShareFetch, ShareAcknowledge, share-state RPCs |
//! | `streams-groups` | Kafka Streams groups (KIP-1071): StreamsGroupHeartbeat, StreamsGroupDescribe, ... |
//! | `kraft` | KRaft quorum RPCs: Vote, BeginQuorumEpoch, FetchSnapshot, voter changes, ... |
//! | `broker-internal` | broker-to-controller and legacy inter-broker APIs: LeaderAndIsr, BrokerRegistration, ... |
//! | `all-apis` | every family above |
//! | `consumer-group` (default) | [`consumer_group`]: the partition assignors a group leader runs, the cooperative rebalancing rules, the classic and KIP-848 member state machines and offsets helpers (sans-IO) |
//! | `gzip`, `snappy`, `lz4`, `zstd` (default) | record batch compression codecs, pure Rust |
//! | `tokio` | the [`tokio`] module: `tokio_util` codecs for raw frames, clients and brokers |
//! | `serde` | `Serialize`/`Deserialize` for messages, frames and owned record types ([`serde_support`] says how) |
//! | `arbitrary` | `arbitrary::Arbitrary` for every message type (structure-aware fuzzing) |
//!
//! Every version Kafka defines of each API is read and written; [`ApiKey::info`] lists them.
//! On docs.rs, items that need a feature say which.
//!
//! # Modules
//!
//! - [`messages`]: every generated message type, with a module per message for its nested
//!   structs; [`RequestBody`] / [`ResponseBody`] wrap them by API.
//! - [`frame`]: frames and payloads, headers and their versions.
//! - [`correlator`]: pairs responses with requests; sans-IO.
//! - [`records`]: record batches (v2 and legacy), compression, building batches.
//! - [`fetch`], [`consumer`]: consumer-side helpers (positions, lag, consumer-protocol and
//!   `__consumer_offsets` payloads).
//! - [`traits`]: [`Decode`], [`Encode`], [`Message`], [`ApiMessage`], [`Request`].
//! - [`error`], [`error_code`]: decode and encode errors with field paths and byte offsets;
//!   Kafka's error codes.
//! - [`tokio`] (feature `tokio`), [`serde_support`] (feature `serde`).
#![deny(missing_docs)]
// One `unsafe` block, in `writer::fill` (the length of an encoded buffer), allowed there alone.
#![deny(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use bytes;

pub mod api_key;
pub mod consumer;
#[cfg(feature = "consumer-group")]
pub mod consumer_group;
pub mod correlator;
pub mod error;
pub mod error_code;
#[cfg(feature = "fetch")]
pub mod fetch;
pub mod frame;
#[cfg(feature = "views")]
#[path = "generated/views/mod.rs"]
pub(crate) mod generated_views;
mod helpers;
pub(crate) mod reader;
pub mod records;
#[cfg(test)]
mod roundtrip_tests;
#[cfg(feature = "serde")]
pub mod serde_support;
pub(crate) mod support;
#[cfg(feature = "tokio")]
pub mod tokio;
pub mod traits;
pub mod types;
pub(crate) mod varint;
#[cfg(feature = "views")]
pub mod views;
pub(crate) mod writer;

pub(crate) mod generated;
pub use generated::bodies::{RequestBody, ResponseBody};
pub use generated::messages;

pub use api_key::{ApiInfo, ApiKey};
pub use error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind, PathSegment};
pub use error_code::ErrorCode;
pub use reader::Reader;
pub use traits::{ApiMessage, Decode, Encode, Message, Request};
pub use types::{BytesStr, RawTaggedField, Uuid, Wire, WireExtras};

/// The crate's internals, for its own fuzz targets, benchmarks and tools only: the primitive
/// readers and writers, the generator's runtime and the generated-code tables. Not part of the
/// API: anything here may change in any release.
#[doc(hidden)]
pub mod __private {
    /// The primitive reader.
    pub mod reader {
        pub use crate::reader::*;
    }
    /// The primitive writers.
    pub mod writer {
        pub use crate::writer::*;
    }
    /// Varints.
    pub mod varint {
        pub use crate::varint::*;
    }
    /// The generator's runtime.
    pub mod support {
        pub use crate::support::*;
    }
    /// The generated modules and tables.
    pub mod generated {
        pub use crate::generated::*;
    }
}

/// The README's examples, compiled and run as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

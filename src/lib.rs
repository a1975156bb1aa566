#![doc = include_str!("../README.md")]
//!
//! ## Pairing responses with requests
//!
//! A response names only its correlation id; [`correlator::Correlator`] remembers the API key
//! and version of each request sent or seen and decodes each response at the right version
//! (Produce with `acks=0` expects none). It does no I/O, so it serves a client, a broker and a
//! proxy watching both directions alike.
//!
//! ## Cargo features
//!
//! | feature | what it adds |
//! | --- | --- |
//! | `group`, `offset`, `fetch`, `list-offsets`, `metadata`, `produce` (default) | the generated messages of each API family; without a family its bodies stay [`RequestBody::Raw`] / [`ResponseBody::Raw`] |
//! | `gzip`, `snappy`, `lz4`, `zstd` (default) | record batch compression codecs (pure Rust) |
//! | `tokio` | the `codec` module: `tokio_util` `Decoder`/`Encoder`s for raw frames, clients and brokers |
//! | `serde` | `Serialize`/`Deserialize` for messages, frames and owned helper types (below) |
//! | `arbitrary` | `arbitrary::Arbitrary` for every message type (structure-aware fuzzing) |
//!
//! ## serde
//!
//! With the `serde` feature, every message, [`frame::RequestFrame`], [`frame::ResponseFrame`],
//! [`RequestBody`], [`ResponseBody`], the [`correlator`] data types (`PendingRequest`,
//! `Expect`, `CorrelatedResponse`), [`ApiKey`], [`ErrorCode`], [`Uuid`], [`BytesStr`], the
//! `__consumer_offsets` and consumer-protocol payloads, and the owned record types
//! (`Compression`, `TimestampType`, `BatchHeader`, `BatchAttributes`, `AbortedTransaction`,
//! `ControlRecord`, `ControlRecordType`) serialize as follows:
//!
//! - bytes (`Bytes` fields, raw bodies, `trailing`) as **lowercase hex** strings (`"00ab7f"`),
//!   `null` for a null nullable field;
//! - strings as strings, UUIDs as `8-4-4-4-12` hex;
//! - open enums ([`ApiKey`], [`ErrorCode`], `BatchAttributes`, `ControlRecordType`) as their
//!   numbers, closed enums (`Compression`, ...) by variant name;
//! - field names in `snake_case` as in Rust; a message's `wire` bookkeeping is left out when it
//!   is canonical, so most messages print as their fields alone.
//!
//! Records borrowed from a batch ([`records::Record`]) are not serialized: copy out what you
//! need. Errors are not serializable; print them with `Display`.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use bytes;

pub mod api_key;
pub mod consumer;
pub mod correlator;
pub mod error;
pub mod error_code;
#[cfg(feature = "fetch")]
pub mod fetch;
pub mod frame;
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
pub(crate) mod writer;

pub(crate) mod generated;
pub use generated::bodies::{RequestBody, ResponseBody};
pub use generated::messages;

pub use api_key::{ApiInfo, ApiKey};
pub use error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind, PathSegment};
pub use error_code::ErrorCode;
pub use reader::Reader;
pub use traits::{ApiMessage, Decode, Encode, Message, Request};
pub use types::{BytesStr, RawTaggedField, Uuid, WireExtras};

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

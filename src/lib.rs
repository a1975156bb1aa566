//! # kafka-codec
//!
//! A zero-copy, byte-exact codec for the Apache Kafka wire protocol, generated from schema files.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod api_key;
pub mod error;
pub mod message;
pub mod reader;
pub mod records;
pub mod types;
pub mod varint;
pub mod writer;

#[allow(missing_docs)]
pub mod generated;

pub use api_key::{ApiInfo, ApiKey};
pub use error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind, PathSegment};
pub use message::{ApiMessage, Decode, Encode, Message, Request};
pub use reader::Reader;
pub use types::{BytesStr, RawTaggedField, Uuid, WireExtras};

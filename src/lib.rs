#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod api_key;
#[cfg(feature = "tokio")]
pub mod codec;
pub mod consumer;
pub mod correlator;
pub mod error;
pub mod error_code;
#[cfg(feature = "fetch")]
pub mod fetch;
pub mod frame;
pub mod message;
pub mod reader;
pub mod records;
#[cfg(test)]
mod roundtrip_tests;
#[cfg(feature = "serde")]
pub mod serde_support;
#[doc(hidden)]
pub mod support;
pub mod types;
pub mod varint;
pub mod writer;

#[allow(missing_docs)]
#[doc(hidden)]
pub mod generated;
pub use generated::bodies::{RequestBody, ResponseBody};
pub use generated::messages;

pub use api_key::{ApiInfo, ApiKey};
pub use error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind, PathSegment};
pub use error_code::ErrorCode;
pub use message::{ApiMessage, Decode, Encode, Message, Request};
pub use reader::Reader;
pub use types::{BytesStr, RawTaggedField, Uuid, WireExtras};

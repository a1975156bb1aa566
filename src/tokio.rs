//! [`tokio_util::codec`] integration (cargo feature `tokio`): length-prefixed Kafka frames as
//! [`Decoder`]s and [`Encoder`]s for `Framed`, `FramedRead` and `FramedWrite`.
//!
//! - [`FrameCodec`]: raw frames, payload bytes in and out (the size prefix added and removed) —
//!   for proxies and recorders that must forward exactly what they received.
//! - [`ClientCodec`]: encodes requests and remembers them in a [`Correlator`], decodes each
//!   response at the version of the request it answers into a [`CorrelatedResponse`].
//! - [`BrokerCodec`]: decodes requests into [`RequestFrame`]s and encodes responses at the
//!   version of the request they answer.
//!
//! Every codec refuses a frame whose size prefix is over its maximum (default
//! [`DEFAULT_MAX_FRAME_SIZE`], Kafka's `socket.request.max.bytes`) as soon as the 4 prefix bytes
//! are read, before anything of the frame is buffered. Errors are a [`CodecError`]; as with every
//! `tokio_util` codec, a `Framed` stream ends after its first error.
//!
//! ```
//! use futures_util::{SinkExt, StreamExt};
//! use kafka_codec::tokio::{BrokerCodec, ClientCodec};
//! use kafka_codec::messages::{ApiVersionsRequest, ApiVersionsResponse, ResponseHeader};
//! use kafka_codec::{ApiKey, RequestBody, ResponseBody};
//! use tokio_util::codec::Framed;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), kafka_codec::tokio::CodecError> {
//! let (client_io, broker_io) = tokio::io::duplex(64 * 1024);
//! let mut client = Framed::new(client_io, ClientCodec::new().with_client_id("doc"));
//! let mut broker = Framed::new(broker_io, BrokerCodec::new());
//!
//! // A typed request: (version, body); the codec assigns correlation ids.
//! client.send((3, ApiVersionsRequest::default())).await?;
//!
//! let request = broker.next().await.unwrap()?;
//! assert!(matches!(request.body, RequestBody::ApiVersions(_)));
//! let header = ResponseHeader::default().with_correlation_id(request.header.correlation_id);
//! // The broker codec remembers the request's version and writes the response in it.
//! broker.send((header, ResponseBody::ApiVersions(ApiVersionsResponse::default()))).await?;
//!
//! let response = client.next().await.unwrap()?;
//! assert_eq!(response.api_key(), ApiKey::API_VERSIONS);
//! assert_eq!(response.request.api_version, 3);
//! # Ok(())
//! # }
//! ```

use std::fmt;

use bytes::{BufMut, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::correlator::{
    produce_acks, request_body_acks_zero, CorrelatedResponse, CorrelationError, Correlator,
};
use crate::error::{DecodeError, EncodeError};
use crate::frame::{
    split_frame, DecodeOptions, RequestFrame, ResponseFrame, DEFAULT_MAX_FRAME_SIZE,
};
use crate::messages::{RequestHeader, ResponseHeader};
use crate::{ApiKey, BytesStr, Encode, Request, RequestBody, ResponseBody};

/// A failure of one of this module's codecs.
#[derive(Debug)]
#[non_exhaustive]
pub enum CodecError {
    /// Reading or writing the transport failed (or it closed in the middle of a frame).
    Io(std::io::Error),
    /// A frame could not be read: a negative or over-the-limit size prefix
    /// ([`DecodeErrorKind::FrameTooLarge`](crate::DecodeErrorKind::FrameTooLarge)), or a request
    /// that did not decode.
    Decode(DecodeError),
    /// A message could not be written at its version.
    Encode(EncodeError),
    /// A request could not be tracked, or a response matched no request or did not decode
    /// at its request's version.
    Correlation(CorrelationError),
    /// An outgoing frame over the codec's maximum frame size (nothing was written).
    FrameTooLarge {
        /// The frame's size (without the prefix).
        size: usize,
        /// The codec's maximum.
        max: usize,
    },
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecError::Io(e) => write!(f, "i/o: {e}"),
            CodecError::Decode(e) => write!(f, "decode: {e}"),
            CodecError::Encode(e) => write!(f, "encode: {e}"),
            CodecError::Correlation(e) => write!(f, "correlation: {e}"),
            CodecError::FrameTooLarge { size, max } => {
                write!(
                    f,
                    "outgoing frame of {size} bytes is over the maximum of {max}"
                )
            }
        }
    }
}

impl std::error::Error for CodecError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CodecError::Io(e) => Some(e),
            CodecError::Decode(e) => Some(e),
            CodecError::Encode(e) => Some(e),
            CodecError::Correlation(e) => Some(e),
            CodecError::FrameTooLarge { .. } => None,
        }
    }
}

impl From<std::io::Error> for CodecError {
    fn from(e: std::io::Error) -> Self {
        CodecError::Io(e)
    }
}

impl From<DecodeError> for CodecError {
    fn from(e: DecodeError) -> Self {
        CodecError::Decode(e)
    }
}

impl From<EncodeError> for CodecError {
    fn from(e: EncodeError) -> Self {
        CodecError::Encode(e)
    }
}

impl From<CorrelationError> for CodecError {
    fn from(e: CorrelationError) -> Self {
        CodecError::Correlation(e)
    }
}

/// Length-prefixed frames as raw payloads: decodes to the bytes after the size prefix, encodes
/// a payload by prefixing its size. Nothing is parsed, so forwarding never depends on decoding.
///
/// ```
/// use bytes::{Bytes, BytesMut};
/// use kafka_codec::tokio::{CodecError, FrameCodec};
/// use kafka_codec::DecodeErrorKind;
/// use tokio_util::codec::{Decoder, Encoder};
///
/// let mut codec = FrameCodec::with_max_frame_size(16);
/// let mut out = BytesMut::new();
/// codec.encode(Bytes::from_static(b"abc"), &mut out).unwrap();
/// assert_eq!(&out[..], b"\0\0\0\x03abc");
/// assert_eq!(codec.decode(&mut out).unwrap().unwrap(), &b"abc"[..]);
///
/// // A prefix announcing 1 MiB is refused before any of it is buffered.
/// let mut big = BytesMut::from(&[0u8, 16, 0, 0][..]);
/// match codec.decode(&mut big) {
///     Err(CodecError::Decode(e)) => {
///         assert!(matches!(e.kind(), DecodeErrorKind::FrameTooLarge { size: 1048576, max: 16 }))
///     }
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameCodec {
    max_frame_size: usize,
}

impl Default for FrameCodec {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameCodec {
    /// Frames of up to [`DEFAULT_MAX_FRAME_SIZE`] bytes.
    pub fn new() -> Self {
        Self::with_max_frame_size(DEFAULT_MAX_FRAME_SIZE)
    }

    /// Frames of up to `max` bytes (after the prefix), in both directions. Capped at
    /// `i32::MAX`, the most a size prefix can say.
    pub fn with_max_frame_size(max: usize) -> Self {
        FrameCodec {
            max_frame_size: max.min(i32::MAX as usize),
        }
    }

    /// The largest frame accepted or written (after the prefix).
    pub fn max_frame_size(&self) -> usize {
        self.max_frame_size
    }

    fn check_outgoing(&self, size: usize) -> Result<(), CodecError> {
        if size > self.max_frame_size {
            return Err(CodecError::FrameTooLarge {
                size,
                max: self.max_frame_size,
            });
        }
        Ok(())
    }

    /// Appends one frame to `dst`: the prefix for `len` bytes, then what `write` writes, which
    /// must be exactly `len` bytes. On failure `dst` is left as it was.
    fn write_frame(
        &self,
        dst: &mut BytesMut,
        len: usize,
        write: impl FnOnce(&mut BytesMut) -> Result<(), CodecError>,
    ) -> Result<(), CodecError> {
        self.check_outgoing(len)?;
        let start = dst.len();
        dst.reserve(4 + len);
        dst.put_i32(len as i32);
        if let Err(e) = write(dst) {
            dst.truncate(start);
            return Err(e);
        }
        debug_assert_eq!(dst.len() - start, 4 + len);
        Ok(())
    }
}

impl Decoder for FrameCodec {
    type Item = Bytes;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, CodecError> {
        Ok(split_frame(src, self.max_frame_size)?)
    }
}

impl Encoder<Bytes> for FrameCodec {
    type Error = CodecError;

    fn encode(&mut self, payload: Bytes, dst: &mut BytesMut) -> Result<(), CodecError> {
        self.write_frame(dst, payload.len(), |dst| {
            dst.put_slice(&payload);
            Ok(())
        })
    }
}

/// The client side of a connection: encodes requests, remembering each in a [`Correlator`],
/// and decodes responses at the versions of the requests they answer.
///
/// Requests can be sent as
/// - `(RequestHeader, RequestBody)`: header as given (correlation id included);
/// - `(version, body)` for any typed request body (`(4, HeartbeatRequest { .. })`): the codec
///   fills in the header with the next correlation id ([`next_correlation_id`]) and its client
///   id ([`with_client_id`]).
///
/// Produce requests with `acks=0` are sent but not remembered: no response comes. A request
/// that cannot be remembered (duplicate correlation id, too many in flight) is not written.
/// See the [module documentation](self) for an example.
///
/// [`next_correlation_id`]: ClientCodec::next_correlation_id
/// [`with_client_id`]: ClientCodec::with_client_id
#[derive(Clone, Debug)]
pub struct ClientCodec {
    frames: FrameCodec,
    correlator: Correlator,
    client_id: Option<BytesStr>,
    next_correlation_id: i32,
}

impl Default for ClientCodec {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientCodec {
    /// Default frame size limit and in-flight limit, no client id, correlation ids from 0.
    pub fn new() -> Self {
        ClientCodec {
            frames: FrameCodec::new(),
            correlator: Correlator::new(),
            client_id: None,
            next_correlation_id: 0,
        }
    }

    /// Refuses frames over `max` bytes in both directions.
    pub fn with_max_frame_size(mut self, max: usize) -> Self {
        self.frames = FrameCodec::with_max_frame_size(max);
        self
    }

    /// Remembers at most `max` requests awaiting responses (forgets any already remembered).
    pub fn with_max_in_flight(mut self, max: usize) -> Self {
        self.correlator = Correlator::with_max_in_flight(max);
        self
    }

    /// The client id put in the headers of typed requests.
    pub fn with_client_id(mut self, client_id: impl Into<BytesStr>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// The correlation id the next typed request gets. Ids count up from 0 and, as in Kafka's
    /// Java client, skip `i32::MAX - 7 ..= i32::MAX` (reserved for SASL authentication
    /// requests) by wrapping to `i32::MIN`.
    pub fn next_correlation_id(&self) -> i32 {
        self.next_correlation_id
    }

    /// The requests awaiting responses.
    pub fn correlator(&self) -> &Correlator {
        &self.correlator
    }

    /// The requests awaiting responses, e.g. to [`forget`](Correlator::forget) a timed-out one.
    pub fn correlator_mut(&mut self) -> &mut Correlator {
        &mut self.correlator
    }

    /// The frame size limit.
    pub fn max_frame_size(&self) -> usize {
        self.frames.max_frame_size()
    }
}

impl Decoder for ClientCodec {
    type Item = CorrelatedResponse;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<CorrelatedResponse>, CodecError> {
        match self.frames.decode(src)? {
            Some(payload) => Ok(Some(self.correlator.decode_response_payload(payload)?)),
            None => Ok(None),
        }
    }
}

impl Encoder<(RequestHeader, RequestBody)> for ClientCodec {
    type Error = CodecError;

    fn encode(
        &mut self,
        (header, body): (RequestHeader, RequestBody),
        dst: &mut BytesMut,
    ) -> Result<(), CodecError> {
        let v = header.request_api_version;
        let api_key = header.request_api_key;
        let hv = api_key.request_header_version(v);
        let len = header.encoded_len(hv) + body.encoded_len(v);
        let acks_zero = request_body_acks_zero(api_key, v, &body);
        let correlator = &mut self.correlator;
        self.frames.write_frame(dst, len, |dst| {
            header.encode(dst, hv)?;
            body.encode(dst, v)?;
            // Remembered last, so a request is remembered only if it is written whole.
            correlator.track(&header, acks_zero)?;
            Ok(())
        })
    }
}

impl<T: Request> Encoder<(i16, T)> for ClientCodec {
    type Error = CodecError;

    fn encode(&mut self, (version, body): (i16, T), dst: &mut BytesMut) -> Result<(), CodecError> {
        let header = RequestHeader {
            request_api_key: T::API_KEY,
            request_api_version: version,
            correlation_id: self.next_correlation_id,
            client_id: self.client_id.clone(),
            ..Default::default()
        };
        let hv = T::API_KEY.request_header_version(version);
        let header_len = header.encoded_len(hv);
        let len = header_len + body.encoded_len(version);
        let correlator = &mut self.correlator;
        self.frames.write_frame(dst, len, |dst| {
            let start = dst.len();
            header.encode(dst, hv)?;
            body.encode(dst, version)?;
            // The body is generic: read acks back from the bytes just written.
            let acks_zero = T::API_KEY == ApiKey::PRODUCE
                && produce_acks(version, &dst[start + header_len..]) == Some(0);
            correlator.track(&header, acks_zero)?;
            Ok(())
        })?;
        self.next_correlation_id = after_correlation_id(self.next_correlation_id);
        Ok(())
    }
}

/// First correlation id of the range Kafka's Java client reserves for SASL authentication
/// requests (up to `i32::MAX`); its own request ids never enter it.
pub const RESERVED_CORRELATION_IDS_START: i32 = i32::MAX - 7;

/// The correlation id after `id`, skipping the reserved range as Kafka's Java client does.
fn after_correlation_id(id: i32) -> i32 {
    let next = id.wrapping_add(1);
    if next >= RESERVED_CORRELATION_IDS_START {
        i32::MIN
    } else {
        next
    }
}

/// The broker side of a connection: decodes requests into [`RequestFrame`]s, remembering each,
/// and encodes responses at the version of the request they answer.
///
/// Responses can be sent as
/// - `(ResponseHeader, ResponseBody)`: written at the version of the remembered request with the
///   header's correlation id (an unknown id is a [`CorrelationError::UnknownCorrelationId`]);
/// - a [`ResponseFrame`]: written as it is (its `header_version` and `body_version`; e.g. a
///   KIP-511 ApiVersions v0 answer to a newer request), forgetting the request if remembered.
///
/// Produce requests with `acks=0` are not remembered: they get no response.
#[derive(Clone, Debug)]
pub struct BrokerCodec {
    frames: FrameCodec,
    correlator: Correlator,
    options: DecodeOptions,
}

impl Default for BrokerCodec {
    fn default() -> Self {
        Self::new()
    }
}

impl BrokerCodec {
    /// Default frame size limit and in-flight limit.
    pub fn new() -> Self {
        BrokerCodec {
            frames: FrameCodec::new(),
            correlator: Correlator::new(),
            options: DecodeOptions::new(),
        }
    }

    /// Decodes requests with `options`, e.g. `DecodeOptions::new().strict_utf8(true)` to refuse
    /// strings that are not UTF-8 (kept by default).
    pub fn with_decode_options(mut self, options: DecodeOptions) -> Self {
        self.options = options;
        self
    }

    /// Refuses frames over `max` bytes in both directions.
    pub fn with_max_frame_size(mut self, max: usize) -> Self {
        self.frames = FrameCodec::with_max_frame_size(max);
        self
    }

    /// Remembers at most `max` unanswered requests; a client pipelining more is refused.
    pub fn with_max_in_flight(mut self, max: usize) -> Self {
        self.correlator = Correlator::with_max_in_flight(max);
        self
    }

    /// The unanswered requests.
    pub fn correlator(&self) -> &Correlator {
        &self.correlator
    }

    /// The unanswered requests, e.g. to [`forget`](Correlator::forget) one left unanswered.
    pub fn correlator_mut(&mut self) -> &mut Correlator {
        &mut self.correlator
    }

    /// The frame size limit.
    pub fn max_frame_size(&self) -> usize {
        self.frames.max_frame_size()
    }
}

impl Decoder for BrokerCodec {
    type Item = RequestFrame;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<RequestFrame>, CodecError> {
        let Some(payload) = self.frames.decode(src)? else {
            return Ok(None);
        };
        let frame = self.options.decode_request_payload(payload)?;
        self.correlator.track_frame(&frame)?;
        Ok(Some(frame))
    }
}

impl Encoder<(ResponseHeader, ResponseBody)> for BrokerCodec {
    type Error = CodecError;

    fn encode(
        &mut self,
        (header, body): (ResponseHeader, ResponseBody),
        dst: &mut BytesMut,
    ) -> Result<(), CodecError> {
        let id = header.correlation_id;
        let request = *self
            .correlator
            .get(id)
            .ok_or(CorrelationError::UnknownCorrelationId(id))?;
        let v = request.api_version;
        let hv = request.response_header_version;
        let len = header.encoded_len(hv) + body.encoded_len(v);
        self.frames.write_frame(dst, len, |dst| {
            header.encode(dst, hv)?;
            body.encode(dst, v)?;
            Ok(())
        })?;
        self.correlator.forget(id);
        Ok(())
    }
}

impl Encoder<ResponseFrame> for BrokerCodec {
    type Error = CodecError;

    fn encode(&mut self, frame: ResponseFrame, dst: &mut BytesMut) -> Result<(), CodecError> {
        let bytes = frame.encode()?;
        self.frames.check_outgoing(bytes.len() - 4)?;
        dst.extend_from_slice(&bytes);
        self.correlator.forget(frame.header.correlation_id);
        Ok(())
    }
}

#[cfg(test)]
mod correlation_tests {
    use super::*;

    #[test]
    fn correlation_ids_skip_the_sasl_reserved_range() {
        assert_eq!(after_correlation_id(0), 1);
        assert_eq!(after_correlation_id(i32::MAX - 9), i32::MAX - 8);
        // i32::MAX - 8 is the last id handed out before the reserved range: wrap to MIN.
        assert_eq!(after_correlation_id(i32::MAX - 8), i32::MIN);
        assert_eq!(after_correlation_id(i32::MAX), i32::MIN);
        assert_eq!(after_correlation_id(-1), 0);
        assert_eq!(RESERVED_CORRELATION_IDS_START, 2_147_483_640);
    }
}

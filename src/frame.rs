//! Framing: the 4-byte size prefix, request and response headers with Kafka's header-version
//! rules, and the body enums behind them.
//!
//! Decoding is lenient where real peers are and Kafka's own clients tolerate it, and exact
//! either way: bytes left after a complete body are kept in `trailing` and written back on
//! encode, so a proxy re-emits what it received, and a strict caller can refuse them.
//!
//! ```
//! use kafka_codec::frame::{decode_request, encode_request};
//! use kafka_codec::messages::{HeartbeatRequest, RequestHeader};
//! use kafka_codec::{ApiKey, RequestBody};
//!
//! let mut header = RequestHeader::for_api(ApiKey::HEARTBEAT, 4, 42);
//! header.client_id = Some("consumer-1".into());
//! let mut heartbeat = HeartbeatRequest::default();
//! heartbeat.group_id = "orders".into();
//! heartbeat.generation_id = 3;
//! heartbeat.member_id = "consumer-1-6d3f".into();
//! let body = RequestBody::from(heartbeat);
//! let wire = encode_request(&header, &body).unwrap();
//! let frame = decode_request(wire.clone()).unwrap();
//! assert_eq!(frame.header.correlation_id, 42);
//! assert_eq!(frame.body, body);
//! assert_eq!(frame.encode().unwrap(), wire);
//! ```

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::generated::bodies::{RequestBody, ResponseBody};
use crate::messages::{ApiVersionsResponse, RequestHeader, ResponseHeader};
use crate::{ApiKey, Decode, Encode, ErrorCode, Reader};

/// Kafka's default `socket.request.max.bytes` (100 MiB): the default frame size limit.
pub const DEFAULT_MAX_FRAME_SIZE: usize = 100 * 1024 * 1024;

/// Takes one complete frame off the front of `buf`, without its size prefix.
///
/// `Ok(None)` means more bytes are needed. A size prefix over `max_frame_size` (or negative) is
/// refused as soon as the prefix is seen, before the frame is buffered.
///
/// ```
/// use bytes::BytesMut;
/// use kafka_codec::frame::split_frame;
/// let mut buf = BytesMut::from(&[0, 0, 0, 2, 7][..]);
/// assert_eq!(split_frame(&mut buf, 1024).unwrap(), None); // one byte still to come
/// buf.extend_from_slice(&[8, 9]);
/// assert_eq!(&split_frame(&mut buf, 1024).unwrap().unwrap()[..], &[7, 8]);
/// assert_eq!(&buf[..], &[9]);
/// ```
pub fn split_frame(
    buf: &mut BytesMut,
    max_frame_size: usize,
) -> Result<Option<Bytes>, DecodeError> {
    if buf.len() < 4 {
        return Ok(None);
    }
    let size = i32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
    if size < 0 {
        return Err(DecodeError::new(DecodeErrorKind::InvalidFrameSize(size), 0));
    }
    let size = size as usize;
    if size > max_frame_size {
        return Err(DecodeError::new(
            DecodeErrorKind::FrameTooLarge {
                size,
                max: max_frame_size,
            },
            0,
        ));
    }
    if buf.len() < 4 + size {
        buf.reserve(4 + size - buf.len());
        return Ok(None);
    }
    buf.advance(4);
    Ok(Some(buf.split_to(size).freeze()))
}

/// Writes a size prefix for a payload of exactly `len` bytes, then the payload, into a buffer
/// allocated once.
fn write_frame(
    len: usize,
    payload: impl FnOnce(&mut BytesMut) -> Result<(), EncodeError>,
) -> Result<BytesMut, EncodeError> {
    let size =
        i32::try_from(len).map_err(|_| EncodeError::new(crate::EncodeErrorKind::TooLong(len)))?;
    let mut buf = BytesMut::with_capacity(4 + len);
    buf.put_i32(size);
    payload(&mut buf)?;
    debug_assert_eq!(buf.len(), 4 + len, "encoded_len disagrees with encode");
    Ok(buf)
}

/// Whether `bytes` start with 8 bytes that read as a request header: an API key Kafka defines
/// and one of that API's versions.
fn starts_like_request_header(bytes: &[u8]) -> bool {
    peek_request_header(bytes).is_some_and(|(key, version, _)| {
        ApiKey(key)
            .info()
            .is_some_and(|i| (i.min_version..=i.max_version).contains(&version))
    })
}

/// The size prefix, when `bytes` given as a request *payload* are really a whole request frame:
/// their first 4 bytes equal the length of the rest, and the bytes after them start like a
/// request header. (A real payload starts with its API key and version; read as a size they
/// match the length only for a Produce payload of under 18 bytes, which cannot exist, or for a
/// payload of over 64 KiB whose correlation id also reads as an API key and version.)
pub(crate) fn request_frame_size_prefix(bytes: &[u8]) -> Option<i32> {
    let size = i32::from_be_bytes(bytes.get(..4)?.try_into().ok()?);
    (size >= 0 && size as usize == bytes.len() - 4 && starts_like_request_header(&bytes[4..]))
        .then_some(size)
}

/// Fails with [`DecodeErrorKind::SizePrefixInPayload`] when a request payload is really a frame.
pub(crate) fn refuse_request_frame_as_payload(payload: &[u8]) -> Result<(), DecodeError> {
    match request_frame_size_prefix(payload) {
        Some(size) => Err(DecodeError::new(
            DecodeErrorKind::SizePrefixInPayload { size },
            0,
        )),
        None => Ok(()),
    }
}

/// Checks a frame's size prefix against its length and returns a reader positioned after it
/// (offsets still count from the start of the frame). `request` says a request frame is
/// expected, so that a request payload handed over by mistake is named as such.
fn open_frame(frame: Bytes, request: bool) -> Result<Reader, DecodeError> {
    let mut r = Reader::new(frame);
    let size = r.i32()?;
    if size as usize != r.remaining() && request && starts_like_request_header(r.peek_rest()) {
        return Err(DecodeError::new(
            DecodeErrorKind::MissingSizePrefix {
                read_as_size: size,
                remaining: r.remaining(),
            },
            0,
        ));
    }
    if size < 0 {
        return Err(DecodeError::new(DecodeErrorKind::InvalidFrameSize(size), 0));
    }
    if size as usize != r.remaining() {
        return Err(DecodeError::new(
            DecodeErrorKind::InvalidLength {
                length: size as i64,
                remaining: r.remaining(),
            },
            0,
        ));
    }
    Ok(r)
}

/// A decoded request: header, body, and any bytes the peer sent after the body.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RequestFrame {
    /// The request header.
    pub header: RequestHeader,
    /// The header version it was read with (0, 1 or 2).
    pub header_version: i16,
    /// The body ([`RequestBody::Raw`] for APIs or versions this build does not decode).
    pub body: RequestBody,
    /// Bytes after a complete body. Kafka's own parsers ignore them and some clients send them
    /// (librdkafka adds 3 to Metadata v12/v13 requests); kept so re-encoding is exact.
    #[cfg_attr(feature = "serde", serde(with = "crate::support::hex_bytes"))]
    pub trailing: Bytes,
}

impl RequestFrame {
    /// The API key.
    pub fn api_key(&self) -> ApiKey {
        self.header.request_api_key
    }

    /// The API version.
    pub fn api_version(&self) -> i16 {
        self.header.request_api_version
    }

    /// Encodes the frame, size prefix included, trailing bytes written back.
    pub fn encode(&self) -> Result<Bytes, EncodeError> {
        let v = self.api_version();
        let len = self.header.encoded_len(self.header_version)
            + self.body.encoded_len(v)
            + self.trailing.len();
        let buf = write_frame(len, |buf| {
            self.header.encode(buf, self.header_version)?;
            self.body.encode(buf, v)?;
            buf.put_slice(&self.trailing);
            Ok(())
        })?;
        Ok(buf.freeze())
    }
}

/// A decoded response: header, body, the version the body was read at, and trailing bytes.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ResponseFrame {
    /// The response header.
    pub header: ResponseHeader,
    /// The header version it was read with (0 or 1).
    pub header_version: i16,
    /// The version the body was decoded at. Equal to the request's version, except for an
    /// ApiVersions response a broker sent in v0 because it does not support the requested
    /// version (KIP-511).
    pub body_version: i16,
    /// The body ([`ResponseBody::Raw`] for APIs or versions this build does not decode).
    pub body: ResponseBody,
    /// Bytes after a complete body (librdkafka's mock broker adds some to ApiVersions v3/v4
    /// and Metadata v13 responses); kept so re-encoding is exact.
    #[cfg_attr(feature = "serde", serde(with = "crate::support::hex_bytes"))]
    pub trailing: Bytes,
}

impl ResponseFrame {
    /// Encodes the frame, size prefix included, trailing bytes written back.
    pub fn encode(&self) -> Result<Bytes, EncodeError> {
        let v = self.body_version;
        let len = self.header.encoded_len(self.header_version)
            + self.body.encoded_len(v)
            + self.trailing.len();
        let buf = write_frame(len, |buf| {
            self.header.encode(buf, self.header_version)?;
            self.body.encode(buf, v)?;
            buf.put_slice(&self.trailing);
            Ok(())
        })?;
        Ok(buf.freeze())
    }
}

/// Reads the API key, version and correlation id at the start of a request payload (after the
/// size prefix) without decoding anything else — what a proxy needs to pair responses.
///
/// ```
/// use kafka_codec::frame::peek_request_header;
/// assert_eq!(peek_request_header(&[0, 1, 0, 12, 0, 0, 0, 9, 0xff, 0xff]), Some((1, 12, 9)));
/// assert_eq!(peek_request_header(&[0, 1]), None);
/// ```
pub fn peek_request_header(payload: &[u8]) -> Option<(i16, i16, i32)> {
    let b = payload.get(..8)?;
    Some((
        i16::from_be_bytes([b[0], b[1]]),
        i16::from_be_bytes([b[2], b[3]]),
        i32::from_be_bytes([b[4], b[5], b[6], b[7]]),
    ))
}

fn decode_request_from(mut r: Reader) -> Result<RequestFrame, DecodeError> {
    let (key, version, _) = peek_request_header(r.peek_rest()).ok_or_else(|| {
        r.error(DecodeErrorKind::UnexpectedEof {
            needed: 8,
            remaining: r.remaining(),
        })
    })?;
    let api_key = ApiKey(key);
    let header_version = api_key.request_header_version(version);
    let header = RequestHeader::decode(&mut r, header_version)?;
    let body = RequestBody::decode(api_key, version, &mut r)?;
    Ok(RequestFrame {
        header,
        header_version,
        body,
        trailing: r.rest(),
    })
}

/// Decodes a request frame, size prefix included (as read off the wire).
///
/// Bytes that are a payload (the size prefix already removed) are refused with
/// [`DecodeErrorKind::MissingSizePrefix`]; use [`decode_request_payload`] for those.
pub fn decode_request(frame: Bytes) -> Result<RequestFrame, DecodeError> {
    decode_request_from(open_frame(frame, true)?)
}

/// Decodes a request payload: a frame without its size prefix (as [`split_frame`] returns it).
///
/// A whole frame handed over by mistake is refused with
/// [`DecodeErrorKind::SizePrefixInPayload`]; use [`decode_request`] for frames.
pub fn decode_request_payload(payload: Bytes) -> Result<RequestFrame, DecodeError> {
    refuse_request_frame_as_payload(&payload)?;
    decode_request_from(Reader::new(payload))
}

fn decode_response_from(
    api_key: ApiKey,
    api_version: i16,
    mut r: Reader,
) -> Result<ResponseFrame, DecodeError> {
    let header_version = api_key.response_header_version(api_version);
    let header = ResponseHeader::decode(&mut r, header_version)?;
    let body_start = r.clone();
    let first = ResponseBody::decode(api_key, api_version, &mut r);
    // KIP-511: a broker that does not support the requested ApiVersions version answers in v0
    // with UNSUPPORTED_VERSION, and clients re-read the body as v0. A v0 body read as v3+ may
    // fail or may "succeed" by accident (its error code comes first either way), so an error
    // code of 35 or a failed decode both mean: read it as v0.
    if api_key == ApiKey::API_VERSIONS && api_version > 0 {
        let fallback_wanted = match &first {
            Err(_) => true,
            Ok(ResponseBody::ApiVersions(b)) => {
                ErrorCode(b.error_code) == ErrorCode::UNSUPPORTED_VERSION
            }
            Ok(_) => false,
        };
        if fallback_wanted {
            let mut r0 = body_start.clone();
            if let Ok(v0) = ApiVersionsResponse::decode(&mut r0, 0) {
                if ErrorCode(v0.error_code) == ErrorCode::UNSUPPORTED_VERSION {
                    return Ok(ResponseFrame {
                        header,
                        header_version,
                        body_version: 0,
                        body: ResponseBody::ApiVersions(v0),
                        trailing: r0.rest(),
                    });
                }
            }
        }
    }
    Ok(ResponseFrame {
        header,
        header_version,
        body_version: api_version,
        body: first?,
        trailing: r.rest(),
    })
}

/// Decodes a response frame, size prefix included. Responses do not say which API they answer:
/// pass the API key and version of the request with the same correlation id.
pub fn decode_response(
    api_key: ApiKey,
    api_version: i16,
    frame: Bytes,
) -> Result<ResponseFrame, DecodeError> {
    decode_response_from(api_key, api_version, open_frame(frame, false)?)
}

/// Decodes a response payload: a frame without its size prefix.
pub fn decode_response_payload(
    api_key: ApiKey,
    api_version: i16,
    payload: Bytes,
) -> Result<ResponseFrame, DecodeError> {
    decode_response_from(api_key, api_version, Reader::new(payload))
}

/// Encodes a request frame (size prefix, header in the version the API and version call for,
/// body), ready to write or to decode again.
pub fn encode_request(header: &RequestHeader, body: &RequestBody) -> Result<Bytes, EncodeError> {
    encode_request_buf(header, body).map(BytesMut::freeze)
}

/// [`encode_request`] into a buffer allocated once, at exactly the frame's size.
fn encode_request_buf(header: &RequestHeader, body: &RequestBody) -> Result<BytesMut, EncodeError> {
    let api_key = header.request_api_key;
    let v = header.request_api_version;
    let hv = api_key.request_header_version(v);
    write_frame(header.encoded_len(hv) + body.encoded_len(v), |buf| {
        header.encode(buf, hv)?;
        body.encode(buf, v)
    })
}

/// Encodes a response frame (size prefix included) for a request of `api_key` at
/// `api_version`, ready to write or to decode again.
pub fn encode_response(
    api_key: ApiKey,
    api_version: i16,
    header: &ResponseHeader,
    body: &ResponseBody,
) -> Result<Bytes, EncodeError> {
    let hv = api_key.response_header_version(api_version);
    write_frame(
        header.encoded_len(hv) + body.encoded_len(api_version),
        |buf| {
            header.encode(buf, hv)?;
            body.encode(buf, api_version)
        },
    )
    .map(BytesMut::freeze)
}

/// What a request header carries besides the API key (which comes from the body's type):
/// named, so that version and correlation id cannot be swapped at a call site.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RequestParams<'a> {
    /// The API version the body is written at.
    pub version: i16,
    /// The correlation id the response will carry.
    pub correlation_id: i32,
    /// The client id (`None` writes a null client id).
    pub client_id: Option<&'a str>,
}

/// Encodes a typed request body with its header into a frame (size prefix included): the
/// shortcut for clients. Returns [`Bytes`], ready to write or to decode again.
///
/// ```
/// use kafka_codec::frame::{encode_request_message, RequestParams};
/// use kafka_codec::messages::ApiVersionsRequest;
/// let params = RequestParams { version: 0, correlation_id: 1, client_id: Some("me") };
/// let frame = encode_request_message(&ApiVersionsRequest::default(), &params).unwrap();
/// assert_eq!(&frame[4..6], &[0, 18]); // API key 18
/// ```
pub fn encode_request_message<T: crate::ApiMessage>(
    body: &T,
    params: &RequestParams<'_>,
) -> Result<Bytes, EncodeError> {
    let version = params.version;
    let header = RequestHeader {
        request_api_key: T::API_KEY,
        request_api_version: version,
        correlation_id: params.correlation_id,
        client_id: params.client_id.map(Into::into),
        ..Default::default()
    };
    let hv = T::API_KEY.request_header_version(version);
    let buf = write_frame(header.encoded_len(hv) + body.encoded_len(version), |buf| {
        header.encode(buf, hv)?;
        body.encode(buf, version)
    })?;
    Ok(buf.freeze())
}

impl RequestHeader {
    /// The request's API key (the same as the `request_api_key` field).
    pub fn api_key(&self) -> ApiKey {
        self.request_api_key
    }

    /// A header for a request of `api_key` at `version` with `correlation_id` (no client id).
    ///
    /// ```
    /// use kafka_codec::messages::RequestHeader;
    /// use kafka_codec::ApiKey;
    /// let h = RequestHeader::for_api(ApiKey::FETCH, 12, 5);
    /// assert_eq!((h.api_key(), h.request_api_version, h.correlation_id), (ApiKey::FETCH, 12, 5));
    /// ```
    pub fn for_api(api_key: ApiKey, version: i16, correlation_id: i32) -> Self {
        RequestHeader {
            request_api_key: api_key,
            request_api_version: version,
            correlation_id,
            ..Default::default()
        }
    }
}

/// Why a frame's body was left raw (see [`RequestFrame::raw_reason`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RawReason {
    /// The API's messages are behind this cargo feature of `kafka-codec`, which is off.
    FeatureDisabled(&'static str),
    /// This crate has no messages for the API.
    UnknownApi(ApiKey),
    /// The API is decoded, but not at this version.
    UnsupportedVersion(ApiKey, i16),
}

impl std::fmt::Display for RawReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RawReason::FeatureDisabled(feature) => write!(
                f,
                "left raw: enable the cargo feature `{feature}` of kafka-codec to decode it"
            ),
            RawReason::UnknownApi(key) => write!(f, "left raw: kafka-codec has no {key} messages"),
            RawReason::UnsupportedVersion(key, v) => {
                write!(f, "left raw: kafka-codec does not read {key} v{v}")
            }
        }
    }
}

fn raw_reason(api_key: ApiKey, version: i16, raw: bool) -> Option<RawReason> {
    if !raw {
        return None;
    }
    Some(match api_key.support() {
        crate::api_key::ApiSupport::FeatureDisabled(f) => RawReason::FeatureDisabled(f),
        crate::api_key::ApiSupport::NotImplemented => RawReason::UnknownApi(api_key),
        _ => RawReason::UnsupportedVersion(api_key, version),
    })
}

impl RequestFrame {
    /// Why the body is [`RequestBody::Raw`], or `None` when it was decoded. Names the cargo
    /// feature to enable when that is the reason.
    ///
    /// ```
    /// use kafka_codec::frame::{decode_request, RawReason};
    /// // API key 1000 v0, correlation id 5, null client id, no tagged fields (an API newer than
    /// // this crate is taken to be flexible, as every API added since KIP-482 is), body 1 2 3.
    /// let wire = [0, 0, 0, 14, 0x03, 0xe8, 0, 0, 0, 0, 0, 5, 0xff, 0xff, 0, 1, 2, 3];
    /// let frame = decode_request(bytes::Bytes::copy_from_slice(&wire)).unwrap();
    /// assert!(matches!(frame.raw_reason(), Some(RawReason::UnknownApi(_))));
    /// ```
    pub fn raw_reason(&self) -> Option<RawReason> {
        raw_reason(
            self.api_key(),
            self.api_version(),
            matches!(self.body, RequestBody::Raw(_)),
        )
    }
}

impl ResponseFrame {
    /// Why the body is [`ResponseBody::Raw`], or `None` when it was decoded; `api_key` is the
    /// API of the request it answers (responses do not carry it).
    pub fn raw_reason(&self, api_key: ApiKey) -> Option<RawReason> {
        raw_reason(
            api_key,
            self.body_version,
            matches!(self.body, ResponseBody::Raw(_)),
        )
    }
}

/// Choices for a decode beyond the defaults, with the decode functions that take them.
///
/// The default decode keeps strings whose bytes are not UTF-8 (as Kafka's Java code accepts
/// them, and byte for byte so that a proxy forwards them unchanged). A caller that wants such
/// input refused asks for [`strict_utf8`](Self::strict_utf8):
///
/// ```
/// use bytes::Bytes;
/// use kafka_codec::frame::{decode_request, DecodeOptions};
/// use kafka_codec::DecodeErrorKind;
///
/// // ApiVersions v0 request, correlation id 1, client id "a\xffb".
/// let frame = Bytes::from_static(&[0, 0, 0, 13, 0, 18, 0, 0, 0, 0, 0, 1, 0, 3, b'a', 0xff, b'b']);
/// let lenient = decode_request(frame.clone()).unwrap();
/// let client_id = lenient.header.client_id.as_ref().unwrap();
/// assert_eq!(&client_id.as_bytes()[..], b"a\xffb");
/// assert_eq!(lenient.encode().unwrap(), frame);
///
/// let e = DecodeOptions::new().strict_utf8(true).decode_request(frame).unwrap_err();
/// assert_eq!(e.kind(), &DecodeErrorKind::InvalidUtf8);
/// assert_eq!(e.offset(), 15);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeOptions {
    strict_utf8: bool,
}

impl DecodeOptions {
    /// The defaults: what [`decode_request`] and the other plain functions do.
    pub fn new() -> Self {
        Self::default()
    }

    /// Refuse (`true`) strings that are not UTF-8, with [`DecodeErrorKind::InvalidUtf8`] naming
    /// the field and the offset of the first invalid byte; `false` (the default) keeps them.
    pub fn strict_utf8(mut self, strict: bool) -> Self {
        self.strict_utf8 = strict;
        self
    }

    fn reader(&self, r: Reader) -> Reader {
        r.with_strict_utf8(self.strict_utf8)
    }

    /// [`decode_request`] with these options.
    pub fn decode_request(&self, frame: Bytes) -> Result<RequestFrame, DecodeError> {
        decode_request_from(self.reader(open_frame(frame, true)?))
    }

    /// [`decode_request_payload`] with these options.
    pub fn decode_request_payload(&self, payload: Bytes) -> Result<RequestFrame, DecodeError> {
        refuse_request_frame_as_payload(&payload)?;
        decode_request_from(self.reader(Reader::new(payload)))
    }

    /// [`decode_response`] with these options.
    pub fn decode_response(
        &self,
        api_key: ApiKey,
        api_version: i16,
        frame: Bytes,
    ) -> Result<ResponseFrame, DecodeError> {
        decode_response_from(api_key, api_version, self.reader(open_frame(frame, false)?))
    }

    /// [`decode_response_payload`] with these options.
    pub fn decode_response_payload(
        &self,
        api_key: ApiKey,
        api_version: i16,
        payload: Bytes,
    ) -> Result<ResponseFrame, DecodeError> {
        decode_response_from(api_key, api_version, self.reader(Reader::new(payload)))
    }

    /// [`Message::from_bytes`](crate::Message::from_bytes) with these options: a complete
    /// message of type `T` at `version`, every byte belonging to it.
    pub fn decode_message<T: crate::Message>(
        &self,
        bytes: Bytes,
        version: i16,
    ) -> Result<T, DecodeError> {
        let mut r = self.reader(Reader::new(bytes));
        let m = T::decode(&mut r, version)?;
        if !r.is_empty() {
            return Err(r
                .error(DecodeErrorKind::TrailingBytes(r.remaining()))
                .in_message(T::NAME, version));
        }
        Ok(m)
    }
}

/// Decodes a response payload (no size prefix) of a known message type, as a client does after
/// pairing it with its request: header for the API and version, then the body. Bytes after the
/// body are returned, not dropped (Kafka's own clients ignore them; a strict caller may refuse).
pub fn decode_response_message<T: crate::ApiMessage>(
    version: i16,
    payload: Bytes,
) -> Result<(ResponseHeader, T, Bytes), DecodeError> {
    let mut r = Reader::new(payload);
    let header = ResponseHeader::decode(&mut r, T::API_KEY.response_header_version(version))?;
    let body = T::decode(&mut r, version)?;
    Ok((header, body, r.rest()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::{api_versions_response, MetadataRequest};

    fn hex(s: &str) -> Bytes {
        let s: String = s.split_whitespace().collect();
        Bytes::from(
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect::<Vec<u8>>(),
        )
    }

    #[test]
    fn header_versions() {
        assert_eq!(ApiKey::FETCH.request_header_version(11), 1);
        assert_eq!(ApiKey::FETCH.request_header_version(12), 2);
        assert_eq!(ApiKey::CONTROLLED_SHUTDOWN.request_header_version(0), 0);
        assert_eq!(ApiKey::CONTROLLED_SHUTDOWN.request_header_version(1), 1);
        assert_eq!(ApiKey::API_VERSIONS.response_header_version(3), 0);
        assert_eq!(ApiKey::FETCH.response_header_version(12), 1);
        assert_eq!(ApiKey(999).request_header_version(5), 2); // above the known keys: flexible
    }

    #[test]
    fn api_versions_v3_request_known_answer() {
        // size, key 18, v3, correlation 1, client id "ab" (int16 length even in header v2),
        // tagged fields 0; body: compact "kc" "1", tagged fields 0.
        let wire = hex("00000013 0012 0003 00000001 0002 6162 00 03 6b63 02 31 00");
        let f = decode_request(wire.clone()).unwrap();
        assert_eq!(f.header_version, 2);
        assert_eq!(f.header.client_id, Some("ab".into()));
        match &f.body {
            RequestBody::ApiVersions(b) => {
                assert_eq!(b.client_software_name, "kc");
                assert_eq!(b.client_software_version, "1");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(f.encode().unwrap(), wire);
    }

    #[test]
    fn trailing_bytes_are_kept_and_written_back() {
        let req = MetadataRequest::default();
        let params = RequestParams {
            version: 12,
            correlation_id: 7,
            client_id: None,
        };
        let mut frame = BytesMut::from(encode_request_message(&req, &params).unwrap());
        frame.extend_from_slice(&[0, 0, 0]);
        let len = frame.len() as i32 - 4;
        frame[..4].copy_from_slice(&len.to_be_bytes());
        let frame = frame.freeze();
        let f = decode_request(frame.clone()).unwrap();
        assert_eq!(&f.trailing[..], &[0, 0, 0]);
        assert_eq!(f.encode().unwrap(), frame);
    }

    #[test]
    fn unknown_api_is_raw_with_header() {
        // API key 1000 (above the known keys: header v2), v0, correlation 5, null client id,
        // no tagged fields, body bytes 1 2 3.
        let wire = hex("0000000e 03e8 0000 00000005 ffff 00 010203");
        let f = decode_request(wire.clone()).unwrap();
        assert_eq!(f.header.correlation_id, 5);
        assert_eq!(f.body, RequestBody::Raw(Bytes::from_static(&[1, 2, 3])));
        assert_eq!(f.encode().unwrap(), wire);
        // A known API at an unknown version is raw too.
        let wire = hex("0000000b 0001 0063 00000005 ffff 00");
        let f = decode_request(wire).unwrap();
        assert!(matches!(f.body, RequestBody::Raw(_)));
    }

    #[test]
    fn kip_511_api_versions_fallback_to_v0() {
        // A v0 body: error 35, one api key (18, 0..3).
        let wire = hex("00000010 00000009 0023 00000001 0012 0000 0003");
        let f = decode_response(ApiKey::API_VERSIONS, 3, wire.clone()).unwrap();
        assert_eq!(f.body_version, 0);
        match &f.body {
            ResponseBody::ApiVersions(b) => {
                assert_eq!(b.error_code, 35);
                assert_eq!(
                    b.api_keys,
                    vec![api_versions_response::ApiVersion {
                        api_key: 18,
                        min_version: 0,
                        max_version: 3,
                        ..Default::default()
                    }]
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(f.encode().unwrap(), wire);
    }

    #[test]
    fn frame_size_is_checked() {
        assert!(matches!(
            decode_request(hex("00000005 0001")).unwrap_err().kind(),
            DecodeErrorKind::InvalidLength { .. }
        ));
        let mut b = BytesMut::from(&hex("7fffffff")[..]);
        assert!(matches!(
            split_frame(&mut b, 1 << 20).unwrap_err().kind(),
            DecodeErrorKind::FrameTooLarge { .. }
        ));
        let mut b = BytesMut::from(&hex("ffffffff")[..]);
        assert!(split_frame(&mut b, 1 << 20).is_err());
    }

    #[test]
    fn request_frames_are_allocated_once_at_their_size() {
        let header = RequestHeader::for_api(ApiKey::METADATA, 12, 1);
        let body = RequestBody::Metadata(MetadataRequest::default());
        let buf = encode_request_buf(&header, &body).unwrap();
        assert_eq!(buf.capacity(), buf.len());
        assert_eq!(encode_request(&header, &body).unwrap(), buf.freeze());
    }

    #[test]
    fn frame_and_payload_mix_ups_are_named() {
        let wire = hex("00000013 0012 0003 00000001 0002 6162 00 03 6b63 02 31 00");
        let e = decode_request_payload(wire.clone()).unwrap_err();
        assert_eq!(
            e.kind(),
            &DecodeErrorKind::SizePrefixInPayload { size: 0x13 }
        );
        let e = decode_request(wire.slice(4..)).unwrap_err();
        assert!(matches!(
            e.kind(),
            DecodeErrorKind::MissingSizePrefix {
                read_as_size: 0x0012_0003,
                remaining: 15
            }
        ));
        // Each function with what it takes.
        assert_eq!(
            decode_request(wire.clone()).unwrap(),
            decode_request_payload(wire.slice(4..)).unwrap()
        );
        // A Produce v0 payload starts 0000 0000: a size of 0, which matches no real payload.
        let produce = hex("0000 0000 00000001 ffff 0001 00000000 00000000");
        assert!(!matches!(
            decode_request_payload(produce).map_err(|e| e.kind().clone()),
            Err(DecodeErrorKind::SizePrefixInPayload { .. })
        ));
    }

    #[test]
    fn truncated_headers_are_errors() {
        let wire = hex("00000013 0012 0003 00000001 0002 6162 00 03 6b63 02 31 00");
        for cut in 0..wire.len() {
            assert!(
                decode_request_payload(wire.slice(4..cut.max(4))).is_err() || cut == wire.len()
            );
        }
    }
}

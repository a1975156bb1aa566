//! Borrowed, zero-allocation views of received messages (feature `views`).
//!
//! A view is a message read in place: [`parse`](crate::views::MetadataResponseView::parse)
//! walks the bytes once for the given version, checking every length, varint, tagged-field
//! section and nested struct exactly as the owned decoder does (and failing with the same kind
//! of [`DecodeError`]: message, version, field path, byte offset), and remembers where each
//! field starts. After that every accessor is infallible and allocates nothing: integers are
//! read off the bytes, strings come back as [`ViewStr`] (borrowed bytes), byte fields as
//! `&[u8]`, nested structs as their own views and arrays as an [`ArrayView`] whose iterator
//! yields element views lazily.
//!
//! `to_owned()` builds the owned message (the same value the owned decoder returns for the same
//! bytes), for a caller that needs to change something and encode it again; it copies strings,
//! bytes and records. `to_owned_from(&src)`, given the [`Bytes`] the view was parsed from,
//! slices them out of `src` instead, without copying.
//!
//! [`RequestView::parse`] reads a whole request payload (header, then the body of its API) for
//! proxies and brokers that route on a few fields:
//!
//! ```
//! # #[cfg(feature = "produce")] {
//! use kafka_codec::frame::encode_request;
//! use kafka_codec::messages::{ProduceRequest, RequestHeader};
//! use kafka_codec::messages::produce_request::TopicProduceData;
//! use kafka_codec::views::{RequestBodyView, RequestView};
//! use kafka_codec::{ApiKey, RequestBody};
//!
//! // What a client sends (built here; a proxy has it from the socket).
//! let mut topic = TopicProduceData::default();
//! topic.name = "orders".into();
//! let mut produce = ProduceRequest::default();
//! produce.acks = -1;
//! produce.topic_data = vec![topic];
//! let header = RequestHeader::for_api(ApiKey::PRODUCE, 9, 7);
//! let frame = encode_request(&header, &RequestBody::Produce(produce)).unwrap();
//! let payload = &frame[4..]; // without the size prefix
//!
//! // The proxy reads the acks and topic names without building the message.
//! let request = RequestView::parse(payload).unwrap();
//! assert_eq!(request.header.correlation_id(), 7);
//! let RequestBodyView::Produce(p) = &request.body else { panic!("not a produce request") };
//! assert_eq!(p.acks(), -1);
//! let topics: Vec<&str> = p.topic_data().iter().map(|t| t.name().to_str().unwrap()).collect();
//! assert_eq!(topics, ["orders"]);
//!
//! // To change many fields: take the owned message, edit it, encode it again.
//! let mut owned = p.to_owned();
//! owned.acks = 1;
//! let again = encode_request(&header, &RequestBody::Produce(owned)).unwrap();
//! assert_eq!(again.len(), frame.len());
//!
//! // `to_owned()` copies strings, bytes and records; `to_owned_from` slices them out of the
//! // received `Bytes` instead (here `frame`, which holds the parsed payload), as the owned
//! // decoder does: no copy, only the arrays' vectors are allocated.
//! let whole = request.to_owned_from(&frame);
//! assert_eq!(whole, kafka_codec::frame::decode_request_payload(frame.slice(4..)).unwrap());
//! # }
//! ```
//!
//! To rewrite a few fields without building the owned message, a [`Splice`] takes each field's
//! [`FieldSpan`] (every scalar field `x` of a view has `x_span()`: strings, bytes, integers,
//! `bool`, `uuid`) and its new value, and writes the bytes with the edits applied: strings
//! under the length prefix their version uses (a compact varint in flexible versions, an
//! `int16` before), integers in place, the frame's size written afresh. A proxy pointing
//! clients at itself rewrites broker addresses in a Metadata response:
//!
//! ```
//! # #[cfg(feature = "metadata")] {
//! use kafka_codec::frame::{decode_response_payload, encode_response};
//! use kafka_codec::messages::metadata_response::MetadataResponseBroker;
//! use kafka_codec::messages::{MetadataResponse, ResponseHeader};
//! use kafka_codec::views::{ResponseBodyView, ResponseView, Splice};
//! use kafka_codec::{ApiKey, ResponseBody};
//!
//! // What a broker answers (built here; a proxy has it from the socket).
//! let mut metadata = MetadataResponse::default();
//! for (id, host) in [(1, "b1.internal"), (2, "b2.internal")] {
//!     let mut b = MetadataResponseBroker::default();
//!     b.node_id = id;
//!     b.host = host.into();
//!     b.port = 9092;
//!     metadata.brokers.push(b);
//! }
//! let body = ResponseBody::Metadata(metadata);
//! let frame = encode_response(ApiKey::METADATA, 12, &ResponseHeader::default(), &body).unwrap();
//! let payload = &frame[4..];
//!
//! // The proxy validates once, then rewrites each broker's host and port.
//! let response = ResponseView::parse(payload, ApiKey::METADATA, 12).unwrap();
//! let ResponseBodyView::Metadata(m) = &response.body else { panic!("not metadata") };
//! let mut splice = Splice::new(payload); // the same bytes the view was parsed from
//! for (i, broker) in m.brokers().iter().enumerate() {
//!     splice.set_str(broker.host_span().unwrap(), "proxy.example").unwrap();
//!     splice.set(broker.port_span().unwrap(), 19092 + i as i32).unwrap();
//! }
//! let rewritten = splice.to_frame().unwrap(); // size prefix included
//!
//! let back = decode_response_payload(ApiKey::METADATA, 12, rewritten[4..].to_vec().into()).unwrap();
//! let ResponseBody::Metadata(m) = back.body else { panic!() };
//! assert_eq!(m.brokers[1].host, "proxy.example");
//! assert_eq!(m.brokers[1].port, 19093);
//! # }
//! ```
//!
//! Edits may not overlap. Kafka structs carry no byte lengths, except tagged fields: a field
//! inside one (its span's [`tag_depth`](FieldSpan::tag_depth) says so) may change length only
//! when the enclosing tagged field is given to [`Splice::resize_tag`], which rewrites its
//! size; otherwise the splice refuses ([`SpliceError::InsideTaggedField`]) rather than write
//! wrong bytes.

// Which of the runtime's helpers a build calls depends on the API families it compiles; with
// every family (`all-apis`, as CI's clippy and docs builds have), each one is used.
#![cfg_attr(not(feature = "all-apis"), allow(dead_code))]

use std::fmt;

use bytes::Bytes;

use crate::api_key::ApiKey;
use crate::error::{DecodeError, DecodeErrorKind};
use crate::error_code::ErrorCode;
use crate::frame::{RequestFrame, ResponseFrame};
use crate::reader::{checks, Length};
use crate::types::{BytesStr, RawTaggedField, Uuid};

pub use crate::generated_views::*;

#[cfg(any(test, feature = "arbitrary"))]
#[doc(hidden)]
pub mod fields;
mod splice;
pub(crate) use splice::{span_bytes, span_fixed, span_str, FixedType};
pub use splice::{FieldSpan, Splice, SpliceError, SpliceValue, TagSpan};

/// A request payload (a frame without its size prefix) read in place: the header, and the body
/// of its API as a view ([`RequestBodyView::Raw`] when this build does not decode it).
///
/// Accepts and refuses exactly what [`decode_request_payload`](crate::frame::decode_request_payload)
/// does, and [`to_owned`](Self::to_owned) gives the same frame.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RequestView<'a> {
    /// The API key, from the header.
    pub api_key: ApiKey,
    /// The API version, from the header.
    pub api_version: i16,
    /// The request header.
    pub header: RequestHeaderView<'a>,
    /// The header version it was read with (0, 1 or 2).
    pub header_version: i16,
    /// The body.
    pub body: RequestBodyView<'a>,
    /// Bytes after a complete body (some clients send them).
    pub trailing: &'a [u8],
}

impl<'a> RequestView<'a> {
    /// Validates a request payload and returns its view.
    pub fn parse(payload: &'a [u8]) -> Result<Self, DecodeError> {
        crate::frame::refuse_request_frame_as_payload(payload)?;
        let (key, api_version, _) =
            crate::frame::peek_request_header(payload).ok_or_else(|| {
                DecodeError::new(
                    DecodeErrorKind::UnexpectedEof {
                        needed: 8,
                        remaining: payload.len(),
                    },
                    0,
                )
            })?;
        let api_key = ApiKey(key);
        let header_version = api_key.request_header_version(api_version);
        let mut c = ViewCursor::new(payload, 0);
        let header = RequestHeaderView::read(&mut c, header_version)?;
        let body = RequestBodyView::read(api_key, api_version, &mut c)?;
        Ok(RequestView {
            api_key,
            api_version,
            header,
            header_version,
            body,
            trailing: c.rest(),
        })
    }

    /// The owned frame: what `decode_request_payload` returns for the same bytes (strings,
    /// bytes and records copied).
    pub fn to_owned(&self) -> RequestFrame {
        self.owned_with(Src::COPY)
    }

    /// The owned frame with every string, bytes and records field (and the raw body, unknown
    /// tagged fields and trailing bytes) sliced out of `src` without copying, as
    /// `decode_request_payload(src)` slices them. `src` is the `Bytes` the view was parsed from,
    /// or any `Bytes` whose memory holds the parsed bytes; a field outside it is copied (never a
    /// panic).
    pub fn to_owned_from(&self, src: &Bytes) -> RequestFrame {
        self.owned_with(Src::from(src))
    }

    fn owned_with(&self, src: Src<'_>) -> RequestFrame {
        RequestFrame {
            header: self.header.owned_with(src),
            header_version: self.header_version,
            body: self.body.owned_with(src),
            trailing: src.bytes(self.trailing),
        }
    }
}

/// A response payload read in place, for the API key and version of the request it answers.
///
/// Accepts and refuses exactly what
/// [`decode_response_payload`](crate::frame::decode_response_payload) does, including its
/// reading of an ApiVersions response a broker sent in v0 (KIP-511).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ResponseView<'a> {
    /// The response header.
    pub header: ResponseHeaderView<'a>,
    /// The header version it was read with (0 or 1).
    pub header_version: i16,
    /// The version the body was read at.
    pub body_version: i16,
    /// The body.
    pub body: ResponseBodyView<'a>,
    /// Bytes after a complete body.
    pub trailing: &'a [u8],
}

impl<'a> ResponseView<'a> {
    /// Validates a response payload and returns its view.
    pub fn parse(
        payload: &'a [u8],
        api_key: ApiKey,
        api_version: i16,
    ) -> Result<Self, DecodeError> {
        let header_version = api_key.response_header_version(api_version);
        let mut c = ViewCursor::new(payload, 0);
        let header = ResponseHeaderView::read(&mut c, header_version)?;
        let body_start = c.pos();
        let first = ResponseBodyView::read(api_key, api_version, &mut c);
        if api_key == ApiKey::API_VERSIONS && api_version > 0 {
            let fallback_wanted = match &first {
                Err(_) => true,
                Ok(ResponseBodyView::ApiVersions(b)) => {
                    ErrorCode(b.error_code()) == ErrorCode::UNSUPPORTED_VERSION
                }
                Ok(_) => false,
            };
            if fallback_wanted {
                let mut c0 = ViewCursor::new(payload, body_start);
                if let Ok(v0) = ApiVersionsResponseView::read(&mut c0, 0) {
                    if ErrorCode(v0.error_code()) == ErrorCode::UNSUPPORTED_VERSION {
                        return Ok(ResponseView {
                            header,
                            header_version,
                            body_version: 0,
                            body: ResponseBodyView::ApiVersions(v0),
                            trailing: c0.rest(),
                        });
                    }
                }
            }
        }
        Ok(ResponseView {
            header,
            header_version,
            body_version: api_version,
            body: first?,
            trailing: c.rest(),
        })
    }

    /// The owned frame: what `decode_response_payload` returns for the same bytes (strings,
    /// bytes and records copied).
    pub fn to_owned(&self) -> ResponseFrame {
        self.owned_with(Src::COPY)
    }

    /// The owned frame with every string, bytes and records field (and the raw body, unknown
    /// tagged fields and trailing bytes) sliced out of `src` without copying, as
    /// `decode_response_payload(.., src)` slices them. `src` is the `Bytes` the view was parsed
    /// from, or any `Bytes` whose memory holds the parsed bytes; a field outside it is copied
    /// (never a panic).
    pub fn to_owned_from(&self, src: &Bytes) -> ResponseFrame {
        self.owned_with(Src::from(src))
    }

    fn owned_with(&self, src: Src<'_>) -> ResponseFrame {
        ResponseFrame {
            header: self.header.owned_with(src),
            header_version: self.header_version,
            body_version: self.body_version,
            body: self.body.owned_with(src),
            trailing: src.bytes(self.trailing),
        }
    }
}

/// The view type of a whole message, for code generic over messages.
pub trait MessageView<'a>: Clone + fmt::Debug + Sized {
    /// The owned message.
    type Owned: crate::Message;

    /// Validates `buf` as a whole message of `version` (every byte must belong to it).
    fn parse(buf: &'a [u8], version: i16) -> Result<Self, DecodeError>;

    /// The owned message: what the owned decoder returns for the same bytes (the view's
    /// inherent `to_owned`, named apart from `ToOwned::to_owned` for generic code).
    fn to_message(&self) -> Self::Owned;

    /// The owned message with its strings, bytes and records sliced out of `src` (the `Bytes`
    /// the view was parsed from) without copying; the view's inherent `to_owned_from`.
    fn to_message_from(&self, src: &Bytes) -> Self::Owned;
}

/// A message that has a view: `<FetchRequest as HasView>::View<'a>` is `FetchRequestView<'a>`.
pub trait HasView: crate::Message {
    /// The view type.
    type View<'a>: MessageView<'a, Owned = Self>;
}

/// Something to run for every message type with its view (tests and fuzzing).
#[cfg(any(test, feature = "arbitrary"))]
#[doc(hidden)]
pub trait ViewVisitor {
    /// Called once per top-level message type.
    fn visit<T: HasView + crate::support::Conform + for<'a> arbitrary::Arbitrary<'a>>(&mut self)
    where
        for<'a> T::View<'a>: fields::ViewFields<'a>;
}

/// Marks a field a view does not hold (not in the version, or a tagged field not sent), as
/// views store offsets: `u32`, which keeps element views small.
pub(crate) const NONE: u32 = u32::MAX;

/// [`NONE`] as an offset.
pub(crate) const ABSENT: usize = NONE as usize;

/// Views store offsets as `u32`: an input of 4 GiB or more is refused (a Kafka frame's size is
/// an `int32`, so no frame is that long).
#[inline]
pub(crate) fn check_size(c: &ViewCursor<'_>) -> Result<(), DecodeError> {
    if c.buf.len() >= ABSENT {
        return Err(DecodeError::new(
            DecodeErrorKind::InvalidValue("a view reads inputs under 4 GiB"),
            0,
        ));
    }
    Ok(())
}

/// The bytes of an empty byte field.
pub(crate) const EMPTY_BYTES: &[u8] = &[];

/// A string field of a view: the bytes exactly as received, borrowed.
///
/// Validation keeps any bytes, as the owned decoder does by default (it refuses text that is not
/// UTF-8 only in its strict mode); [`to_str`](Self::to_str) gives them as `&str` when they are
/// UTF-8.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ViewStr<'a>(&'a [u8]);

impl<'a> ViewStr<'a> {
    /// The empty string.
    pub const EMPTY: ViewStr<'static> = ViewStr(&[]);

    /// A string from a literal (defaults of fields a version lacks).
    pub const fn from_static(s: &'static str) -> ViewStr<'static> {
        ViewStr(s.as_bytes())
    }

    /// The bytes as received.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    /// The string, if it is UTF-8.
    pub fn to_str(&self) -> Result<&'a str, std::str::Utf8Error> {
        std::str::from_utf8(self.0)
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// An owned copy.
    pub fn to_bytes_str(&self) -> BytesStr {
        Src::COPY.str(self.0)
    }
}

impl PartialEq<str> for ViewStr<'_> {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for ViewStr<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl fmt::Debug for ViewStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&String::from_utf8_lossy(self.0), f)
    }
}

impl fmt::Display for ViewStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&String::from_utf8_lossy(self.0), f)
    }
}

/// Where `to_owned` takes strings, bytes and records from: copies of the view's bytes
/// ([`Src::COPY`], for `to_owned()`), or zero-copy slices of the [`Bytes`] the view was parsed
/// from (`to_owned_from(&src)`), copying only what `src` does not hold.
#[derive(Clone, Copy)]
pub(crate) struct Src<'s>(Option<&'s Bytes>);

impl<'s> Src<'s> {
    /// Copies every field.
    pub(crate) const COPY: Src<'static> = Src(None);

    /// Slices of `src` where it holds the field's bytes.
    #[inline]
    pub(crate) fn from(src: &'s Bytes) -> Self {
        Src(Some(src))
    }

    /// `b` as owned bytes: a slice of the source when `b` lies inside it (checked by address,
    /// so `Bytes::slice_ref` cannot panic), a copy otherwise.
    #[inline]
    pub(crate) fn bytes(self, b: &[u8]) -> Bytes {
        match self.0 {
            Some(src) if contains(src, b) => src.slice_ref(b),
            _ => Bytes::copy_from_slice(b),
        }
    }

    /// `b` as an owned string, kept as received (as [`Src::bytes`]).
    #[inline]
    pub(crate) fn str(self, b: &[u8]) -> BytesStr {
        BytesStr::from_bytes(self.bytes(b))
    }
}

/// Whether the memory of `sub` lies inside that of `outer` (an empty `sub` lies anywhere: it
/// needs no memory).
#[inline]
fn contains(outer: &[u8], sub: &[u8]) -> bool {
    let (start, end) = (
        outer.as_ptr() as usize,
        outer.as_ptr() as usize + outer.len(),
    );
    let at = sub.as_ptr() as usize;
    sub.is_empty() || (at >= start && at <= end && sub.len() <= end - at)
}

/// An element type of an [`ArrayView`]: integers, [`Uuid`], `bool`, [`ViewStr`], `&[u8]`, or
/// a struct view.
pub trait ViewElement<'a>: Sized {
    /// The size of every element in bytes, for fixed-size types; 0 for the others.
    #[doc(hidden)]
    const FIXED: usize = 0;

    /// Reads one element at `*pos` of validated bytes and moves past it; `None` only if the
    /// bytes were not validated for this version.
    #[doc(hidden)]
    fn read_element(buf: &'a [u8], pos: &mut usize, version: i16, compact: bool) -> Option<Self>;
}

/// An array field of a view: its length, and an iterator that reads elements as it goes.
pub struct ArrayView<'a, E> {
    buf: &'a [u8],
    pos: usize,
    len: usize,
    version: i16,
    compact: bool,
    _e: std::marker::PhantomData<fn() -> E>,
}

impl<E> Clone for ArrayView<'_, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for ArrayView<'_, E> {}

impl<'a, E: ViewElement<'a>> ArrayView<'a, E> {
    pub(crate) fn empty(buf: &'a [u8], version: i16) -> Self {
        ArrayView {
            buf,
            pos: 0,
            len: 0,
            version,
            compact: false,
            _e: std::marker::PhantomData,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The elements mapped by `f` into a vector of the exact length (what `to_owned` builds,
    /// allocated once, as the owned decoder allocates it).
    #[inline]
    pub(crate) fn map_vec<T>(&self, f: impl FnMut(E) -> T) -> Vec<T> {
        let mut v = Vec::with_capacity(self.len);
        v.extend(self.iter().map(f));
        v
    }

    /// The elements, read lazily.
    #[inline]
    pub fn iter(&self) -> ArrayIter<'a, E> {
        if E::FIXED > 0 {
            // Fixed-size elements: the iterator holds exactly their bytes (one bounds check
            // here) and takes `FIXED` of them per element.
            let bytes = self
                .len
                .checked_mul(E::FIXED)
                .and_then(|n| self.pos.checked_add(n))
                .and_then(|end| self.buf.get(self.pos..end))
                .unwrap_or_default();
            return ArrayIter {
                buf: bytes,
                pos: 0,
                left: self.len,
                version: self.version,
                compact: self.compact,
                _e: std::marker::PhantomData,
            };
        }
        ArrayIter {
            buf: self.buf,
            pos: self.pos,
            left: self.len,
            version: self.version,
            compact: self.compact,
            _e: std::marker::PhantomData,
        }
    }
}

impl<'a, E: ViewElement<'a> + fmt::Debug> fmt::Debug for ArrayView<'a, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, E: ViewElement<'a>> IntoIterator for ArrayView<'a, E> {
    type Item = E;
    type IntoIter = ArrayIter<'a, E>;
    fn into_iter(self) -> ArrayIter<'a, E> {
        self.iter()
    }
}

impl<'a, E: ViewElement<'a>> IntoIterator for &ArrayView<'a, E> {
    type Item = E;
    type IntoIter = ArrayIter<'a, E>;
    fn into_iter(self) -> ArrayIter<'a, E> {
        self.iter()
    }
}

/// Iterator over an [`ArrayView`].
pub struct ArrayIter<'a, E> {
    /// The bytes read from (for fixed-size elements: exactly those left to read).
    buf: &'a [u8],
    pos: usize,
    left: usize,
    version: i16,
    compact: bool,
    _e: std::marker::PhantomData<fn() -> E>,
}

impl<E> Clone for ArrayIter<'_, E> {
    fn clone(&self) -> Self {
        ArrayIter {
            _e: std::marker::PhantomData,
            ..*self
        }
    }
}

impl<'a, E: ViewElement<'a>> Iterator for ArrayIter<'a, E> {
    type Item = E;

    #[inline(always)]
    fn next(&mut self) -> Option<E> {
        if E::FIXED > 0 {
            let (head, rest) = self.buf.split_at_checked(E::FIXED)?;
            self.buf = rest;
            return E::read_element(head, &mut 0, self.version, self.compact);
        }
        if self.left == 0 {
            return None;
        }
        match E::read_element(self.buf, &mut self.pos, self.version, self.compact) {
            Some(e) => {
                self.left -= 1;
                Some(e)
            }
            None => {
                self.left = 0;
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if let Some(n) = self.buf.len().checked_div(E::FIXED) {
            return (n, Some(n));
        }
        (0, Some(self.left))
    }
}

macro_rules! fixed_elements {
    ($($t:ty, $n:literal, $get:ident;)*) => {$(
        impl<'a> ViewElement<'a> for $t {
            const FIXED: usize = $n;

            #[inline]
            fn read_element(buf: &'a [u8], pos: &mut usize, _: i16, _: bool) -> Option<Self> {
                let v = $get(buf, *pos);
                *pos = pos.wrapping_add($n);
                Some(v)
            }
        }
    )*};
}

fixed_elements! {
    i8, 1, get_i8;
    i16, 2, get_i16;
    u16, 2, get_u16;
    i32, 4, get_i32;
    u32, 4, get_u32;
    i64, 8, get_i64;
    f64, 8, get_f64;
    bool, 1, get_bool;
    Uuid, 16, get_uuid;
}

impl<'a> ViewElement<'a> for ViewStr<'a> {
    #[inline]
    fn read_element(buf: &'a [u8], pos: &mut usize, _: i16, compact: bool) -> Option<Self> {
        let n = read_len(buf, pos, compact, false)?;
        let s = slice_at(buf, *pos, n)?;
        *pos += n;
        Some(ViewStr(s))
    }
}

impl<'a> ViewElement<'a> for &'a [u8] {
    #[inline]
    fn read_element(buf: &'a [u8], pos: &mut usize, _: i16, compact: bool) -> Option<Self> {
        let n = read_len(buf, pos, compact, true)?;
        let s = slice_at(buf, *pos, n)?;
        *pos += n;
        Some(s)
    }
}

/// The tagged fields of a view's struct, as `(tag, payload)`, known and unknown alike.
#[derive(Clone)]
pub struct TaggedFields<'a> {
    buf: &'a [u8],
    pos: usize,
    left: u32,
}

impl<'a> TaggedFields<'a> {
    pub(crate) fn at(buf: &'a [u8], pos: usize) -> Self {
        if pos == ABSENT {
            return TaggedFields {
                buf,
                pos: 0,
                left: 0,
            };
        }
        let mut p = pos;
        let left = get_uvarint(buf, &mut p).unwrap_or(0);
        TaggedFields { buf, pos: p, left }
    }
}

impl<'a> Iterator for TaggedFields<'a> {
    type Item = (u32, &'a [u8]);

    fn next(&mut self) -> Option<(u32, &'a [u8])> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let tag = get_uvarint(self.buf, &mut self.pos)?;
        let size = get_uvarint(self.buf, &mut self.pos)? as usize;
        let data = slice_at(self.buf, self.pos, size)?;
        self.pos += size;
        Some((tag, data))
    }
}

/// The unknown tagged fields of a tagged-field section, owned (for `to_owned`).
pub(crate) fn unknown_tags(
    src: Src<'_>,
    buf: &[u8],
    pos: usize,
    known: impl Fn(u32) -> bool,
) -> Vec<RawTaggedField> {
    TaggedFields::at(buf, pos)
        .filter(|(t, _)| !known(*t))
        .map(|(tag, data)| RawTaggedField {
            tag,
            data: src.bytes(data),
        })
        .collect()
}

// ---- Reading validated bytes (infallible: a short read gives a zero value, never a panic) ----

#[inline]
fn arr<const N: usize>(buf: &[u8], at: usize) -> [u8; N] {
    let mut a = [0u8; N];
    if let Some(s) = buf.get(at..at.wrapping_add(N)) {
        a.copy_from_slice(s);
    }
    a
}

#[inline]
pub(crate) fn get_i8(buf: &[u8], at: usize) -> i8 {
    i8::from_be_bytes(arr(buf, at))
}
#[inline]
pub(crate) fn get_i16(buf: &[u8], at: usize) -> i16 {
    i16::from_be_bytes(arr(buf, at))
}
#[inline]
pub(crate) fn get_u16(buf: &[u8], at: usize) -> u16 {
    u16::from_be_bytes(arr(buf, at))
}
#[inline]
pub(crate) fn get_i32(buf: &[u8], at: usize) -> i32 {
    i32::from_be_bytes(arr(buf, at))
}
#[inline]
pub(crate) fn get_u32(buf: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(arr(buf, at))
}
#[inline]
pub(crate) fn get_i64(buf: &[u8], at: usize) -> i64 {
    i64::from_be_bytes(arr(buf, at))
}
#[inline]
pub(crate) fn get_f64(buf: &[u8], at: usize) -> f64 {
    f64::from_bits(u64::from_be_bytes(arr(buf, at)))
}
#[inline]
pub(crate) fn get_bool(buf: &[u8], at: usize) -> bool {
    buf.get(at).is_some_and(|&b| b != 0)
}
#[inline]
pub(crate) fn get_uuid(buf: &[u8], at: usize) -> Uuid {
    Uuid(arr(buf, at))
}

/// An unsigned varint of the bytes at `*pos`, `None` past the end or if it is not one (only
/// for bytes that were not validated). One-byte varints (nearly every length, count and tag
/// count) are read inline, longer ones in a call.
#[inline(always)]
pub(crate) fn get_uvarint(buf: &[u8], pos: &mut usize) -> Option<u32> {
    match buf.get(*pos) {
        Some(&b) if b < 0x80 => {
            *pos += 1;
            Some(u32::from(b))
        }
        _ => {
            // By value, not `&mut`: the caller's position can stay in a register.
            let (v, next) = uvarint_long(buf, *pos)?;
            *pos = next;
            Some(v)
        }
    }
}

/// A varint of two bytes or more at `pos`: its value and the position after it.
#[cold]
#[inline(never)]
fn uvarint_long(buf: &[u8], pos: usize) -> Option<(u32, usize)> {
    let (v, n) = crate::varint::read_u64(buf.get(pos..)?, 5).ok()?;
    Some((u32::try_from(v).ok()?, pos + n))
}

/// Reads a length prefix of validated bytes: `None` for null.
#[inline(always)]
pub(crate) fn read_len(buf: &[u8], pos: &mut usize, compact: bool, wide: bool) -> Option<usize> {
    if compact {
        (get_uvarint(buf, pos)? as usize).checked_sub(1)
    } else if wide {
        let v = get_i32(buf, *pos);
        *pos = pos.wrapping_add(4);
        usize::try_from(v).ok()
    } else {
        let v = get_i16(buf, *pos);
        *pos = pos.wrapping_add(2);
        usize::try_from(v).ok()
    }
}

/// `n` bytes at `pos` (`None` past the end: bytes that were not validated).
#[inline(always)]
fn slice_at(buf: &[u8], pos: usize, n: usize) -> Option<&[u8]> {
    buf.get(pos..pos.wrapping_add(n))
}

/// The `len` bytes at `at`, `None` when `len` is `NONE` (null, or a field not carried). Both
/// are `u32`, so the end cannot overflow and one comparison checks the range.
#[inline(always)]
fn data_at(buf: &[u8], at: u32, len: u32) -> Option<&[u8]> {
    if len == NONE {
        return None;
    }
    buf.get(at as usize..at as usize + len as usize)
}

/// A string whose data starts at `at`, `len` bytes (`None` when null).
#[inline]
pub(crate) fn get_str(buf: &[u8], at: u32, len: u32) -> Option<ViewStr<'_>> {
    data_at(buf, at, len).map(ViewStr)
}

/// Bytes that start at `at`, `len` of them (`None` when null).
#[inline]
pub(crate) fn get_bytes(buf: &[u8], at: u32, len: u32) -> Option<&[u8]> {
    data_at(buf, at, len)
}

/// An array whose first element is at `at`, `len` elements (`None` when null).
#[inline]
pub(crate) fn get_array<'a, E: ViewElement<'a>>(
    buf: &'a [u8],
    at: u32,
    len: u32,
    compact: bool,
    version: i16,
) -> Option<ArrayView<'a, E>> {
    if len == NONE {
        return None;
    }
    Some(ArrayView {
        buf,
        pos: at as usize,
        len: len as usize,
        version,
        compact,
        _e: std::marker::PhantomData,
    })
}

/// Where the length prefix of a string or bytes field starts, from where its data starts and
/// its length (as a view records them): validated prefixes are canonical, so their width
/// follows from the length. `ABSENT` for a field not carried.
#[inline]
pub(crate) fn prefix_at(at: u32, len: u32, compact: bool, wide: bool) -> usize {
    if at == NONE {
        return ABSENT;
    }
    let width = if compact {
        // Length + 1 as a varint; null is 0, one byte.
        crate::varint::len_u64(u64::from(len.wrapping_add(1)))
    } else if wide {
        4
    } else {
        2
    };
    (at as usize).wrapping_sub(width)
}

/// Where a string, bytes or records value's data starts and its length (`NONE`: null), as
/// validation and `locate` find them.
#[derive(Clone, Copy)]
pub(crate) struct Var {
    pub(crate) at: u32,
    pub(crate) len: u32,
}

// ---- Stepping over validated bytes (no checks: `locate` and `skip` of the generated views) ----
//
// The generated code keeps the position in a local (`p`) and passes `&mut p` to these, which
// are always inlined: the position stays in a register. Arithmetic wraps (validated bytes
// never get there; other bytes give wrong positions, which every read checks, never a panic).

/// An unsigned varint of validated bytes (0 past the end).
#[inline(always)]
pub(crate) fn loc_uvarint(buf: &[u8], p: &mut usize) -> u32 {
    match buf.get(*p) {
        Some(&b) if b < 0x80 => {
            *p += 1;
            u32::from(b)
        }
        _ => {
            let (v, next) = uvarint_long(buf, *p).unwrap_or((0, *p));
            *p = next;
            v
        }
    }
}

/// Steps over a string (`wide`: bytes or records); returns where its data starts and its length.
#[inline(always)]
pub(crate) fn loc_var(buf: &[u8], p: &mut usize, compact: bool, wide: bool) -> Var {
    let len = if compact {
        // Length + 1; 0 (null) wraps to `NONE`.
        loc_uvarint(buf, p).wrapping_sub(1)
    } else if wide {
        let n = get_i32(buf, *p);
        *p = p.wrapping_add(4);
        u32::try_from(n).unwrap_or(NONE)
    } else {
        let n = get_i16(buf, *p);
        *p = p.wrapping_add(2);
        u32::try_from(n).unwrap_or(NONE)
    };
    let at = *p as u32;
    if len != NONE {
        *p = p.wrapping_add(len as usize);
    }
    Var { at, len }
}

/// Steps over a string; returns whether it was null.
#[inline(always)]
pub(crate) fn loc_str(buf: &[u8], p: &mut usize, compact: bool) -> bool {
    loc_var(buf, p, compact, false).len == NONE
}

/// Steps over bytes (or records); returns whether they were null.
#[inline(always)]
pub(crate) fn loc_bytes(buf: &[u8], p: &mut usize, compact: bool) -> bool {
    loc_var(buf, p, compact, true).len == NONE
}

/// Reads an array's count, `None` when null.
#[inline(always)]
pub(crate) fn loc_array(buf: &[u8], p: &mut usize, compact: bool) -> Option<usize> {
    read_len(buf, p, compact, true)
}

/// Steps over an array of `n` elements of `size` bytes.
#[inline(always)]
pub(crate) fn loc_fixed(p: &mut usize, n: usize, size: usize) {
    *p = p.wrapping_add(n.wrapping_mul(size));
}

/// Steps over a nullable struct's marker; returns whether it says null.
#[inline(always)]
pub(crate) fn loc_marker(buf: &[u8], p: &mut usize) -> bool {
    let null = marker_is_null(buf, *p);
    *p = p.wrapping_add(1);
    null
}

/// Steps over one tagged field; returns its tag and where its payload starts.
#[inline(always)]
pub(crate) fn loc_tag(buf: &[u8], p: &mut usize) -> (u32, usize) {
    let tag = loc_uvarint(buf, p);
    let size = loc_uvarint(buf, p) as usize;
    let value = *p;
    *p = p.wrapping_add(size);
    (tag, value)
}

/// Steps over a tagged-field section, recording nothing.
#[inline(always)]
pub(crate) fn loc_tags(buf: &[u8], p: &mut usize) {
    let count = loc_uvarint(buf, p);
    if count != 0 {
        // Rare (most structs carry no tagged field): out of line.
        *p = loc_tags_long(buf, *p, count);
    }
}

#[cold]
#[inline(never)]
fn loc_tags_long(buf: &[u8], mut p: usize, count: u32) -> usize {
    for _ in 0..count {
        loc_tag(buf, &mut p);
    }
    p
}

/// Whether the nullable-struct marker at `at` says null.
#[inline]
pub(crate) fn marker_is_null(buf: &[u8], at: usize) -> bool {
    get_i8(buf, at) == -1
}

// ---- Validation: the checks of `Reader` and the support functions, over a borrowed slice ----

/// How a length is prefixed outside flexible versions.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prefix {
    /// `int16` (strings).
    I16,
    /// `int32` (bytes, records, arrays).
    I32,
}

/// A cursor over the bytes being validated. Offsets in errors are indices into the whole input.
///
/// Its rules are `Reader`'s (`crate::reader::checks`, one copy for both): a view accepts and
/// refuses what the owned decoder does, with the same errors.
pub(crate) struct ViewCursor<'a> {
    /// The whole input (what views hold and index).
    buf: &'a [u8],
    /// The bytes this cursor may read: `buf` up to where it must stop (the end of a tagged
    /// field's payload for a cursor over one), so positions in it are positions in `buf`.
    lim: &'a [u8],
    pos: usize,
}

impl<'a> ViewCursor<'a> {
    #[inline]
    pub(crate) fn new(buf: &'a [u8], pos: usize) -> Self {
        ViewCursor { buf, lim: buf, pos }
    }

    #[inline]
    pub(crate) fn buf(&self) -> &'a [u8] {
        self.buf
    }

    #[inline]
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    #[inline]
    pub(crate) fn remaining(&self) -> usize {
        self.lim.len() - self.pos
    }

    #[cold]
    pub(crate) fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(kind, self.pos)
    }

    /// Steps over `n` bytes of a fixed-size field.
    #[inline]
    pub(crate) fn skip(&mut self, n: usize) -> Result<(), DecodeError> {
        if n > self.remaining() {
            return Err(self.error(DecodeErrorKind::UnexpectedEof {
                needed: n,
                remaining: self.remaining(),
            }));
        }
        self.pos += n;
        Ok(())
    }

    #[cold]
    fn eof(&self, needed: usize) -> DecodeError {
        self.error(DecodeErrorKind::UnexpectedEof {
            needed,
            remaining: self.remaining(),
        })
    }

    #[inline]
    pub(crate) fn i8(&mut self) -> Result<i8, DecodeError> {
        match self.lim.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b as i8)
            }
            None => Err(self.eof(1)),
        }
    }

    /// One-byte varints (nearly all lengths and counts) inline, longer ones out of line.
    #[inline(always)]
    fn unsigned_varint(&mut self) -> Result<u32, DecodeError> {
        match self.lim.get(self.pos) {
            Some(&b) if b < 0x80 => {
                self.pos += 1;
                Ok(b as u32)
            }
            _ => self.unsigned_varint_long(),
        }
    }

    #[inline(never)]
    fn unsigned_varint_long(&mut self) -> Result<u32, DecodeError> {
        let rest = self.lim.get(self.pos..).unwrap_or_default();
        let (v, n) = checks::long_uvarint(rest).map_err(|k| self.error(k))?;
        self.pos += n;
        Ok(v)
    }

    #[inline]
    pub(crate) fn bool(&mut self) -> Result<(), DecodeError> {
        let at = self.pos;
        match self.i8()? as u8 {
            0 | 1 => Ok(()),
            b => Err(DecodeError::new(DecodeErrorKind::InvalidBool(b), at)),
        }
    }

    /// A string or null: where its data starts and its length (`NONE`: null).
    #[inline(always)]
    pub(crate) fn str(&mut self, compact: bool) -> Result<Var, DecodeError> {
        let at = self.pos;
        let len = self.length(compact, Prefix::I16, 1)?;
        match checks::string_length(len, self.remaining(), at)? {
            Length::Null => Ok(Var {
                at: self.pos as u32,
                len: NONE,
            }),
            Length::Len(n) => {
                // Any bytes, as the owned decoder keeps them by default: `ViewStr::to_str`
                // checks UTF-8 where the caller needs text.
                let data = self.pos as u32;
                self.skip(n)?;
                Ok(Var {
                    at: data,
                    len: n as u32,
                })
            }
        }
    }

    /// A non-null string (an array element).
    #[inline]
    pub(crate) fn str_element(&mut self, compact: bool) -> Result<(), DecodeError> {
        let v = self.str(compact)?;
        self.non_null(v.len == NONE)
    }

    /// Bytes (or records) or null: where their data starts and their length (`NONE`: null).
    #[inline(always)]
    pub(crate) fn bytes(&mut self, compact: bool) -> Result<Var, DecodeError> {
        match self.length(compact, Prefix::I32, 1)? {
            Length::Null => Ok(Var {
                at: self.pos as u32,
                len: NONE,
            }),
            Length::Len(n) => {
                let data = self.pos as u32;
                self.skip(n)?;
                Ok(Var {
                    at: data,
                    len: n as u32,
                })
            }
        }
    }

    /// A length or count: compact in flexible versions, `int16` or `int32` otherwise.
    #[inline(always)]
    fn length(
        &mut self,
        compact: bool,
        prefix: Prefix,
        min_element_size: usize,
    ) -> Result<Length, DecodeError> {
        let at = self.pos;
        let raw: i64 = if compact {
            self.unsigned_varint()? as i64 - 1
        } else if prefix == Prefix::I16 {
            self.skip(2)?;
            i64::from(get_i16(self.buf, at))
        } else {
            self.skip(4)?;
            i64::from(get_i32(self.buf, at))
        };
        checks::length(raw, min_element_size, self.remaining(), at)
    }

    /// The error for a null array element (strings and bytes in arrays are never null).
    #[inline]
    pub(crate) fn non_null(&self, null: bool) -> Result<(), DecodeError> {
        if null {
            return Err(self.error(DecodeErrorKind::UnexpectedNull));
        }
        Ok(())
    }

    /// An array count, checked against `min_element_size` bytes per element.
    #[inline(always)]
    pub(crate) fn array(
        &mut self,
        compact: bool,
        min_element_size: usize,
    ) -> Result<Length, DecodeError> {
        self.length(compact, Prefix::I32, min_element_size)
    }

    /// A nullable struct's marker; returns whether it says null.
    #[inline]
    pub(crate) fn struct_marker(&mut self) -> Result<bool, DecodeError> {
        let at = self.pos;
        match self.i8()? {
            -1 => Ok(true),
            1 => Ok(false),
            _ => Err(DecodeError::new(
                DecodeErrorKind::InvalidValue("nullable struct marker must be -1 or 1"),
                at,
            )),
        }
    }

    /// A tagged-field section's count, checked against the bytes left.
    #[inline]
    pub(crate) fn tag_count(&mut self) -> Result<u32, DecodeError> {
        let at = self.pos;
        let n = self.unsigned_varint()?;
        checks::tag_count(n, self.remaining(), at)
    }

    /// One tagged field: its tag and a cursor bounded to its payload (which this one skips).
    #[inline]
    pub(crate) fn tag(
        &mut self,
        last: &mut Option<u32>,
    ) -> Result<(u32, ViewCursor<'a>), DecodeError> {
        let at = self.pos;
        let tag = self.unsigned_varint()?;
        checks::tag_order(tag, last, at)?;
        let size_at = self.pos;
        let size = self.unsigned_varint()? as usize;
        checks::tag_size(size, self.remaining(), size_at)?;
        let end = self.pos + size;
        let sub = ViewCursor {
            buf: self.buf,
            lim: self.lim.get(..end).unwrap_or_default(),
            pos: self.pos,
        };
        self.pos = end;
        Ok((tag, sub))
    }

    /// Checks that a known tagged field's value used its whole payload (`start` is where the
    /// payload began).
    #[inline]
    pub(crate) fn tag_end(&self, start: usize, tag: u32) -> Result<(), DecodeError> {
        let end = self.lim.len();
        if self.pos == end {
            Ok(())
        } else {
            Err(self.error(DecodeErrorKind::TaggedFieldSize {
                tag,
                declared: end - start,
                used: self.pos - start,
            }))
        }
    }

    /// Takes every byte left.
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let r = self.lim.get(self.pos..).unwrap_or_default();
        self.pos = self.lim.len();
        r
    }

    /// The error for bytes left after a whole message.
    pub(crate) fn trailing(&self) -> Result<(), DecodeError> {
        if self.pos == self.lim.len() {
            Ok(())
        } else {
            Err(self.error(DecodeErrorKind::TrailingBytes(self.remaining())))
        }
    }
}

/// The owned decoder's rule for string contents, in one place.
#[inline]
/// The error for a version a message does not have.
#[cold]
pub(crate) fn unsupported(at: usize, version: i16, min: i16, max: i16) -> DecodeError {
    DecodeError::new(
        DecodeErrorKind::UnsupportedVersion { version, min, max },
        at,
    )
}

/// An `int16` API key field (once the schema types one as `ApiKey`).
#[inline]
pub(crate) fn get_api_key(buf: &[u8], at: usize) -> ApiKey {
    ApiKey(get_i16(buf, at))
}

impl<'a> ViewElement<'a> for ApiKey {
    const FIXED: usize = 2;

    #[inline]
    fn read_element(buf: &'a [u8], pos: &mut usize, _: i16, _: bool) -> Option<Self> {
        let v = get_api_key(buf, *pos);
        *pos += 2;
        Some(v)
    }
}

//! The traits every message implements: [`Decode`] and [`Encode`] for every generated message
//! and struct, [`Message`] for whole messages, [`ApiMessage`] and [`Request`] for API bodies.

use bytes::{Bytes, BytesMut};

use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::reader::Reader;
use crate::writer::Writer;

/// Decoding of a value at a given version of its message.
pub trait Decode: Sized {
    /// Reads a value for `version` from `r`, leaving any bytes after it unread.
    fn decode(r: &mut Reader, version: i16) -> Result<Self, DecodeError>;
}

/// Encoding of a value at a given version of its message.
pub trait Encode {
    /// Appends the value, encoded for `version`, to `buf`: sizes it with
    /// [`encoded_len`](Self::encoded_len), grows `buf` once by that much, then writes it.
    ///
    /// Fails, leaving `buf` as it was, when the value cannot be expressed in `version`
    /// (unsupported version, a non-ignorable field the version lacks holding a non-default
    /// value, null where the version does not allow it, an over-long string).
    fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        crate::writer::append_sized(buf, self.encoded_len(version), |w| {
            self.write_to(w, version)
        })
    }

    /// Exactly the number of bytes [`encode`](Self::encode) writes for `version`.
    fn encoded_len(&self, version: i16) -> usize;

    /// Writes exactly [`encoded_len`](Self::encoded_len) bytes through a writer over a buffer
    /// sized beforehand. The generated code's building block; not part of the stable API.
    #[doc(hidden)]
    fn write_to(&self, w: &mut Writer<'_>, version: i16) -> Result<(), EncodeError>;
}

/// A top-level message: an API request or response body, a header, or a versioned payload.
///
/// ```
/// use kafka_codec::messages::HeartbeatRequest;
/// use kafka_codec::{Encode, Message};
///
/// let hb = HeartbeatRequest::default()
///     .with_group_id("orders".into())
///     .with_generation_id(7)
///     .with_member_id("consumer-1-abc".into());
/// let bytes = hb.to_bytes(4).unwrap();
/// assert_eq!(bytes.len(), hb.encoded_len(4));
/// assert_eq!(HeartbeatRequest::from_bytes(bytes.freeze(), 4).unwrap(), hb);
/// ```
pub trait Message: Decode + Encode + Default + Clone + std::fmt::Debug + PartialEq {
    /// The schema name, e.g. `"FetchRequest"`.
    const NAME: &'static str;
    /// Lowest version this crate reads and writes.
    const MIN_VERSION: i16;
    /// Highest version this crate reads and writes.
    const MAX_VERSION: i16;
    /// First flexible version (compact lengths, tagged fields), if any.
    const FIRST_FLEXIBLE_VERSION: Option<i16>;

    /// Whether `version` is in range.
    fn supports_version(version: i16) -> bool {
        (Self::MIN_VERSION..=Self::MAX_VERSION).contains(&version)
    }

    /// Whether `version` is a flexible version.
    fn is_flexible(version: i16) -> bool {
        matches!(Self::FIRST_FLEXIBLE_VERSION, Some(f) if version >= f)
    }

    /// Decodes a complete message from `bytes`: every byte must belong to it.
    fn from_bytes(bytes: Bytes, version: i16) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        // The result is returned as it came from `decode` (not unwrapped and rewrapped), so the
        // message is built in place rather than copied twice on its way out.
        let m = Self::decode(&mut r, version);
        if m.is_ok() && !r.is_empty() {
            return Err(r
                .error(DecodeErrorKind::TrailingBytes(r.remaining()))
                .in_message(Self::NAME, version));
        }
        m
    }

    /// Encodes into a buffer allocated once, at exactly the right size.
    fn to_bytes(&self, version: i16) -> Result<BytesMut, EncodeError> {
        crate::writer::sized(self.encoded_len(version), |w| self.write_to(w, version))
    }
}

/// A request or response body of an API.
pub trait ApiMessage: Message {
    /// The API key.
    const API_KEY: crate::ApiKey;
}

/// A request body, linked to its response body type. Both convert to and from their body
/// enums ([`RequestBody`](crate::RequestBody), [`ResponseBody`](crate::ResponseBody)); a
/// conversion from the wrong variant hands the body back as the error.
///
/// ```
/// # #[cfg(feature = "group")] {
/// use kafka_codec::messages::{HeartbeatRequest, HeartbeatResponse};
/// use kafka_codec::{Request, ResponseBody};
///
/// fn answer_type<T: Request>(_: &T) -> &'static str {
///     <T::Response as kafka_codec::Message>::NAME
/// }
/// assert_eq!(answer_type(&HeartbeatRequest::default()), "HeartbeatResponse");
///
/// let body: ResponseBody = HeartbeatResponse::default().into();
/// assert_eq!(HeartbeatResponse::try_from(body).unwrap(), HeartbeatResponse::default());
/// # }
/// ```
pub trait Request:
    ApiMessage + Into<crate::RequestBody> + TryFrom<crate::RequestBody, Error = crate::RequestBody>
{
    /// The response body this request is answered with.
    type Response: ApiMessage
        + Into<crate::ResponseBody>
        + TryFrom<crate::ResponseBody, Error = crate::ResponseBody>;
}

//! Correlation tracking: which API and version each response answers.
//!
//! A Kafka response carries only the correlation id of its request, and its header version and
//! body layout depend on that request's API key and version. A [`Correlator`] remembers, for
//! every request sent (a client) or seen (a proxy watching both directions, a broker), what is
//! needed to read the answer, and decodes each response payload with it. It does no I/O.
//!
//! - Produce with `acks=0` gets no response ([`Expect::NoResponse`]): it does not count as in
//!   flight. Some brokers answer it all the same (Tansu does); the last
//!   [`ACKS_ZERO_REMEMBERED`] such requests are kept aside so that an answer still pairs, with
//!   [`PendingRequest::acks_zero`] set.
//! - Responses may be handled in any order (a proxy fanning out, a test replaying captures).
//! - Memory is bounded: at most [`max_in_flight`](Correlator::max_in_flight) requests are
//!   remembered, and one more is refused ([`CorrelationError::TooManyInFlight`]).
//!
//! ```
//! use bytes::Bytes;
//! use kafka_codec::correlator::{Correlator, Expect};
//! use kafka_codec::frame::{encode_request, encode_response};
//! use kafka_codec::messages::{HeartbeatRequest, HeartbeatResponse, RequestHeader, ResponseHeader};
//! use kafka_codec::{ApiKey, RequestBody, ResponseBody};
//!
//! let mut correlator = Correlator::new();
//! let header = RequestHeader::for_api(ApiKey::HEARTBEAT, 4, 7);
//! assert_eq!(correlator.track(&header, false).unwrap(), Expect::Response);
//!
//! // Later, a response frame arrives: it says only "correlation id 7".
//! let mut response_header = ResponseHeader::default();
//! response_header.correlation_id = 7;
//! let body = ResponseBody::from(HeartbeatResponse::default());
//! let response = encode_response(ApiKey::HEARTBEAT, 4, &response_header, &body).unwrap();
//! let answered = correlator.decode_response(response).unwrap();
//! assert_eq!(answered.request.api_key, ApiKey::HEARTBEAT);
//! assert_eq!(answered.request.api_version, 4);
//! assert!(matches!(answered.frame.body, ResponseBody::Heartbeat(_)));
//! assert!(correlator.is_empty());
//! ```

use std::collections::{HashMap, VecDeque};
use std::fmt;

use bytes::Bytes;

use crate::error::DecodeError;
use crate::frame::{decode_response_payload, RequestFrame, ResponseFrame};
use crate::messages::RequestHeader;
use crate::{ApiKey, Decode, DecodeErrorKind, Reader, RequestBody};

/// The default [`Correlator::max_in_flight`]: far above what a client pipelines on one
/// connection (Kafka's `max.in.flight.requests.per.connection` defaults to 5), small enough that
/// a peer that never answers cannot make the table grow without bound.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 1024;

/// How many Produce requests with `acks=0` are kept aside in case the broker answers them
/// although Kafka's brokers do not (Tansu 0.x does). Older ones are forgotten first.
pub const ACKS_ZERO_REMEMBERED: usize = 32;

/// What is remembered about a request that awaits its response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PendingRequest {
    /// The request's correlation id (the response carries the same).
    pub correlation_id: i32,
    /// The request's API key.
    pub api_key: ApiKey,
    /// The request's API version: the version the response body is written in.
    pub api_version: i16,
    /// The request header version the request was written with.
    pub request_header_version: i16,
    /// The response header version the answer uses.
    pub response_header_version: i16,
    /// A Produce with `acks=0`: no answer was expected (a broker that answers anyway deviates
    /// from Kafka's protocol).
    #[cfg_attr(feature = "serde", serde(default))]
    pub acks_zero: bool,
}

impl PendingRequest {
    /// What to remember for a request with this header.
    pub fn from_header(header: &RequestHeader) -> Self {
        let api_key = header.request_api_key;
        let v = header.request_api_version;
        PendingRequest {
            correlation_id: header.correlation_id,
            api_key,
            api_version: v,
            request_header_version: api_key.request_header_version(v),
            response_header_version: api_key.response_header_version(v),
            acks_zero: false,
        }
    }
}

/// Whether a tracked request will be answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Expect {
    /// A response will come; the request is remembered until it does.
    Response,
    /// No response should come (Produce with `acks=0`); the request does not count as in
    /// flight (see [`ACKS_ZERO_REMEMBERED`] for brokers that answer anyway).
    NoResponse,
}

/// A response paired with the request it answers.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CorrelatedResponse {
    /// The request it answers (no longer remembered by the correlator).
    pub request: PendingRequest,
    /// The decoded response.
    pub frame: ResponseFrame,
}

impl CorrelatedResponse {
    /// The API key of the request answered.
    pub fn api_key(&self) -> ApiKey {
        self.request.api_key
    }

    /// The response as the body type of request `T`: what a client that sent a `T` gets back.
    /// Fails with [`CorrelationError::UnexpectedResponse`] when the response answers another API,
    /// or was not decoded (a version this build does not read).
    ///
    /// ```
    /// # #[cfg(feature = "group")] {
    /// use kafka_codec::correlator::Correlator;
    /// use kafka_codec::frame::{encode_request_message, encode_response, RequestParams};
    /// use kafka_codec::messages::{HeartbeatRequest, HeartbeatResponse, ResponseHeader};
    /// use kafka_codec::{ApiKey, ErrorCode};
    ///
    /// let mut c = Correlator::new();
    /// let params = RequestParams { version: 4, correlation_id: 7, client_id: None };
    /// let request = encode_request_message(&HeartbeatRequest::default(), &params).unwrap();
    /// c.track_payload(&request.slice(4..)).unwrap();
    ///
    /// let mut answer = HeartbeatResponse::default();
    /// answer.error_code = ErrorCode::REBALANCE_IN_PROGRESS.0;
    /// let mut header = ResponseHeader::default();
    /// header.correlation_id = 7;
    /// let frame = encode_response(ApiKey::HEARTBEAT, 4, &header, &answer.into()).unwrap();
    ///
    /// let response = c.decode_response(frame).unwrap();
    /// let typed: HeartbeatResponse = response.into_response::<HeartbeatRequest>().unwrap();
    /// assert_eq!(ErrorCode(typed.error_code), ErrorCode::REBALANCE_IN_PROGRESS);
    /// # }
    /// ```
    pub fn into_response<T: crate::Request>(self) -> Result<T::Response, CorrelationError> {
        let request = self.request;
        if request.api_key != T::API_KEY {
            return Err(CorrelationError::UnexpectedResponse {
                expected: T::API_KEY,
                request,
            });
        }
        T::Response::try_from(self.frame.body).map_err(|_| CorrelationError::UnexpectedResponse {
            expected: T::API_KEY,
            request,
        })
    }
}

/// Why a request could not be tracked or a response not paired or decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CorrelationError {
    /// A request reused the correlation id of one still awaiting its response; the first is
    /// kept. (Kafka's clients never do this; a response could not be told apart.)
    DuplicateCorrelationId(PendingRequest),
    /// [`Correlator::max_in_flight`] requests already await responses; this one was not
    /// recorded.
    TooManyInFlight {
        /// The configured maximum.
        max: usize,
    },
    /// A response whose correlation id matches no request awaiting one (never sent, already
    /// answered, forgotten, or a Produce with `acks=0`).
    UnknownCorrelationId(i32),
    /// A response payload shorter than its 4-byte correlation id.
    ShortResponse(usize),
    /// The request header could not be read (from [`Correlator::track_payload`]), or the
    /// payload was a whole frame.
    Request(DecodeError),
    /// A response read as the answer to request type `expected` answers another request
    /// (`request`), or was left undecoded because this build does not read its version.
    UnexpectedResponse {
        /// The API of the request type asked for.
        expected: ApiKey,
        /// The request the response answers.
        request: PendingRequest,
    },
    /// Response bytes of the wrong shape: a frame where a payload was expected or the other way
    /// round ([`DecodeErrorKind::SizePrefixInPayload`],
    /// [`DecodeErrorKind::MissingSizePrefix`]), or a
    /// size prefix that does not match the frame. No request was forgotten.
    Framing(DecodeError),
    /// The response paired with `request` but did not decode at its version. The request is no
    /// longer remembered: the response has arrived, even if it could not be read.
    Response {
        /// The request it answers.
        request: PendingRequest,
        /// What was wrong with the response.
        error: DecodeError,
    },
}

impl fmt::Display for CorrelationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorrelationError::DuplicateCorrelationId(p) => write!(
                f,
                "correlation id {} is already in flight ({} v{})",
                p.correlation_id, p.api_key, p.api_version
            ),
            CorrelationError::TooManyInFlight { max } => {
                write!(f, "{max} requests already await a response")
            }
            CorrelationError::UnknownCorrelationId(id) => {
                write!(f, "response to unknown correlation id {id}")
            }
            CorrelationError::ShortResponse(n) => {
                write!(f, "response payload of {n} bytes has no correlation id")
            }
            CorrelationError::Request(e) => write!(f, "request header: {e}"),
            CorrelationError::Framing(e) => write!(f, "response framing: {e}"),
            CorrelationError::UnexpectedResponse { expected, request } => {
                if *expected == request.api_key {
                    write!(
                        f,
                        "{} v{} response (correlation id {}) was not decoded: {}",
                        request.api_key,
                        request.api_version,
                        request.correlation_id,
                        match request.api_key.support() {
                            crate::api_key::ApiSupport::Decoded =>
                                "this build does not read that version".to_string(),
                            other => other.to_string(),
                        }
                    )
                } else {
                    write!(
                        f,
                        "expected the response to a {expected} request but correlation id {} answers {} v{}",
                        request.correlation_id, request.api_key, request.api_version
                    )
                }
            }
            CorrelationError::Response { request, error } => write!(
                f,
                "{} v{} response (correlation id {}): {error}",
                request.api_key, request.api_version, request.correlation_id
            ),
        }
    }
}

impl std::error::Error for CorrelationError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CorrelationError::Request(e)
            | CorrelationError::Framing(e)
            | CorrelationError::Response { error: e, .. } => Some(e),
            _ => None,
        }
    }
}

/// Remembers requests awaiting responses and decodes each response at its request's version.
/// Sans-IO: feed it request headers (or raw request payloads) and response payloads.
///
/// See the [module documentation](self) for an example.
#[derive(Clone, Debug)]
pub struct Correlator {
    pending: HashMap<i32, PendingRequest>,
    /// Recent `acks=0` Produce requests, oldest first, at most [`ACKS_ZERO_REMEMBERED`].
    acks_zero: VecDeque<PendingRequest>,
    max_in_flight: usize,
}

impl Default for Correlator {
    fn default() -> Self {
        Self::new()
    }
}

impl Correlator {
    /// A correlator remembering at most [`DEFAULT_MAX_IN_FLIGHT`] requests.
    pub fn new() -> Self {
        Self::with_max_in_flight(DEFAULT_MAX_IN_FLIGHT)
    }

    /// A correlator remembering at most `max` requests awaiting responses.
    ///
    /// ```
    /// use kafka_codec::correlator::{CorrelationError, Correlator};
    /// use kafka_codec::messages::RequestHeader;
    /// use kafka_codec::ApiKey;
    ///
    /// let mut c = Correlator::with_max_in_flight(1);
    /// let mut h = RequestHeader::for_api(ApiKey::HEARTBEAT, 4, 0);
    /// c.track(&h, false).unwrap();
    /// h.correlation_id = 1;
    /// assert_eq!(c.track(&h, false), Err(CorrelationError::TooManyInFlight { max: 1 }));
    /// ```
    pub fn with_max_in_flight(max: usize) -> Self {
        Correlator {
            pending: HashMap::new(),
            acks_zero: VecDeque::new(),
            max_in_flight: max,
        }
    }

    /// The most requests remembered at once.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight
    }

    /// How many requests await a response.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether no request awaits a response.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Records a request by its header. `acks_zero` says it is a Produce with `acks=0`, which
    /// the broker does not answer: such a request is not recorded (and does not count against
    /// the limit). The flag is ignored for other APIs.
    pub fn track(
        &mut self,
        header: &RequestHeader,
        acks_zero: bool,
    ) -> Result<Expect, CorrelationError> {
        self.insert(PendingRequest::from_header(header), acks_zero)
    }

    /// Records a decoded request, reading `acks` from its Produce body (decoded, or raw when
    /// this build does not decode Produce).
    ///
    /// ```
    /// use kafka_codec::correlator::{Correlator, Expect};
    /// use kafka_codec::frame::{decode_request, encode_request_message, RequestParams};
    /// use kafka_codec::messages::ProduceRequest;
    ///
    /// let mut fire_and_forget = ProduceRequest::default();
    /// fire_and_forget.acks = 0;
    /// let params = RequestParams { version: 9, correlation_id: 1, client_id: Some("p") };
    /// let wire = encode_request_message(&fire_and_forget, &params).unwrap();
    /// let mut c = Correlator::new();
    /// assert_eq!(c.track_frame(&decode_request(wire).unwrap()).unwrap(), Expect::NoResponse);
    /// assert!(c.is_empty());
    /// ```
    pub fn track_frame(&mut self, frame: &RequestFrame) -> Result<Expect, CorrelationError> {
        let acks_zero = request_body_acks_zero(frame.api_key(), frame.api_version(), &frame.body);
        self.track(&frame.header, acks_zero)
    }

    /// Records a request from its raw payload (the frame without its size prefix), reading only
    /// the header and, for Produce, `acks` — what a proxy does so that tracking does not depend
    /// on the body decoding. Returns the header read.
    ///
    /// A whole frame (size prefix included) is refused with
    /// [`DecodeErrorKind::SizePrefixInPayload`]
    /// rather than read as a header that is not there.
    ///
    /// ```
    /// use kafka_codec::correlator::{Correlator, Expect};
    /// use kafka_codec::frame::{encode_request_message, RequestParams};
    /// use kafka_codec::messages::FetchRequest;
    ///
    /// let params = RequestParams { version: 12, correlation_id: 3, client_id: None };
    /// let wire = encode_request_message(&FetchRequest::default(), &params).unwrap();
    /// let mut c = Correlator::new();
    /// let (header, expect) = c.track_payload(&wire.slice(4..)).unwrap();
    /// assert_eq!((header.correlation_id, expect), (3, Expect::Response));
    /// assert_eq!(c.get(3).unwrap().api_version, 12);
    /// ```
    pub fn track_payload(
        &mut self,
        payload: &Bytes,
    ) -> Result<(RequestHeader, Expect), CorrelationError> {
        crate::frame::refuse_request_frame_as_payload(payload)
            .map_err(CorrelationError::Request)?;
        let mut r = Reader::new(payload.clone());
        let (key, version, _) =
            crate::frame::peek_request_header(r.peek_rest()).ok_or_else(|| {
                CorrelationError::Request(r.error(crate::DecodeErrorKind::UnexpectedEof {
                    needed: 8,
                    remaining: payload.len(),
                }))
            })?;
        let api_key = ApiKey(key);
        let header = RequestHeader::decode(&mut r, api_key.request_header_version(version))
            .map_err(CorrelationError::Request)?;
        let acks_zero =
            api_key == ApiKey::PRODUCE && produce_acks(version, r.peek_rest()) == Some(0);
        let expect = self.track(&header, acks_zero)?;
        Ok((header, expect))
    }

    fn insert(
        &mut self,
        mut pending: PendingRequest,
        acks_zero: bool,
    ) -> Result<Expect, CorrelationError> {
        if let Some(existing) = self.pending.get(&pending.correlation_id) {
            return Err(CorrelationError::DuplicateCorrelationId(*existing));
        }
        // A reused id makes an older acks=0 request's (unexpected) answer ambiguous: drop it.
        self.acks_zero
            .retain(|p| p.correlation_id != pending.correlation_id);
        if acks_zero && pending.api_key == ApiKey::PRODUCE {
            pending.acks_zero = true;
            if self.acks_zero.len() == ACKS_ZERO_REMEMBERED {
                self.acks_zero.pop_front();
            }
            self.acks_zero.push_back(pending);
            return Ok(Expect::NoResponse);
        }
        if self.pending.len() >= self.max_in_flight {
            return Err(CorrelationError::TooManyInFlight {
                max: self.max_in_flight,
            });
        }
        self.pending.insert(pending.correlation_id, pending);
        Ok(Expect::Response)
    }

    /// The request awaiting a response with `correlation_id`, if any.
    pub fn get(&self, correlation_id: i32) -> Option<&PendingRequest> {
        self.pending.get(&correlation_id)
    }

    /// Takes the request that `correlation_id` answers, forgetting it. A recent Produce with
    /// `acks=0` pairs too (with [`PendingRequest::acks_zero`] set), for brokers that answer it.
    pub fn take(&mut self, correlation_id: i32) -> Result<PendingRequest, CorrelationError> {
        if let Some(p) = self.pending.remove(&correlation_id) {
            return Ok(p);
        }
        self.acks_zero
            .iter()
            .position(|p| p.correlation_id == correlation_id)
            .and_then(|i| self.acks_zero.remove(i))
            .ok_or(CorrelationError::UnknownCorrelationId(correlation_id))
    }

    /// Forgets a request (a timed-out one, say), returning it if it was remembered.
    pub fn forget(&mut self, correlation_id: i32) -> Option<PendingRequest> {
        self.pending.remove(&correlation_id)
    }

    /// Forgets every request (the connection closed).
    pub fn clear(&mut self) {
        self.pending.clear();
        self.acks_zero.clear();
    }

    /// The requests awaiting responses, in no particular order.
    pub fn pending(&self) -> impl Iterator<Item = &PendingRequest> + '_ {
        self.pending.values()
    }

    /// Pairs a response payload (the frame without its size prefix) with its request, forgets
    /// the request, and decodes the response at the request's version.
    ///
    /// An unknown correlation id leaves the table unchanged. A response that pairs but does not
    /// decode is reported with its request ([`CorrelationError::Response`]), which is forgotten
    /// all the same. A whole frame handed over by mistake (its size prefix is unknown as a
    /// correlation id, the 4 bytes after it are one in flight) is refused with
    /// [`CorrelationError::Framing`] and nothing is forgotten.
    pub fn decode_response_payload(
        &mut self,
        payload: Bytes,
    ) -> Result<CorrelatedResponse, CorrelationError> {
        let request = self.take_for_response(&payload)?;
        match decode_response_payload(request.api_key, request.api_version, payload) {
            Ok(frame) => Ok(CorrelatedResponse { request, frame }),
            Err(error) => Err(CorrelationError::Response { request, error }),
        }
    }

    /// Pairs a response frame (size prefix included, as read off the wire) with its request,
    /// forgets the request, and decodes the response at the request's version. Byte offsets in
    /// errors count from the start of the frame.
    ///
    /// A payload without its size prefix is refused with [`CorrelationError::Framing`]
    /// ([`DecodeErrorKind::MissingSizePrefix`]) when
    /// its first 4 bytes are a correlation id in flight; nothing is forgotten.
    pub fn decode_response(
        &mut self,
        frame: Bytes,
    ) -> Result<CorrelatedResponse, CorrelationError> {
        let size = peek_response_correlation_id(&frame)
            .ok_or(CorrelationError::ShortResponse(frame.len()))?;
        if size < 0 || size as usize != frame.len() - 4 {
            let kind = if self.is_awaited(size) {
                DecodeErrorKind::MissingSizePrefix {
                    read_as_size: size,
                    remaining: frame.len() - 4,
                }
            } else if size < 0 {
                DecodeErrorKind::InvalidFrameSize(size)
            } else {
                DecodeErrorKind::InvalidLength {
                    length: size.into(),
                    remaining: frame.len() - 4,
                }
            };
            return Err(CorrelationError::Framing(DecodeError::new(kind, 0)));
        }
        match self.decode_response_payload(frame.slice(4..)) {
            Err(CorrelationError::Response { request, error }) => Err(CorrelationError::Response {
                request,
                error: error.offset_by(4),
            }),
            Err(CorrelationError::ShortResponse(n)) => Err(CorrelationError::ShortResponse(n)),
            other => other,
        }
    }

    /// Whether a response with `correlation_id` would pair (in flight, or a recent `acks=0`
    /// Produce).
    fn is_awaited(&self, correlation_id: i32) -> bool {
        self.pending.contains_key(&correlation_id)
            || self
                .acks_zero
                .iter()
                .any(|p| p.correlation_id == correlation_id)
    }

    /// Pairs a response payload with its request and forgets the request, without decoding the
    /// body — for a proxy that only forwards, or decodes later. Refuses a whole frame as
    /// [`decode_response_payload`](Self::decode_response_payload) does.
    pub fn take_for_response(
        &mut self,
        payload: &[u8],
    ) -> Result<PendingRequest, CorrelationError> {
        let id = peek_response_correlation_id(payload)
            .ok_or(CorrelationError::ShortResponse(payload.len()))?;
        if !self.is_awaited(id) && id >= 0 && id as usize == payload.len() - 4 {
            if let Some(inner) = peek_response_correlation_id(&payload[4..]) {
                if self.is_awaited(inner) {
                    return Err(CorrelationError::Framing(DecodeError::new(
                        DecodeErrorKind::SizePrefixInPayload { size: id },
                        0,
                    )));
                }
            }
        }
        self.take(id)
    }
}

/// The correlation id at the start of a response payload (after the size prefix), which every
/// response header version begins with.
///
/// ```
/// assert_eq!(kafka_codec::correlator::peek_response_correlation_id(&[0, 0, 1, 2, 9]), Some(258));
/// assert_eq!(kafka_codec::correlator::peek_response_correlation_id(&[0, 0]), None);
/// ```
pub fn peek_response_correlation_id(payload: &[u8]) -> Option<i32> {
    let b = payload.get(..4)?;
    Some(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// The `acks` of a Produce request body of `version` (the bytes after the request header),
/// read without decoding the body: the first field in v0-2, after the nullable
/// `TransactionalId` from v3 (a compact string from v9). `None` if the bytes end first.
///
/// ```
/// use kafka_codec::correlator::produce_acks;
/// assert_eq!(produce_acks(2, &[0xff, 0xff, 0, 0, 0x75, 0x30]), Some(-1));
/// assert_eq!(produce_acks(3, &[0xff, 0xff, 0, 0]), Some(0)); // null transactional id
/// assert_eq!(produce_acks(9, &[3, b't', b'x', 0, 1]), Some(1)); // compact "tx"
/// assert_eq!(produce_acks(9, &[3, b't']), None);
/// ```
pub fn produce_acks(version: i16, body: &[u8]) -> Option<i16> {
    let rest = if version < 3 {
        body
    } else if version < 9 {
        let len = i16::from_be_bytes([*body.first()?, *body.get(1)?]);
        body.get(2 + len.max(0) as usize..)?
    } else {
        // Compact nullable string: unsigned varint of length + 1, 0 for null.
        let (n, used) = crate::varint::read_u64(body, 5).ok()?;
        body.get(used + n.saturating_sub(1) as usize..)?
    };
    Some(i16::from_be_bytes([*rest.first()?, *rest.get(1)?]))
}

/// The `acks` of a Produce request payload (header and body, no size prefix), read without
/// decoding the body; `None` for other APIs or when it cannot be read.
///
/// ```
/// use kafka_codec::correlator::request_acks;
/// use kafka_codec::frame::{encode_request_message, RequestParams};
/// use kafka_codec::messages::ProduceRequest;
/// let mut req = ProduceRequest::default();
/// req.acks = 0;
/// let params = RequestParams { version: 9, correlation_id: 1, client_id: Some("p") };
/// let frame = encode_request_message(&req, &params).unwrap();
/// assert_eq!(request_acks(&frame.slice(4..)), Some(0));
/// ```
pub fn request_acks(payload: &Bytes) -> Option<i16> {
    let (key, version, _) = crate::frame::peek_request_header(payload)?;
    if key != ApiKey::PRODUCE.0 {
        return None;
    }
    let mut r = Reader::new(payload.clone());
    RequestHeader::decode(&mut r, ApiKey::PRODUCE.request_header_version(version)).ok()?;
    produce_acks(version, r.peek_rest())
}

/// Whether a request body is a Produce with `acks=0`.
pub(crate) fn request_body_acks_zero(api_key: ApiKey, version: i16, body: &RequestBody) -> bool {
    if api_key != ApiKey::PRODUCE {
        return false;
    }
    match body {
        #[cfg(feature = "produce")]
        RequestBody::Produce(p) => p.acks == 0,
        RequestBody::Raw(b) => produce_acks(version, b) == Some(0),
        #[allow(unreachable_patterns)]
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{encode_request, encode_response};
    use crate::messages::{ApiVersionsResponse, MetadataResponse, ResponseHeader};
    use crate::{DecodeErrorKind, ResponseBody};
    use bytes::{BufMut, BytesMut};

    fn header(key: ApiKey, version: i16, id: i32) -> RequestHeader {
        RequestHeader {
            request_api_key: key,
            request_api_version: version,
            correlation_id: id,
            client_id: Some("t".into()),
            ..Default::default()
        }
    }

    fn response(key: ApiKey, version: i16, id: i32, body: ResponseBody) -> Bytes {
        let h = ResponseHeader {
            correlation_id: id,
            ..Default::default()
        };
        encode_response(key, version, &h, &body).unwrap().slice(4..)
    }

    #[test]
    fn out_of_order_responses_decode_at_their_own_versions() {
        let mut c = Correlator::new();
        c.track(&header(ApiKey::METADATA, 12, 1), false).unwrap();
        c.track(&header(ApiKey::API_VERSIONS, 3, 2), false).unwrap();
        c.track(&header(ApiKey::METADATA, 4, 3), false).unwrap();
        let r3 = c
            .decode_response_payload(response(
                ApiKey::METADATA,
                4,
                3,
                ResponseBody::Metadata(MetadataResponse::default()),
            ))
            .unwrap();
        assert_eq!((r3.request.api_version, r3.frame.header_version), (4, 0));
        let r1 = c
            .decode_response_payload(response(
                ApiKey::METADATA,
                12,
                1,
                ResponseBody::Metadata(MetadataResponse::default()),
            ))
            .unwrap();
        assert_eq!((r1.request.api_version, r1.frame.header_version), (12, 1));
        let r2 = c
            .decode_response_payload(response(
                ApiKey::API_VERSIONS,
                3,
                2,
                ResponseBody::ApiVersions(ApiVersionsResponse::default()),
            ))
            .unwrap();
        // ApiVersions responses always use header v0.
        assert_eq!(
            (r2.api_key(), r2.frame.header_version),
            (ApiKey::API_VERSIONS, 0)
        );
        assert!(c.is_empty());
    }

    #[test]
    fn unknown_duplicate_and_short() {
        let mut c = Correlator::new();
        let payload = response(
            ApiKey::METADATA,
            12,
            9,
            ResponseBody::Metadata(MetadataResponse::default()),
        );
        assert_eq!(
            c.decode_response_payload(payload.clone()).unwrap_err(),
            CorrelationError::UnknownCorrelationId(9)
        );
        c.track(&header(ApiKey::METADATA, 12, 9), false).unwrap();
        assert!(matches!(
            c.track(&header(ApiKey::FETCH, 4, 9), false),
            Err(CorrelationError::DuplicateCorrelationId(PendingRequest {
                api_key: ApiKey::METADATA,
                ..
            }))
        ));
        assert_eq!(
            c.decode_response_payload(Bytes::from_static(&[0, 0]))
                .unwrap_err(),
            CorrelationError::ShortResponse(2)
        );
        assert_eq!(c.len(), 1);
        c.decode_response_payload(payload).unwrap();
        assert!(c.is_empty());
    }

    #[test]
    fn undecodable_response_forgets_its_request() {
        let mut c = Correlator::new();
        c.track(&header(ApiKey::METADATA, 12, 5), false).unwrap();
        let err = c
            .decode_response_payload(Bytes::from_static(&[0, 0, 0, 5, 0]))
            .unwrap_err();
        match err {
            CorrelationError::Response { request, error } => {
                assert_eq!(request.correlation_id, 5);
                assert!(matches!(
                    error.kind(),
                    DecodeErrorKind::UnexpectedEof { .. }
                ));
            }
            other => panic!("{other:?}"),
        }
        assert!(c.is_empty());
    }

    #[test]
    fn frames_and_payloads_are_not_mixed_up() {
        let mut c = Correlator::new();
        // A request frame given where a payload is expected: refused, nothing tracked (it was
        // once tracked as correlation id 196620, "Produce v22").
        let req = encode_request(
            &header(ApiKey::METADATA, 12, 221),
            &RequestBody::Metadata(Default::default()),
        )
        .unwrap();
        match c.track_payload(&req) {
            Err(CorrelationError::Request(e)) => {
                assert!(matches!(
                    e.kind(),
                    DecodeErrorKind::SizePrefixInPayload { size } if *size as usize == req.len() - 4
                ));
                assert!(e.to_string().contains("whole frame"), "{e}");
            }
            other => panic!("{other:?}"),
        }
        assert!(c.is_empty());
        c.track_payload(&req.slice(4..)).unwrap();
        assert_eq!(c.get(221).unwrap().api_key, ApiKey::METADATA);

        let payload = response(
            ApiKey::METADATA,
            12,
            221,
            ResponseBody::Metadata(MetadataResponse::default()),
        );
        let mut frame = BytesMut::new();
        frame.put_i32(payload.len() as i32);
        frame.put_slice(&payload);
        let frame = frame.freeze();
        // A response frame given where a payload is expected.
        match c.decode_response_payload(frame.clone()) {
            Err(CorrelationError::Framing(e)) => {
                assert!(matches!(
                    e.kind(),
                    DecodeErrorKind::SizePrefixInPayload { .. }
                ))
            }
            other => panic!("{other:?}"),
        }
        // A response payload given where a frame is expected.
        match c.decode_response(payload.clone()) {
            Err(CorrelationError::Framing(e)) => {
                assert!(matches!(
                    e.kind(),
                    DecodeErrorKind::MissingSizePrefix {
                        read_as_size: 221,
                        ..
                    }
                ));
                assert!(e.to_string().contains("payload"), "{e}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(c.len(), 1, "a refused response forgets nothing");
        // Each function with what it takes.
        let got = c.decode_response(frame).unwrap();
        assert_eq!(got.request.correlation_id, 221);
        assert!(c.is_empty());
        c.track_payload(&req.slice(4..)).unwrap();
        c.decode_response_payload(payload).unwrap();
    }

    #[test]
    fn typed_responses_check_the_request_type() {
        use crate::messages::{ApiVersionsRequest, MetadataRequest};
        let mut c = Correlator::new();
        c.track(&header(ApiKey::METADATA, 12, 1), false).unwrap();
        c.track(&header(ApiKey::METADATA, 12, 2), false).unwrap();
        let md = |id| {
            response(
                ApiKey::METADATA,
                12,
                id,
                ResponseBody::Metadata(MetadataResponse::default()),
            )
        };
        let got = c.decode_response_payload(md(1)).unwrap();
        let typed: MetadataResponse = got.into_response::<MetadataRequest>().unwrap();
        assert_eq!(typed, MetadataResponse::default());
        let got = c.decode_response_payload(md(2)).unwrap();
        let e = got.into_response::<ApiVersionsRequest>().unwrap_err();
        assert!(matches!(
            e,
            CorrelationError::UnexpectedResponse {
                expected: ApiKey::API_VERSIONS,
                request: PendingRequest {
                    api_key: ApiKey::METADATA,
                    ..
                }
            }
        ));
        assert!(
            e.to_string()
                .contains("expected the response to a ApiVersions request"),
            "{e}"
        );
        // A version this build does not read stays raw and is not a typed answer.
        c.track(&header(ApiKey::METADATA, 99, 3), false).unwrap();
        let raw = c
            .decode_response_payload(Bytes::from_static(&[0, 0, 0, 3, 0, 1, 2]))
            .unwrap();
        assert_eq!(
            raw.frame.raw_reason(ApiKey::METADATA),
            Some(crate::frame::RawReason::UnsupportedVersion(
                ApiKey::METADATA,
                99
            ))
        );
        let e = raw.into_response::<MetadataRequest>().unwrap_err();
        assert!(e.to_string().contains("not decoded"), "{e}");
    }

    #[test]
    fn response_frame_errors_count_from_the_frame_start() {
        let mut c = Correlator::new();
        c.track(&header(ApiKey::METADATA, 12, 5), false).unwrap();
        match c.decode_response(Bytes::from_static(&[0, 0, 0, 5, 0, 0, 0, 5, 0])) {
            Err(CorrelationError::Response { error, .. }) => assert!(error.offset() >= 8),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn acks_zero_is_not_remembered_and_does_not_count() {
        let mut c = Correlator::with_max_in_flight(1);
        c.track(&header(ApiKey::FETCH, 12, 1), false).unwrap();
        assert_eq!(
            c.track(&header(ApiKey::PRODUCE, 9, 2), true).unwrap(),
            Expect::NoResponse
        );
        // acks_zero means nothing for other APIs.
        assert_eq!(
            c.track(&header(ApiKey::FETCH, 12, 3), true),
            Err(CorrelationError::TooManyInFlight { max: 1 })
        );
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn an_answer_to_acks_zero_still_pairs() {
        // Tansu answers Produce requests with acks=0; Kafka's brokers do not.
        let mut c = Correlator::with_max_in_flight(4);
        for id in 0..ACKS_ZERO_REMEMBERED as i32 + 2 {
            assert_eq!(
                c.track(&header(ApiKey::PRODUCE, 10, id), true).unwrap(),
                Expect::NoResponse
            );
        }
        assert!(c.is_empty());
        // The oldest were forgotten, the recent ones pair.
        assert_eq!(c.take(0), Err(CorrelationError::UnknownCorrelationId(0)));
        let p = c.take(5).unwrap();
        assert!(p.acks_zero);
        assert_eq!(p.api_version, 10);
        assert_eq!(c.take(5), Err(CorrelationError::UnknownCorrelationId(5)));
        // A new request reusing an acks=0 request's id takes precedence over it.
        c.track(&header(ApiKey::FETCH, 12, 6), false).unwrap();
        let p = c.take(6).unwrap();
        assert_eq!((p.api_key, p.acks_zero), (ApiKey::FETCH, false));
        assert_eq!(c.take(6), Err(CorrelationError::UnknownCorrelationId(6)));
    }

    #[cfg(feature = "produce")]
    #[test]
    fn produce_acks_from_raw_payload_every_version() {
        use crate::messages::ProduceRequest;
        for v in 0..=13 {
            for (acks, tx) in [
                (0i16, None),
                (1, Some("tx-1")),
                (-1, Some("")),
                (0, Some("t")),
            ] {
                let body = ProduceRequest {
                    acks,
                    transactional_id: if v >= 3 { tx.map(Into::into) } else { None },
                    timeout_ms: 30_000,
                    ..Default::default()
                };
                let h = header(ApiKey::PRODUCE, v, 100 + v as i32);
                let wire = encode_request(&h, &RequestBody::Produce(body)).unwrap();
                let mut c = Correlator::new();
                let (read, expect) = c.track_payload(&wire.slice(4..)).unwrap();
                assert_eq!(read, h);
                let want = if acks == 0 {
                    Expect::NoResponse
                } else {
                    Expect::Response
                };
                assert_eq!(expect, want, "v{v} acks={acks} tx={tx:?}");
                let frame = crate::frame::decode_request(wire).unwrap();
                assert_eq!(Correlator::new().track_frame(&frame).unwrap(), want);
            }
        }
    }

    #[test]
    fn truncated_request_payload_is_an_error() {
        let mut c = Correlator::new();
        let wire = encode_request(
            &header(ApiKey::METADATA, 12, 1),
            &RequestBody::Raw(Bytes::new()),
        )
        .unwrap();
        for cut in 4..wire.len() {
            assert!(matches!(
                c.track_payload(&wire.slice(4..cut)),
                Err(CorrelationError::Request(_))
            ));
        }
        assert!(c.is_empty());
    }
}

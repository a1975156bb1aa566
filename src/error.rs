//! Errors as data: what went wrong, in which message and version, at which field path and byte
//! offset.
//!
//! Decoding never panics on hostile input; every failure is a [`DecodeError`] whose
//! [`kind`](DecodeError::kind) can be matched on. Tests assert on kinds, not on message text.

use std::fmt;

/// One step of a field path: a field name or an index into an array.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathSegment {
    /// A field, by its schema name (e.g. `Topics`).
    Field(&'static str),
    /// An element of an array.
    Index(usize),
}

/// What was wrong with the bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input ended before the field did.
    UnexpectedEof {
        /// Bytes the field needed.
        needed: usize,
        /// Bytes that were left.
        remaining: usize,
    },
    /// A length or count prefix was negative (other than -1 for null) or larger than the bytes
    /// that remain, so it cannot be honest.
    InvalidLength {
        /// The length or count read off the wire.
        length: i64,
        /// Bytes that were left after the prefix.
        remaining: usize,
    },
    /// A null (-1) length where the field is not nullable and null is not accepted.
    UnexpectedNull,
    /// A string was not valid UTF-8, and the decode was asked to refuse such strings
    /// ([`DecodeOptions::strict_utf8`](crate::frame::DecodeOptions::strict_utf8)); by default
    /// they are kept as received. The offset is that of the first byte that is not UTF-8.
    InvalidUtf8,
    /// A varint ran past its maximum length (5 bytes for 32 bits, 10 for 64).
    VarintTooLong,
    /// A varint carried redundant high zero groups (e.g. `0x80 0x00`); re-encoding would change
    /// the bytes, so it is refused.
    NonCanonicalVarint,
    /// A boolean byte other than 0 or 1.
    InvalidBool(u8),
    /// A tagged field's tag was not strictly greater than the previous one.
    TaggedFieldOutOfOrder {
        /// The previous tag.
        previous: u32,
        /// The tag that followed it.
        tag: u32,
    },
    /// A known tagged field's payload was not consumed exactly by its value.
    TaggedFieldSize {
        /// The tag.
        tag: u32,
        /// The size prefix on the wire.
        declared: usize,
        /// The bytes its value used.
        used: usize,
    },
    /// The message version is outside the versions this crate knows for the message.
    UnsupportedVersion {
        /// The version asked for.
        version: i16,
        /// Lowest known version.
        min: i16,
        /// Highest known version.
        max: i16,
    },
    /// A frame's size prefix was negative.
    InvalidFrameSize(i32),
    /// A frame's size prefix was over the configured maximum; it was refused before reading.
    FrameTooLarge {
        /// The size prefix.
        size: usize,
        /// The configured maximum.
        max: usize,
    },
    /// Bytes were left after a complete message where none were allowed.
    TrailingBytes(usize),
    /// A version prefix of a versioned payload (consumer protocol, `__consumer_offsets`) that
    /// this crate does not know how to read.
    UnknownPayloadVersion(i16),
    /// A value that cannot be right for its field (e.g. a negative array length in a record).
    InvalidValue(&'static str),
    /// A function that takes a *payload* (a frame without its 4-byte size prefix) was given
    /// bytes that start with a size prefix equal to the length of the rest: a whole *frame*.
    /// Strip the first 4 bytes, or call the function of the same name without `_payload` that
    /// takes a frame.
    SizePrefixInPayload {
        /// The size the first 4 bytes announce (the length of the bytes after them).
        size: i32,
    },
    /// A function that takes a *frame* (with its 4-byte size prefix) was given bytes whose
    /// first 4 bytes do not match their length but read as the start of a header: a payload
    /// whose size prefix was already removed. Call the `_payload` function instead.
    MissingSizePrefix {
        /// The size the first 4 bytes would announce.
        read_as_size: i32,
        /// The length of the bytes after them.
        remaining: usize,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct DecodeErrorInner {
    kind: DecodeErrorKind,
    offset: usize,
    message: Option<&'static str>,
    version: Option<i16>,
    /// Innermost first while the error travels up; read in reverse.
    path: Vec<PathSegment>,
}

/// A decoding failure: the [`kind`](Self::kind), the byte [`offset`](Self::offset) from the start
/// of the input, the [`message`](Self::message) name and [`version`](Self::version) being decoded,
/// and the [`path`](Self::path) of fields down to the one that failed.
///
/// ```
/// use bytes::Bytes;
/// use kafka_codec::messages::HeartbeatRequest;
/// use kafka_codec::{DecodeErrorKind, Message};
///
/// // A Heartbeat v0 request whose group id claims 100 bytes but carries 2.
/// let err = HeartbeatRequest::from_bytes(Bytes::from_static(&[0, 100, b'g', b'1']), 0).unwrap_err();
/// assert!(matches!(err.kind(), DecodeErrorKind::InvalidLength { length: 100, .. }));
/// assert_eq!(err.message(), Some("HeartbeatRequest"));
/// assert_eq!(err.path_string(), "GroupId");
/// assert_eq!(err.offset(), 0); // where the lying length prefix starts
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct DecodeError(Box<DecodeErrorInner>);

impl DecodeError {
    /// A new error of `kind` at absolute byte `offset`.
    #[cold]
    pub fn new(kind: DecodeErrorKind, offset: usize) -> Self {
        DecodeError(Box::new(DecodeErrorInner {
            kind,
            offset,
            message: None,
            version: None,
            path: Vec::new(),
        }))
    }

    /// What was wrong.
    pub fn kind(&self) -> &DecodeErrorKind {
        &self.0.kind
    }

    /// Byte offset of the failure from the start of the input (the frame, when decoding a frame).
    pub fn offset(&self) -> usize {
        self.0.offset
    }

    /// The message being decoded (e.g. `"FetchResponse"`), when known.
    pub fn message(&self) -> Option<&'static str> {
        self.0.message
    }

    /// The message version being decoded, when known.
    pub fn version(&self) -> Option<i16> {
        self.0.version
    }

    /// The field path from the message down to the failing field, outermost first.
    pub fn path(&self) -> impl Iterator<Item = &PathSegment> {
        self.0.path.iter().rev()
    }

    /// The field path as text, e.g. `Responses[0].Partitions[3].Records`.
    pub fn path_string(&self) -> String {
        let mut s = String::new();
        for seg in self.path() {
            match seg {
                PathSegment::Field(name) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(name);
                }
                PathSegment::Index(i) => {
                    s.push('[');
                    s.push_str(&i.to_string());
                    s.push(']');
                }
            }
        }
        s
    }

    /// Adds the field this error happened inside (called while the error travels outwards).
    #[cold]
    pub fn at(mut self, field: &'static str) -> Self {
        self.0.path.push(PathSegment::Field(field));
        self
    }

    /// Adds the array index this error happened inside.
    #[cold]
    pub fn at_index(mut self, index: usize) -> Self {
        self.0.path.push(PathSegment::Index(index));
        self
    }

    /// Names the message and version, unless an inner message already did.
    #[cold]
    pub fn in_message(mut self, message: &'static str, version: i16) -> Self {
        if self.0.message.is_none() {
            self.0.message = Some(message);
            self.0.version = Some(version);
        }
        self
    }

    /// Shifts the offset by `base` (used when a sub-buffer was decoded on its own).
    #[cold]
    pub fn offset_by(mut self, base: usize) -> Self {
        self.0.offset += base;
        self
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0.message, self.0.version) {
            (Some(m), Some(v)) => write!(f, "{m} v{v}")?,
            (Some(m), None) => write!(f, "{m}")?,
            _ => write!(f, "input")?,
        }
        let path = self.path_string();
        if !path.is_empty() {
            write!(f, " field {path}")?;
        }
        write!(f, " at byte {}: ", self.0.offset)?;
        match &self.0.kind {
            DecodeErrorKind::UnexpectedEof { needed, remaining } => {
                write!(f, "needed {needed} bytes, {remaining} left")
            }
            DecodeErrorKind::InvalidLength { length, remaining } => {
                write!(f, "length {length} is invalid with {remaining} bytes left")
            }
            DecodeErrorKind::UnexpectedNull => write!(f, "null in a non-nullable field"),
            DecodeErrorKind::InvalidUtf8 => write!(f, "string is not valid UTF-8"),
            DecodeErrorKind::VarintTooLong => write!(f, "varint too long"),
            DecodeErrorKind::NonCanonicalVarint => write!(f, "over-long (non-canonical) varint"),
            DecodeErrorKind::InvalidBool(b) => {
                write!(f, "boolean byte {b:#04x} is neither 0 nor 1")
            }
            DecodeErrorKind::TaggedFieldOutOfOrder { previous, tag } => {
                write!(f, "tagged field {tag} follows tag {previous}")
            }
            DecodeErrorKind::TaggedFieldSize {
                tag,
                declared,
                used,
            } => write!(
                f,
                "tagged field {tag} declares {declared} bytes but its value uses {used}"
            ),
            DecodeErrorKind::UnsupportedVersion { version, min, max } => {
                write!(f, "version {version} is outside {min}-{max}")
            }
            DecodeErrorKind::InvalidFrameSize(s) => write!(f, "frame size {s} is negative"),
            DecodeErrorKind::FrameTooLarge { size, max } => {
                write!(f, "frame of {size} bytes exceeds the maximum of {max}")
            }
            DecodeErrorKind::TrailingBytes(n) => write!(f, "{n} bytes left after the message"),
            DecodeErrorKind::UnknownPayloadVersion(v) => write!(f, "unknown payload version {v}"),
            DecodeErrorKind::InvalidValue(what) => write!(f, "invalid value: {what}"),
            DecodeErrorKind::SizePrefixInPayload { size } => write!(
                f,
                "expected a payload (no size prefix) but the first 4 bytes are a size prefix \
                 ({size}, the length of the rest): this is a whole frame; strip the prefix or \
                 use the function that takes a frame"
            ),
            DecodeErrorKind::MissingSizePrefix {
                read_as_size,
                remaining,
            } => write!(
                f,
                "expected a frame (with its 4-byte size prefix) but the first 4 bytes \
                 ({read_as_size} as a size, {remaining} bytes follow) read as a header: this \
                 is a payload; use the function that takes a payload"
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

/// What made a value impossible to encode in the requested version.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeErrorKind {
    /// The message version is outside the versions this crate knows for the message.
    UnsupportedVersion {
        /// The version asked for.
        version: i16,
        /// Lowest known version.
        min: i16,
        /// Highest known version.
        max: i16,
    },
    /// A field that the version does not have holds a non-default value, and the field is not
    /// ignorable, so leaving it out would lose data.
    FieldNotInVersion,
    /// `None` in a field that is not nullable in this version.
    NullNotAllowed,
    /// A string, bytes or array is longer than its length prefix can express.
    TooLong(usize),
    /// The value holds unknown tagged fields (kept from a decode at a flexible version), and the
    /// version asked for is not flexible: it has no place for them. Java refuses this too;
    /// leaving them out would lose data silently.
    TaggedFieldsNotInVersion,
    /// The bytes written disagreed with the size computed for them beforehand: a bug in this
    /// crate (both come from one description of each message), reported instead of a panic.
    SizeMismatch {
        /// Bytes of the computed size left unwritten.
        unwritten: usize,
        /// A write did not fit in the computed size.
        short: bool,
    },
}

/// An encoding failure: the [`kind`](Self::kind), the message and version, and the field path.
#[derive(Clone, PartialEq, Eq)]
pub struct EncodeError(Box<EncodeErrorInner>);

#[derive(Clone, Debug, PartialEq, Eq)]
struct EncodeErrorInner {
    kind: EncodeErrorKind,
    message: Option<&'static str>,
    version: Option<i16>,
    /// Innermost first while the error travels up; read in reverse.
    path: Vec<PathSegment>,
}

impl EncodeError {
    /// A new error of `kind`.
    #[cold]
    pub fn new(kind: EncodeErrorKind) -> Self {
        EncodeError(Box::new(EncodeErrorInner {
            kind,
            message: None,
            version: None,
            path: Vec::new(),
        }))
    }

    /// What was wrong.
    pub fn kind(&self) -> &EncodeErrorKind {
        &self.0.kind
    }

    /// The message being encoded, when known.
    pub fn message(&self) -> Option<&'static str> {
        self.0.message
    }

    /// The version being encoded, when known.
    pub fn version(&self) -> Option<i16> {
        self.0.version
    }

    /// The field path as text, outermost first.
    pub fn path_string(&self) -> String {
        let mut s = String::new();
        for seg in self.0.path.iter().rev() {
            match seg {
                PathSegment::Field(name) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(name);
                }
                PathSegment::Index(i) => {
                    s.push('[');
                    s.push_str(&i.to_string());
                    s.push(']');
                }
            }
        }
        s
    }

    /// Adds the field this error happened inside.
    #[cold]
    pub fn at(mut self, field: &'static str) -> Self {
        self.0.path.push(PathSegment::Field(field));
        self
    }

    /// Adds the array index this error happened inside.
    #[cold]
    pub fn at_index(mut self, index: usize) -> Self {
        self.0.path.push(PathSegment::Index(index));
        self
    }

    /// Names the message and version, unless an inner message already did.
    #[cold]
    pub fn in_message(mut self, message: &'static str, version: i16) -> Self {
        if self.0.message.is_none() {
            self.0.message = Some(message);
            self.0.version = Some(version);
        }
        self
    }
}

impl fmt::Debug for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0.message, self.0.version) {
            (Some(m), Some(v)) => write!(f, "{m} v{v}")?,
            (Some(m), None) => write!(f, "{m}")?,
            _ => write!(f, "value")?,
        }
        let path = self.path_string();
        if !path.is_empty() {
            write!(f, " field {path}")?;
        }
        write!(f, ": ")?;
        match self.kind() {
            EncodeErrorKind::UnsupportedVersion { version, min, max } => {
                write!(f, "version {version} is outside {min}-{max}")
            }
            EncodeErrorKind::FieldNotInVersion => {
                write!(
                    f,
                    "holds a non-default value but the version lacks the field"
                )
            }
            EncodeErrorKind::NullNotAllowed => {
                write!(f, "is null but not nullable in this version")
            }
            EncodeErrorKind::TooLong(n) => write!(f, "length {n} does not fit its prefix"),
            EncodeErrorKind::TaggedFieldsNotInVersion => {
                f.write_str("unknown tagged fields cannot be written in a non-flexible version")
            }
            EncodeErrorKind::SizeMismatch { unwritten, short } => write!(
                f,
                "internal error: the encoded size disagreed with the bytes written \
                 ({unwritten} bytes unwritten, a write past the end: {short})"
            ),
        }
    }
}

impl std::error::Error for EncodeError {}

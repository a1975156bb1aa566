//! Errors of the record layer: what was wrong, at which byte, in which batch.

use std::fmt;

use super::Compression;

/// What was wrong with a record batch, a legacy message or a record.
///
/// Tests and callers match on this; the `Display` text is for humans only.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordErrorKind {
    /// A fixed-size field or a length-prefixed region ran past the end of its enclosing region
    /// (a batch, a record, a decompressed payload). A partial batch at the *end* of a records
    /// field is not this error: it is reported as a [`PartialEntry`](super::PartialEntry).
    Truncated {
        /// Bytes the field needed.
        needed: usize,
        /// Bytes that were left in the enclosing region.
        remaining: usize,
    },
    /// A length or count was negative (other than -1 where null is allowed), below the minimum
    /// for its structure, or larger than the bytes left.
    InvalidLength {
        /// Which length: `batchLength`, `messageSize`, `recordsCount`, `length`, `keyLength`,
        /// `valueLength`, `headersCount`, `headerKeyLength`, `headerValueLength`, ...
        field: &'static str,
        /// The value read off the wire.
        length: i64,
        /// Bytes that were left after it.
        remaining: usize,
    },
    /// A varint was over-long, non-canonical or out of range.
    InvalidVarint,
    /// The stored checksum did not match the bytes (CRC-32C for magic 2, CRC-32 for 0 and 1).
    CrcMismatch {
        /// The checksum stored in the batch or message.
        expected: u32,
        /// The checksum of the bytes as received.
        actual: u32,
    },
    /// The batch's `recordsCount` did not match the records actually present.
    RecordCountMismatch {
        /// The count in the batch header.
        declared: i32,
        /// Records found before the payload ended (or when bytes were left over, `declared`
        /// plus one).
        found: usize,
    },
    /// A record's fields did not use exactly the bytes its `length` prefix declared.
    RecordLengthMismatch {
        /// The record's `length` prefix.
        declared: usize,
        /// Bytes its fields used.
        used: usize,
    },
    /// A header key was null; Kafka's headers always have a key.
    NullHeaderKey,
    /// The magic byte (offset 16 of an entry) was not 0, 1 or 2.
    UnknownMagic(i8),
    /// The compression codec bits name no codec Kafka defines (5, 6 or 7).
    UnknownCodec(u8),
    /// The codec is known but this build was compiled without its cargo feature.
    CodecDisabled(Compression),
    /// The compressed payload could not be decompressed.
    Decompression {
        /// The codec.
        codec: Compression,
        /// What the decompressor reported.
        reason: String,
    },
    /// Decompression would produce more than the configured limit; it stopped at the limit.
    DecompressedTooLarge {
        /// The configured limit in bytes ([`RecordOptions::max_decompressed_size`](super::RecordOptions)).
        limit: usize,
    },
    /// A legacy compressed message held another compressed message: Kafka writes one level of
    /// compression only.
    NestingTooDeep,
    /// The records of a compressed batch were asked for without decompressing it
    /// (use [`RecordBatch::payload`](super::RecordBatch::payload)).
    CompressedPayload(Compression),
    /// A control record's key or value did not have the expected layout.
    InvalidControlRecord,
    /// A builder was used out of order (e.g. its base timestamp set after records were added).
    BuilderMisuse(&'static str),
    /// A magic-1 compressed wrapper's offset was neither 0 nor at least the offset of its last
    /// inner message, so the inner offsets cannot be made absolute (Kafka's Java client refuses
    /// the same wrapper).
    InvalidWrapperOffset {
        /// The wrapper's offset field.
        wrapper: i64,
        /// The offset field of its last inner message.
        last_inner: i64,
    },
    /// A legacy compressed wrapper decompressed to no inner message at all.
    EmptyWrapper,
    /// A codec that the message format cannot carry: zstd inside a magic 0 or 1 message.
    CodecNotAllowed {
        /// The codec.
        codec: Compression,
        /// The message's magic byte.
        magic: i8,
    },
    /// When encoding: a value too large for its length prefix, or too many records.
    TooLarge {
        /// Which field.
        field: &'static str,
        /// Its size.
        size: usize,
    },
}

/// A record-layer error: its kind, the byte offset where it was found and the base offset of
/// the batch (or the offset of the legacy message) it was found in, where known.
///
/// Byte offsets count from the start of the buffer handed to the parser; inside a compressed
/// payload they count from the start of the decompressed bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordError {
    kind: RecordErrorKind,
    offset: usize,
    base_offset: Option<i64>,
}

impl RecordError {
    /// An error of `kind` at byte `offset`.
    #[cold]
    pub fn new(kind: RecordErrorKind, offset: usize) -> Self {
        RecordError {
            kind,
            offset,
            base_offset: None,
        }
    }

    /// The same error, tagged with the base offset of the batch it was found in (kept if
    /// already set).
    #[cold]
    pub fn in_batch(mut self, base_offset: i64) -> Self {
        if self.base_offset.is_none() {
            self.base_offset = Some(base_offset);
        }
        self
    }

    /// What was wrong.
    pub fn kind(&self) -> &RecordErrorKind {
        &self.kind
    }

    /// Byte offset where it was found.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Base offset of the batch (or offset of the legacy message) it was found in, if known.
    pub fn base_offset(&self) -> Option<i64> {
        self.base_offset
    }
}

impl fmt::Display for RecordErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use RecordErrorKind::*;
        match self {
            Truncated { needed, remaining } => {
                write!(f, "truncated: needed {needed} bytes, {remaining} left")
            }
            InvalidLength {
                field,
                length,
                remaining,
            } => write!(f, "invalid {field} {length} ({remaining} bytes left)"),
            InvalidVarint => f.write_str("invalid varint"),
            CrcMismatch { expected, actual } => write!(
                f,
                "checksum mismatch: stored {expected:#010x}, computed {actual:#010x}"
            ),
            RecordCountMismatch { declared, found } => {
                write!(f, "batch declares {declared} records, found {found}")
            }
            RecordLengthMismatch { declared, used } => write!(
                f,
                "record length {declared} does not match its fields ({used} bytes)"
            ),
            NullHeaderKey => f.write_str("null record header key"),
            UnknownMagic(m) => write!(f, "unknown magic byte {m}"),
            UnknownCodec(c) => write!(f, "unknown compression codec {c}"),
            CodecDisabled(c) => write!(f, "compression codec {c:?} not compiled in"),
            Decompression { codec, reason } => {
                write!(f, "{codec:?} decompression failed: {reason}")
            }
            DecompressedTooLarge { limit } => {
                write!(f, "decompressed payload exceeds the limit of {limit} bytes")
            }
            NestingTooDeep => f.write_str("compressed message nested inside a compressed message"),
            CompressedPayload(c) => write!(f, "batch is {c:?}-compressed: decompress it first"),
            InvalidControlRecord => f.write_str("invalid control record"),
            InvalidWrapperOffset {
                wrapper,
                last_inner,
            } => write!(
                f,
                "wrapper offset {wrapper} is below its last inner offset {last_inner} and not 0"
            ),
            EmptyWrapper => f.write_str("compressed wrapper holds no inner message"),
            CodecNotAllowed { codec, magic } => {
                write!(
                    f,
                    "{codec:?} compression is not allowed in magic {magic} messages"
                )
            }
            BuilderMisuse(what) => write!(f, "builder misuse: {what}"),
            TooLarge { field, size } => write!(f, "{field} too large to encode ({size})"),
        }
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind, self.offset)?;
        if let Some(b) = self.base_offset {
            write!(f, " (batch base offset {b})")?;
        }
        Ok(())
    }
}

impl std::error::Error for RecordError {}

//! Legacy message sets (magic 0 and 1): Fetch/Produce v0–v3 and old log segments.
//!
//! ```text
//! offset: int64, messageSize: int32,
//! crc: uint32 (CRC-32/IEEE of the rest), magic: int8, attributes: int8,
//! timestamp: int64 (magic 1 only), key: bytes (int32 length, -1 = null), value: bytes
//! ```
//!
//! A compressed message (codec in the low three attribute bits) is a *wrapper*: its value is a
//! compressed message set. In a magic-1 wrapper the inner offsets are relative (0, 1, 2, ...)
//! and the wrapper's offset is the absolute offset of the last inner message (KIP-31); in a
//! magic-0 wrapper the inner offsets are absolute. Offsets come out as Kafka's Java client
//! computes them:
//! - a magic-1 wrapper makes the inner offsets absolute whatever the inner messages' magic;
//! - a magic-1 wrapper with offset 0 (what kafka-python, sarama and others put in Produce
//!   requests, where the broker assigns offsets) keeps the relative offsets 0, 1, 2, ...;
//! - refused: a magic-1 wrapper offset other than 0 below its last inner offset
//!   ([`InvalidWrapperOffset`](RecordErrorKind::InvalidWrapperOffset)), a wrapper with no inner
//!   message ([`EmptyWrapper`](RecordErrorKind::EmptyWrapper)), zstd in a legacy wrapper
//!   ([`CodecNotAllowed`](RecordErrorKind::CodecNotAllowed)).
//!
//! One level of compression is legal; a compressed message inside a compressed message is
//! refused ([`NestingTooDeep`](RecordErrorKind::NestingTooDeep)).

use bytes::Bytes;

use super::cursor::Cursor;
use super::error::{RecordError, RecordErrorKind};
use super::{compression, slice_of, Compression, RecordOptions, TimestampType, LOG_OVERHEAD};

/// Size of the smallest magic-0 message (after the size field): crc, magic, attributes and two
/// null lengths.
pub(crate) const MIN_MESSAGE_SIZE_V0: usize = 4 + 1 + 1 + 4 + 4;
/// Size of the smallest magic-1 message (adds the timestamp).
pub(crate) const MIN_MESSAGE_SIZE_V1: usize = MIN_MESSAGE_SIZE_V0 + 8;

/// One legacy message, borrowed from the input (or from its wrapper's decompressed value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LegacyMessage<'a> {
    raw: &'a [u8],
    at: usize,
    wire_offset: i64,
    offset: i64,
    crc: u32,
    magic: i8,
    attributes: i8,
    wire_timestamp: Option<i64>,
    timestamp: Option<i64>,
    key: Option<&'a [u8]>,
    value: Option<&'a [u8]>,
}

impl<'a> LegacyMessage<'a> {
    /// Parses the message at the start of `buf` (bytes after it are ignored), verifying its
    /// CRC-32 unless `options.verify_crc` is off.
    pub fn parse(buf: &'a [u8], options: &RecordOptions) -> Result<Self, RecordError> {
        Self::parse_at(buf, 0, options)
    }

    /// As [`parse`](Self::parse), with byte offsets in errors counted from `at`.
    pub fn parse_at(
        buf: &'a [u8],
        at: usize,
        options: &RecordOptions,
    ) -> Result<Self, RecordError> {
        let mut c = Cursor::new(buf, at);
        let wire_offset = c.i64()?;
        let size_at = c.pos;
        let size = c.i32()?;
        let magic = buf.get(16).map(|&m| m as i8);
        let min = match magic {
            Some(1) => MIN_MESSAGE_SIZE_V1,
            _ => MIN_MESSAGE_SIZE_V0,
        };
        if size < 0 || (size as usize) < min {
            return Err(c
                .invalid_length_at(size_at, "messageSize", size as i64, c.remaining())
                .in_batch(wire_offset));
        }
        let size = size as usize;
        let body = c.take(size).map_err(|e| e.in_batch(wire_offset))?;
        let raw = &buf[..LOG_OVERHEAD + size];
        let mut m = Cursor::new(body, at + LOG_OVERHEAD);
        let res = (|| {
            let crc = m.u32()?;
            let magic = m.i8()?;
            if magic != 0 && magic != 1 {
                return Err(RecordError::new(
                    RecordErrorKind::UnknownMagic(magic),
                    at + 16,
                ));
            }
            if options.verify_crc {
                let actual = crc32fast::hash(&body[4..]);
                if actual != crc {
                    return Err(RecordError::new(
                        RecordErrorKind::CrcMismatch {
                            expected: crc,
                            actual,
                        },
                        at + LOG_OVERHEAD,
                    ));
                }
            }
            let attributes = m.i8()?;
            let wire_timestamp = if magic >= 1 { Some(m.i64()?) } else { None };
            let key = m.i32_bytes("keyLength")?;
            let value = m.i32_bytes("valueLength")?;
            if !m.is_empty() {
                return Err(RecordError::new(
                    RecordErrorKind::RecordLengthMismatch {
                        declared: size,
                        used: m.pos,
                    },
                    at + 8,
                ));
            }
            Ok(LegacyMessage {
                raw,
                at,
                wire_offset,
                offset: wire_offset,
                crc,
                magic,
                attributes,
                wire_timestamp,
                timestamp: wire_timestamp,
                key,
                value,
            })
        })();
        res.map_err(|e| e.in_batch(wire_offset))
    }

    /// The message's exact bytes, from its offset field to the end of its value.
    #[inline]
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Byte offset of the message in its input.
    #[inline]
    pub fn byte_offset(&self) -> usize {
        self.at
    }

    /// Absolute offset: the offset field, or for a message inside a magic-1 wrapper the offset
    /// computed from the wrapper's (the relative offset itself when the wrapper's is 0).
    #[inline]
    pub fn offset(&self) -> i64 {
        self.offset
    }

    /// The offset a consumer continues from after this entry: its offset field plus one (a
    /// wrapper's offset field is that of its last inner message).
    #[inline]
    pub fn next_offset(&self) -> i64 {
        self.wire_offset.wrapping_add(1)
    }

    /// The offset field as on the wire (relative inside a magic-1 wrapper).
    #[inline]
    pub fn wire_offset(&self) -> i64 {
        self.wire_offset
    }

    /// The `messageSize` field.
    #[inline]
    pub fn message_size(&self) -> i32 {
        (self.raw.len() - LOG_OVERHEAD) as i32
    }

    /// The stored CRC-32.
    #[inline]
    pub fn crc(&self) -> u32 {
        self.crc
    }

    /// The magic byte (0 or 1).
    #[inline]
    pub fn magic(&self) -> i8 {
        self.magic
    }

    /// The attributes byte.
    #[inline]
    pub fn attributes(&self) -> i8 {
        self.attributes
    }

    /// The compression codec (low three attribute bits); an error for 5 to 7.
    pub fn compression(&self) -> Result<Compression, RecordError> {
        let bits = (self.attributes & 0x07) as u8;
        Compression::from_bits(bits).ok_or_else(|| {
            RecordError::new(RecordErrorKind::UnknownCodec(bits), self.at + 21)
                .in_batch(self.wire_offset)
        })
    }

    /// The timestamp type (attribute bit 3, magic 1 only; magic 0 has no timestamps).
    #[inline]
    pub fn timestamp_type(&self) -> Option<TimestampType> {
        (self.magic >= 1).then_some(if self.attributes & 0x08 != 0 {
            TimestampType::LogAppendTime
        } else {
            TimestampType::CreateTime
        })
    }

    /// Effective timestamp (magic 1): the field, or inside a `LogAppendTime` wrapper the
    /// wrapper's timestamp. `None` for magic 0.
    #[inline]
    pub fn timestamp(&self) -> Option<i64> {
        self.timestamp
    }

    /// The timestamp field as on the wire (magic 1).
    #[inline]
    pub fn wire_timestamp(&self) -> Option<i64> {
        self.wire_timestamp
    }

    /// The key (`None` when null).
    #[inline]
    pub fn key(&self) -> Option<&'a [u8]> {
        self.key
    }

    /// The value (`None` when null); for a wrapper, the compressed inner message set.
    #[inline]
    pub fn value(&self) -> Option<&'a [u8]> {
        self.value
    }

    /// The key as [`Bytes`] sharing `owner`.
    pub fn key_bytes(&self, owner: &Bytes) -> Option<Bytes> {
        self.key.and_then(|k| slice_of(owner, k))
    }

    /// The value as [`Bytes`] sharing `owner`.
    pub fn value_bytes(&self, owner: &Bytes) -> Option<Bytes> {
        self.value.and_then(|v| slice_of(owner, v))
    }

    /// The logical messages this entry carries: itself when uncompressed, or the inner messages
    /// of a compressed wrapper (decompressed within `options.max_decompressed_size`, with
    /// absolute offsets and effective timestamps).
    pub fn messages(&self, options: &RecordOptions) -> Result<LegacyMessages<'a>, RecordError> {
        let codec = self.compression()?;
        if codec == Compression::None {
            return Ok(LegacyMessages {
                wrapper: *self,
                inner: None,
                base: 0,
                options: *options,
            });
        }
        let err = |k| RecordError::new(k, self.at).in_batch(self.wire_offset);
        if codec == Compression::Zstd {
            // zstd arrived with magic 2; Java's deep iterator refuses it in a legacy wrapper.
            return Err(err(RecordErrorKind::CodecNotAllowed {
                codec,
                magic: self.magic,
            }));
        }
        let Some(value) = self.value else {
            return Err(err(RecordErrorKind::InvalidLength {
                field: "valueLength",
                length: -1,
                remaining: 0,
            }));
        };
        let plain = compression::decompress(codec, value, self.magic, options).map_err(err)?;
        let inner = Bytes::from(plain);
        // Find the last inner offset (needed for magic-1 relative offsets); checks framing.
        let mut pos = 0;
        let mut last = None;
        while pos < inner.len() {
            let rest = &inner[pos..];
            let mut c = Cursor::new(rest, pos);
            let off = c.i64()?;
            let size = c.i32()?;
            if size < MIN_MESSAGE_SIZE_V0 as i32 || size as usize > c.remaining() {
                return Err(c
                    .invalid_length_at(8, "messageSize", size as i64, c.remaining())
                    .in_batch(self.wire_offset));
            }
            last = Some(off);
            pos += LOG_OVERHEAD + size as usize;
        }
        let Some(last_inner) = last else {
            return Err(err(RecordErrorKind::EmptyWrapper));
        };
        // What is added to each inner offset field. A magic-1 wrapper carries the absolute
        // offset of its last inner message, and the inner offsets are relative (KIP-31) whatever
        // the inner magic; a wrapper offset of 0 is what producers send in Produce requests
        // (the broker assigns offsets), and then the relative offsets are kept as they are. A
        // magic-0 wrapper's inner offsets are already absolute.
        let base = if self.magic >= 1 && self.wire_offset != 0 {
            if self.wire_offset < last_inner {
                return Err(err(RecordErrorKind::InvalidWrapperOffset {
                    wrapper: self.wire_offset,
                    last_inner,
                }));
            }
            self.wire_offset - last_inner
        } else {
            0
        };
        Ok(LegacyMessages {
            wrapper: *self,
            base,
            inner: Some(inner),
            options: *options,
        })
    }
}

/// The logical messages of a legacy entry; iterate with [`iter`](Self::iter).
#[derive(Clone, Debug)]
pub struct LegacyMessages<'a> {
    wrapper: LegacyMessage<'a>,
    inner: Option<Bytes>,
    base: i64,
    options: RecordOptions,
}

impl<'a> LegacyMessages<'a> {
    /// The entry these messages came from (the wrapper, for a compressed entry).
    pub fn wrapper(&self) -> &LegacyMessage<'a> {
        &self.wrapper
    }

    /// The decompressed inner message set, for [`Bytes`] slices of inner keys and values.
    pub fn decompressed(&self) -> Option<&Bytes> {
        self.inner.as_ref()
    }

    /// The messages in order.
    pub fn iter(&self) -> LegacyMessagesIter<'_> {
        LegacyMessagesIter {
            single: if self.inner.is_none() {
                Some(self.wrapper)
            } else {
                None
            },
            inner: self.inner.as_deref().unwrap_or(&[]),
            pos: 0,
            wrapper: self.wrapper,
            base: self.base,
            options: self.options,
            done: false,
        }
    }
}

/// Iterator over the logical messages of a legacy entry.
#[derive(Clone, Debug)]
pub struct LegacyMessagesIter<'b> {
    single: Option<LegacyMessage<'b>>,
    inner: &'b [u8],
    pos: usize,
    wrapper: LegacyMessage<'b>,
    base: i64,
    options: RecordOptions,
    done: bool,
}

impl<'b> LegacyMessagesIter<'b> {
    fn step(&mut self) -> Result<LegacyMessage<'b>, RecordError> {
        let at = self.pos;
        let mut m = LegacyMessage::parse_at(&self.inner[at..], at, &self.options)?;
        self.pos += m.raw.len();
        if m.compression()? != Compression::None {
            return Err(
                RecordError::new(RecordErrorKind::NestingTooDeep, at).in_batch(m.wire_offset)
            );
        }
        let w = &self.wrapper;
        if w.magic >= 1 {
            m.offset = self.base.wrapping_add(m.wire_offset);
        }
        if w.timestamp_type() == Some(TimestampType::LogAppendTime) && m.magic >= 1 {
            m.timestamp = w.wire_timestamp;
        }
        Ok(m)
    }
}

impl<'b> Iterator for LegacyMessagesIter<'b> {
    type Item = Result<LegacyMessage<'b>, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(m) = self.single.take() {
            return Some(Ok(m));
        }
        if self.done || self.pos >= self.inner.len() {
            return None;
        }
        let r = self.step();
        if r.is_err() {
            self.done = true;
        }
        Some(r)
    }
}

impl<'p> IntoIterator for &'p LegacyMessages<'_> {
    type Item = Result<LegacyMessage<'p>, RecordError>;
    type IntoIter = LegacyMessagesIter<'p>;

    fn into_iter(self) -> LegacyMessagesIter<'p> {
        self.iter()
    }
}

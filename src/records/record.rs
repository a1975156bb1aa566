//! Records of a v2 batch and their headers, parsed lazily from borrowed bytes.

use bytes::Bytes;

use super::batch::BatchHeader;
use super::cursor::Cursor;
use super::error::{RecordError, RecordErrorKind};
use super::{slice_of, TimestampType};

/// One record of a v2 batch. Keys, values and headers borrow the batch's bytes (or its
/// decompressed payload).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    raw: &'a [u8],
    attributes: i8,
    timestamp_delta: i64,
    offset_delta: i32,
    key: Option<&'a [u8]>,
    value: Option<&'a [u8]>,
    headers_count: i32,
    headers: &'a [u8],
    offset: i64,
    timestamp: i64,
}

impl<'a> Record<'a> {
    /// The record's exact bytes, from its `length` varint to its last header.
    #[inline]
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The record `attributes` byte (unused by Kafka so far; kept for exact re-encoding).
    #[inline]
    pub fn attributes(&self) -> i8 {
        self.attributes
    }

    /// The `timestampDelta` varlong.
    #[inline]
    pub fn timestamp_delta(&self) -> i64 {
        self.timestamp_delta
    }

    /// The `offsetDelta` varint.
    #[inline]
    pub fn offset_delta(&self) -> i32 {
        self.offset_delta
    }

    /// Absolute offset: the batch's base offset plus the offset delta.
    #[inline]
    pub fn offset(&self) -> i64 {
        self.offset
    }

    /// Absolute timestamp: the batch's base timestamp plus the delta, or for `LogAppendTime`
    /// batches the batch's max timestamp (the broker's append time).
    #[inline]
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// The key (`None` when null).
    #[inline]
    pub fn key(&self) -> Option<&'a [u8]> {
        self.key
    }

    /// The value (`None` when null: a tombstone).
    #[inline]
    pub fn value(&self) -> Option<&'a [u8]> {
        self.value
    }

    /// The key as [`Bytes`] sharing `owner` (the buffer the batch was parsed from, or the
    /// payload's decompressed buffer). `None` when the key is null or `owner` does not hold it.
    #[inline]
    pub fn key_bytes(&self, owner: &Bytes) -> Option<Bytes> {
        self.key.and_then(|k| slice_of(owner, k))
    }

    /// The value as [`Bytes`] sharing `owner`; see [`key_bytes`](Self::key_bytes).
    #[inline]
    pub fn value_bytes(&self, owner: &Bytes) -> Option<Bytes> {
        self.value.and_then(|v| slice_of(owner, v))
    }

    /// Number of headers.
    #[inline]
    pub fn headers_count(&self) -> usize {
        self.headers_count as usize
    }

    /// The headers in wire order (duplicate keys kept), parsed lazily. Their framing was checked
    /// when the record was read, so iterating cannot fail.
    #[inline]
    pub fn headers(&self) -> Headers<'a> {
        Headers {
            cur: Cursor::new(self.headers, 0),
            left: self.headers_count as u32,
        }
    }
}

/// One record header. Keys are never null; values may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Header<'a> {
    /// The header key (bytes; Kafka clients use UTF-8 but the wire does not require it).
    pub key: &'a [u8],
    /// The header value (`None` when null).
    pub value: Option<&'a [u8]>,
}

impl Header<'_> {
    /// The key as [`Bytes`] sharing `owner`.
    pub fn key_bytes(&self, owner: &Bytes) -> Option<Bytes> {
        slice_of(owner, self.key)
    }

    /// The value as [`Bytes`] sharing `owner` (`None` when null).
    pub fn value_bytes(&self, owner: &Bytes) -> Option<Bytes> {
        self.value.and_then(|v| slice_of(owner, v))
    }
}

/// Iterator over a record's headers, in wire order.
#[derive(Clone, Debug)]
pub struct Headers<'a> {
    cur: Cursor<'a>,
    left: u32,
}

impl Headers<'_> {
    /// No headers (legacy messages have none).
    pub fn empty() -> Self {
        Headers {
            cur: Cursor::new(&[], 0),
            left: 0,
        }
    }
}

impl<'a> Iterator for Headers<'a> {
    type Item = Header<'a>;

    #[inline]
    fn next(&mut self) -> Option<Header<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        // Validated when the record was read; a failure here cannot happen, and ends the walk.
        let key = self.cur.varint_bytes("headerKeyLength").ok()??;
        let value = self.cur.varint_bytes("headerValueLength").ok()?;
        Some(Header { key, value })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, Some(self.left as usize))
    }
}

/// Lazy iterator over the records of a v2 batch payload.
///
/// Each step reads one record's framing and fields and checks its headers' framing. The count
/// in the batch header is enforced: fewer records than declared, or bytes left after the last,
/// is [`RecordCountMismatch`](RecordErrorKind::RecordCountMismatch) — except that a count of 0
/// yields no record and ignores the payload, as Kafka's Java client does. After an error the
/// iterator ends.
#[derive(Clone, Debug)]
pub struct Records<'a> {
    cur: Cursor<'a>,
    declared: i32,
    found: u32,
    base_offset: i64,
    base_timestamp: i64,
    log_append_time: Option<i64>,
    done: bool,
}

impl<'a> Records<'a> {
    #[inline]
    pub(crate) fn new(cur: Cursor<'a>, h: &BatchHeader) -> Self {
        Records {
            cur,
            declared: h.records_count,
            found: 0,
            base_offset: h.base_offset,
            base_timestamp: h.base_timestamp,
            log_append_time: (h.attributes.timestamp_type() == TimestampType::LogAppendTime)
                .then_some(h.max_timestamp),
            done: false,
        }
    }

    /// Ends the walk with a count mismatch. Inlined, so that the iterator's address does not
    /// reach an out-of-line function (which would keep its fields in memory on every step).
    #[inline(always)]
    fn count_mismatch(&mut self, found: usize) -> Option<Result<Record<'a>, RecordError>> {
        self.done = true;
        Some(Err(count_mismatch(
            self.declared,
            found,
            self.cur.offset(),
            self.base_offset,
        )))
    }

    #[inline]
    fn read(&mut self) -> Result<Record<'a>, RecordError> {
        let start = self.cur.pos;
        let len = self.cur.varint()?;
        let body_start = self.cur.pos;
        // The buffer up to the record's end, in one range check (a negative length is refused
        // before it is widened).
        let upto_end = match usize::try_from(len) {
            Ok(n) => self.cur.buf.get(..body_start + n),
            Err(_) => None,
        };
        let Some(upto_end) = upto_end else {
            return Err(self.cur.invalid_length_at(
                start,
                "length",
                len as i64,
                self.cur.remaining(),
            ));
        };
        let mut c = Cursor {
            buf: upto_end,
            pos: body_start,
            base: self.cur.base,
        };
        let attributes = c.i8()?;
        let timestamp_delta = c.varlong()?;
        let offset_delta = c.varint()?;
        let key = c.varint_bytes("keyLength")?;
        let value = c.varint_bytes("valueLength")?;
        let hat = c.pos;
        let headers_count = c.varint()?;
        if headers_count < 0 {
            return Err(c.invalid_length_at(
                hat,
                "headersCount",
                headers_count as i64,
                c.remaining(),
            ));
        }
        let headers_start = c.pos;
        for _ in 0..headers_count {
            let kat = c.pos;
            if c.varint_bytes("headerKeyLength")?.is_none() {
                return Err(RecordError::new(
                    RecordErrorKind::NullHeaderKey,
                    c.base + kat,
                ));
            }
            c.varint_bytes("headerValueLength")?;
        }
        if c.pos != upto_end.len() {
            return Err(RecordError::new(
                RecordErrorKind::RecordLengthMismatch {
                    declared: upto_end.len() - body_start,
                    used: c.pos - body_start,
                },
                self.cur.base + start,
            ));
        }
        self.cur.pos = c.pos;
        // Both slices start before the record's end, where `upto_end` ends, so `get` finds
        // them; it is `get` rather than indexing so that no panic path is compiled in (the
        // Fetch walk spent two comparisons per record on those).
        Ok(Record {
            raw: upto_end.get(start..).unwrap_or_default(),
            attributes,
            timestamp_delta,
            offset_delta,
            key,
            value,
            headers_count,
            headers: upto_end.get(headers_start..).unwrap_or_default(),
            offset: self.base_offset.wrapping_add(offset_delta as i64),
            timestamp: match self.log_append_time {
                Some(t) => t,
                None => self.base_timestamp.wrapping_add(timestamp_delta),
            },
        })
    }
}

#[cold]
#[inline(never)]
fn count_mismatch(declared: i32, found: usize, offset: usize, base_offset: i64) -> RecordError {
    RecordError::new(
        RecordErrorKind::RecordCountMismatch { declared, found },
        offset,
    )
    .in_batch(base_offset)
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, RecordError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.found as i64 >= self.declared as i64 {
            // A batch declaring no record has none, whatever bytes follow: Java's iterator
            // does not look at them either.
            if self.cur.is_empty() || self.declared == 0 {
                self.done = true;
                return None;
            }
            return self.count_mismatch(self.found as usize + 1);
        }
        if self.cur.is_empty() {
            return self.count_mismatch(self.found as usize);
        }
        match self.read() {
            Ok(r) => {
                self.found += 1;
                Some(Ok(r))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e.in_batch(self.base_offset)))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done {
            return (0, Some(0));
        }
        let left = (self.declared as i64 - self.found as i64).max(0) as usize;
        (0, Some(left + 1))
    }
}

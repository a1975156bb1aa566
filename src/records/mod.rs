//! Record batches: the `records` field of Fetch responses and Produce requests.
//!
//! A records field is a sequence of *entries*, each starting with `baseOffset: int64` and a
//! size `int32`, then (at byte 16) a magic byte that says what the entry is:
//! a v2 [`RecordBatch`] (magic 2) or a legacy [`LegacyMessage`] (magic 0 or 1). The format is
//! chosen by that byte, never by the API version or its flexible flag: a broker may return a
//! legacy message set inside a Fetch v12+ response.
//!
//! [`entries`] walks such a field without copying. A Fetch response usually ends with a batch
//! cut short by the fetch size limit; that tail is reported as [`Entry::Partial`], not as an
//! error and not silently dropped.
//!
//! Entry points:
//! - [`entries`]: the entries of a records field, lazily; uncompressed v2 batches are walked
//!   with [`RecordBatch::records`] (no allocation, keys/values/headers borrowed), any batch with
//!   [`RecordBatch::payload`] (decompresses within [`RecordOptions::max_decompressed_size`]).
//! - [`for_each_record`]: every record of a records field, whatever its format, in one call;
//!   returns the partial tail if any. This is all a Fetch consumer loop (or a
//!   `kafka-inspect records` printer) needs from a partition's `records` bytes.
//! - [`read_committed`]: the entries a `read_committed` consumer may see, given the partition's
//!   aborted transactions.
//! - [`consume`]: a partition's records from a fetch position, as Kafka's Java consumer hands
//!   them out (none below the position, no control record, aborted transactions skipped under
//!   `read_committed`), and the next fetch position: the `lastOffset + 1` of the last batch
//!   ([`Entry::next_offset`]), so compacted, empty and control batches are never refetched.
//!   [`Lag`] is the consumer lag as Java reports it, unknown included.
//! - [`RecordBatchBuilder`] / [`LegacyMessageSetBuilder`]: one batch (or message set) per call.
//! - [`compression`]: the codecs, usable on their own.
//!
//! Errors are [`RecordError`]s: a [`RecordErrorKind`] to match on, the byte offset, and the
//! base offset of the batch where known. Nothing here panics on received bytes.
//!
//! ```
//! use kafka_codec::records::{entries, Entry, NewRecord, RecordBatchBuilder, RecordOptions};
//!
//! // Two batches as a broker would send them, the second cut short by the fetch limit.
//! let mut b = RecordBatchBuilder::new(0);
//! b.push(NewRecord::new(1000).value(b"a")).push(NewRecord::new(1001).value(b"b"));
//! let mut fetched = b.build().unwrap().to_vec();
//! let mut b = RecordBatchBuilder::new(2);
//! b.push(NewRecord::new(1002).value(b"c"));
//! fetched.extend_from_slice(&b.build().unwrap()[..30]);
//!
//! let opts = RecordOptions::default();
//! let mut values = Vec::new();
//! let mut partial = false;
//! for entry in entries(&fetched, &opts) {
//!     match entry.unwrap() {
//!         Entry::Batch(batch) => {
//!             let payload = batch.payload(&opts).unwrap(); // borrowed unless compressed
//!             for r in payload.records() {
//!                 let r = r.unwrap();
//!                 values.push((r.offset(), r.value().unwrap().to_vec()));
//!             }
//!         }
//!         Entry::Legacy(msg) => {
//!             for m in msg.messages(&opts).unwrap().iter() {
//!                 let m = m.unwrap();
//!                 values.push((m.offset(), m.value().unwrap_or_default().to_vec()));
//!             }
//!         }
//!         Entry::Partial(_) => partial = true,
//!     }
//! }
//! assert_eq!(values, [(0, b"a".to_vec()), (1, b"b".to_vec())]);
//! assert!(partial);
//! ```

use bytes::Bytes;

mod batch;
mod builder;
pub mod compression;
pub mod control;
mod cursor;
mod error;
mod legacy;
mod position;
mod record;

pub use batch::{
    BatchAttributes, BatchHeader, RecordBatch, RecordsPayload, BATCH_HEADER_LEN, CRC_START,
    LOG_OVERHEAD, MIN_BATCH_LENGTH,
};
pub use builder::{BatchWriter, LegacyMessageSetBuilder, NewRecord, RecordBatchBuilder};
pub use control::{
    read_committed, AbortedTransaction, ControlRecord, ControlRecordType, ReadCommitted,
};
pub use error::{RecordError, RecordErrorKind};
pub use legacy::{LegacyMessage, LegacyMessages, LegacyMessagesIter};
pub use position::{consume, Consumed, IsolationLevel, Lag};
pub use record::{Header, Headers, Record, Records};

/// A compression codec, as the low three bits of batch or message attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
#[repr(u8)]
pub enum Compression {
    /// No compression (0).
    None = 0,
    /// gzip (1).
    Gzip = 1,
    /// Snappy (2): raw or xerial-framed.
    Snappy = 2,
    /// LZ4 frame format (3).
    Lz4 = 3,
    /// Zstandard (4); magic 2 only.
    Zstd = 4,
}

impl Compression {
    /// The codec for the three attribute bits, or `None` for 5 to 7.
    #[inline]
    pub fn from_bits(bits: u8) -> Option<Self> {
        Some(match bits & 0x07 {
            0 => Compression::None,
            1 => Compression::Gzip,
            2 => Compression::Snappy,
            3 => Compression::Lz4,
            4 => Compression::Zstd,
            _ => return None,
        })
    }

    /// The attribute bits of the codec.
    #[inline]
    pub fn bits(self) -> u8 {
        self as u8
    }

    /// Whether this build can decode and encode the codec (its cargo feature is on).
    pub fn is_enabled(self) -> bool {
        match self {
            Compression::None => true,
            Compression::Gzip => cfg!(feature = "gzip"),
            Compression::Snappy => cfg!(feature = "snappy"),
            Compression::Lz4 => cfg!(feature = "lz4"),
            Compression::Zstd => cfg!(feature = "zstd"),
        }
    }
}

/// What record timestamps mean (attribute bit 3; magic 1 and 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum TimestampType {
    /// Set by the producer.
    CreateTime,
    /// Set by the broker when appending; for v2 batches the batch's `maxTimestamp`.
    LogAppendTime,
}

/// Options for reading records. Fields may be added, so build it from
/// [`default`](Default::default) and the `with_*` setters.
///
/// ```
/// use kafka_codec::records::RecordOptions;
/// let trusted = RecordOptions::default().with_verify_crc(false).with_max_decompressed_size(8 << 20);
/// assert!(!trusted.verify_crc);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordOptions {
    /// Verify checksums (CRC-32C of v2 batches, CRC-32 of legacy messages). On by default; off
    /// skips the check for speed when the bytes are already trusted.
    pub verify_crc: bool,
    /// Most bytes one compressed batch or wrapper message may decompress to (default 64 MiB).
    /// Decompression stops at the limit with
    /// [`DecompressedTooLarge`](RecordErrorKind::DecompressedTooLarge).
    pub max_decompressed_size: usize,
}

impl RecordOptions {
    /// These options with checksum verification on or off.
    pub const fn with_verify_crc(mut self, on: bool) -> Self {
        self.verify_crc = on;
        self
    }

    /// These options with another decompression limit.
    pub const fn with_max_decompressed_size(mut self, limit: usize) -> Self {
        self.max_decompressed_size = limit;
        self
    }
}

impl Default for RecordOptions {
    fn default() -> Self {
        RecordOptions {
            verify_crc: true,
            max_decompressed_size: 64 << 20,
        }
    }
}

/// `part` as a [`Bytes`] sharing `owner`'s buffer, if `part` lies within `owner` (never panics,
/// unlike `Bytes::slice_ref`). An empty `part` gives an empty `Bytes`.
///
/// ```
/// use bytes::Bytes;
/// let owner = Bytes::from_static(b"hello world");
/// let part = &owner[6..];
/// assert_eq!(kafka_codec::records::slice_of(&owner, part).unwrap(), "world");
/// assert!(kafka_codec::records::slice_of(&owner, b"elsewhere").is_none());
/// ```
#[inline]
pub fn slice_of(owner: &Bytes, part: &[u8]) -> Option<Bytes> {
    if part.is_empty() {
        return Some(Bytes::new());
    }
    let start = (part.as_ptr() as usize).checked_sub(owner.as_ptr() as usize)?;
    let end = start.checked_add(part.len())?;
    if end > owner.len() {
        return None;
    }
    Some(owner.slice(start..end))
}

/// One entry of a records field.
#[derive(Clone, Copy, Debug)]
pub enum Entry<'a> {
    /// A complete v2 record batch (magic 2).
    Batch(RecordBatch<'a>),
    /// A complete legacy message (magic 0 or 1): a single message or a compressed wrapper.
    Legacy(LegacyMessage<'a>),
    /// The last entry, cut short (typically by the fetch size limit). Not an error: the consumer
    /// fetches again from the offset after the last complete entry.
    Partial(PartialEntry<'a>),
}

impl Entry<'_> {
    /// The offset a consumer continues from after this entry: a v2 batch's `lastOffset + 1`
    /// (whatever records compaction left in it, control batches included), a legacy entry's
    /// offset + 1; `None` for a truncated entry.
    pub fn next_offset(&self) -> Option<i64> {
        match self {
            Entry::Batch(b) => Some(b.next_offset()),
            Entry::Legacy(m) => Some(m.next_offset()),
            Entry::Partial(_) => None,
        }
    }
}

/// A truncated last entry of a records field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartialEntry<'a> {
    /// The bytes that were present.
    pub bytes: &'a [u8],
    /// Byte offset of the entry in the records field.
    pub byte_offset: usize,
    /// Its base offset, if at least 8 bytes were present.
    pub base_offset: Option<i64>,
    /// Its full size (the 12 bytes of offset and size plus the size field), if present.
    pub full_size: Option<usize>,
}

/// Iterator over the entries of a records field; see [`entries`].
#[derive(Clone, Debug)]
pub struct Entries<'a> {
    buf: &'a [u8],
    pos: usize,
    options: RecordOptions,
    done: bool,
}

/// Walks the entries (v2 batches and legacy messages, chosen by each entry's magic byte) of a
/// Fetch or Produce partition's `records` field, without copying. Checksums are verified as each
/// entry is reached unless `options.verify_crc` is off. A truncated last entry is yielded as
/// [`Entry::Partial`]; after an error the iterator ends.
pub fn entries<'a>(records: &'a [u8], options: &RecordOptions) -> Entries<'a> {
    Entries {
        buf: records,
        pos: 0,
        options: *options,
        done: false,
    }
}

impl<'a> Entries<'a> {
    /// Byte offset of the next entry.
    pub fn byte_offset(&self) -> usize {
        self.pos
    }

    fn step(&mut self) -> Result<Entry<'a>, RecordError> {
        let rest = &self.buf[self.pos..];
        let at = self.pos;
        let partial = |full_size: Option<usize>| {
            Entry::Partial(PartialEntry {
                bytes: rest,
                byte_offset: at,
                base_offset: rest.first_chunk::<8>().map(|b| i64::from_be_bytes(*b)),
                full_size,
            })
        };
        let Some(head) = rest.first_chunk::<LOG_OVERHEAD>() else {
            return Ok(partial(None));
        };
        let base_offset = i64::from_be_bytes([
            head[0], head[1], head[2], head[3], head[4], head[5], head[6], head[7],
        ]);
        let size = i32::from_be_bytes([head[8], head[9], head[10], head[11]]);
        // Smallest entry of any magic: a magic-0 message with null key and value.
        if size < legacy::MIN_MESSAGE_SIZE_V0 as i32 {
            return Err(RecordError::new(
                RecordErrorKind::InvalidLength {
                    field: "batchLength",
                    length: size as i64,
                    remaining: rest.len() - LOG_OVERHEAD,
                },
                at + 8,
            )
            .in_batch(base_offset));
        }
        let full = LOG_OVERHEAD + size as usize;
        if full > rest.len() {
            return Ok(partial(Some(full)));
        }
        let entry = &rest[..full];
        let magic = entry[16] as i8;
        if magic == 2 && size < MIN_BATCH_LENGTH {
            return Err(RecordError::new(
                RecordErrorKind::InvalidLength {
                    field: "batchLength",
                    length: size as i64,
                    remaining: rest.len() - LOG_OVERHEAD,
                },
                at + 8,
            )
            .in_batch(base_offset));
        }
        match magic {
            2 => RecordBatch::parse_at(entry, at, &self.options).map(Entry::Batch),
            0 | 1 => LegacyMessage::parse_at(entry, at, &self.options).map(Entry::Legacy),
            m => {
                Err(RecordError::new(RecordErrorKind::UnknownMagic(m), at + 16)
                    .in_batch(base_offset))
            }
        }
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<Entry<'a>, RecordError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.pos >= self.buf.len() {
            return None;
        }
        let r = self.step();
        match &r {
            Ok(Entry::Batch(b)) => self.pos += b.raw().len(),
            Ok(Entry::Legacy(m)) => self.pos += m.raw().len(),
            Ok(Entry::Partial(_)) | Err(_) => self.done = true,
        }
        Some(r)
    }
}

/// One record of any format, as [`for_each_record`] hands it out.
#[derive(Clone, Debug)]
pub struct LogicalRecord<'b> {
    /// Absolute offset.
    pub offset: i64,
    /// Absolute timestamp (`None` for magic 0, which has none).
    pub timestamp: Option<i64>,
    /// Timestamp type (`None` for magic 0).
    pub timestamp_type: Option<TimestampType>,
    /// Key (`None` when null).
    pub key: Option<&'b [u8]>,
    /// Value (`None` when null).
    pub value: Option<&'b [u8]>,
    /// Headers in wire order (always empty for magic 0 and 1).
    pub headers: Headers<'b>,
    /// Whether the record is a control record (a transaction marker or KRaft control record).
    pub is_control: bool,
    /// Format of the entry it came from (0, 1 or 2).
    pub magic: i8,
}

/// Calls `f` for every record of a records field, in order, whatever its format: v2 batches
/// (decompressed if needed), legacy messages and the inner messages of legacy wrappers. Records
/// of uncompressed data are borrowed from `records`; those of compressed data from a buffer
/// that lives for the call. Returns the truncated tail, if the field ends with one.
///
/// ```
/// use kafka_codec::records::{for_each_record, NewRecord, RecordBatchBuilder, RecordOptions};
///
/// let mut b = RecordBatchBuilder::new(7);
/// b.push(NewRecord::new(1).key(b"k").value(b"v").header(b"h", b"x"));
/// let wire = b.build().unwrap();
/// let mut seen = Vec::new();
/// let tail = for_each_record(&wire, &RecordOptions::default(), |r| {
///     seen.push((r.offset, r.value.map(<[u8]>::to_vec), r.headers.count()));
/// })
/// .unwrap();
/// assert_eq!(seen, [(7, Some(b"v".to_vec()), 1)]);
/// assert!(tail.is_none());
/// ```
pub fn for_each_record<'a, F>(
    records: &'a [u8],
    options: &RecordOptions,
    mut f: F,
) -> Result<Option<PartialEntry<'a>>, RecordError>
where
    F: FnMut(LogicalRecord<'_>),
{
    for entry in entries(records, options) {
        match entry? {
            Entry::Batch(batch) => {
                if batch.records_count() == 0 {
                    continue; // no record; the payload is not looked at (as in Java)
                }
                let payload = batch.payload(options)?;
                let tt = Some(batch.timestamp_type());
                for r in payload.records() {
                    let r = r?;
                    f(LogicalRecord {
                        offset: r.offset(),
                        timestamp: Some(r.timestamp()),
                        timestamp_type: tt,
                        key: r.key(),
                        value: r.value(),
                        headers: r.headers(),
                        is_control: batch.is_control(),
                        magic: 2,
                    });
                }
            }
            Entry::Legacy(msg) => {
                let wrapper_tt = msg.timestamp_type();
                for m in msg.messages(options)?.iter() {
                    let m = m?;
                    f(LogicalRecord {
                        offset: m.offset(),
                        timestamp: m.timestamp(),
                        timestamp_type: wrapper_tt,
                        key: m.key(),
                        value: m.value(),
                        headers: Headers::empty(),
                        is_control: false,
                        magic: m.magic(),
                    });
                }
            }
            Entry::Partial(p) => return Ok(Some(p)),
        }
    }
    Ok(None)
}

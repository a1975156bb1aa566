//! The v2 record batch (magic 2), as a borrowed view over its received bytes.

use bytes::{BufMut, Bytes, BytesMut};

use super::cursor::Cursor;
use super::error::{RecordError, RecordErrorKind};
use super::record::Records;
use super::{compression, slice_of, Compression, RecordOptions, TimestampType};

/// Bytes of a v2 batch header, from `baseOffset` to `recordsCount` inclusive.
pub const BATCH_HEADER_LEN: usize = 61;
/// Bytes of the `baseOffset` and `batchLength` fields that precede what `batchLength` counts.
pub const LOG_OVERHEAD: usize = 12;
/// The smallest honest `batchLength`: a header with no records.
pub const MIN_BATCH_LENGTH: i32 = (BATCH_HEADER_LEN - LOG_OVERHEAD) as i32;
/// Byte position of the `attributes` field, where the CRC-32C coverage starts.
pub const CRC_START: usize = 21;

/// The `attributes` of a v2 batch, kept as the wire's `int16` so that unknown bits survive a
/// round trip.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BatchAttributes(pub i16);

impl BatchAttributes {
    const TIMESTAMP_TYPE: i16 = 0x08;
    const TRANSACTIONAL: i16 = 0x10;
    const CONTROL: i16 = 0x20;
    const DELETE_HORIZON: i16 = 0x40;

    /// The raw codec bits (0 to 7).
    #[inline]
    pub fn codec_bits(self) -> u8 {
        (self.0 & 0x07) as u8
    }

    /// The compression codec, or `None` for the undefined values 5 to 7.
    #[inline]
    pub fn compression(self) -> Option<Compression> {
        Compression::from_bits(self.codec_bits())
    }

    /// `CreateTime` or `LogAppendTime` (bit 3).
    #[inline]
    pub fn timestamp_type(self) -> TimestampType {
        if self.0 & Self::TIMESTAMP_TYPE != 0 {
            TimestampType::LogAppendTime
        } else {
            TimestampType::CreateTime
        }
    }

    /// Whether the batch is part of a transaction (bit 4).
    #[inline]
    pub fn is_transactional(self) -> bool {
        self.0 & Self::TRANSACTIONAL != 0
    }

    /// Whether the batch holds control records (transaction markers; bit 5).
    #[inline]
    pub fn is_control(self) -> bool {
        self.0 & Self::CONTROL != 0
    }

    /// Whether `baseTimestamp` holds the delete horizon set by the log cleaner (KIP-534; bit 6).
    #[inline]
    pub fn has_delete_horizon(self) -> bool {
        self.0 & Self::DELETE_HORIZON != 0
    }

    /// These attributes with the codec bits set to `c`.
    pub fn with_compression(self, c: Compression) -> Self {
        BatchAttributes((self.0 & !0x07) | c.bits() as i16)
    }

    /// These attributes with the timestamp type bit set for `t`.
    pub fn with_timestamp_type(self, t: TimestampType) -> Self {
        self.with_bit(Self::TIMESTAMP_TYPE, t == TimestampType::LogAppendTime)
    }

    /// These attributes with the transactional bit set to `on`.
    pub fn with_transactional(self, on: bool) -> Self {
        self.with_bit(Self::TRANSACTIONAL, on)
    }

    /// These attributes with the control bit set to `on`.
    pub fn with_control(self, on: bool) -> Self {
        self.with_bit(Self::CONTROL, on)
    }

    /// These attributes with the delete-horizon bit set to `on`.
    pub fn with_delete_horizon(self, on: bool) -> Self {
        self.with_bit(Self::DELETE_HORIZON, on)
    }

    fn with_bit(self, bit: i16, on: bool) -> Self {
        BatchAttributes(if on { self.0 | bit } else { self.0 & !bit })
    }
}

/// Every field of a v2 batch header, as on the wire.
///
/// Building a batch from a header and a records payload ([`BatchHeader::encode`]) writes these
/// fields as they are, except `batch_length` and `crc`, which are computed; so a header taken
/// from a received batch reproduces it exactly, including a `last_offset_delta` past the last
/// remaining record of a compacted batch (KAFKA-5443).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BatchHeader {
    /// Offset of the first record (the batch's records carry deltas from it).
    pub base_offset: i64,
    /// Bytes after this field (from `partition_leader_epoch` to the end of the batch).
    pub batch_length: i32,
    /// Leader epoch of the partition when the batch was appended (-1 from producers).
    pub partition_leader_epoch: i32,
    /// Always 2 for this format.
    pub magic: i8,
    /// CRC-32C of the bytes from `attributes` to the end of the batch.
    pub crc: u32,
    /// Compression, timestamp type, transactional, control and delete-horizon flags.
    pub attributes: BatchAttributes,
    /// Offset delta of the last record the batch was written with (may exceed the last record
    /// present after compaction).
    pub last_offset_delta: i32,
    /// Timestamp the records' deltas count from (the delete horizon when that flag is set).
    pub base_timestamp: i64,
    /// Largest record timestamp (for `LogAppendTime`, the broker's append time).
    pub max_timestamp: i64,
    /// Idempotent/transactional producer id (-1 when none).
    pub producer_id: i64,
    /// Producer epoch (-1 when none).
    pub producer_epoch: i16,
    /// Sequence number of the first record (-1 when none).
    pub base_sequence: i32,
    /// Number of records in the batch.
    pub records_count: i32,
}

impl Default for BatchHeader {
    fn default() -> Self {
        BatchHeader {
            base_offset: 0,
            batch_length: MIN_BATCH_LENGTH,
            partition_leader_epoch: -1,
            magic: 2,
            crc: 0,
            attributes: BatchAttributes(0),
            last_offset_delta: -1,
            base_timestamp: -1,
            max_timestamp: -1,
            producer_id: -1,
            producer_epoch: -1,
            base_sequence: -1,
            records_count: 0,
        }
    }
}

#[inline]
fn be<const N: usize>(b: &[u8; BATCH_HEADER_LEN], at: usize) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(&b[at..at + N]);
    a
}

impl BatchHeader {
    /// Reads the 61 header bytes (no validation beyond their presence).
    #[inline]
    pub fn read(h: &[u8; BATCH_HEADER_LEN]) -> Self {
        BatchHeader {
            base_offset: i64::from_be_bytes(be(h, 0)),
            batch_length: i32::from_be_bytes(be(h, 8)),
            partition_leader_epoch: i32::from_be_bytes(be(h, 12)),
            magic: h[16] as i8,
            crc: u32::from_be_bytes(be(h, 17)),
            attributes: BatchAttributes(i16::from_be_bytes(be(h, 21))),
            last_offset_delta: i32::from_be_bytes(be(h, 23)),
            base_timestamp: i64::from_be_bytes(be(h, 27)),
            max_timestamp: i64::from_be_bytes(be(h, 35)),
            producer_id: i64::from_be_bytes(be(h, 43)),
            producer_epoch: i16::from_be_bytes(be(h, 51)),
            base_sequence: i32::from_be_bytes(be(h, 53)),
            records_count: i32::from_be_bytes(be(h, 57)),
        }
    }

    /// Writes a complete batch: this header followed by `payload` (the records section exactly
    /// as it goes on the wire, compressed or not). `batch_length` and `crc` are computed from the
    /// bytes; every other field is written as it is.
    pub fn encode(&self, payload: &[u8], out: &mut BytesMut) -> Result<(), RecordError> {
        let total = BATCH_HEADER_LEN + payload.len();
        let batch_length = i32::try_from(total - LOG_OVERHEAD).map_err(|_| {
            RecordError::new(
                RecordErrorKind::TooLarge {
                    field: "batchLength",
                    size: total,
                },
                0,
            )
        })?;
        out.reserve(total);
        let start = out.len();
        out.put_slice(&self.header_bytes(batch_length));
        out.put_slice(payload);
        patch_crc(&mut out[start..]);
        Ok(())
    }

    /// The 61 header bytes with this `batch_length` and a zero CRC (see [`patch_crc`]).
    pub(crate) fn header_bytes(&self, batch_length: i32) -> [u8; BATCH_HEADER_LEN] {
        let mut h = [0u8; BATCH_HEADER_LEN];
        let mut w = &mut h[..];
        w.put_i64(self.base_offset);
        w.put_i32(batch_length);
        w.put_i32(self.partition_leader_epoch);
        w.put_i8(self.magic);
        w.put_u32(0); // CRC
        w.put_i16(self.attributes.0);
        w.put_i32(self.last_offset_delta);
        w.put_i64(self.base_timestamp);
        w.put_i64(self.max_timestamp);
        w.put_i64(self.producer_id);
        w.put_i16(self.producer_epoch);
        w.put_i32(self.base_sequence);
        w.put_i32(self.records_count);
        h
    }
}

/// Computes the CRC-32C of a complete batch (`batch` starts at its base offset) and writes it
/// into the header.
pub(crate) fn patch_crc(batch: &mut [u8]) {
    let crc = crc32c::crc32c(&batch[CRC_START..]);
    batch[17..CRC_START].copy_from_slice(&crc.to_be_bytes());
}

/// A v2 record batch, borrowed from the received bytes.
///
/// The view keeps its exact bytes, so an unmodified batch re-encodes byte for byte
/// ([`raw`](Self::raw)). Records are parsed lazily by [`records`](Self::records) (uncompressed
/// batches; no allocation) or [`payload`](Self::payload) (any batch; decompresses if needed).
///
/// ```
/// use kafka_codec::records::{RecordBatch, RecordBatchBuilder, RecordOptions, NewRecord};
///
/// let mut b = RecordBatchBuilder::new(100);
/// b.push(NewRecord::new(1_700_000_000_000).key(b"k").value(b"v").header(b"h", b"1"));
/// let wire = b.build().unwrap();
///
/// let batch = RecordBatch::parse(&wire, &RecordOptions::default()).unwrap();
/// assert_eq!(batch.base_offset(), 100);
/// for record in batch.records().unwrap() {
///     let record = record.unwrap();
///     assert_eq!(record.offset(), 100);
///     assert_eq!(record.key(), Some(&b"k"[..]));
///     assert_eq!(record.value(), Some(&b"v"[..]));
///     let h = record.headers().next().unwrap();
///     assert_eq!((h.key, h.value), (&b"h"[..], Some(&b"1"[..])));
/// }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct RecordBatch<'a> {
    header: BatchHeader,
    raw: &'a [u8],
    at: usize,
}

impl<'a> RecordBatch<'a> {
    /// Parses the batch at the start of `buf` (bytes after it are ignored), checking its length
    /// fields and — unless `options.verify_crc` is off — its CRC-32C. Records are not parsed yet.
    pub fn parse(buf: &'a [u8], options: &RecordOptions) -> Result<Self, RecordError> {
        Self::parse_at(buf, 0, options)
    }

    /// As [`parse`](Self::parse), with byte offsets in errors counted from `at`.
    pub fn parse_at(
        buf: &'a [u8],
        at: usize,
        options: &RecordOptions,
    ) -> Result<Self, RecordError> {
        if let Some(h) = buf.first_chunk::<LOG_OVERHEAD>() {
            let len = i32::from_be_bytes([h[8], h[9], h[10], h[11]]);
            if len < MIN_BATCH_LENGTH {
                let base = i64::from_be_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]]);
                return Err(RecordError::new(
                    RecordErrorKind::InvalidLength {
                        field: "batchLength",
                        length: len as i64,
                        remaining: buf.len() - LOG_OVERHEAD,
                    },
                    at + 8,
                )
                .in_batch(base));
            }
        }
        let Some(head) = buf.first_chunk::<BATCH_HEADER_LEN>() else {
            return Err(RecordError::new(
                RecordErrorKind::Truncated {
                    needed: BATCH_HEADER_LEN,
                    remaining: buf.len(),
                },
                at,
            ));
        };
        let header = BatchHeader::read(head);
        let err = |kind, pos: usize| RecordError::new(kind, at + pos).in_batch(header.base_offset);
        if header.magic != 2 {
            return Err(err(RecordErrorKind::UnknownMagic(header.magic), 16));
        }
        let avail = buf.len() - LOG_OVERHEAD;
        if header.batch_length < MIN_BATCH_LENGTH {
            return Err(err(
                RecordErrorKind::InvalidLength {
                    field: "batchLength",
                    length: header.batch_length as i64,
                    remaining: avail,
                },
                8,
            ));
        }
        if header.batch_length as usize > avail {
            return Err(err(
                RecordErrorKind::Truncated {
                    needed: header.batch_length as usize,
                    remaining: avail,
                },
                LOG_OVERHEAD,
            ));
        }
        if header.records_count < 0 {
            return Err(err(
                RecordErrorKind::InvalidLength {
                    field: "recordsCount",
                    length: header.records_count as i64,
                    remaining: header.batch_length as usize - MIN_BATCH_LENGTH as usize,
                },
                57,
            ));
        }
        let raw = &buf[..LOG_OVERHEAD + header.batch_length as usize];
        let batch = RecordBatch { header, raw, at };
        if options.verify_crc {
            batch.verify_crc()?;
        }
        Ok(batch)
    }

    /// Checks the CRC-32C over the bytes from `attributes` to the end of the batch.
    pub fn verify_crc(&self) -> Result<(), RecordError> {
        let actual = crc32c::crc32c(&self.raw[CRC_START..]);
        if actual != self.header.crc {
            return Err(RecordError::new(
                RecordErrorKind::CrcMismatch {
                    expected: self.header.crc,
                    actual,
                },
                self.at + 17,
            )
            .in_batch(self.header.base_offset));
        }
        Ok(())
    }

    /// Every header field.
    #[inline]
    pub fn header(&self) -> &BatchHeader {
        &self.header
    }

    /// The batch's exact bytes, from `baseOffset` to its last record: what re-encoding an
    /// unmodified batch writes.
    #[inline]
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The batch's bytes as a [`Bytes`] sharing `owner`, if `owner` holds them.
    pub fn raw_bytes(&self, owner: &Bytes) -> Option<Bytes> {
        slice_of(owner, self.raw)
    }

    /// Appends the batch's exact bytes to `out`.
    pub fn encode_into(&self, out: &mut BytesMut) {
        out.put_slice(self.raw)
    }

    /// Byte offset of the batch in the input it was parsed from.
    #[inline]
    pub fn byte_offset(&self) -> usize {
        self.at
    }

    /// Offset of the first record.
    #[inline]
    pub fn base_offset(&self) -> i64 {
        self.header.base_offset
    }

    /// The `batchLength` field.
    #[inline]
    pub fn batch_length(&self) -> i32 {
        self.header.batch_length
    }

    /// The `partitionLeaderEpoch` field.
    #[inline]
    pub fn partition_leader_epoch(&self) -> i32 {
        self.header.partition_leader_epoch
    }

    /// The magic byte (2).
    #[inline]
    pub fn magic(&self) -> i8 {
        self.header.magic
    }

    /// The stored CRC-32C.
    #[inline]
    pub fn crc(&self) -> u32 {
        self.header.crc
    }

    /// The attributes.
    #[inline]
    pub fn attributes(&self) -> BatchAttributes {
        self.header.attributes
    }

    /// The compression codec; an error for the undefined codec values 5 to 7.
    #[inline]
    pub fn compression(&self) -> Result<Compression, RecordError> {
        self.header.attributes.compression().ok_or_else(|| {
            RecordError::new(
                RecordErrorKind::UnknownCodec(self.header.attributes.codec_bits()),
                self.at + 21,
            )
            .in_batch(self.header.base_offset)
        })
    }

    /// The timestamp type.
    #[inline]
    pub fn timestamp_type(&self) -> TimestampType {
        self.header.attributes.timestamp_type()
    }

    /// Whether the batch belongs to a transaction.
    #[inline]
    pub fn is_transactional(&self) -> bool {
        self.header.attributes.is_transactional()
    }

    /// Whether the batch holds control records.
    #[inline]
    pub fn is_control(&self) -> bool {
        self.header.attributes.is_control()
    }

    /// Whether `baseTimestamp` holds a delete horizon.
    #[inline]
    pub fn has_delete_horizon(&self) -> bool {
        self.header.attributes.has_delete_horizon()
    }

    /// The delete horizon (KIP-534), when the flag is set.
    #[inline]
    pub fn delete_horizon(&self) -> Option<i64> {
        self.has_delete_horizon()
            .then_some(self.header.base_timestamp)
    }

    /// The `lastOffsetDelta` field.
    #[inline]
    pub fn last_offset_delta(&self) -> i32 {
        self.header.last_offset_delta
    }

    /// Offset of the last record the batch was written with: `base_offset + last_offset_delta`.
    #[inline]
    pub fn last_offset(&self) -> i64 {
        self.header
            .base_offset
            .wrapping_add(self.header.last_offset_delta as i64)
    }

    /// The offset a consumer continues from after this batch.
    #[inline]
    pub fn next_offset(&self) -> i64 {
        self.last_offset().wrapping_add(1)
    }

    /// The `baseTimestamp` field.
    #[inline]
    pub fn base_timestamp(&self) -> i64 {
        self.header.base_timestamp
    }

    /// The `maxTimestamp` field.
    #[inline]
    pub fn max_timestamp(&self) -> i64 {
        self.header.max_timestamp
    }

    /// The producer id (-1 for none).
    #[inline]
    pub fn producer_id(&self) -> i64 {
        self.header.producer_id
    }

    /// The producer epoch (-1 for none).
    #[inline]
    pub fn producer_epoch(&self) -> i16 {
        self.header.producer_epoch
    }

    /// The base sequence (-1 for none).
    #[inline]
    pub fn base_sequence(&self) -> i32 {
        self.header.base_sequence
    }

    /// The `recordsCount` field.
    #[inline]
    pub fn records_count(&self) -> i32 {
        self.header.records_count
    }

    /// The records section as on the wire (compressed when the batch is).
    #[inline]
    pub fn records_payload(&self) -> &'a [u8] {
        &self.raw[BATCH_HEADER_LEN..]
    }

    /// The records of an uncompressed batch, parsed lazily: no allocation, every key, value and
    /// header borrowed from the input. A compressed batch gives
    /// [`CompressedPayload`](RecordErrorKind::CompressedPayload); use
    /// [`payload`](Self::payload) for any batch.
    #[inline]
    pub fn records(&self) -> Result<Records<'a>, RecordError> {
        match self.compression()? {
            Compression::None => {
                Ok(self.records_in(self.records_payload(), self.at + BATCH_HEADER_LEN))
            }
            c => Err(
                RecordError::new(RecordErrorKind::CompressedPayload(c), self.at + 21)
                    .in_batch(self.header.base_offset),
            ),
        }
    }

    #[inline]
    pub(crate) fn records_in<'b>(&self, payload: &'b [u8], at: usize) -> Records<'b> {
        Records::new(Cursor::new(payload, at), &self.header)
    }

    /// The records section ready to iterate: borrowed when uncompressed, decompressed (within
    /// `options.max_decompressed_size`) otherwise.
    ///
    /// ```
    /// use kafka_codec::records::{Compression, NewRecord, RecordBatch, RecordBatchBuilder, RecordOptions};
    /// # #[cfg(feature = "zstd")] {
    /// let mut b = RecordBatchBuilder::new(0).compression(Compression::Zstd);
    /// b.push(NewRecord::new(0).value(b"hello"));
    /// let wire = b.build().unwrap();
    /// let opts = RecordOptions::default();
    /// let batch = RecordBatch::parse(&wire, &opts).unwrap();
    /// let payload = batch.payload(&opts).unwrap();
    /// let values: Vec<_> = payload.records().map(|r| r.unwrap().value().unwrap().to_vec()).collect();
    /// assert_eq!(values, [b"hello".to_vec()]);
    /// # }
    /// ```
    pub fn payload(&self, options: &RecordOptions) -> Result<RecordsPayload<'a>, RecordError> {
        let codec = self.compression()?;
        let data = match codec {
            Compression::None => PayloadData::Borrowed(self.records_payload()),
            c => {
                let plain = compression::decompress(c, self.records_payload(), 2, options)
                    .map_err(|k| {
                        RecordError::new(k, self.at + BATCH_HEADER_LEN)
                            .in_batch(self.header.base_offset)
                    })?;
                PayloadData::Owned(Bytes::from(plain))
            }
        };
        Ok(RecordsPayload { batch: *self, data })
    }

    /// Walks every record (decompressing if needed) to check the record count and every
    /// record's framing, without keeping anything.
    pub fn validate(&self, options: &RecordOptions) -> Result<(), RecordError> {
        let p = self.payload(options)?;
        for r in p.records() {
            r?;
        }
        Ok(())
    }

    /// For a control batch, its first record decoded as a control record (a transaction marker
    /// or another control type). `None` if the batch is not a control batch.
    pub fn control_record(
        &self,
        options: &RecordOptions,
    ) -> Option<Result<super::control::ControlRecord, RecordError>> {
        if !self.is_control() {
            return None;
        }
        let res = (|| {
            let p = self.payload(options)?;
            let mut it = p.records();
            match it.next() {
                Some(r) => super::control::ControlRecord::from_record(&r?),
                None => Err(
                    RecordError::new(RecordErrorKind::InvalidControlRecord, self.at)
                        .in_batch(self.header.base_offset),
                ),
            }
        })();
        Some(res)
    }
}

#[derive(Clone, Debug)]
enum PayloadData<'a> {
    Borrowed(&'a [u8]),
    Owned(Bytes),
}

/// The records section of a batch, borrowed from the input or decompressed into a buffer of its
/// own; iterate it with [`records`](Self::records).
#[derive(Clone, Debug)]
pub struct RecordsPayload<'a> {
    batch: RecordBatch<'a>,
    data: PayloadData<'a>,
}

impl<'a> RecordsPayload<'a> {
    /// The plain (uncompressed) records bytes.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        match &self.data {
            PayloadData::Borrowed(s) => s,
            PayloadData::Owned(b) => b,
        }
    }

    /// Whether the records were decompressed (so they live in a buffer of their own, see
    /// [`decompressed`](Self::decompressed)).
    pub fn is_decompressed(&self) -> bool {
        matches!(self.data, PayloadData::Owned(_))
    }

    /// The decompressed buffer, for callers that need [`Bytes`] slices of records of a
    /// compressed batch (`Record::value_bytes(payload.decompressed().unwrap())`).
    pub fn decompressed(&self) -> Option<&Bytes> {
        match &self.data {
            PayloadData::Owned(b) => Some(b),
            PayloadData::Borrowed(_) => None,
        }
    }

    /// The batch this payload belongs to.
    pub fn batch(&self) -> &RecordBatch<'a> {
        &self.batch
    }

    /// The records, parsed lazily. Byte offsets in errors count from the start of the batch's
    /// input when uncompressed, from the start of the decompressed bytes otherwise.
    #[inline]
    pub fn records(&self) -> Records<'_> {
        match &self.data {
            PayloadData::Borrowed(s) => self.batch.records_in(s, self.batch.at + BATCH_HEADER_LEN),
            PayloadData::Owned(b) => self.batch.records_in(b, 0),
        }
    }
}

impl<'p> IntoIterator for &'p RecordsPayload<'_> {
    type Item = Result<super::record::Record<'p>, RecordError>;
    type IntoIter = Records<'p>;

    fn into_iter(self) -> Records<'p> {
        self.records()
    }
}

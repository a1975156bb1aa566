//! Building record batches (magic 2) and legacy message sets (magic 0 and 1).

use bytes::{BufMut, Bytes, BytesMut};

use super::batch::{patch_crc, BatchHeader, BATCH_HEADER_LEN};
use super::control::{ControlRecord, ControlRecordType};
use super::error::{RecordError, RecordErrorKind};
use super::record::{Header, Record};
use super::{compression, Compression, TimestampType, LOG_OVERHEAD};
use crate::varint;

/// A record to add to a batch. Keys, values and headers are borrowed until the builder copies
/// them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewRecord<'r> {
    /// Absolute timestamp (milliseconds).
    pub timestamp: i64,
    /// Key (`None` for null).
    pub key: Option<&'r [u8]>,
    /// Value (`None` for null, a tombstone).
    pub value: Option<&'r [u8]>,
    /// Headers in order; duplicate keys allowed.
    pub headers: Vec<Header<'r>>,
    /// Offset delta; by default one more than the previous record's (0 for the first).
    pub offset_delta: Option<i32>,
    /// Record attributes byte (0; unused by Kafka so far).
    pub attributes: i8,
}

impl<'r> NewRecord<'r> {
    /// A record with this timestamp, null key and value, and no headers.
    pub fn new(timestamp: i64) -> Self {
        NewRecord {
            timestamp,
            ..Default::default()
        }
    }

    /// Sets the key.
    pub fn key(mut self, key: &'r [u8]) -> Self {
        self.key = Some(key);
        self
    }

    /// Sets the value.
    pub fn value(mut self, value: &'r [u8]) -> Self {
        self.value = Some(value);
        self
    }

    /// Appends a header with a value.
    pub fn header(mut self, key: &'r [u8], value: &'r [u8]) -> Self {
        self.headers.push(Header {
            key,
            value: Some(value),
        });
        self
    }

    /// Appends a header with a null value.
    pub fn null_header(mut self, key: &'r [u8]) -> Self {
        self.headers.push(Header { key, value: None });
        self
    }

    /// Sets an explicit offset delta.
    pub fn offset_delta(mut self, delta: i32) -> Self {
        self.offset_delta = Some(delta);
        self
    }
}

/// Builds one v2 batch from any number of records: one batch per call, never one per record.
/// Lengths, `lastOffsetDelta`, `maxTimestamp`, the record count and the CRC-32C are computed;
/// the base timestamp defaults to the first record's timestamp (as the Java client does).
///
/// ```
/// use kafka_codec::records::{Compression, NewRecord, RecordBatch, RecordBatchBuilder, RecordOptions};
///
/// let mut b = RecordBatchBuilder::new(0)
///     .producer(4000, 0, 17)         // idempotent producer: id, epoch, base sequence
///     .compression(Compression::None);
/// for i in 0..3u8 {
///     b.push(NewRecord::new(1_000 + i as i64).key(&[i]).value(b"payload").header(b"trace", b"x"));
/// }
/// let wire = b.build().unwrap();
///
/// let batch = RecordBatch::parse(&wire, &RecordOptions::default()).unwrap();
/// assert_eq!((batch.records_count(), batch.last_offset_delta(), batch.max_timestamp()), (3, 2, 1_002));
/// assert_eq!(batch.base_sequence(), 17);
/// ```
#[derive(Clone, Debug)]
pub struct RecordBatchBuilder {
    header: BatchHeader,
    base_timestamp: Option<i64>,
    max_timestamp: Option<i64>,
    last_offset_delta: Option<i32>,
    records: BytesMut,
    count: i32,
    next_delta: i32,
    last_delta: i32,
    seen_max_timestamp: Option<i64>,
    error: Option<RecordError>,
}

impl RecordBatchBuilder {
    /// A builder for a batch whose first record has offset `base_offset` (0 when producing;
    /// the broker assigns offsets).
    pub fn new(base_offset: i64) -> Self {
        RecordBatchBuilder {
            header: BatchHeader {
                base_offset,
                ..BatchHeader::default()
            },
            base_timestamp: None,
            max_timestamp: None,
            last_offset_delta: None,
            records: BytesMut::new(),
            count: 0,
            next_delta: 0,
            last_delta: -1,
            seen_max_timestamp: None,
            error: None,
        }
    }

    /// A builder that will write every field of `header` as it is (base and max timestamp,
    /// last offset delta, attributes, producer fields...), except `batch_length`, `crc` and
    /// `records_count`, which are computed. With the records of a parsed batch pushed through
    /// [`push_record`](Self::push_record), an uncompressed batch is rebuilt byte for byte,
    /// compacted ones (KAFKA-5443) included. (A compressed batch would be recompressed, which
    /// need not reproduce the original bytes; to pass one through untouched, write
    /// [`RecordBatch::raw`](super::RecordBatch::raw), or [`BatchHeader::encode`] with its
    /// [`records_payload`](super::RecordBatch::records_payload).)
    pub fn from_header(header: &BatchHeader) -> Self {
        let mut b = Self::new(header.base_offset);
        b.header = *header;
        b.base_timestamp = Some(header.base_timestamp);
        b.max_timestamp = Some(header.max_timestamp);
        b.last_offset_delta = Some(header.last_offset_delta);
        b
    }

    /// Sets the compression codec.
    pub fn compression(mut self, c: Compression) -> Self {
        self.header.attributes = self.header.attributes.with_compression(c);
        self
    }

    /// Sets the idempotent producer fields: producer id, producer epoch and base sequence.
    pub fn producer(mut self, producer_id: i64, producer_epoch: i16, base_sequence: i32) -> Self {
        self.header.producer_id = producer_id;
        self.header.producer_epoch = producer_epoch;
        self.header.base_sequence = base_sequence;
        self
    }

    /// Marks the batch as part of a transaction.
    pub fn transactional(mut self, on: bool) -> Self {
        self.header.attributes = self.header.attributes.with_transactional(on);
        self
    }

    /// Marks the batch as a control batch.
    pub fn control(mut self, on: bool) -> Self {
        self.header.attributes = self.header.attributes.with_control(on);
        self
    }

    /// Sets the timestamp type (`CreateTime` by default).
    pub fn timestamp_type(mut self, t: TimestampType) -> Self {
        self.header.attributes = self.header.attributes.with_timestamp_type(t);
        self
    }

    /// Sets the partition leader epoch (-1 by default, as producers send).
    pub fn partition_leader_epoch(mut self, epoch: i32) -> Self {
        self.header.partition_leader_epoch = epoch;
        self
    }

    /// Sets the base timestamp (by default the first record's timestamp). Records already
    /// pushed carry deltas from the old one, so setting it after them is refused by
    /// [`build`](Self::build) with [`BuilderMisuse`](RecordErrorKind::BuilderMisuse).
    pub fn base_timestamp(mut self, ts: i64) -> Self {
        self.set_base_timestamp(ts);
        self
    }

    /// Sets the delete horizon (KIP-534): the flag, and the base timestamp to `horizon` (so,
    /// like [`base_timestamp`](Self::base_timestamp), before any record is pushed).
    pub fn delete_horizon(mut self, horizon: i64) -> Self {
        self.header.attributes = self.header.attributes.with_delete_horizon(true);
        self.set_base_timestamp(horizon);
        self
    }

    fn set_base_timestamp(&mut self, ts: i64) {
        if self.count > 0 && self.base_timestamp != Some(ts) && self.error.is_none() {
            self.error = Some(RecordError::new(
                RecordErrorKind::BuilderMisuse("base timestamp set after records were pushed"),
                0,
            ));
        }
        self.base_timestamp = Some(ts);
    }

    /// Overrides the computed `maxTimestamp` (e.g. the broker's append time for
    /// `LogAppendTime`).
    pub fn max_timestamp(mut self, ts: i64) -> Self {
        self.max_timestamp = Some(ts);
        self
    }

    /// Overrides the computed `lastOffsetDelta` (a compacted batch keeps its original one).
    pub fn last_offset_delta(mut self, delta: i32) -> Self {
        self.last_offset_delta = Some(delta);
        self
    }

    /// Records pushed so far.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether no record was pushed.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bytes of the (uncompressed) records pushed so far.
    pub fn records_size(&self) -> usize {
        self.records.len()
    }

    #[cold]
    fn fail(&mut self, field: &'static str, size: usize) {
        if self.error.is_none() {
            self.error = Some(RecordError::new(
                RecordErrorKind::TooLarge { field, size },
                0,
            ));
        }
    }

    fn note(&mut self, offset_delta: i32, timestamp: i64) {
        self.count += 1;
        self.last_delta = offset_delta;
        self.next_delta = offset_delta.wrapping_add(1);
        self.seen_max_timestamp = Some(
            self.seen_max_timestamp
                .map_or(timestamp, |m| m.max(timestamp)),
        );
    }

    /// Appends a record. Errors (a field over 2 GiB) are reported by [`build`](Self::build).
    pub fn push(&mut self, r: NewRecord<'_>) -> &mut Self {
        self.append(
            r.timestamp,
            r.key,
            r.value,
            &r.headers,
            r.offset_delta,
            r.attributes,
        )
    }

    /// Appends a record from its parts, without building a [`NewRecord`] (no allocation besides
    /// the batch buffer's growth). `offset_delta` defaults to one more than the previous
    /// record's.
    pub fn append(
        &mut self,
        timestamp: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[Header<'_>],
        offset_delta: Option<i32>,
        attributes: i8,
    ) -> &mut Self {
        if let Some(plan) = self.plan(timestamp, key, value, headers, offset_delta) {
            write_record(&mut self.records, &plan, attributes, key, value, headers);
            self.note(plan.offset_delta, timestamp);
        }
        self
    }

    /// Checks a record against the size limits and works out its deltas and body length;
    /// `None` (with the error kept for `build`) when it cannot be written.
    #[inline]
    fn plan(
        &mut self,
        timestamp: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[Header<'_>],
        offset_delta: Option<i32>,
    ) -> Option<RecordPlan> {
        if self.count == i32::MAX {
            self.fail("recordsCount", self.count as usize + 1);
            return None;
        }
        let base_ts = *self.base_timestamp.get_or_insert(timestamp);
        let ts_delta = timestamp.wrapping_sub(base_ts);
        let offset_delta = offset_delta.unwrap_or(self.next_delta);
        // Any one field over i32::MAX makes the record too large; checking the sum first keeps
        // the per-field lengths below honest.
        let mut raw = key.map_or(0, <[u8]>::len) + value.map_or(0, <[u8]>::len);
        for h in headers {
            raw = raw
                .saturating_add(h.key.len())
                .saturating_add(h.value.map_or(0, <[u8]>::len));
        }
        if raw > i32::MAX as usize / 2 || headers.len() > i32::MAX as usize / 2 {
            self.fail("record", raw);
            return None;
        }
        let mut body = 1
            + varint::len_i64(ts_delta)
            + varint::len_i32(offset_delta)
            + varint_bytes_len(key)
            + varint_bytes_len(value)
            + varint::len_i32(headers.len() as i32);
        for h in headers {
            body += varint_bytes_len(Some(h.key)) + varint_bytes_len(h.value);
        }
        if body > i32::MAX as usize {
            self.fail("record", body);
            return None;
        }
        Some(RecordPlan {
            ts_delta,
            offset_delta,
            body,
        })
    }

    /// Appends a parsed record exactly as it was received (its bytes are copied verbatim), for
    /// rebuilding or re-batching received records. Its timestamp delta is kept, so the
    /// builder's base timestamp should be the source batch's ([`from_header`](Self::from_header)).
    pub fn push_record(&mut self, r: &Record<'_>) -> &mut Self {
        if self.copy_planned(r) {
            self.records.extend_from_slice(r.raw());
        }
        self
    }

    /// Counts a record copied verbatim; false (with the error kept) when it cannot be added.
    fn copy_planned(&mut self, r: &Record<'_>) -> bool {
        if self.count == i32::MAX {
            self.fail("recordsCount", self.count as usize + 1);
            return false;
        }
        let base_ts = *self.base_timestamp.get_or_insert(r.timestamp());
        self.note(r.offset_delta(), base_ts.wrapping_add(r.timestamp_delta()));
        true
    }

    /// The header as it will be written: the settings plus what the records determined.
    fn final_header(&self) -> BatchHeader {
        let mut header = self.header;
        header.records_count = self.count;
        header.base_timestamp = self.base_timestamp.unwrap_or(-1);
        header.max_timestamp = self.max_timestamp.or(self.seen_max_timestamp).unwrap_or(-1);
        header.last_offset_delta = self.last_offset_delta.unwrap_or(self.last_delta);
        header
    }

    fn codec(&self) -> Compression {
        self.header
            .attributes
            .compression()
            .unwrap_or(Compression::None)
    }

    /// Writes the batch into `out`: header, then the records (compressed if a codec is set).
    pub fn build_into(self, out: &mut BytesMut) -> Result<(), RecordError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let header = self.final_header();
        if self.codec() == Compression::None {
            header.encode(&self.records, out)
        } else {
            let packed = compression::compress(self.codec(), &self.records, 2)
                .map_err(|k| RecordError::new(k, 0))?;
            header.encode(&packed, out)
        }
    }

    /// Starts writing this batch straight into `out`, after what it already holds: records
    /// pushed through the returned [`BatchWriter`] go directly into `out` (uncompressed) or
    /// into this builder's buffer (compressed, then streamed compressed into `out`), and
    /// [`BatchWriter::finish`] fills in the header. No copy of the records and, once `out`
    /// has room, no allocation for an uncompressed batch.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use kafka_codec::records::{entries, Entry, RecordBatchBuilder, RecordOptions};
    ///
    /// let mut out = BytesMut::with_capacity(64 * 1024);
    /// for (base, values) in [(0, [&b"a"[..], b"b"]), (2, [&b"c"[..], b"d"])] {
    ///     let mut w = RecordBatchBuilder::new(base).begin(&mut out);
    ///     for (i, v) in values.iter().enumerate() {
    ///         w.append(1_000 + i as i64, None, Some(v), &[], None, 0);
    ///     }
    ///     w.finish().unwrap();
    /// }
    /// let offsets: Vec<i64> = entries(&out, &RecordOptions::default())
    ///     .map(|e| match e.unwrap() { Entry::Batch(b) => b.base_offset(), _ => -1 })
    ///     .collect();
    /// assert_eq!(offsets, [0, 2]);
    /// ```
    pub fn begin(mut self, out: &mut BytesMut) -> BatchWriter<'_> {
        let start = out.len();
        out.extend_from_slice(&[0; BATCH_HEADER_LEN]);
        self.records.clear();
        BatchWriter {
            builder: self,
            out,
            start,
        }
    }

    /// Hands the builder a buffer to collect records in before compression (e.g. the one
    /// [`BatchWriter::finish_reclaim`] gave back), so a compressed batch need not allocate it.
    pub fn with_buffer(mut self, mut buffer: BytesMut) -> Self {
        buffer.clear();
        buffer.extend_from_slice(&self.records);
        self.records = buffer;
        self
    }

    /// Builds the batch.
    pub fn build(self) -> Result<Bytes, RecordError> {
        let mut out = BytesMut::new();
        self.build_into(&mut out)?;
        Ok(out.freeze())
    }

    /// A transaction marker: a control batch holding one ABORT or COMMIT record, as the
    /// transaction coordinator has the partition leader write it.
    pub fn transaction_marker(
        offset: i64,
        producer_id: i64,
        producer_epoch: i16,
        control_type: ControlRecordType,
        coordinator_epoch: i32,
        timestamp: i64,
    ) -> Result<Bytes, RecordError> {
        let key = ControlRecord::marker_key(control_type);
        let value = ControlRecord::marker_value(coordinator_epoch);
        let mut b = RecordBatchBuilder::new(offset)
            .producer(producer_id, producer_epoch, -1)
            .transactional(true)
            .control(true);
        b.push(NewRecord::new(timestamp).key(&key).value(&value));
        b.build()
    }
}

/// What [`RecordBatchBuilder::plan`] worked out for a record.
struct RecordPlan {
    ts_delta: i64,
    offset_delta: i32,
    /// Length of the record after its own length varint.
    body: usize,
}

/// Bytes a varint-length-prefixed byte string takes (-1 alone for null).
#[inline]
fn varint_bytes_len(b: Option<&[u8]>) -> usize {
    match b {
        None => 1,
        Some(b) => varint::len_i32(b.len() as i32) + b.len(),
    }
}

/// Writes one record; `plan.body` was computed for exactly these parts. The fields before the
/// value and those after it are stored into slices the buffer grows by once each (no capacity
/// check or call per field); the value, usually the bulk of the record, is copied in directly
/// rather than into zeroed room.
#[inline]
fn write_record(
    buf: &mut BytesMut,
    plan: &RecordPlan,
    attributes: i8,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
    headers: &[Header<'_>],
) {
    let length = varint::zigzag32(plan.body as i32) as u64;
    let value_len = value.map_or(-1, |v| v.len() as i32);
    let before_value = varint::len_u64(length)
        + 1
        + varint::len_i64(plan.ts_delta)
        + varint::len_i32(plan.offset_delta)
        + varint_bytes_len(key)
        + varint::len_i32(value_len);
    let after_value =
        plan.body + varint::len_u64(length) - before_value - value.map_or(0, <[u8]>::len);
    buf.reserve(before_value + value.map_or(0, <[u8]>::len) + after_value);

    let mut w = SliceWriter::grow(buf, before_value);
    w.varint(length);
    w.byte(attributes as u8);
    w.varint(varint::zigzag64(plan.ts_delta));
    w.varint(varint::zigzag32(plan.offset_delta) as u64);
    w.bytes(key);
    w.varint(varint::zigzag32(value_len) as u64);
    debug_assert_eq!(w.pos, before_value);
    if let Some(v) = value {
        buf.extend_from_slice(v);
    }
    let mut w = SliceWriter::grow(buf, after_value);
    w.varint(varint::zigzag32(headers.len() as i32) as u64);
    for h in headers {
        w.bytes(Some(h.key));
        w.bytes(h.value);
    }
    debug_assert_eq!(w.pos, after_value, "record size worked out by plan");
}

/// Stores into a slice sized beforehand.
struct SliceWriter<'b> {
    buf: &'b mut [u8],
    pos: usize,
}

impl<'b> SliceWriter<'b> {
    /// Grows `buf` by `len` zeroed bytes and writes over them.
    #[inline(always)]
    fn grow(buf: &'b mut BytesMut, len: usize) -> Self {
        let start = buf.len();
        buf.resize(start + len, 0);
        SliceWriter {
            buf: &mut buf[start..],
            pos: 0,
        }
    }

    #[inline(always)]
    fn byte(&mut self, b: u8) {
        self.buf[self.pos] = b;
        self.pos += 1;
    }

    /// A varint in one 8-byte store where the slice has room past it, else byte by byte.
    #[inline(always)]
    fn varint(&mut self, v: u64) {
        if let (Some((word, n)), Some(dst)) = (
            varint::packed_u64(v),
            self.buf.get_mut(self.pos..self.pos + 8),
        ) {
            dst.copy_from_slice(&word.to_le_bytes());
            self.pos += n;
            return;
        }
        let mut v = v;
        while v >= 0x80 {
            self.byte(v as u8 | 0x80);
            v >>= 7;
        }
        self.byte(v as u8);
    }

    /// A varint length (-1 for null), then the bytes.
    #[inline(always)]
    fn bytes(&mut self, b: Option<&[u8]>) {
        match b {
            None => self.byte(1), // zig-zag -1
            Some(b) => {
                self.varint(varint::zigzag32(b.len() as i32) as u64);
                self.buf[self.pos..self.pos + b.len()].copy_from_slice(b);
                self.pos += b.len();
            }
        }
    }
}

/// A v2 batch being written into the caller's buffer; made by [`RecordBatchBuilder::begin`].
/// Until [`finish`](Self::finish) the buffer holds a placeholder header; dropping the writer
/// without finishing leaves that incomplete batch in the buffer.
#[derive(Debug)]
pub struct BatchWriter<'o> {
    builder: RecordBatchBuilder,
    out: &'o mut BytesMut,
    /// Where the batch (its base offset) starts in `out`.
    start: usize,
}

impl BatchWriter<'_> {
    /// The buffer records are written to: the caller's, or the builder's when compressing.
    fn sink(&mut self) -> &mut BytesMut {
        if self.builder.codec() == Compression::None {
            self.out
        } else {
            &mut self.builder.records
        }
    }

    /// Appends a record (see [`RecordBatchBuilder::push`]).
    pub fn push(&mut self, r: NewRecord<'_>) -> &mut Self {
        self.append(
            r.timestamp,
            r.key,
            r.value,
            &r.headers,
            r.offset_delta,
            r.attributes,
        )
    }

    /// Appends a record from its parts (see [`RecordBatchBuilder::append`]).
    #[inline]
    pub fn append(
        &mut self,
        timestamp: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[Header<'_>],
        offset_delta: Option<i32>,
        attributes: i8,
    ) -> &mut Self {
        if let Some(plan) = self
            .builder
            .plan(timestamp, key, value, headers, offset_delta)
        {
            write_record(self.sink(), &plan, attributes, key, value, headers);
            self.builder.note(plan.offset_delta, timestamp);
        }
        self
    }

    /// Appends a parsed record's exact bytes (see [`RecordBatchBuilder::push_record`]).
    pub fn push_record(&mut self, r: &Record<'_>) -> &mut Self {
        if self.builder.copy_planned(r) {
            self.sink().extend_from_slice(r.raw());
        }
        self
    }

    /// Records written so far.
    pub fn len(&self) -> usize {
        self.builder.len()
    }

    /// Whether no record was written.
    pub fn is_empty(&self) -> bool {
        self.builder.is_empty()
    }

    /// Completes the batch: compresses the records if a codec is set, then writes the header
    /// (lengths, counts, timestamps, CRC-32C). On error the buffer is cut back to where the
    /// batch began.
    pub fn finish(self) -> Result<(), RecordError> {
        self.finish_reclaim().map(drop)
    }

    /// [`finish`](Self::finish), giving back the builder's record buffer (empty, capacity
    /// kept) to pass to [`RecordBatchBuilder::with_buffer`] for the next compressed batch.
    pub fn finish_reclaim(self) -> Result<BytesMut, RecordError> {
        let BatchWriter {
            builder,
            out,
            start,
        } = self;
        let result = builder.complete(out, start);
        if result.is_err() {
            out.truncate(start);
        }
        let mut records = builder.records;
        records.clear();
        result.map(|()| records)
    }
}

impl RecordBatchBuilder {
    /// Compresses (if needed) and fills in the header of a batch begun at `start` in `out`.
    fn complete(&self, out: &mut BytesMut, start: usize) -> Result<(), RecordError> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if self.codec() != Compression::None {
            compression::compress_into(self.codec(), &self.records, 2, out)
                .map_err(|k| RecordError::new(k, 0))?;
        }
        let total = out.len() - start;
        let batch_length = i32::try_from(total - LOG_OVERHEAD).map_err(|_| {
            RecordError::new(
                RecordErrorKind::TooLarge {
                    field: "batchLength",
                    size: total,
                },
                0,
            )
        })?;
        let batch = &mut out[start..];
        batch[..BATCH_HEADER_LEN].copy_from_slice(&self.final_header().header_bytes(batch_length));
        patch_crc(batch);
        Ok(())
    }
}

/// A message queued in a [`LegacyMessageSetBuilder`]: timestamp, key, value.
type LegacyDraft = (i64, Option<Vec<u8>>, Option<Vec<u8>>);

/// Builds a legacy message set (magic 0 or 1): plain messages, or with a codec one wrapper
/// message whose value is the compressed inner set (relative inner offsets for magic 1).
///
/// ```
/// use kafka_codec::records::{entries, Compression, Entry, LegacyMessageSetBuilder, RecordOptions};
///
/// let mut b = LegacyMessageSetBuilder::new(1, 40);
/// b.push(10, Some(b"k1"), Some(b"v1")).push(11, None, Some(b"v2"));
/// let wire = b.build().unwrap();
/// let opts = RecordOptions::default();
/// let offsets: Vec<i64> = entries(&wire, &opts)
///     .map(|e| match e.unwrap() { Entry::Legacy(m) => m.offset(), _ => -1 })
///     .collect();
/// assert_eq!(offsets, [40, 41]);
/// ```
#[derive(Clone, Debug)]
pub struct LegacyMessageSetBuilder {
    magic: i8,
    first_offset: i64,
    compression: Compression,
    log_append_time: bool,
    messages: Vec<LegacyDraft>,
}

impl LegacyMessageSetBuilder {
    /// A builder for `magic` (0 or 1; anything else is treated as 1) whose first message has
    /// offset `first_offset`.
    pub fn new(magic: i8, first_offset: i64) -> Self {
        LegacyMessageSetBuilder {
            magic: if magic == 0 { 0 } else { 1 },
            first_offset,
            compression: Compression::None,
            log_append_time: false,
            messages: Vec::new(),
        }
    }

    /// Sets the codec: the messages go compressed into one wrapper message.
    pub fn compression(mut self, c: Compression) -> Self {
        self.compression = c;
        self
    }

    /// Marks timestamps as `LogAppendTime` (magic 1).
    pub fn log_append_time(mut self, on: bool) -> Self {
        self.log_append_time = on;
        self
    }

    /// Appends a message (the timestamp is ignored for magic 0).
    pub fn push(&mut self, timestamp: i64, key: Option<&[u8]>, value: Option<&[u8]>) -> &mut Self {
        self.messages.push((
            timestamp,
            key.map(<[u8]>::to_vec),
            value.map(<[u8]>::to_vec),
        ));
        self
    }

    fn ts_bit(&self) -> i8 {
        if self.magic >= 1 && self.log_append_time {
            0x08
        } else {
            0
        }
    }

    /// Builds the message set.
    pub fn build(&self) -> Result<Bytes, RecordError> {
        let mut out = BytesMut::new();
        if self.compression == Compression::None {
            for (i, (ts, k, v)) in self.messages.iter().enumerate() {
                let off = self.first_offset.wrapping_add(i as i64);
                write_legacy(
                    &mut out,
                    off,
                    self.magic,
                    self.ts_bit(),
                    *ts,
                    k.as_deref(),
                    v.as_deref(),
                )?;
            }
            return Ok(out.freeze());
        }
        let mut inner = BytesMut::new();
        let mut max_ts = -1i64;
        for (i, (ts, k, v)) in self.messages.iter().enumerate() {
            let off = if self.magic >= 1 {
                i as i64
            } else {
                self.first_offset.wrapping_add(i as i64)
            };
            max_ts = max_ts.max(*ts);
            write_legacy(
                &mut inner,
                off,
                self.magic,
                0,
                *ts,
                k.as_deref(),
                v.as_deref(),
            )?;
        }
        let packed = compression::compress(self.compression, &inner, self.magic)
            .map_err(|k| RecordError::new(k, 0))?;
        let last = self
            .first_offset
            .wrapping_add(self.messages.len().saturating_sub(1) as i64);
        let attrs = self.compression.bits() as i8 | self.ts_bit();
        write_legacy(
            &mut out,
            last,
            self.magic,
            attrs,
            max_ts,
            None,
            Some(&packed),
        )?;
        Ok(out.freeze())
    }
}

/// Writes one legacy message with its offset and size; computes the CRC-32.
fn write_legacy(
    out: &mut BytesMut,
    offset: i64,
    magic: i8,
    attributes: i8,
    timestamp: i64,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
) -> Result<(), RecordError> {
    let blen = |b: Option<&[u8]>| 4 + b.map_or(0, <[u8]>::len);
    let size = 4 + 1 + 1 + if magic >= 1 { 8 } else { 0 } + blen(key) + blen(value);
    let size_i32 = i32::try_from(size).map_err(|_| {
        RecordError::new(
            RecordErrorKind::TooLarge {
                field: "messageSize",
                size,
            },
            0,
        )
    })?;
    out.reserve(LOG_OVERHEAD + size);
    out.put_i64(offset);
    out.put_i32(size_i32);
    let crc_at = out.len();
    out.put_u32(0);
    out.put_i8(magic);
    out.put_i8(attributes);
    if magic >= 1 {
        out.put_i64(timestamp);
    }
    for b in [key, value] {
        match b {
            None => out.put_i32(-1),
            Some(b) => {
                out.put_i32(b.len() as i32);
                out.put_slice(b);
            }
        }
    }
    let crc = crc32fast::hash(&out[crc_at + 4..]);
    out[crc_at..crc_at + 4].copy_from_slice(&crc.to_be_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(b: &mut RecordBatchBuilder, w: Option<&mut BatchWriter<'_>>) {
        let headers = [Header {
            key: b"h",
            value: Some(b"v"),
        }];
        type Parts<'a> = (i64, Option<&'a [u8]>, Option<&'a [u8]>);
        let parts: [Parts<'_>; 4] = [
            (1_000, Some(b"k0"), Some(b"value zero")),
            (999, None, Some(b"")),
            (1_500, Some(b""), None),
            (1_000 + (1 << 40), Some(&[0xff; 300]), Some(&[0x11; 20_000])),
        ];
        match w {
            Some(w) => {
                for (ts, k, v) in parts {
                    w.append(ts, k, v, &headers, None, 0);
                }
            }
            None => {
                for (ts, k, v) in parts {
                    b.append(ts, k, v, &headers, None, 0);
                }
            }
        }
    }

    /// Writing in place gives exactly the bytes `build` gives, for every codec, after
    /// whatever the caller's buffer held.
    #[test]
    fn in_place_batches_equal_built_ones() {
        let mut codecs = vec![Compression::None];
        #[cfg(feature = "gzip")]
        codecs.push(Compression::Gzip);
        #[cfg(feature = "snappy")]
        codecs.push(Compression::Snappy);
        #[cfg(feature = "lz4")]
        codecs.push(Compression::Lz4);
        #[cfg(feature = "zstd")]
        codecs.push(Compression::Zstd);
        for codec in codecs {
            let settings = RecordBatchBuilder::new(42)
                .compression(codec)
                .producer(9, 1, 5)
                .transactional(true);
            let mut built = settings.clone();
            fill(&mut built, None);
            let expected = built.build().unwrap();

            let mut out = BytesMut::from(&b"earlier"[..]);
            let mut scratch = settings.clone();
            let mut w = settings.clone().begin(&mut out);
            fill(&mut scratch, Some(&mut w));
            assert_eq!(w.len(), 4);
            let reclaimed = w.finish_reclaim().unwrap();
            assert_eq!(&out[..7], b"earlier");
            assert_eq!(&out[7..], &expected[..], "{codec:?}");
            assert!(reclaimed.is_empty());

            // The reclaimed buffer serves the next batch and gives the same bytes again.
            let mut again = BytesMut::new();
            let mut w = settings.clone().with_buffer(reclaimed).begin(&mut again);
            fill(&mut scratch, Some(&mut w));
            w.finish().unwrap();
            assert_eq!(&again[..], &expected[..], "{codec:?} with a reused buffer");
        }
    }

    #[test]
    fn a_failed_batch_is_cut_back_out_of_the_buffer() {
        let mut out = BytesMut::from(&b"keep"[..]);
        let mut w = RecordBatchBuilder::new(0).begin(&mut out);
        w.append(5, None, Some(b"v"), &[], None, 0);
        let err = {
            let mut w2 = w;
            w2.builder.count = i32::MAX;
            w2.append(6, None, None, &[], None, 0);
            w2.finish().unwrap_err()
        };
        assert!(
            matches!(err.kind(), RecordErrorKind::TooLarge { .. }),
            "{err:?}"
        );
        assert_eq!(&out[..], b"keep");
    }

    #[test]
    fn empty_in_place_batch_matches_build() {
        let expected = RecordBatchBuilder::new(3).build().unwrap();
        let mut out = BytesMut::new();
        RecordBatchBuilder::new(3).begin(&mut out).finish().unwrap();
        assert_eq!(&out[..], &expected[..]);
    }
}

//! Control batches (transaction markers and KRaft control records) and the `read_committed`
//! filter.

use super::error::{RecordError, RecordErrorKind};
use super::record::Record;
use super::{Entries, Entry, RecordBatch, RecordOptions};

/// The `type` of a control record key: an open set, so unknown types survive and print.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ControlRecordType(pub i16);

impl ControlRecordType {
    /// Transaction aborted (0).
    pub const ABORT: Self = ControlRecordType(0);
    /// Transaction committed (1).
    pub const COMMIT: Self = ControlRecordType(1);
    /// KRaft leader change (2).
    pub const LEADER_CHANGE: Self = ControlRecordType(2);
    /// KRaft snapshot header (3).
    pub const SNAPSHOT_HEADER: Self = ControlRecordType(3);
    /// KRaft snapshot footer (4).
    pub const SNAPSHOT_FOOTER: Self = ControlRecordType(4);
    /// KRaft version (5).
    pub const KRAFT_VERSION: Self = ControlRecordType(5);
    /// KRaft voters (6).
    pub const KRAFT_VOTERS: Self = ControlRecordType(6);
}

/// A decoded control record: its key (`version: int16, type: int16`) and, for transaction
/// markers, the value's `version: int16, coordinatorEpoch: int32`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ControlRecord {
    /// Key version.
    pub version: i16,
    /// Control type.
    pub control_type: ControlRecordType,
    /// For ABORT and COMMIT markers: the value's version.
    pub marker_version: Option<i16>,
    /// For ABORT and COMMIT markers: the transaction coordinator's epoch.
    pub coordinator_epoch: Option<i32>,
}

impl ControlRecord {
    /// Decodes the key (and, for transaction markers, the value) of a control record.
    pub fn from_record(r: &Record<'_>) -> Result<Self, RecordError> {
        let bad = || RecordError::new(RecordErrorKind::InvalidControlRecord, 0);
        let key = r.key().ok_or_else(bad)?;
        let (Some(v), Some(t)) = (key.get(0..2), key.get(2..4)) else {
            return Err(bad());
        };
        let version = i16::from_be_bytes([v[0], v[1]]);
        let control_type = ControlRecordType(i16::from_be_bytes([t[0], t[1]]));
        let mut rec = ControlRecord {
            version,
            control_type,
            marker_version: None,
            coordinator_epoch: None,
        };
        if control_type == ControlRecordType::ABORT || control_type == ControlRecordType::COMMIT {
            let value = r.value().ok_or_else(bad)?;
            let (Some(v), Some(e)) = (value.get(0..2), value.get(2..6)) else {
                return Err(bad());
            };
            rec.marker_version = Some(i16::from_be_bytes([v[0], v[1]]));
            rec.coordinator_epoch = Some(i32::from_be_bytes([e[0], e[1], e[2], e[3]]));
        }
        Ok(rec)
    }

    /// The key bytes of a transaction marker (version 0).
    pub fn marker_key(control_type: ControlRecordType) -> [u8; 4] {
        let t = control_type.0.to_be_bytes();
        [0, 0, t[0], t[1]]
    }

    /// The value bytes of a transaction marker (version 0).
    pub fn marker_value(coordinator_epoch: i32) -> [u8; 6] {
        let e = coordinator_epoch.to_be_bytes();
        [0, 0, e[0], e[1], e[2], e[3]]
    }
}

/// One element of a Fetch partition's `AbortedTransactions`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AbortedTransaction {
    /// The producer that aborted.
    pub producer_id: i64,
    /// The first offset of the aborted transaction.
    pub first_offset: i64,
}

impl From<(i64, i64)> for AbortedTransaction {
    fn from((producer_id, first_offset): (i64, i64)) -> Self {
        AbortedTransaction {
            producer_id,
            first_offset,
        }
    }
}

/// Filters the entries of a Fetch partition down to what a `read_committed` consumer may see:
/// control batches are dropped; transactional batches of a producer are dropped from the first
/// offset of one of its aborted transactions until its ABORT marker. Partial tails and errors
/// pass through.
///
/// ```
/// use kafka_codec::records::*;
///
/// let mut wire = Vec::new();
/// // Producer 7 writes a transactional batch at offset 0, then aborts it (marker at 1);
/// // producer 8 writes a committed batch at offset 2.
/// let mut b = RecordBatchBuilder::new(0).producer(7, 0, 0).transactional(true);
/// b.push(NewRecord::new(0).value(b"aborted"));
/// wire.extend_from_slice(&b.build().unwrap());
/// wire.extend_from_slice(&RecordBatchBuilder::transaction_marker(1, 7, 0, ControlRecordType::ABORT, 5, 0).unwrap());
/// let mut b = RecordBatchBuilder::new(2).producer(8, 0, 0).transactional(true);
/// b.push(NewRecord::new(0).value(b"kept"));
/// wire.extend_from_slice(&b.build().unwrap());
///
/// let opts = RecordOptions::default();
/// let aborted = [AbortedTransaction { producer_id: 7, first_offset: 0 }];
/// let visible: Vec<i64> = read_committed(entries(&wire, &opts), &aborted, &opts)
///     .map(|e| match e.unwrap() { Entry::Batch(b) => b.base_offset(), _ => -1 })
///     .collect();
/// assert_eq!(visible, [2]);
/// ```
pub fn read_committed<'a>(
    entries: Entries<'a>,
    aborted: &[AbortedTransaction],
    options: &RecordOptions,
) -> ReadCommitted<'a> {
    ReadCommitted {
        entries,
        filter: AbortFilter::new(aborted),
        options: *options,
    }
}

/// Iterator returned by [`read_committed`].
#[derive(Clone, Debug)]
pub struct ReadCommitted<'a> {
    entries: Entries<'a>,
    filter: AbortFilter,
    options: RecordOptions,
}

impl<'a> Iterator for ReadCommitted<'a> {
    type Item = Result<Entry<'a>, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let entry = match self.entries.next()? {
                Ok(e) => e,
                Err(e) => return Some(Err(e)),
            };
            let Entry::Batch(batch) = &entry else {
                return Some(Ok(entry));
            };
            match self.filter.skips(batch, &self.options) {
                Err(e) => return Some(Err(e)),
                Ok(true) => continue,
                Ok(false) if batch.is_control() => continue,
                Ok(false) => return Some(Ok(entry)),
            }
        }
    }
}

/// The aborted-transaction bookkeeping of a `read_committed` consumer, batch by batch, as Kafka's
/// Java consumer keeps it: a producer joins the aborted set once the first offset of one of its
/// aborted transactions is reached (at or before the batch's last offset), and leaves it at its
/// ABORT marker.
#[derive(Clone, Debug)]
pub(crate) struct AbortFilter {
    /// Sorted by first offset, largest first: popped from the end.
    pending: Vec<AbortedTransaction>,
    active: Vec<i64>,
}

impl AbortFilter {
    pub(crate) fn new(aborted: &[AbortedTransaction]) -> Self {
        let mut pending = aborted.to_vec();
        pending.sort_unstable_by_key(|t| std::cmp::Reverse(t.first_offset));
        AbortFilter {
            pending,
            active: Vec::new(),
        }
    }

    /// Whether `batch` belongs to an aborted transaction and is to be skipped. An ABORT marker
    /// is not skipped here (it ends its producer's aborted range); control batches are never
    /// data, so callers drop or walk past them anyway.
    pub(crate) fn skips(
        &mut self,
        batch: &RecordBatch<'_>,
        options: &RecordOptions,
    ) -> Result<bool, RecordError> {
        let pid = batch.producer_id();
        if pid < 0 {
            return Ok(false);
        }
        while let Some(t) = self.pending.last() {
            if t.first_offset > batch.last_offset() {
                break;
            }
            if !self.active.contains(&t.producer_id) {
                self.active.push(t.producer_id);
            }
            self.pending.pop();
        }
        if is_abort_marker(batch, options)? {
            self.active.retain(|&p| p != pid);
            return Ok(false);
        }
        Ok(batch.is_transactional() && self.active.contains(&pid))
    }
}

/// Whether `batch` is a control batch whose first record is an ABORT marker. A control batch
/// with no record (the log cleaner keeps such batches) is no marker, as for the Java consumer.
fn is_abort_marker(batch: &RecordBatch<'_>, options: &RecordOptions) -> Result<bool, RecordError> {
    if !batch.is_control() || batch.records_count() == 0 {
        return Ok(false);
    }
    let payload = batch.payload(options)?;
    let Some(first) = payload.records().next() else {
        return Ok(false);
    };
    let first = first?;
    let bad = || {
        RecordError::new(RecordErrorKind::InvalidControlRecord, batch.byte_offset())
            .in_batch(batch.base_offset())
    };
    let key = first.key().ok_or_else(bad)?;
    let Some(t) = key.get(2..4) else {
        return Err(bad());
    };
    Ok(ControlRecordType(i16::from_be_bytes([t[0], t[1]])) == ControlRecordType::ABORT)
}

//! A consumer's walk over one partition's fetched records: which records it hands to the
//! application, and where it fetches next.
//!
//! The rules are those of Kafka's Java consumer:
//! - records below the fetch position are skipped (a broker returns whole batches, so a fetch
//!   from the middle of a batch gets its first records again);
//! - control records (transaction markers, KRaft control records) are never handed out, but the
//!   position moves past them;
//! - under `read_committed`, batches of aborted transactions are skipped;
//! - after the last complete batch, the next fetch position is that batch's `lastOffset + 1`,
//!   not the offset after the last record seen. A v2 batch keeps its `lastOffsetDelta` when
//!   compaction removes its last records, and the log cleaner may keep a batch with no record at
//!   all; stopping at the last record would fetch the same batch forever. The same holds for a
//!   transaction marker at the end of the log.

use super::control::{AbortFilter, AbortedTransaction};
use super::error::RecordError;
use super::{entries, Entry, Headers, LogicalRecord, PartialEntry, RecordOptions};

/// Which records a consumer may see: the `IsolationLevel` of a Fetch request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum IsolationLevel {
    /// Every record up to the high watermark (Fetch's `IsolationLevel` 0).
    #[default]
    ReadUncommitted,
    /// Only committed transactional records, up to the last stable offset (1).
    ReadCommitted,
}

impl IsolationLevel {
    /// The level for Fetch's `IsolationLevel` field (0 or 1; anything else is `None`).
    pub fn from_i8(v: i8) -> Option<Self> {
        match v {
            0 => Some(IsolationLevel::ReadUncommitted),
            1 => Some(IsolationLevel::ReadCommitted),
            _ => None,
        }
    }

    /// The value of Fetch's `IsolationLevel` field.
    pub fn as_i8(self) -> i8 {
        match self {
            IsolationLevel::ReadUncommitted => 0,
            IsolationLevel::ReadCommitted => 1,
        }
    }
}

/// What [`consume`] did with a partition's records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Consumed<'a> {
    /// Where to fetch next: the `lastOffset + 1` of the last complete batch (or legacy entry),
    /// control batches, aborted batches and empty batches included; never below the position
    /// the walk started from. Equal to that position when no complete batch came back.
    pub next_offset: i64,
    /// How many records were handed to the callback.
    pub delivered: usize,
    /// The truncated batch at the end of the field, if any (a fetch size limit cut it short;
    /// it is fetched again from `next_offset`).
    pub partial: Option<PartialEntry<'a>>,
}

/// Walks a Fetch partition's `records` field from the fetch `position` as Kafka's Java consumer
/// does, calling `f` for each record the application should see, and returns where to fetch
/// next.
///
/// `aborted` is the partition's aborted-transaction list; it is used only under
/// [`IsolationLevel::ReadCommitted`].
///
/// ```
/// use kafka_codec::records::{consume, IsolationLevel, NewRecord, RecordBatchBuilder, RecordOptions};
///
/// // A compacted batch: written with offsets 0..=4, records 3 and 4 removed by the cleaner.
/// let mut b = RecordBatchBuilder::new(0).last_offset_delta(4);
/// b.push(NewRecord::new(1).value(b"a")).push(NewRecord::new(1).value(b"b")).push(NewRecord::new(1).value(b"c"));
/// let wire = b.build().unwrap();
///
/// let mut seen = Vec::new();
/// let done = consume(&wire, 1, IsolationLevel::ReadUncommitted, &[], &RecordOptions::default(), |r| {
///     seen.push(r.offset)
/// })
/// .unwrap();
/// assert_eq!(seen, [1, 2]); // offset 0 is below the position
/// assert_eq!(done.next_offset, 5); // past the batch, not 3
/// ```
pub fn consume<'a, F>(
    records: &'a [u8],
    position: i64,
    isolation: IsolationLevel,
    aborted: &[AbortedTransaction],
    options: &RecordOptions,
    mut f: F,
) -> Result<Consumed<'a>, RecordError>
where
    F: FnMut(LogicalRecord<'_>),
{
    let mut filter = match isolation {
        IsolationLevel::ReadCommitted => Some(AbortFilter::new(aborted)),
        IsolationLevel::ReadUncommitted => None,
    };
    let mut next = position;
    let mut last_batch_next: Option<i64> = None;
    let mut delivered = 0;
    let mut partial = None;
    for entry in entries(records, options) {
        match entry? {
            Entry::Batch(batch) => {
                last_batch_next = Some(batch.next_offset());
                if let Some(filter) = filter.as_mut() {
                    if filter.skips(&batch, options)? {
                        next = batch.next_offset();
                        continue;
                    }
                }
                if batch.records_count() == 0 {
                    continue; // nothing to decompress: Java does not look inside either
                }
                let payload = batch.payload(options)?;
                let tt = Some(batch.timestamp_type());
                let control = batch.is_control();
                for r in payload.records() {
                    let r = r?;
                    if r.offset() < next {
                        continue;
                    }
                    next = r.offset().wrapping_add(1);
                    if control {
                        continue;
                    }
                    delivered += 1;
                    f(LogicalRecord {
                        offset: r.offset(),
                        timestamp: Some(r.timestamp()),
                        timestamp_type: tt,
                        key: r.key(),
                        value: r.value(),
                        headers: r.headers(),
                        is_control: false,
                        magic: 2,
                    });
                }
            }
            Entry::Legacy(msg) => {
                // A legacy entry's offset is that of its last (inner) message.
                last_batch_next = Some(msg.next_offset());
                let tt = msg.timestamp_type();
                for m in msg.messages(options)?.iter() {
                    let m = m?;
                    if m.offset() < next {
                        continue;
                    }
                    next = m.offset().wrapping_add(1);
                    delivered += 1;
                    f(LogicalRecord {
                        offset: m.offset(),
                        timestamp: m.timestamp(),
                        timestamp_type: tt,
                        key: m.key(),
                        value: m.value(),
                        headers: Headers::empty(),
                        is_control: false,
                        magic: m.magic(),
                    });
                }
            }
            Entry::Partial(p) => partial = Some(p),
        }
    }
    let next_offset = match last_batch_next {
        Some(n) => n.max(position),
        None => position,
    };
    Ok(Consumed {
        next_offset,
        delivered,
        partial,
    })
}

/// A partition's consumer lag, as Kafka's Java consumer reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Lag {
    /// The end offset (high watermark, or last stable offset under `read_committed`) minus the
    /// position. Not clamped: Java reports the difference as it is.
    Known(i64),
    /// The end offset is not known: the partition answered with an error (high watermark -1),
    /// or a `read_committed` consumer has no last stable offset (Fetch before v4).
    Unknown,
}

impl Lag {
    /// The lag from an end offset (`-1` or below when unknown) and a position.
    ///
    /// ```
    /// use kafka_codec::records::Lag;
    /// assert_eq!(Lag::from_end_offset(10, 7), Lag::Known(3));
    /// assert_eq!(Lag::from_end_offset(-1, 7), Lag::Unknown);
    /// ```
    pub fn from_end_offset(end_offset: i64, position: i64) -> Self {
        if end_offset < 0 {
            Lag::Unknown
        } else {
            Lag::Known(end_offset.wrapping_sub(position))
        }
    }

    /// The lag, if known.
    pub fn known(self) -> Option<i64> {
        match self {
            Lag::Known(n) => Some(n),
            Lag::Unknown => None,
        }
    }
}

impl std::fmt::Display for Lag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Lag::Known(n) => write!(f, "{n}"),
            Lag::Unknown => f.write_str("unknown"),
        }
    }
}

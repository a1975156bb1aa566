//! From a decoded [`FetchResponse`] to records, one call away: each partition's records with its
//! high watermark, last stable offset, log start offset and aborted transactions beside them —
//! what a consumer needs to advance its position and compute lag.
//!
//! ```
//! use kafka_codec::messages::fetch_response::{FetchableTopicResponse, PartitionData};
//! use kafka_codec::messages::FetchResponse;
//! use kafka_codec::records::{IsolationLevel, Lag, NewRecord, RecordBatchBuilder, RecordOptions};
//!
//! let mut b = RecordBatchBuilder::new(40);
//! b.push(NewRecord::new(1_700_000_000_000).key(b"k1").value(b"v1"));
//! b.push(NewRecord::new(1_700_000_000_001).key(b"k2").value(b"v2"));
//! let response = FetchResponse::default().with_responses(vec![FetchableTopicResponse::default()
//!     .with_topic("orders".into())
//!     .with_partitions(vec![PartitionData::default()
//!         .with_partition_index(0)
//!         .with_high_watermark(45)
//!         .with_records(Some(b.build().unwrap()))])]);
//!
//! let opts = RecordOptions::default();
//! for (topic, p) in response.partitions() {
//!     let position = 40; // where this partition was fetched from
//!     let done = p
//!         .consume(position, IsolationLevel::ReadUncommitted, &opts, |r| {
//!             println!("{}[{}]@{} {:?}", topic.name.unwrap_or(""), p.partition_index, r.offset, r.value);
//!         })
//!         .unwrap();
//!     // The next fetch starts after the last batch, even if compaction emptied its end.
//!     assert_eq!(done.next_offset, 42);
//!     assert_eq!(p.lag(done.next_offset, IsolationLevel::ReadUncommitted), Lag::Known(3));
//! }
//! ```

use crate::messages::fetch_response::{FetchableTopicResponse, PartitionData};
use crate::messages::FetchResponse;
use crate::records::{
    self, AbortedTransaction, Consumed, Entries, IsolationLevel, Lag, LogicalRecord, PartialEntry,
    ReadCommitted, RecordError, RecordOptions,
};
use crate::Uuid;

/// Which topic a partition belongs to: by name up to Fetch v12, by id from v13.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TopicRef<'a> {
    /// The topic name (`None` when the response identifies topics by id, or when the name's
    /// bytes are not UTF-8, which no legal topic name is).
    pub name: Option<&'a str>,
    /// The topic id (`None` before v13).
    pub id: Option<Uuid>,
}

impl<'a> TopicRef<'a> {
    fn of(t: &'a FetchableTopicResponse) -> Self {
        TopicRef {
            name: t.topic.to_str().ok().filter(|n| !n.is_empty()),
            id: (!t.topic_id.is_nil()).then_some(t.topic_id),
        }
    }
}

impl FetchResponse {
    /// Every partition of the response with the topic it belongs to, in wire order.
    pub fn partitions(&self) -> impl Iterator<Item = (TopicRef<'_>, &PartitionData)> {
        self.responses.iter().flat_map(|t| {
            let topic = TopicRef::of(t);
            t.partitions.iter().map(move |p| (topic, p))
        })
    }
}

impl PartitionData {
    /// The raw records field (empty when null).
    pub fn records_bytes(&self) -> &[u8] {
        self.records.as_deref().unwrap_or(&[])
    }

    /// The batches (v2 and legacy alike) of the records field, borrowed; a batch cut short by
    /// the fetch size limit comes last as [`records::Entry::Partial`].
    pub fn entries<'a>(&'a self, options: &RecordOptions) -> Entries<'a> {
        records::entries(self.records_bytes(), options)
    }

    /// Calls `f` for every record (`read_uncommitted`), decompressing where needed; returns the
    /// truncated tail, if any. Uncompressed records borrow from the response: no allocation.
    pub fn for_each_record<'a, F>(
        &'a self,
        options: &RecordOptions,
        f: F,
    ) -> Result<Option<PartialEntry<'a>>, RecordError>
    where
        F: FnMut(LogicalRecord<'_>),
    {
        records::for_each_record(self.records_bytes(), options, f)
    }

    /// The aborted transactions the broker listed for `read_committed` consumers.
    pub fn aborted(&self) -> Vec<AbortedTransaction> {
        self.aborted_transactions
            .iter()
            .flatten()
            .map(|t| AbortedTransaction {
                producer_id: t.producer_id,
                first_offset: t.first_offset,
            })
            .collect()
    }

    /// The batches a `read_committed` consumer may see: batches of aborted transactions and
    /// control batches (transaction markers) are skipped.
    pub fn read_committed<'a>(&'a self, options: &RecordOptions) -> ReadCommitted<'a> {
        records::read_committed(self.entries(options), &self.aborted(), options)
    }

    /// Walks the records from the fetch `position` as Kafka's Java consumer does (see
    /// [`records::consume`]): calls `f` for each record the application should see (none below
    /// `position`, no control record, under `read_committed` none of an aborted transaction)
    /// and returns where to fetch next — after the last complete batch, so compacted batches,
    /// empty batches and transaction markers at the log end are passed, never refetched.
    pub fn consume<'a, F>(
        &'a self,
        position: i64,
        isolation: IsolationLevel,
        options: &RecordOptions,
        f: F,
    ) -> Result<Consumed<'a>, RecordError>
    where
        F: FnMut(LogicalRecord<'_>),
    {
        let aborted = match isolation {
            IsolationLevel::ReadCommitted => self.aborted(),
            IsolationLevel::ReadUncommitted => Vec::new(),
        };
        records::consume(
            self.records_bytes(),
            position,
            isolation,
            &aborted,
            options,
            f,
        )
    }

    /// Consumer lag at `position` (the next offset to fetch), as Kafka's Java consumer computes
    /// it: the last stable offset minus the position under `read_committed`, the high watermark
    /// minus the position under `read_uncommitted`; [`Lag::Unknown`] when that end offset is
    /// -1 (the partition carries an error, or Fetch before v4 has no last stable offset).
    pub fn lag(&self, position: i64, isolation: IsolationLevel) -> Lag {
        let end = match isolation {
            IsolationLevel::ReadCommitted => self.last_stable_offset,
            IsolationLevel::ReadUncommitted => self.high_watermark,
        };
        Lag::from_end_offset(end, position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::fetch_response::AbortedTransaction as WireAborted;
    use crate::records::{NewRecord, RecordBatchBuilder};
    use crate::Message;
    use bytes::Bytes;

    #[test]
    fn decoded_response_walks_to_records_in_every_version() {
        let mut b = RecordBatchBuilder::new(0);
        b.push(
            NewRecord::new(10)
                .key(b"a")
                .value(b"1")
                .header(b"h", b"x")
                .header(b"h", b"y"),
        );
        b.push(NewRecord::new(11).value(b"2"));
        let batch = b.build().unwrap();
        for version in FetchResponse::MIN_VERSION..=FetchResponse::MAX_VERSION {
            let resp = FetchResponse {
                responses: vec![FetchableTopicResponse {
                    topic: if version < 13 {
                        "t".into()
                    } else {
                        Default::default()
                    },
                    topic_id: if version >= 13 {
                        Uuid([7; 16])
                    } else {
                        Uuid::NIL
                    },
                    partitions: vec![PartitionData {
                        partition_index: 3,
                        high_watermark: 5,
                        records: Some(batch.clone()),
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            };
            let wire = resp.to_bytes(version).unwrap().freeze();
            let back = FetchResponse::from_bytes(wire.clone(), version).unwrap();
            let (topic, p) = back.partitions().next().unwrap();
            assert_eq!(topic.id.is_some(), version >= 13);
            let mut seen = Vec::new();
            let tail = p
                .for_each_record(&RecordOptions::default(), |r| {
                    seen.push((r.offset, r.value.map(<[u8]>::to_vec), r.headers.count()))
                })
                .unwrap();
            assert!(tail.is_none());
            assert_eq!(
                seen,
                [(0, Some(b"1".to_vec()), 2), (1, Some(b"2".to_vec()), 0)]
            );
            assert_eq!(p.lag(2, IsolationLevel::ReadUncommitted), Lag::Known(3));
            // Zero-copy: the records field points into the received frame.
            let rec = p.records.as_ref().unwrap();
            assert!(wire.as_ptr_range().contains(&rec.as_ptr()));
        }
    }

    #[test]
    fn aborted_transactions_are_exposed() {
        let p = PartitionData {
            aborted_transactions: Some(vec![WireAborted {
                producer_id: 9,
                first_offset: 100,
                ..Default::default()
            }]),
            records: Some(Bytes::new()),
            ..Default::default()
        };
        assert_eq!(
            p.aborted(),
            [AbortedTransaction {
                producer_id: 9,
                first_offset: 100
            }]
        );
        assert_eq!(p.read_committed(&RecordOptions::default()).count(), 0);
    }
}

//! Target `record_batch`.

use kafka_codec::records::AbortedTransaction;

use crate::meter::measure;
use crate::records::{check_records_usage, walk_records};

/// `record_batch`: `[flags][records field]`. Flag bit 0 turns CRC checks off (so fuzzed
/// batches get past them); bit 1 reads 16 bytes (producer id, first offset) of one aborted
/// transaction before the records. Walks every entry — v2 batches and legacy magic 0/1
/// messages, compressed with any codec or not — under [`records_budget`](crate::records_budget), checks the
/// decompression limit, and rebuilds every valid batch with the builder.
pub fn record_batch(data: &[u8]) {
    let [flags, rest @ ..] = data else { return };
    let (aborted, records) = if flags & 2 != 0 && rest.len() >= 16 {
        let (t, r) = rest.split_at(16);
        let pid = i64::from_be_bytes(t[..8].try_into().unwrap_or_default());
        let first = i64::from_be_bytes(t[8..].try_into().unwrap_or_default());
        (vec![AbortedTransaction::from((pid, first))], r)
    } else {
        (Vec::new(), rest)
    };
    let (_, usage) = measure(|| walk_records(records, &aborted, flags & 1 == 0));
    check_records_usage(records.len(), usage);
}

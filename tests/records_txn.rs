//! Control batches, the read_committed filter, unified record walking and owned slices.
// Uses every codec: needs the default features.
#![cfg(all(
    feature = "gzip",
    feature = "snappy",
    feature = "lz4",
    feature = "zstd"
))]

use bytes::Bytes;
use kafka_codec::records::*;

fn txn_batch(wire: &mut Vec<u8>, offset: i64, pid: i64, n: usize, transactional: bool) {
    let mut b = RecordBatchBuilder::new(offset)
        .producer(pid, 0, 0)
        .transactional(transactional);
    for i in 0..n {
        b.push(NewRecord::new(i as i64).value(b"x"));
    }
    wire.extend_from_slice(&b.build().unwrap());
}

fn marker(wire: &mut Vec<u8>, offset: i64, pid: i64, t: ControlRecordType) {
    wire.extend_from_slice(
        &RecordBatchBuilder::transaction_marker(offset, pid, 0, t, 3, 0).unwrap(),
    );
}

fn visible(wire: &[u8], aborted: &[(i64, i64)]) -> Vec<i64> {
    let opts = RecordOptions::default();
    let aborted: Vec<AbortedTransaction> = aborted.iter().map(|&t| t.into()).collect();
    read_committed(entries(wire, &opts), &aborted, &opts)
        .map(|e| match e.unwrap() {
            Entry::Batch(b) => b.base_offset(),
            Entry::Legacy(m) => m.offset(),
            Entry::Partial(_) => -1,
        })
        .collect()
}

#[test]
fn read_committed_skips_aborted_transactions_and_markers() {
    let mut w = Vec::new();
    txn_batch(&mut w, 0, 1, 2, true); // pid 1, txn A (aborted): 0-1
    txn_batch(&mut w, 2, 2, 1, true); // pid 2, txn B (committed): 2
    txn_batch(&mut w, 3, 1, 1, true); // pid 1, still txn A: 3
    marker(&mut w, 4, 1, ControlRecordType::ABORT); // ends A
    marker(&mut w, 5, 2, ControlRecordType::COMMIT); // ends B
    txn_batch(&mut w, 6, 1, 1, true); // pid 1, txn C (committed): 6
    txn_batch(&mut w, 7, 3, 1, false); // non-transactional: always visible
    marker(&mut w, 8, 1, ControlRecordType::COMMIT);
    txn_batch(&mut w, 9, 2, 1, true); // pid 2, txn D (aborted): 9
    marker(&mut w, 10, 2, ControlRecordType::ABORT);
    assert_eq!(visible(&w, &[(1, 0), (2, 9)]), [2, 6, 7]);
    // Nothing aborted: only control batches go.
    assert_eq!(visible(&w, &[]), [0, 2, 3, 6, 7, 9]);
    // The aborted list may come in any order.
    assert_eq!(visible(&w, &[(2, 9), (1, 0)]), [2, 6, 7]);
}

#[test]
fn read_committed_passes_legacy_and_partial_tails() {
    let mut b = LegacyMessageSetBuilder::new(1, 0);
    b.push(0, None, Some(b"old"));
    let mut w = b.build().unwrap().to_vec();
    txn_batch(&mut w, 1, 5, 1, true);
    let mut tail = Vec::new();
    txn_batch(&mut tail, 2, 5, 1, true);
    w.extend_from_slice(&tail[..20]);
    assert_eq!(visible(&w, &[(5, 1)]), [0, -1]);
}

#[test]
fn control_records_of_other_types_are_decoded() {
    // A KRaft leader-change control record: key version 0, type 2; value opaque here.
    let mut b = RecordBatchBuilder::new(0).control(true);
    b.push(
        NewRecord::new(0)
            .key(&[0, 0, 0, 2])
            .value(&[0, 0, 0, 0, 0, 1]),
    );
    let w = b.build().unwrap();
    let batch = RecordBatch::parse(&w, &RecordOptions::default()).unwrap();
    let c = batch
        .control_record(&RecordOptions::default())
        .unwrap()
        .unwrap();
    assert_eq!(c.control_type, ControlRecordType::LEADER_CHANGE);
    assert_eq!(c.coordinator_epoch, None);
    // A control record with a short key is an error.
    let mut b = RecordBatchBuilder::new(0).control(true);
    b.push(NewRecord::new(0).key(&[0, 0]));
    let w = b.build().unwrap();
    let batch = RecordBatch::parse(&w, &RecordOptions::default()).unwrap();
    let e = batch
        .control_record(&RecordOptions::default())
        .unwrap()
        .unwrap_err();
    assert_eq!(e.kind(), &RecordErrorKind::InvalidControlRecord);
    // Not a control batch.
    let mut b = RecordBatchBuilder::new(0);
    b.push(NewRecord::new(0));
    let w = b.build().unwrap();
    let batch = RecordBatch::parse(&w, &RecordOptions::default()).unwrap();
    assert!(batch.control_record(&RecordOptions::default()).is_none());
}

#[test]
fn for_each_record_walks_every_format() {
    let mut w = Vec::new();
    let mut b = LegacyMessageSetBuilder::new(0, 0);
    b.push(0, Some(b"a"), Some(b"0"));
    w.extend_from_slice(&b.build().unwrap());
    let mut b = LegacyMessageSetBuilder::new(1, 1).compression(Compression::Gzip);
    b.push(10, None, Some(b"1")).push(11, None, Some(b"2"));
    w.extend_from_slice(&b.build().unwrap());
    let mut b = RecordBatchBuilder::new(3).compression(Compression::Zstd);
    b.push(
        NewRecord::new(20)
            .value(b"3")
            .header(b"h", b"1")
            .header(b"h", b"2"),
    );
    w.extend_from_slice(&b.build().unwrap());
    marker(&mut w, 4, 9, ControlRecordType::COMMIT);
    let mut b = RecordBatchBuilder::new(5);
    b.push(NewRecord::new(30).value(b"5"));
    let cut = b.build().unwrap();
    w.extend_from_slice(&cut[..cut.len() - 3]);

    let mut seen = Vec::new();
    let tail = for_each_record(&w, &RecordOptions::default(), |r| {
        seen.push((
            r.offset,
            r.timestamp,
            r.magic,
            r.is_control,
            r.value.map(<[u8]>::to_vec),
            r.headers
                .map(|h| h.value.unwrap().to_vec())
                .collect::<Vec<_>>(),
        ));
    })
    .unwrap();
    let v = |s: &[u8]| Some(s.to_vec());
    assert_eq!(
        seen,
        vec![
            (0, None, 0, false, v(b"0"), vec![]),
            (1, Some(10), 1, false, v(b"1"), vec![]),
            (2, Some(11), 1, false, v(b"2"), vec![]),
            (
                3,
                Some(20),
                2,
                false,
                v(b"3"),
                vec![b"1".to_vec(), b"2".to_vec()]
            ),
            (4, Some(0), 2, true, v(&[0, 0, 0, 0, 0, 3]), vec![]),
        ]
    );
    let tail = tail.unwrap();
    assert_eq!(tail.base_offset, Some(5));
    assert_eq!(tail.full_size, Some(cut.len()));
}

#[test]
fn owned_slices_share_the_received_buffer() {
    let mut b = RecordBatchBuilder::new(0);
    b.push(
        NewRecord::new(0)
            .key(b"key")
            .value(b"value")
            .header(b"h", b"hv"),
    );
    let frame: Bytes = b.build().unwrap();
    let batch = RecordBatch::parse(&frame, &RecordOptions::default()).unwrap();
    let r = batch.records().unwrap().next().unwrap().unwrap();
    let k = r.key_bytes(&frame).unwrap();
    let v = r.value_bytes(&frame).unwrap();
    assert_eq!((&k[..], &v[..]), (&b"key"[..], &b"value"[..]));
    // Same memory, no copy.
    assert_eq!(v.as_ptr(), r.value().unwrap().as_ptr());
    let h = r.headers().next().unwrap();
    assert_eq!(h.value_bytes(&frame).unwrap(), "hv");
    assert_eq!(batch.raw_bytes(&frame).unwrap(), frame);
    // A buffer that does not hold the record gives None, not a panic.
    assert!(r.value_bytes(&Bytes::from_static(b"other")).is_none());

    // Compressed batches: slices of the decompressed buffer.
    let mut b = RecordBatchBuilder::new(0).compression(Compression::Snappy);
    b.push(NewRecord::new(0).value(b"packed value"));
    let frame = b.build().unwrap();
    let opts = RecordOptions::default();
    let batch = RecordBatch::parse(&frame, &opts).unwrap();
    let p = batch.payload(&opts).unwrap();
    assert!(p.is_decompressed());
    let r = p.records().next().unwrap().unwrap();
    assert_eq!(
        r.value_bytes(p.decompressed().unwrap()).unwrap(),
        "packed value"
    );
}

#[test]
fn log_append_time_and_delete_horizon() {
    let mut b = RecordBatchBuilder::new(0)
        .timestamp_type(TimestampType::LogAppendTime)
        .max_timestamp(5_000)
        .delete_horizon(4_000);
    b.push(NewRecord::new(4_010)).push(NewRecord::new(4_020));
    let w = b.build().unwrap();
    let batch = RecordBatch::parse(&w, &RecordOptions::default()).unwrap();
    assert_eq!(batch.timestamp_type(), TimestampType::LogAppendTime);
    assert_eq!(batch.delete_horizon(), Some(4_000));
    assert_eq!(batch.base_timestamp(), 4_000);
    let ts: Vec<(i64, i64)> = batch
        .records()
        .unwrap()
        .map(|r| {
            let r = r.unwrap();
            (r.timestamp_delta(), r.timestamp())
        })
        .collect();
    assert_eq!(ts, [(10, 5_000), (20, 5_000)]);
}

#[test]
fn base_timestamp_after_records_is_refused() {
    let mut b = RecordBatchBuilder::new(0);
    b.push(NewRecord::new(10));
    let e = b.base_timestamp(5).build().unwrap_err();
    assert!(matches!(e.kind(), RecordErrorKind::BuilderMisuse(_)));
    // Before any record it applies.
    let mut b = RecordBatchBuilder::new(0).base_timestamp(5);
    b.push(NewRecord::new(10));
    let w = b.build().unwrap();
    let batch = RecordBatch::parse(&w, &RecordOptions::default()).unwrap();
    assert_eq!(batch.base_timestamp(), 5);
    assert_eq!(
        batch
            .records()
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .timestamp_delta(),
        5
    );
}

//! Records walks: every entry of a records field under the decompression, memory and stack
//! budgets, and the builder's rebuild of every batch that parses.

use kafka_codec::messages::{FetchResponse, ProduceRequest};
use kafka_codec::records::{
    entries, read_committed, AbortedTransaction, Entry, RecordBatch, RecordBatchBuilder,
    RecordErrorKind, RecordOptions, BATCH_HEADER_LEN,
};

use crate::budget::{high_water, records_budget, MAX_DECOMPRESSED, RECORDS_STACK_BUDGET};
use crate::meter::{measure, Usage};

fn record_options(verify_crc: bool) -> RecordOptions {
    RecordOptions::default()
        .with_verify_crc(verify_crc)
        .with_max_decompressed_size(MAX_DECOMPRESSED)
}

/// Walks every entry of a records field: every record of every v2 batch (decompressing with
/// the limit), every message of every legacy entry, and the same field through the
/// `read_committed` filter. Checks the decompression limit and, for batches that parse,
/// that the builder rebuilds an uncompressed batch byte for byte and a compressed one with
/// the same records. Returns the number of records and messages seen.
pub fn walk_records(records: &[u8], aborted: &[AbortedTransaction], verify_crc: bool) -> usize {
    let opts = record_options(verify_crc);
    let mut seen = 0;
    for entry in entries(records, &opts) {
        match entry {
            Ok(Entry::Batch(b)) => seen += walk_batch(&b, &opts),
            Ok(Entry::Legacy(m)) => match m.messages(&opts) {
                Ok(msgs) => {
                    if let Some(d) = msgs.decompressed() {
                        assert!(d.len() <= MAX_DECOMPRESSED, "legacy wrapper over the limit");
                    }
                    for inner in msgs.iter() {
                        let Ok(inner) = inner else { break };
                        std::hint::black_box((
                            inner.offset(),
                            inner.timestamp(),
                            inner.key(),
                            inner.value(),
                        ));
                        seen += 1;
                    }
                }
                Err(e) => check_record_error(e.kind()),
            },
            Ok(Entry::Partial(p)) => {
                assert!(p.bytes.len() <= records.len());
                if let Some(full) = p.full_size {
                    assert!(full > p.bytes.len(), "a partial entry that is complete");
                }
            }
            Err(e) => {
                check_record_error(e.kind());
                let _ = e.to_string();
            }
        }
    }
    for entry in read_committed(entries(records, &opts), aborted, &opts) {
        if let Ok(Entry::Batch(b)) = entry {
            std::hint::black_box(b.base_offset());
        }
    }
    let _ = kafka_codec::records::for_each_record(records, &opts, |r| {
        std::hint::black_box((r.offset, r.key, r.value, r.headers.count()));
    });
    seen
}

fn check_record_error(kind: &RecordErrorKind) {
    if let RecordErrorKind::DecompressedTooLarge { limit } = kind {
        assert_eq!(*limit, MAX_DECOMPRESSED);
    }
}

fn walk_batch(b: &RecordBatch<'_>, opts: &RecordOptions) -> usize {
    std::hint::black_box((
        b.last_offset(),
        b.next_offset(),
        b.delete_horizon(),
        b.timestamp_type(),
    ));
    if let Some(Err(e)) = b.control_record(opts) {
        let _ = e.to_string();
    }
    let payload = match b.payload(opts) {
        Ok(p) => p,
        Err(e) => {
            check_record_error(e.kind());
            return 0;
        }
    };
    assert!(
        payload.as_slice().len() <= MAX_DECOMPRESSED || !payload.is_decompressed(),
        "decompressed {} bytes, over the limit",
        payload.as_slice().len()
    );
    let mut n = 0;
    let mut all_ok = true;
    for r in payload.records() {
        match r {
            Ok(r) => {
                let headers = r.headers().count();
                assert_eq!(headers, r.headers_count(), "header walk stopped early");
                std::hint::black_box((r.offset(), r.timestamp(), r.key(), r.value()));
                n += 1;
            }
            Err(e) => {
                let _ = e.to_string();
                all_ok = false;
            }
        }
    }
    if all_ok && b.verify_crc().is_ok() {
        check_rebuild(b, &payload, opts);
    }
    n
}

/// The builder, fed a parsed batch's header and records, must give the batch back: byte for
/// byte when uncompressed (its documented promise), the same records when compressed (our
/// compressor's output differs from the producer's).
fn check_rebuild(
    b: &RecordBatch<'_>,
    payload: &kafka_codec::records::RecordsPayload<'_>,
    opts: &RecordOptions,
) {
    let mut builder = RecordBatchBuilder::from_header(b.header());
    for r in payload.records() {
        builder.push_record(&r.expect("walked once already"));
    }
    let rebuilt = match builder.build() {
        Ok(x) => x,
        Err(e) => panic!("a batch that parsed does not rebuild: {e}"),
    };
    if !payload.is_decompressed() {
        if b.records_count() == 0 && b.raw().len() > BATCH_HEADER_LEN {
            // Record count 0 with bytes after the header: like Java, the records are not read
            // (README, deviations), so no builder can give those bytes back.
            return;
        }
        assert!(
            rebuilt[..] == b.raw()[..],
            "uncompressed batch not rebuilt byte for byte\n input: {:02x?}\noutput: {:02x?}",
            b.raw(),
            &rebuilt[..]
        );
        return;
    }
    let again = RecordBatch::parse(&rebuilt, opts).expect("rebuilt batch parses");
    let p2 = again.payload(opts).expect("rebuilt batch decompresses");
    let a: Vec<_> = payload.records().map(|r| r.unwrap().raw()).collect();
    let z: Vec<_> = p2.records().map(|r| r.unwrap().raw()).collect();
    assert_eq!(a, z, "compressed batch rebuilt with other records");
}

/// Walks the records of every partition of a Fetch response under [`records_budget`].
pub(crate) fn walk_fetch_response(m: &FetchResponse, input_len: usize) {
    let (_, usage) = measure(|| {
        let mut n = 0;
        for (_, p) in m.partitions() {
            n += walk_records(p.records_bytes(), &p.aborted(), true);
            n += walk_records(p.records_bytes(), &[], false);
        }
        n
    });
    check_records_usage(input_len, usage);
}

/// Walks the records of every partition of a Produce request under [`records_budget`].
pub(crate) fn walk_produce_request(m: &ProduceRequest, input_len: usize) {
    let (_, usage) = measure(|| {
        let mut n = 0;
        for t in &m.topic_data {
            for p in &t.partition_data {
                let r = p.records.as_deref().unwrap_or_default();
                n += walk_records(r, &[], true);
                n += walk_records(r, &[], false);
            }
        }
        n
    });
    check_records_usage(input_len, usage);
}

#[track_caller]
pub(crate) fn check_records_usage(input_len: usize, u: Usage) {
    high_water(2, "records walk peak bytes", u.peak, || {
        format!("input {input_len}")
    });
    high_water(3, "records walk stack bytes", u.stack, || {
        format!("input {input_len}")
    });
    assert!(
        u.peak <= records_budget(input_len),
        "walking records of {input_len} input bytes held {} bytes (budget {})",
        u.peak,
        records_budget(input_len)
    );
    assert!(
        u.stack <= RECORDS_STACK_BUDGET,
        "records walk: {} bytes of stack (budget {RECORDS_STACK_BUDGET})",
        u.stack
    );
}

//! Replays every input under `tests/fuzz_regressions/<target>/` through the same checks the
//! fuzz target of that name runs (`fuzz/src/lib.rs`, included here): no panic, allocations
//! within budget, exact re-encoding, bounded decompression and stack. A crash or slow input a
//! fuzzer finds is copied into the directory of its target and stays here for good.
//!
//! `roundtrip` and `structured` need the crate's `arbitrary` feature
//! (`cargo test --features arbitrary --test fuzz_regressions`); the others always run.

#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod checks;

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(target);
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return 0;
    };
    let mut files: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    files.sort();
    let mut n = 0;
    for path in files {
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        let result = std::panic::catch_unwind(|| check(&data));
        assert!(result.is_ok(), "{target}: {} fails", path.display());
        n += 1;
    }
    n
}

#[test]
fn decode_fetch() {
    replay("decode_fetch", checks::decode_fetch);
}

#[test]
fn decode_request() {
    replay("decode_request", checks::decode_request);
}

#[test]
fn decode_response() {
    replay("decode_response", checks::decode_response);
}

#[test]
fn record_batch() {
    replay("record_batch", checks::record_batch);
}

#[test]
fn consumer_protocol() {
    replay("consumer_protocol", checks::consumer_protocol);
}

#[cfg(feature = "arbitrary")]
#[test]
fn roundtrip() {
    replay("roundtrip", checks::roundtrip);
}

#[cfg(feature = "arbitrary")]
#[test]
fn structured() {
    replay("structured", checks::structured);
}

/// The meter the budgets rely on does see allocations made in the measured closure.
#[test]
fn allocation_meter_counts() {
    let (v, usage) = checks::measure(|| vec![0u8; 1 << 20]);
    assert_eq!(v.len(), 1 << 20);
    assert!(usage.total >= 1 << 20 && usage.peak >= 1 << 20, "{usage:?}");
}

/// Hostile counts and lengths of the kind that crashed other Kafka codecs: each must fail
/// cleanly within the allocation budget (the checks assert it).
#[test]
fn hostile_lengths_are_refused_within_budget() {
    // Metadata v0 request claiming i32::MAX topics, 10 bytes in all after the header.
    checks::decode_request(&[
        0, 3, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0, 0,
    ]);
    // A request header cut after two bytes.
    checks::decode_request(&[0, 1]);
    // Fetch response v4 claiming i32::MAX topics.
    checks::decode_fetch(&[1, 4, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff]);
    // A batch length of i32::MAX, and a legacy message claiming a huge key.
    let mut batch = vec![0u8; 8];
    batch.extend_from_slice(&i32::MAX.to_be_bytes());
    batch.extend_from_slice(&[0, 0, 0, 0, 2]);
    checks::record_batch(&[&[0u8][..], &batch].concat());
    checks::record_batch(&[&[1u8][..], &batch].concat());
}

/// The allocation budget's factor, checked against the worst nesting path of the schemas:
/// OffsetFetchRequest v8 groups (3 bytes minimum on the wire) > topics (3) > partition indexes
/// (4). Each array's count is checked against the bytes remaining before its `Vec` is
/// allocated, and each nested array may claim the same remaining bytes before its parent runs
/// out, so the claims add up along the path: ~62 bytes per input byte on x86-64 since the wire
/// bookkeeping moved out of line (8 bytes per struct instead of 40; ~84 before), below the
/// budget's 96.
#[test]
fn worst_nesting_path_stays_within_budget() {
    let len = 60_000;
    let mut body = Vec::with_capacity(len);
    let claim = |body: &mut Vec<u8>, min: usize| {
        let n = (len - body.len() - 5) / min;
        let mut v = n as u32 + 1; // compact array: count + 1
        while v >= 0x80 {
            body.push(v as u8 | 0x80);
            v >>= 7;
        }
        body.push(v as u8);
    };
    claim(&mut body, 3); // groups
    body.push(1); // group id ""
    claim(&mut body, 3); // topics
    body.push(1); // topic name ""
    claim(&mut body, 4); // partition indexes
    body.resize(len, 0);
    let payload = bytes::Bytes::from(body);
    let (res, usage) = checks::measure(|| {
        <kafka_codec::messages::OffsetFetchRequest as kafka_codec::Message>::from_bytes(
            payload.clone(),
            8,
        )
    });
    assert!(res.is_err());
    let per_byte = usage.total / len;
    assert!(per_byte > 48, "{usage:?}");
    assert!(usage.total <= checks::decode_budget(len), "{usage:?}");
}

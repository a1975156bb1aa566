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

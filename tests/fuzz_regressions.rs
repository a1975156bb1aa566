//! Replays every input under `tests/fuzz_regressions/<target>/` through the checks the fuzz
//! target of that name runs (the `kafka-codec-fuzz-checks` crate, which the cargo-fuzz binaries
//! in `fuzz/fuzz_targets/` call): no panic, allocations within budget, exact re-encoding,
//! bounded decompression and stack. A crash or slow input a fuzzer finds is copied into the
//! directory of its target and stays here for good.
//!
//! Every target must have at least one input here, and every directory here must name a
//! target: a missing or empty folder fails the test instead of replaying nothing.

use std::path::{Path, PathBuf};

use kafka_codec_fuzz_checks::{Check, TARGETS};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The input files of one target under `dir` (README files excepted), sorted.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let rd = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = rd
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "md"))
        .collect();
    files.sort();
    files
}

/// Runs `check` over every input of `target` under `base`; panics naming the first input that
/// fails, and when there is no input at all.
fn replay(base: &Path, target: &str, check: Check) -> usize {
    let files = inputs(&base.join(target));
    assert!(
        !files.is_empty(),
        "{target}: no inputs under {}",
        base.join(target).display()
    );
    for path in &files {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let result = std::panic::catch_unwind(|| check(&data));
        assert!(result.is_ok(), "{target}: {} fails", path.display());
    }
    files.len()
}

fn check_of(target: &str) -> Check {
    TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .unwrap_or_else(|| panic!("no target named {target}"))
        .1
}

fn regressions(target: &str) {
    let n = replay(
        &root().join("tests/fuzz_regressions"),
        target,
        check_of(target),
    );
    assert!(n > 0);
}

#[test]
fn decode_fetch() {
    regressions("decode_fetch");
}

#[test]
fn decode_request() {
    regressions("decode_request");
}

#[test]
fn decode_response() {
    regressions("decode_response");
}

#[test]
fn record_batch() {
    regressions("record_batch");
}

#[test]
fn consumer_protocol() {
    regressions("consumer_protocol");
}

#[test]
fn roundtrip() {
    regressions("roundtrip");
}

#[test]
fn structured() {
    regressions("structured");
}

#[test]
fn view() {
    regressions("view");
}

/// The list of checks, the cargo-fuzz binaries and the regression folders name the same
/// targets, so a new target cannot be added without its regression inputs, and a folder whose
/// name is misspelt is not silently ignored.
#[test]
fn every_target_has_a_binary_and_a_regression_folder() {
    let names = |dir: &Path, strip: &str| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| {
                e.expect("directory entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .filter(|n| !n.ends_with(".md"))
            .map(|n| n.trim_end_matches(strip).to_string())
            .collect();
        v.sort();
        v
    };
    let mut targets: Vec<String> = TARGETS.iter().map(|(n, _)| n.to_string()).collect();
    targets.sort();
    assert_eq!(names(&root().join("fuzz/fuzz_targets"), ".rs"), targets);
    assert_eq!(names(&root().join("tests/fuzz_regressions"), ""), targets);
}

/// Replays the whole local fuzz corpus (`fuzz/corpus/<target>/`, made by `fuzz/seeds.sh` and
/// grown by fuzzing; not committed) through every target. Run by `fuzz/coverage.sh` so the
/// coverage figure includes what the corpus reaches; fails if a target has no corpus.
#[test]
#[ignore = "needs fuzz/corpus (fuzz/seeds.sh); run by fuzz/coverage.sh"]
fn fuzz_corpus() {
    let base = std::env::var_os("KAFKA_FUZZ_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("fuzz/corpus"));
    for (target, check) in TARGETS {
        let n = replay(&base, target, *check);
        eprintln!("{target}: {n} corpus inputs replayed");
    }
}

/// The meter the budgets rely on does see allocations made in the measured closure.
#[test]
fn allocation_meter_counts() {
    let (v, usage) = kafka_codec_fuzz_checks::measure(|| vec![0u8; 1 << 20]);
    assert_eq!(v.len(), 1 << 20);
    assert!(usage.total >= 1 << 20 && usage.peak >= 1 << 20, "{usage:?}");
}

/// Hostile counts and lengths of the kind that crashed other Kafka codecs: each must fail
/// cleanly within the allocation budget (the checks assert it).
#[test]
fn hostile_lengths_are_refused_within_budget() {
    // Metadata v0 request claiming i32::MAX topics, 10 bytes in all after the header.
    kafka_codec_fuzz_checks::decode_request(&[
        0, 3, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0, 0,
    ]);
    // A request header cut after two bytes.
    kafka_codec_fuzz_checks::decode_request(&[0, 1]);
    // Fetch response v4 claiming i32::MAX topics.
    kafka_codec_fuzz_checks::decode_fetch(&[1, 4, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff]);
    // A batch length of i32::MAX, and a legacy message claiming a huge key.
    let mut batch = vec![0u8; 8];
    batch.extend_from_slice(&i32::MAX.to_be_bytes());
    batch.extend_from_slice(&[0, 0, 0, 0, 2]);
    kafka_codec_fuzz_checks::record_batch(&[&[0u8][..], &batch].concat());
    kafka_codec_fuzz_checks::record_batch(&[&[1u8][..], &batch].concat());
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
    let (res, usage) = kafka_codec_fuzz_checks::measure(|| {
        <kafka_codec::messages::OffsetFetchRequest as kafka_codec::Message>::from_bytes(
            payload.clone(),
            8,
        )
    });
    assert!(res.is_err());
    let per_byte = usage.total / len;
    assert!(per_byte > 48, "{usage:?}");
    assert!(
        usage.total <= kafka_codec_fuzz_checks::decode_budget(len),
        "{usage:?}"
    );
}

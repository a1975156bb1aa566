//! Records, positions and lag as Kafka's Java client computes them (issue 11): legacy wrapper
//! offsets and refusals, zstd windows and skippable frames, `read_committed` over empty control
//! batches, the next fetch position after a batch, lag by isolation level. Every case is built
//! from bytes that show it; the legacy Produce case also runs over the captured corpus.
// Messages are built field by field from `default()` (docs/design/round2.md: no struct
// literals outside src/, the types become #[non_exhaustive]).
#![allow(clippy::field_reassign_with_default)]
#![cfg(all(
    feature = "gzip",
    feature = "zstd",
    feature = "produce",
    feature = "fetch"
))]

use std::path::{Path, PathBuf};

use bytes::Bytes;
use kafka_codec::frame::decode_request;
use kafka_codec::messages::fetch_response::PartitionData;
use kafka_codec::records::*;
use kafka_codec::RequestBody;

/// A legacy message (magic 0 or 1) with its offset and size prefix, CRC-32 computed.
fn legacy(
    magic: i8,
    offset: i64,
    attributes: i8,
    timestamp: i64,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
) -> Vec<u8> {
    let mut body = vec![magic as u8, attributes as u8];
    if magic == 1 {
        body.extend_from_slice(&timestamp.to_be_bytes());
    }
    for field in [key, value] {
        match field {
            None => body.extend_from_slice(&(-1i32).to_be_bytes()),
            Some(b) => {
                body.extend_from_slice(&(b.len() as i32).to_be_bytes());
                body.extend_from_slice(b);
            }
        }
    }
    let mut out = offset.to_be_bytes().to_vec();
    out.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
    out.extend_from_slice(&crc32fast::hash(&body).to_be_bytes());
    out.extend_from_slice(&body);
    out
}

/// A gzip wrapper of `magic` at `offset` around inner messages of `inner_magic` with the given
/// offset fields.
fn wrapper(magic: i8, inner_magic: i8, offset: i64, inner_offsets: &[i64]) -> Vec<u8> {
    let mut inner = Vec::new();
    for (i, &o) in inner_offsets.iter().enumerate() {
        let v = format!("v{i}");
        inner.extend_from_slice(&legacy(
            inner_magic,
            o,
            0,
            1000 + i as i64,
            None,
            Some(v.as_bytes()),
        ));
    }
    let packed = compression::compress(Compression::Gzip, &inner, magic).unwrap();
    legacy(magic, offset, 1, 5000, None, Some(&packed))
}

fn offsets(wire: &[u8]) -> Result<Vec<i64>, RecordError> {
    let mut seen = Vec::new();
    for_each_record(wire, &RecordOptions::default(), |r| seen.push(r.offset))?;
    Ok(seen)
}

#[test]
fn legacy_wrapper_offsets_follow_the_java_deep_iterator() {
    // (wrapper magic, inner magic, wrapper offset, inner offset fields) -> offsets
    type Case<'a> = (i8, i8, i64, &'a [i64], &'a [i64]);
    let cases: &[Case] = &[
        // Produce requests from kafka-python, sarama, kafka-go: wrapper offset 0.
        (1, 1, 0, &[0, 1, 2], &[0, 1, 2]),
        // Fetched from a log: the wrapper holds the last absolute offset.
        (1, 1, 12, &[0, 1, 2], &[10, 11, 12]),
        // A magic-1 wrapper converts whatever the inner magic.
        (1, 0, 12, &[0, 1, 2], &[10, 11, 12]),
        // Equal to the last inner offset: base 0.
        (1, 1, 2, &[0, 1, 2], &[0, 1, 2]),
        // Magic-0 wrappers carry absolute inner offsets.
        (0, 0, 7, &[5, 6, 7], &[5, 6, 7]),
        (0, 0, 0, &[5, 6, 7], &[5, 6, 7]),
    ];
    for &(wm, im, wo, inner, want) in cases {
        let w = wrapper(wm, im, wo, inner);
        assert_eq!(
            offsets(&w).unwrap(),
            want,
            "wrapper magic {wm} inner {im} offset {wo}"
        );
    }
}

#[test]
fn legacy_wrappers_java_refuses_are_refused() {
    // Wrapper offset below its last inner offset and not 0.
    let w = wrapper(1, 1, 1, &[0, 1, 2]);
    let e = offsets(&w).unwrap_err();
    assert_eq!(
        e.kind(),
        &RecordErrorKind::InvalidWrapperOffset {
            wrapper: 1,
            last_inner: 2
        }
    );
    // A wrapper with no inner message.
    let w = wrapper(1, 1, 5, &[]);
    assert_eq!(
        offsets(&w).unwrap_err().kind(),
        &RecordErrorKind::EmptyWrapper
    );
    let w = wrapper(0, 0, 5, &[]);
    assert_eq!(
        offsets(&w).unwrap_err().kind(),
        &RecordErrorKind::EmptyWrapper
    );
    // zstd in a magic-1 wrapper (attributes codec 4), even with a valid zstd payload.
    let inner = legacy(1, 0, 0, 1, None, Some(b"x"));
    let packed = compression::compress(Compression::Zstd, &inner, 2).unwrap();
    let w = legacy(1, 0, 4, 1, None, Some(&packed));
    assert_eq!(
        offsets(&w).unwrap_err().kind(),
        &RecordErrorKind::CodecNotAllowed {
            codec: Compression::Zstd,
            magic: 1
        }
    );
}

fn captures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/captures")
}

fn produce_requests(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            produce_requests(&p, out);
        } else if name.contains("-Produce-v") && name.ends_with(".req.bin") {
            out.push(p);
        }
    }
}

/// Every legacy compressed wrapper a real producer sent in the corpus (kafka-python's Produce
/// v0-v2, wrapper offset 0) reads with Java's offsets: 0, 1, 2, ... within the wrapper.
#[test]
fn captured_legacy_compressed_produce_requests_have_java_offsets() {
    let mut files = Vec::new();
    produce_requests(&captures(), &mut files);
    files.sort();
    let opts = RecordOptions::default();
    let mut wrappers = 0;
    for f in &files {
        let frame = Bytes::from(std::fs::read(f).unwrap());
        let Ok(req) = decode_request(frame) else {
            continue; // frames a peer got wrong are the corpus tests' business
        };
        let RequestBody::Produce(p) = &req.body else {
            continue;
        };
        for t in &p.topic_data {
            for part in &t.partition_data {
                let records = part.records.as_deref().unwrap_or(&[]);
                for e in entries(records, &opts) {
                    let Entry::Legacy(m) = e.unwrap() else {
                        continue;
                    };
                    if m.compression().unwrap() == Compression::None {
                        continue;
                    }
                    wrappers += 1;
                    let got: Vec<i64> = m
                        .messages(&opts)
                        .unwrap()
                        .iter()
                        .map(|x| x.unwrap().offset())
                        .collect();
                    let want: Vec<i64> = (0..got.len() as i64).collect();
                    assert_eq!(got, want, "{}", f.display());
                    assert_eq!(m.wire_offset(), 0, "{}", f.display());
                }
            }
        }
    }
    assert!(
        wrappers > 0,
        "no legacy compressed Produce request among {} files",
        files.len()
    );
}

/// "hello kafka " x 20 as `zstd --ultra -22` (libzstd 1.5.4) writes it from a stream of unknown
/// size: no content size, window descriptor 0x88 (2^27 = 128 MiB), checksum. A Java producer at
/// `compression.zstd.level` 20-22 declares the same window.
const ZSTD_LEVEL22: &str = "28b52ffd04889d00006068656c6c6f206b61666b61200100e1532509167259b1";

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn hello() -> Vec<u8> {
    b"hello kafka ".repeat(20)
}

#[test]
fn zstd_frames_with_a_128_mib_window_decode_within_a_small_limit() {
    let frame = unhex(ZSTD_LEVEL22);
    assert_eq!(frame[5], 0x88);
    let small = RecordOptions::default().with_max_decompressed_size(4096);
    let out = compression::decompress(Compression::Zstd, &frame, 2, &small).unwrap();
    assert_eq!(out, hello());
    // The output limit still guards: a limit below the content stops it.
    let tiny = RecordOptions::default().with_max_decompressed_size(100);
    assert_eq!(
        compression::decompress(Compression::Zstd, &frame, 2, &tiny).unwrap_err(),
        RecordErrorKind::DecompressedTooLarge { limit: 100 }
    );
    // One step above 2^27 (2^27 + 2^24) is refused before decoding.
    let mut big = frame.clone();
    big[5] = 0x89;
    let e = compression::decompress(Compression::Zstd, &big, 2, &small).unwrap_err();
    assert!(
        matches!(&e, RecordErrorKind::Decompression { reason, .. } if reason.contains("window")),
        "{e:?}"
    );
}

fn skippable(magic_low: u8, content: &[u8]) -> Vec<u8> {
    let mut f = vec![0x50 | magic_low, 0x2a, 0x4d, 0x18];
    f.extend_from_slice(&(content.len() as u32).to_le_bytes());
    f.extend_from_slice(content);
    f
}

#[test]
fn zstd_skippable_frames_are_skipped() {
    let frame = unhex(ZSTD_LEVEL22);
    let mut input = skippable(0, b"meta");
    input.extend_from_slice(&frame);
    input.extend_from_slice(&skippable(0xf, b""));
    input.extend_from_slice(&frame);
    input.extend_from_slice(&skippable(7, &[0xff; 10]));
    let out =
        compression::decompress(Compression::Zstd, &input, 2, &RecordOptions::default()).unwrap();
    assert_eq!(out, [hello(), hello()].concat());
    // A payload of skippable frames only decodes to nothing.
    let out = compression::decompress(
        Compression::Zstd,
        &skippable(3, b"x"),
        2,
        &RecordOptions::default(),
    )
    .unwrap();
    assert!(out.is_empty());
    // A skippable frame whose length runs past the payload is an error.
    let mut cut = skippable(0, b"meta");
    cut.truncate(10);
    assert!(matches!(
        compression::decompress(Compression::Zstd, &cut, 2, &RecordOptions::default()),
        Err(RecordErrorKind::Decompression { .. })
    ));
}

fn data_batch(base: i64, pid: i64, transactional: bool, n: usize) -> Bytes {
    let mut b = RecordBatchBuilder::new(base)
        .producer(pid, 0, 0)
        .transactional(transactional);
    for i in 0..n {
        b.push(NewRecord::new(1_700_000_000_000 + i as i64).value(b"x"));
    }
    b.build().unwrap()
}

/// A control batch with no record left (the log cleaner keeps such a batch of a producer that
/// is still in the aborted list): offsets `base..=base+delta`.
fn empty_control_batch(base: i64, pid: i64, delta: i32) -> Bytes {
    RecordBatchBuilder::new(base)
        .producer(pid, 0, -1)
        .transactional(true)
        .control(true)
        .last_offset_delta(delta)
        .build()
        .unwrap()
}

#[test]
fn read_committed_passes_an_empty_control_batch() {
    let mut wire = Vec::new();
    wire.extend_from_slice(&data_batch(0, 7, true, 1)); // aborted by producer 7
    wire.extend_from_slice(&empty_control_batch(1, 7, 0));
    wire.extend_from_slice(&data_batch(2, 8, true, 2)); // producer 8, committed
    let opts = RecordOptions::default();
    let aborted = [AbortedTransaction {
        producer_id: 7,
        first_offset: 0,
    }];
    let visible: Vec<i64> = read_committed(entries(&wire, &opts), &aborted, &opts)
        .map(|e| match e.unwrap() {
            Entry::Batch(b) => b.base_offset(),
            _ => -1,
        })
        .collect();
    assert_eq!(visible, [2]);
    let mut seen = Vec::new();
    let done = consume(
        &wire,
        0,
        IsolationLevel::ReadCommitted,
        &aborted,
        &opts,
        |r| seen.push(r.offset),
    )
    .unwrap();
    assert_eq!(seen, [2, 3]);
    assert_eq!(done.next_offset, 4);
}

fn walk(wire: &[u8], position: i64, isolation: IsolationLevel) -> (Vec<i64>, i64) {
    let aborted = [AbortedTransaction {
        producer_id: 7,
        first_offset: 0,
    }];
    let mut seen = Vec::new();
    let done = consume(
        wire,
        position,
        isolation,
        &aborted,
        &RecordOptions::default(),
        |r| seen.push(r.offset),
    )
    .unwrap();
    (seen, done.next_offset)
}

#[test]
fn next_position_comes_from_the_last_batch() {
    use IsolationLevel::ReadUncommitted as RU;
    // Compacted: written as offsets 0..=4, records 0..=2 left.
    let mut b = RecordBatchBuilder::new(0).last_offset_delta(4);
    for _ in 0..3 {
        b.push(NewRecord::new(1).value(b"x"));
    }
    let compacted = b.build().unwrap();
    assert_eq!(walk(&compacted, 0, RU), (vec![0, 1, 2], 5));
    // Fetched again from 3 (as a consumer following the last record would): nothing, but past.
    assert_eq!(walk(&compacted, 3, RU), (vec![], 5));
    // A batch fetched from its middle: records below the position are not handed out.
    assert_eq!(
        walk(&data_batch(10, -1, false, 4), 12, RU),
        (vec![12, 13], 14)
    );
    // An empty batch: nothing to see, position past it.
    assert_eq!(walk(&empty_control_batch(20, 9, 2), 20, RU), (vec![], 23));
    let empty_data = RecordBatchBuilder::new(30)
        .last_offset_delta(1)
        .build()
        .unwrap();
    assert_eq!(walk(&empty_data, 30, RU), (vec![], 32));
    // A transaction marker at the log end: not data, passed.
    let mut wire = data_batch(0, 8, true, 2).to_vec();
    wire.extend_from_slice(
        &RecordBatchBuilder::transaction_marker(2, 8, 0, ControlRecordType::COMMIT, 1, 0).unwrap(),
    );
    assert_eq!(walk(&wire, 0, RU), (vec![0, 1], 3));
    assert_eq!(
        walk(&wire, 0, IsolationLevel::ReadCommitted),
        (vec![0, 1], 3)
    );
    // An aborted transaction with its marker: hidden under read_committed, position past both.
    let mut wire = data_batch(0, 7, true, 2).to_vec();
    wire.extend_from_slice(
        &RecordBatchBuilder::transaction_marker(2, 7, 0, ControlRecordType::ABORT, 1, 0).unwrap(),
    );
    assert_eq!(walk(&wire, 0, IsolationLevel::ReadCommitted), (vec![], 3));
    assert_eq!(walk(&wire, 0, RU), (vec![0, 1], 3));
    // A truncated tail: the position stays after the last complete batch.
    let mut wire = compacted.to_vec();
    wire.extend_from_slice(&data_batch(5, -1, false, 2)[..20]);
    let done = consume(&wire, 0, RU, &[], &RecordOptions::default(), |_| {}).unwrap();
    assert_eq!(done.next_offset, 5);
    assert!(done.partial.is_some());
    // Nothing complete at all: the position does not move.
    let done = consume(
        &wire[compacted.len()..],
        5,
        RU,
        &[],
        &RecordOptions::default(),
        |_| {},
    )
    .unwrap();
    assert_eq!((done.next_offset, done.delivered), (5, 0));
    // A legacy wrapper: the offset after its last inner message.
    assert_eq!(
        walk(&wrapper(1, 1, 12, &[0, 1, 2]), 11, RU),
        (vec![11, 12], 13)
    );
    // Entry::next_offset exposes the same for callers walking entries themselves.
    let e = entries(&compacted, &RecordOptions::default())
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(e.next_offset(), Some(5));
}

#[test]
fn lag_follows_the_isolation_level_and_can_be_unknown() {
    let mut p = PartitionData::default();
    p.high_watermark = 10;
    p.last_stable_offset = 8;
    assert_eq!(p.lag(6, IsolationLevel::ReadUncommitted), Lag::Known(4));
    assert_eq!(p.lag(6, IsolationLevel::ReadCommitted), Lag::Known(2));
    // A partition that answered with an error carries -1.
    p.high_watermark = -1;
    p.last_stable_offset = -1;
    assert_eq!(p.lag(6, IsolationLevel::ReadUncommitted), Lag::Unknown);
    assert_eq!(p.lag(6, IsolationLevel::ReadCommitted), Lag::Unknown);
    assert_eq!(Lag::Unknown.known(), None);
    assert_eq!(Lag::Unknown.to_string(), "unknown");
    // Fetch before v4 has no last stable offset: unknown under read_committed only.
    p.high_watermark = 10;
    assert_eq!(p.lag(10, IsolationLevel::ReadUncommitted), Lag::Known(0));
    assert_eq!(p.lag(10, IsolationLevel::ReadCommitted), Lag::Unknown);
}

/// A v2 batch with one record whose fields are given raw (after the length varint), `count`
/// declared, CRC computed by the header encoder.
fn raw_batch(records: &[u8], count: i32) -> Vec<u8> {
    let mut h = BatchHeader::default();
    h.records_count = count;
    let mut out = bytes::BytesMut::new();
    h.encode(records, &mut out).unwrap();
    out.to_vec()
}

/// Offset, key, value and header values of a record.
type Fields = (i64, Option<Vec<u8>>, Option<Vec<u8>>, Vec<Option<Vec<u8>>>);

fn record_fields(wire: &[u8]) -> Vec<Fields> {
    let mut out = Vec::new();
    for_each_record(wire, &RecordOptions::default(), |r| {
        out.push((
            r.offset,
            r.key.map(<[u8]>::to_vec),
            r.value.map(<[u8]>::to_vec),
            r.headers
                .clone()
                .map(|h| h.value.map(<[u8]>::to_vec))
                .collect(),
        ))
    })
    .unwrap();
    out
}

#[test]
fn negative_lengths_in_records_are_null_as_in_java() {
    // attributes 0, timestamp delta 0, offset delta 0, key length -2 (zigzag 3), value length
    // -7 (zigzag 13), 1 header: key "h", value length -3 (zigzag 5).
    let fields = [0u8, 0, 0, 3, 13, 2, 2, b'h', 5];
    let mut rec = vec![(fields.len() as u8) * 2];
    rec.extend_from_slice(&fields);
    assert_eq!(
        record_fields(&raw_batch(&rec, 1)),
        [(0, None, None, vec![None])]
    );
    // A negative header key length is still refused (Java: "Invalid negative header key size").
    let fields = [0u8, 0, 0, 1, 1, 2, 5, 1];
    let mut rec = vec![(fields.len() as u8) * 2];
    rec.extend_from_slice(&fields);
    let e = for_each_record(&raw_batch(&rec, 1), &RecordOptions::default(), |_| {}).unwrap_err();
    assert_eq!(e.kind(), &RecordErrorKind::NullHeaderKey);
    // Legacy: key length -5 is null too.
    let mut m = legacy(1, 3, 0, 9, None, Some(b"v"));
    m[22..26].copy_from_slice(&(-5i32).to_be_bytes()); // the key length field
    let crc = crc32fast::hash(&m[16..]);
    m[12..16].copy_from_slice(&crc.to_be_bytes());
    assert_eq!(record_fields(&m), [(3, None, Some(b"v".to_vec()), vec![])]);
}

#[test]
fn over_long_varints_in_records_are_read_as_in_java() {
    // The same record as [0,0,0,1,2,b'a',0] with every varint padded by zero groups:
    // attributes 0, timestamp delta 0 as 0x80 0x00, offset delta 1 (zigzag 2) as 0x82 0x80 0x00,
    // key -1, value length 1 as 0x82 0x00, "a", header count 0 as 0x80 0x80 0x00.
    let fields = [
        0u8, 0x80, 0x00, 0x82, 0x80, 0x00, 1, 0x82, 0x00, b'a', 0x80, 0x80, 0x00,
    ];
    // The record length itself over-long too: 13 (zigzag 26) as 0x9a 0x00.
    let mut rec = vec![0x9a, 0x00];
    rec.extend_from_slice(&fields);
    let mut h = BatchHeader::default();
    h.records_count = 1;
    h.last_offset_delta = 1;
    let mut out = bytes::BytesMut::new();
    h.encode(&rec, &mut out).unwrap();
    assert_eq!(
        record_fields(&out),
        [(1, None, Some(b"a".to_vec()), vec![])]
    );
    // A continuation bit on the fifth byte of an int varint is still an error.
    let fields = [0u8, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, b'a', 0];
    let mut rec = vec![(fields.len() as u8) * 2];
    rec.extend_from_slice(&fields);
    let e = for_each_record(&raw_batch(&rec, 1), &RecordOptions::default(), |_| {}).unwrap_err();
    assert_eq!(e.kind(), &RecordErrorKind::InvalidVarint);
}

#[test]
fn record_count_zero_ignores_the_payload() {
    // Bytes of a valid record, but the header declares none: no record (Java's iterator is empty
    // for a zero count and never reads the payload).
    let rec = [14u8, 0, 0, 0, 1, 2, b'a', 0];
    let wire = raw_batch(&rec, 0);
    assert!(record_fields(&wire).is_empty());
    let batch = RecordBatch::parse(&wire, &RecordOptions::default()).unwrap();
    assert_eq!(batch.records().unwrap().count(), 0);
    batch.validate(&RecordOptions::default()).unwrap();
    // Even garbage in a compressed batch of count 0 is not looked at by the walkers.
    let mut h = BatchHeader::default();
    h.records_count = 0;
    h.last_offset_delta = 0;
    h.attributes = BatchAttributes::default().with_compression(Compression::Gzip);
    let mut out = bytes::BytesMut::new();
    h.encode(b"not gzip", &mut out).unwrap();
    assert!(record_fields(&out).is_empty());
    let done = consume(
        &out,
        0,
        IsolationLevel::ReadUncommitted,
        &[],
        &RecordOptions::default(),
        |_| {},
    )
    .unwrap();
    assert_eq!(done.next_offset, 1);
    // One declared with bytes for two is still a count mismatch.
    let two = [&rec[..], &rec[..]].concat();
    let e = for_each_record(&raw_batch(&two, 1), &RecordOptions::default(), |_| {}).unwrap_err();
    assert!(matches!(
        e.kind(),
        RecordErrorKind::RecordCountMismatch { .. }
    ));
}

#[test]
fn gzip_trailing_garbage_is_ignored_as_by_java() {
    let opts = RecordOptions::default();
    let mut packed = compression::compress(Compression::Gzip, b"hello", 2).unwrap();
    packed.extend_from_slice(&compression::compress(Compression::Gzip, b" kafka", 2).unwrap());
    packed.extend_from_slice(b"\x00\x01garbage");
    assert_eq!(
        compression::decompress(Compression::Gzip, &packed, 2, &opts).unwrap(),
        b"hello kafka"
    );
    // A second member that starts like one but is corrupt is an error, as in Java.
    let mut bad = compression::compress(Compression::Gzip, b"hello", 2).unwrap();
    bad.extend_from_slice(&[0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff]);
    assert!(compression::decompress(Compression::Gzip, &bad, 2, &opts).is_err());
}

#[test]
fn lz4_dependent_blocks_are_refused_and_magic0_header_checksums_ignored() {
    use std::io::Write;
    let opts = RecordOptions::default();
    let data: Vec<u8> = (0..200_000u32)
        .map(|i| (i % 251) as u8 ^ (i / 997) as u8)
        .collect();
    let info = lz4_flex::frame::FrameInfo::new()
        .block_size(lz4_flex::frame::BlockSize::Max64KB)
        .block_mode(lz4_flex::frame::BlockMode::Linked);
    let mut enc = lz4_flex::frame::FrameEncoder::with_frame_info(info, Vec::new());
    enc.write_all(&data).unwrap();
    let linked = enc.finish().unwrap();
    assert_eq!(linked[4] & 0x20, 0, "block independence flag clear");
    let e = compression::decompress(Compression::Lz4, &linked, 2, &opts).unwrap_err();
    assert!(
        matches!(&e, RecordErrorKind::Decompression { reason, .. } if reason.contains("dependent")),
        "{e:?}"
    );
    // "hello kafka " x 20 as the lz4 CLI (v1.9.4) writes it; byte 6 is the header checksum.
    let frame =
        unhex("04224d186440a716000000cf68656c6c6f206b61666b61200c00cc5061666b61200000000016d0fa39");
    assert_eq!(
        compression::decompress(Compression::Lz4, &frame, 2, &opts).unwrap(),
        hello()
    );
    let mut wrong = frame.clone();
    wrong[6] ^= 0x5a;
    // Magic 0: any header checksum passes (Java skips the check); magic 1 and 2: refused.
    assert_eq!(
        compression::decompress(Compression::Lz4, &wrong, 0, &opts).unwrap(),
        hello()
    );
    assert!(compression::decompress(Compression::Lz4, &wrong, 1, &opts).is_err());
    assert!(compression::decompress(Compression::Lz4, &wrong, 2, &opts).is_err());
}

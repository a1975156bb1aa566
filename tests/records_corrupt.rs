//! Corrupted, truncated and hostile inputs: each gives a named error (or, for a short tail, a
//! partial entry), never a panic.
// Uses every codec: needs the default features.
#![cfg(all(
    feature = "gzip",
    feature = "snappy",
    feature = "lz4",
    feature = "zstd"
))]

use bytes::BytesMut;
use kafka_codec::records::*;

fn sample(codec: Compression) -> Vec<u8> {
    let mut b = RecordBatchBuilder::new(100).compression(codec);
    for i in 0..5u8 {
        b.push(
            NewRecord::new(1_000 + i as i64)
                .key(&[i; 3])
                .value(&[i; 20])
                .header(b"h", &[i]),
        );
    }
    b.build().unwrap().to_vec()
}

fn legacy_sample(magic: i8, codec: Compression) -> Vec<u8> {
    let mut b = LegacyMessageSetBuilder::new(magic, 10).compression(codec);
    b.push(1, Some(b"k"), Some(b"value one"))
        .push(2, None, Some(b"value two"));
    b.build().unwrap().to_vec()
}

/// Walks everything reachable, returning the first error.
fn walk(wire: &[u8], opts: &RecordOptions) -> Result<usize, RecordError> {
    let mut n = 0;
    for e in entries(wire, opts) {
        match e? {
            Entry::Batch(b) => {
                let p = b.payload(opts)?;
                for r in p.records() {
                    let r = r?;
                    n += r.headers().count() + 1;
                }
                let _ = b.control_record(opts);
            }
            Entry::Legacy(m) => {
                for m in m.messages(opts)?.iter() {
                    m?;
                    n += 1;
                }
            }
            Entry::Partial(_) => {}
        }
    }
    Ok(n)
}

const CODECS: [Compression; 5] = [
    Compression::None,
    Compression::Gzip,
    Compression::Snappy,
    Compression::Lz4,
    Compression::Zstd,
];

#[test]
fn every_flipped_byte_after_the_crc_field_is_a_crc_mismatch() {
    for codec in CODECS {
        let wire = sample(codec);
        for i in CRC_START..wire.len() {
            let mut bad = wire.clone();
            bad[i] ^= 0x01;
            let e = RecordBatch::parse(&bad, &RecordOptions::default()).unwrap_err();
            assert!(
                matches!(e.kind(), RecordErrorKind::CrcMismatch { .. }),
                "{codec:?} byte {i}: {e}"
            );
            assert_eq!(e.base_offset(), Some(100));
        }
        // The CRC field itself.
        let mut bad = wire.clone();
        bad[17] ^= 0x80;
        let e = RecordBatch::parse(&bad, &RecordOptions::default()).unwrap_err();
        assert_eq!(e.offset(), 17);
    }
}

#[test]
fn crc_check_can_be_skipped() {
    let mut wire = sample(Compression::None);
    wire[17] ^= 0xff;
    let opts = RecordOptions::default().with_verify_crc(false);
    assert_eq!(walk(&wire, &opts).unwrap(), 10);
}

#[test]
fn legacy_crc_mismatch() {
    for magic in [0, 1] {
        let wire = legacy_sample(magic, Compression::None);
        for i in 16..wire.len() / 2 {
            let mut bad = wire.clone();
            bad[i] ^= 0x04;
            let e = walk(&bad, &RecordOptions::default()).unwrap_err();
            assert!(
                matches!(
                    e.kind(),
                    RecordErrorKind::CrcMismatch { .. } | RecordErrorKind::UnknownMagic(_)
                ),
                "magic {magic} byte {i}: {e}"
            );
        }
    }
}

#[test]
fn truncation_at_every_byte_is_a_partial_tail_or_truncated() {
    let mut all = Vec::new();
    for codec in CODECS {
        all.push(sample(codec));
    }
    for magic in [0, 1] {
        all.push(legacy_sample(magic, Compression::None));
        all.push(legacy_sample(magic, Compression::Gzip));
    }
    for wire in all {
        for cut in 0..wire.len() {
            let short = &wire[..cut];
            // In a records field, a cut entry is a partial tail, not an error.
            let got: Vec<_> = entries(short, &RecordOptions::default()).collect();
            if cut > 0 {
                let last = got
                    .last()
                    .unwrap()
                    .as_ref()
                    .unwrap_or_else(|e| panic!("cut {cut}: {e}"));
                match last {
                    Entry::Partial(p) => {
                        assert_eq!(p.bytes.len() + p.byte_offset, cut);
                        assert_eq!(p.base_offset.is_some(), p.bytes.len() >= 8);
                    }
                    // Legacy sets hold several entries: the cut may fall between them.
                    Entry::Legacy(_) => {}
                    Entry::Batch(_) => panic!("cut batch at {cut} parsed as complete"),
                }
            }
            // Parsed directly, a cut batch is an error, never a panic.
            if wire[16] == 2 {
                let e = RecordBatch::parse(short, &RecordOptions::default()).unwrap_err();
                assert!(matches!(e.kind(), RecordErrorKind::Truncated { .. }), "{e}");
            }
        }
    }
}

#[test]
fn a_partial_tail_after_complete_batches() {
    let mut wire = sample(Compression::None);
    let second = sample(Compression::Lz4);
    let first_len = wire.len();
    wire.extend_from_slice(&second[..second.len() - 1]);
    let got: Vec<_> = entries(&wire, &RecordOptions::default())
        .map(Result::unwrap)
        .collect();
    assert_eq!(got.len(), 2);
    assert!(matches!(got[0], Entry::Batch(_)));
    let Entry::Partial(p) = got[1] else { panic!() };
    assert_eq!(p.byte_offset, first_len);
    assert_eq!(p.full_size, Some(second.len()));
    assert_eq!(p.base_offset, Some(100));
}

/// Rewrites the header of an uncompressed batch and recomputes its CRC, so that the lie reaches
/// the record parser.
fn with_header(wire: &[u8], f: impl FnOnce(&mut BatchHeader)) -> Vec<u8> {
    let b = RecordBatch::parse(wire, &RecordOptions::default()).unwrap();
    let mut h = *b.header();
    f(&mut h);
    let mut out = BytesMut::new();
    h.encode(b.records_payload(), &mut out).unwrap();
    out.to_vec()
}

fn record_error(wire: &[u8]) -> RecordErrorKind {
    walk(wire, &RecordOptions::default())
        .unwrap_err()
        .kind()
        .clone()
}

#[test]
fn record_count_mismatch() {
    let wire = sample(Compression::None);
    // Count 0 is not among them: Java yields no record and ignores the bytes (see
    // tests/records_java.rs).
    for count in [1, 4, 6, 1000, i32::MAX] {
        let bad = with_header(&wire, |h| h.records_count = count);
        assert!(
            matches!(
                record_error(&bad),
                RecordErrorKind::RecordCountMismatch { declared, .. } if declared == count
            ),
            "{count}"
        );
    }
    // Compressed batches too.
    let wire = sample(Compression::Gzip);
    let b = RecordBatch::parse(&wire, &RecordOptions::default()).unwrap();
    let mut h = *b.header();
    h.records_count = 7;
    let mut out = BytesMut::new();
    h.encode(b.records_payload(), &mut out).unwrap();
    assert!(matches!(
        record_error(&out),
        RecordErrorKind::RecordCountMismatch {
            declared: 7,
            found: 5
        }
    ));
}

#[test]
fn negative_counts_and_lengths() {
    let wire = sample(Compression::None);
    let bad = with_header(&wire, |h| h.records_count = -1);
    assert!(matches!(
        record_error(&bad),
        RecordErrorKind::InvalidLength {
            field: "recordsCount",
            length: -1,
            ..
        }
    ));
    // batchLength below the header size, and negative.
    for len in [-1i32, 0, 48] {
        let mut bad = wire.clone();
        bad[8..12].copy_from_slice(&len.to_be_bytes());
        assert!(
            matches!(record_error(&bad), RecordErrorKind::InvalidLength { .. }),
            "{len}"
        );
    }
}

/// An uncompressed batch holding exactly `records` (raw record bytes), count `count`.
fn raw_batch(records: &[u8], count: i32) -> Vec<u8> {
    let h = BatchHeader {
        records_count: count,
        ..BatchHeader::default()
    };
    let mut out = BytesMut::new();
    h.encode(records, &mut out).unwrap();
    out.to_vec()
}

#[test]
fn lying_record_lengths() {
    // length 10, attributes, ts delta 0, offset delta 0, key -1, value len 2 "ab", 0 headers
    let good = [0x10u8, 0, 0, 0, 1, 4, b'a', b'b', 0];
    assert_eq!(
        walk(&raw_batch(&good[1..], 1), &RecordOptions::default()).ok(),
        None
    );
    let ok = [&[16u8][..], &good[1..]].concat();
    assert_eq!(good.len() - 1, 8);
    // length says 8 bytes (zigzag 16): correct.
    assert_eq!(
        walk(&raw_batch(&ok, 1), &RecordOptions::default()).unwrap(),
        1
    );
    // Record length longer than the payload.
    let long = [&[40u8][..], &good[1..]].concat();
    assert!(matches!(
        record_error(&raw_batch(&long, 1)),
        RecordErrorKind::InvalidLength {
            field: "length",
            length: 20,
            ..
        }
    ));
    // Record length shorter than its fields.
    let short = [&[14u8][..], &good[1..]].concat();
    let e = record_error(&raw_batch(&short, 1));
    assert!(
        matches!(
            e,
            RecordErrorKind::Truncated { .. } | RecordErrorKind::RecordLengthMismatch { .. }
        ),
        "{e:?}"
    );
    // Negative record length.
    let neg = [&[3u8][..], &good[1..]].concat();
    assert!(matches!(
        record_error(&raw_batch(&neg, 1)),
        RecordErrorKind::InvalidLength {
            field: "length",
            length: -2,
            ..
        }
    ));
    // Value length past the record: value len 100 (zigzag 200 = 0xc8 0x01).
    let lie = [16u8, 0, 0, 0, 1, 0xc8, 0x01, b'b', 0];
    let e = record_error(&raw_batch(&lie, 1));
    assert!(
        matches!(
            e,
            RecordErrorKind::InvalidLength {
                field: "valueLength",
                length: 100,
                ..
            }
        ),
        "{e:?}"
    );
    // Key length -2: null, as Java's record reader takes any negative length (the batch is
    // kept raw, so nothing is lost; tests/records_java.rs covers values and headers).
    let lie = [16u8, 0, 0, 0, 3, 4, b'a', b'b', 0];
    assert_eq!(
        walk(&raw_batch(&lie, 1), &RecordOptions::default()).unwrap(),
        1
    );
    // Negative header count.
    let lie = [16u8, 0, 0, 0, 1, 4, b'a', b'b', 1];
    assert!(matches!(
        record_error(&raw_batch(&lie, 1)),
        RecordErrorKind::InvalidLength {
            field: "headersCount",
            length: -1,
            ..
        }
    ));
    // Null header key: 1 header, key -1, value -1.
    let lie = [20u8, 0, 0, 0, 1, 4, b'a', b'b', 2, 1, 1];
    assert_eq!(
        record_error(&raw_batch(&lie, 1)),
        RecordErrorKind::NullHeaderKey
    );
    // Trailing bytes after the declared record.
    let trailing = [&ok[..], &[0u8][..]].concat();
    assert!(matches!(
        record_error(&raw_batch(&trailing, 1)),
        RecordErrorKind::RecordCountMismatch {
            declared: 1,
            found: 2
        }
    ));
    // Over-long varint.
    let lie = [0xffu8, 0xff, 0xff, 0xff, 0xff, 0xff];
    assert_eq!(
        record_error(&raw_batch(&lie, 1)),
        RecordErrorKind::InvalidVarint
    );
}

#[test]
fn unknown_magic_and_codec() {
    let mut wire = sample(Compression::None);
    wire[16] = 3;
    assert_eq!(record_error(&wire), RecordErrorKind::UnknownMagic(3));
    let wire = sample(Compression::None);
    let bad = with_header(&wire, |h| h.attributes = BatchAttributes(5));
    assert_eq!(record_error(&bad), RecordErrorKind::UnknownCodec(5));
}

#[test]
fn legacy_lying_lengths_and_nesting() {
    let wire = legacy_sample(1, Compression::None);
    // messageSize below the minimum.
    let mut bad = wire.clone();
    bad[8..12].copy_from_slice(&3i32.to_be_bytes());
    assert!(matches!(
        record_error(&bad),
        RecordErrorKind::InvalidLength { .. }
    ));
    // Key length larger than the message (CRC skipped so the lie reaches the parser).
    let mut bad = wire.clone();
    bad[26..30].copy_from_slice(&1000i32.to_be_bytes());
    let opts = RecordOptions::default().with_verify_crc(false);
    let e = walk(&bad, &opts).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            RecordErrorKind::InvalidLength {
                field: "keyLength",
                ..
            }
        ),
        "{e}"
    );
    // A compressed wrapper inside a compressed wrapper.
    let inner = legacy_sample(1, Compression::Gzip);
    let packed = compression::compress(Compression::Gzip, &inner, 1).unwrap();
    let mut b = LegacyMessageSetBuilder::new(1, 0);
    b.push(0, None, Some(&packed));
    let mut outer = b.build().unwrap().to_vec();
    // Mark the outer message compressed (attributes byte at 17) and fix its CRC.
    outer[17] = 1;
    let crc = crc32fast::hash(&outer[16..]);
    outer[12..16].copy_from_slice(&crc.to_be_bytes());
    assert_eq!(record_error(&outer), RecordErrorKind::NestingTooDeep);
}

fn small_limit() -> RecordOptions {
    RecordOptions::default().with_max_decompressed_size(64 * 1024)
}

#[test]
fn decompression_bombs_stop_at_the_limit() {
    let zeros = vec![0u8; 4 << 20];
    for codec in [
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ] {
        let packed = compression::compress(codec, &zeros, 2).unwrap();
        assert!(packed.len() < zeros.len() / 10, "{codec:?}");
        let e = compression::decompress(codec, &packed, 2, &small_limit()).unwrap_err();
        assert_eq!(
            e,
            RecordErrorKind::DecompressedTooLarge { limit: 64 * 1024 },
            "{codec:?}"
        );
        // Exactly at the limit is fine.
        let exact = compression::compress(codec, &zeros[..64 * 1024], 2).unwrap();
        assert_eq!(
            compression::decompress(codec, &exact, 2, &small_limit())
                .unwrap()
                .len(),
            64 * 1024
        );
    }
}

#[test]
fn decompression_bomb_in_a_batch_is_a_named_error() {
    let big = vec![b'x'; 1 << 20];
    let mut b = RecordBatchBuilder::new(0).compression(Compression::Lz4);
    b.push(NewRecord::new(0).value(&big));
    let wire = b.build().unwrap();
    let e = walk(&wire, &small_limit()).unwrap_err();
    assert!(matches!(
        e.kind(),
        RecordErrorKind::DecompressedTooLarge { .. }
    ));
    assert_eq!(e.base_offset(), Some(0));
}

#[test]
fn snappy_declared_length_is_checked_before_allocating() {
    // A raw snappy block claiming 4 GiB - 1 of output with nothing behind it.
    let block = [0xffu8, 0xff, 0xff, 0xff, 0x0f, 0x00];
    let e = compression::decompress(Compression::Snappy, &block, 2, &small_limit()).unwrap_err();
    assert_eq!(
        e,
        RecordErrorKind::DecompressedTooLarge { limit: 64 * 1024 }
    );
    // Same inside xerial framing, spread over blocks that each fit.
    let mut x = b"\x82SNAPPY\x00\x00\x00\x00\x01\x00\x00\x00\x01".to_vec();
    for _ in 0..3 {
        let blk = [0x80u8, 0x80, 0x02, 0x00]; // declares 32 KiB
        x.extend_from_slice(&(blk.len() as i32).to_be_bytes());
        x.extend_from_slice(&blk);
    }
    let e = compression::decompress(Compression::Snappy, &x, 2, &small_limit()).unwrap_err();
    assert!(matches!(
        e,
        RecordErrorKind::DecompressedTooLarge { .. } | RecordErrorKind::Decompression { .. }
    ));
}

#[test]
fn zstd_declared_content_size_is_checked_before_decoding() {
    // Frame header: FHD 0xc0 (8-byte content size, not single segment), window descriptor,
    // content size 1 TiB, then garbage.
    let mut f = vec![0x28u8, 0xb5, 0x2f, 0xfd, 0xc0, 0x00];
    f.extend_from_slice(&(1u64 << 40).to_le_bytes());
    f.extend_from_slice(&[0; 8]);
    let e = compression::decompress(Compression::Zstd, &f, 2, &small_limit()).unwrap_err();
    assert_eq!(
        e,
        RecordErrorKind::DecompressedTooLarge { limit: 64 * 1024 }
    );
    // A huge window (2^41, beyond the 2^27 libzstd reads by default) is refused too, before
    // any decoding.
    let f = [0x28u8, 0xb5, 0x2f, 0xfd, 0x00, 0xf8, 0, 0, 0];
    let e = compression::decompress(Compression::Zstd, &f, 2, &small_limit()).unwrap_err();
    assert!(
        matches!(&e, RecordErrorKind::Decompression { reason, .. } if reason.contains("window")),
        "{e:?}"
    );
}

#[test]
fn garbage_compressed_payloads_are_decompression_errors() {
    for codec in [
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ] {
        for junk in [
            &b""[..],
            b"\x00",
            b"not compressed at all, sorry",
            &[0xff; 64],
        ] {
            match compression::decompress(codec, junk, 2, &RecordOptions::default()) {
                Err(RecordErrorKind::Decompression { codec: c, .. }) => assert_eq!(c, codec),
                Ok(v) => assert!(v.is_empty(), "{codec:?} {junk:?}"),
                Err(e) => panic!("{codec:?}: {e:?}"),
            }
        }
    }
}

//! Known-answer vectors for every magic and codec, generated independently of the crate by
//! `testdata/records/gen_vectors.py` (hand-written layouts; CRC-32C and xxHash32 from their
//! definitions; gzip from Python; lz4 and zstd from the reference CLI tools; hand-made snappy).
// Uses every codec: needs the default features.
#![cfg(all(
    feature = "gzip",
    feature = "snappy",
    feature = "lz4",
    feature = "zstd"
))]

use bytes::BytesMut;
use kafka_codec::records::*;

const V2_PLAIN: &str = "00000000000000050000004f00000000025ad7f0f900000000000100000000000003e800000000000003eaffffffffffffffffffffffffffff0000000218000000026b047631020268012000040201047632040268026102680262";
const V2_GZIP: &str = "00000000000000050000006100000000025303b27800010000000100000000000003e800000000000003eaffffffffffffffffffffffffffff000000021f8b08000000000002039360606060ca6629336462ca6054606061626429336261ca604a04e22400a902688a1e000000";
const V2_SNAPPY_RAW: &str = "0000000000000005000000510000000002b353c72300020000000100000000000003e800000000000003eaffffffffffffffffffffffffffff000000021e7418000000026b047631020268012000040201047632040268026102680262";
const V2_SNAPPY_XERIAL: &str = "00000000000000050000006b000000000236e12a2800020000000100000000000003e800000000000003eaffffffffffffffffffffffffffff0000000282534e41505059000000000100000001000000110f3818000000026b047631020268012000000000110f38040201047632040268026102680262";
const V2_LZ4: &str = "00000000000000050000005e0000000002a75c4c4500030000000100000000000003e800000000000003eaffffffffffffffffffffffffffff0000000204224d186040821e00008018000000026b04763102026801200004020104763204026802610268026200000000";
const V2_ZSTD: &str = "00000000000000050000005c0000000002fbe91ff400040000000100000000000003e800000000000003eaffffffffffffffffffffffffffff0000000228b52ffd0458f1000018000000026b0476310202680120000402010476320402680261026802621ee34a8a";
const V2_COMPACTED: &str = "00000000000000050000004f0000000c0251f3457c00000000000700000000000003e800000000000003ea000000000000002a0003000000090000000218000000026b047631020268012000040201047632040268026102680262";
const V0_PLAIN: &str = "0000000000000003000000162356c1370000000000036b65790000000576616c756500000000000000040000000fd20cbff50000ffffffff0000000176";
const V1_PLAIN: &str = "00000000000000030000001e23b3667f010000000000000004d2000000036b65790000000576616c7565000000000000000400000017f210bbe5010000000000000004d3000000016bffffffff";
const V1_GZIP_WRAPPER: &str = "00000000000000160000006045c5bf1d01010000000000000066ffffffff0000004a1f8b08000000000002036360800389e54b173b32c2782940cc9808220ca1222029f14f72bc93e16a52ff030148c6082ac004322686ffd672b892349074328830060082184ec86b000000";
const V1_LZ4_WRAPPER: &str = "000000000000001600000073891137e701030000000000000066ffffffff0000005d04224d186040824e000000160001006418a7a5a34101100060640000000161050013311300001b005017f21e0d9309000102005065ffffffff230011320f00b5000002000000185c0fdaa72300b0660000000163000000013300000000";
const V1_SNAPPY_WRAPPER_LOG_APPEND: &str = "00000000000000160000009818702855010a00000000000003e7ffffffff0000008282534e415050590000000001000000010000006e6bf06a000000000000000000000018a7a5a3410100000000000000006400000001610000000131000000000000000100000017f21e0d9301000000000000000065ffffffff00000001320000000000000002000000185c0fdaa70100000000000000006600000001630000000133";
const V0_LZ4_WRAPPER_BROKEN_HC: &str = "0000000000000016000000662b7bd20d0003ffffffff0000005804224d1860401a490000001200010091140000001056cf205f0f0071016100000001310c00f0020000150000000fa3bd3a7c0000ffffffff1b00103218004000000016370041f509e0780e00700163000000013300000000";
const V0_SNAPPY_WRAPPER: &str = "00000000000000160000006472019bae0002ffffffff0000005653f05200000000000000140000001056cf205f00000000000161000000013100000000000000150000000fa3bd3a7c0000ffffffff0000000132000000000000001600000010f509e078000000000001630000000133";
const V0_GZIP_WRAPPER: &str = "00000000000000160000005423371a370001ffffffff000000461f8b080000000000020363600003112016083baf100fe631268208438814832810f32fde6b55c3c0f01f0840524650293190b6af9c0f2a20da9241843100b0202afe53000000";
const XXH32_KAFKA_HC: u8 = 26;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

type Rec = (
    i64,
    i64,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Vec<(Vec<u8>, Option<Vec<u8>>)>,
);

fn owned(r: &Record<'_>) -> Rec {
    (
        r.offset(),
        r.timestamp(),
        r.key().map(<[u8]>::to_vec),
        r.value().map(<[u8]>::to_vec),
        r.headers()
            .map(|h| (h.key.to_vec(), h.value.map(<[u8]>::to_vec)))
            .collect(),
    )
}

fn expected() -> Vec<Rec> {
    vec![
        (
            5,
            1000,
            Some(b"k".to_vec()),
            Some(b"v1".to_vec()),
            vec![(b"h".to_vec(), None)],
        ),
        (
            6,
            1002,
            None,
            Some(b"v2".to_vec()),
            vec![
                (b"h".to_vec(), Some(b"a".to_vec())),
                (b"h".to_vec(), Some(b"b".to_vec())),
            ],
        ),
    ]
}

fn only_batch(wire: &[u8]) -> RecordBatch<'_> {
    let mut it = entries(wire, &RecordOptions::default());
    let Some(Ok(Entry::Batch(b))) = it.next() else {
        panic!("expected one batch")
    };
    assert!(it.next().is_none());
    b
}

fn decode_all(wire: &[u8]) -> Vec<Rec> {
    let opts = RecordOptions::default();
    let b = only_batch(wire);
    let p = b.payload(&opts).unwrap();
    p.records().map(|r| owned(&r.unwrap())).collect()
}

#[test]
fn hand_computed_v2_batch_fields_and_records() {
    let wire = hex(V2_PLAIN);
    let b = only_batch(&wire);
    assert_eq!(b.base_offset(), 5);
    assert_eq!(b.batch_length(), 79);
    assert_eq!(b.partition_leader_epoch(), 0);
    assert_eq!(b.magic(), 2);
    assert_eq!(b.crc(), 0x5ad7_f0f9);
    assert_eq!(b.compression().unwrap(), Compression::None);
    assert_eq!(b.timestamp_type(), TimestampType::CreateTime);
    assert!(!b.is_transactional() && !b.is_control() && !b.has_delete_horizon());
    assert_eq!(b.last_offset_delta(), 1);
    assert_eq!(b.base_timestamp(), 1000);
    assert_eq!(b.max_timestamp(), 1002);
    assert_eq!(
        (b.producer_id(), b.producer_epoch(), b.base_sequence()),
        (-1, -1, -1)
    );
    assert_eq!(b.records_count(), 2);
    assert_eq!(b.next_offset(), 7);
    assert_eq!(b.raw(), &wire[..]);
    let recs: Vec<Rec> = b.records().unwrap().map(|r| owned(&r.unwrap())).collect();
    assert_eq!(recs, expected());
    // Record-level fields as on the wire.
    let r1 = b.records().unwrap().nth(1).unwrap().unwrap();
    assert_eq!(
        (r1.offset_delta(), r1.timestamp_delta(), r1.attributes()),
        (1, 2, 0)
    );
    assert_eq!(r1.headers_count(), 2);
}

#[test]
fn builder_reproduces_hand_computed_batch() {
    let mut b = RecordBatchBuilder::new(5).partition_leader_epoch(0);
    b.push(
        NewRecord::new(1000)
            .key(b"k")
            .value(b"v1")
            .null_header(b"h"),
    )
    .push(
        NewRecord::new(1002)
            .value(b"v2")
            .header(b"h", b"a")
            .header(b"h", b"b"),
    );
    assert_eq!(&b.build().unwrap()[..], &hex(V2_PLAIN)[..]);
}

#[test]
fn every_codec_decodes_to_the_same_records() {
    for (name, v, codec) in [
        ("plain", V2_PLAIN, Compression::None),
        ("gzip", V2_GZIP, Compression::Gzip),
        ("snappy raw", V2_SNAPPY_RAW, Compression::Snappy),
        ("snappy xerial", V2_SNAPPY_XERIAL, Compression::Snappy),
        ("lz4", V2_LZ4, Compression::Lz4),
        ("zstd", V2_ZSTD, Compression::Zstd),
    ] {
        let wire = hex(v);
        assert_eq!(only_batch(&wire).compression().unwrap(), codec, "{name}");
        assert_eq!(decode_all(&wire), expected(), "{name}");
        // Compressed payloads pass through untouched: header + payload re-encode exactly.
        let b = only_batch(&wire);
        let mut out = BytesMut::new();
        b.header().encode(b.records_payload(), &mut out).unwrap();
        assert_eq!(&out[..], &wire[..], "{name}");
        if codec != Compression::None {
            assert!(matches!(
                b.records().unwrap_err().kind(),
                RecordErrorKind::CompressedPayload(c) if *c == codec
            ));
        }
    }
}

#[test]
fn compacted_batch_rebuilds_byte_exactly() {
    let wire = hex(V2_COMPACTED);
    let b = only_batch(&wire);
    assert_eq!(b.last_offset_delta(), 7);
    assert_eq!(b.last_offset(), 12);
    assert_eq!(
        (b.producer_id(), b.producer_epoch(), b.base_sequence()),
        (42, 3, 9)
    );
    assert_eq!(b.partition_leader_epoch(), 12);
    let mut rb = RecordBatchBuilder::from_header(b.header());
    for r in b.records().unwrap() {
        rb.push_record(&r.unwrap());
    }
    assert_eq!(&rb.build().unwrap()[..], &wire[..]);
}

#[test]
fn builder_output_round_trips_through_every_codec() {
    for codec in [
        Compression::None,
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ] {
        let mut b = RecordBatchBuilder::new(5)
            .partition_leader_epoch(0)
            .compression(codec);
        b.push(
            NewRecord::new(1000)
                .key(b"k")
                .value(b"v1")
                .null_header(b"h"),
        )
        .push(
            NewRecord::new(1002)
                .value(b"v2")
                .header(b"h", b"a")
                .header(b"h", b"b"),
        );
        let wire = b.build().unwrap();
        assert_eq!(decode_all(&wire), expected(), "{codec:?}");
    }
}

type Msg = (i64, Option<i64>, Option<Vec<u8>>, Option<Vec<u8>>);

fn legacy_all(wire: &[u8]) -> Vec<Msg> {
    let opts = RecordOptions::default();
    let mut out = Vec::new();
    for e in entries(wire, &opts) {
        let Entry::Legacy(m) = e.unwrap() else {
            panic!("expected legacy")
        };
        for m in m.messages(&opts).unwrap().iter() {
            let m = m.unwrap();
            out.push((
                m.offset(),
                m.timestamp(),
                m.key().map(<[u8]>::to_vec),
                m.value().map(<[u8]>::to_vec),
            ));
        }
    }
    out
}

fn v(s: &[u8]) -> Option<Vec<u8>> {
    Some(s.to_vec())
}

#[test]
fn legacy_plain_magic_0_and_1() {
    assert_eq!(
        legacy_all(&hex(V0_PLAIN)),
        vec![(3, None, v(b"key"), v(b"value")), (4, None, None, v(b"v"))]
    );
    assert_eq!(
        legacy_all(&hex(V1_PLAIN)),
        vec![
            (3, Some(1234), v(b"key"), v(b"value")),
            (4, Some(1235), v(b"k"), None)
        ]
    );
    let wire = hex(V1_PLAIN);
    let Some(Ok(Entry::Legacy(m))) = entries(&wire, &RecordOptions::default()).next() else {
        panic!()
    };
    assert_eq!((m.magic(), m.attributes(), m.crc()), (1, 0, 0x23b3_667f));
    assert_eq!(m.timestamp_type(), Some(TimestampType::CreateTime));
    assert_eq!(m.message_size(), 30);
}

#[test]
fn legacy_builder_reproduces_vectors() {
    let mut b = LegacyMessageSetBuilder::new(0, 3);
    b.push(0, Some(b"key"), Some(b"value"))
        .push(0, None, Some(b"v"));
    assert_eq!(&b.build().unwrap()[..], &hex(V0_PLAIN)[..]);
    let mut b = LegacyMessageSetBuilder::new(1, 3);
    b.push(1234, Some(b"key"), Some(b"value"))
        .push(1235, Some(b"k"), None);
    assert_eq!(&b.build().unwrap()[..], &hex(V1_PLAIN)[..]);
}

#[test]
fn legacy_magic_1_wrappers_have_relative_inner_offsets() {
    let want = vec![
        (20, Some(100), v(b"a"), v(b"1")),
        (21, Some(101), None, v(b"2")),
        (22, Some(102), v(b"c"), v(b"3")),
    ];
    assert_eq!(legacy_all(&hex(V1_GZIP_WRAPPER)), want);
    assert_eq!(legacy_all(&hex(V1_LZ4_WRAPPER)), want);
    // LogAppendTime wrapper: inner messages take the wrapper's timestamp.
    let lat: Vec<Msg> = want
        .iter()
        .map(|(o, _, k, v)| (*o, Some(999), k.clone(), v.clone()))
        .collect();
    assert_eq!(legacy_all(&hex(V1_SNAPPY_WRAPPER_LOG_APPEND)), lat);
}

#[test]
fn legacy_magic_0_wrappers_including_broken_lz4_checksum() {
    let want = vec![
        (20, None, v(b"a"), v(b"1")),
        (21, None, None, v(b"2")),
        (22, None, v(b"c"), v(b"3")),
    ];
    assert_eq!(legacy_all(&hex(V0_GZIP_WRAPPER)), want);
    assert_eq!(legacy_all(&hex(V0_SNAPPY_WRAPPER)), want);
    assert_eq!(legacy_all(&hex(V0_LZ4_WRAPPER_BROKEN_HC)), want);
    // The same frame is refused under magic 1, where the checksum must be correct.
    let wire = hex(V0_LZ4_WRAPPER_BROKEN_HC);
    let m = LegacyMessage::parse(&wire, &RecordOptions::default()).unwrap();
    let err = compression::decompress(
        Compression::Lz4,
        m.value().unwrap(),
        1,
        &RecordOptions::default(),
    );
    assert!(matches!(err, Err(RecordErrorKind::Decompression { .. })));
}

#[test]
fn lz4_writes_the_magic_0_header_checksum_quirk() {
    let data = b"some data some data some data";
    let m0 = compression::compress(Compression::Lz4, data, 0).unwrap();
    let m1 = compression::compress(Compression::Lz4, data, 1).unwrap();
    assert_eq!(&m0[4..6], &[0x60, 0x40]); // independent blocks, 64 KiB
    assert_eq!(m0[6], XXH32_KAFKA_HC);
    assert_eq!(m1[6], 0x82);
    let opts = RecordOptions::default();
    assert_eq!(
        compression::decompress(Compression::Lz4, &m0, 0, &opts).unwrap(),
        data
    );
    assert_eq!(
        compression::decompress(Compression::Lz4, &m1, 1, &opts).unwrap(),
        data
    );
}

#[test]
fn legacy_builder_wrappers_round_trip() {
    for magic in [0i8, 1] {
        for codec in [Compression::Gzip, Compression::Snappy, Compression::Lz4] {
            let mut b = LegacyMessageSetBuilder::new(magic, 20).compression(codec);
            b.push(100, Some(b"a"), Some(b"1"))
                .push(101, None, Some(b"2"))
                .push(102, Some(b"c"), Some(b"3"));
            let wire = b.build().unwrap();
            let got = legacy_all(&wire);
            let ts = |t| (magic == 1).then_some(t);
            assert_eq!(
                got,
                vec![
                    (20, ts(100), v(b"a"), v(b"1")),
                    (21, ts(101), None, v(b"2")),
                    (22, ts(102), v(b"c"), v(b"3")),
                ],
                "magic {magic} {codec:?}"
            );
        }
    }
}

#[test]
fn mixed_magics_in_one_records_field() {
    // A broker may return a legacy set followed by v2 batches in one partition's records field,
    // whatever the Fetch version.
    let mut wire = hex(V1_GZIP_WRAPPER);
    wire.extend_from_slice(&hex(V2_PLAIN));
    wire.extend_from_slice(&hex(V0_PLAIN));
    let kinds: Vec<&str> = entries(&wire, &RecordOptions::default())
        .map(|e| match e.unwrap() {
            Entry::Batch(_) => "batch",
            Entry::Legacy(_) => "legacy",
            Entry::Partial(_) => "partial",
        })
        .collect();
    assert_eq!(kinds, ["legacy", "batch", "legacy", "legacy"]);
}

#[test]
fn transaction_markers_decode() {
    let wire =
        RecordBatchBuilder::transaction_marker(9, 77, 2, ControlRecordType::COMMIT, 14, 5).unwrap();
    let b = only_batch(&wire);
    assert!(b.is_control() && b.is_transactional());
    let c = b
        .control_record(&RecordOptions::default())
        .unwrap()
        .unwrap();
    assert_eq!(c.control_type, ControlRecordType::COMMIT);
    assert_eq!(c.coordinator_epoch, Some(14));
    assert_eq!((c.version, c.marker_version), (0, Some(0)));
    let r = b.records().unwrap().next().unwrap().unwrap();
    assert_eq!(r.key(), Some(&[0u8, 0, 0, 1][..]));
    assert_eq!(r.value(), Some(&[0u8, 0, 0, 0, 0, 14][..]));
}

/// The smallest useful batch, laid out field by field by hand (CRC-32C computed from its
/// definition by the generator script's `crc32c`).
#[rustfmt::skip]
const HAND_BATCH: [u8; 70] = [
    0, 0, 0, 0, 0, 0, 0, 0,             // baseOffset 0
    0, 0, 0, 58,                        // batchLength: 49 header bytes after it + 9 record bytes
    0xff, 0xff, 0xff, 0xff,             // partitionLeaderEpoch -1
    2,                                  // magic
    0x23, 0x3d, 0xad, 0x44,             // crc (CRC-32C of attributes..end)
    0, 0,                               // attributes: no compression, CreateTime
    0, 0, 0, 0,                         // lastOffsetDelta 0
    0, 0, 0, 0, 0, 0, 0x03, 0xe8,       // baseTimestamp 1000
    0, 0, 0, 0, 0, 0, 0x03, 0xe8,       // maxTimestamp 1000
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // producerId -1
    0xff, 0xff,                         // producerEpoch -1
    0xff, 0xff, 0xff, 0xff,             // baseSequence -1
    0, 0, 0, 1,                         // recordsCount 1
    0x10,                               // record length 8 (zig-zag)
    0x00,                               //   attributes
    0x00,                               //   timestampDelta 0
    0x00,                               //   offsetDelta 0
    0x01,                               //   keyLength -1 (null)
    0x04, b'h', b'i',                   //   valueLength 2, "hi"
    0x00,                               //   headers count 0
];

#[test]
fn hand_laid_out_batch() {
    let mut b = RecordBatchBuilder::new(0);
    b.push(NewRecord::new(1000).value(b"hi"));
    assert_eq!(&b.build().unwrap()[..], &HAND_BATCH[..]);
    let batch = RecordBatch::parse(&HAND_BATCH, &RecordOptions::default()).unwrap();
    let r = batch.records().unwrap().next().unwrap().unwrap();
    assert_eq!(
        (r.offset(), r.timestamp(), r.key(), r.value()),
        (0, 1000, None, Some(&b"hi"[..]))
    );
    assert_eq!(r.raw(), &HAND_BATCH[61..]);
}

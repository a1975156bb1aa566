//! Property tests: build → parse gives back the records; parse → re-encode gives back the
//! bytes; arbitrary or mutated bytes never panic.
// Uses every codec: needs the default features.
#![cfg(all(
    feature = "gzip",
    feature = "snappy",
    feature = "lz4",
    feature = "zstd"
))]

use bytes::BytesMut;
use kafka_codec::records::*;
use proptest::prelude::*;

type Hdrs = Vec<(Vec<u8>, Option<Vec<u8>>)>;

#[derive(Clone, Debug)]
struct Rec {
    timestamp: i64,
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
    headers: Hdrs,
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..max)
}

fn rec() -> impl Strategy<Value = Rec> {
    (
        any::<i64>(),
        prop::option::of(bytes(40)),
        prop::option::of(bytes(200)),
        prop::collection::vec((bytes(12), prop::option::of(bytes(12))), 0..4),
    )
        .prop_map(|(timestamp, key, value, headers)| Rec {
            timestamp,
            key,
            value,
            headers,
        })
}

fn codec() -> impl Strategy<Value = Compression> {
    prop_oneof![
        Just(Compression::None),
        Just(Compression::Gzip),
        Just(Compression::Snappy),
        Just(Compression::Lz4),
        Just(Compression::Zstd),
    ]
}

#[derive(Clone, Debug)]
struct Params {
    base_offset: i64,
    codec: Compression,
    producer: (i64, i16, i32),
    transactional: bool,
    leader_epoch: i32,
    log_append: Option<i64>,
}

fn params() -> impl Strategy<Value = Params> {
    (
        0i64..(1 << 50),
        codec(),
        (any::<i64>(), any::<i16>(), any::<i32>()),
        any::<bool>(),
        any::<i32>(),
        prop::option::of(any::<i64>()),
    )
        .prop_map(
            |(base_offset, codec, producer, transactional, leader_epoch, log_append)| Params {
                base_offset,
                codec,
                producer,
                transactional,
                leader_epoch,
                log_append,
            },
        )
}

fn build(p: &Params, recs: &[Rec]) -> Vec<u8> {
    let mut b = RecordBatchBuilder::new(p.base_offset)
        .compression(p.codec)
        .producer(p.producer.0, p.producer.1, p.producer.2)
        .transactional(p.transactional)
        .partition_leader_epoch(p.leader_epoch);
    if let Some(t) = p.log_append {
        b = b
            .timestamp_type(TimestampType::LogAppendTime)
            .max_timestamp(t);
    }
    for r in recs {
        let mut n = NewRecord::new(r.timestamp);
        n.key = r.key.as_deref();
        n.value = r.value.as_deref();
        for (k, v) in &r.headers {
            n.headers.push(Header {
                key: k,
                value: v.as_deref(),
            });
        }
        b.push(n);
    }
    b.build().unwrap().to_vec()
}

/// Walks everything reachable; must never panic.
fn walk(wire: &[u8], opts: &RecordOptions) {
    for e in entries(wire, opts) {
        let Ok(e) = e else { return };
        match e {
            Entry::Batch(b) => {
                let _ = b.control_record(opts);
                if let Ok(p) = b.payload(opts) {
                    for r in p.records() {
                        let Ok(r) = r else { break };
                        for h in r.headers() {
                            std::hint::black_box(h);
                        }
                    }
                }
            }
            Entry::Legacy(m) => {
                if let Ok(ms) = m.messages(opts) {
                    for m in ms.iter() {
                        let _ = std::hint::black_box(m);
                    }
                }
            }
            Entry::Partial(_) => {}
        }
    }
}

proptest! {
    // 96 cases unless PROPTEST_CASES says otherwise (for longer local runs).
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(96),
        ..ProptestConfig::default()
    })]

    #[test]
    fn build_then_parse_gives_back_the_records(p in params(), recs in prop::collection::vec(rec(), 0..12)) {
        let wire = build(&p, &recs);
        let opts = RecordOptions::default();
        let mut it = entries(&wire, &opts);
        let Some(Ok(Entry::Batch(b))) = it.next() else { panic!("no batch") };
        prop_assert!(it.next().is_none());
        prop_assert_eq!(b.base_offset(), p.base_offset);
        prop_assert_eq!(b.compression().unwrap(), p.codec);
        prop_assert_eq!(b.producer_id(), p.producer.0);
        prop_assert_eq!(b.producer_epoch(), p.producer.1);
        prop_assert_eq!(b.base_sequence(), p.producer.2);
        prop_assert_eq!(b.is_transactional(), p.transactional);
        prop_assert_eq!(b.partition_leader_epoch(), p.leader_epoch);
        prop_assert_eq!(b.records_count() as usize, recs.len());
        prop_assert_eq!(b.last_offset_delta(), recs.len() as i32 - 1);
        if p.log_append.is_none() {
            prop_assert_eq!(b.max_timestamp(), recs.iter().map(|r| r.timestamp).max().unwrap_or(-1));
        }
        let payload = b.payload(&opts).unwrap();
        let mut n = 0;
        for (i, r) in payload.records().enumerate() {
            let r = r.unwrap();
            let want = &recs[i];
            prop_assert_eq!(r.offset(), p.base_offset + i as i64);
            prop_assert_eq!(r.timestamp(), p.log_append.unwrap_or(want.timestamp));
            prop_assert_eq!(r.key(), want.key.as_deref());
            prop_assert_eq!(r.value(), want.value.as_deref());
            let hs: Vec<(&[u8], Option<&[u8]>)> = r.headers().map(|h| (h.key, h.value)).collect();
            let want_hs: Vec<(&[u8], Option<&[u8]>)> =
                want.headers.iter().map(|(k, v)| (&k[..], v.as_deref())).collect();
            prop_assert_eq!(hs, want_hs);
            n += 1;
        }
        prop_assert_eq!(n, recs.len());
    }

    #[test]
    fn parse_then_reencode_is_byte_identical(p in params(), recs in prop::collection::vec(rec(), 0..12)) {
        let wire = build(&p, &recs);
        let opts = RecordOptions::default();
        let b = RecordBatch::parse(&wire, &opts).unwrap();
        prop_assert_eq!(b.raw(), &wire[..]);
        // Header + untouched payload.
        let mut out = BytesMut::new();
        b.header().encode(b.records_payload(), &mut out).unwrap();
        prop_assert_eq!(&out[..], &wire[..]);
        // Rebuilt record by record (uncompressed: exact; compressed: equal records).
        let payload = b.payload(&opts).unwrap();
        let mut rb = RecordBatchBuilder::from_header(b.header());
        for r in payload.records() {
            rb.push_record(&r.unwrap());
        }
        let rebuilt = rb.build().unwrap();
        if p.codec == Compression::None {
            prop_assert_eq!(&rebuilt[..], &wire[..]);
        } else {
            let b2 = RecordBatch::parse(&rebuilt, &opts).unwrap();
            let mut h1 = *b.header();
            let mut h2 = *b2.header();
            h1.crc = 0; h2.crc = 0; h1.batch_length = 0; h2.batch_length = 0;
            prop_assert_eq!(h1, h2);
            let p2 = b2.payload(&opts).unwrap();
            prop_assert_eq!(p2.as_slice(), payload.as_slice());
        }
    }

    #[test]
    fn compacted_batches_keep_their_last_offset_delta(recs in prop::collection::vec(rec(), 1..8), extra in 1i32..1000) {
        // Simulate compaction: keep every other record, original deltas, original lastOffsetDelta.
        let p = Params { base_offset: 0, codec: Compression::None, producer: (-1, -1, -1), transactional: false, leader_epoch: 0, log_append: None };
        let wire = build(&p, &recs);
        let b = RecordBatch::parse(&wire, &RecordOptions::default()).unwrap();
        let mut h = *b.header();
        h.last_offset_delta += extra;
        let mut rb = RecordBatchBuilder::from_header(&h);
        for r in b.records().unwrap().step_by(2) {
            rb.push_record(&r.unwrap());
        }
        let compacted = rb.build().unwrap();
        let c = RecordBatch::parse(&compacted, &RecordOptions::default()).unwrap();
        prop_assert_eq!(c.last_offset_delta(), h.last_offset_delta);
        prop_assert_eq!(c.records_count() as usize, recs.len().div_ceil(2));
        let offsets: Vec<i64> = c.records().unwrap().map(|r| r.unwrap().offset()).collect();
        let want: Vec<i64> = (0..recs.len() as i64).step_by(2).collect();
        prop_assert_eq!(offsets, want);
        // And it re-encodes to itself.
        let mut rb = RecordBatchBuilder::from_header(c.header());
        for r in c.records().unwrap() {
            rb.push_record(&r.unwrap());
        }
        prop_assert_eq!(&rb.build().unwrap()[..], &compacted[..]);
    }

    #[test]
    fn legacy_sets_round_trip(magic in 0i8..2, codec in prop_oneof![Just(Compression::None), Just(Compression::Gzip), Just(Compression::Snappy), Just(Compression::Lz4)],
                              first in 0i64..(1 << 40),
                              msgs in prop::collection::vec((any::<i64>(), prop::option::of(bytes(20)), prop::option::of(bytes(60))), 1..10)) {
        let mut b = LegacyMessageSetBuilder::new(magic, first).compression(codec);
        for (t, k, v) in &msgs {
            b.push(*t, k.as_deref(), v.as_deref());
        }
        let wire = b.build().unwrap();
        let opts = RecordOptions::default();
        let mut got = Vec::new();
        for e in entries(&wire, &opts) {
            let Entry::Legacy(m) = e.unwrap() else { panic!() };
            for m in m.messages(&opts).unwrap().iter() {
                let m = m.unwrap();
                got.push((m.offset(), m.timestamp(), m.key().map(<[u8]>::to_vec), m.value().map(<[u8]>::to_vec)));
            }
        }
        let want: Vec<_> = msgs.iter().enumerate().map(|(i, (t, k, v))| {
            (first + i as i64, (magic == 1).then_some(*t), k.clone(), v.clone())
        }).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in bytes(600)) {
        walk(&data, &RecordOptions::default());
        walk(&data, &RecordOptions::default().with_verify_crc(false).with_max_decompressed_size(1 << 16));
    }

    #[test]
    fn mutated_batches_never_panic(p in params(), recs in prop::collection::vec(rec(), 0..6),
                                   muts in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6)) {
        let mut wire = build(&p, &recs);
        for (i, v) in muts {
            let i = i.index(wire.len());
            wire[i] = v;
        }
        walk(&wire, &RecordOptions::default().with_verify_crc(false).with_max_decompressed_size(1 << 16));
        walk(&wire, &RecordOptions::default());
    }

    #[test]
    fn mutated_legacy_sets_never_panic(magic in 0i8..2, codec in prop_oneof![Just(Compression::None), Just(Compression::Gzip), Just(Compression::Lz4)],
                                       muts in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6)) {
        let mut b = LegacyMessageSetBuilder::new(magic, 5).compression(codec);
        b.push(1, Some(b"key"), Some(b"value")).push(2, None, Some(b"v2"));
        let mut wire = b.build().unwrap().to_vec();
        for (i, v) in muts {
            let i = i.index(wire.len());
            wire[i] = v;
        }
        walk(&wire, &RecordOptions::default().with_verify_crc(false).with_max_decompressed_size(1 << 16));
    }

    #[test]
    fn mutated_compressed_payloads_never_panic(codec in prop_oneof![Just(Compression::Gzip), Just(Compression::Snappy), Just(Compression::Lz4), Just(Compression::Zstd)],
                                                magic in 0i8..3,
                                                data in prop_oneof![bytes(3000), prop::collection::vec(0u8..4, 0..5000)],
                                                muts in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut packed = compression::compress(codec, &data, magic).unwrap();
        prop_assert_eq!(compression::decompress(codec, &packed, magic, &RecordOptions::default()).unwrap(), data);
        for (i, v) in muts {
            let i = i.index(packed.len());
            packed[i] = v;
        }
        let _ = compression::decompress(codec, &packed, magic, &RecordOptions::default().with_verify_crc(true).with_max_decompressed_size(1 << 16));
    }
}

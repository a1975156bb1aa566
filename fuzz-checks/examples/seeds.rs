//! Writes seed corpora for every fuzz target: `seeds [OUT_DIR] [CAPTURES_DIR]`
//! (defaults `fuzz/corpus` and `testdata/captures`). Run it through `fuzz/seeds.sh`.
//!
//! Seeds come from two places:
//! - our own encoder: every message type at every version (its default value and a few
//!   arbitrary values conformed to the version), request and response frames around them,
//!   Fetch responses and Produce requests carrying record batches of every codec, legacy
//!   message sets, transaction markers and truncated tails;
//! - captured frames, if `CAPTURES_DIR` exists: every `*.req.bin` (a frame with its size
//!   prefix) and its `*.resp.bin`, reshaped into each target's input layout, along with the
//!   records fields and group payloads inside them.
//!
//! Files are named by a hash of their content, so reruns are idempotent.

// Messages are built as `default()` plus field assignments, never struct literals: the
// generated types are becoming `#[non_exhaustive]` (docs/design/round2.md).
#![allow(clippy::field_reassign_with_default)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use kafka_codec::__private::support::{Conform, MessageVisitor};
use kafka_codec::frame::{decode_request, decode_response};
use kafka_codec::messages::{
    fetch_response, produce_request, FetchResponse, ProduceRequest, RequestHeader, ResponseHeader,
};
use kafka_codec::records::{
    Compression, ControlRecordType, LegacyMessageSetBuilder, NewRecord, RecordBatchBuilder,
};
use kafka_codec::{ApiKey, Message, RequestBody, ResponseBody};

/// Largest seed written: bigger inputs slow libFuzzer down more than they add coverage.
const MAX_SEED: usize = 64 << 10;

struct Seeds {
    out: PathBuf,
    counts: BTreeMap<&'static str, usize>,
}

impl Seeds {
    fn add(&mut self, target: &'static str, data: &[u8]) {
        if data.len() > MAX_SEED {
            return;
        }
        let dir = self.out.join(target);
        std::fs::create_dir_all(&dir).expect("create corpus dir");
        let path = dir.join(format!("{:016x}", fnv64(data)));
        if !path.exists() {
            std::fs::write(&path, data).expect("write seed");
            *self.counts.entry(target).or_default() += 1;
        }
    }
}

fn fnv64(data: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &b in data {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Deterministic pseudo-random bytes (xorshift), for arbitrary values.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Records fields as brokers send them: every codec, both formats, markers, a cut-off tail.
fn record_fields() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let batch = |c: Compression, base: i64| {
        let mut b = RecordBatchBuilder::new(base).compression(c);
        b.push(
            NewRecord::new(1_700_000_000_000)
                .key(b"k1")
                .value(b"value-1"),
        )
        .push(
            NewRecord::new(1_700_000_000_005)
                .value(b"value-2 value-2 value-2")
                .header(b"trace", b"abc")
                .header(b"trace", b"def")
                .null_header(b"n"),
        )
        .push(NewRecord::new(1_700_000_000_009));
        b.build().expect("batch").to_vec()
    };
    let codecs = [
        Compression::None,
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ];
    for c in codecs.into_iter().filter(|c| c.is_enabled()) {
        out.push(batch(c, 0));
    }
    // Two batches, the second cut short by the fetch size limit.
    let first = batch(Compression::None, 0);
    let second = batch(Compression::None, 3);
    out.push(cat(&[&first, &second[..second.len() / 2]]));
    // A transactional batch, aborted, then a committed one.
    let mut t = RecordBatchBuilder::new(0)
        .producer(7, 0, 0)
        .transactional(true);
    t.push(NewRecord::new(0).value(b"aborted"));
    let t = t.build().expect("txn batch");
    let abort = RecordBatchBuilder::transaction_marker(1, 7, 0, ControlRecordType::ABORT, 5, 0)
        .expect("marker");
    let commit = RecordBatchBuilder::transaction_marker(2, 8, 0, ControlRecordType::COMMIT, 5, 0)
        .expect("marker");
    out.push(cat(&[&t, &abort, &commit]));
    // Legacy message sets, magic 0 and 1, plain and compressed.
    for magic in [0i8, 1] {
        for c in [
            Compression::None,
            Compression::Gzip,
            Compression::Snappy,
            Compression::Lz4,
        ] {
            if !c.is_enabled() {
                continue;
            }
            let mut l = LegacyMessageSetBuilder::new(magic, 10).compression(c);
            l.push(1_700_000_000_000, Some(b"k"), Some(b"legacy value"))
                .push(1_700_000_000_001, None, None);
            if let Ok(b) = l.build() {
                out.push(b.to_vec());
            }
        }
    }
    // A legacy set followed by a v2 batch (a broker mid-upgrade).
    let mut l = LegacyMessageSetBuilder::new(1, 0);
    l.push(0, None, Some(b"old"));
    out.push(cat(&[
        &l.build().expect("legacy"),
        &batch(Compression::None, 1),
    ]));
    out
}

fn response_selector(key: ApiKey) -> Option<(u8, i16)> {
    kafka_codec_fuzz_checks::response_apis()
        .iter()
        .position(|(k, _, _)| *k == key)
        .map(|i| (i as u8, kafka_codec_fuzz_checks::response_apis()[i].1))
}

fn request_header(key: ApiKey, version: i16) -> Vec<u8> {
    let mut h = RequestHeader::default();
    h.request_api_key = key;
    h.request_api_version = version;
    h.correlation_id = 1;
    h.client_id = Some("seeds".into());
    h.to_bytes(key.request_header_version(version))
        .expect("header")
        .to_vec()
}

fn response_header(key: ApiKey, version: i16) -> Vec<u8> {
    let mut h = ResponseHeader::default();
    h.correlation_id = 1;
    h.to_bytes(key.response_header_version(version))
        .expect("header")
        .to_vec()
}

/// Every message type at every version: roundtrip, structured, frame and payload seeds.
struct Generic<'s> {
    seeds: &'s mut Seeds,
    index: u8,
    /// Encodings of the `__consumer_offsets` and consumer-protocol types, by name.
    payloads: BTreeMap<&'static str, Vec<(i16, Vec<u8>)>>,
}

impl MessageVisitor for Generic<'_> {
    fn visit<T: Message + Conform + for<'a> arbitrary::Arbitrary<'a>>(&mut self) {
        let api = kafka_codec::__private::generated::api_keys::API_INFO
            .iter()
            .find(|i| {
                T::NAME.strip_suffix("Request") == Some(i.name)
                    || T::NAME.strip_suffix("Response") == Some(i.name)
            });
        for version in T::MIN_VERSION..=T::MAX_VERSION {
            let vb = (version - T::MIN_VERSION) as u8;
            let mut values = vec![T::default()];
            for (i, len) in [64usize, 256, 1024].into_iter().enumerate() {
                let raw = noise(
                    self.index as u64 * 1000 + version as u64 * 10 + i as u64,
                    len,
                );
                self.seeds
                    .add("structured", &cat(&[&[self.index, vb], &raw]));
                if let Ok(m) = T::arbitrary(&mut arbitrary::Unstructured::new(&raw)) {
                    values.push(m);
                }
            }
            for mut m in values {
                m.conform(version);
                let Ok(body) = m.to_bytes(version) else {
                    continue;
                };
                self.seeds
                    .add("roundtrip", &cat(&[&[self.index, vb], &body]));
                if T::NAME == "FetchRequest" || T::NAME == "FetchResponse" {
                    let sel = u8::from(T::NAME == "FetchResponse");
                    self.seeds.add("decode_fetch", &cat(&[&[sel, vb], &body]));
                }
                if let Some(api) = api {
                    let key = ApiKey(api.key);
                    if T::NAME.ends_with("Request") {
                        self.seeds.add(
                            "decode_request",
                            &cat(&[&request_header(key, version), &body]),
                        );
                    } else if let Some((sel, min)) = response_selector(key) {
                        let v = (version - min) as u8;
                        self.seeds.add(
                            "decode_response",
                            &cat(&[&[sel, v], &response_header(key, version), &body]),
                        );
                    }
                }
                self.payloads
                    .entry(T::NAME)
                    .or_default()
                    .push((version, body.to_vec()));
            }
        }
        self.index += 1;
    }
}

fn versioned(version: i16, body: &[u8]) -> Vec<u8> {
    cat(&[&version.to_be_bytes(), body])
}

fn consumer_seeds(s: &mut Seeds, payloads: &BTreeMap<&'static str, Vec<(i16, Vec<u8>)>>) {
    let get = |name: &str| payloads.get(name).cloned().unwrap_or_default();
    for (v, b) in get("ConsumerProtocolSubscription") {
        s.add("consumer_protocol", &cat(&[&[0], &versioned(v, &b)]));
    }
    for (v, b) in get("ConsumerProtocolAssignment") {
        s.add("consumer_protocol", &cat(&[&[1], &versioned(v, &b)]));
    }
    let pairs = [
        ("OffsetCommitKey", "OffsetCommitValue"),
        ("GroupMetadataKey", "GroupMetadataValue"),
    ];
    for (k, v) in pairs {
        for (kv, kb) in get(k) {
            let key = versioned(kv, &kb);
            let Ok(klen) = u8::try_from(key.len()) else {
                continue;
            };
            s.add("consumer_protocol", &cat(&[&[0x82, klen], &key]));
            for (vv, vb) in get(v) {
                s.add(
                    "consumer_protocol",
                    &cat(&[&[2, klen], &key, &versioned(vv, &vb)]),
                );
            }
        }
    }
}

/// Fetch responses and Produce requests of every version carrying each records field.
fn records_in_messages(s: &mut Seeds, fields: &[Vec<u8>]) {
    let fetch_sel = response_selector(ApiKey::FETCH);
    for version in FetchResponse::MIN_VERSION..=FetchResponse::MAX_VERSION {
        let partitions = fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let mut aborted = fetch_response::AbortedTransaction::default();
                aborted.producer_id = 7;
                aborted.first_offset = 0;
                let mut p = fetch_response::PartitionData::default();
                p.partition_index = i as i32;
                p.high_watermark = 100;
                p.aborted_transactions = Some(vec![aborted]);
                p.records = Some(Bytes::copy_from_slice(f));
                p
            })
            .collect();
        let mut topic = fetch_response::FetchableTopicResponse::default();
        topic.topic = "orders".into();
        topic.topic_id = kafka_codec::Uuid::from_bytes([7; 16]);
        topic.partitions = partitions;
        let mut m = FetchResponse::default();
        m.responses = vec![topic];
        m.conform(version);
        let Ok(body) = m.to_bytes(version) else {
            continue;
        };
        let vb = (version - FetchResponse::MIN_VERSION) as u8;
        s.add("decode_fetch", &cat(&[&[1, vb], &body]));
        if let Some((sel, min)) = fetch_sel {
            let h = response_header(ApiKey::FETCH, version);
            s.add(
                "decode_response",
                &cat(&[&[sel, (version - min) as u8], &h, &body]),
            );
        }
    }
    for version in ProduceRequest::MIN_VERSION..=ProduceRequest::MAX_VERSION {
        let mut topic = produce_request::TopicProduceData::default();
        topic.name = "orders".into();
        topic.partition_data = fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let mut p = produce_request::PartitionProduceData::default();
                p.index = i as i32;
                p.records = Some(Bytes::copy_from_slice(f));
                p
            })
            .collect();
        let mut m = ProduceRequest::default();
        m.acks = -1;
        m.timeout_ms = 30_000;
        m.topic_data = vec![topic];
        m.conform(version);
        if let Ok(body) = m.to_bytes(version) {
            s.add(
                "decode_request",
                &cat(&[&request_header(ApiKey::PRODUCE, version), &body]),
            );
        }
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.to_string_lossy().ends_with(".req.bin") {
            out.push(p);
        }
    }
}

/// At most this many seeds per (API, version, direction) from captures: the rest repeat them.
const PER_KIND: usize = 12;

fn capture_seeds(s: &mut Seeds, dir: &Path, type_index: &BTreeMap<&'static str, u8>) -> usize {
    let mut reqs = Vec::new();
    collect(dir, &mut reqs);
    reqs.sort();
    let mut kinds: BTreeMap<(i16, i16), usize> = BTreeMap::new();
    let mut used = 0;
    for req_path in reqs {
        let Ok(req_bytes) = std::fs::read(&req_path) else {
            continue;
        };
        let Ok(req) = decode_request(Bytes::from(req_bytes.clone())) else {
            continue;
        };
        let (key, version) = (req.api_key(), req.api_version());
        let n = kinds.entry((key.0, version)).or_default();
        *n += 1;
        if *n > PER_KIND {
            continue;
        }
        used += 1;
        s.add("decode_request", &req_bytes[4..]);
        s.add("view", &cat(&[&[0, 0, 0], &req_bytes[4..]]));
        let name = key.name().unwrap_or("");
        if let RequestBody::Produce(p) = &req.body {
            for t in &p.topic_data {
                for part in &t.partition_data {
                    if let Some(r) = &part.records {
                        s.add("record_batch", &cat(&[&[0], r]));
                    }
                }
            }
        }
        if let (Some(&idx), Ok(body)) = (
            type_index.get(format!("{name}Request").as_str()),
            req.body.to_bytes_at(version),
        ) {
            s.add(
                "roundtrip",
                &cat(&[&[idx, version_byte(idx, version)], &body]),
            );
            if key == ApiKey::FETCH {
                s.add(
                    "decode_fetch",
                    &cat(&[&[0, version_byte(idx, version)], &body]),
                );
            }
        }
        let resp_path = PathBuf::from(req_path.to_string_lossy().replace(".req.bin", ".resp.bin"));
        let Ok(resp_bytes) = std::fs::read(&resp_path) else {
            continue;
        };
        if let Some((sel, min)) = response_selector(key) {
            s.add(
                "decode_response",
                &cat(&[&[sel, (version - min) as u8], &resp_bytes[4..]]),
            );
            s.add(
                "view",
                &cat(&[&[1, sel, (version - min) as u8], &resp_bytes[4..]]),
            );
        }
        let Ok(resp) = decode_response(key, version, Bytes::from(resp_bytes)) else {
            continue;
        };
        if let (Some(&idx), Ok(body)) = (
            type_index.get(format!("{name}Response").as_str()),
            resp.body.to_bytes_at(resp.body_version),
        ) {
            let vb = version_byte(idx, resp.body_version);
            s.add("roundtrip", &cat(&[&[idx, vb], &body]));
            if key == ApiKey::FETCH {
                s.add("decode_fetch", &cat(&[&[1, vb], &body]));
            }
        }
        match &resp.body {
            ResponseBody::Fetch(f) => {
                for (_, p) in f.partitions() {
                    if !p.records_bytes().is_empty() {
                        s.add("record_batch", &cat(&[&[0], p.records_bytes()]));
                    }
                }
            }
            ResponseBody::SyncGroup(g) => {
                s.add("consumer_protocol", &cat(&[&[1], &g.assignment]));
            }
            ResponseBody::JoinGroup(g) => {
                for m in &g.members {
                    s.add("consumer_protocol", &cat(&[&[0], &m.metadata]));
                }
            }
            _ => {}
        }
    }
    used
}

/// The version byte the `roundtrip` target maps back to `version` for type `idx`.
fn version_byte(idx: u8, version: i16) -> u8 {
    let mut f = MinOf {
        want: idx,
        seen: 0,
        min: 0,
    };
    kafka_codec::__private::generated::visit_messages(&mut f);
    (version - f.min) as u8
}

struct MinOf {
    want: u8,
    seen: u8,
    min: i16,
}

impl MessageVisitor for MinOf {
    fn visit<T: Message + Conform + for<'a> arbitrary::Arbitrary<'a>>(&mut self) {
        if self.seen == self.want {
            self.min = T::MIN_VERSION;
        }
        self.seen += 1;
    }
}

struct Names(BTreeMap<&'static str, u8>);

impl MessageVisitor for Names {
    fn visit<T: Message + Conform + for<'a> arbitrary::Arbitrary<'a>>(&mut self) {
        let n = self.0.len() as u8;
        self.0.insert(T::NAME, n);
    }
}

/// Encodes a request or response body at a version (the body enums have no `to_bytes`).
trait BodyBytes {
    fn to_bytes_at(&self, version: i16) -> Result<Vec<u8>, kafka_codec::EncodeError>;
}

impl BodyBytes for RequestBody {
    fn to_bytes_at(&self, version: i16) -> Result<Vec<u8>, kafka_codec::EncodeError> {
        let mut b = bytes::BytesMut::with_capacity(self.encoded_len(version));
        self.encode(&mut b, version)?;
        Ok(b.to_vec())
    }
}

impl BodyBytes for ResponseBody {
    fn to_bytes_at(&self, version: i16) -> Result<Vec<u8>, kafka_codec::EncodeError> {
        let mut b = bytes::BytesMut::with_capacity(self.encoded_len(version));
        self.encode(&mut b, version)?;
        Ok(b.to_vec())
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = PathBuf::from(args.first().map_or("fuzz/corpus", String::as_str));
    let captures = PathBuf::from(args.get(1).map_or("testdata/captures", String::as_str));
    let mut s = Seeds {
        out,
        counts: BTreeMap::new(),
    };

    let fields = record_fields();
    for f in &fields {
        s.add("record_batch", &cat(&[&[0], f]));
        s.add("record_batch", &cat(&[&[1], f]));
    }
    let aborted = cat(&[&7i64.to_be_bytes(), &0i64.to_be_bytes()]);
    for f in &fields {
        s.add("record_batch", &cat(&[&[2], &aborted, f]));
    }
    records_in_messages(&mut s, &fields);

    let mut g = Generic {
        seeds: &mut s,
        index: 0,
        payloads: BTreeMap::new(),
    };
    kafka_codec::__private::generated::visit_messages(&mut g);
    let payloads = std::mem::take(&mut g.payloads);
    consumer_seeds(&mut s, &payloads);

    if captures.is_dir() {
        let mut names = Names(BTreeMap::new());
        kafka_codec::__private::generated::visit_messages(&mut names);
        let n = capture_seeds(&mut s, &captures, &names.0);
        println!("{n} captured requests used from {}", captures.display());
    } else {
        println!("no captures at {} (encoder seeds only)", captures.display());
    }
    for (t, n) in &s.counts {
        println!("{t}: {n} new seeds");
    }
}

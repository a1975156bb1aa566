//! What the fuzz targets check, shared with `tests/fuzz_regressions.rs` (which includes this
//! file with `#[path]`, so every regression input is replayed under the same assertions).
//!
//! Each `pub fn` named after a target takes the raw fuzzer input; its doc comment gives the
//! input layout. Beyond "no panic", every target asserts:
//!
//! - **Allocation bound.** A counting global allocator ([`Meter`]) records the bytes allocated
//!   while a message or frame decodes; they must stay within [`decode_budget`] of the input
//!   length: `96 × input + 64 KiB` (see [`DECODE_BYTES_PER_INPUT_BYTE`] for why).
//! - **Decompression bound.** Records are walked with `max_decompressed_size` set to
//!   [`MAX_DECOMPRESSED`]; no decompressed payload may exceed it, and the peak memory of a
//!   walk must stay within [`records_budget`].
//! - **Bounded recursion.** The deepest stack seen at any allocation during a decode or walk
//!   must stay under [`STACK_BUDGET`] ([`RECORDS_STACK_BUDGET`] for records walks).
//! - **Exactness.** Whatever decodes re-encodes to exactly the input bytes, `encoded_len`
//!   agrees, and the re-encoding decodes to an equal value.
//!
//! Time is bounded from outside: the targets run with libFuzzer's `-timeout` and
//! `-rss_limit_mb` set tight (see `fuzz/ci.sh` and FUZZING.md).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::OnceLock;

use bytes::Bytes;
use kafka_codec::consumer::{ConsumerOffsetsKey, ConsumerOffsetsValue, Versioned};
use kafka_codec::frame::{decode_request_payload, decode_response_payload};
use kafka_codec::messages::{
    ConsumerProtocolAssignment, ConsumerProtocolSubscription, FetchRequest, FetchResponse,
    ProduceRequest,
};
use kafka_codec::records::{
    entries, read_committed, AbortedTransaction, Entry, RecordBatch, RecordBatchBuilder,
    RecordErrorKind, RecordOptions,
};
use kafka_codec::{ApiKey, Message, RequestBody, ResponseBody};

// ---------------------------------------------------------------------------------------------
// Counting allocator

/// A global allocator that counts, per thread, the bytes live, the peak, the bytes allocated in
/// total since the last [`measure`], and the lowest stack address seen at an allocation.
pub struct Meter;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
    static TOTAL: Cell<usize> = const { Cell::new(0) };
    static LOW_SP: Cell<usize> = const { Cell::new(usize::MAX) };
}

#[inline(always)]
fn stack_address() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

fn on_alloc(size: usize) {
    let _ = LIVE.try_with(|live| {
        let n = live.get().saturating_add(size);
        live.set(n);
        let _ = PEAK.try_with(|p| p.set(p.get().max(n)));
    });
    let _ = TOTAL.try_with(|t| t.set(t.get().saturating_add(size)));
    let sp = stack_address();
    let _ = LOW_SP.try_with(|l| l.set(l.get().min(sp)));
}

fn on_free(size: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get().saturating_sub(size)));
}

// SAFETY: every call is forwarded to the system allocator unchanged; the bookkeeping touches
// only const-initialised thread-locals, which never allocate.
unsafe impl GlobalAlloc for Meter {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            on_alloc(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            on_alloc(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        on_free(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            on_free(layout.size());
            on_alloc(new_size);
        }
        p
    }
}

#[global_allocator]
static METER: Meter = Meter;

/// What a closure cost, as seen by [`Meter`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Usage {
    /// Bytes allocated in total (a `realloc` counts its new size).
    pub total: usize,
    /// Highest live bytes above what was live on entry.
    pub peak: usize,
    /// Deepest stack seen at an allocation, in bytes below the caller's frame.
    pub stack: usize,
}

/// Runs `f`, returning its result and what it allocated. Not reentrant.
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, Usage) {
    let live0 = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(live0));
    TOTAL.with(|t| t.set(0));
    LOW_SP.with(|l| l.set(usize::MAX));
    let sp0 = stack_address();
    let r = std::hint::black_box(f());
    let low = LOW_SP.with(Cell::get);
    let usage = Usage {
        total: TOTAL.with(Cell::get),
        peak: PEAK.with(Cell::get) - live0,
        stack: if low == usize::MAX {
            0
        } else {
            sp0.saturating_sub(low)
        },
    };
    (r, usage)
}

// ---------------------------------------------------------------------------------------------
// Budgets

/// Bytes a decode may allocate per input byte.
///
/// Decoding borrows strings and byte fields from the input (`Bytes` slices), so what it
/// allocates is the `Vec`s of arrays and the unknown-tagged-field lists. An array's count is
/// checked against the bytes left times the smallest wire size of one element *before*
/// `Vec::with_capacity`, so one array costs at most (in-memory size / smallest wire size) per
/// remaining byte. Nested arrays add up: each may claim the same remaining bytes before its
/// parent runs out of them. The worst path in the schemas (computed from the generated code's
/// minimum sizes and `size_of` on x86-64) is OffsetFetchRequest v8+ groups (136 B / 3) >
/// topics (112 B / 3) > partition indexes (4 / 4): 83.7 bytes per input byte, reached by a
/// crafted input (`tests/fuzz_regressions/decode_request/offset_fetch_v8_nested_array_claims.bin`).
/// 96 covers it with a little headroom, and still fails on a count trusted without a check
/// (gigabytes from a few bytes) or a minimum element size set too low on a hot path.
pub const DECODE_BYTES_PER_INPUT_BYTE: usize = 96;

/// Bytes any decode may allocate regardless of input size: error values with their field
/// paths, `Bytes` reference counts, small `Vec`s.
pub const DECODE_CONSTANT: usize = 64 << 10;

/// The most a decode of `input_len` bytes may allocate in total.
pub fn decode_budget(input_len: usize) -> usize {
    DECODE_BYTES_PER_INPUT_BYTE * input_len + DECODE_CONSTANT
}

/// `max_decompressed_size` the targets walk records with: small, so that the limit is actually
/// reached by fuzzed inputs (a few hundred bytes of gzip or zstd expand past it).
pub const MAX_DECOMPRESSED: usize = 1 << 20;

/// Decoder state a codec may hold beyond its output, whatever the input: ruzstd reserves the
/// window a frame header declares, which the crate accepts up to `max(limit, 8 MiB)`; LZ4
/// frames have blocks of up to 4 MiB, read into a block buffer and a decompression buffer.
pub const CODEC_STATE: usize = 24 << 20;

/// The most a records walk over `input_len` bytes may hold live at once: the decode budget,
/// plus one decompressed payload (its `Vec` may be up to twice the limit while growing) and
/// the codec's own state. Payloads are dropped batch by batch, so this does not grow with
/// the number of compressed batches.
pub fn records_budget(input_len: usize) -> usize {
    decode_budget(input_len) + 2 * MAX_DECOMPRESSED + CODEC_STATE
}

/// Deepest stack a message or frame decode may use, measured from the target's frame. Kafka's
/// schemas nest structs at most a handful of levels, so anything deeper means recursion driven
/// by the input.
pub const STACK_BUDGET: usize = 256 << 10;

/// Deepest stack a records walk may use. Larger than [`STACK_BUDGET`] because decompressors
/// keep fixed-size state on the stack (measured: ~260 KiB under AddressSanitizer, whose
/// redzones inflate frames); legacy wrappers nest once, so this does not grow with the input.
pub const RECORDS_STACK_BUDGET: usize = 1 << 20;

fn record_options(verify_crc: bool) -> RecordOptions {
    RecordOptions::default()
        .with_verify_crc(verify_crc)
        .with_max_decompressed_size(MAX_DECOMPRESSED)
}

thread_local! {
    static HIGH_WATER: Cell<[usize; 4]> = const { Cell::new([0; 4]) };
}

/// Prints each new maximum of what the budgets bound (bytes allocated per input byte for
/// inputs of 256 bytes or more, decode stack, records-walk peak and stack), so that a campaign
/// log shows what the codec really needs against its budget.
fn high_water(slot: usize, what: &str, value: usize, detail: impl FnOnce() -> String) {
    let mut hw = HIGH_WATER.with(Cell::get);
    if value > hw[slot] {
        hw[slot] = value;
        HIGH_WATER.with(|h| h.set(hw));
        if std::env::var_os("KAFKA_FUZZ_QUIET").is_none() {
            eprintln!("HIGH-WATER {what}: {value} ({})", detail());
        }
    }
}

#[track_caller]
fn check_decode_usage(what: &str, input_len: usize, u: Usage) {
    if input_len >= 256 {
        high_water(
            0,
            "decode bytes allocated per input byte",
            u.total / input_len,
            || format!("{what}: {} bytes for {input_len}", u.total),
        );
    }
    high_water(1, "decode stack bytes", u.stack, || what.to_string());
    assert!(
        u.total <= decode_budget(input_len),
        "{what}: decoding {input_len} bytes allocated {} bytes (budget {})",
        u.total,
        decode_budget(input_len)
    );
    check_stack(what, u);
}

#[track_caller]
fn check_stack(what: &str, u: Usage) {
    assert!(
        u.stack <= STACK_BUDGET,
        "{what}: {} bytes of stack (budget {STACK_BUDGET})",
        u.stack
    );
}

// ---------------------------------------------------------------------------------------------
// Messages

/// The version byte `b` picks among the versions of `T` and one past the newest (which must
/// be refused cleanly).
fn pick_version<T: Message>(b: u8) -> i16 {
    let span = T::MAX_VERSION - T::MIN_VERSION + 2;
    T::MIN_VERSION + (b as i16) % span
}

/// Decodes `payload` as a whole `T` at `version` under the allocation budget; if it decodes,
/// checks that it re-encodes to exactly `payload` and decodes again to an equal value.
pub fn message_roundtrip<T: Message>(payload: &Bytes, version: i16) -> Option<T> {
    let (res, usage) = measure(|| T::from_bytes(payload.clone(), version));
    check_decode_usage(T::NAME, payload.len(), usage);
    let m = match res {
        Ok(m) => m,
        Err(e) => {
            assert!(
                e.offset() <= payload.len(),
                "{} v{version}: error offset {} past the input ({} bytes): {e}",
                T::NAME,
                e.offset(),
                payload.len()
            );
            let _ = e.to_string();
            return None;
        }
    };
    assert_reencodes(&m, version, payload);
    Some(m)
}

#[track_caller]
fn assert_reencodes<T: Message>(m: &T, version: i16, wire: &[u8]) {
    assert_eq!(
        m.encoded_len(version),
        wire.len(),
        "{} v{version}: encoded_len differs from the decoded length",
        T::NAME
    );
    let again = m
        .to_bytes(version)
        .unwrap_or_else(|e| panic!("{} v{version}: decoded value does not encode: {e}", T::NAME));
    assert!(
        again[..] == wire[..],
        "{} v{version}: re-encoding differs\n input: {wire:02x?}\noutput: {:02x?}",
        T::NAME,
        &again[..]
    );
    let back = T::from_bytes(again.freeze(), version)
        .unwrap_or_else(|e| panic!("{} v{version}: re-encoding does not decode: {e}", T::NAME));
    assert!(
        &back == m,
        "{} v{version}: decoding the re-encoding gives another value",
        T::NAME
    );
}

// ---------------------------------------------------------------------------------------------
// Records

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
fn walk_fetch_response(m: &FetchResponse, input_len: usize) {
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
fn walk_produce_request(m: &ProduceRequest, input_len: usize) {
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
fn check_records_usage(input_len: usize, u: Usage) {
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

// ---------------------------------------------------------------------------------------------
// Targets

/// `decode_fetch`: `[selector][version][body]`. Selector bit 0 picks FetchRequest (0) or
/// FetchResponse (1); the version byte picks any version of it, or one past the newest. The
/// body must decode within budget, re-encode exactly, and — for a response — every record of
/// every batch of every partition is walked (read_uncommitted with CRCs, read_committed with
/// the response's aborted transactions, and again without CRC checks so that fuzzed batches
/// reach the record parser).
pub fn decode_fetch(data: &[u8]) {
    let [sel, v, body @ ..] = data else { return };
    let body = Bytes::copy_from_slice(body);
    if sel & 1 == 0 {
        message_roundtrip::<FetchRequest>(&body, pick_version::<FetchRequest>(*v));
    } else if let Some(m) =
        message_roundtrip::<FetchResponse>(&body, pick_version::<FetchResponse>(*v))
    {
        walk_fetch_response(&m, body.len());
    }
}

/// `decode_request`: a request payload as `split_frame` returns it (API key, version,
/// correlation id, client id, ..., body). Decoded within budget; a decoded frame must encode
/// to exactly the size prefix plus the input (trailing bytes included), and the whole frame
/// must decode to an equal frame. Records of Produce requests are walked.
pub fn decode_request(data: &[u8]) {
    let payload = Bytes::copy_from_slice(data);
    let (res, usage) = measure(|| decode_request_payload(payload.clone()));
    check_decode_usage("request", data.len(), usage);
    let frame = match res {
        Ok(f) => f,
        Err(e) => {
            assert!(e.offset() <= data.len(), "error offset past the input: {e}");
            return;
        }
    };
    let wire = frame
        .encode()
        .unwrap_or_else(|e| panic!("decoded request does not encode: {e}"));
    assert_eq!(wire.len(), data.len() + 4);
    assert_eq!(&wire[..4], &(data.len() as i32).to_be_bytes());
    assert!(
        wire[4..] == data[..],
        "request re-encoding differs\n input: {data:02x?}\noutput: {:02x?}",
        &wire[4..]
    );
    let again = kafka_codec::frame::decode_request(wire).expect("re-encoded request decodes");
    assert!(
        again == frame,
        "re-encoded request decodes to another frame"
    );
    if let RequestBody::Produce(p) = &frame.body {
        walk_produce_request(p, data.len());
    }
}

/// The APIs whose responses this build decodes, with their version ranges (the `decode_response`
/// selector indexes this list).
pub fn response_apis() -> &'static [(ApiKey, i16, i16)] {
    static APIS: OnceLock<Vec<(ApiKey, i16, i16)>> = OnceLock::new();
    APIS.get_or_init(|| {
        kafka_codec::__private::generated::api_keys::API_INFO
            .iter()
            .filter(|i| {
                (i.min_version..=i.max_version)
                    .any(|v| ResponseBody::is_supported(ApiKey(i.key), v))
            })
            .map(|i| (ApiKey(i.key), i.min_version, i.max_version))
            .collect()
    })
}

/// `decode_response`: `[api selector][version][payload]`. The selector picks one of the APIs
/// this build decodes (values past them give an unknown key, decoded as raw); the version byte
/// picks any version of it or one past the newest. The payload (response header and body) is
/// decoded within budget and must re-encode exactly, ApiVersions' KIP-511 fallback included.
/// Fetch responses have their records walked.
pub fn decode_response(data: &[u8]) {
    let [sel, v, rest @ ..] = data else { return };
    let apis = response_apis();
    let (key, version) = match apis.get(*sel as usize) {
        Some(&(key, min, max)) => (key, min + (*v as i16) % (max - min + 2)),
        None => (ApiKey(1000 + *sel as i16), *v as i16),
    };
    let payload = Bytes::copy_from_slice(rest);
    let (res, usage) = measure(|| decode_response_payload(key, version, payload.clone()));
    check_decode_usage("response", rest.len(), usage);
    let frame = match res {
        Ok(f) => f,
        Err(e) => {
            assert!(e.offset() <= rest.len(), "error offset past the input: {e}");
            return;
        }
    };
    let wire = frame
        .encode()
        .unwrap_or_else(|e| panic!("decoded {key:?} v{version} response does not encode: {e}"));
    assert!(
        wire[4..] == rest[..],
        "{key:?} v{version} response re-encoding differs\n input: {rest:02x?}\noutput: {:02x?}",
        &wire[4..]
    );
    let again = kafka_codec::frame::decode_response(key, version, wire)
        .expect("re-encoded response decodes");
    assert!(
        again == frame,
        "re-encoded response decodes to another frame"
    );
    if let ResponseBody::Fetch(f) = &frame.body {
        walk_fetch_response(f, rest.len());
    }
}

/// `record_batch`: `[flags][records field]`. Flag bit 0 turns CRC checks off (so fuzzed
/// batches get past them); bit 1 reads 16 bytes (producer id, first offset) of one aborted
/// transaction before the records. Walks every entry — v2 batches and legacy magic 0/1
/// messages, compressed with any codec or not — under [`records_budget`], checks the
/// decompression limit, and rebuilds every valid batch with the builder.
pub fn record_batch(data: &[u8]) {
    let [flags, rest @ ..] = data else { return };
    let (aborted, records) = if flags & 2 != 0 && rest.len() >= 16 {
        let (t, r) = rest.split_at(16);
        let pid = i64::from_be_bytes(t[..8].try_into().unwrap_or_default());
        let first = i64::from_be_bytes(t[8..].try_into().unwrap_or_default());
        (vec![AbortedTransaction::from((pid, first))], r)
    } else {
        (Vec::new(), rest)
    };
    let (_, usage) = measure(|| walk_records(records, &aborted, flags & 1 == 0));
    check_records_usage(records.len(), usage);
}

fn versioned_roundtrip<T: Message>(bytes: &Bytes) -> Option<Versioned<T>> {
    let (res, usage) = measure(|| Versioned::<T>::decode(bytes.clone()));
    check_decode_usage(T::NAME, bytes.len(), usage);
    let v = res.ok()?;
    let wire = v.encode().expect("decoded payload encodes");
    assert!(
        wire == bytes,
        "{} payload re-encoding differs\n input: {:02x?}\noutput: {:02x?}",
        T::NAME,
        &bytes[..],
        &wire[..]
    );
    assert!(Versioned::<T>::decode(wire).expect("decodes again") == v);
    Some(v)
}

/// `consumer_protocol`: `[selector][bytes]`. Selector 0: a consumer-protocol Subscription
/// (int16 version, payload), 1: an Assignment, otherwise a `__consumer_offsets` record: the
/// next byte is the key length, the key follows, and the rest is the value (a tombstone when
/// selector bit 7 is set). Everything that decodes must re-encode exactly; a group metadata
/// value's members have their subscription and assignment decoded too, as a coordinator
/// tool would.
pub fn consumer_protocol(data: &[u8]) {
    let [sel, rest @ ..] = data else { return };
    match sel % 3 {
        0 => {
            versioned_roundtrip::<ConsumerProtocolSubscription>(&Bytes::copy_from_slice(rest));
        }
        1 => {
            versioned_roundtrip::<ConsumerProtocolAssignment>(&Bytes::copy_from_slice(rest));
        }
        _ => {
            let [klen, rest @ ..] = rest else { return };
            let k = (*klen as usize).min(rest.len());
            let key_bytes = Bytes::copy_from_slice(&rest[..k]);
            let value_bytes = Bytes::copy_from_slice(&rest[k..]);
            let (key, usage) = measure(|| ConsumerOffsetsKey::decode(key_bytes.clone()));
            check_decode_usage("__consumer_offsets key", k, usage);
            let Ok(key) = key else { return };
            assert!(
                key.encode().expect("key encodes") == key_bytes,
                "key re-encoding"
            );
            if sel & 0x80 != 0 {
                return; // tombstone: no value to decode
            }
            let (value, usage) = measure(|| key.decode_value(value_bytes.clone()));
            check_decode_usage("__consumer_offsets value", value_bytes.len(), usage);
            let Ok(value) = value else { return };
            assert!(
                value.encode().expect("value encodes") == value_bytes,
                "value re-encoding"
            );
            if let ConsumerOffsetsValue::GroupMetadata(g) = value {
                for m in &g.message.members {
                    versioned_roundtrip::<ConsumerProtocolSubscription>(&m.subscription);
                    versioned_roundtrip::<ConsumerProtocolAssignment>(&m.assignment);
                }
            }
        }
    }
}

#[cfg(feature = "arbitrary")]
pub use with_arbitrary::{roundtrip, structured};

/// Targets that reach every message type generically through `visit_messages`, which the
/// crate provides with its `arbitrary` feature.
#[cfg(feature = "arbitrary")]
mod with_arbitrary {
    use super::*;
    use kafka_codec::__private::support::{Conform, MessageVisitor};

    struct Count(usize);

    impl MessageVisitor for Count {
        fn visit<T: Message + Conform + for<'a> arbitrary::Arbitrary<'a>>(&mut self) {
            self.0 += 1;
        }
    }

    /// How many top-level message types `visit_messages` visits.
    pub fn message_count() -> usize {
        static N: OnceLock<usize> = OnceLock::new();
        *N.get_or_init(|| {
            let mut c = Count(0);
            kafka_codec::__private::generated::visit_messages(&mut c);
            c.0
        })
    }

    /// Runs `check::<T>` for the `index`-th message type.
    struct Pick<'d> {
        index: usize,
        seen: usize,
        version_byte: u8,
        data: &'d [u8],
        structured: bool,
    }

    impl MessageVisitor for Pick<'_> {
        fn visit<T: Message + Conform + for<'a> arbitrary::Arbitrary<'a>>(&mut self) {
            if self.seen == self.index {
                if self.structured {
                    structured_one::<T>(self.version_byte, self.data);
                } else {
                    let payload = Bytes::copy_from_slice(self.data);
                    message_roundtrip::<T>(&payload, pick_version::<T>(self.version_byte));
                }
            }
            self.seen += 1;
        }
    }

    fn pick(data: &[u8], structured: bool) {
        let [t, v, rest @ ..] = data else { return };
        let mut p = Pick {
            index: *t as usize % message_count(),
            seen: 0,
            version_byte: *v,
            data: rest,
            structured,
        };
        kafka_codec::__private::generated::visit_messages(&mut p);
    }

    /// `roundtrip`: `[type][version][payload]` — any message type (request and response bodies,
    /// headers, consumer-protocol and `__consumer_offsets` payloads), any version of it or one
    /// past the newest. Whatever decodes (within budget) must re-encode to the same bytes and
    /// decode again to an equal value.
    pub fn roundtrip(data: &[u8]) {
        pick(data, false)
    }

    /// `structured`: `[type][version][arbitrary bytes]` — an arbitrary value of any message
    /// type is conformed to one of its versions, encoded (its length must match
    /// `encoded_len`), decoded within budget (relative to the encoding's length) to an equal
    /// value, and re-encoded identically.
    pub fn structured(data: &[u8]) {
        pick(data, true)
    }

    fn structured_one<T: Message + Conform + for<'a> arbitrary::Arbitrary<'a>>(
        version_byte: u8,
        data: &[u8],
    ) {
        let span = T::MAX_VERSION - T::MIN_VERSION + 1;
        let version = T::MIN_VERSION + (version_byte as i16) % span;
        let mut u = arbitrary::Unstructured::new(data);
        let Ok(mut m) = T::arbitrary(&mut u) else {
            return;
        };
        m.conform(version);
        let wire = m.to_bytes(version).unwrap_or_else(|e| {
            panic!(
                "{} v{version}: conformed value does not encode: {e}",
                T::NAME
            )
        });
        assert_eq!(
            wire.len(),
            m.encoded_len(version),
            "{} v{version}: encoded_len",
            T::NAME
        );
        let wire = wire.freeze();
        let (back, usage) = measure(|| T::from_bytes(wire.clone(), version));
        check_decode_usage(T::NAME, wire.len(), usage);
        let back = back.unwrap_or_else(|e| panic!("{} v{version}: does not decode: {e}", T::NAME));
        assert!(
            back == m,
            "{} v{version}: decoded value differs\n  sent: {m:?}\n  back: {back:?}",
            T::NAME
        );
        assert_reencodes(&back, version, &wire);
    }
}

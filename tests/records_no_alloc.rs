//! Proves the borrowed fast path allocates nothing: walking the entries of a records field,
//! verifying CRC-32C, iterating every record and header of uncompressed batches.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use kafka_codec::records::*;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);
thread_local! {
    /// Counting is on for this thread only: tests run in parallel, and another test's
    /// allocations must not count against the one measuring.
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
}

fn active() -> bool {
    ACTIVE.with(Cell::get)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if active() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if active() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            BYTES.fetch_add(new_size, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Counts allocations made by `f` on this thread. Measuring tests also take a lock, so the
/// counters belong to one of them at a time.
fn counting<R>(f: impl FnOnce() -> R) -> (R, usize, usize) {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    ALLOCATIONS.store(0, Ordering::SeqCst);
    BYTES.store(0, Ordering::SeqCst);
    ACTIVE.with(|a| a.set(true));
    let r = f();
    ACTIVE.with(|a| a.set(false));
    (
        r,
        ALLOCATIONS.load(Ordering::SeqCst),
        BYTES.load(Ordering::SeqCst),
    )
}

fn fetched() -> Vec<u8> {
    let mut wire = Vec::new();
    for batch in 0..4i64 {
        let mut b = RecordBatchBuilder::new(batch * 100).producer(7, 1, (batch * 100) as i32);
        for i in 0..100u8 {
            b.push(
                NewRecord::new(1_700_000_000_000 + i as i64)
                    .key(&[i; 16])
                    .value(&[i; 100])
                    .header(b"trace-id", &[i; 8])
                    .header(b"trace-id", b"dup")
                    .null_header(b"n"),
            );
        }
        wire.extend_from_slice(&b.build().unwrap());
    }
    // A cut tail, as a Fetch response carries.
    let mut b = RecordBatchBuilder::new(400);
    b.push(NewRecord::new(0).value(b"tail"));
    let tail = b.build().unwrap();
    wire.extend_from_slice(&tail[..tail.len() / 2]);
    wire
}

#[test]
fn iterating_uncompressed_batches_with_crc_allocates_nothing() {
    let wire = fetched();
    let opts = RecordOptions::default();
    assert!(opts.verify_crc);
    let ((records, headers, checksum, partial), allocs, _) = counting(|| {
        let (mut records, mut headers, mut checksum, mut partial) = (0usize, 0usize, 0u64, false);
        for e in entries(&wire, &opts) {
            match e.unwrap() {
                Entry::Batch(batch) => {
                    // Both paths: `records()` and `payload()` of an uncompressed batch.
                    let payload = batch.payload(&opts).unwrap();
                    for r in payload.records().zip(batch.records().unwrap()) {
                        let (r, r2) = (r.0.unwrap(), r.1.unwrap());
                        records += 1;
                        checksum += r.offset() as u64 + r.timestamp() as u64;
                        checksum += r.key().unwrap()[0] as u64 + r.value().unwrap().len() as u64;
                        checksum += r2.value().unwrap().len() as u64;
                        for h in r.headers() {
                            headers += 1;
                            checksum += h.key.len() as u64 + h.value.map_or(0, <[u8]>::len) as u64;
                        }
                    }
                }
                Entry::Legacy(_) => unreachable!(),
                Entry::Partial(_) => partial = true,
            }
        }
        (records, headers, checksum, partial)
    });
    assert_eq!(allocs, 0, "the borrowed walk allocated");
    assert_eq!(records, 400);
    assert_eq!(headers, 1200);
    assert!(checksum > 0);
    assert!(partial);
}

#[test]
fn for_each_record_on_uncompressed_data_allocates_nothing() {
    let wire = fetched();
    let opts = RecordOptions::default();
    let ((n, tail), allocs, _) = counting(|| {
        let mut n = 0usize;
        let tail = for_each_record(&wire, &opts, |r| {
            n += r.value.map_or(0, <[u8]>::len) + r.headers.count();
        })
        .unwrap();
        (n, tail.is_some())
    });
    assert_eq!(allocs, 0);
    assert_eq!(n, 400 * 103);
    assert!(tail);
}

#[test]
fn legacy_uncompressed_walk_allocates_nothing() {
    let mut b = LegacyMessageSetBuilder::new(1, 0);
    for i in 0..50u8 {
        b.push(i as i64, Some(&[i]), Some(&[i; 40]));
    }
    let wire = b.build().unwrap();
    let opts = RecordOptions::default();
    let (n, allocs, _) = counting(|| {
        let mut n = 0;
        for e in entries(&wire, &opts) {
            let Entry::Legacy(m) = e.unwrap() else {
                unreachable!()
            };
            for m in m.messages(&opts).unwrap().iter() {
                n += m.unwrap().value().unwrap().len();
            }
        }
        n
    });
    assert_eq!(allocs, 0);
    assert_eq!(n, 50 * 40);
}

#[cfg(all(
    feature = "gzip",
    feature = "snappy",
    feature = "lz4",
    feature = "zstd"
))]
#[test]
fn decompression_allocates_about_the_limit_not_the_claim() {
    // 32 MiB of zeros, compressed; the limit is 256 KiB. Whatever the codec, the decoder must
    // stop near the limit instead of allocating the full output.
    let zeros = vec![0u8; 32 << 20];
    let opts = RecordOptions::default().with_max_decompressed_size(256 << 10);
    for codec in [
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ] {
        let packed = compression::compress(codec, &zeros, 2).unwrap();
        let (r, _, bytes) = counting(|| compression::decompress(codec, &packed, 2, &opts));
        assert_eq!(
            r.unwrap_err(),
            RecordErrorKind::DecompressedTooLarge { limit: 256 << 10 }
        );
        assert!(bytes < 16 << 20, "{codec:?} allocated {bytes} bytes");
    }
}

/// A zstd frame declaring a 128 MiB window (what `zstd --ultra -22` and a Java producer at level
/// 20-22 write for a stream of unknown size) costs memory in proportion to what it produces,
/// not to its window: the output limit is the guard (issue 11).
#[cfg(feature = "zstd")]
#[test]
fn zstd_window_of_128_mib_allocates_in_proportion_to_the_output() {
    // "hello kafka " x 20 from libzstd 1.5.4 at level 22: window descriptor 0x88 (2^27).
    let hex = "28b52ffd04889d00006068656c6c6f206b61666b61200100e1532509167259b1";
    let frame: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let opts = RecordOptions::default();
    let (out, _, bytes) =
        counting(|| compression::decompress(Compression::Zstd, &frame, 2, &opts).unwrap());
    assert_eq!(out.len(), 240);
    assert!(
        bytes < 1 << 20,
        "{bytes} bytes allocated for a 240-byte output"
    );
}

/// Batches written in place into a buffer with room: no allocation per batch or per record.
#[test]
fn writing_uncompressed_batches_in_place_allocates_nothing() {
    let value = [7u8; 100];
    let key = [1u8; 16];
    let headers = [Header {
        key: b"trace-id",
        value: Some(&key[..]),
    }];
    let mut out = bytes::BytesMut::with_capacity(1 << 20);
    let (written, allocations, _) = counting(|| {
        let mut base = 0;
        for _batch in 0..20 {
            let mut w = RecordBatchBuilder::new(base)
                .producer(4000, 0, base as i32)
                .begin(&mut out);
            for i in 0..100 {
                w.append(1_000 + i, Some(&key), Some(&value), &headers, None, 0);
            }
            w.finish().unwrap();
            base += 100;
        }
        base
    });
    assert_eq!(
        allocations, 0,
        "allocations while writing {written} records"
    );
    let mut seen = 0;
    for_each_record(&out, &RecordOptions::default(), |r| {
        assert_eq!(r.value, Some(&value[..]));
        seen += 1;
    })
    .unwrap();
    assert_eq!(seen, written);
}

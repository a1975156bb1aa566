//! A global allocator that counts allocations while counting is switched on, so a benchmark can
//! print allocations per operation next to its times. Counting is off during timed loops; the
//! only cost there is one relaxed load per allocation, paid equally by both crates.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Counts calls to `alloc`/`realloc` (and bytes requested) while [`ENABLED`] is set.
pub struct CountingAlloc;

static ENABLED: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

#[inline]
fn note(size: usize) {
    if ENABLED.load(Ordering::Relaxed) {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(size as u64, Ordering::Relaxed);
    }
}

// SAFETY: every method forwards to `System` unchanged; counting touches only atomics.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: forwarded with the caller's pointer, layout and size.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Allocations (calls to alloc, alloc_zeroed and realloc) and bytes requested by one call of
/// `op`, measured after one warm-up call.
pub fn count<R>(mut op: impl FnMut() -> R) -> (u64, u64) {
    drop(std::hint::black_box(op()));
    ALLOCS.store(0, Ordering::SeqCst);
    BYTES.store(0, Ordering::SeqCst);
    ENABLED.store(true, Ordering::SeqCst);
    let r = std::hint::black_box(op());
    ENABLED.store(false, Ordering::SeqCst);
    drop(r);
    (ALLOCS.load(Ordering::SeqCst), BYTES.load(Ordering::SeqCst))
}

/// Prints one line per benchmark to stderr, in a fixed format that BENCHMARKS.md is built from:
/// `allocs <group>/<bench>: <allocations> allocs, <bytes> bytes[, <per record> allocs/record]`.
pub fn report<R>(group: &str, bench: &str, records: Option<u64>, op: impl FnMut() -> R) {
    let (n, bytes) = count(op);
    match records {
        Some(r) if r > 0 => eprintln!(
            "allocs {group}/{bench}: {n} allocs, {bytes} bytes, {:.3} allocs/record",
            n as f64 / r as f64
        ),
        _ => eprintln!("allocs {group}/{bench}: {n} allocs, {bytes} bytes"),
    }
}

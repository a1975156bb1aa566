//! The counting global allocator the budgets are measured with, and [`measure`].
//!
//! Linking this crate installs [`Meter`] as the process's global allocator (a fuzz target or a
//! test binary that uses the checks gets it without declaring anything).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

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
pub(crate) fn stack_address() -> usize {
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

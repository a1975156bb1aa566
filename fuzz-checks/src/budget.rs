//! The limits every target holds the codec to, and the assertions that apply them to a
//! [`Usage`] measured by [`crate::meter`].

use std::cell::Cell;

use crate::meter::Usage;

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

thread_local! {
    static HIGH_WATER: Cell<[usize; 4]> = const { Cell::new([0; 4]) };
}

/// Prints each new maximum of what the budgets bound (bytes allocated per input byte for
/// inputs of 256 bytes or more, decode stack, records-walk peak and stack), so that a campaign
/// log shows what the codec really needs against its budget.
pub(crate) fn high_water(slot: usize, what: &str, value: usize, detail: impl FnOnce() -> String) {
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
pub(crate) fn check_decode_usage(what: &str, input_len: usize, u: Usage) {
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
pub(crate) fn check_stack(what: &str, u: Usage) {
    assert!(
        u.stack <= STACK_BUDGET,
        "{what}: {} bytes of stack (budget {STACK_BUDGET})",
        u.stack
    );
}

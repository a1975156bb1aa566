//! What kafka-codec's fuzz targets check, as an ordinary library with no libFuzzer in it.
//!
//! The cargo-fuzz binaries in `fuzz/fuzz_targets/` are one line each on top of [`targets`],
//! and `tests/fuzz_regressions.rs` replays the committed inputs through the very same
//! functions, so a finding stays fixed under the assertions that found it. Being a workspace
//! member, this crate is built, linted and tested by every `cargo test --workspace`: a change
//! to the codec that breaks the checks is seen at once, not at the next fuzz run.
//!
//! Beyond "no panic", every target asserts:
//!
//! - **Allocation bound** ([`budget`]): the bytes allocated while a message or frame decodes,
//!   counted by the global allocator in [`meter`], stay within [`decode_budget`] of the input
//!   length: `96 × input + 64 KiB` (see [`DECODE_BYTES_PER_INPUT_BYTE`] for why).
//! - **Decompression bound** ([`records`]): records are walked with `max_decompressed_size`
//!   set to [`MAX_DECOMPRESSED`]; no decompressed payload may exceed it, and the peak memory
//!   of a walk stays within [`records_budget`].
//! - **Bounded recursion**: the deepest stack seen at any allocation during a decode or walk
//!   stays under [`STACK_BUDGET`] ([`RECORDS_STACK_BUDGET`] for records walks).
//! - **Exactness** ([`message`]): whatever decodes re-encodes to exactly the input bytes,
//!   `encoded_len` agrees, and the re-encoding decodes to an equal value.
//!
//! Time is bounded from outside: the fuzz runs use libFuzzer's `-timeout` and `-rss_limit_mb`
//! (see `fuzz/ci.sh` and FUZZING.md).

pub mod budget;
pub mod message;
pub mod meter;
pub mod records;
pub mod targets;

pub use budget::{
    decode_budget, records_budget, CODEC_STATE, DECODE_BYTES_PER_INPUT_BYTE, DECODE_CONSTANT,
    MAX_DECOMPRESSED, RECORDS_STACK_BUDGET, STACK_BUDGET,
};
pub use meter::{measure, Meter, Usage};
pub use targets::*;

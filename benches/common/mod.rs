//! Helpers shared by the benchmarks: a counting allocator, the workloads' input bytes, the
//! bare borrowed walk used as a floor, and reading every field through the views. Each bench binary compiles this module and uses part of it.
#![allow(dead_code)]

pub mod alloc;
pub mod build;
pub mod data;
pub mod floor;
pub mod views;
pub mod walk;

use std::time::Duration;

use criterion::Criterion;

/// Criterion settings kept modest so a full `cargo bench` stays within ~10 minutes on two
/// shared cores; `cargo bench -- --test` runs every benchmark once regardless.
pub fn criterion() -> Criterion {
    criterion_with(10, Duration::from_secs(2))
}

/// [`criterion`] with another sample size and measurement time (still overridable from the
/// command line).
pub fn criterion_with(sample_size: usize, measurement_time: Duration) -> Criterion {
    Criterion::default()
        .sample_size(sample_size)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(measurement_time)
        .configure_from_args()
}

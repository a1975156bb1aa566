//! Fuzz target `view`: see `kafka_codec_fuzz_checks::view` for the input layout and what it asserts.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kafka_codec_fuzz_checks::view(data));

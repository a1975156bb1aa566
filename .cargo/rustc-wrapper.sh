#!/usr/bin/env bash
# Cargo runs every rustc invocation of this repository through this script (see config.toml).
# `cargo fuzz` passes nightly-only flags (-Zsanitizer=..., -Zunstable-options) to rustc; for
# those invocations only, RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them. Every other
# invocation runs rustc unchanged, so ordinary builds and tests compile exactly as a user's do.
# The first argument is the rustc to run; the rest are its arguments.
# bash, not sh: dash drops environment variables whose names are not shell identifiers, such
# as CARGO_BIN_EXE_kafka-inspect, which the CLI tests read with env!().
rustc="$1"
shift
for arg in "$@"; do
  case "$arg" in
    -Z*) export RUSTC_BOOTSTRAP=1; break ;;
  esac
done
exec "$rustc" "$@"

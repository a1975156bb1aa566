#!/usr/bin/env bash
# Line coverage of the library (src/, generated code included) by the whole test suite plus
# the fuzz corpus, as written in FUZZING.md. Fails if it drops below COVERAGE_MIN percent.
#
#   fuzz/coverage.sh                # summary table of src/ files and the TOTAL line
#   COVERAGE_MIN=80 fuzz/coverage.sh
#   fuzz/coverage.sh --show-missing-lines   # extra arguments go to `cargo llvm-cov report`
#
# Needs cargo-llvm-cov and LLVM tools that read rustc's profiles. Without rustup's
# llvm-tools component (not installable on the CI machine), Debian's llvm-19 works.
set -euo pipefail
cd "$(dirname "$0")/.."

COVERAGE_MIN="${COVERAGE_MIN:-0}"
if [ -z "${LLVM_COV:-}" ] && [ -x /usr/lib/llvm-19/bin/llvm-cov ]; then
  export LLVM_COV=/usr/lib/llvm-19/bin/llvm-cov LLVM_PROFDATA=/usr/bin/llvm-profdata-19
fi
if ! cargo llvm-cov --version >/dev/null 2>&1; then
  cargo install --locked cargo-llvm-cov --version 0.9.1
fi

# The fuzz corpus: encoder seeds and captured frames (fuzz/seeds.sh), plus whatever local
# fuzzing added to fuzz/corpus/.
fuzz/seeds.sh >/dev/null

# Only the library's own files: not the other workspace crates, tests, examples or benches,
# nor the views' field visitor, which exists only for the tests (feature `arbitrary`) and runs
# whole every time (counting it would only add covered lines).
ignore="^$PWD/((codegen|kafka-inspect|fuzz-checks|fuzz|tests|examples|benches)/|src/(generated/)?views/fields\.rs$)"

[ "${COVERAGE_KEEP:-0}" = 1 ] || cargo llvm-cov clean --workspace
# --bins: the CLI tests run the built kafka-inspect binary.
cargo llvm-cov --no-report --workspace --lib --bins --tests
cargo llvm-cov --no-report --test fuzz_regressions -- --ignored fuzz_corpus
cargo llvm-cov report --summary-only --ignore-filename-regex "$ignore" \
  --fail-under-lines "$COVERAGE_MIN" "$@"

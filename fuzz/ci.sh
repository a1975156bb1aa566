#!/usr/bin/env bash
# CI for the fuzz targets (called by .ci/run): lint the fuzz crate, rebuild the seed corpora,
# build every target, run each for FUZZ_SECONDS, fail on any crash, leak, timeout or OOM.
#
#   FUZZ_SECONDS=15 fuzz/ci.sh      # per target (default 15)
#   FUZZ_ASAN=1 fuzz/ci.sh          # AddressSanitizer (slower build, ~10x fewer execs/s)
#
# Stable Rust only: without a sanitizer no nightly flag is passed; with one, RUSTC_BOOTSTRAP=1
# lets stable accept -Zsanitizer (.cargo/rustc-wrapper.sh does the same for plain `cargo fuzz`).
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS="${FUZZ_SECONDS:-15}"
FUZZ_ASAN="${FUZZ_ASAN:-0}"
export CARGO_TERM_COLOR=never
step() { printf '\n=== fuzz: %s (t=%ss)\n' "$*" "$SECONDS"; }

if ! cargo fuzz --version >/dev/null 2>&1; then
  step "installing cargo-fuzz 0.13.2"
  cargo install --locked cargo-fuzz --version 0.13.2
fi

step "fmt + clippy (fuzz crate)"
cargo fmt --manifest-path fuzz/Cargo.toml --check
cargo clippy -q --manifest-path fuzz/Cargo.toml --all-targets -- -D warnings

step "seed corpora (encoder + testdata/captures if present)"
fuzz/seeds.sh

if [ "$FUZZ_ASAN" = 1 ]; then
  export RUSTC_BOOTSTRAP=1
  san=(--sanitizer address)
  rss=1536
else
  # Keep memcmp/bcmp real calls so libFuzzer's CMP hooks see byte-string comparisons
  # (magic numbers) even without a sanitizer.
  export RUSTFLAGS="${RUSTFLAGS:-} -Cllvm-args=-max-loads-per-memcmp=0"
  san=(--sanitizer none)
  rss=512
fi

step "build all targets (${san[*]})"
cargo fuzz build "${san[@]}"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for t in $(cargo fuzz list); do
  step "$t for ${FUZZ_SECONDS}s"
  mkdir -p "$scratch/$t"
  seeds=()
  [ -d "fuzz/corpus/$t" ] && seeds=("fuzz/corpus/$t")
  # New inputs go to the scratch dir (first corpus arg); the seed corpus is only read.
  # A crash exits non-zero and leaves the input in fuzz/artifacts/$t/.
  if ! cargo fuzz run "${san[@]}" "$t" "$scratch/$t" "${seeds[@]}" -- \
      -dict=fuzz/dict/kafka.dict -max_total_time="$FUZZ_SECONDS" -timeout=5 \
      -rss_limit_mb="$rss" -max_len=65536 -print_final_stats=1 \
      >"$scratch/$t.log" 2>&1; then
    tail -n 60 "$scratch/$t.log"
    echo "fuzz target $t FAILED; reproduce with:"
    echo "  cargo fuzz run ${san[*]} $t fuzz/artifacts/$t/<crash-file>"
    echo "then add the input under tests/fuzz_regressions/$t/ (see CONTRIBUTING.md)."
    exit 1
  fi
  grep -E '^Done|^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' \
    "$scratch/$t.log" || true
done
step "done"

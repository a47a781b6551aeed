#!/usr/bin/env bash
# Cold data stage before/after (docs/results/2026-12-05-engine-cpu.md): the synth-kws stage of
# pipelines/kws.yaml at perKeyword 100 with 10 + 5 stream minutes, from an empty render cache,
# under /usr/bin/time -v, first in BEFORE_DIR (a built checkout of the former code, e.g.
# `git archive 9b13be0 | tar -x -C DIR`, node_modules linked, `npx tsc`), then in this tree.
# Both caches get the same Piper renders copied in first (Piper is not repeatable), so the
# stage's digests can be compared.
#   bash test/bench/engine-cpu/cold-ab.sh BEFORE_DIR PIPER_RENDERS_DIR OUT_DIR
set -euo pipefail
BEFORE=$1 PIPER=$2 OUT=$3
AFTER=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
for side in before after; do
  dir=$OUT/$side
  rm -rf "$dir" && mkdir -p "$dir/tts" && cp -r "$PIPER" "$dir/tts/piper"
  src=$BEFORE && [ "$side" = after ] && src=$AFTER
  echo "== $side $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
  (cd "$src" && TINYOPS_TTS_CACHE=$dir/tts /usr/bin/time -v nice -n 5 \
    node dist/test/bench/synth-speed/data-stage.bench.js 100 10 5 2> "$dir/time.txt")
  grep -E "User time|System time|Elapsed|Maximum resident|Voluntary" "$dir/time.txt"
  echo "== $side done $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
done

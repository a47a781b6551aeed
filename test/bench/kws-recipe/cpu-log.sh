#!/usr/bin/env bash
# Runs a command and logs, every 5 s, its cumulative CPU seconds (utime + stime of the process
# and of its reaped children, /proc/<pid>/stat fields 14–17) beside the wall time, and prefixes
# each line of its stdout and stderr with the wall time: stage boundaries in the output give CPU seconds
# per stage, a load-independent cost (docs/results/2026-12-04-kws-recipe.md).
#
#   bash test/bench/kws-recipe/cpu-log.sh /tmp/c4 node dist/src/cli/main.js run …
set -euo pipefail
out=$1
shift
mkdir -p "$out"
start=$(date +%s.%N)
"$@" > >(while IFS= read -r l; do printf '%.1f %s\n' "$(echo "$(date +%s.%N) - $start" | bc)" "$l"; done > "$out/stdout.log") 2> >(while IFS= read -r l; do printf '%.1f %s\n' "$(echo "$(date +%s.%N) - $start" | bc)" "$l"; done > "$out/stderr.log") &
pid=$!
tck=$(getconf CLK_TCK)
while kill -0 "$pid" 2> /dev/null; do
  if read -r -a f < "/proc/$pid/stat" 2> /dev/null; then
    # Fields after the command name: utime stime cutime cstime are 14–17 (1-based).
    echo "$(echo "$(date +%s.%N) - $start" | bc) $(echo "scale=2; (${f[13]} + ${f[14]} + ${f[15]} + ${f[16]}) / $tck" | bc)" >> "$out/cpu.log"
  fi
  sleep 5
done
wait "$pid"

#!/usr/bin/env bash
# Compile TypeScript to dist/ when any source is newer than the last build (quiet no-op otherwise).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STAMP="$ROOT/dist/.build-stamp"
if [ -f "$STAMP" ] && [ -z "$(find "$ROOT/src" "$ROOT/workflows" "$ROOT/activities" "$ROOT/test" "$ROOT/tsconfig.json" "$ROOT/package.json" -newer "$STAMP" -print -quit 2>/dev/null)" ]; then
  exit 0
fi
echo "build: compiling TypeScript" >&2
(cd "$ROOT" && node node_modules/typescript/bin/tsc -p tsconfig.json) || { echo "build: TypeScript compilation failed" >&2; exit 1; }
touch "$STAMP"

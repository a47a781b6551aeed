#!/usr/bin/env bash
# Build (type-checked), lint, and run the whole jest suite; extra args go to jest.
# Ends with one plain line "N passed, N failed" counted from jest's JSON report.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
rm -rf dist
bash scripts/build.sh || { echo "0 passed, 1 failed"; exit 1; }
node dist/src/spec/write-json-schema.js --check || { echo "0 passed, 1 failed"; exit 1; }
node dist/src/docs/write-stage-pages.js --check || { echo "0 passed, 1 failed"; exit 1; }
mkdir -p test-results
# Lint (eslint.config.mjs): no errors and no warnings, before any test runs.
npx eslint --max-warnings 0 --cache --cache-location test-results/.eslintcache . || { echo "0 passed, 1 failed"; exit 1; }
# Formatting (.prettierrc.json, .prettierignore): `npm run format` rewrites what this rejects.
npx prettier --check --log-level warn . || { echo "prettier: run \`npm run format\`"; echo "0 passed, 1 failed"; exit 1; }
npx jest --json --outputFile=test-results/jest.json "$@"
rc=$?
node -e '
const r = require(process.argv[1]);
const failed = r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
console.log(`${r.numPassedTests} passed, ${failed} failed`);
' "$ROOT/test-results/jest.json" 2>/dev/null || echo "0 passed, 1 failed"
exit $rc

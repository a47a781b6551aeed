import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Runs every compiled benchmark (dist/test/bench/*.bench.js) one after another, each in its
 * own node process so they do not share tfjs/libtensorflow state or compete for cores, and
 * prints each one's JSON line on stdout (progress and logs go to stderr). Exit code 1 if
 * any benchmark failed; the others still run.
 *
 *   node dist/test/bench/run.js [name-filter]
 */

function main(): number {
  const filter = process.argv[2];
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js') && (filter === undefined || f.includes(filter)))
    .sort();
  if (files.length === 0) {
    process.stderr.write(`no *.bench.js${filter === undefined ? '' : ` matching "${filter}"`} in ${__dirname}\n`);
    return 1;
  }
  let failed = 0;
  for (const file of files) {
    process.stderr.write(`[bench] ${file}\n`);
    const r = spawnSync(process.execPath, [path.join(__dirname, file)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 << 20,
    });
    const lines = (r.stdout ?? '').split('\n').filter((l) => l.trim().startsWith('{'));
    for (const line of lines) process.stdout.write(`${line.trim()}\n`);
    if (r.error !== undefined || r.status !== 0 || lines.length === 0) {
      failed++;
      process.stderr.write(
        `[bench] ${file} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}${lines.length === 0 ? ', no JSON output' : ''})\n`,
      );
    }
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = main();

import { join } from 'node:path';
import { ToolMissingError } from '../../../../src/errors';
import { isAlive, printedByFreshNode, waitGone } from '../../../helpers/engine-servers';
import { Upper } from '../../../helpers/upper-child';

/**
 * The lifecycle every engine's long-lived process shares (long-lived-child.ts), on a real Node
 * child with a line protocol of its own (test/helpers/upper-child.ts).
 */

test('answers go to their requests, one process serves them in order, kill() ends it', async () => {
  const u = new Upper();
  try {
    expect(await Promise.all(['a', 'noise', 'c'].map((w) => u.say(w)))).toEqual(['A', 'NOISE', 'C']);
    expect(u.starts).toBe(1);
    const pid = u.pid!;
    u.kill();
    expect(u.pid).toBeUndefined();
    expect(await waitGone(pid)).toBe(true);
    expect(await u.say('again')).toBe('AGAIN');
    expect(u.starts).toBe(2);
  } finally {
    u.kill();
  }
});

test('a dying process fails its request with its label, exit code and stderr; the next starts afresh', async () => {
  const u = new Upper();
  try {
    await u.say('warm');
    await expect(u.say('die')).rejects.toThrow(/^upper server exited \(code 3\): model\.bin: checksum mismatch$/);
    expect(await u.say('after')).toBe('AFTER');
    expect(u.starts).toBe(2);
  } finally {
    u.kill();
  }
});

test('a hung request times out with its label, the request and stderr; the process is killed', async () => {
  const u = new Upper(300);
  try {
    await u.say('warm');
    const pid = u.pid!;
    await expect(u.say('hang')).rejects.toThrow(/^upper server: no answer in 300 ms to "hang": stuck in a loop$/);
    expect(await waitGone(pid)).toBe(true);
    expect(await u.say('next')).toBe('NEXT');
    expect(u.pid).not.toBe(pid);
  } finally {
    u.kill();
  }
});

test('a missing command is a ToolMissingError naming the tool and scripts/setup.sh', async () => {
  const u = new Upper(1000, join(__dirname, 'no-such-command'));
  const err = await u.say('x').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ToolMissingError);
  expect((err as Error).message).toMatch(/^upper \(.*no-such-command\) not found: run: bash scripts\/setup\.sh$/);
});

test('processes that ignore the end of their stdin are killed when this process exits', async () => {
  const pool = join(__dirname, '..', '..', '..', '..', 'src', 'synth', 'engines', 'child-pool.js');
  const upper = join(__dirname, '..', '..', '..', 'helpers', 'upper-child.js');
  // A fresh Node that starts two such processes through a pool, prints their pids and exits.
  const script = `
    const { ChildPool } = require(${JSON.stringify(pool)});
    const { Upper } = require(${JSON.stringify(upper)});
    const pool = new ChildPool(2, () => new Upper(5000, process.execPath, { ...process.env, IGNORE_EOF: '1' }));
    Promise.all([pool.use((u) => u.say('a')), pool.use((u) => u.say('b'))])
      .then(() => { console.log(pool.pids().join(',')); process.exit(0); });`;
  const pids = printedByFreshNode(script).split(',').map(Number);
  expect(pids.length).toBe(2);
  for (const p of pids) expect({ p, gone: await waitGone(p) }).toEqual({ p, gone: true });
  expect(pids.some(isAlive)).toBe(false);
});

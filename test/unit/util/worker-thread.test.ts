import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { installDir } from '../../../src/project';
import { startWorker } from '../../../src/util/worker-thread';

/**
 * A worker thread sees the environment of the code that started it. Under jest that is this
 * test file's `process.env`, not the process's: with Node's default `env` the worker read the
 * real one, so a test's empty render cache was not the workers' (kws-pool.test.ts).
 */

const PROBE = 'TINYOPS_WORKER_ENV_PROBE';

/** The values of `names` the worker started now sees, then after `change` runs. */
async function workerSees(names: readonly string[], change: () => void = () => undefined): Promise<unknown[]> {
  const worker = startWorker(join(__dirname, 'env-worker.js'), names);
  const ask = (w: Worker) =>
    new Promise<unknown>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
      w.postMessage('env?');
    });
  try {
    const first = await ask(worker);
    change();
    return [first, await ask(worker)];
  } finally {
    await worker.terminate();
  }
}

const saved = { probe: process.env[PROBE], home: process.env.HOME };
const restore = (name: string, value: string | undefined) => {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
};
afterEach(() => {
  restore(PROBE, saved.probe);
  restore('HOME', saved.home);
});

describe('startWorker', () => {
  it("gives the worker this test's process.env: a variable set here, one deleted here", async () => {
    expect(process.env.HOME).toBeDefined();
    process.env[PROBE] = 'set by the test';
    delete process.env.HOME;
    const [atStart] = await workerSees([PROBE, 'HOME']);
    expect(atStart).toEqual(['set by the test', null]);
  });

  it('a copy taken at the start: later changes do not reach the running worker', async () => {
    process.env[PROBE] = 'before';
    expect(await workerSees([PROBE], () => (process.env[PROBE] = 'after'))).toEqual([['before'], ['before']]);
  });
});

describe('worker threads in the sources', () => {
  it('every one is started by startWorker (src/util/worker-thread.ts)', () => {
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
      );
    const direct = ['src', 'activities', 'workflows']
      .flatMap((d) => sources(join(installDir, d)))
      .filter((f) => /new Worker\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(installDir, f));
    expect(direct).toEqual(['src/util/worker-thread.ts']);
  });
});

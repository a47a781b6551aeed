import { createLimiter, mapLimit } from '../../../src/synth/limit';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('createLimiter', () => {
  it('never runs more than `slots` tasks at once, even when tasks finish and new ones arrive together', async () => {
    const limit = createLimiter(2);
    let running = 0;
    let maxRunning = 0;
    const task = async (): Promise<void> => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await tick();
      running--;
    };
    const first = Array.from({ length: 5 }, () => limit(task));
    await tick();
    const second = Array.from({ length: 5 }, () => limit(task));
    await Promise.all([...first, ...second]);
    expect(maxRunning).toBe(2);
    expect(running).toBe(0);
  });

  it('frees the slot when a task throws', async () => {
    const limit = createLimiter(1);
    await expect(limit(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limit(() => Promise.resolve(7))).resolves.toBe(7);
  });
});

describe('mapLimit', () => {
  it('keeps input order in the results', async () => {
    const out = await mapLimit([30, 10, 20], 2, async (v) => {
      await new Promise((r) => setTimeout(r, v));
      return v * 2;
    });
    expect(out).toEqual([60, 20, 40]);
  });
  it('rejects with the first error', async () => {
    await expect(
      mapLimit([1, 2, 3], 2, async (v) => {
        if (v === 2) throw new Error('bad 2');
        return v;
      }),
    ).rejects.toThrow('bad 2');
  });
});

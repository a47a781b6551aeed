import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { piperNoiseSeed } from '../../../../src/synth/engines/neural';
import { ttsPython } from '../../../../src/synth/engines/python-server';

/**
 * Piper's VITS noise drawn from a seed per request (tts_server.py seed_vits_noise, neural.ts
 * piperNoiseSeed; docs/data-sources.md#determinism-and-the-render-cache), with the engine as
 * scripts/setup.sh installs it.
 */

const CHECK = join(__dirname, '..', '..', '..', '..', '..', 'test', 'unit', 'synth', 'engines', 'piper_noise_check.py');

interface Check {
  randomOps: string[];
  samples: number[];
  sameSeedEqual: boolean;
  otherSeedEqual: boolean;
  zeroNoiseEqual: boolean;
}

it('the edited graph draws no random numbers itself; its noise follows the seed and nothing else', async () => {
  const { stdout } = await promisify(execFile)(ttsPython(), [CHECK, 'go.'], { timeout: 120_000 });
  const check = JSON.parse(stdout.trim().split('\n').pop()!) as Check;
  expect(check.randomOps).toEqual([]);
  expect(check.samples.every((n) => n > 5_000)).toBe(true); // > 0.23 s at 22,050 Hz: a word, not silence
  expect(check.sameSeedEqual).toBe(true);
  expect(check.otherSeedEqual).toBe(false);
  // With both noise scales at 0 the draws are multiplied away: the seed must not matter.
  expect(check.zeroNoiseEqual).toBe(true);
}, 180_000);

describe('piperNoiseSeed', () => {
  const params = { lengthScale: 0.9, noiseScale: 0.5, noiseW: 0.7 };
  it('is a 31-bit integer that does not depend on the order of the params', () => {
    const seed = piperNoiseSeed('joe', 'yes.', params);
    expect(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 31).toBe(true);
    expect(piperNoiseSeed('joe', 'yes.', { noiseW: 0.7, noiseScale: 0.5, lengthScale: 0.9 })).toBe(seed);
  });
  it('changes with the voice, the text and every param', () => {
    const seed = piperNoiseSeed('joe', 'yes.', params);
    const others = [
      piperNoiseSeed('amy', 'yes.', params),
      piperNoiseSeed('joe', 'no.', params),
      piperNoiseSeed('joe', 'yes.', { ...params, lengthScale: 0.91 }),
      piperNoiseSeed('joe', 'yes.', { ...params, noiseScale: 0.51 }),
      piperNoiseSeed('joe', 'yes.', { ...params, noiseW: 0.71 }),
    ];
    for (const o of others) expect(o).not.toBe(seed);
  });
});

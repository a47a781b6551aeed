import { join } from 'node:path';
import { dbfs } from '../../../src/audio/mix';
import { readWav } from '../../../src/audio/wav';
import { planClips, SILENCE_LABEL } from '../../../src/synth/kws-plan';
import { acceptsSmallKwsConfig, smallKwsConfig, SMALL_KWS_RNG, withoutSnr } from './small-kws-config';
import { variantDatasets } from './variant-datasets';

/**
 * Quiet clips (synth-kws `quiet`, docs/results/2026-12-04-kws-error-analysis.md): a share of
 * the clips with a high SNR, so the model also hears words over a near-silent floor.
 */

const config = smallKwsConfig;
const rng = SMALL_KWS_RNG;
const rest = withoutSnr;

describe('planClips with quiet clips', () => {
  const off = planClips(config(), rng);
  const on = planClips(config({ quiet: { fraction: 0.25 } }), rng);

  it('is deterministic', () => {
    expect(planClips(config({ quiet: { fraction: 0.25 } }), rng)).toEqual(on);
  });

  it('gives about `fraction` of the clips of every kind an SNR from quiet.snrDb, the others the top-level one', () => {
    const speech = on.filter((p) => p.kind === 'speech');
    const quiet = speech.filter((p) => p.snrDb > 30);
    expect(quiet.length).toBeGreaterThan(0.12 * speech.length);
    expect(quiet.length).toBeLessThan(0.4 * speech.length);
    for (const p of quiet) expect(p.snrDb).toBeLessThanOrEqual(70);
    for (const p of speech) expect(p.snrDb).toBeGreaterThanOrEqual(5);
    // Silence clips: background level = speech level − SNR, so quiet ones lie below −30 − 30 dBFS.
    const silence = on.filter((p) => p.label === SILENCE_LABEL);
    const quietSilence = silence.filter((p) => p.levelDbfs < -60);
    expect(quietSilence.length).toBeGreaterThan(0);
    expect(quietSilence.length).toBeLessThan(silence.length);
  });

  it('changes nothing else: voice, word, level, shift, background and split stay as without it', () => {
    expect(on.map(rest)).toEqual(off.map(rest));
    const changed = on.filter((p, i) => JSON.stringify(p) !== JSON.stringify(off[i]));
    expect(changed.length).toBeGreaterThan(0);
  });

  it('fraction 0 is the same as no quiet block', () => {
    expect(planClips(config({ quiet: { fraction: 0 } }), rng)).toEqual(off);
  });

  it('rejects a fraction above 1 and a reversed range', () => {
    expect(acceptsSmallKwsConfig({ quiet: { fraction: 1.5 } })).toBe(false);
    expect(acceptsSmallKwsConfig({ quiet: { fraction: 0.2, snrDb: [60, 30] } })).toBe(false);
  });
});

describe('generateKwsDataset with quiet clips (espeak-ng)', () => {
  const datasets = variantDatasets('kws-quiet-');

  const tiny = (quiet: number) =>
    config({
      keywords: ['yes'],
      perKeyword: 6,
      unknownFraction: 0.5,
      silenceFraction: 0.5,
      quiet: { fraction: quiet },
    });

  /** Level of the first 60 ms (before the word: shift ≤ 100 ms keeps a ≥ 250 ms word off it) re the clip's peak 100 ms. */
  function floorBelowSpeechDb(file: string): number {
    const x = readWav(file).samples;
    const head = dbfs(x, 0, 960);
    let loud = -Infinity;
    for (let s = 0; s + 1600 <= x.length; s += 400) loud = Math.max(loud, dbfs(x, s, s + 1600));
    return loud - head;
  }

  it('same config and seed give the same bytes; quiet clips have their background ≥ 25 dB under the word', async () => {
    const { variant: a, plain } = await datasets.make(tiny(1), tiny(0), rng);
    const yes = planClips(tiny(1), rng).filter((p) => p.label === 'yes');
    for (const p of yes) {
      // Every clip quiet (fraction 1): ≥ 30 dB SNR over the word, a floor far under it.
      expect(floorBelowSpeechDb(join(a, p.relPath))).toBeGreaterThan(25);
    }
    // Without quiet clips the floor is at most 30 dB (+ the word's own peak-vs-mean margin) under it.
    const plainFloors = yes.map((p) => floorBelowSpeechDb(join(plain, p.relPath)));
    expect(Math.min(...yes.map((p) => floorBelowSpeechDb(join(a, p.relPath))))).toBeGreaterThan(
      Math.min(...plainFloors),
    );
  }, 120_000);
});

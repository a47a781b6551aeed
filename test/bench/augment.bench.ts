import { mixAtSnr, overlay } from '../../src/audio/mix';
import { pinkNoise } from '../../src/audio/noise';
import { augmentConfigSchema, type AugmentConfig } from '../../src/synth/augment-config';
import { bindAugment, KwsAugmenter } from '../../src/synth/kws-augment';
import { Prng } from '../../src/util/prng';
import { speechLike } from '../unit/dsp/signals';

/**
 * Augmentation throughput (on demand: `node dist/test/bench/augment.bench.js`). One JSON
 * line: 1 s clips per CPU second (one core; CPU time, so other load on the machine does
 * not count) for each effect alone at probability 1, for the
 * recommended setting of pipelines/kws.yaml and for everything at probability 1, measured
 * the way kws-clip.ts uses them (speech effects on a 0.5 s word placed in 1 s of zeros,
 * channel effects on the mix with pink noise at 10 dB SNR), plus the seconds that 10,000
 * clips take. The room pool is simulated before timing and its cost reported separately.
 */

const SR = 16000;
const EFFECTS = ['formant', 'vtlp', 'room', 'mic', 'agc', 'clipping', 'codec'] as const;

/** The `augment:` block of pipelines/kws.yaml (keep in sync). */
const RECOMMENDED = {
  formant: { probability: 0.2 },
  vtlp: { probability: 0.3 },
  room: { probability: 0.5 },
  mic: { probability: 0.5 },
  agc: { probability: 0.2 },
  clipping: { probability: 0.05 },
  codec: { probability: 0.15 },
};

function clips(count: number): Array<{ speech: Float32Array; noise: Float32Array }> {
  return Array.from({ length: count }, (_, i) => {
    const word = Float32Array.from(speechLike(`bench-${i}`, 8000).float);
    const speech = new Float32Array(SR);
    overlay(speech, word, 4000, 0.2);
    return { speech, noise: pinkNoise(SR, Prng.derive('bench-noise', i)) };
  });
}

function measure(
  config: AugmentConfig,
  inputs: ReturnType<typeof clips>,
): { clipsPerSecond: number; roomPoolSec: number } {
  const rngFor = (...p: ReadonlyArray<string | number>): Prng => Prng.derive(7, 'bench', ...p);
  const aug = new KwsAugmenter(config, SR, rngFor);
  const u0 = process.cpuUsage();
  if (config.room) for (let k = 0; k < config.room.rooms; k++) aug.room(k);
  const u1 = process.cpuUsage(u0);
  const roomPoolSec = (u1.user + u1.system) / 1e6;
  const run = (i: number): void => {
    const c = inputs[i % inputs.length]!;
    const a = bindAugment(aug, (e) => rngFor('clip', i, e));
    a.channel(mixAtSnr(a.speech(c.speech), c.noise, 10).mix);
  };
  for (let i = 0; i < 20; i++) run(i); // warm-up
  // CPU time of this process, not wall time: the machine is shared, and the question is
  // what a clip costs one core.
  const cpuSec = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  let n = 0;
  const c0 = cpuSec();
  while (cpuSec() - c0 < 2) run(n++);
  return { clipsPerSecond: n / (cpuSec() - c0), roomPoolSec };
}

function main(): void {
  const inputs = clips(16);
  const perEffect: Record<string, number> = {};
  for (const e of EFFECTS)
    perEffect[e] = Math.round(measure(augmentConfigSchema.parse({ [e]: { probability: 1 } }), inputs).clipsPerSecond);
  const none = measure(augmentConfigSchema.parse({}), inputs).clipsPerSecond;
  const rec = measure(augmentConfigSchema.parse(RECOMMENDED), inputs);
  const all = measure(
    augmentConfigSchema.parse(Object.fromEntries(EFFECTS.map((e) => [e, { probability: 1 }]))),
    inputs,
  );
  process.stdout.write(
    JSON.stringify({
      bench: 'augment',
      clipsPerSecondPerEffect: perEffect,
      clipsPerSecondNone: Math.round(none),
      clipsPerSecondRecommended: Math.round(rec.clipsPerSecond),
      secondsPer10kRecommended: +(10000 / rec.clipsPerSecond).toFixed(1),
      clipsPerSecondAllEffects: Math.round(all.clipsPerSecond),
      secondsPer10kAllEffects: +(10000 / all.clipsPerSecond).toFixed(1),
      roomPoolSec: +rec.roomPoolSec.toFixed(2),
    }) + '\n',
  );
}

main();

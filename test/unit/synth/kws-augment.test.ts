import { overlay } from '../../../src/audio/mix';
import { StageInputError } from '../../../src/errors';
import { augmentConfigSchema, type AugmentConfig } from '../../../src/synth/augment-config';
import { bindAugment, KwsAugmenter } from '../../../src/synth/kws-augment';
import { rngForSeed } from '../../../src/synth/rng-for';
import { speechLike } from '../dsp/signals';

const SR = 16000;
const EFFECTS = ['formant', 'vtlp', 'room', 'mic', 'agc', 'clipping', 'codec'] as const;
const word = Float32Array.from(speechLike('augment-det', 8000).float);
const speech = new Float32Array(SR);
overlay(speech, word, 4000, 0.3);
const mix = Float32Array.from(speech, (v, i) => v + 0.01 * Math.sin(i * 0.37));

const bytes = (x: Float32Array): Buffer => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

/** One clip through the effect chain with the generators of `seed`. */
function run(config: AugmentConfig, seed: number, clip = 0): { speech: Float32Array; channel: Float32Array } {
  const rngFor = rngForSeed(seed, 'data');
  const a = bindAugment(new KwsAugmenter(config, SR, rngFor), (e) => rngFor('clip', 'yes', clip, 'augment', e));
  return { speech: a.speech(speech), channel: a.channel(mix) };
}

describe('KwsAugmenter determinism', () => {
  it.each(EFFECTS)('%s: same seed → same samples bit for bit, another seed or clip → different', (effect) => {
    const config = augmentConfigSchema.parse({ [effect]: { probability: 1 } });
    const speechEffect = effect === 'formant' || effect === 'vtlp' || effect === 'room';
    const pick = (r: ReturnType<typeof run>): Buffer => bytes(speechEffect ? r.speech : r.channel);
    const a = pick(run(config, 1));
    expect(a.equals(pick(run(config, 1)))).toBe(true);
    expect(a.equals(bytes(speechEffect ? speech : mix))).toBe(false); // the effect did something
    // Clipping's only draw that matters per clip is its depth/mode; codec may draw the same
    // kind, but parameters differ; a few clips make sure draws vary.
    const others = [run(config, 2), run(config, 1, 1), run(config, 1, 2)].map(pick);
    expect(others.some((o) => !o.equals(a))).toBe(true);
    expect(others.filter((o) => o.equals(a)).length).toBeLessThan(others.length);
  });

  it('probability 0 leaves the signal as it was', () => {
    const config = augmentConfigSchema.parse(Object.fromEntries(EFFECTS.map((e) => [e, { probability: 0 }])));
    const r = run(config, 1);
    expect(bytes(r.speech).equals(bytes(speech))).toBe(true);
    expect(bytes(r.channel).equals(bytes(mix))).toBe(true);
  });

  it("an effect's draws do not depend on which other effects are on", () => {
    const alone = run(augmentConfigSchema.parse({ codec: { probability: 1 } }), 5);
    const withMic = run(augmentConfigSchema.parse({ codec: { probability: 1 }, room: { probability: 1 } }), 5);
    expect(bytes(withMic.channel).equals(bytes(alone.channel))).toBe(true);
  });

  it('rooms of the pool do not depend on the order they are first used in', () => {
    const config = augmentConfigSchema.parse({ room: { probability: 1, rooms: 4 } });
    const rngFor = rngForSeed(3, 'data');
    const a = new KwsAugmenter(config, SR, rngFor);
    const b = new KwsAugmenter(config, SR, rngFor);
    const ra = [0, 1, 2, 3].map((k) => bytes(a.room(k).kernel.taps));
    const rb = [3, 2, 1, 0].map((k) => bytes(b.room(k).kernel.taps)).reverse();
    ra.forEach((t, k) => expect(t.equals(rb[k]!)).toBe(true));
  });
});

describe('KwsAugmenter input errors', () => {
  it('names augment.room.rt60Sec up front when Sabine cannot reach the RT60', () => {
    const config = augmentConfigSchema.parse({
      room: {
        probability: 1,
        rt60Sec: [0.05, 0.06],
        absorption: 'sabine',
        sizeM: { x: [20, 20], y: [20, 20], z: [5, 5] },
      },
    });
    const make = (): KwsAugmenter => new KwsAugmenter(config, SR, rngForSeed(1, 'data'));
    expect(make).toThrow(StageInputError);
    expect(make).toThrow(
      /^augment\.room\.rt60Sec: \[0\.05, 0\.06\] with absorption "sabine": RT60 0\.05\d* s is below Sabine's minimum/,
    );
  });
});

describe('augmentConfigSchema', () => {
  it('fills defaults for an effect given as {} and rejects bad ranges and unknown keys', () => {
    const c = augmentConfigSchema.parse({ room: {}, codec: {} });
    expect(c.room).toMatchObject({ probability: 0.5, rt60Sec: [0.15, 0.8], distanceM: [0.3, 3], rooms: 64 });
    expect(c.codec?.weights).toEqual({ mulaw: 1, alaw: 1, telephone: 1, quantize: 1 });
    expect(c.vtlp).toBeUndefined();
    expect(augmentConfigSchema.safeParse({ vtlp: { warp: [1.1, 0.9] } }).success).toBe(false);
    expect(augmentConfigSchema.safeParse({ vtlp: { warp: [0.5, 1.1] } }).success).toBe(false);
    expect(augmentConfigSchema.safeParse({ reverb: {} }).success).toBe(false);
    expect(
      augmentConfigSchema.safeParse({ codec: { weights: { mulaw: 0, alaw: 0, telephone: 0, quantize: 0 } } }).success,
    ).toBe(false);
  });
});

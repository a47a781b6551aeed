import { brownNoise, humNoise, pinkNoise, whiteNoise } from '../audio/noise';
import { resample } from '../audio/resample';
import { loadRecordedSet, recordedSegment, type RecordedSetName } from '../audio/augment/recorded-backgrounds';
import { readWav } from '../audio/wav';
import { StageInputError } from '../errors';
import type { Prng } from '../util/prng';
import { makeBabble } from './babble';
import type { BackgroundSpec } from './kws-config';
import { pickSource, requestFor } from './kws-plan';
import { pickWeighted, type RngFor } from './rng-for';
import type { EngineGroup } from './voice-sources';
import { renderUtterance, type Utterance } from './utterance';

/** Words in the babble pool: enough variety that babbles differ, cheap to render once. */
const BABBLE_POOL_SIZE = 24;

/** Babble talkers: negative words spoken by the training voices (never held-out ones). */
export interface BabbleVoicing {
  readonly negatives: readonly string[];
  readonly groups: readonly EngineGroup[];
}

/**
 * The background sources of one stage run (thesis §3: "a random background noise"):
 * synthetic colours and hum are generated on demand; user WAVs are loaded and resampled
 * once; the babble word pool is rendered once. `generate` is a pure function of
 * (source, n, rng), so every clip's background depends only on its own generator.
 */
export class BackgroundBank {
  private constructor(
    readonly specs: readonly BackgroundSpec[],
    private readonly sampleRate: number,
    private readonly files: ReadonlyMap<number, Float32Array>,
    private readonly babblePool: readonly Utterance[],
    private readonly recorded: ReadonlyMap<number, readonly Float32Array[]> = new Map(),
  ) {}

  /** TTS renders made for the babble pool (0 without a babble background). */
  get babbleRenders(): number {
    return this.babblePool.filter((u) => !u.cached).length;
  }

  /**
   * Load file backgrounds (StageInputError `backgrounds[i].path: "<path>": <reason>` if
   * unreadable or empty) and render the babble pool if any background is babble.
   */
  static async load(
    specs: readonly BackgroundSpec[],
    sampleRate: number,
    voicing: BabbleVoicing,
    rngFor: RngFor,
  ): Promise<BackgroundBank> {
    const files = new Map<number, Float32Array>();
    specs.forEach((spec, i) => {
      if (spec.type !== 'file') return;
      const path = spec.path ?? '';
      let samples: Float32Array;
      try {
        const wav = readWav(path);
        samples = resample(wav.samples, wav.sampleRate, sampleRate);
      } catch (e) {
        const reason = e instanceof StageInputError ? e.message.replace(`${path}: `, '') : String(e);
        throw new StageInputError(`backgrounds[${i}].path: "${path}": ${reason}`);
      }
      if (samples.length === 0) throw new StageInputError(`backgrounds[${i}].path: "${path}": no audio samples`);
      files.set(i, samples);
    });
    const recorded = new Map<number, readonly Float32Array[]>();
    specs.forEach((spec, i) => {
      if (spec.type !== 'recorded') return;
      try {
        recorded.set(i, loadRecordedSet(spec.set as RecordedSetName, sampleRate));
      } catch (e) {
        throw new StageInputError(
          `backgrounds[${i}].set: "${spec.set}": ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    });
    let pool: Utterance[] = [];
    if (specs.some((s) => s.type === 'babble')) {
      pool = await Promise.all(
        Array.from({ length: BABBLE_POOL_SIZE }, (_, k) => {
          const rng = rngFor('babble-pool', k);
          const text = rng.pick(voicing.negatives);
          const {
            group,
            source,
            rng: voiceRng,
          } = pickSource(voicing.groups, (e) => rngFor('babble-pool', k, 'engine', e));
          return renderUtterance(requestFor(group, source, text, voiceRng), sampleRate);
        }),
      );
    }
    return new BackgroundBank(specs, sampleRate, files, pool, recorded);
  }

  /** Index of a background source, drawn by weight. */
  pick(rng: Prng): number {
    return pickWeighted(
      this.specs.map((s) => s.weight),
      rng,
    );
  }

  /** `n` samples of source `index`, RMS ≈ 1 (files keep their own character, any level). */
  generate(index: number, n: number, rng: Prng): Float32Array {
    const spec = this.specs[index];
    if (!spec) throw new RangeError(`no background ${index}`);
    switch (spec.type) {
      case 'white':
        return whiteNoise(n, rng);
      case 'pink':
        return pinkNoise(n, rng);
      case 'brown':
        return brownNoise(n, this.sampleRate, rng);
      case 'hum':
        return humNoise(n, this.sampleRate, spec.humHz, rng);
      case 'babble':
        return makeBabble(this.babblePool, n, this.sampleRate, rng);
      case 'file':
        return loopedSegment(this.files.get(index) as Float32Array, n, rng);
      case 'recorded':
        return recordedSegment(this.recorded.get(index) ?? [], n, rng);
    }
  }
}

/** A random `n`-sample window of `src`, wrapping around to its start when `src` is shorter. */
function loopedSegment(src: Float32Array, n: number, rng: Prng): Float32Array {
  const out = new Float32Array(n);
  let pos = rng.int(0, src.length - 1);
  for (let i = 0; i < n; i++) {
    out[i] = src[pos]!;
    pos = pos + 1 === src.length ? 0 : pos + 1;
  }
  return out;
}

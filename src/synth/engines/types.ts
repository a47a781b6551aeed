import type { WavData } from '../../audio/wav';
import type { Prng } from '../../util/prng';

/**
 * One text-to-speech engine as a voice source of synth-kws (docs/data-sources.md).
 *
 * A render is a pure function of its request (engine, voice, text, params) for every
 * engine (Piper's VITS noise is drawn from a seed hashed from the request, neural.ts);
 * render-cache.ts keeps each render on disk keyed by (engine, version, request), which
 * saves the re-synthesis on a rerun.
 */

/** Engine ids: the training engines and the held-out family (flite, festival). */
export const ENGINE_IDS = [
  'espeak-ng',
  'mbrola',
  'pico',
  'rhvoice',
  'piper',
  'kokoro',
  'hibari',
  'flite',
  'festival',
] as const;
export type EngineId = (typeof ENGINE_IDS)[number];

/**
 * The held-out synthesizer family: never trained on by a shipped pipeline, rendered only
 * into the test split and the scored streams (docs/data-sources.md "held out").
 */
export const DEFAULT_HELD_OUT_ENGINES: readonly EngineId[] = ['flite', 'festival'];

/** Per-clip variation, engine-specific names (see each engine's `vary`). Numbers only, so keys are canonical. */
export type RenderParams = Readonly<Record<string, number>>;

export interface TtsRequest {
  readonly engine: EngineId;
  readonly voice: string;
  readonly text: string;
  readonly params: RenderParams;
}

/**
 * Ranges of the per-clip variation a config may set (kws-config.ts `voices.engines.<id>`).
 * `rate` and `pitch` are relative (1 = the engine's default); espeak-ng and MBROLA take
 * espeak units (pitch 0–99, speed in words per minute) from the config's top-level
 * `pitch`/`speed` instead.
 */
export interface VariationRanges {
  readonly rate: readonly [number, number];
  readonly pitch: readonly [number, number];
  /** Probability of a phoneme-level perturbation (stress/length), for engines that take phonemes. */
  readonly phonemeVariation: number;
  /** espeak-ng units, for espeak-ng and MBROLA. */
  readonly espeakPitch: readonly [number, number];
  readonly espeakSpeed: readonly [number, number];
}

export interface TtsEngine {
  readonly id: EngineId;
  /** Synthesis family: formant, diphone, hts, unit-selection, vits, styletts2. */
  readonly family: string;
  /** Licence of the engine and its voices as shipped, for dataset.json / sources.json. */
  readonly licence: string;
  /** The version that goes into the stage's toolVersions (cache key). Throws ToolMissingError. */
  version(): Promise<string>;
  /** Installed voices. Throws ToolMissingError. */
  voices(): Promise<string[]>;
  /** Draw this clip's variation from `rng` within `ranges` (seeded: same rng state → same params). */
  vary(rng: Prng, ranges: VariationRanges): RenderParams;
  /** Render `req` into a WAV file at `outPath` (the engine's own rate, mono). */
  renderToFile(req: TtsRequest, outPath: string): Promise<void>;
  /** Stop helper processes (Python render servers); the engine starts them again on demand. */
  close?(): Promise<void>;
}

export type { WavData };

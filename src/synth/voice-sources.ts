import { StageInputError } from '../errors';
import { sha256Bytes } from '../store/digest';
import { suggest } from '../spec/suggest';
import { isVoiceAvailable, listEspeakVoices } from './espeak';
import { KOKORO_BASE_VOICES, kokoroMixName } from './engines/neural';
import { ENGINES } from './engines/registry';
import type { EngineId, VariationRanges } from './engines/types';
import { DEFAULT_TEST_VOICES, type EngineVoicesSpec, type SynthKwsConfig } from './kws-config';

/**
 * Who speaks the clips of a synth-kws dataset: the config's `voices` (either form) resolved
 * against the installed engines into training voices, held-out voices of training engines,
 * and held-out engines (sources.json `heldOut`: false, "voice", "engine").
 */

export type HeldOut = false | 'voice' | 'engine';

export interface VoiceSource {
  readonly engine: EngineId;
  readonly voice: string;
  readonly heldOut: HeldOut;
  /** File-name-safe speaker id, unique per (engine, voice): the part before `_nohash_`. */
  readonly tag: string;
}

/** The voices of one engine in one role, drawn by `weight`. */
export interface EngineGroup {
  readonly engine: EngineId;
  readonly weight: number;
  readonly sources: readonly VoiceSource[];
  readonly ranges: VariationRanges;
}

export interface ResolvedVoices {
  readonly train: readonly EngineGroup[];
  /** Training engines' held-out voices. */
  readonly test: readonly EngineGroup[];
  /** The held-out engine family (test split and scored streams only). */
  readonly heldOutEngines: readonly EngineGroup[];
  readonly heldOutPerKeyword: number;
}

/** The `voices` config in its engines form, whichever form was written. */
interface NormalizedVoices {
  readonly engines: ReadonlyArray<readonly [EngineId, EngineVoicesSpec]>;
  readonly heldOutEngines: readonly EngineId[];
  readonly heldOutPerKeyword: number;
  /** The list form keeps its old behaviour: plain text, no phoneme variation. */
  readonly legacy: boolean;
}

export function normalizeVoices(config: Pick<SynthKwsConfig, 'voices' | 'testVoices'>): NormalizedVoices {
  const v = config.voices;
  if (Array.isArray(v)) {
    const spec: EngineVoicesSpec = {
      voices: v,
      exclude: [],
      testVoices: config.testVoices ?? DEFAULT_TEST_VOICES,
      weight: 1,
    };
    return { engines: [['espeak-ng', spec]], heldOutEngines: [], heldOutPerKeyword: 0, legacy: true };
  }
  return {
    engines: Object.entries(v.engines) as Array<[EngineId, EngineVoicesSpec]>,
    heldOutEngines: v.heldOutEngines as EngineId[],
    heldOutPerKeyword: v.heldOutPerKeyword,
    legacy: false,
  };
}

/** Every engine the config uses, training engines first (for toolVersions and dataset.json). */
export function usedEngines(config: Pick<SynthKwsConfig, 'voices' | 'testVoices'>): EngineId[] {
  const n = normalizeVoices(config);
  // Held-out engines also speak in the scored streams, so they count even at heldOutPerKeyword 0.
  return [...n.engines.map(([id]) => id), ...n.heldOutEngines.filter((id) => !n.engines.some(([e]) => e === id))];
}

/** `pico` + `en-US` → `pico-en-US`; espeak-ng keeps its voice alone (`en-us-f3`), as before engines. */
export function voiceTag(engine: EngineId, voice: string): string {
  const safe = voice.replace(/\+/g, '-').replace(/[^A-Za-z0-9.-]/g, '-');
  return engine === 'espeak-ng' ? safe : `${engine}-${safe}`;
}

/**
 * Voices `all` leaves out unless listed by name: MBROLA us3 lacks the diphones of the
 * vowels in "on"/"off" (renders fail), RHVoice's evgeniy-eng and lyubov are CC-BY-NC-ND
 * (and Russian-accented).
 */
export const NOT_IN_ALL: Readonly<Partial<Record<EngineId, readonly string[]>>> = {
  mbrola: ['us3'],
  rhvoice: ['evgeniy-eng', 'lyubov'],
};

/**
 * espeak-ng variants that `all` leaves out: effects rather than speakers (robots, a demon,
 * an announcer, whispering, croaking) and a speed test — no person sounds like them, and a
 * keyword spotter need not learn them.
 */
const ESPEAK_EFFECT_VARIANTS =
  /^(robosoft\d*|anikaRobot|UniRobot|Demonic|announcer|Tweaky|whisper|whisperf|croak|fast)$/;

function inAll(engine: EngineId, voice: string): boolean {
  if ((NOT_IN_ALL[engine] ?? []).includes(voice)) return false;
  if (engine === 'espeak-ng') {
    const variant = voice.split('+')[1];
    if (variant !== undefined && ESPEAK_EFFECT_VARIANTS.test(variant)) return false;
  }
  return true;
}

/** Default rate ranges: ±15–20 % around each engine's own pace. */
const DEFAULT_RATE: readonly [number, number] = [0.85, 1.2];
const DEFAULT_PITCH: readonly [number, number] = [0.9, 1.12];
const DEFAULT_PHONEME_VARIATION = 0.25;

function rangesFor(
  spec: EngineVoicesSpec | undefined,
  config: Pick<SynthKwsConfig, 'pitch' | 'speed'>,
  legacy: boolean,
): VariationRanges {
  return {
    rate: spec?.rate ?? DEFAULT_RATE,
    pitch: spec?.pitch ?? DEFAULT_PITCH,
    phonemeVariation: spec?.phonemeVariation ?? (legacy ? 0 : DEFAULT_PHONEME_VARIATION),
    espeakPitch: config.pitch,
    espeakSpeed: config.speed,
  };
}

/** espeak-ng accepts any installed language+variant; other engines only their listed voices. */
async function isInstalled(engine: EngineId, voice: string, installed: readonly string[]): Promise<boolean> {
  if (installed.includes(voice)) return true;
  if (engine === 'espeak-ng') return isVoiceAvailable(voice, await listEspeakVoices());
  return false;
}

async function unknownVoice(
  field: string,
  engine: EngineId,
  voice: string,
  installed: readonly string[],
): Promise<StageInputError> {
  if (engine === 'espeak-ng') {
    // language+variant: say which half is wrong (a whole-name suggestion would mislead).
    const v = await listEspeakVoices();
    const [lang] = voice.split('+');
    const what = v.languages.includes(lang ?? '')
      ? `variant not installed (variants: ${v.variants.filter((x) => /^[mf]\d$/.test(x)).join(', ')}, ...)`
      : `language not installed (English voices: ${v.languages.filter((l) => l.startsWith('en')).join(', ')})`;
    return new StageInputError(`${field}: espeak-ng voice "${voice}": ${what}`);
  }
  const close = suggest(voice, installed);
  const hint =
    close !== undefined
      ? `did you mean "${close}"?`
      : installed.length > 40
        ? `${installed.length} voices installed, e.g. ${installed.slice(0, 8).join(', ')}`
        : `installed: ${installed.join(', ') || 'none'}`;
  return new StageInputError(`${field}: ${engine} voice "${voice}" is not installed; ${hint}`);
}

/**
 * Resolve the config's voices against the installed engines. Throws ToolMissingError for a
 * missing engine and StageInputError (field, voice, did-you-mean) for an unknown voice.
 */
export async function resolveVoices(
  config: Pick<SynthKwsConfig, 'voices' | 'testVoices' | 'pitch' | 'speed'>,
): Promise<ResolvedVoices> {
  const n = normalizeVoices(config);
  const train: EngineGroup[] = [];
  const test: EngineGroup[] = [];
  for (const [engine, spec] of n.engines) {
    const installed = await ENGINES[engine].voices();
    const base = n.legacy ? '' : `voices.engines.${engine}.`;
    const check = async (field: string, list: readonly string[]): Promise<void> => {
      for (let i = 0; i < list.length; i++) {
        if (!(await isInstalled(engine, list[i]!, installed)))
          throw await unknownVoice(`${base}${field}[${i}]`, engine, list[i]!, installed);
      }
    };
    let all: readonly string[];
    if (spec.voices === 'all') {
      all =
        engine === 'kokoro'
          ? [...KOKORO_BASE_VOICES, ...Array.from({ length: spec.speakers ?? 40 }, (_, i) => kokoroMixName(i))]
          : installed.filter((x) => inAll(engine, x));
    } else {
      await check('voices', spec.voices);
      all = spec.voices;
    }
    await check('testVoices', spec.testVoices);
    await check('exclude', spec.exclude);
    const trainVoices = all.filter((v) => !spec.exclude.includes(v) && !spec.testVoices.includes(v));
    if (trainVoices.length === 0)
      throw new StageInputError(
        `${base || 'voices'}: no training voice of ${engine} left after exclude and testVoices`,
      );
    const ranges = rangesFor(spec, config, n.legacy);
    const mk = (voices: readonly string[], heldOut: HeldOut): VoiceSource[] =>
      voices.map((voice) => ({ engine, voice, heldOut, tag: voiceTag(engine, voice) }));
    train.push({ engine, weight: spec.weight, sources: mk(trainVoices, false), ranges });
    if (spec.testVoices.length > 0)
      test.push({ engine, weight: spec.weight, sources: mk(spec.testVoices, 'voice'), ranges });
  }
  const heldOutEngines: EngineGroup[] = [];
  for (const engine of n.heldOutEngines) {
    const voices = await ENGINES[engine].voices();
    if (voices.length === 0) throw new StageInputError(`voices.heldOutEngines: ${engine} has no installed voice`);
    heldOutEngines.push({
      engine,
      weight: 1,
      sources: voices.map((voice) => ({ engine, voice, heldOut: 'engine' as const, tag: voiceTag(engine, voice) })),
      ranges: rangesFor(undefined, config, false),
    });
  }
  return { train, test, heldOutEngines, heldOutPerKeyword: n.heldOutPerKeyword };
}

/**
 * The list form of `voices` resolved without asking espeak-ng (its voices are explicit):
 * what planClips uses when given no resolved voices (tests, and callers that checked
 * installation themselves). Throws for the engines form, which needs resolveVoices.
 */
export function listFormVoices(
  config: Pick<SynthKwsConfig, 'voices' | 'testVoices' | 'pitch' | 'speed'>,
): ResolvedVoices {
  const n = normalizeVoices(config);
  if (!n.legacy) throw new Error('listFormVoices: voices.engines needs resolveVoices (installed voices)');
  const [engine, spec] = n.engines[0]!;
  const ranges = rangesFor(spec, config, true);
  const mk = (voices: readonly string[], heldOut: HeldOut): VoiceSource[] =>
    voices.map((voice) => ({ engine, voice, heldOut, tag: voiceTag(engine, voice) }));
  return {
    train: [{ engine, weight: 1, sources: mk(spec.voices as string[], false), ranges }],
    test: [{ engine, weight: 1, sources: mk(spec.testVoices, 'voice'), ranges }],
    heldOutEngines: [],
    heldOutPerKeyword: 0,
  };
}

/**
 * sha256 over every group's engine, weight and voices (train, test, held-out engines), in
 * plan order: with the same config, two resolutions of the same digest plan the same clips.
 * For the synth-kws cache key (activities/synth-kws.ts): what is installed decides the voices.
 */
export function resolvedVoicesDigest(v: ResolvedVoices): string {
  const list = (groups: readonly EngineGroup[]): string[] =>
    groups.map((g) => `${g.engine} ${g.weight}: ${g.sources.map((s) => s.voice).join(' ')}`);
  const lists = { train: list(v.train), test: list(v.test), heldOutEngines: list(v.heldOutEngines) };
  return sha256Bytes(JSON.stringify(lists));
}

/** All sources of a list of groups (each once). */
export function sourcesOf(groups: readonly EngineGroup[]): VoiceSource[] {
  return groups.flatMap((g) => g.sources);
}

import { ENGINES } from '../../src/synth/engines/registry';
import type { EngineId, TtsRequest, VariationRanges } from '../../src/synth/engines/types';
import { NOT_IN_ALL } from '../../src/synth/voice-sources';
import { Prng } from '../../src/util/prng';

/**
 * What the engine benches render (tts-engines.bench.ts: throughput and levels;
 * synth-speed/engine-cpu.bench.ts: CPU per word): the ten keywords by an engine's voices in
 * turn, with seeded variation in the ranges below, after one warm-up render. One place, so the
 * two benches measure the same renders.
 */
const WORDS = ['yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go'];
const RANGES: VariationRanges = {
  rate: [0.85, 1.2],
  pitch: [0.9, 1.12],
  phonemeVariation: 0.25,
  espeakPitch: [30, 70],
  espeakSpeed: [130, 200],
};

export interface EngineBenchRequests {
  /** The voices rendered in turn (an engine's voices as `voices: all` selects them). */
  readonly voices: readonly string[];
  /** The warm-up render (a Python server loads its model on it). */
  readonly warmUp: TtsRequest;
  /** The i-th measured render. */
  request(i: number): TtsRequest;
}

export async function engineBenchRequests(id: EngineId): Promise<EngineBenchRequests> {
  const e = ENGINES[id];
  const voices = (await e.voices()).filter((v) => !(NOT_IN_ALL[id] ?? []).includes(v));
  return {
    voices,
    warmUp: { engine: id, voice: voices[0]!, text: 'warm', params: e.vary(Prng.derive('bench-warm', id), RANGES) },
    request: (i) => ({
      engine: id,
      voice: voices[i % voices.length]!,
      text: WORDS[i % WORDS.length]!,
      params: e.vary(Prng.derive('bench', id, i), RANGES),
    }),
  };
}

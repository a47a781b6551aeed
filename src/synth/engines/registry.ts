import { ToolMissingError } from '../../errors';
import { espeakNgEngine } from './espeak-ng';
import { festivalEngine } from './festival';
import { fliteEngine } from './flite';
import { mbrolaEngine } from './mbrola';
import { hibariEngine, kokoroEngine, piperEngine } from './neural';
import { picoEngine } from './pico';
import { rhvoiceEngine } from './rhvoice';
import type { EngineId, TtsEngine } from './types';

/** Every engine by id (types.ts ENGINE_IDS). */
export const ENGINES: Readonly<Record<EngineId, TtsEngine>> = {
  'espeak-ng': espeakNgEngine,
  mbrola: mbrolaEngine,
  pico: picoEngine,
  rhvoice: rhvoiceEngine,
  piper: piperEngine,
  kokoro: kokoroEngine,
  hibari: hibariEngine,
  flite: fliteEngine,
  festival: festivalEngine,
};

export function engine(id: EngineId): TtsEngine {
  return ENGINES[id];
}

/** Version of each engine, for toolVersions and dataset.json; a missing one names itself. */
export async function engineVersions(ids: readonly EngineId[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const id of ids) out[id] = await ENGINES[id].version();
  return out;
}

export { ToolMissingError };

/**
 * Stop every engine's helper processes (the neural engines' Python render servers, the
 * espeak-ng / MBROLA and RHVoice fork servers, Festival's `--pipe` workers); they start again
 * on demand.
 */
export async function closeEngineWorkers(): Promise<void> {
  await Promise.all(Object.values(ENGINES).map((e) => e.close?.()));
}

/** Tasks inside withEngineWorkers now (the engines' processes are shared by the whole thread). */
let engineUsers = 0;

/**
 * Run `task` (a synth-kws stage) and, when it ends, however it ends, stop every engine's
 * helper processes (closeEngineWorkers) unless another task of this thread still runs: the
 * processes are per thread, not per task, so the last task to end stops them. A worker then
 * keeps no model (hundreds of MB per neural engine) or engine process between stages.
 */
export async function withEngineWorkers<T>(task: () => Promise<T>): Promise<T> {
  engineUsers++;
  try {
    return await task();
  } finally {
    if (--engineUsers === 0) await closeEngineWorkers();
  }
}

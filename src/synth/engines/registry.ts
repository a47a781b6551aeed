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

/** Stop every engine's helper processes (render servers, workers); they start again on demand. */
export async function closeEngineWorkers(): Promise<void> {
  await Promise.all(Object.values(ENGINES).map((e) => e.close?.()));
}

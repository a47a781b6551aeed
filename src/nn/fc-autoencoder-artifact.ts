import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { StageInputError } from '../errors';
import type { AutoencoderInput, TypeAutoencoder } from '../eval/autoencoder-scores';
import {
  loadModelArtifacts,
  MODEL_TOPOLOGY_FILE,
  MODEL_WEIGHTS_FILE,
  readModelDir,
  saveModelArtifacts,
} from './model-artifacts';
import type * as TF from '@tensorflow/tfjs-node';

/**
 * The `autoencoder` directory artifact of a `train-ae` stage: `autoencoder.json` (context,
 * patch shape, per machine type its input standardization and training losses) and one
 * tfjs layers model per type in `<type>/model.json` + `<type>/weights.bin`.
 */

export const AUTOENCODER_JSON = 'autoencoder.json';

const manifestSchema = z.strictObject({
  format: z.literal('tinyops-fc-autoencoder'),
  version: z.literal(1),
  context: z.int().min(1),
  patchShape: z.tuple([z.int().min(1), z.int().min(1)]),
  types: z.record(
    z.string(),
    z.strictObject({
      mean: z.array(z.number()),
      std: z.array(z.number()),
      losses: z.array(z.number()),
    }),
  ),
});
export type AutoencoderManifest = z.output<typeof manifestSchema>;

export function writeAutoencoderDir(
  dir: string,
  manifest: AutoencoderManifest,
  models: ReadonlyMap<string, TF.LayersModel>,
): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [type, model] of models) {
    const art = saveModelArtifacts(model);
    fs.mkdirSync(path.join(dir, type), { recursive: true });
    fs.writeFileSync(path.join(dir, type, MODEL_TOPOLOGY_FILE), art.topology);
    fs.writeFileSync(path.join(dir, type, MODEL_WEIGHTS_FILE), art.weights);
  }
  fs.writeFileSync(path.join(dir, AUTOENCODER_JSON), JSON.stringify(manifest) + '\n');
}

/** Loads every type's model; the caller disposes them (`disposeAutoencoders`). */
export async function readAutoencoderDir(dir: string): Promise<AutoencoderInput> {
  const file = path.join(dir, AUTOENCODER_JSON);
  const parsed = manifestSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success)
    throw new StageInputError(
      `${file}: not a train-ae autoencoder manifest (${parsed.error.issues[0]?.message ?? 'invalid'})`,
    );
  const m = parsed.data;
  const byType = new Map<string, TypeAutoencoder>();
  for (const [type, t] of Object.entries(m.types)) {
    byType.set(type, {
      model: await loadModelArtifacts(readModelDir(path.join(dir, type))),
      standardization: { mean: t.mean, std: t.std },
    });
  }
  return { context: m.context, patchShape: m.patchShape, byType };
}

export function disposeAutoencoders(ae: AutoencoderInput): void {
  for (const t of ae.byType.values()) t.model.dispose();
}

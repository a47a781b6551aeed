import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs-node';
import { StageInputError } from '../errors';
import { readWeights } from './model-weights';
import { loadTf } from './tf';

/**
 * A trained model as two blobs for the artifact store, in tfjs' own layers-model format
 * (what `model.save('file://…')` writes, minus the file names): `topology` is the text of a
 * model.json whose `weightSpecs` list the tensors, `weights` their concatenated bytes.
 * Kept in memory so the stage stores them through its ArtifactStore (local or S3) with
 * digests, rather than through tfjs file URLs.
 */
export interface ModelArtifacts {
  /** JSON text: { format, generatedBy, modelTopology, weightSpecs }. */
  readonly topology: string;
  /** The weight values, as `weightSpecs` lays them out (float32 little-endian). */
  readonly weights: Buffer;
}

/** File names of the two blobs in a train stage's `model` directory artifact. */
export const MODEL_TOPOLOGY_FILE = 'model.json';
export const MODEL_WEIGHTS_FILE = 'weights.bin';

export const MODEL_TOPOLOGY_MEDIA_TYPE = 'application/vnd.tfjs.layers-model+json';
export const MODEL_WEIGHTS_MEDIA_TYPE = 'application/octet-stream';

/**
 * The same JSON and bytes `model.save()` would hand to an IOHandler, encoded here because
 * tfjs' encoder rejects typed arrays made by the native addon when they cross a vm realm
 * (as under jest), and because writing the bytes ourselves keeps them independent of
 * platform endianness.
 */
export function saveModelArtifacts(model: TF.LayersModel): ModelArtifacts {
  const tf = loadTf();
  const weights = readWeights(model);
  const json = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    modelTopology: model.toJSON(null, false),
    weightSpecs: weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })),
  };
  const bytes = Buffer.alloc(4 * weights.reduce((s, w) => s + w.values.length, 0));
  let off = 0;
  for (const w of weights) {
    for (const v of w.values) off = bytes.writeFloatLE(v, off);
  }
  return { topology: JSON.stringify(json), weights: bytes };
}

/** The two blobs of a `model` directory (the train stage writes them with these names). */
export function readModelDir(dir: string): ModelArtifacts {
  return {
    topology: readFileSync(join(dir, MODEL_TOPOLOGY_FILE), 'utf8'),
    weights: readFileSync(join(dir, MODEL_WEIGHTS_FILE)),
  };
}

/** Rebuilds the model `saveModelArtifacts` stored; throws StageInputError if the blobs do not fit together. */
export async function loadModelArtifacts(artifacts: ModelArtifacts): Promise<TF.LayersModel> {
  const tf = loadTf();
  let json: { modelTopology?: object; weightSpecs?: Array<{ name: string; shape: number[]; dtype: string }> };
  try {
    json = JSON.parse(artifacts.topology) as typeof json;
  } catch (e) {
    throw new StageInputError(`model topology is not JSON: ${(e as Error).message}`);
  }
  if (typeof json.modelTopology !== 'object' || !Array.isArray(json.weightSpecs)) {
    throw new StageInputError(
      'model topology JSON lacks modelTopology or weightSpecs (expected the output of saveModelArtifacts)',
    );
  }
  const bytes = json.weightSpecs.reduce((s, w) => s + 4 * w.shape.reduce((p, d) => p * d, 1), 0);
  if (bytes !== artifacts.weights.length) {
    throw new StageInputError(
      `model weights have ${artifacts.weights.length} bytes, the topology's weightSpecs need ${bytes}`,
    );
  }
  const w = artifacts.weights;
  const weightData = w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength) as ArrayBuffer;
  const modelArtifacts = { modelTopology: json.modelTopology, weightSpecs: json.weightSpecs, weightData };
  return tf.loadLayersModel(tf.io.fromMemory(modelArtifacts as Parameters<typeof tf.io.fromMemory>[0]));
}

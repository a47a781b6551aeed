import { TinyopsError } from '../errors';
import type { AdamState } from './adam';
import type { EpochMetrics } from './train-metrics';
import type { QuantCheckpointState, QuantEpochMetrics } from './qat/quant-session';
import type { WeightAveragingState } from './weight-averaging';

/**
 * Training state after a completed epoch: enough for a retried activity to continue and
 * end with the same weights as a run that was never interrupted (docs/methods.md#reproducible-runs-and-resumed-training).
 * The loop derives every epoch's shuffle and dropout masks from `dataSeed` and the epoch
 * number, so no generator state beyond the seed words is needed.
 */
export interface TrainCheckpoint {
  /** Identifies config + data + seeds (train-loop.ts `trainFingerprint`); resume refuses a mismatch. */
  readonly fingerprint: string;
  /** Epochs completed (1-based count); training resumes with epoch `epochsDone + 1`. */
  readonly epochsDone: number;
  readonly initSeed: SeedWords;
  readonly dataSeed: SeedWords;
  readonly history: readonly EpochMetrics[];
  /** 1-based epoch whose weights are in `bestWeights`. */
  readonly bestEpoch: number;
  /** All model weights (trainable and BN moving statistics), in `model.weights` order. */
  readonly weights: readonly NamedWeights[];
  /** Values of the best epoch, same order and shapes as `weights`. */
  readonly bestWeights: readonly Float32Array[];
  readonly optimizer: AdamState;
  /** Activation ranges etc. of a run with `quantization:` (absent otherwise, and then not encoded). */
  readonly quant?: QuantCheckpointState;
  /** Running weight average of a run with `weightAveraging:` once it has started (absent otherwise, and then not encoded). */
  readonly averaging?: WeightAveragingState;
}

export type SeedWords = readonly [number, number, number, number];

export interface NamedWeights {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/** A checkpoint blob is corrupt, truncated, of another format version, or of another run. */
export class CheckpointError extends TinyopsError {
  override readonly name = 'CheckpointError';
}

const MAGIC = 'TOPSCKPT';
const FORMAT_VERSION = 1;

interface TensorEntry {
  readonly role: 'weight' | 'best' | 'm' | 'v' | 'avg';
  readonly index: number;
  readonly length: number;
}

interface Header {
  readonly fingerprint: string;
  readonly epochsDone: number;
  readonly initSeed: SeedWords;
  readonly dataSeed: SeedWords;
  /** Metric values; null stands for NaN/±Infinity, which JSON cannot hold. */
  readonly history: ReadonlyArray<
    Record<Exclude<keyof EpochMetrics, 'quant'>, number | null> & { quant?: QuantEpochMetrics }
  >;
  readonly bestEpoch: number;
  readonly optimizerStep: number;
  readonly weights: ReadonlyArray<{ readonly name: string; readonly shape: readonly number[] }>;
  readonly tensors: readonly TensorEntry[];
  readonly quant?: QuantCheckpointState;
  /** Snapshots in the running weight average (its tensors have role `avg`). */
  readonly averagingCount?: number;
}

/**
 * Layout: "TOPSCKPT", u32 format version, u32 header length H, H bytes of UTF-8 JSON
 * header, zero padding to a multiple of 4, then every tensor of `header.tensors` as
 * float32 little-endian, back to back. Bytes depend only on the checkpoint's content.
 */
export function encodeCheckpoint(c: TrainCheckpoint): Buffer {
  const arrays: Float32Array[] = [];
  const tensors: TensorEntry[] = [];
  const add = (role: TensorEntry['role'], list: readonly Float32Array[]) =>
    list.forEach((a, index) => {
      tensors.push({ role, index, length: a.length });
      arrays.push(a);
    });
  add(
    'weight',
    c.weights.map((w) => w.values),
  );
  add('best', c.bestWeights);
  add('m', c.optimizer.m);
  add('v', c.optimizer.v);
  if (c.averaging !== undefined) add('avg', c.averaging.values);
  const header: Header = {
    fingerprint: c.fingerprint,
    epochsDone: c.epochsDone,
    initSeed: c.initSeed,
    dataSeed: c.dataSeed,
    history: c.history.map((m) => ({
      loss: finiteOrNull(m.loss),
      accuracy: finiteOrNull(m.accuracy),
      valLoss: finiteOrNull(m.valLoss),
      valAccuracy: finiteOrNull(m.valAccuracy),
      learningRate: finiteOrNull(m.learningRate),
      ...(m.quant === undefined ? {} : { quant: m.quant }),
    })),
    bestEpoch: c.bestEpoch,
    optimizerStep: c.optimizer.step,
    weights: c.weights.map((w) => ({ name: w.name, shape: w.shape })),
    tensors,
    ...(c.quant === undefined ? {} : { quant: c.quant }),
    ...(c.averaging === undefined ? {} : { averagingCount: c.averaging.count }),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const dataStart = align4(16 + json.length);
  const total = dataStart + 4 * arrays.reduce((s, a) => s + a.length, 0);
  const buf = Buffer.alloc(total);
  buf.write(MAGIC, 0, 'latin1');
  buf.writeUInt32LE(FORMAT_VERSION, 8);
  buf.writeUInt32LE(json.length, 12);
  json.copy(buf, 16);
  let off = dataStart;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++, off += 4) buf.writeFloatLE(a[i] as number, off);
  }
  return buf;
}

/** Inverse of `encodeCheckpoint`; throws CheckpointError on anything malformed. */
export function decodeCheckpoint(buf: Uint8Array): TrainCheckpoint {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 16 || b.toString('latin1', 0, 8) !== MAGIC)
    throw new CheckpointError('not a tinyops training checkpoint (bad magic)');
  const version = b.readUInt32LE(8);
  if (version !== FORMAT_VERSION)
    throw new CheckpointError(`training checkpoint format ${version} is not supported (expected ${FORMAT_VERSION})`);
  const headerLength = b.readUInt32LE(12);
  if (16 + headerLength > b.length) throw new CheckpointError('training checkpoint is truncated (header)');
  let header: Header;
  try {
    header = JSON.parse(b.toString('utf8', 16, 16 + headerLength)) as Header;
  } catch (e) {
    throw new CheckpointError(`training checkpoint header is not JSON: ${(e as Error).message}`);
  }
  if (!isHeader(header)) throw new CheckpointError('training checkpoint header lacks required fields');
  const dataStart = align4(16 + headerLength);
  const expected = dataStart + 4 * header.tensors.reduce((s, t) => s + t.length, 0);
  if (b.length !== expected)
    throw new CheckpointError(`training checkpoint has ${b.length} bytes, its header describes ${expected}`);

  const byRole: Record<TensorEntry['role'], Float32Array[]> = { weight: [], best: [], m: [], v: [], avg: [] };
  let off = dataStart;
  for (const t of header.tensors) {
    const a = new Float32Array(t.length);
    for (let i = 0; i < t.length; i++, off += 4) a[i] = b.readFloatLE(off);
    byRole[t.role][t.index] = a;
  }
  const weights = header.weights.map((w, i): NamedWeights => {
    const values = byRole.weight[i];
    if (values === undefined || values.length !== w.shape.reduce((p, d) => p * d, 1)) {
      throw new CheckpointError(`training checkpoint: weight ${w.name} has no data or the wrong number of values`);
    }
    return { name: w.name, shape: w.shape, values };
  });
  return {
    fingerprint: header.fingerprint,
    epochsDone: header.epochsDone,
    initSeed: header.initSeed,
    dataSeed: header.dataSeed,
    history: header.history.map((m) => ({
      loss: m.loss ?? NaN,
      accuracy: m.accuracy ?? NaN,
      valLoss: m.valLoss ?? NaN,
      valAccuracy: m.valAccuracy ?? NaN,
      learningRate: m.learningRate ?? NaN,
      ...(m.quant === undefined ? {} : { quant: m.quant }),
    })),
    bestEpoch: header.bestEpoch,
    weights,
    bestWeights: byRole.best,
    optimizer: { step: header.optimizerStep, m: byRole.m, v: byRole.v },
    ...(header.quant === undefined ? {} : { quant: header.quant }),
    ...(header.averagingCount === undefined ? {} : { averaging: { count: header.averagingCount, values: byRole.avg } }),
  };
}

function isHeader(h: unknown): h is Header {
  if (typeof h !== 'object' || h === null) return false;
  const r = h as Record<string, unknown>;
  const roles = new Set(['weight', 'best', 'm', 'v', 'avg']);
  return (
    typeof r.fingerprint === 'string' &&
    Number.isInteger(r.epochsDone) &&
    Number.isInteger(r.bestEpoch) &&
    Number.isInteger(r.optimizerStep) &&
    Array.isArray(r.history) &&
    Array.isArray(r.weights) &&
    Array.isArray(r.tensors) &&
    (r.averagingCount === undefined || (Number.isInteger(r.averagingCount) && (r.averagingCount as number) >= 0)) &&
    (r.tensors as unknown[]).every((t) => {
      const e = t as Partial<TensorEntry> | null;
      return (
        e !== null &&
        roles.has(e.role as string) &&
        Number.isInteger(e.index) &&
        Number.isInteger(e.length) &&
        (e.length as number) >= 0
      );
    })
  );
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

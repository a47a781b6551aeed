import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { cpus, homedir, loadavg } from 'node:os';
import * as path from 'node:path';
import { DS_CNN_PRESETS, planDsCnn, type DsCnnPresetName } from '../../src/nn/ds-cnn-arch';
import { loadTf, NATIVE_BACKEND } from '../../src/nn/tf';
import { trainConfigSchema } from '../../src/nn/train-config';
import { trainModel } from '../../src/nn/train-loop';
import { Prng } from '../../src/util/prng';
import { syntheticData } from '../unit/nn/synthetic-data';

/**
 * Training-throughput benchmark (on demand: `node dist/test/bench/train-throughput.bench.js`
 * after `tsc -p tsconfig.json`). Trains the same DS-CNN (preset, batch size, input shape) with
 * our tfjs-node loop (`trainModel`) and with tf.keras (test/bench/keras_train_bench.py) in one
 * run and prints one JSON object with both samples/s and their ratio. Ratios, not absolute
 * rates, are what to compare across machines; both sides use every core.
 *
 * The Keras side needs TensorFlow for Python, which the tools venv does not have: a venv
 * `<cache>/bench-venv` is created on first use and tensorflow-cpu installed into it from the
 * wheel setup.sh already downloaded to `<cache>/wheels` (its dependencies come from PyPI).
 * Progress goes to stderr; stdout carries only the JSON line.
 *
 * Environment: TINYOPS_CACHE_DIR (cache root), TINYOPS_BENCH_PYTHON (base interpreter for the
 * venv, default python3), TINYOPS_BENCH_SAMPLES (examples per epoch, default 2000),
 * TINYOPS_BENCH_EPOCHS (timed epochs, default 2).
 */

const PRESET: DsCnnPresetName = 'ds-cnn-s';
const BATCH_SIZE = 100;
const INPUT_SHAPE: [number, number] = [49, 10];
const NUM_CLASSES = 12;
const TF_PY_VERSION = '2.21.0';
const KERAS_WARMUP_STEPS = 5;

const repoRoot = path.resolve(__dirname, '..', '..', '..'); // dist/test/bench → repo

function log(msg: string): void {
  process.stderr.write(`[train-throughput] ${msg}\n`);
}

function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}=${v} is not a positive integer`);
  return n;
}

/** Same default as scripts/setup.sh. */
function cacheDir(): string {
  const fromEnv = process.env.TINYOPS_CACHE_DIR;
  if (fromEnv) return fromEnv;
  return path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'tinyops');
}

function run(cmd: string, args: readonly string[], what: string, inheritOutput: boolean): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    // Child output goes to our stderr, so stdout stays one JSON line.
    stdio: inheritOutput ? ['ignore', 2, 2] : ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2',
      PIP_DISABLE_PIP_VERSION_CHECK: '1',
    },
    maxBuffer: 64 << 20,
  });
  if (r.error !== undefined) throw new Error(`${what}: could not start ${cmd}: ${r.error.message}`);
  return r;
}

/** TensorFlow version importable by `python`, or undefined. */
function installedTfVersion(python: string): string | undefined {
  if (!existsSync(python)) return undefined;
  const r = run(python, ['-c', 'import tensorflow as tf; print(tf.__version__)'], 'probe TensorFlow', false);
  return r.status === 0 ? r.stdout.trim().split('\n').pop() : undefined;
}

/** Idempotent: returns the bench venv's python with tensorflow-cpu==TF_PY_VERSION, creating it if needed. */
export function ensureBenchVenv(): string {
  const cache = cacheDir();
  const venv = path.join(cache, 'bench-venv');
  const python = path.join(venv, 'bin', 'python');
  const have = installedTfVersion(python);
  if (have === TF_PY_VERSION) {
    log(`using ${venv} (tensorflow ${have})`);
    return python;
  }
  if (!existsSync(python)) {
    const base = process.env.TINYOPS_BENCH_PYTHON || 'python3';
    log(`creating venv ${venv} with ${base}`);
    const r = run(base, ['-m', 'venv', venv], 'create bench venv', true);
    if (r.status !== 0) throw new Error(`\`${base} -m venv ${venv}\` failed (exit ${r.status})`);
  } else {
    log(`${venv} has tensorflow ${have ?? '(none)'}; installing ${TF_PY_VERSION}`);
  }
  const wheels = path.join(cache, 'wheels');
  const wheel = existsSync(wheels)
    ? readdirSync(wheels).find((f) => f.startsWith(`tensorflow_cpu-${TF_PY_VERSION}-`))
    : undefined;
  if (wheel === undefined) log(`no tensorflow_cpu-${TF_PY_VERSION} wheel in ${wheels}: pip will download it (~270 MB)`);
  // The wheel by path: given only the requirement, pip prefers PyPI's copy of the same version
  // over the --find-links one and downloads it again.
  const target = wheel === undefined ? `tensorflow-cpu==${TF_PY_VERSION}` : path.join(wheels, wheel);
  log(`pip install ${target} (--find-links ${wheels}; dependencies from PyPI); this takes a minute or more`);
  const pip = run(python, ['-m', 'pip', 'install', '--find-links', wheels, target], 'pip install', true);
  if (pip.status !== 0)
    throw new Error(`pip install tensorflow-cpu==${TF_PY_VERSION} into ${venv} failed (exit ${pip.status})`);
  const now = installedTfVersion(python);
  if (now !== TF_PY_VERSION)
    throw new Error(`${venv}: tensorflow ${now ?? 'not importable'} after install, expected ${TF_PY_VERSION}`);
  log(`bench venv ready (tensorflow ${now})`);
  return python;
}

interface ParamCounts {
  readonly total: number;
  readonly trainable: number;
  readonly nonTrainable: number;
}

interface KerasResult {
  readonly samplesPerSec: number;
  readonly wallSamplesPerSec: number;
  readonly epochSeconds: readonly number[];
  readonly samples: number;
  readonly tensorflow: string;
  readonly keras: string | null;
  readonly jitCompile: boolean;
  readonly interOpThreads: number;
  readonly intraOpThreads: number;
  readonly params: ParamCounts;
  readonly weightShapes: readonly (readonly number[])[];
}

function shapeKey(shapes: readonly (readonly number[])[]): string[] {
  return shapes.map((s) => s.join('x')).sort();
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}

async function tinyopsSide(
  samples: number,
  epochs: number,
): Promise<{
  samplesPerSec: number;
  wallSamplesPerSec: number;
  backend: string;
  libtensorflow: string;
  params: ParamCounts;
  weightShapes: number[][];
}> {
  const tf = loadTf(); // throws unless the native backend is active
  const backend = tf.getBackend();
  // tfjs-node's native binding reports the libtensorflow it was linked against.
  const binding = (tf.backend() as unknown as { binding?: { TF_Version?: unknown } }).binding;
  const libtensorflow = typeof binding?.TF_Version === 'string' ? binding.TF_Version : 'unknown';
  if (backend !== NATIVE_BACKEND) throw new Error(`tfjs backend is ${backend}, expected ${NATIVE_BACKEND}`);
  const data = syntheticData({ n: samples, nVal: BATCH_SIZE, shape: INPUT_SHAPE, numClasses: NUM_CLASSES, seed: 1 });
  const config = (e: number) =>
    trainConfigSchema.parse({
      architecture: PRESET,
      epochs: e,
      batchSize: BATCH_SIZE,
      learningRate: { decay: 'constant' },
      seeds: { init: 1, data: 2 },
    });

  log(`tfjs: warm-up epoch (${samples} samples)`);
  const warm = await trainModel(data, config(1), { rng: Prng.derive('bench', 'warm') });
  warm.model.dispose();

  log(`tfjs: ${epochs} timed epochs of ${samples} samples`);
  const t0 = process.hrtime.bigint();
  const r = await trainModel(data, config(epochs), { rng: Prng.derive('bench', 'timed') });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = r.model;
  // Weight shapes are fully known; `?? NaN` only satisfies the (number | null)[] type.
  const dims = (w: { shape: readonly (number | null)[] }) => w.shape.map((d) => d ?? Number.NaN);
  const count = (ws: readonly { shape: readonly (number | null)[] }[]) =>
    ws.reduce((a, w) => a + dims(w).reduce((p, d) => p * d, 1), 0);
  const params = {
    total: m.countParams(),
    trainable: count(m.trainableWeights),
    nonTrainable: count(m.nonTrainableWeights),
  };
  const weightShapes = m.weights.map(dims);
  m.dispose();
  // trainSamplesPerSec times the optimizer steps only (batching + forward + backward + update),
  // like the Keras epoch timer; wall time also includes model building and per-epoch validation.
  return {
    samplesPerSec: r.trainSamplesPerSec,
    wallSamplesPerSec: (samples * epochs) / wall,
    backend,
    libtensorflow,
    params,
    weightShapes,
  };
}

function kerasSide(python: string, samples: number, epochs: number): KerasResult {
  const arch = DS_CNN_PRESETS[PRESET];
  const plan = planDsCnn(arch, INPUT_SHAPE, NUM_CLASSES);
  const cfg = {
    arch: {
      firstConv: { filters: plan.firstConv.filters, kernel: plan.firstConv.kernel, stride: plan.firstConv.stride },
      blocks: plan.blocks.map((b) => ({ filters: b.filters, stride: b.stride, skipKind: b.skipKind })),
      dropout: arch.dropout,
      batchNorm: arch.batchNorm,
    },
    inputShape: INPUT_SHAPE,
    numClasses: NUM_CLASSES,
    batchSize: BATCH_SIZE,
    samples,
    epochs,
    warmupSteps: KERAS_WARMUP_STEPS,
    learningRate: 0.001,
    seed: 0,
  };
  const script = path.join(repoRoot, 'test', 'bench', 'keras_train_bench.py');
  log(`keras: ${KERAS_WARMUP_STEPS} warm-up steps, then ${epochs} timed epochs of ${samples} samples`);
  const r = spawnSync(python, [script, JSON.stringify(cfg)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2' },
    maxBuffer: 64 << 20,
    timeout: 30 * 60_000,
  });
  if (r.error !== undefined || r.status !== 0) {
    throw new Error(`keras bench failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}`);
  }
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as KerasResult;
}

export async function runTrainThroughputBench(): Promise<Record<string, unknown>> {
  const samples = envInt('TINYOPS_BENCH_SAMPLES', 2000);
  const epochs = envInt('TINYOPS_BENCH_EPOCHS', 2);
  const python = ensureBenchVenv();
  const load0 = loadavg()[0] ?? 0;
  // Keras first, in its own process, so tfjs' libtensorflow thread pools are not alive meanwhile.
  const keras = kerasSide(python, samples, epochs);
  const tiny = await tinyopsSide(samples, epochs);
  const load1 = loadavg()[0] ?? 0;

  const sameShapes = JSON.stringify(shapeKey(tiny.weightShapes)) === JSON.stringify(shapeKey(keras.weightShapes));
  const sameParams =
    tiny.params.total === keras.params.total &&
    tiny.params.trainable === keras.params.trainable &&
    tiny.params.nonTrainable === keras.params.nonTrainable;
  const notes = [
    `${cpus().length} cores, 1-min load ${load0.toFixed(2)} before / ${load1.toFixed(2)} after: other jobs share this machine, so absolute rates are noisy; compare the ratio.`,
    'samplesPerSec times training steps only (tinyops: trainModel.trainSamplesPerSec over the timed epochs after a warm-up run; keras: per-epoch callback time after warm-up steps); wallSamplesPerSec includes setup and (tinyops) per-epoch validation.',
    `tinyops runs eager ops per batch (tf.variableGrads over src/nn/ds-cnn-train.ts: native fused BN+ReLU, shape-grouped own Adam, seeded dropout mask, cosine LR off), keras a traced tf.function graph${keras.jitCompile ? ' with XLA' : ' without XLA'}.`,
    'Data: tinyops synthetic motifs, keras standard normal; same shape, dtype float32, 12 classes.',
    sameShapes && sameParams
      ? 'Architectures match: identical parameter counts and weight-shape multisets.'
      : 'ARCHITECTURE MISMATCH: see params/weightShapesMatch.',
  ].join(' ');

  return {
    benchmark: 'train-throughput',
    model: PRESET,
    batchSize: BATCH_SIZE,
    inputShape: INPUT_SHAPE,
    samples: samples * epochs,
    tinyops: {
      samplesPerSec: round(tiny.samplesPerSec, 1),
      wallSamplesPerSec: round(tiny.wallSamplesPerSec, 1),
      backend: tiny.backend,
      libtensorflow: tiny.libtensorflow,
      params: tiny.params,
    },
    keras: {
      samplesPerSec: round(keras.samplesPerSec, 1),
      wallSamplesPerSec: round(keras.wallSamplesPerSec, 1),
      tensorflow: keras.tensorflow,
      keras: keras.keras,
      jitCompile: keras.jitCompile,
      params: keras.params,
    },
    ratio: round(tiny.samplesPerSec / keras.samplesPerSec, 3),
    architectureMatch: { params: sameParams, weightShapes: sameShapes },
    notes,
  };
}

if (require.main === module) {
  runTrainThroughputBench().then(
    (r) => console.log(JSON.stringify(r)),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}

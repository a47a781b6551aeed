import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import { kernelVariantFor } from '../../activities/codegen';
import { kernelSources, scratchFor } from '../../src/codegen/kernel-variants';
import { emitModelC } from '../../src/codegen/model-c';
import { buildFirmware, resolveBoard, runOnQemu, type FirmwareBuild } from '../../src/deploy';
import { readFeatureTensor } from '../../src/dsp/feature-tensor';
import { loadModelArtifacts, readModelDir, saveModelArtifacts } from '../../src/nn/model-artifacts';
import { calibrateRanges } from '../../src/quant/calibrate';
import { readFloatGraph, weightsByName, type WeightSpec } from '../../src/quant/float-graph';
import { packedWeightBytes, type IntModel } from '../../src/quant/int-model';
import { quantizeFloatGraph } from '../../src/quant/quantize-graph';
import { Prng } from '../../src/util/prng';
import { KWS_LABELS, KWS_SHAPE, randomDsCnnS } from './random-ds-cnn-s';
import { parseLinkMap, type MapContribution } from './link-map';
import { ensureBenchVenv } from './train-throughput.bench';

/**
 * tinyops vs TensorFlow Lite Micro on the same trained model (on demand:
 * `node dist/test/bench/tflm.bench.js`). Prints one JSON line: SRAM arena and flash
 * (model + inference code) of both, and their ratios (tinyops / TFLM; below 1 = tinyops smaller).
 *
 * Model: TINYOPS_BENCH_MODEL_DIR (a train stage's model dir: model.json + weights.bin
 * [+ labels.json]) with TINYOPS_BENCH_FEATURES (a features file, e.g. the train split) for
 * calibration; without them a DS-CNN-S with random (Glorot, seeded) weights and seeded random
 * calibration inputs. Arena and flash do not depend on the weight values (only on shapes and
 * op kinds), so the random model measures the same sizes as a trained one of that architecture.
 *
 * tinyops: readFloatGraph → calibrateRanges → quantizeFloatGraph → emitModelC (arena, MicroNets
 * eq. 3 lower bound) → buildFirmware for stm32f446re at -Os with the board's kernel variant.
 *
 * TFLM: test/bench/tflm_convert.py in the bench venv rebuilds the Keras model from model.json,
 * converts it to a fully int8 .tflite (same calibration rows) and reads TFLM's arena from the
 * PyPI `tflite-micro` interpreter (RecordingMicroAllocator). Its runtime's flash: TFLM C++
 * sources from the crates.io crate `tfmicro` (vendors TFLM at TensorFlow 33689c48ad, 2020,
 * with flatbuffers/gemmlowp/ruy headers), compiled with arm-none-eabi-g++ -Os for Cortex-M4,
 * linked with a main that registers exactly the model's ops in a MicroMutableOpResolver,
 * builds a MicroInterpreter, AllocateTensors and Invoke.
 *
 * Flash on both sides = flash(firmware with the model) − flash(the same main without it), both
 * linked by buildFirmware (same start-up, newlib, --gc-sections); a linker map splits it by
 * input file (model data, kernels, framework, toolchain library code the model pulled in).
 *
 * Environment: TINYOPS_CACHE_DIR, TINYOPS_BENCH_MODEL_DIR, TINYOPS_BENCH_FEATURES, TINYOPS_BENCH_TFLM_TREE
 * (a current TFLM tree: tflite-micro/, flatbuffers/, gemmlowp/, ruy/; default: tfmicro 2020 sources),
 * TINYOPS_BENCH_KEEP=1 (keep the work dir),
 * TINYOPS_BENCH_CALIBRATION (calibration rows, default 200), CARGO (default cargo).
 */

const BOARD = 'stm32f446re';
const OPTIMIZE = 'Os';
const TFMICRO = {
  crate: 'tfmicro',
  version: '0.1.0',
  tensorflowCommit: '33689c48ad5e00908cd59089ef1956e1478fda78',
} as const;
/** Arena handed to the TFLM interpreters; TFLM reports what it used of it. */
const TFLM_ARENA_PROBE = 256 * 1024;
const TFLM_ARENA_ON_BOARD = 64 * 1024;

const repoRoot = path.resolve(__dirname, '..', '..', '..'); // dist/test/bench → repo

function log(msg: string): void {
  process.stderr.write(`[tflm] ${msg}\n`);
}

function cacheDir(): string {
  const fromEnv = process.env.TINYOPS_CACHE_DIR;
  if (fromEnv) return fromEnv;
  return path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'tinyops');
}

function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}=${v} is not a positive integer`);
  return n;
}

function sh(cmd: string, args: readonly string[], what: string, cwd?: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error !== undefined) throw new Error(`${what}: could not start ${cmd}: ${r.error.message}`);
  if (r.status !== 0)
    throw new Error(`${what} failed (exit ${r.status}): ${cmd} ${args.join(' ')}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

// ---------------------------------------------------------------------------------------------
// The model

interface BenchModel {
  readonly dir: string;
  readonly source: string;
  readonly calibration: Float32Array;
  readonly shape: [number, number];
  readonly labels: string[];
}

async function resolveModel(work: string, rows: number): Promise<BenchModel> {
  const dir = process.env.TINYOPS_BENCH_MODEL_DIR;
  if (dir) {
    for (const f of ['model.json', 'weights.bin']) {
      if (!existsSync(path.join(dir, f))) throw new Error(`TINYOPS_BENCH_MODEL_DIR=${dir}: no ${f}`);
    }
    const topology = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as {
      modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
    };
    const input = topology.modelTopology.config.layers.find((l) => l.class_name === 'InputLayer');
    const bis = (input?.config.batch_input_shape ?? []) as number[];
    if (bis.length !== 4) throw new Error(`${dir}/model.json: no [batch, frames, coeffs, 1] InputLayer`);
    const shape: [number, number] = [bis[1]!, bis[2]!];
    const labelsFile = path.join(dir, 'labels.json');
    const labelsFromDir = existsSync(labelsFile)
      ? (JSON.parse(readFileSync(labelsFile, 'utf8')) as { labels?: string[] }).labels
      : undefined;
    const feats = process.env.TINYOPS_BENCH_FEATURES;
    let calibration: Float32Array;
    let calibSource: string;
    if (feats) {
      const t = readFeatureTensor(feats);
      const size = shape[0] * shape[1];
      const n = t.header.shape[0] as number;
      if (t.data.length !== n * size)
        throw new Error(`${feats}: rows of ${t.data.length / Math.max(1, n)} values, the model takes ${size}`);
      const picked = seededSubset(n, rows);
      calibration = new Float32Array(picked.length * size);
      picked.forEach((r, i) => calibration.set(t.data.subarray(r * size, (r + 1) * size), i * size));
      calibSource = `${picked.length} seeded rows of ${feats}`;
    } else {
      calibration = randomFeatures(rows, shape);
      calibSource = `${rows} seeded random rows (set TINYOPS_BENCH_FEATURES for real features)`;
    }
    const labels = labelsFromDir ?? [...Array(lastUnits(topology)).keys()].map((i) => `class${i}`);
    return { dir, source: `model ${dir}; calibration ${calibSource}`, calibration, shape, labels };
  }
  // No model given: a DS-CNN-S built by the library, random (seeded Glorot) weights.
  const shape = KWS_SHAPE;
  const labels = KWS_LABELS;
  const net = randomDsCnnS('tflm-bench');
  const saved = saveModelArtifacts(net.model);
  net.model.dispose();
  const out = path.join(work, 'model');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'model.json'), saved.topology);
  writeFileSync(path.join(out, 'weights.bin'), saved.weights);
  return {
    dir: out,
    source: `ds-cnn-s built by src/nn/ds-cnn.ts with random weights (seeded Glorot, random batch-norm statistics) and ${rows} seeded random calibration rows: arena and flash depend on shapes and op kinds, not weight values (set TINYOPS_BENCH_MODEL_DIR and TINYOPS_BENCH_FEATURES for a trained model)`,
    calibration: randomFeatures(rows, shape),
    shape,
    labels,
  };
}

function lastUnits(topology: {
  modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
}): number {
  const dense = [...topology.modelTopology.config.layers].reverse().find((l) => l.class_name === 'Dense');
  return typeof dense?.config.units === 'number' ? dense.config.units : 12;
}

/** `count` distinct row indices of `n` (all when n ≤ count), seeded, ascending. */
function seededSubset(n: number, count: number): number[] {
  const rng = Prng.derive('tflm-bench', 'calibration');
  const idx = [...Array(n).keys()];
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx.slice(0, Math.min(count, n)).sort((a, b) => a - b);
}

/** MFCC-like magnitudes (the front end's range is tens), seeded. */
function randomFeatures(rows: number, shape: [number, number]): Float32Array {
  const rng = Prng.derive('tflm-bench', 'features');
  const out = new Float32Array(rows * shape[0] * shape[1]);
  for (let i = 0; i < out.length; i++) out[i] = (rng.next() * 2 - 1) * 20;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Shared firmware skeleton: the same main with and without an inference.

const MAIN_C = `/* tflm.bench.ts: the program both sides are measured in. Without BENCH_WITH_MODEL it is the
 * baseline (start-up, newlib, this main); with it, main also runs one inference. */
#include <stdint.h>
extern int bench_infer(const int8_t *in, int8_t *out);
static int8_t input[BENCH_INPUT_BYTES];
static int8_t output[BENCH_OUTPUT_BYTES];
int main(void) {
    for (int i = 0; i < BENCH_INPUT_BYTES; i++) input[i] = (int8_t)(i * 7);
#ifdef BENCH_WITH_MODEL
    int rc = bench_infer(input, output);
#else
    int rc = 0;
    output[0] = input[3];
#endif
    return rc + output[0];
}
`;

interface Measured {
  readonly build: FirmwareBuild;
  readonly map: MapContribution[];
}

async function buildMeasured(
  name: string,
  dir: string,
  opts: {
    sources: string[];
    objects?: string[];
    includeDirs?: string[];
    withModel: boolean;
    inBytes: number;
    outBytes: number;
  },
): Promise<Measured> {
  const mapFile = path.join(dir, `${name}.map`);
  const build = await buildFirmware({
    board: BOARD,
    sources: opts.sources,
    objects: opts.objects,
    includeDirs: opts.includeDirs,
    defines: [
      `BENCH_INPUT_BYTES=${opts.inBytes}`,
      `BENCH_OUTPUT_BYTES=${opts.outBytes}`,
      ...(opts.withModel ? ['BENCH_WITH_MODEL'] : []),
    ],
    outDir: dir,
    optimize: OPTIMIZE,
    elfName: `${name}.elf`,
    linkFlags: [`-Wl,-Map=${mapFile}`],
  });
  return { build, map: parseLinkMap(readFileSync(mapFile, 'utf8')) };
}

function sumWhere(map: readonly MapContribution[], pred: (c: MapContribution) => boolean): number {
  return map.filter(pred).reduce((s, c) => s + c.bytes, 0);
}

// ---------------------------------------------------------------------------------------------
// tinyops

interface TinyopsResult {
  readonly intModel: IntModel;
  readonly arenaBytes: number;
  readonly lowerBoundBytes: number;
  readonly kernels: string;
  readonly flash: { total: number; modelData: number; modelCode: number; kernels: number; toolchainLibs: number };
  readonly firmwareFlash: number;
  readonly baselineFlash: number;
  /** data + bss the model adds besides the arena (0 when everything is in the planned arena). */
  readonly staticSramOutsideArena: number;
}

async function tinyopsSide(m: BenchModel, work: string, baseline: Measured): Promise<TinyopsResult> {
  const blobs = readModelDir(m.dir);
  const topology = JSON.parse(blobs.topology) as { modelTopology: unknown; weightSpecs: WeightSpec[] };
  const graph = readFloatGraph(topology.modelTopology, weightsByName(topology.weightSpecs, blobs.weights));
  const model = await loadModelArtifacts(blobs);
  let intModel: IntModel;
  try {
    const ranges = await calibrateRanges(
      model,
      graph.input,
      graph.ops.map((o) => o.output),
      m.calibration,
      m.shape,
    );
    intModel = quantizeFloatGraph(graph, ranges, { labels: m.labels, frontEndScale: 1 / 32, bitsFor: () => 8 });
  } finally {
    model.dispose();
  }
  const variant = kernelVariantFor(BOARD, 'auto');
  const c = emitModelC(intModel, { scratchBytes: scratchFor(variant), provenance: 'tflm.bench.ts' });
  const dir = path.join(work, 'tinyops');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'tops_model.h'), c.header);
  writeFileSync(path.join(dir, 'tops_model.c'), c.source);
  writeFileSync(path.join(dir, 'bench_main.c'), MAIN_C);
  writeFileSync(
    path.join(dir, 'bench_tinyops.c'),
    `#include <string.h>
#include "tops_model.h"
int bench_infer(const int8_t *in, int8_t *out) {
    memcpy(tops_model_input(), in, TOPS_MODEL_INPUT_BYTES);
    int st = (int)tops_model_invoke();
    memcpy(out, tops_model_output(), TOPS_MODEL_OUTPUT_BYTES);
    return st;
}
`,
  );
  const io = ioBytes(intModel);
  log(
    `tinyops: arena ${c.plan.arenaBytes} B (lower bound ${c.plan.lowerBoundBytes} B), building for ${BOARD} (${variant} kernels, -${OPTIMIZE})`,
  );
  const kernelFiles = kernelSources(variant);
  const fw = await buildMeasured('tinyops', dir, {
    sources: [
      path.join(dir, 'bench_main.c'),
      path.join(dir, 'bench_tinyops.c'),
      path.join(dir, 'tops_model.c'),
      ...kernelFiles,
    ],
    includeDirs: [dir],
    withModel: true,
    ...io,
  });
  const total = fw.build.flashBytes - baseline.build.flashBytes;
  // gcc compiles each source to a temporary object; tell them apart by what they define.
  const fileOf = (section: string) => fw.map.find((c) => c.section === section)?.file;
  const modelFile = fileOf('.text.tops_model_invoke');
  const kernelObjs = new Set(
    fw.map.filter((c) => /^\.text\.tops_/.test(c.section) && c.file !== modelFile).map((c) => c.file),
  );
  const modelData = sumWhere(fw.map, (c) => c.file === modelFile && !c.section.startsWith('.text'));
  const modelCode = sumWhere(fw.map, (c) => c.file === modelFile && c.section.startsWith('.text'));
  const kernels = sumWhere(fw.map, (c) => kernelObjs.has(c.file));
  return {
    intModel,
    arenaBytes: c.plan.arenaBytes,
    lowerBoundBytes: c.plan.lowerBoundBytes,
    kernels: variant,
    flash: {
      total,
      modelData,
      modelCode,
      kernels,
      toolchainLibs: total - modelData - modelCode - kernels - benchGlue(fw.map, baseline.map),
    },
    firmwareFlash: fw.build.flashBytes,
    baselineFlash: baseline.build.flashBytes,
    staticSramOutsideArena: fw.build.staticSramBytes - baseline.build.staticSramBytes - c.plan.arenaBytes,
  };
}

/** Growth of the bench's own main/glue objects (not the model's or runtime's): reported inside the library remainder otherwise. */
function benchGlue(withModel: readonly MapContribution[], base: readonly MapContribution[]): number {
  const glue = (map: readonly MapContribution[]) =>
    sumWhere(map, (c) => c.section === '.text.main' || c.section === '.text.bench_infer');
  return glue(withModel) - glue(base);
}

function ioBytes(m: IntModel): { inBytes: number; outBytes: number } {
  const t = (name: string) => m.tensors.find((x) => x.name === name)!;
  const bytes = (name: string) => t(name).shape.reduce((a, b) => a * b, 1);
  return { inBytes: bytes(m.input), outBytes: bytes(m.output) };
}

// ---------------------------------------------------------------------------------------------
// TFLM: conversion + arena (Python), runtime sources (crates.io), Cortex-M4 build.

interface PyResult {
  readonly tflite_bytes: number;
  readonly ops: string[];
  readonly tensors: number;
  readonly params: number;
  readonly arena: {
    total: number;
    head: number | null;
    tail: number | null;
    parts: Record<string, number>;
    report: string[];
    output: number[];
  };
  readonly tensorflow: string;
  readonly tflite_micro: string | null;
}

function convertWithTflite(python: string, m: BenchModel, work: string): { py: PyResult; tflite: string } {
  const calib = path.join(work, 'calibration.f32');
  writeFileSync(calib, Buffer.from(m.calibration.buffer, m.calibration.byteOffset, m.calibration.byteLength));
  const tflite = path.join(work, 'model.tflite');
  const cfg = {
    modelDir: m.dir,
    calibration: calib,
    frames: m.shape[0],
    coeffs: m.shape[1],
    outTflite: tflite,
    arenaProbe: TFLM_ARENA_PROBE,
  };
  log('TFLite converter (full int8) + TFLM interpreter arena, in the bench venv');
  const r = spawnSync(python, [path.join(repoRoot, 'test', 'bench', 'tflm_convert.py'), JSON.stringify(cfg)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2' },
    maxBuffer: 64 << 20,
    timeout: 20 * 60_000,
  });
  if (r.error !== undefined || r.status !== 0)
    throw new Error(`tflm_convert.py failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return { py: JSON.parse(line) as PyResult, tflite };
}

/** Idempotent: pip-installs `tflite-micro` into the bench venv if it is not importable. */
function ensureTfliteMicro(python: string): void {
  const probe = spawnSync(python, ['-c', 'import tflite_micro'], { encoding: 'utf8' });
  if (probe.status === 0) return;
  log('pip install tflite-micro into the bench venv');
  sh(python, ['-m', 'pip', 'install', 'tflite-micro'], 'pip install tflite-micro');
}

/** TFLM sources from the crates.io crate (`cargo fetch`, then the .crate — a tar.gz — unpacked under the cache). */
function ensureTfmicroSources(): string {
  const root = path.join(cacheDir(), 'tflm-bench', `${TFMICRO.crate}-${TFMICRO.version}`);
  const tf = path.join(root, 'submodules', 'tensorflow');
  if (existsSync(path.join(tf, 'tensorflow', 'lite', 'micro', 'micro_interpreter.cc'))) return tf;
  const cargoHome = process.env.CARGO_HOME || path.join(homedir(), '.cargo');
  const findCrate = (): string | undefined => {
    const cache = path.join(cargoHome, 'registry', 'cache');
    if (!existsSync(cache)) return undefined;
    for (const reg of readdirSync(cache)) {
      const f = path.join(cache, reg, `${TFMICRO.crate}-${TFMICRO.version}.crate`);
      if (existsSync(f)) return f;
    }
    return undefined;
  };
  let crate = findCrate();
  if (crate === undefined) {
    const proj = mkdtempSync(path.join(tmpdir(), 'tflm-bench-fetch-'));
    mkdirSync(path.join(proj, 'src'));
    writeFileSync(path.join(proj, 'src', 'lib.rs'), '');
    writeFileSync(
      path.join(proj, 'Cargo.toml'),
      `[package]\nname = "tflm-bench-fetch"\nversion = "0.0.0"\nedition = "2021"\n\n[dependencies]\n${TFMICRO.crate} = "=${TFMICRO.version}"\n`,
    );
    log(`cargo fetch ${TFMICRO.crate} ${TFMICRO.version} (TFLM C++ sources)`);
    sh(process.env.CARGO || 'cargo', ['fetch'], `cargo fetch ${TFMICRO.crate}`, proj);
    rmSync(proj, { recursive: true, force: true });
    crate = findCrate();
    if (crate === undefined)
      throw new Error(
        `cargo fetch succeeded but no ${TFMICRO.crate}-${TFMICRO.version}.crate under ${cargoHome}/registry/cache`,
      );
  }
  // Unpack next to the destination, then rename: an interrupted run leaves no half tree at `root`.
  const parent = path.dirname(root);
  mkdirSync(parent, { recursive: true });
  const tmp = mkdtempSync(path.join(parent, '.unpack-'));
  sh('tar', ['xzf', crate, '-C', tmp], `unpack ${crate}`);
  rmSync(root, { recursive: true, force: true });
  renameSync(path.join(tmp, `${TFMICRO.crate}-${TFMICRO.version}`), root);
  rmSync(tmp, { recursive: true, force: true });
  return tf;
}

/**
 * Where the TFLM runtime comes from and how to build and drive it. `2020`: the crates.io
 * tfmicro sources (the default). `current`: a tree given with TINYOPS_BENCH_TFLM_TREE holding
 * `tflite-micro/` (a checkout), `flatbuffers/` (with include/), `gemmlowp/` and `ruy/`, for
 * machines that have one; the bench never downloads it.
 */
interface TflmSource {
  readonly flavor: '2020' | 'current';
  readonly label: string;
  readonly root: string;
  readonly includes: readonly string[];
  readonly cxxFlags: readonly string[];
  /** Library sources for a model with these ops (the current tree: the ops' kernels only). */
  readonly sources: (ops: readonly string[]) => string[];
}

function commonCxxFlags(std: string): string[] {
  return [
    ...resolveBoard(BOARD).cpuFlags,
    `-${OPTIMIZE}`,
    `-std=${std}`,
    '-fno-rtti',
    '-fno-exceptions',
    '-fno-threadsafe-statics',
    '-fno-unwind-tables',
    '-ffunction-sections',
    '-fdata-sections',
    '-fno-use-cxa-atexit',
    // As TFLM's own Makefile builds the library: static memory, no debug asserts.
    '-DTF_LITE_STATIC_MEMORY',
    '-DNDEBUG',
    '-w',
  ];
}

function ccFiles(dir: string, exclude: RegExp = /$^/): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cc') && !f.endsWith('_test.cc') && !exclude.test(f))
    .map((f) => path.join(dir, f));
}

function tfmicroSource(): TflmSource {
  const tf = ensureTfmicroSources();
  const dl = path.join(tf, 'tensorflow', 'lite', 'micro', 'tools', 'make', 'downloads');
  const lite = path.join(tf, 'tensorflow', 'lite');
  return {
    flavor: '2020',
    label: `crates.io ${TFMICRO.crate} ${TFMICRO.version} (TensorFlow ${TFMICRO.tensorflowCommit.slice(0, 10)}, 2020)`,
    root: tf,
    includes: [
      `-I${tf}`,
      `-I${path.join(dl, 'flatbuffers', 'include')}`,
      `-I${path.join(dl, 'gemmlowp')}`,
      `-I${path.join(dl, 'ruy')}`,
    ],
    cxxFlags: commonCxxFlags('c++11'),
    // As TFLM's Makefile composes the library (micro/, micro/kernels/ reference kernels,
    // micro/memory_planner/, core/api/, c/common.c, kernel_util, quantization_util; not tests,
    // not the host debug_log.cc).
    sources: () => [
      ...ccFiles(path.join(lite, 'micro'), /^(debug_log|test_helpers)\.cc$/),
      ...ccFiles(path.join(lite, 'micro', 'kernels')),
      ...ccFiles(path.join(lite, 'micro', 'memory_planner')),
      ...ccFiles(path.join(lite, 'core', 'api')),
      path.join(lite, 'kernels', 'kernel_util.cc'),
      path.join(lite, 'kernels', 'internal', 'quantization_util.cc'),
      path.join(lite, 'c', 'common.c'),
    ],
  };
}

/** Kernel file stems (micro/kernels/<stem>.cc and <stem>_common.cc) per builtin op. */
const CURRENT_KERNEL_FILES: Record<string, string> = {
  CONV_2D: 'conv',
  DEPTHWISE_CONV_2D: 'depthwise_conv',
  FULLY_CONNECTED: 'fully_connected',
  SOFTMAX: 'softmax',
  MEAN: 'reduce',
  AVERAGE_POOL_2D: 'pooling',
  ADD: 'add',
  RESHAPE: 'reshape',
  QUANTIZE: 'quantize',
  DEQUANTIZE: 'dequantize',
};

function currentTreeSource(tree: string): TflmSource {
  const root = path.join(tree, 'tflite-micro');
  const micro = path.join(root, 'tensorflow', 'lite', 'micro');
  for (const need of [
    path.join(micro, 'micro_interpreter.cc'),
    path.join(tree, 'flatbuffers', 'include', 'flatbuffers'),
    path.join(tree, 'gemmlowp', 'fixedpoint'),
    path.join(tree, 'ruy', 'ruy'),
  ]) {
    if (!existsSync(need))
      throw new Error(
        `TINYOPS_BENCH_TFLM_TREE=${tree}: no ${path.relative(tree, need)} (expected tflite-micro/, flatbuffers/include, gemmlowp/, ruy/)`,
      );
  }
  const lite = path.join(root, 'tensorflow', 'lite');
  const mlir = path.join(root, 'tensorflow', 'compiler', 'mlir', 'lite');
  return {
    flavor: 'current',
    label: `TINYOPS_BENCH_TFLM_TREE ${tree} (current TFLM layout)`,
    root,
    includes: [
      `-I${root}`,
      `-I${path.join(tree, 'flatbuffers', 'include')}`,
      `-I${path.join(tree, 'gemmlowp')}`,
      `-I${path.join(tree, 'ruy')}`,
    ],
    // TFLM's release setting for size.
    cxxFlags: [...commonCxxFlags('c++17'), '-DTF_LITE_STRIP_ERROR_STRINGS', '-DTF_LITE_MCU_DEBUG_LOG'],
    sources: (ops) =>
      [
        ...ccFiles(
          micro,
          /^(fake_|mock_|test_helper|recording_|debug_log|system_setup|hexdump|micro_time|memory_arena_threshold)/,
        ),
        ...ccFiles(path.join(micro, 'arena_allocator'), /^recording_/),
        ...ccFiles(path.join(micro, 'memory_planner')),
        ...ccFiles(path.join(micro, 'tflite_bridge')),
        ...[...new Set(ops)]
          .flatMap((op) => {
            const stem = CURRENT_KERNEL_FILES[op];
            if (stem === undefined) throw new Error(`the .tflite uses ${op}, which this bench does not register`);
            return [`${stem}.cc`, `${stem}_common.cc`];
          })
          .concat(['kernel_util.cc', 'micro_tensor_utils.cc'])
          .map((f) => path.join(micro, 'kernels', f))
          .filter((f) => existsSync(f)),
        ...[
          'common',
          'portable_tensor_utils',
          'quantization_util',
          'runtime_shape',
          'tensor_ctypes',
          'tensor_utils',
        ].map((f) => path.join(lite, 'kernels', 'internal', `${f}.cc`)),
        path.join(lite, 'kernels', 'kernel_util.cc'),
        path.join(lite, 'core', 'api', 'flatbuffer_conversions.cc'),
        path.join(lite, 'core', 'api', 'tensor_utils.cc'),
        path.join(lite, 'core', 'c', 'common.cc'),
        path.join(mlir, 'core', 'api', 'error_reporter.cc'),
        path.join(mlir, 'schema', 'schema_utils.cc'),
      ].filter((f) => existsSync(f)),
  };
}

function tflmSource(): TflmSource {
  const tree = process.env.TINYOPS_BENCH_TFLM_TREE;
  return tree ? currentTreeSource(tree) : tfmicroSource();
}

/**
 * The TFLM library, compiled once per source set and flags and archived: the link takes only
 * the members the model's program references.
 */
function buildTflmLibrary(src: TflmSource, ops: readonly string[]): { archive: string; sources: number } {
  const sources = src.sources(ops);
  const key = createHash('sha256')
    .update(JSON.stringify([src.root, sources, src.cxxFlags, sh('arm-none-eabi-g++', ['--version'], 'g++ --version')]))
    .digest('hex')
    .slice(0, 16);
  const dir = path.join(cacheDir(), 'tflm-bench', `lib-${src.flavor}-${key}`);
  const archive = path.join(dir, 'libtflm.a');
  if (existsSync(archive)) return { archive, sources: sources.length };
  const objDir = path.join(dir, 'obj');
  mkdirSync(objDir, { recursive: true });
  log(`compiling ${sources.length} TFLM sources with arm-none-eabi-g++ -${OPTIMIZE} (once; cached in ${dir})`);
  const objects: string[] = [];
  for (const file of sources) {
    const obj = path.join(objDir, `${path.relative(src.root, file).replace(/[/\\]/g, '_')}.o`);
    objects.push(obj);
    if (existsSync(obj)) continue;
    const isC = file.endsWith('.c');
    const args = isC
      ? [
          ...resolveBoard(BOARD).cpuFlags,
          `-${OPTIMIZE}`,
          '-ffunction-sections',
          '-fdata-sections',
          '-DTF_LITE_STATIC_MEMORY',
          '-w',
          ...src.includes,
          '-c',
          file,
          '-o',
          `${obj}.tmp`,
        ]
      : [...src.cxxFlags, ...src.includes, '-c', file, '-o', `${obj}.tmp`];
    sh(isC ? 'arm-none-eabi-gcc' : 'arm-none-eabi-g++', args, `compile ${path.relative(src.root, file)}`);
    renameSync(`${obj}.tmp`, obj);
  }
  sh('arm-none-eabi-ar', ['rcs', `${archive}.tmp`, ...objects], 'arm-none-eabi-ar');
  renameSync(`${archive}.tmp`, archive);
  return { archive, sources: sources.length };
}

/** Builtin op → 2020 registration function (tflite::ops::micro::Register_*) and current resolver method. */
const TFLM_OPS: Record<string, { register: string; add: string }> = {
  CONV_2D: { register: 'CONV_2D', add: 'AddConv2D' },
  DEPTHWISE_CONV_2D: { register: 'DEPTHWISE_CONV_2D', add: 'AddDepthwiseConv2D' },
  FULLY_CONNECTED: { register: 'FULLY_CONNECTED', add: 'AddFullyConnected' },
  SOFTMAX: { register: 'SOFTMAX', add: 'AddSoftmax' },
  MEAN: { register: 'MEAN', add: 'AddMean' },
  AVERAGE_POOL_2D: { register: 'AVERAGE_POOL_2D', add: 'AddAveragePool2D' },
  ADD: { register: 'ADD', add: 'AddAdd' },
  RESHAPE: { register: 'RESHAPE', add: 'AddReshape' },
  QUANTIZE: { register: 'QUANTIZE', add: 'AddQuantize' },
  DEQUANTIZE: { register: 'DEQUANTIZE', add: 'AddDequantize' },
};

function tflmMain(ops: readonly string[], flavor: TflmSource['flavor']): string {
  const unique = [...new Set(ops)];
  for (const op of unique)
    if (TFLM_OPS[op] === undefined) throw new Error(`the .tflite uses ${op}, which this bench does not register`);
  const current = flavor === 'current';
  // 2020: any op version (that resolver otherwise wants each version the converter wrote registered).
  const adds = unique
    .map((op) =>
      current
        ? `    resolver.${TFLM_OPS[op]!.add}();`
        : `    resolver.AddBuiltin(tflite::BuiltinOperator_${op}, tflite::ops::micro::Register_${TFLM_OPS[op]!.register}(), tflite::MicroOpResolverAnyVersion());`,
    )
    .join('\n');
  const includes = current
    ? '#include "tensorflow/lite/micro/micro_interpreter.h"\n#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"\n#include "tensorflow/lite/schema/schema_generated.h"'
    : '#include "tensorflow/lite/micro/kernels/micro_ops.h"\n#include "tensorflow/lite/micro/micro_error_reporter.h"\n#include "tensorflow/lite/micro/micro_interpreter.h"\n#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"\n#include "tensorflow/lite/schema/schema_generated.h"';
  const setup = current
    ? `    static tflite::MicroMutableOpResolver<${unique.length}> resolver;
${adds}
    static tflite::MicroInterpreter interpreter(model, resolver, tensor_arena, sizeof tensor_arena);`
    : `    static tflite::MicroErrorReporter reporter;
    static tflite::MicroMutableOpResolver<${unique.length}> resolver(&reporter);
${adds}
    static tflite::MicroInterpreter interpreter(model, resolver, tensor_arena, sizeof tensor_arena, &reporter);`;
  const debugLog = current
    ? `extern "C" void DebugLog(const char *format, va_list args) { (void)format; (void)args; }
extern "C" int DebugVsnprintf(char *buffer, size_t size, const char *format, va_list args) {
    (void)format; (void)args;
    if (size > 0) buffer[0] = '\\0';
    return 0;
}`
    : 'extern "C" void DebugLog(const char *s) { (void)s; }';
  return `// tflm.bench.ts: one inference with TensorFlow Lite Micro, as an application would run it.
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
${includes}

extern const unsigned char g_model[];
alignas(16) static uint8_t tensor_arena[${TFLM_ARENA_ON_BOARD}];

extern "C" int bench_infer(const int8_t *in, int8_t *out) {
    const tflite::Model *model = tflite::GetModel(g_model);
${setup}
    if (interpreter.AllocateTensors() != kTfLiteOk) return -1;
#ifdef BENCH_TFLM_PROBE
    std::printf("TFLM_ARENA_USED %u\\n", static_cast<unsigned>(interpreter.arena_used_bytes()));
#endif
    std::memcpy(interpreter.input(0)->data.int8, in, interpreter.input(0)->bytes);
    TfLiteStatus invoked = interpreter.Invoke();
#ifdef BENCH_TFLM_PROBE
    std::printf("TFLM_INVOKE %d\\n", static_cast<int>(invoked));
#endif
    if (invoked != kTfLiteOk) return -2;
    std::memcpy(out, interpreter.output(0)->data.int8, interpreter.output(0)->bytes);
    return 0;
}

// Platform glue a TFLM port supplies: where DebugLog text goes (nowhere here; tinyops has no
// logging either) and the two C++ runtime hooks a no-exceptions, no-heap build needs.
${debugLog}
extern "C" void __cxa_pure_virtual(void) { for (;;) {} }
void operator delete(void *) noexcept {}
void operator delete(void *, unsigned int) noexcept {}
`;
}

interface TflmFlash {
  readonly total: number;
  readonly flatbuffer: number;
  readonly kernels: number;
  readonly framework: number;
  readonly toolchainLibs: number;
}

async function tflmFlash(
  tflite: string,
  ops: readonly string[],
  work: string,
  baseline: Measured,
  io: { inBytes: number; outBytes: number },
): Promise<{
  flash: TflmFlash;
  firmwareFlash: number;
  librarySources: number;
  flags: string[];
  staticSramOutsideArena: number;
  probe: TflmProbe;
  source: TflmSource;
}> {
  const src = tflmSource();
  const lib = buildTflmLibrary(src, ops);
  const dir = path.join(work, 'tflm');
  mkdirSync(dir, { recursive: true });
  const bytes = readFileSync(tflite);
  const rows: string[] = [];
  for (let i = 0; i < bytes.length; i += 24) rows.push(`    ${Array.from(bytes.subarray(i, i + 24)).join(', ')},`);
  writeFileSync(
    path.join(dir, 'model_data.cc'),
    `// ${path.basename(tflite)} (${bytes.length} B), 16-byte aligned as TFLM requires.\nalignas(16) extern const unsigned char g_model[] = {\n${rows.join('\n')}\n};\n`,
  );
  writeFileSync(path.join(dir, 'tflm_main.cc'), tflmMain(ops, src.flavor));
  writeFileSync(path.join(dir, 'bench_main.c'), MAIN_C);
  const flags = [...src.cxxFlags];
  for (const f of ['model_data', 'tflm_main']) {
    sh(
      'arm-none-eabi-g++',
      [...flags, ...src.includes, '-c', path.join(dir, `${f}.cc`), '-o', path.join(dir, `${f}.o`)],
      `compile ${f}.cc`,
    );
  }
  log(`TFLM: linking for ${BOARD} (ops ${[...new Set(ops)].join(', ')})`);
  const fw = await buildMeasured('tflm', dir, {
    sources: [path.join(dir, 'bench_main.c')],
    // libm: TFLM's Prepare code computes multipliers in float/double (round, floor, expf).
    objects: [path.join(dir, 'tflm_main.o'), path.join(dir, 'model_data.o'), lib.archive, '-lm'],
    withModel: true,
    ...io,
  });
  const total = fw.build.flashBytes - baseline.build.flashBytes;
  const probe = await probeTflmArena(dir, src, lib.archive, io);
  const flatbuffer = sumWhere(fw.map, (c) => c.file.endsWith('model_data.o'));
  const inLib = (c: MapContribution) => c.file.startsWith(`${lib.archive}(`);
  const isKernel = (c: MapContribution) => /\((tensorflow_lite_micro_kernels_|tensorflow_lite_kernels_)/.test(c.file);
  const kernels = sumWhere(fw.map, (c) => inLib(c) && isKernel(c));
  const framework = sumWhere(fw.map, (c) => (inLib(c) && !isKernel(c)) || c.file.endsWith('tflm_main.o'));
  return {
    flash: {
      total,
      flatbuffer,
      kernels,
      framework,
      toolchainLibs: total - flatbuffer - kernels - framework - benchGlue(fw.map, baseline.map),
    },
    firmwareFlash: fw.build.flashBytes,
    // The interpreter, resolver and error reporter objects are statics outside the arena.
    staticSramOutsideArena: fw.build.staticSramBytes - baseline.build.staticSramBytes - TFLM_ARENA_ON_BOARD,
    librarySources: lib.sources,
    source: src,
    flags,
    probe,
  };
}

interface TflmProbe {
  /** MicroInterpreter::arena_used_bytes() after AllocateTensors, on the Cortex-M4 (QEMU). */
  readonly arenaUsedBytes: number | null;
  /** Invoke's TfLiteStatus (0 = ok), null if not reached. */
  readonly invokeStatus: number | null;
  readonly exitCode: number;
}

/**
 * The same TFLM program with printf of arena_used_bytes() and Invoke's status, run in QEMU:
 * TFLM's arena measured on the 32-bit target (4-byte pointers), for the 2020 allocator.
 */
async function probeTflmArena(
  dir: string,
  src: TflmSource,
  archive: string,
  io: { inBytes: number; outBytes: number },
): Promise<TflmProbe> {
  const obj = path.join(dir, 'tflm_main_probe.o');
  sh(
    'arm-none-eabi-g++',
    [...src.cxxFlags, '-DBENCH_TFLM_PROBE', ...src.includes, '-c', path.join(dir, 'tflm_main.cc'), '-o', obj],
    'compile tflm_main.cc (probe)',
  );
  const fw = await buildMeasured('tflm-probe', dir, {
    sources: [path.join(dir, 'bench_main.c')],
    objects: [obj, path.join(dir, 'model_data.o'), archive, '-lm'],
    withModel: true,
    ...io,
  });
  log('TFLM: running the probe firmware in QEMU (arena_used_bytes on Cortex-M4)');
  const run = await runOnQemu({ board: BOARD, elfPath: fw.build.elfPath, workDir: dir, timeoutMs: 120_000 });
  const num = (re: RegExp): number | null => {
    const m = re.exec(run.stdout);
    return m ? Number(m[1]) : null;
  };
  return {
    arenaUsedBytes: num(/TFLM_ARENA_USED (\d+)/),
    invokeStatus: num(/TFLM_INVOKE (-?\d+)/),
    exitCode: run.exitCode,
  };
}

// ---------------------------------------------------------------------------------------------

function ratio(a: number, b: number): number {
  return Number((a / b).toFixed(3));
}

export async function runTflmBench(): Promise<Record<string, unknown>> {
  const rows = envInt('TINYOPS_BENCH_CALIBRATION', 200);
  const work = mkdtempSync(path.join(tmpdir(), 'tinyops-tflm-bench-'));
  try {
    const python = ensureBenchVenv();
    ensureTfliteMicro(python);
    const m = await resolveModel(work, rows);
    log(m.source);

    const tiny0 = await (async () => {
      // The baseline program once, for both sides (same main, no inference).
      const dir = path.join(work, 'baseline');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'bench_main.c'), MAIN_C);
      return dir;
    })();
    // Input/output sizes fix the baseline's two static buffers; take them from the model.
    const tiny = await (async () => {
      const probeBase = await buildMeasured('baseline', tiny0, {
        sources: [path.join(tiny0, 'bench_main.c')],
        withModel: false,
        inBytes: m.shape[0] * m.shape[1],
        outBytes: m.labels.length,
      });
      return { base: probeBase, result: await tinyopsSide(m, work, probeBase) };
    })();
    const { py, tflite } = convertWithTflite(python, m, work);
    const tflm = await tflmFlash(tflite, py.ops, work, tiny.base, {
      inBytes: m.shape[0] * m.shape[1],
      outBytes: m.labels.length,
    });

    const t = tiny.result;
    const tflmArena = py.arena.total;
    const tflmRuntime = tflm.flash.total - tflm.flash.flatbuffer;
    return {
      benchmark: 'tflm',
      board: BOARD,
      model: m.source,
      ops: py.ops,
      params: py.params,
      arena: {
        tinyopsBytes: t.arenaBytes,
        tinyopsLowerBoundBytes: t.lowerBoundBytes,
        tflmBytes: tflmArena,
        tflmHeadBytes: py.arena.head,
        tflmTailBytes: py.arena.tail,
        tflmTail: py.arena.parts,
        ratio: ratio(t.arenaBytes, tflmArena),
        ratioToTflmHead: py.arena.head !== null ? ratio(t.arenaBytes, py.arena.head) : null,
        // Cortex-M4 builds: static data + bss each side adds besides its arena.
        tinyopsStaticOutsideArenaBytes: t.staticSramOutsideArena,
        tflmStaticOutsideArenaBytes: tflm.staticSramOutsideArena,
        // The TFLM built for the flash figures, run on the Cortex-M4 in QEMU: arena_used_bytes() after AllocateTensors.
        tflmCortexM4: {
          runtime: tflm.source.flavor,
          bytes: tflm.probe.arenaUsedBytes,
          invokeStatus: tflm.probe.invokeStatus,
          ratio: tflm.probe.arenaUsedBytes !== null ? ratio(t.arenaBytes, tflm.probe.arenaUsedBytes) : null,
        },
        target: 0.6,
      },
      flash: {
        tinyops: {
          total: t.flash.total,
          modelData: t.flash.modelData,
          modelCode: t.flash.modelCode,
          kernels: t.flash.kernels,
          toolchainLibs: t.flash.toolchainLibs,
          kernelVariant: t.kernels,
          weightBytes: packedWeightBytes(t.intModel),
        },
        tflm: {
          total: tflm.flash.total,
          flatbuffer: tflm.flash.flatbuffer,
          tfliteFileBytes: py.tflite_bytes,
          runtime: tflmRuntime,
          kernels: tflm.flash.kernels,
          framework: tflm.flash.framework,
          toolchainLibs: tflm.flash.toolchainLibs,
        },
        baselineFirmware: tiny.base.build.flashBytes,
        ratio: ratio(t.flash.total, tflm.flash.total),
        target: 0.7,
      },
      versions: {
        tensorflow: py.tensorflow,
        tfliteMicroPython: py.tflite_micro,
        tflmRuntimeSource: tflm.source.label,
        compilerFlags: tflm.flags.join(' '),
      },
      notes: [
        `Arena: tinyops = the codegen planner's static arena (${t.kernels} kernels' scratch included); TFLM = RecordingMicroAllocator total (head = planned activations + scratch, tail = persistent: tensor structs, node structs, per-channel quantization params) reported by PyPI tflite-micro ${py.tflite_micro ?? '?'} on x86-64, where pointers are 8 bytes: on a 32-bit MCU the tail's structs are smaller, the head is the same.`,
        `Flash = flash(firmware with model) − flash(same main without it); both linked by src/deploy buildFirmware for ${BOARD} at -${OPTIMIZE} with --gc-sections; split by input file from the ld map.`,
        `TFLM runtime = the TFLM library (${tflm.librarySources} sources from ${tflm.source.label}, reference kernels) compiled for Cortex-M4; the link keeps only what a MicroMutableOpResolver with the model's ${new Set(py.ops).size} ops, MicroInterpreter, AllocateTensors and Invoke reference. The ${TFLM_ARENA_ON_BOARD} B tensor arena is .bss (SRAM), not flash. DebugLog is a stub (no UART driver counted).`,
        tflm.source.flavor === '2020'
          ? 'TFLM sources are the 2020 version vendored by crates.io tfmicro 0.1.0 (the newest TFLM source on a reachable registry; set TINYOPS_BENCH_TFLM_TREE for a current tree); its MEAN kernel supports float only (int8 MEAN came later), so Invoke fails after AllocateTensors (invokeStatus 1) and its kernel bytes understate a current TFLM.'
          : 'TFLM sources: a current tree (TINYOPS_BENCH_TFLM_TREE), built with TF_LITE_STRIP_ERROR_STRINGS (its release setting); the Cortex-M4 probe runs Invoke to completion.',
        `No CMSIS-NN (not vendored); tinyops uses its own ${t.kernels} kernels.`,
      ].join(' '),
    };
  } finally {
    if (process.env.TINYOPS_BENCH_KEEP !== '1') rmSync(work, { recursive: true, force: true });
    else log(`kept ${work}`);
  }
}

if (require.main === module) {
  runTflmBench().then(
    (r) => console.log(JSON.stringify(r)),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}

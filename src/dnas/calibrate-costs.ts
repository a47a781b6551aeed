/**
 * Fits the DNAS cost constants (src/dnas/cost-constants.ts) from real `deploy` runs in a
 * store: every run record whose `deploy` stage produced a `board` JSON, paired with the
 * integer model of the `quantize` stage that run deployed.
 *
 *   bash scripts/build.sh && node dist/src/dnas/calibrate-costs.js [.tinyops/store] [run-id prefix …]
 *
 * With run-id prefixes only those runs are fitted (e.g. the deploys made since the last
 * firmware change: older runs measured other kernels and would pull the fit back). Deploys of
 * sub-byte (4-bit hybrid) models are left out: the cost models price int8 weights.
 * prints the constants as JSON; paste them into cost-constants.ts. What it fits:
 * - instructions of each op class = a·work + b by least squares over every op of every run
 *   (work = MACs for convs and FC, input bytes for pooling; the QEMU plugin counts are exact);
 * - cycles per instruction of each core = estimated cycles / instructions (docs/cycle-model.md);
 * - the model object's flash = Σ (weight bytes + 12 B per output channel + FC bias + softmax
 *   LUT) + perOp·ops + base, and the fixed flash (kernels, front end, start-up, harness, libc)
 *   = image flash − the model object's flash;
 * - fixed SRAM = measured SRAM (static data + bss + stack high-water) − arena;
 * the fixed flash and SRAM per front end (MFCC for KWS, log-mel for anomaly detection) and core.
 */
import { opFastRequantTable, REQUANT_ENTRY_BYTES } from '../codegen/requant-tables';
import fs from 'node:fs';
import path from 'node:path';
import { decodeIntModel, tensorByName, tensorBytes, type IntModel, type IntOp } from '../quant/int-model';
import { frontEndKindOf } from './cost-constants';
import { opClassOf, type OpClass } from './op-classes';

interface BoardOp {
  readonly name: string;
  readonly macs: number;
  readonly instructions: number;
  readonly inputBytes: number;
}
interface BoardJson {
  readonly core: string;
  readonly flashBytes: number;
  readonly sramBytes: number;
  readonly arenaBytes: number;
  readonly instructionsPerInference: number;
  readonly estimatedCycles: number;
  readonly breakdown: { readonly model: { readonly flashBytes: number } };
  readonly ops: readonly BoardOp[];
}

export interface Sample {
  readonly run: string;
  readonly board: BoardJson;
  readonly model: IntModel;
}

/** Bytes of the model's const arrays that scale with the architecture (model-c.ts emits them). */
export function modelArrayBytes(model: IntModel): number {
  let bytes = 0;
  for (const op of model.ops) {
    // Weights + bias (4 B a channel) + either the requantization table codegen puts in flash by
    // default (requantTables: flash, src/codegen/requant-tables.ts; then it emits no multiplier /
    // shift arrays) or, where the table's bounds do not hold, multiplier + shift (8 B a channel).
    if (op.kind === 'conv2d' || op.kind === 'depthwise_conv2d') {
      const table = opFastRequantTable(model, op);
      const requantBytes = table ? REQUANT_ENTRY_BYTES * table.length : 8 * op.bias.length;
      bytes += Math.ceil((op.weights.length * op.weightBits) / 8) + 4 * op.bias.length + requantBytes;
    } else if (op.kind === 'fully_connected')
      bytes += Math.ceil((op.weights.length * op.weightBits) / 8) + 4 * op.bias.length;
    else if (op.kind === 'softmax') bytes += 4 * op.expLut.length;
  }
  return bytes;
}

/** Work unit of an op for the instruction fit: MACs, or input bytes for ops without MACs. */
export function opWork(model: IntModel, op: IntOp, macs: number): number {
  if (op.kind === 'avgpool' || op.kind === 'add' || op.kind === 'softmax')
    return tensorBytes(tensorByName(model, op.inputs[0]!));
  return macs;
}

function fitLine(points: ReadonlyArray<readonly [number, number]>): { a: number; b: number } {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const sxx = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  if (n < 2 || sxx === 0) return { a: mx > 0 ? my / mx : 0, b: mx > 0 ? 0 : my };
  const a = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0) / sxx;
  return { a, b: my - a * mx };
}

export function loadSamples(storeDir: string, runPrefixes: readonly string[] = []): Sample[] {
  const objectPath = (uri: string) => uri.replace(/^file:\/\//, '');
  const samples: Sample[] = [];
  const seen = new Set<string>();
  for (const f of fs.readdirSync(path.join(storeDir, 'runs')).sort()) {
    if (runPrefixes.length > 0 && !runPrefixes.some((p) => f.startsWith(p))) continue;
    const run = JSON.parse(fs.readFileSync(path.join(storeDir, 'runs', f), 'utf8')) as {
      stages: Record<
        string,
        { name: string; kind: string; artifacts?: Array<{ name: string; uri: string; sha256: string }> }
      >;
      pipeline: { stages: Array<{ name: string; needs: string[] }> };
    };
    const stages = Object.values(run.stages);
    for (const d of stages.filter((s) => s.kind === 'deploy')) {
      const board = d.artifacts?.find((a) => a.name === 'board');
      const needs = run.pipeline.stages.find((s) => s.name === d.name)?.needs ?? [];
      const q = stages.find((s) => needs.includes(s.name) && s.kind === 'quantize');
      const im = q?.artifacts?.find((a) => a.name === 'int-model');
      if (board === undefined || im === undefined || seen.has(board.sha256) || !fs.existsSync(objectPath(board.uri)))
        continue;
      seen.add(board.sha256);
      const model = decodeIntModel(fs.readFileSync(objectPath(im.uri), 'utf8'));
      // The cost models price int8 weights; a sub-byte hybrid (kws.yaml's deploy-4bit) runs other
      // kernels and would pull the int8 fit.
      if (!isAllInt8(model)) continue;
      samples.push({
        run: f.replace(/\.json$/, ''),
        board: JSON.parse(fs.readFileSync(objectPath(board.uri), 'utf8')) as BoardJson,
        model,
      });
    }
  }
  return samples;
}

/** True when the model has a depthwise-separable block (depthwise and pointwise kernels linked). */
function hasBlocks(s: Sample): boolean {
  return s.model.ops.some((op) => op.kind === 'depthwise_conv2d');
}

/** True when every weighted op of the model has 8-bit weights. */
export function isAllInt8(model: IntModel): boolean {
  return model.ops.every((op) => !('weightBits' in op) || op.weightBits === 8);
}

export function fitConstants(samples: readonly Sample[]) {
  const points = new Map<OpClass, Array<[number, number]>>();
  for (const s of samples) {
    for (const bop of s.board.ops) {
      const op = s.model.ops.find((o) => o.name === bop.name);
      if (op === undefined) continue;
      const cls = opClassOf(op);
      points.set(cls, [...(points.get(cls) ?? []), [opWork(s.model, op, bop.macs), bop.instructions]]);
    }
  }
  const instructions = Object.fromEntries(
    [...points.entries()].sort().map(([k, p]) => {
      const { a, b } = fitLine(p);
      return [k, { perUnit: Number(a.toFixed(4)), perCall: Math.round(b), samples: p.length }];
    }),
  );
  const median = (v: number[]) => v.sort((x, y) => x - y)[Math.floor(v.length / 2)]!;
  const byCore = (f: (s: Sample) => number, of: readonly Sample[] = samples) => {
    const out: Record<string, number[]> = {};
    for (const s of of) (out[s.board.core] ??= []).push(f(s));
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, median(v)]));
  };
  // Fixed costs per front end (FrontEndKind): the MFCC and log-mel firmware differ in code,
  // tables and buffers; a front end without deploys in the fit is left out of the output.
  const byFrontEndAndCore = (f: (s: Sample) => number, of: readonly Sample[] = samples) => {
    const out: Record<string, Record<string, number>> = {};
    for (const fe of ['mfcc', 'logmel'] as const) {
      const these = of.filter((s) => frontEndKindOf(s.model.frontEnd) === fe);
      if (these.length > 0) out[fe] = byCore(f, these);
    }
    return out;
  };
  // A model whose blocks were all skipped links no depthwise / pointwise kernels: the fixed
  // flash is fitted on models with blocks, the kernels' share from the difference.
  const fixedFlash = (s: Sample) => s.board.flashBytes - s.board.breakdown.model.flashBytes;
  const withBlocks = samples.filter(hasBlocks);
  const blockless = samples.filter((s) => !hasBlocks(s));
  const withBlocksByCore = byCore(fixedFlash, withBlocks);
  const blocklessByCore = byCore(fixedFlash, blockless);
  const blockKernelsFlashBytes = Object.fromEntries(
    Object.keys(blocklessByCore)
      .filter((core) => withBlocksByCore[core] !== undefined)
      .map((core) => [core, withBlocksByCore[core]! - blocklessByCore[core]!]),
  );
  const overhead = fitLine(
    samples.map((s) => [s.model.ops.length, s.board.breakdown.model.flashBytes - modelArrayBytes(s.model)] as const),
  );
  return {
    runs: samples.map(
      (s) => `${s.run} (${s.board.core}, ${frontEndKindOf(s.model.frontEnd)}, ${s.model.ops.length} ops)`,
    ),
    instructions,
    cyclesPerInstruction: byCore((s) =>
      Number((s.board.estimatedCycles / s.board.instructionsPerInference).toFixed(4)),
    ),
    modelFlash: { perOpBytes: Math.round(overhead.a), baseBytes: Math.round(overhead.b) },
    fixedFlashBytes: byFrontEndAndCore(fixedFlash, withBlocks),
    blockKernelsFlashBytes,
    fixedSramBytes: byFrontEndAndCore((s) => s.board.sramBytes - s.board.arenaBytes),
  };
}

if (require.main === module) {
  const store = process.argv[2] ?? path.join('.tinyops', 'store');
  const samples = loadSamples(store, process.argv.slice(3));
  if (samples.length === 0) {
    process.stderr.write(`no deploy runs with a board JSON and an int-model in ${store}/runs\n`);
    process.exit(1);
  }
  process.stdout.write(JSON.stringify(fitConstants(samples), null, 1) + '\n');
}

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { boardNames, findBoard } from '../src/boards/registry';
import { TinyopsError, StageInputError } from '../src/errors';
import { kernelSources, type KernelVariant } from '../src/codegen/kernel-variants';
import { readFeatureTensor } from '../src/dsp/feature-tensor';
import { fitClip } from '../src/dsp/clip-features';
import { mfccConfigSchema, mfccParams } from '../src/dsp/mfcc-config';
import { makeFixedMfcc } from '../src/dsp/fixed-mfcc';
import { readClipPcm16 } from './features';
import {
  buildFirmware,
  countsBetween,
  estimateLatency,
  firmwareBreakdown,
  type FirmwareBuild,
  firmwareToolVersions,
  runOnQemu,
  type ExecutionCounts,
} from '../src/deploy';
import { FIRMWARE_DIR } from '../src/deploy/firmware-paths';
import { resolveBoard } from '../src/deploy/board-target';
import {
  checkTransfers,
  EXTMEM_RUNTIME_SOURCE,
  parseExternalMemoryLine,
  type PlannedExternalMemory,
} from '../src/deploy/external-memory-run';
import { frontEndCodes, quantizeModelInput, runIntModel } from '../src/nn/int-reference';
import { countMacs, decodeIntModel, opMacs, tensorByName, tensorBytes, type IntModel } from '../src/quant/int-model';
import type { StageContext, StageModule, StageResult } from '../src/stage/stage-module';
import { findInput, requireUpstream } from '../src/stage/inputs';
import { streamCheckConfigSchema } from '../src/deploy/stream-detector';
import { streamCheck, streamCheckMetrics, streamSummary } from './deploy-stream';
import { adFirmwareSources, prepareAdVectors, type AdVectors } from '../src/deploy/ad-vectors';

/**
 * `deploy` (docs/stages/deploy.md): build the generated C with arm-none-eabi-gcc for the board's core,
 * linked against the board's real flash and SRAM (src/deploy), run it in QEMU on test vectors
 * from the test split, and check every output byte against the host integer reference. Also
 * measures flash, SRAM (data + bss + stack high-water), instructions per inference and per op
 * (QEMU TCG plugin, markers after every op) and an estimated latency (src/deploy/cycle-model.ts).
 *
 * A mismatch is an error naming the vector and the first op whose output differs (per-layer
 * dump of that vector from the board). A model that does not fit fails the link with
 * "needs N KB flash, <board> has M KB".
 *
 * With a fixed-point MFCC front end (the default), each vector is a test clip's audio: the board
 * runs firmware/frontend/tops_mfcc_q15.c, the integer input quantization and the network, and
 * the host the same chain in TypeScript (MfccQ15 → quantizeModelInput → runIntModel).
 *
 * Inputs: `firmware-src` (codegen), `int-model` (quantize), `test` features, and the `dataset`
 * (synth-kws / import-audio) for the clips' audio.
 * Outputs: `firmware` (ELF), `board` (JSON: measurements, per-op counts, CPI model; the report's Board section).
 *
 * A partitioned model (codegen `sramBudget:`, docs/external-memory.md) links the emulated DMA
 * (firmware/runtime/tops_extmem.c), its arena sits in the QEMU machine's external RAM region,
 * and the board's transfer count must equal the plan's (src/deploy/external-memory-run.ts).
 *
 * `stream:` adds the streaming check (activities/deploy-stream.ts, src/deploy/stream-check.ts,
 * docs/stages/deploy.md): whole scored streams hop by hop through firmware/stream/ in QEMU, the
 * device's detections equal to the host detector's event for event, per-hop cost and duty cycle.
 */
export const kind = 'deploy';
export const version = 11; // 11: reproducible firmware (checkout and scratch paths mapped to /tinyops/... labels in the ELF's debug info and compilerArgs); 10: streaming check with a per-class threshold table (stream.thresholds; the stream firmware always carries TOPS_STREAM_CLASS_THRESHOLDS_Q16); 8: dsp depthwise weight widening in 2 instructions per word (fewer instructions per in-place slab call); 9: its group table copied by LDM / STM; 7: dsp conv2d / pointwise row-pair asm routine (fewer instructions), compact requantization (requantTables: compact); 2: metrics intAccuracy / weightBytes of the deployed int-model (report's int8 vs hybrid table); 3: optional streaming check (`stream:`), its results in the board artifact; 4: dsp kernels accept a table-only per-channel quant (smaller model flash); 5: anomaly-detection models run audio → log-mel patch → ID on the board (src/deploy/ad-vectors.ts); 6: dsp depthwise asm group loop with 2·w weights and a 2·bias + tops_rq group table (fewer instructions)

export const deployConfigSchema = z.strictObject({
  board: z
    .enum(boardNames as [string, ...string[]])
    .optional()
    .meta({ description: "Target board; defaults to the pipeline's top-level board." }),
  input: z.enum(['auto', 'audio', 'features']).default('auto').meta({
    description:
      'What the board is fed: test clips as int16 audio through the C MFCC front end (audio → label), or the int8 model input. auto = audio when the model has a fixed-point MFCC front end.',
  }),
  vectors: z
    .number()
    .int()
    .min(2)
    .default(100)
    .meta({ description: 'Test-split inputs run on the board and compared bit for bit with the host.' }),
  optimize: z
    .enum(['O2', 'O3', 'Os'])
    .default('O2')
    .meta({ description: 'gcc optimization level of the firmware build (Os: smaller flash, usually more cycles).' }),
  stackBytes: z
    .number()
    .int()
    .positive()
    .default(8192)
    .meta({ description: "Stack reserved at link time (counted against the board's SRAM)." }),
  timeoutSec: z.number().positive().default(600).meta({
    description:
      'Time limit (s) of one QEMU run of the test vectors; a hung firmware is killed and the stage fails (retryable).',
  }),
  stream: streamCheckConfigSchema.optional().meta({
    description:
      "Streaming check: feed whole scored streams hop by hop through the streaming firmware (MFCC ring, inference every k hops, integer detector) in QEMU and require its detections to equal the host detector's, event for event; measures per-hop cost and duty cycle.",
  }),
});
export type DeployConfig = z.output<typeof deployConfigSchema>;

/** Raised when the board's output differs from the host integer reference. */
export class BitExactnessError extends TinyopsError {}

function readInt8(file: string): Int8Array {
  const b = fs.readFileSync(file);
  return new Int8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** The first op whose board output differs from the host's, for one vector's per-layer dump. */
function firstDifferingOp(model: IntModel, host: Map<string, Int8Array>, dump: Int8Array): string {
  let off = 0;
  for (const [i, op] of model.ops.entries()) {
    const want = host.get(op.output)!;
    const got = dump.subarray(off, off + want.length);
    if (got.length < want.length) return `the board's layer dump ends before op ${i} (${op.name})`;
    const at = want.findIndex((v, k) => v !== got[k]);
    if (at >= 0) return `op ${i} ${op.kind} ${op.name} (output byte ${at}: board ${got[at]}, host ${want[at]})`;
    off += want.length;
  }
  return 'no op (layer outputs agree; the difference is in the harness)';
}

/**
 * sha256 over every source file of `root` (default firmware/) that a deploy build can compile,
 * include or run: every directory except `test/` (host-side kernel tests) and documentation.
 * A denylist rather than a list of directories on purpose: the list missed `frontend/` (the
 * C MFCC the firmware links), so editing the front end returned a stale cached deploy; a new
 * directory is now covered without anyone remembering to add it here.
 */
export function firmwareSourceDigest(root: string = FIRMWARE_DIR): string {
  const h = createHash('sha256');
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      const rel = path.relative(root, p);
      if (e.isDirectory()) {
        if (rel !== 'test' && !e.name.startsWith('.') && e.name !== 'build') walk(p);
      } else if (!/\.(md|txt|o|d|so|elf)$/.test(e.name)) {
        h.update(rel).update('\0').update(fs.readFileSync(p)).update('\0');
      }
    }
  };
  walk(root);
  return h.digest('hex').slice(0, 16);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]!;
}

/**
 * The deployed int-model's packed weight bytes and integer test accuracy, as its quantize stage
 * measured them: the report sets deploys of different quantizations (int8, 4-bit hybrid) side by side.
 */
function intModelOrigin(
  inputs: StageContext<DeployConfig>['inputs'],
  sha256: string,
): { weightBytes?: number; intAccuracy?: number } {
  const producer = Object.values(inputs).find((o) =>
    o.artifacts.some((a) => a.name === 'int-model' && a.sha256 === sha256),
  );
  const num = (k: string): number | undefined =>
    typeof producer?.metrics[k] === 'number' ? producer.metrics[k] : undefined;
  const weightBytes = num('weightBytes');
  const intAccuracy = num('intAccuracy');
  return {
    ...(weightBytes === undefined ? {} : { weightBytes }),
    ...(intAccuracy === undefined ? {} : { intAccuracy }),
  };
}

/** What the stage reads, resolved and checked before any work. */
interface DeployInputs {
  readonly model: IntModel;
  readonly modelOrigin: ReturnType<typeof intModelOrigin>;
  readonly test: ReturnType<typeof readFeatureTensor>;
  readonly srcDir: string;
  readonly plan: {
    kernels: KernelVariant;
    arenaBytes: number;
    lowerBoundBytes: number;
    frontEnd?: boolean;
    logmelFrontEnd?: boolean;
    externalMemory?: PlannedExternalMemory;
  };
  /** The board is fed audio through the C front end (else the int8 model input). */
  readonly audio: boolean;
  readonly datasetDir: string;
  readonly feParams: ReturnType<typeof mfccParams> | undefined;
  /** Anomaly detection: test patches' audio through the C log-mel front end (src/deploy/ad-vectors.ts). */
  readonly adAudio: boolean;
}

async function readInputs(ctx: StageContext<DeployConfig>): Promise<DeployInputs> {
  const config = ctx.config;
  const srcDir = await ctx.fetchDir(requireUpstream(ctx, 'firmware-src', 'codegen'));
  const modelRef = requireUpstream(ctx, 'int-model', 'quantize');
  const model = decodeIntModel(fs.readFileSync(await ctx.fetchFile(modelRef), 'utf8'));
  const modelOrigin = intModelOrigin(ctx.inputs, modelRef.sha256);
  const test = readFeatureTensor(await ctx.fetchFile(requireUpstream(ctx, 'test', 'features')));
  const plan = JSON.parse(fs.readFileSync(path.join(srcDir, 'memory-plan.json'), 'utf8')) as DeployInputs['plan'];
  const datasetRef = findInput(ctx, 'dataset');
  const adAudio = plan.logmelFrontEnd === true && datasetRef !== undefined && config.input !== 'features';
  if (adAudio && config.stream)
    throw new StageInputError(
      `stages.${ctx.stageName}.with.stream: the streaming check is for keyword spotting; an anomaly-detection model is checked patch by patch`,
    );
  const audio =
    !adAudio &&
    (config.input === 'audio' || (config.input === 'auto' && plan.frontEnd === true && datasetRef !== undefined));
  if (audio && plan.frontEnd !== true)
    throw new StageInputError(
      `stages.${ctx.stageName}.with.input: audio needs a model with a fixed-point MFCC front end (features implementation: fixed)`,
    );
  if (audio && !datasetRef)
    throw new StageInputError(
      `stages.${ctx.stageName}.with.input: audio needs the dataset stage in needs: (the test clips' audio)`,
    );
  if (config.stream && !audio)
    throw new StageInputError(
      `stages.${ctx.stageName}.with.stream: the streaming check needs audio input (a model with a fixed-point MFCC front end and the dataset stage in needs:)`,
    );
  const datasetDir = audio || adAudio ? await ctx.fetchDir(datasetRef!) : '';
  const feParams = audio ? mfccParams(mfccConfigSchema.parse(model.frontEnd)) : undefined;
  return { model, modelOrigin, test, srcDir, plan, audio, datasetDir, feParams, adAudio };
}

/** The vectors the board runs and what the host integer reference expects of them. */
interface Vectors {
  /** Test-split rows, in run order. */
  readonly picks: readonly number[];
  readonly inputs: Int8Array;
  readonly expected: Int8Array;
  readonly inBytes: number;
  readonly outBytes: number;
  /** The bytes the harness reads for vectors [from, from + count): PCM clips or int8 inputs. */
  bytes(from: number, count: number): Buffer;
  /** Anomaly detection: the patches' audio and front-end geometry. */
  readonly ad?: AdVectors;
}

/** Step 1: a seeded sample of the test split, quantized exactly as the firmware input is. */
function prepareVectors(ctx: StageContext<DeployConfig>, d: DeployInputs): Vectors {
  const { model, test, audio, feParams } = d;
  const mfcc = feParams ? makeFixedMfcc(feParams) : undefined;
  const inBytes = tensorBytes(tensorByName(model, model.input));
  const outBytes = tensorBytes(tensorByName(model, model.output));
  const total = test.header.shape[0] as number;
  if (total === 0)
    throw new StageInputError(`stages.${ctx.stageName}: the test split is empty; deploy needs test vectors`);
  const order = ctx.rng('vectors').shuffle([...Array(total).keys()]);
  const picks = Array.from({ length: ctx.config.vectors }, (_, i) => order[i % total]!);
  if (d.adAudio) {
    const ad = prepareAdVectors(model, test, d.datasetDir, picks, (done, n) =>
      ctx.progress({ done, total: n, unit: 'vectors', message: 'host integer reference (log-mel patches)' }),
    );
    const bytes = (from: number, count: number): Buffer =>
      Buffer.from(ad.pcm.buffer, ad.pcm.byteOffset + from * ad.patchSamples * 2, count * ad.patchSamples * 2);
    return { picks, inputs: ad.inputs, expected: ad.expected, inBytes, outBytes, bytes, ad };
  }
  const inputs = new Int8Array(picks.length * inBytes);
  const expected = new Int8Array(picks.length * outBytes);
  const clipSamples = feParams?.clipSamples ?? 0;
  const pcmAll = new Int16Array(audio ? picks.length * clipSamples : 0);
  picks.forEach((row, i) => {
    const stored = frontEndCodes(model, test.data.subarray(row * inBytes, (row + 1) * inBytes));
    let codes = stored;
    if (audio) {
      const pcm = fitClip(
        readClipPcm16(path.join(d.datasetDir, test.header.clips[row]!), feParams!.sampleRate),
        clipSamples,
      );
      pcmAll.set(pcm, i * clipSamples);
      codes = mfcc!.compute(pcm);
      const at = codes.findIndex((v, k) => v !== stored[k]);
      if (at >= 0)
        throw new StageInputError(
          `${test.header.clips[row]}: the front end gives ${codes[at]} at value ${at}, the features stage stored ${stored[at]}: the dataset and the features do not belong together`,
        );
    }
    const q = quantizeModelInput(model, codes);
    inputs.set(q, i * inBytes);
    expected.set(runIntModel(model, q).get(model.output)!, i * outBytes);
    if (i % 10 === 0)
      ctx.progress({ done: i, total: picks.length, unit: 'vectors', message: 'host integer reference' });
  });
  const bytes = (from: number, count: number): Buffer =>
    audio
      ? Buffer.from(pcmAll.buffer, pcmAll.byteOffset + from * clipSamples * 2, count * clipSamples * 2)
      : Buffer.from(inputs.buffer, inputs.byteOffset + from * inBytes, count * inBytes);
  return { picks, inputs, expected, inBytes, outBytes, bytes };
}

/** Step 2: build for the board (real memory sizes; an oversized model fails here with the sizes). */
async function buildForBoard(
  ctx: StageContext<DeployConfig>,
  d: DeployInputs,
): Promise<Awaited<ReturnType<typeof buildFirmware>>> {
  const boardName = ctx.config.board!;
  const buildDir = path.join(ctx.workDir, 'build');
  fs.rmSync(buildDir, { recursive: true, force: true });
  ctx.progress({
    done: 0,
    total: 1,
    unit: 'builds',
    message: `arm-none-eabi-gcc for ${boardName} (${d.plan.kernels} kernels)`,
  });
  return buildFirmware({
    board: boardName,
    sources: [
      path.join(d.srcDir, 'tops_model.c'),
      ...(d.adAudio ? [] : [path.join(FIRMWARE_DIR, 'harness', 'tops_model_main.c')]),
      ...kernelSources(d.plan.kernels),
      ...(d.audio
        ? [path.join(d.srcDir, 'tops_frontend.c'), path.join(FIRMWARE_DIR, 'frontend', 'tops_mfcc_q15.c')]
        : []),
      ...(d.adAudio ? adFirmwareSources(d.srcDir) : []),
      ...(d.plan.externalMemory ? [EXTMEM_RUNTIME_SOURCE] : []),
    ],
    includeDirs: [d.srcDir],
    defines: ['TOPS_PROFILE_OPS', ...(d.audio ? ['TOPS_AUDIO_VECTORS'] : [])],
    outDir: buildDir,
    optimize: ctx.config.optimize,
    stackBytes: ctx.config.stackBytes,
    debugInfo: true, // line info only: lets the size breakdown attribute symbols to sources
    pathLabels: [{ dir: d.srcDir, label: '/tinyops/model-src' }],
    elfName: `${ctx.pipelineName}-${boardName}.elf`,
  });
}

/**
 * Step 3: run the vectors in QEMU (semihosting reads vectors.bin and writes outputs.bin) and
 * require every output byte to equal the host's; on a difference, name the first layer that differs.
 */
async function runBitExact(ctx: StageContext<DeployConfig>, d: DeployInputs, v: Vectors, elfPath: string) {
  const boardName = ctx.config.board!;
  const board = findBoard(boardName)!;
  const ext = d.plan.externalMemory;
  const runDir = path.join(ctx.workDir, 'run');
  fs.rmSync(runDir, { recursive: true, force: true });
  fs.mkdirSync(runDir, { recursive: true });
  fs.writeFileSync(path.join(runDir, 'vectors.bin'), v.bytes(0, v.picks.length));
  ctx.progress({ done: 0, total: v.picks.length, unit: 'vectors', message: `running on ${board.qemuMachine} (QEMU)` });
  const timeoutMs = ctx.config.timeoutSec * 1000;
  const qemu = await runOnQemu({ board: boardName, elfPath, workDir: runDir, timeoutMs });
  if (qemu.exitCode !== 0 || !/^ok$/m.test(qemu.stdout)) {
    throw new BitExactnessError(
      `firmware on ${boardName} (${board.qemuMachine}) exited ${qemu.exitCode}: ${qemu.stdout.trim().split('\n').pop() ?? ''} ${qemu.stderr.trim()}`.trim(),
    );
  }
  // Partitioned model: the transfers the board made are exactly the planned ones.
  const extRun = ext ? parseExternalMemoryLine(qemu.stdout, v.picks.length) : undefined;
  if (ext && extRun) checkTransfers(ext, extRun);
  const outputs = readInt8(path.join(runDir, 'outputs.bin'));
  if (outputs.length !== v.expected.length) {
    throw new BitExactnessError(
      `firmware wrote ${outputs.length} output bytes for ${v.picks.length} vectors, expected ${v.expected.length}`,
    );
  }
  const { outBytes, inBytes } = v;
  const bad = v.picks.findIndex((_, i) =>
    v.expected.subarray(i * outBytes, (i + 1) * outBytes).some((x, k) => x !== outputs[i * outBytes + k]),
  );
  if (bad >= 0) {
    // Re-run that vector alone: the harness dumps every layer of its first vector.
    const one = v.inputs.subarray(bad * inBytes, (bad + 1) * inBytes);
    fs.writeFileSync(path.join(runDir, 'vectors.bin'), v.bytes(bad, 1));
    await runOnQemu({ board: boardName, elfPath, workDir: runDir, timeoutMs });
    const where = firstDifferingOp(
      d.model,
      runIntModel(d.model, Int8Array.from(one)),
      readInt8(path.join(runDir, 'layers.bin')),
    );
    throw new BitExactnessError(
      `firmware output differs from the host integer reference at vector ${bad} (test clip ${d.test.header.clips[v.picks[bad]!]}); first difference at ${where}`,
    );
  }
  return { qemu, outputs, extRun };
}

/**
 * Step 4: instruction counts from the QEMU markers. Marks per vector: [before the front end,]
 * before invoke, after every op, after invoke. Vector 0 runs the per-layer dump hook (stdio),
 * so it is left out of the timing.
 */
function instructionCounts(d: DeployInputs, picks: number, markerHits: readonly { counts: ExecutionCounts }[]) {
  const { model } = d;
  const lead = d.audio || d.adAudio ? 1 : 0;
  const perVector = model.ops.length + 2 + lead;
  const hits = markerHits.map((h) => h.counts);
  if (hits.length !== perVector * picks) {
    throw new BitExactnessError(`expected ${perVector * picks} marker hits from the board, got ${hits.length}`);
  }
  const invokes: ExecutionCounts[] = [];
  const perOp: number[][] = model.ops.map(() => []);
  const frontEnd: ExecutionCounts[] = [];
  for (let v = 1; v < picks; v++) {
    const base = v * perVector + lead;
    if (lead === 1) frontEnd.push(countsBetween(hits[base - 1]!, hits[base]!));
    invokes.push(countsBetween(hits[base]!, hits[base + perVector - 1 - lead]!));
    model.ops.forEach((_, i) => perOp[i]!.push(countsBetween(hits[base + i]!, hits[base + i + 1]!).instructions));
  }
  // The inference whose instruction count is the median (its reads/writes/blocks go with it).
  const mid = median(invokes.map((x) => x.instructions));
  const pick = invokes.reduce(
    (best, c) => (Math.abs(c.instructions - mid) < Math.abs(best.instructions - mid) ? c : best),
    invokes[0]!,
  );
  const fePick = frontEnd.length > 0 ? frontEnd[Math.floor(frontEnd.length / 2)]! : undefined;
  const ops = model.ops.map((op, i) => {
    const macs = opMacs(model, op);
    const instructions = median(perOp[i]!);
    return {
      name: op.name,
      kind: op.kind,
      bits: 'weightBits' in op ? op.weightBits : 8,
      macs,
      instructions,
      instructionsPerMac: macs > 0 ? instructions / macs : null,
      inputBytes: tensorBytes(tensorByName(model, op.inputs[0]!)),
      outputBytes: tensorBytes(tensorByName(model, op.output)),
    };
  });
  return { pick, fePick, ops };
}

/**
 * Step 5: what the model itself needs on a product build (no test harness, no stdio): its
 * weights, parameters and code, the kernels, the front end; SRAM = its static data (arena
 * included), the front end's, and the deepest stack of one inference.
 */
async function modelFootprint(
  d: DeployInputs,
  boardName: string,
  build: FirmwareBuild,
  stack: number,
  adBufferBytes = 0,
) {
  const parts = await firmwareBreakdown(
    build,
    [
      [path.join(d.srcDir, 'tops_frontend'), 'frontEnd'],
      [d.srcDir, 'model'],
      [path.join(FIRMWARE_DIR, 'kernels'), 'kernels'],
      [path.join(FIRMWARE_DIR, 'frontend'), 'frontEnd'],
      [FIRMWARE_DIR, 'harness'],
    ],
    d.plan.externalMemory ? resolveBoard(boardName).externalOrigin : undefined,
  );
  const modelFlashBytes = parts.model.flashBytes + parts.kernels.flashBytes + parts.frontEnd.flashBytes;
  // The front end's scratch and its int16 output are static buffers of the harness (sizes from the
  // generated tops_frontend.h); the clip's PCM buffer is audio capture, not counted.
  const feBuffer = d.audio
    ? Number(
        /#define TOPS_FRONTEND_BUFFER_SIZE (\d+)/.exec(
          fs.readFileSync(path.join(d.srcDir, 'tops_frontend.h'), 'utf8'),
        )?.[1] ?? 0,
      )
    : 0;
  const feOutput = d.audio ? d.feParams!.frames * d.feParams!.coefficients * 2 : 0;
  // Anomaly detection: the harness's front-end buffers are static (counted in the breakdown's harness part); count them for the model.
  const adBuffers = d.adAudio
    ? Number(
        /#define TOPS_FRONTEND_BUFFER_SIZE \(TOPS_FRONTEND_MFCC_BUFFER_SIZE \+ (\d+)\)/.exec(
          fs.readFileSync(path.join(d.srcDir, 'tops_frontend.h'), 'utf8'),
        )?.[1] ?? 0,
      ) +
      Number(
        /#define TOPS_FRONTEND_MFCC_BUFFER_SIZE (\d+)/.exec(
          fs.readFileSync(path.join(d.srcDir, 'tops_frontend_mfcc.h'), 'utf8'),
        )?.[1] ?? 0,
      )
    : 0;
  const modelSramBytes =
    parts.model.sramBytes +
    parts.kernels.sramBytes +
    parts.frontEnd.sramBytes +
    feBuffer +
    feOutput +
    adBuffers +
    adBufferBytes +
    stack;
  return { parts, modelFlashBytes, modelSramBytes };
}

async function run(ctx: StageContext<DeployConfig>): Promise<StageResult> {
  const config = ctx.config;
  const boardName = config.board!;
  const board = findBoard(boardName)!;
  const d = await readInputs(ctx);
  const { model, plan, test, audio, feParams } = d;
  const ext = plan.externalMemory;
  const vectors = prepareVectors(ctx, d);
  const { picks } = vectors;
  const build = await buildForBoard(ctx, d);
  const { qemu, outputs, extRun } = await runBitExact(ctx, d, vectors, build.elfPath);
  const { pick, fePick, ops } = instructionCounts(d, picks.length, qemu.markerHits);
  const latency = estimateLatency(boardName, pick);
  const feLatency = fePick ? estimateLatency(boardName, fePick) : undefined;
  const macs = countMacs(model);
  const stack = qemu.stackHighWaterBytes ?? 0;
  const { parts, modelFlashBytes, modelSramBytes } = await modelFootprint(
    d,
    boardName,
    build,
    stack,
    vectors.ad?.frontEndBufferBytes,
  );
  const sramBytes = build.staticSramBytes + stack;
  const outBytes = vectors.outBytes;
  let correct = 0;
  picks.forEach((row, i) => {
    const out = outputs.subarray(i * outBytes, (i + 1) * outBytes);
    const label = out.indexOf(Math.max(...out));
    if (label === test.header.labelIndex[row]) correct++;
  });
  const deployment = {
    board: board.name,
    core: board.core,
    clockHz: board.clockHz,
    qemuMachine: board.qemuMachine,
    kernels: plan.kernels,
    optimize: config.optimize,
    compilerArgs: build.compilerArgs,
    sections: build.sections,
    flashBytes: build.flashBytes,
    boardFlashBytes: board.flashBytes,
    staticSramBytes: build.staticSramBytes,
    stackHighWaterBytes: stack,
    sramBytes,
    boardSramBytes: board.sramBytes,
    modelFlashBytes,
    modelSramBytes,
    breakdown: parts,
    arenaBytes: plan.arenaBytes,
    arenaLowerBoundBytes: plan.lowerBoundBytes,
    macsPerInference: macs,
    counts: pick,
    instructionsPerInference: pick.instructions,
    estimatedCycles: latency.cycles,
    estimatedLatencyMs: latency.ms,
    cpiModel: latency.model,
    vectorsChecked: picks.length,
    bitExact: true,
    boardAccuracy: correct / picks.length,
    ops,
    input: audio ? 'audio' : 'features',
    ...(fePick && feLatency && feParams
      ? {
          frontEnd: {
            counts: fePick,
            instructionsPerClip: fePick.instructions,
            estimatedLatencyMs: feLatency.ms,
            frames: feParams.frames,
          },
        }
      : {}),
    ...(fePick && vectors.ad ? { anomalyDetection: adRealTime(boardName, vectors.ad, fePick, pick) } : {}),
    ...(ext && extRun ? { externalMemory: { ...ext, measured: extRun } } : {}),
  };
  // Step 6. Streaming check (optional): whole scored streams, device detections vs the host's.
  const stream = config.stream
    ? await streamCheck(ctx, config.stream, {
        model,
        params: feParams!,
        srcDir: d.srcDir,
        kernels: plan.kernels,
        boardName,
      })
    : undefined;
  Object.assign(deployment, stream ? { stream } : {});
  fs.writeFileSync(path.join(ctx.workDir, 'deployment.json'), JSON.stringify(deployment, null, 2) + '\n');
  const artifacts = [
    await ctx.storeFile('firmware', build.elfPath, 'application/x-elf'),
    await ctx.storeJson('board', deployment),
  ];
  return {
    artifacts,
    metrics: {
      flashBytes: build.flashBytes,
      sramBytes,
      modelFlashBytes,
      modelSramBytes,
      arenaBytes: plan.arenaBytes,
      arenaLowerBoundBytes: plan.lowerBoundBytes,
      macsPerInference: macs,
      instructionsPerInference: pick.instructions,
      instructionsPerMac: Number((pick.instructions / Math.max(1, macs)).toFixed(3)),
      estimatedLatencyMs: Number(latency.ms.toFixed(3)),
      bitExact: true,
      vectorsChecked: picks.length,
      boardAccuracy: correct / picks.length,
      ...(fePick && feLatency && !vectors.ad
        ? { frontEndInstructionsPerClip: fePick.instructions, frontEndLatencyMs: Number(feLatency.ms.toFixed(3)) }
        : {}),
      ...(fePick && vectors.ad ? adRealTimeMetrics(adRealTime(boardName, vectors.ad, fePick, pick)) : {}),
      ...d.modelOrigin,
      ...(ext && extRun
        ? {
            externalMemoryBytes: ext.bytes,
            externalMemoryParts: ext.parts,
            externalMemoryTransfers: extRun.transfersPerInference,
            externalMemoryFastBytes: ext.fastBytes,
            sramBudgetBytes: ext.sramBudgetBytes,
            ...(ext.modelledOverhead !== undefined ? { externalMemoryModelledOverhead: ext.modelledOverhead } : {}),
          }
        : {}),
      ...(stream ? streamCheckMetrics(stream) : {}),
    },
    summary: `${board.name}: bit-exact on ${picks.length} ${audio ? 'clips (audio → label)' : vectors.ad ? 'patches (audio → log-mel → ID)' : 'vectors'}${ext && extRun ? ` with external memory (${ext.parts} parts, ${extRun.transfersPerInference} transfers/inference through ${ext.fastBytes} B of SRAM${ext.modelledOverhead !== undefined ? `, modelled overhead ${(ext.modelledOverhead * 100).toFixed(1)} %` : ''})` : ''}; flash ${(build.flashBytes / 1024).toFixed(1)}/${board.flashBytes / 1024} KB (model ${(modelFlashBytes / 1024).toFixed(1)}), SRAM ${(sramBytes / 1024).toFixed(1)}/${board.sramBytes / 1024} KB (model ${(modelSramBytes / 1024).toFixed(1)}); ${(pick.instructions / 1e6).toFixed(2)} M instr/inference (${(pick.instructions / Math.max(1, macs)).toFixed(2)}/MAC), ≈${latency.ms.toFixed(1)} ms @ ${board.clockHz / 1e6} MHz${stream ? `; ${streamSummary(stream)}` : ''}${fePick && vectors.ad ? `; ${adRealTimeSummary(adRealTime(boardName, vectors.ad, fePick, pick))}` : ''}`,
  };
}

/**
 * MicroNets' real-time figure for anomaly detection (§5.2.3): the work of one patch hop divided
 * by the audio it covers. A streaming device computes patchHop new log-mel frames per patch (the
 * board's per-vector front end computes all patchFrames, so its count is scaled by
 * patchHop / patchFrames) and runs the network once. < 1 means the board keeps up.
 */
function adRealTime(boardName: string, ad: AdVectors, fe: ExecutionCounts, invoke: ExecutionCounts) {
  const scale = ad.framesPerPatchHop / ad.framesPerVector;
  const feHop = estimateLatency(boardName, {
    instructions: Math.round(fe.instructions * scale),
    memReads: Math.round(fe.memReads * scale),
    memWrites: Math.round(fe.memWrites * scale),
    blocks: Math.round(fe.blocks * scale),
  });
  const model = estimateLatency(boardName, invoke);
  const patchLatencyMs = feHop.ms + model.ms;
  return {
    patchHopMs: ad.patchHopMs,
    frontEndInstructionsPerFrame: Math.round(fe.instructions / ad.framesPerVector),
    frontEndInstructionsPerVector: fe.instructions,
    frontEndLatencyPerPatchHopMs: feHop.ms,
    modelLatencyMs: model.ms,
    patchLatencyMs,
    realTimeFactor: patchLatencyMs / ad.patchHopMs,
    modelRealTimeFactor: model.ms / ad.patchHopMs,
  };
}

function adRealTimeMetrics(r: ReturnType<typeof adRealTime>): Record<string, number> {
  return {
    frontEndInstructionsPerFrame: r.frontEndInstructionsPerFrame,
    frontEndLatencyPerPatchHopMs: Number(r.frontEndLatencyPerPatchHopMs.toFixed(3)),
    patchLatencyMs: Number(r.patchLatencyMs.toFixed(3)),
    patchHopMs: r.patchHopMs,
    realTimeFactor: Number(r.realTimeFactor.toFixed(4)),
    modelRealTimeFactor: Number(r.modelRealTimeFactor.toFixed(4)),
  };
}

function adRealTimeSummary(r: ReturnType<typeof adRealTime>): string {
  return `per patch ${r.patchLatencyMs.toFixed(1)} ms (front end ${r.frontEndLatencyPerPatchHopMs.toFixed(1)} + model ${r.modelLatencyMs.toFixed(1)}) every ${r.patchHopMs} ms: real-time factor ${r.realTimeFactor.toFixed(3)}`;
}

export const deployStage: StageModule<DeployConfig> = {
  kind,
  version,
  description:
    'Build the generated C for the board (real memory sizes), run it in QEMU on test vectors, check bit-exactness, measure flash/SRAM/instructions/latency',
  configSchema: deployConfigSchema,
  usesBoard: true,
  toolVersions: async () => ({ ...(await firmwareToolVersions()) }) as Record<string, string>,
  // The C the firmware is built from besides the generated model (kernels, harness, start-up):
  // editing a kernel must re-run deploy even though no artifact changed.
  cacheInputs: async () => ({ firmware: firmwareSourceDigest() }),
  run,
};

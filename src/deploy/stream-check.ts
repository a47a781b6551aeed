import * as fs from 'node:fs';
import * as path from 'node:path';
import { TinyopsError } from '../errors';
import type { MfccParams } from '../dsp/mfcc-config';
import { makeFixedMfcc } from '../dsp/fixed-mfcc';
import type { FrameDetection } from '../eval/event-detector';
import { quantizeModelInput, runIntModel } from '../nn/int-reference';
import type { IntModel } from '../quant/int-model';
import { buildFirmware, type OptimizeLevel } from './build-firmware';
import { estimateLatency } from './cycle-model';
import { FIRMWARE_DIR } from './firmware-paths';
import { countsBetween, type ExecutionCounts } from './plugin-report';
import { runOnQemu } from './run-on-qemu';
import { classThresholdsC, detectOnInt8Posteriors, keywordMaskC, type StreamDetectorConfig } from './stream-detector';
import { yieldToEventLoop } from '../util/yield-to-event-loop';

/**
 * The deploy stage's streaming check (docs/stages/deploy.md "Streaming check"): a whole stream
 * goes hop by hop through firmware/stream/tops_stream_main.c in QEMU (streaming MFCC → ring →
 * model every `every` hops → integer detector), and the device's detections must equal the
 * host's, event for event. The host runs the same chain in TypeScript: MfccQ15 on the whole
 * stream (frame f of it is the device's frame f, firmware/include/tops_stream.h), the integer
 * model on the same windows, and the integer twin of the detector (stream-detector.ts).
 *
 * Timing: frame f covers samples [f·stride, f·stride + window) and exists at the end of the hop
 * that completes it; an inference on frames f − frames + 1 … f, and its detection, happen then.
 */

/** Raised when the device's detections differ from the host's, or the streaming firmware fails. */
export class StreamMismatchError extends TinyopsError {}

/** One detection: the newest frame the posterior saw and the class that fired. */
export interface StreamEvent {
  readonly frame: number;
  readonly classIndex: number;
}

export interface StreamInput {
  /** Name for messages (the stream's file). */
  readonly id: string;
  readonly pcm: Int16Array;
}

export interface StreamCheckOptions {
  readonly board: string;
  readonly model: IntModel;
  readonly params: MfccParams;
  /** Generated model, kernels, front-end tables and tops_mfcc_q15.c: everything but the stream code and a main(). */
  readonly modelSources: readonly string[];
  readonly includeDirs: readonly string[];
  readonly detector: StreamDetectorConfig;
  /** Hops between inferences. */
  readonly every: number;
  readonly workDir: string;
  readonly optimize: OptimizeLevel;
  readonly stackBytes: number;
  readonly timeoutMs: number;
  readonly streams: readonly StreamInput[];
  readonly elfName?: string;
  readonly progress?: (message: string) => void;
}

export interface StreamReport {
  readonly id: string;
  readonly durationSec: number;
  readonly hops: number;
  readonly inferences: number;
  readonly events: ReadonlyArray<{ readonly label: string; readonly timeSec: number; readonly frame: number }>;
}

export interface StreamCheckResult {
  readonly streams: readonly StreamReport[];
  readonly every: number;
  readonly detector: StreamDetectorConfig;
  readonly hopMs: number;
  /** Median instructions of the front end on a hop that makes a frame. */
  readonly frontEndInstructionsPerHop: number;
  readonly frontEndMaxInstructionsPerHop: number;
  /** Median instructions of one inference: input quantization from the ring, the model, the detector. */
  readonly instructionsPerInference: number;
  readonly frontEndCounts: ExecutionCounts;
  readonly inferenceCounts: ExecutionCounts;
  /** Estimated ms (src/deploy/cycle-model.ts) of the two. */
  readonly frontEndMsPerHop: number;
  readonly inferenceMs: number;
  /** MicroNets' real-time figure: mean work per hop / hop length = (front end + inference / every) / hop. */
  readonly dutyCycle: number;
  /** The busiest hop (front end + inference) / hop length; above 1 the device needs an input buffer of more than one hop. */
  readonly peakHopLoad: number;
  readonly flashBytes: number;
  readonly sramBytes: number;
  readonly elfPath: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]!;
}

/** The counts whose instruction count is the median (reads/writes/blocks go with it). */
function medianCounts(xs: ExecutionCounts[]): ExecutionCounts {
  const mid = median(xs.map((x) => x.instructions));
  return xs.reduce(
    (best, c) => (Math.abs(c.instructions - mid) < Math.abs(best.instructions - mid) ? c : best),
    xs[0]!,
  );
}

/**
 * The host's detections on a stream: MfccQ15 → integer model every `every` frames → integer
 * detector. Yields to the event loop between inferences, so a QEMU run started before it
 * proceeds meanwhile.
 */
export async function hostStreamEvents(
  model: IntModel,
  params: MfccParams,
  pcm: Int16Array,
  detector: StreamDetectorConfig,
  every: number,
): Promise<StreamEvent[]> {
  const whole = pcm.subarray(0, Math.floor(pcm.length / params.strideSamples) * params.strideSamples);
  const codes = makeFixedMfcc(params).compute(whole);
  const c = params.coefficients;
  const total = codes.length / c;
  const outputs: Int8Array[] = [];
  const newest: number[] = [];
  for (let f = params.frames - 1; f < total; f += every) {
    const q = quantizeModelInput(model, codes.subarray((f - params.frames + 1) * c, (f + 1) * c));
    outputs.push(runIntModel(model, q).get(model.output)!);
    newest.push(f);
    if (outputs.length % 4 === 0) await yieldToEventLoop();
  }
  const flat = new Int8Array(outputs.length * detector.numClasses);
  outputs.forEach((o, i) => flat.set(o, i * detector.numClasses));
  return detectOnInt8Posteriors(flat, detector).map((d: FrameDetection) => ({
    frame: newest[d.frame]!,
    classIndex: d.classIndex,
  }));
}

/** The device's detections from the harness's stdout ("event <frame> <class>" lines). */
export function parseDeviceEvents(stdout: string): StreamEvent[] {
  return [...stdout.matchAll(/^event (\d+) (\d+)$/gm)].map((m) => ({ frame: Number(m[1]), classIndex: Number(m[2]) }));
}

/** Seconds from the start of the stream at which frame f exists (the end of its window). */
export function frameTimeSec(params: MfccParams, frame: number): number {
  return (frame * params.strideSamples + params.windowSamples) / params.sampleRate;
}

/**
 * undefined when the two lists are equal; else a sentence naming the first differing event,
 * e.g. `event 3: host "yes" at 4.180 s (frame 207), device "no" at 4.180 s (frame 207)`.
 */
export function firstEventDifference(
  host: readonly StreamEvent[],
  device: readonly StreamEvent[],
  labels: readonly string[],
  params: MfccParams,
): string | undefined {
  const say = (e: StreamEvent | undefined): string =>
    e === undefined
      ? 'nothing'
      : `"${labels[e.classIndex] ?? `class ${e.classIndex}`}" at ${frameTimeSec(params, e.frame).toFixed(3)} s (frame ${e.frame})`;
  const n = Math.max(host.length, device.length);
  for (let i = 0; i < n; i++) {
    const h = host[i];
    const d = device[i];
    if (h?.frame !== d?.frame || h?.classIndex !== d?.classIndex) return `event ${i}: host ${say(h)}, device ${say(d)}`;
  }
  return undefined;
}

/** The generated tops_stream_config.h: detector constants and the front end's window and hop. */
export function streamConfigHeader(params: MfccParams, detector: StreamDetectorConfig, every: number): string {
  return [
    '/* Generated by tinyops src/deploy/stream-check.ts. Do not edit. */',
    '#ifndef TOPS_STREAM_CONFIG_H',
    '#define TOPS_STREAM_CONFIG_H',
    `#define TOPS_STREAM_WINDOW_SAMPLES ${params.windowSamples}`,
    `#define TOPS_STREAM_HOP_SAMPLES ${params.strideSamples}`,
    `#define TOPS_STREAM_EVERY ${every}`,
    `#define TOPS_STREAM_SMOOTHING ${detector.smoothing}`,
    `#define TOPS_STREAM_THRESHOLD_Q16 ${detector.thresholdQ16}`,
    `#define TOPS_STREAM_REFRACTORY ${detector.refractory}`,
    `#define TOPS_STREAM_KEYWORD_MASK ${keywordMaskC(detector)}`,
    `#define TOPS_STREAM_CLASS_THRESHOLDS_Q16 ${classThresholdsC(detector)}`,
    '#endif',
    '',
  ].join('\n');
}

/** Build the streaming firmware, run every stream through it in QEMU, compare with the host, measure. */
export async function runStreamCheck(o: StreamCheckOptions): Promise<StreamCheckResult> {
  const { params } = o;
  if (params.windowSamples % params.strideSamples !== 0) {
    throw new StreamMismatchError(
      `the streaming front end needs a window that is a whole number of hops (window ${params.windowSamples}, hop ${params.strideSamples} samples)`,
    );
  }
  const configDir = path.join(o.workDir, 'config');
  fs.mkdirSync(configDir, { recursive: true });
  fs.writeFileSync(path.join(configDir, 'tops_stream_config.h'), streamConfigHeader(params, o.detector, o.every));
  o.progress?.('arm-none-eabi-gcc: streaming firmware');
  const build = await buildFirmware({
    board: o.board,
    sources: [
      ...o.modelSources,
      path.join(FIRMWARE_DIR, 'stream', 'tops_stream.c'),
      path.join(FIRMWARE_DIR, 'stream', 'tops_stream_main.c'),
    ],
    includeDirs: [...o.includeDirs, configDir],
    outDir: path.join(o.workDir, 'build'),
    optimize: o.optimize,
    stackBytes: o.stackBytes,
    elfName: o.elfName ?? 'stream.elf',
  });
  const runDir = path.join(o.workDir, 'run');
  const hopMs = (params.strideSamples * 1000) / params.sampleRate;
  const lead = params.windowSamples / params.strideSamples - 1; // hops before the first frame
  const feHops: ExecutionCounts[] = [];
  const inferences: ExecutionCounts[] = [];
  const reports: StreamReport[] = [];
  let stack = 0;
  for (const [si, s] of o.streams.entries()) {
    fs.rmSync(runDir, { recursive: true, force: true });
    fs.mkdirSync(runDir, { recursive: true });
    const hops = Math.floor(s.pcm.length / params.strideSamples);
    const pcm = s.pcm.subarray(0, hops * params.strideSamples);
    fs.writeFileSync(path.join(runDir, 'stream.bin'), Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    o.progress?.(
      `stream ${si + 1}/${o.streams.length} (${s.id}): ${hops} hops on the board (QEMU) and the host integer reference`,
    );
    // QEMU is a child process: the host reference (the slower half for a big model) runs meanwhile.
    const running = runOnQemu({ board: o.board, elfPath: build.elfPath, workDir: runDir, timeoutMs: o.timeoutMs });
    const [hostResult, qemuResult] = await Promise.allSettled([
      hostStreamEvents(o.model, params, s.pcm, o.detector, o.every),
      running,
    ]);
    if (hostResult.status === 'rejected') throw hostResult.reason;
    if (qemuResult.status === 'rejected') throw qemuResult.reason;
    const host = hostResult.value;
    const qemu = qemuResult.value;
    if (qemu.exitCode !== 0 || !/^ok$/m.test(qemu.stdout)) {
      throw new StreamMismatchError(
        `streaming firmware on ${o.board} exited ${qemu.exitCode} on ${s.id}: ${qemu.stdout.trim().split('\n').pop() ?? ''} ${qemu.stderr.trim()}`.trim(),
      );
    }
    const device = parseDeviceEvents(qemu.stdout);
    const diff = firstEventDifference(host, device, o.model.labels, params);
    if (diff !== undefined) {
      throw new StreamMismatchError(
        `streaming detections on ${o.board} differ from the host detector on ${s.id} (${host.length} host, ${device.length} device events): first difference at ${diff}`,
      );
    }
    const hits = qemu.markerHits.map((h) => h.counts);
    if (hits.length !== 3 * hops)
      throw new StreamMismatchError(
        `expected ${3 * hops} marker hits from the streaming firmware on ${s.id}, got ${hits.length}`,
      );
    let count = 0;
    for (let h = 0; h < hops; h++) {
      const f = h - lead;
      if (f >= 0) feHops.push(countsBetween(hits[3 * h]!, hits[3 * h + 1]!));
      if (f >= params.frames - 1 && (f - params.frames + 1) % o.every === 0) {
        inferences.push(countsBetween(hits[3 * h + 1]!, hits[3 * h + 2]!));
        count++;
      }
    }
    stack = Math.max(stack, qemu.stackHighWaterBytes ?? 0);
    reports.push({
      id: s.id,
      durationSec: s.pcm.length / params.sampleRate,
      hops,
      inferences: count,
      events: host.map((e) => ({
        label: o.model.labels[e.classIndex]!,
        timeSec: Number(frameTimeSec(params, e.frame).toFixed(3)),
        frame: e.frame,
      })),
    });
  }
  if (feHops.length === 0 || inferences.length === 0) {
    throw new StreamMismatchError(
      `the streams are too short for one inference (${params.frames} frames = ${(params.clipSamples / params.sampleRate).toFixed(2)} s)`,
    );
  }
  const fe = medianCounts(feHops);
  const inf = medianCounts(inferences);
  const feMs = estimateLatency(o.board, fe).ms;
  const infMs = estimateLatency(o.board, inf).ms;
  return {
    streams: reports,
    every: o.every,
    detector: o.detector,
    hopMs,
    frontEndInstructionsPerHop: fe.instructions,
    frontEndMaxInstructionsPerHop: Math.max(...feHops.map((c) => c.instructions)),
    instructionsPerInference: inf.instructions,
    frontEndCounts: fe,
    inferenceCounts: inf,
    frontEndMsPerHop: feMs,
    inferenceMs: infMs,
    dutyCycle: (feMs + infMs / o.every) / hopMs,
    peakHopLoad: (feMs + infMs) / hopMs,
    flashBytes: build.flashBytes,
    sramBytes: build.staticSramBytes + stack,
    elfPath: build.elfPath,
  };
}

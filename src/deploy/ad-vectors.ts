/**
 * Deploy's test vectors for an anomaly-detection model with a fixed-point log-mel front end
 * (docs/anomaly-detection.md#on-the-board): each vector is the PCM one test patch spans, read
 * from its clip in the dataset; the board (firmware/harness/tops_ad_patch_main.c) runs the
 * log-mel front end, the input quantization and the network, the host the same chain in
 * TypeScript (LogmelPatchQ15 → quantizeModelInput → runIntModel). The host's patch must also
 * equal the one the features stage stored, so the vectors are the data the model was scored on.
 */
import * as path from 'node:path';
import { readClipPcm16 } from '../dsp/clip-features';
import type { FeatureTensor } from '../dsp/feature-tensor';
import { LogmelPatchQ15 } from '../dsp/logmel-patch-q15';
import { fixedLogmelFrontEnd } from '../codegen/logmel-tables-c';
import { StageInputError } from '../errors';
import { frontEndCodes, quantizeModelInput, runIntModel } from '../nn/int-reference';
import { tensorByName, tensorBytes, type IntModel } from '../quant/int-model';
import { FIRMWARE_DIR } from './firmware-paths';

/** Sources an AD audio build links besides the generated model and the kernels. */
export function adFirmwareSources(srcDir: string): string[] {
  return [
    path.join(FIRMWARE_DIR, 'harness', 'tops_ad_patch_main.c'),
    path.join(srcDir, 'tops_frontend.c'),
    path.join(srcDir, 'tops_frontend_mfcc.c'),
    path.join(FIRMWARE_DIR, 'frontend', 'tops_logmel_q15.c'),
    path.join(FIRMWARE_DIR, 'frontend', 'tops_mfcc_q15.c'),
  ];
}

export interface AdVectors {
  readonly inputs: Int8Array;
  readonly expected: Int8Array;
  /** picks.length × patchSamples int16 samples. */
  readonly pcm: Int16Array;
  readonly patchSamples: number;
  /** Frames of log-mel the board computes per vector, and per patch hop when streaming. */
  readonly framesPerVector: number;
  readonly framesPerPatchHop: number;
  /** ms of audio between patches (the real-time budget, MicroNets §5.2.3). */
  readonly patchHopMs: number;
  /** Static front-end SRAM of the harness: sample window, spectrogram rows, patch (bytes). */
  readonly frontEndBufferBytes: number;
}

/** The log-mel front end of an int-model, or undefined when it has none the board can run. */
export function adFrontEnd(model: IntModel): LogmelPatchQ15 | undefined {
  const fe = fixedLogmelFrontEnd(model.frontEnd);
  return fe ? new LogmelPatchQ15(fe.params, fe.bandStats) : undefined;
}

export function prepareAdVectors(
  model: IntModel,
  test: FeatureTensor,
  datasetDir: string,
  picks: readonly number[],
  onProgress?: (done: number, total: number) => void,
): AdVectors {
  const fe = adFrontEnd(model);
  if (!fe)
    throw new StageInputError(
      'deploy: the model has no fixed-point log-mel front end (features type: logmel, implementation: fixed)',
    );
  const p = fe.params;
  const inBytes = tensorBytes(tensorByName(model, model.input));
  const outBytes = tensorBytes(tensorByName(model, model.output));
  // Rows of one clip are consecutive in the feature file: a row's patch index is its offset from the clip's first row.
  const firstRow = new Map<string, number>();
  test.header.clips.forEach((c, r) => {
    if (!firstRow.has(c)) firstRow.set(c, r);
  });
  const inputs = new Int8Array(picks.length * inBytes);
  const expected = new Int8Array(picks.length * outBytes);
  const pcm = new Int16Array(picks.length * fe.patchSamples);
  const clips = new Map<string, Int16Array>();
  picks.forEach((row, i) => {
    const clip = test.header.clips[row]!;
    let samples = clips.get(clip);
    if (!samples) {
      samples = readClipPcm16(path.join(datasetDir, clip), p.sampleRate);
      clips.set(clip, samples);
    }
    const start = fe.patchStart(row - firstRow.get(clip)!);
    if (start + fe.patchSamples > samples.length)
      throw new StageInputError(
        `${clip}: patch ${row - firstRow.get(clip)!} needs samples up to ${start + fe.patchSamples}, the clip has ${samples.length}: the dataset and the features do not belong together`,
      );
    const span = samples.subarray(start, start + fe.patchSamples);
    pcm.set(span, i * fe.patchSamples);
    const codes = fe.compute(span);
    const stored = frontEndCodes(model, test.data.subarray(row * inBytes, (row + 1) * inBytes));
    const at = codes.findIndex((v, k) => v !== stored[k]);
    if (at >= 0)
      throw new StageInputError(
        `${clip}: the log-mel front end gives ${codes[at]} at value ${at} of patch ${row - firstRow.get(clip)!}, the features stage stored ${stored[at]}: the dataset and the features do not belong together`,
      );
    const q = quantizeModelInput(model, codes);
    inputs.set(q, i * inBytes);
    expected.set(runIntModel(model, q).get(model.output)!, i * outBytes);
    if (i % 10 === 0) onProgress?.(i, picks.length);
  });
  const [rows, cols] = p.patchShape;
  return {
    inputs,
    expected,
    pcm,
    patchSamples: fe.patchSamples,
    framesPerVector: p.patchFrames,
    framesPerPatchHop: p.patchHop,
    patchHopMs: (1000 * p.patchHop * p.hopSamples) / p.sampleRate,
    frontEndBufferBytes: 2 * p.windowSamples + 2 * p.patchFrames * p.melBands + 2 * rows * cols,
  };
}

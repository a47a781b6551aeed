import * as fs from 'node:fs';
import * as path from 'node:path';
import { readWav, floatsToInt16 } from '../src/audio/wav';
import { kernelSources, type KernelVariant } from '../src/codegen/kernel-variants';
import { FIRMWARE_DIR } from '../src/deploy/firmware-paths';
import { runStreamCheck, type StreamCheckResult } from '../src/deploy/stream-check';
import { streamDetectorConfig, type StreamCheckConfig } from '../src/deploy/stream-detector';
import type { MfccParams } from '../src/dsp/mfcc-config';
import { StageInputError } from '../src/errors';
import { streamIndexSchema } from '../src/importer/import-streams';
import type { IntModel } from '../src/quant/int-model';
import { requireUpstream } from '../src/stage/inputs';
import { STREAM_INDEX } from '../src/synth/kws-streams';
import type { MetricValue, StageContext } from '../src/stage/stage-module';

/**
 * The deploy stage's `stream:` option (docs/stages/deploy.md "Streaming check"): the first
 * `count` scored streams of the dataset stage go whole through the streaming firmware in QEMU
 * (src/deploy/stream-check.ts); a detection that differs from the host detector's fails the stage.
 */

export interface StreamCheckInputs {
  readonly model: IntModel;
  readonly params: MfccParams;
  /** codegen's output directory (tops_model.c, tops_frontend.c). */
  readonly srcDir: string;
  readonly kernels: KernelVariant;
  readonly boardName: string;
}

/** What goes into the board artifact's `stream` field. */
export type StreamCheckSummary = Omit<StreamCheckResult, 'elfPath'> & { readonly eventsChecked: number };

export async function streamCheck<C extends { optimize: 'O2' | 'O3' | 'Os'; stackBytes: number; timeoutSec: number }>(
  ctx: StageContext<C>,
  config: StreamCheckConfig,
  inputs: StreamCheckInputs,
): Promise<StreamCheckSummary> {
  const where = `stages.${ctx.stageName}.with.stream`;
  const dir = await ctx.fetchDir(requireUpstream(ctx, 'streams', 'synth-kws'));
  const index = streamIndexSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, STREAM_INDEX), 'utf8')));
  if (index.length < config.count) {
    throw new StageInputError(`${where}.count: ${config.count} streams asked for, the dataset has ${index.length}`);
  }
  const { params } = inputs;
  if (params.windowSamples % params.strideSamples !== 0) {
    throw new StageInputError(
      `${where}: the streaming front end computes one frame per hop, so the front end's window must be a whole number of hops (window ${params.windowSamples} samples, hop ${params.strideSamples}; features windowMs / strideMs)`,
    );
  }
  const streams = index.slice(0, config.count).map((s) => {
    const wav = readWav(path.join(dir, s.file));
    if (wav.sampleRate !== params.sampleRate)
      throw new StageInputError(
        `${s.file}: sample rate ${wav.sampleRate} Hz, the front end expects ${params.sampleRate} Hz`,
      );
    // As the evaluate stage reads a stream: float samples → int16 (src/audio/wav.ts floatToInt16).
    return { id: s.file, pcm: floatsToInt16(wav.samples) };
  });
  const hopMs = (params.strideSamples * 1000) / params.sampleRate;
  const detector = streamDetectorConfig(config, inputs.model.labels, hopMs, where);
  const workDir = path.join(ctx.workDir, 'stream');
  fs.rmSync(workDir, { recursive: true, force: true });
  const r = await runStreamCheck({
    board: inputs.boardName,
    model: inputs.model,
    params,
    modelSources: [
      path.join(inputs.srcDir, 'tops_model.c'),
      ...kernelSources(inputs.kernels),
      path.join(inputs.srcDir, 'tops_frontend.c'),
      path.join(FIRMWARE_DIR, 'frontend', 'tops_mfcc_q15.c'),
    ],
    includeDirs: [inputs.srcDir],
    detector,
    every: config.every,
    workDir,
    optimize: ctx.config.optimize,
    stackBytes: ctx.config.stackBytes,
    timeoutMs: ctx.config.timeoutSec * 1000,
    streams,
    elfName: `${ctx.pipelineName}-${inputs.boardName}-stream.elf`,
    progress: (message) => ctx.progress({ done: 0, total: 1, unit: 'streams', message }),
  });
  const { elfPath: _elf, ...rest } = r;
  return { ...rest, eventsChecked: r.streams.reduce((n, s) => n + s.events.length, 0) };
}

/** Stage metrics of the streaming check. */
export function streamCheckMetrics(s: StreamCheckSummary): Record<string, MetricValue> {
  return {
    streamEventsEqual: true,
    streamEventsChecked: s.eventsChecked,
    streamSeconds: Number(s.streams.reduce((t, x) => t + x.durationSec, 0).toFixed(3)),
    streamEvery: s.every,
    frontEndInstructionsPerHop: s.frontEndInstructionsPerHop,
    streamInstructionsPerInference: s.instructionsPerInference,
    dutyCycle: Number(s.dutyCycle.toFixed(5)),
    peakHopLoad: Number(s.peakHopLoad.toFixed(5)),
  };
}

/** "stream: 5 events equal on 1 stream (8 s), front end 41 k instr/hop, duty cycle 12.3%". */
export function streamSummary(s: StreamCheckSummary): string {
  const secs = s.streams.reduce((t, x) => t + x.durationSec, 0);
  return `stream: ${s.eventsChecked} detections equal to the host on ${s.streams.length} stream${s.streams.length === 1 ? '' : 's'} (${secs.toFixed(0)} s), front end ${(s.frontEndInstructionsPerHop / 1000).toFixed(1)} k instr/hop, duty cycle ${(s.dutyCycle * 100).toFixed(1)}% (inference every ${s.every} hop${s.every === 1 ? '' : 's'})`;
}

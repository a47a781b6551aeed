import { findBoard } from '../src/boards/registry';
import { StageInputError } from '../src/errors';
import { readFeatureTensor, type FeatureTensor } from '../src/dsp/feature-tensor';
import { readClipSources, UNKNOWN_SOURCE } from '../src/eval/clip-sources';
import type { ClipVoice } from '../src/dnas/search-subset';
import { dnasConfigSchema, type DnasConfig } from '../src/dnas/dnas-config';
import { frontEndKindOf, type FrontEndKind } from '../src/dnas/cost-constants';
import {
  decodeSearchState,
  encodeSearchState,
  runSearch,
  type Budgets,
  type SearchState,
  type Target,
} from '../src/dnas/search';
import { architectureCosts, type ArchCosts } from '../src/dnas/arch-costs';
import { CheckpointError } from '../src/nn/checkpoint';
import { DS_CNN_PRESETS, type DsCnnPresetName } from '../src/nn/ds-cnn-arch';
import { loadTf } from '../src/nn/tf';
import type { TrainData } from '../src/nn/train-data';
import { findInput } from '../src/stage/inputs';
import { loadEpochCheckpoint, saveEpochCheckpoint } from '../src/stage/epoch-checkpoint';
import type { StageContext, StageModule, StageResult } from '../src/stage/stage-module';
import { PartTimer } from '../src/util/part-timer';
import { tfjsVersions } from '../src/util/tool-versions';

/**
 * Stage `dnas` (docs/stages/dnas.md): hardware-aware differentiable architecture search
 * (MicroNets §5.1) over the DS-CNN backbone for the pipeline's board. Budgets: the board's
 * flash and SRAM less `headroom`, and `latencyMs`; costs are modelled on our own firmware
 * (src/dnas/cost-model.ts, constants measured by deploy runs in src/dnas/cost-constants.ts).
 *
 * Durable like `train`: after every epoch the search state (supernet weights, architecture
 * logits, multipliers, both optimizers, trace) goes to the store as a checkpoint; a retried
 * activity continues after the last finished epoch with identical results.
 *
 * Outputs: `architecture` (JSON {architecture, predicted, budgets, board}; `train` in a stage
 * that needs this one trains it from scratch in place of its `architecture:`) and `search`
 * (JSON trace: per epoch losses, accuracy, expected and derived costs, multipliers, z).
 * A derived architecture over any budget fails the stage, naming the budget and the overshoot.
 */
export const kind = 'dnas';
/**
 * 2: cost constants refitted on the firmware of 2026-12-04 12:40 (src/dnas/cost-constants.ts).
 * 5: constants refitted on codegen v15 firmware (2026-12-04 18:30); `trainFraction`.
 * 6: (branch-only) `weightPaths`, `archFraction`, `relaxation: gumbel-hard`; α and weight passes
 *    alternated for every setting.
 * 7: the defaults (mixture, archFraction 0) run v5's joint pass again; the options alternate
 *    (docs/results/2026-12-05-dnas-width-bias.md).
 * 8: fixed flash / SRAM per front end (log-mel features price the anomaly-detection firmware,
 *    not the KWS one); `frontEnd` in the architecture artifact.
 */
export const version = 8;
export const configSchema = dnasConfigSchema;
/**
 * Upstream artifacts dnas reads (StageModule.reads): the features' train and validation splits,
 * and the data stage's `dataset` (its sources.json: who spoke each clip) when `archSplitBy: voice`
 * asks for it. A config whose `needs:` has no data stage keeps its cache key (the declared name is
 * simply absent); only `archSplitBy: voice` fetches the dataset.
 */
export const reads = ['train', 'validation', 'dataset'] as const;

/** What the `architecture` artifact holds (read by `train`). */
export const ARCHITECTURE_ARTIFACT = 'architecture';

function toSet(t: FeatureTensor): TrainData['train'] {
  return { x: t.data, y: Int32Array.from(t.header.labelIndex), n: t.header.shape[0] as number };
}

/** Engine of the clips that hold a background and no speech (synth-kws, compose-kws: `_silence_`). */
const SILENCE_ENGINE = 'silence';

/**
 * Who spoke each training clip (`archSplitBy: voice`): the engine and voice of row i of the
 * features' train split, from the data stage's sources.json; null for `_silence_` clips.
 */
async function loadVoices(ctx: StageContext<DnasConfig>, clips: readonly string[]): Promise<Array<ClipVoice | null>> {
  const field = `stages.${ctx.stageName}.with.archSplitBy`;
  const ref = findInput(ctx, 'dataset');
  if (ref === undefined)
    throw new StageInputError(
      `${field}: voice needs who spoke each training clip, from the data stage's dataset (sources.json); ` +
        `add the data stage to stages.${ctx.stageName}.needs (e.g. needs: [data, features])`,
    );
  const sources = readClipSources(await ctx.fetchDir(ref));
  if (sources.file === null)
    throw new StageInputError(
      `${field}: voice: the dataset has no sources.json, so its clips have no recorded voices; use archSplitBy: clip`,
    );
  const missing: string[] = [];
  const voices = clips.map((clip) => {
    const s = sources.sourceOf(clip);
    if (s.engine === SILENCE_ENGINE) return null;
    if (s.engine === UNKNOWN_SOURCE || s.voice === '' || s.voice === UNKNOWN_SOURCE) missing.push(clip);
    return { engine: s.engine, voice: s.voice };
  });
  if (missing.length > 0)
    throw new StageInputError(
      `${field}: voice: ${missing.length} of ${clips.length} training clips have no engine and voice in ${sources.file} ` +
        `(e.g. ${missing.slice(0, 3).join(', ')}); use archSplitBy: clip`,
    );
  return voices;
}

async function loadData(
  ctx: StageContext<DnasConfig>,
): Promise<{ data: TrainData; frontEnd: FrontEndKind; trainClips: readonly string[] }> {
  const ref = (name: string) => {
    const a = findInput(ctx, name);
    if (!a)
      throw new StageInputError(
        `stages.${ctx.stageName}: needs a stage that produces a "${name}" artifact (a features stage); found ${Object.keys(ctx.inputs).join(', ') || 'no inputs'}`,
      );
    return a;
  };
  const train = readFeatureTensor(await ctx.fetchFile(ref('train')));
  const validation = readFeatureTensor(await ctx.fetchFile(ref('validation')));
  const [, frames, coeffs] = train.header.shape;
  if (frames === undefined || coeffs === undefined)
    throw new StageInputError(
      `dnas features: expected shape [N, frames, coefficients], got [${train.header.shape.join(', ')}]`,
    );
  return {
    data: {
      train: toSet(train),
      validation: toSet(validation),
      shape: [frames, coeffs],
      numClasses: train.header.labels.length,
    },
    frontEnd: frontEndKindOf(train.header.frontEnd),
    trainClips: train.header.clips,
  };
}

/** Budgets from the board registry and the config. */
export function budgetsFor(config: DnasConfig, boardName: string): Budgets {
  const board = findBoard(boardName);
  if (board === undefined) throw new StageInputError(`dnas: unknown board "${boardName}"`);
  return {
    flashBytes: Math.floor(board.flashBytes * (1 - config.headroom.flash)),
    sramBytes: Math.floor(board.sramBytes * (1 - config.headroom.sram)),
    ...(config.latencyMs === undefined ? {} : { latencyMs: config.latencyMs }),
  };
}

/** Every budget the predicted costs exceed, as "flash: needs 612.0 KB, budget 460.8 KB (+151.2 KB, +32.8%)". */
export function budgetOvershoots(
  p: { flashBytes: number; sramBytes: number; latencyMs: number },
  b: Budgets,
): string[] {
  const kb = (x: number) => `${(x / 1024).toFixed(1)} KB`;
  const out: string[] = [];
  const pct = (need: number, have: number) => `+${(((need - have) / have) * 100).toFixed(1)}%`;
  if (p.flashBytes > b.flashBytes)
    out.push(
      `flash: needs ${kb(p.flashBytes)}, budget ${kb(b.flashBytes)} (+${kb(p.flashBytes - b.flashBytes)}, ${pct(p.flashBytes, b.flashBytes)})`,
    );
  if (p.sramBytes > b.sramBytes)
    out.push(
      `SRAM: needs ${kb(p.sramBytes)}, budget ${kb(b.sramBytes)} (+${kb(p.sramBytes - b.sramBytes)}, ${pct(p.sramBytes, b.sramBytes)})`,
    );
  if (b.latencyMs !== undefined && p.latencyMs > b.latencyMs)
    out.push(
      `latency: needs ${p.latencyMs.toFixed(2)} ms, budget ${b.latencyMs} ms (+${(p.latencyMs - b.latencyMs).toFixed(2)} ms, ${pct(p.latencyMs, b.latencyMs)})`,
    );
  return out;
}

/**
 * The Hello Edge presets under the same cost models (without ds-cnn-l's residual branches,
 * which the models do not cover), with the budgets they would break: the report sets the
 * found model beside the hand-designed ones that fit the same board.
 */
function presetCosts(
  data: TrainData,
  target: Target,
  budgets: Budgets,
): Array<{ name: string; costs: ArchCosts; overshoots: string[] }> {
  const tf = loadTf();
  return (['ds-cnn-s', 'ds-cnn-m'] as DsCnnPresetName[]).map((name) => {
    const costs = architectureCosts(tf, DS_CNN_PRESETS[name], {
      inputShape: data.shape,
      numClasses: data.numClasses,
      ...target,
    });
    return { name, costs, overshoots: budgetOvershoots(costs, budgets) };
  });
}

async function run(ctx: StageContext<DnasConfig>): Promise<StageResult> {
  const config = ctx.config;
  if (config.warmupEpochs >= config.epochs)
    throw new StageInputError(
      `stages.${ctx.stageName}.with.warmupEpochs: ${config.warmupEpochs} leaves no epoch for the architecture search (epochs: ${config.epochs}); use fewer warm-up epochs`,
    );
  const boardName = config.board;
  if (boardName === undefined)
    throw new StageInputError(`stages.${ctx.stageName}: a dnas stage needs a board (top-level board: or with.board)`);
  const board = findBoard(boardName)!;
  const budgets = budgetsFor(config, boardName);
  const { data, frontEnd, trainClips } = await loadData(ctx);
  const voices = config.archSplitBy === 'voice' ? await loadVoices(ctx, trainClips) : undefined;
  // The fixed flash / SRAM of the cost models depend on the firmware's front end (MFCC or log-mel).
  const target: Target = { core: board.core, clockHz: board.clockHz, frontEnd };
  let resumeFrom = await loadEpochCheckpoint(ctx, decodeSearchState);
  let lastEpoch = resumeFrom?.epochsDone ?? 0;
  const search = async (from: SearchState | undefined) =>
    runSearch(
      data,
      config,
      target,
      budgets,
      {
        rng: ctx.rng('dnas'),
        ...(from === undefined ? {} : { resumeFrom: from }),
        onStep: (step, total) =>
          ctx.progress({ done: step, total, unit: 'steps', epoch: lastEpoch + 1, epochs: config.epochs }),
        onEpoch: async (t, state) => {
          lastEpoch = t.epoch;
          await saveEpochCheckpoint(
            ctx,
            t.epoch,
            `dnas-checkpoint-${t.epoch}.json`,
            encodeSearchState(state()),
            'application/json',
          );
          const c = t.derived.costs;
          ctx.log(
            `epoch ${t.epoch}${t.archPhase ? '' : ' (warm-up)'}: loss ${t.loss.toFixed(4)} acc ${t.accuracy.toFixed(3)} path val_acc ${t.valAccuracy.toFixed(3)}; ` +
              `derived ${c.flashBytes} B flash, ${c.sramBytes} B SRAM, ${c.latencyMs.toFixed(2)} ms; λ ${t.multipliers.flash.toFixed(2)}/${t.multipliers.sram.toFixed(2)}/${t.multipliers.latency.toFixed(2)}`,
          );
        },
      },
      voices,
    );
  // CPU seconds do not depend on the machine's load (src/util/part-timer.ts): the search's
  // cost against a DS-CNN-S training is compared in them (test/bench/dnas.bench.ts).
  const timer = new PartTimer();
  let result;
  try {
    result = await search(resumeFrom);
  } catch (e) {
    if (!(e instanceof CheckpointError) || resumeFrom === undefined) throw e;
    ctx.log(`ignoring checkpoint: ${e.message}`);
    resumeFrom = undefined;
    lastEpoch = 0;
    result = await search(undefined);
  }
  timer.lap('search');
  if (result.archVoices !== undefined) {
    const held = Object.entries(result.archVoices.held).map(
      ([e, v]) => `${e}: ${v.length} (${v.slice(0, 4).join(', ')}${v.length > 4 ? ', …' : ''})`,
    );
    ctx.log(
      `architecture steps on ${result.archClips} of ${result.searchClips} clips, voices held apart per engine: ${held.join('; ')}; ` +
        `kept whole with the weights (one voice): ${result.archVoices.wholeEngines.join(', ') || 'none'}`,
    );
  }
  const predicted = result.costs;
  const over = budgetOvershoots(predicted, budgets);
  if (over.length > 0) {
    throw new StageInputError(
      `stages.${ctx.stageName}: the derived architecture does not fit ${boardName}: ${over.join('; ')}. ` +
        'Narrow searchSpace widths, lower the depth, raise multipliers.initial / multipliers.learningRate, lower target, or relax latencyMs / headroom.',
    );
  }
  const arch = result.architecture;
  const presets = presetCosts(data, target, budgets);
  const doc = {
    architecture: arch,
    predicted,
    budgets,
    board: boardName,
    inputShape: data.shape,
    numClasses: data.numClasses,
    frontEnd,
  };
  const artifacts = [
    await ctx.storeJson(ARCHITECTURE_ARTIFACT, doc),
    await ctx.storeJson('search', {
      budgets,
      board: boardName,
      presets,
      epochs: result.trace,
      // Only with archSplitBy: voice, so the other searches' artifacts keep their bytes.
      ...(result.archVoices === undefined ? {} : { archVoices: result.archVoices }),
    }),
  ];
  const last = result.trace[result.trace.length - 1]!;
  return {
    artifacts,
    metrics: {
      predictedFlashBytes: predicted.flashBytes,
      predictedSramBytes: predicted.sramBytes,
      predictedArenaBytes: predicted.arenaBytes,
      predictedLatencyMs: Number(predicted.latencyMs.toFixed(3)),
      predictedInstructions: predicted.instructions,
      macsPerInference: predicted.macs,
      params: predicted.params,
      supernetPathValAccuracy: last.valAccuracy,
      epochs: result.trace.length,
      searchSeconds: Math.round(result.searchSeconds),
      searchClips: result.searchClips,
      archClips: result.archClips,
      ...(result.archVoices === undefined
        ? {}
        : { archHeldVoices: Object.values(result.archVoices.held).reduce((n, v) => n + v.length, 0) }),
      ...timer.metrics(),
    },
    summary:
      `${boardName}: first conv ${arch.firstConv.filters}, blocks [${arch.blocks.map((b) => b.filters).join(', ')}]; predicted flash ${(predicted.flashBytes / 1024).toFixed(1)}/${(budgets.flashBytes / 1024).toFixed(1)} KB, ` +
      `SRAM ${(predicted.sramBytes / 1024).toFixed(1)}/${(budgets.sramBytes / 1024).toFixed(1)} KB, ${predicted.latencyMs.toFixed(2)} ms${budgets.latencyMs === undefined ? '' : `/${budgets.latencyMs} ms`}; ${(predicted.macs / 1e6).toFixed(2)} M MAC`,
  };
}

export const dnasStage: StageModule<DnasConfig> = {
  kind,
  version,
  reads,
  description:
    'Hardware-aware DNAS (MicroNets §5.1): search a DS-CNN that fits the board’s flash, SRAM and latency budgets; outputs the architecture for train',
  configSchema,
  usesBoard: true,
  toolVersions: async () => tfjsVersions(),
  run,
};

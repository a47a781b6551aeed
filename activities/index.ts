/**
 * The stage registry (docs/architecture.md#stage-contract; docs/writing-a-stage.md) and the worker's activity set.
 * Add a stage kind: write activities/<kind>.ts exporting a StageModule, list it here.
 */
import type { ActivityEnv } from './activity-env';
import { createBookkeeping } from './bookkeeping';
import { executeStage } from './execute-stage';
import type { AnyStageModule } from '../src/stage/stage-module';
import { evaluateStage } from './evaluate';
import { evaluateAdStage } from './evaluate-ad';
import { featuresStage } from './features';
import { importAudioStage } from './import-audio';
import { quantizeStage } from './quantize';
import { codegenStage } from './codegen';
import { composeKwsStage } from './compose-kws';
import { deployStage } from './deploy';
import { dnasStage } from './dnas';
import { reportStage } from './report';
import { synthKwsStage } from './synth-kws';
import { synthMachineStage } from './synth-machine';
import { trainStage } from './train';
import { trainAeStage } from './train-ae';
import { stageActivityName, type StageActivityInput, type StageActivityResult } from '../workflows/types';

export const stageModules: readonly AnyStageModule[] = [
  synthKwsStage as AnyStageModule,
  importAudioStage as AnyStageModule,
  composeKwsStage as AnyStageModule,
  synthMachineStage as AnyStageModule,
  featuresStage as AnyStageModule,
  dnasStage as AnyStageModule,
  trainStage as AnyStageModule,
  trainAeStage as AnyStageModule,
  quantizeStage as AnyStageModule,
  codegenStage as AnyStageModule,
  deployStage as AnyStageModule,
  evaluateStage as AnyStageModule,
  evaluateAdStage as AnyStageModule,
  reportStage as AnyStageModule,
];

export function findStageModule(kind: string): AnyStageModule | undefined {
  return stageModules.find((m) => m.kind === kind);
}

/** Every activity a tinyops worker registers: bookkeeping + one `<kind>Stage` per module. */
export function createActivities(env: ActivityEnv): Record<string, (input: never) => Promise<unknown>> {
  const byKind = new Map(stageModules.map((m) => [m.kind, m]));
  const stages: Record<string, (input: StageActivityInput) => Promise<StageActivityResult>> = {};
  for (const m of stageModules) stages[stageActivityName(m.kind)] = (input) => executeStage(m, env, input);
  return { ...createBookkeeping(env, byKind), ...stages };
}

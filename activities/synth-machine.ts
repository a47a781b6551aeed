import { join } from 'node:path';
import { synthMachineConfigSchema, type SynthMachineConfig } from '../src/machine/machine-config';
import { generateMachineDataset, SYNTH_MACHINE_VERSION } from '../src/machine/synth-machine-dataset';
import type { StageContext, StageModule, StageResult } from '../src/stage/stage-module';

/**
 * Stage `synth-machine`: seeded synthetic machine sounds for anomaly detection (MicroNets
 * §4.3; docs/stages/synth-machine.md). A thin wrapper over src/machine that reports
 * progress and stores one artifact, `dataset`: the MIMII-like layout
 * (`<type>/<id>/{normal,abnormal}/*.wav` + machines.json, src/machine/machine-dataset.ts)
 * that `import-audio` with a machine layout also makes. Generation is a few tens of ms per
 * clip and a pure function of (config, seed, stage name), so a retry simply regenerates.
 */

export const kind = 'synth-machine';
export const version = SYNTH_MACHINE_VERSION;
export const configSchema = synthMachineConfigSchema;

async function run(ctx: StageContext<SynthMachineConfig>): Promise<StageResult> {
  const dir = join(ctx.workDir, 'dataset');
  const s = await generateMachineDataset(ctx.config, dir, ctx.rng.bind(ctx), (done, total) =>
    ctx.progress({ done, total, unit: 'clips', message: 'synthesizing machine sounds' }),
  );
  const minutes = (s.clips * ctx.config.clipMs) / 60000;
  return {
    artifacts: [await ctx.storeDir('dataset', dir)],
    metrics: {
      clips: s.clips,
      trainClips: s.trainClips,
      validationClips: s.validationClips,
      testNormalClips: s.testNormalClips,
      testAbnormalClips: s.testAbnormalClips,
      ...(s.devNormalClips + s.devAbnormalClips > 0
        ? { devNormalClips: s.devNormalClips, devAbnormalClips: s.devAbnormalClips }
        : {}),
      machineTypes: ctx.config.machines.length,
      machineIds: s.machineIds,
      minutes,
    },
    summary:
      `${s.clips} clips (${minutes.toFixed(1)} min) of ${s.machineIds} machines in ${ctx.config.machines.length} types, ` +
      `train/val/test ${s.trainClips}/${s.validationClips}/${s.testNormalClips + s.testAbnormalClips} (${s.testAbnormalClips} anomalous)` +
      (s.devNormalClips > 0 ? `, dev ${s.devNormalClips + s.devAbnormalClips} (${s.devAbnormalClips} anomalous)` : ''),
  };
}

export const synthMachineStage: StageModule<SynthMachineConfig> = {
  kind,
  version,
  description:
    'Synthesize machine sounds (slider, fan, pump, valve; several IDs; normal and anomalous) in MIMII layout for anomaly detection',
  configSchema,
  run,
};

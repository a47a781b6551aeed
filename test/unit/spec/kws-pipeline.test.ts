import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { stageModules } from '../../../activities';
import { boardNames } from '../../../src/boards/registry';
import { loadPipelineFile } from '../../../src/spec/load-pipeline';
import { repoRoot } from './helpers';

/** pipelines/kws.yaml reads like a spec (issue #14): short, defaults not restated. */
describe('pipelines/kws.yaml', () => {
  const file = path.join(repoRoot, 'pipelines/kws.yaml');
  const p = loadPipelineFile(file, { modules: stageModules, boards: boardNames });
  const stage = (name: string) => p.stages.find((s) => s.name === name)!;

  it('fits on two screens', () => {
    expect(readFileSync(file, 'utf8').trimEnd().split('\n').length).toBeLessThanOrEqual(110);
  });

  it('searches the model for its board (dnas) and trains the found one, float and 4-bit alike', () => {
    expect(stage('dnas').kind).toBe('dnas');
    expect(stage('train').needs).toContain('dnas');
    expect(stage('train-4bit').needs).toEqual(expect.arrayContaining(['dnas', 'train']));
    // Groups, not layer names: the found model may skip blocks (src/quant/quant-config.ts LAYER_GROUPS).
    const q = (stage('train-4bit').config as { quantization: { bits: unknown } }).quantization;
    expect(q.bits).toEqual({ default: 8, overrides: { depthwise: 4, pointwise: 4 } });
  });

  it("sweeps 101 thresholds, the last 0.996: none above the int8 board detector's 255/256", () => {
    const t = (stage('evaluate').config as { events: { thresholds: number[] } }).events.thresholds;
    expect(t).toHaveLength(101);
    expect([t[0], t[91], t[92], t[100]]).toEqual([0.05, 0.96, 0.965, 0.996]);
    expect(Math.max(...t)).toBeLessThanOrEqual(255 / 256);
  });

  it('keeps no measurement logs in comments', () => {
    expect(readFileSync(file, 'utf8')).not.toMatch(/Measured|issue #\d|\d+(\.\d+)? ?% /);
  });
});

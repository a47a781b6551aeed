/** The `quantization:` block as a user meets it: through a pipeline file, `--set`, and the error format of docs/architecture.md#pipeline-files. */
import { PipelineSpecError } from '../../../../src/errors';
import { parsePipeline } from '../../../../src/spec/load-pipeline';
import { stageModules } from '../../../../activities/index';

const yaml = (quantization: string) => `name: q
seed: 1
stages:
  train:
    kind: train
    with:
      architecture: ds-cnn-s
      epochs: 9
${quantization}
`;

function problems(text: string, overrides: string[] = []): readonly string[] {
  try {
    parsePipeline(text, 'pipelines/q.yaml', { modules: stageModules, overrides });
  } catch (e) {
    if (e instanceof PipelineSpecError) return e.problems;
    throw e;
  }
  throw new Error('accepted');
}

describe('train stage quantization block in a pipeline', () => {
  it('accepts a 4-bit hybrid block and resolves its defaults', () => {
    const p = parsePipeline(
      yaml(
        '      quantization: {bits: {default: 8, overrides: {block4_pw: 4, dense: 4}}, schedule: {type: step-bounded}}',
      ),
      'pipelines/q.yaml',
      { modules: stageModules },
    );
    const cfg = p.stages.find((s) => s.name === 'train')!.config as { quantization: Record<string, unknown> };
    expect(cfg.quantization).toEqual(
      expect.objectContaining({
        regularizer: 'reg-n',
        qat: true,
        schedule: { type: 'step-bounded', step: 10, rate: 0.8 },
      }),
    );
  });

  it('names file, line, column and path of an unknown layer, with a did-you-mean and the layer list', () => {
    const out = problems(yaml('      quantization:\n        bits: {blok2_pw: 4}'));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(
      /^pipelines\/q\.yaml:\d+:\d+: stages\.train\.with\.quantization\.bits\.blok2_pw: unknown layer "blok2_pw", did you mean "block2_pw"\?; layers of this architecture: conv0, block1_dw, block1_pw, block2_dw, block2_pw, block3_dw, block3_pw, block4_dw, block4_pw, dense \(or a group: depthwise, pointwise\)$/,
    );
  });

  it('accepts the layer groups depthwise and pointwise beside layer names', () => {
    const p = parsePipeline(
      yaml('      quantization: {bits: {default: 8, overrides: {depthwise: 4, pointwise: 4, block1_pw: 8}}}'),
      'pipelines/q.yaml',
      { modules: stageModules },
    );
    const cfg = p.stages[0]!.config as { quantization: { bits: unknown } };
    expect(cfg.quantization.bits).toEqual({ default: 8, overrides: { depthwise: 4, pointwise: 4, block1_pw: 8 } });
  });

  it('works through --set overrides, and rejects a bad schedule parameter', () => {
    const ok = parsePipeline(yaml(''), 'pipelines/q.yaml', {
      modules: stageModules,
      overrides: ['stages.train.with.quantization.bits=4'],
    });
    expect((ok.stages[0]!.config as { quantization: { bits: number } }).quantization.bits).toBe(4);
    const bad = problems(yaml('      quantization: {schedule: {type: step-bounded, rate: 1.5}}'));
    expect(bad.join('\n')).toContain('stages.train.with.quantization.schedule.rate');
  });
});

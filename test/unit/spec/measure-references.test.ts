import { stageModules } from '../../../activities';
import { PipelineSpecError } from '../../../src/errors';
import { parsePipeline } from '../../../src/spec/load-pipeline';

/** evaluate's `with.measure` entries must be inputs of the stage: a located error at validate time. */
const pipeline = (measure: string) => `name: kws
stages:
  data:
    kind: synth-kws
  real:
    kind: import-audio
    with: {path: recordings}
  features:
    kind: features
    needs: [data]
  train:
    kind: train
    needs: [features]
  evaluate:
    kind: evaluate
    needs: [data, features, train]
    with:
      measure: [${measure}]
`;

const problems = (text: string): readonly string[] => {
  try {
    parsePipeline(text, 'p.yaml', { modules: stageModules });
  } catch (e) {
    if (e instanceof PipelineSpecError) return e.problems;
    throw e;
  }
  return [];
};

describe('evaluate with.measure references', () => {
  it('names a measurement stage missing from needs:, with file, line and column', () => {
    expect(problems(pipeline('real'))).toEqual([
      'p.yaml:18:17: stages.evaluate.with.measure.0: "real" is not in this stage\'s needs:, and a measurement dataset must be an input; inputs: data, features, train',
    ]);
  });

  it('suggests the input meant', () => {
    expect(
      problems(pipeline('rel').replace('needs: [data, features, train]', 'needs: [data, features, train, real]'))[0],
    ).toMatch(/"rel" is not in this stage's needs:, and a measurement dataset must be an input, did you mean "real"\?/);
  });

  it('accepts a measurement stage that is in needs:', () => {
    expect(
      problems(pipeline('real').replace('needs: [data, features, train]', 'needs: [data, features, train, real]')),
    ).toEqual([]);
  });
});

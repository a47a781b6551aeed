import { pipelineWorkflowId, stageActivityName } from '../../../workflows/types';
import { toJsonSummary } from '../../../src/cli/run-summary';

describe('workflow naming', () => {
  it('names stage activities <camelKind>Stage', () => {
    expect(stageActivityName('synth-kws')).toBe('synthKwsStage');
    expect(stageActivityName('features')).toBe('featuresStage');
    expect(stageActivityName('import-audio')).toBe('importAudioStage');
  });
  it('workflow ids name pipeline and run', () => {
    expect(pipelineWorkflowId('kws', '20261123-120000-abcdef')).toBe('pipeline/kws/20261123-120000-abcdef');
  });
});

describe('--json summary', () => {
  it('has the documented shape and drops media types', () => {
    const s = toJsonSummary({
      run: 'r1',
      workflowId: 'pipeline/p/r1',
      status: 'failed',
      stages: {
        a: {
          name: 'a',
          kind: 'synth-kws',
          status: 'ran',
          cacheKey: 'k',
          durationMs: 5,
          summary: 'ok',
          metrics: { clips: 3 },
          artifacts: [{ name: 'dataset', uri: 'file:///x', sha256: 'ab', bytes: 2, mediaType: 'application/x-tar' }],
        },
        b: { name: 'b', kind: 'features', status: 'skipped', error: 'needs a' },
      },
    });
    expect(s).toEqual({
      run: 'r1',
      workflowId: 'pipeline/p/r1',
      status: 'failed',
      runRecord: undefined,
      stages: {
        a: {
          status: 'ran',
          cacheKey: 'k',
          durationMs: 5,
          artifacts: [{ name: 'dataset', uri: 'file:///x', sha256: 'ab', bytes: 2 }],
          metrics: { clips: 3 },
          summary: 'ok',
        },
        b: { status: 'skipped', cacheKey: null, durationMs: null, artifacts: [], metrics: {}, error: 'needs a' },
      },
    });
  });
});

import { PassThrough } from 'node:stream';
import { describeProgress, ProgressView } from '../../../src/cli/progress-view';
import type { PipelineProgress } from '../../../workflows/types';

describe('describeProgress', () => {
  it('shows bar, percent, counts, epoch and an ETA extrapolated from elapsed time', () => {
    expect(
      describeProgress({ done: 25, total: 100, unit: 'clips', epoch: 2, epochs: 10, message: 'loss 0.5' }, 10_000, 10),
    ).toBe('[###-------] 25% 25/100 clips epoch 2/10 loss 0.5 ETA 30s');
  });
  it('omits the ETA before the first unit and when done', () => {
    expect(describeProgress({ done: 0, total: 10, unit: 'steps' }, 5000, 4)).toBe('[----] 0% 0/10 steps');
    expect(describeProgress({ done: 10, total: 10, unit: 'steps' }, 5000, 4)).toBe('[####] 100% 10/10 steps');
  });
  it('formats minutes', () => {
    expect(describeProgress({ done: 1, total: 3, unit: 'x' }, 61_000, 3)).toContain('ETA 2m02s');
  });
  it('says "running" when a stage reported nothing yet', () => {
    expect(describeProgress(undefined, 0)).toBe('running');
  });
});

function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  const s = new PassThrough();
  let buf = '';
  s.on('data', (d: Buffer) => (buf += d.toString()));
  return { stream: s as unknown as NodeJS.WriteStream, text: () => buf };
}

const progress = (
  status: 'pending' | 'running' | 'ran',
  extra: Partial<PipelineProgress['stages'][number]> = {},
): PipelineProgress => ({
  runId: 'r',
  pipeline: 'p',
  done: false,
  stages: [
    { name: 'data', kind: 'synth-kws', status, ...extra },
    { name: 'features', kind: 'features', status: 'pending' },
  ],
});

describe('ProgressView (plain output, not a TTY)', () => {
  it('prints one line per state change and throttles progress lines', () => {
    const out = capture();
    const view = new ProgressView(out.stream, false, 10_000);
    view.update(progress('pending'), new Map(), 0);
    view.update(progress('running'), new Map([['data', { progress: { done: 1, total: 4, unit: 'clips' } }]]), 1000);
    view.update(progress('running'), new Map([['data', { progress: { done: 2, total: 4, unit: 'clips' } }]]), 2000); // throttled
    view.update(progress('running'), new Map([['data', { progress: { done: 3, total: 4, unit: 'clips' } }]]), 12_000);
    view.update(progress('ran', { durationMs: 4200, summary: '4 clips' }), new Map(), 13_000);
    expect(out.text().split('\n').filter(Boolean)).toEqual([
      '[data] synth-kws  running  [#####---------------] 25% 1/4 clips',
      '[data] synth-kws  running  [###############-----] 75% 3/4 clips ETA 4s',
      '[data] synth-kws  ran          4s  4 clips',
    ]);
  });
});

describe('ProgressView (TTY)', () => {
  it('redraws the block in place', () => {
    const out = capture();
    const view = new ProgressView(out.stream, true);
    view.update(progress('running'), new Map(), 0);
    view.update(progress('ran', { durationMs: 1000, summary: 'ok' }), new Map(), 1000);
    const text = out.text();
    expect(text).toContain('\x1b[2A'); // cursor back up over the two stage lines
    expect(text).toMatch(/✓ data +synth-kws +ran +1s +ok/);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clipSourcesFrom, readClipSources, type SourcesFile } from '../../../src/eval/clip-sources';
import { frrByEngine } from '../../../src/eval/frr-by-engine';
import type { StreamMatch } from '../../../src/eval/event-metrics';
import { heldOutRow, sourceBreakdown } from '../../../src/eval/source-accuracy';
import { speakerOfFile } from '../../../src/eval/measure-dataset';
import { StageInputError } from '../../../src/errors';

/**
 * Per-source accuracy on a hand-made test split whose numbers are worked out below:
 *
 *   clip                          engine     voice   heldOut  true  float  int
 *   yes/espeak-a_nohash_0.wav     espeak-ng  a       false    yes   yes    yes
 *   yes/espeak-b_nohash_0.wav     espeak-ng  b       voice    yes   no     yes
 *   no/espeak-b_nohash_0.wav      espeak-ng  b       voice    no    no     no
 *   no/flite-kal_nohash_0.wav     flite      kal     engine   no    yes    no
 *   yes/flite-kal_nohash_0.wav    flite      kal     engine   yes   yes    yes
 *   yes/flite-slt_nohash_0.wav    flite      slt     engine   yes   no     no
 *   _silence_/s_nohash_0.wav      silence    noise   false    sil   sil    sil
 *   no/x_nohash_0.wav             (not listed → unknown)       no    no     yes
 *
 * espeak-ng 2/3 float, 3/3 int; flite 1/3 float, 2/3 int; silence 1/1; unknown 1/1 float, 0/1 int.
 * held-out engine = flite = 1/3 (int 2/3); held-out voice = espeak b = 1/2 float, 2/2 int;
 * training voices = espeak a + silence = 2/2; the unlisted clip is its own class (unknown-source).
 */

const LABELS = ['_silence_', 'yes', 'no'];
const [SIL, YES, NO] = [0, 1, 2];
const SOURCES: SourcesFile = {
  format: 1,
  engines: {
    'espeak-ng': { version: '1.51', licence: 'GPL-3.0', family: 'espeak', role: 'train' },
    flite: { version: '2.2', licence: 'BSD', family: 'flite', role: 'held-out' },
    silence: { version: '1', licence: 'n/a', family: 'silence', role: 'train' },
  },
  clips: {
    'yes/espeak-a_nohash_0.wav': { engine: 'espeak-ng', voice: 'a', heldOut: false },
    'yes/espeak-b_nohash_0.wav': { engine: 'espeak-ng', voice: 'b', heldOut: 'voice' },
    'no/espeak-b_nohash_0.wav': { engine: 'espeak-ng', voice: 'b', heldOut: 'voice' },
    'no/flite-kal_nohash_0.wav': { engine: 'flite', voice: 'kal', heldOut: 'engine' },
    'yes/flite-kal_nohash_0.wav': { engine: 'flite', voice: 'kal', heldOut: 'engine' },
    'yes/flite-slt_nohash_0.wav': { engine: 'flite', voice: 'slt', heldOut: 'engine' },
    '_silence_/s_nohash_0.wav': { engine: 'silence', voice: 'noise', heldOut: false },
  },
};
const CLIPS = [...Object.keys(SOURCES.clips), 'no/x_nohash_0.wav'];
const TRUTH = [YES, YES, NO, NO, YES, YES, SIL, NO];
const FLOAT = [YES, NO, NO, YES, YES, NO, SIL, NO];
const INT = [YES, YES, NO, NO, YES, NO, SIL, YES];

describe('sourceBreakdown', () => {
  const b = sourceBreakdown({
    clips: CLIPS,
    truth: TRUTH,
    predicted: FLOAT,
    intPredicted: INT,
    numClasses: LABELS.length,
    sources: clipSourcesFrom('s.json', SOURCES),
  });

  it('gives accuracy per engine, training engines first, held-out engines next, unknown last', () => {
    expect(b.byEngine.map((e) => [e.engine, e.role, e.clips, e.correct, e.intCorrect])).toEqual([
      ['espeak-ng', 'train', 3, 2, 3],
      ['silence', 'train', 1, 1, 1],
      ['flite', 'held-out', 3, 1, 2],
      ['unknown', 'unknown', 1, 1, 0],
    ]);
    const espeak = b.byEngine[0]!;
    expect(espeak.accuracy).toBeCloseTo(2 / 3, 12);
    expect(espeak.voices).toEqual(['a', 'b']);
    expect(espeak.heldOut).toEqual(['train-voice', 'held-out-voice']);
    expect(espeak.version).toBe('1.51');
    // counts[true][predicted]: one "yes" heard as "no".
    expect(espeak.confusion).toEqual([
      [0, 0, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
  });

  it('gives the held-out classes: engines never trained on, held-out voices, training voices', () => {
    const engine = heldOutRow(b, 'held-out-engine')!;
    expect([engine.clips, engine.correct, engine.intCorrect, engine.engines]).toEqual([3, 1, 2, ['flite']]);
    expect(engine.accuracy).toBeCloseTo(1 / 3, 12);
    const voice = heldOutRow(b, 'held-out-voice')!;
    expect([voice.clips, voice.accuracy, voice.intAccuracy]).toEqual([2, 0.5, 1]);
    const train = heldOutRow(b, 'train-voice')!;
    expect([train.clips, train.correct, train.engines]).toEqual([2, 2, ['espeak-ng', 'silence']]);
    expect(heldOutRow(b, 'unknown-source')).toEqual(
      expect.objectContaining({ clips: 1, correct: 1, intCorrect: 0, engines: ['unknown'] }),
    );
  });

  it('gives one row per (engine, voice)', () => {
    expect(b.byVoice.map((v) => [v.engine, v.voice, v.heldOut, v.clips, v.correct])).toEqual([
      ['espeak-ng', 'a', 'train-voice', 1, 1],
      ['espeak-ng', 'b', 'held-out-voice', 2, 1],
      ['silence', 'noise', 'train-voice', 1, 1],
      ['flite', 'kal', 'held-out-engine', 2, 1],
      ['flite', 'slt', 'held-out-engine', 1, 0],
      ['unknown', 'unknown', 'unknown-source', 1, 1],
    ]);
  });

  it('leaves the integer fields out without integer predictions', () => {
    const f = sourceBreakdown({
      clips: CLIPS,
      truth: TRUTH,
      predicted: FLOAT,
      numClasses: 3,
      sources: clipSourcesFrom(null, SOURCES),
    });
    expect(f.byEngine[0]).not.toHaveProperty('intAccuracy');
    expect(f.byEngine.map((e) => e.correct)).toEqual(b.byEngine.map((e) => e.correct));
  });

  it('rejects rows that do not line up', () => {
    expect(() =>
      sourceBreakdown({
        clips: CLIPS,
        truth: TRUTH.slice(1),
        predicted: FLOAT,
        numClasses: 3,
        sources: clipSourcesFrom(null, SOURCES),
      }),
    ).toThrow(StageInputError);
  });
});

describe('readClipSources', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tinyops-sources-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a dataset without sources.json as one unknown source', () => {
    const s = readClipSources(dir);
    expect(s.file).toBeNull();
    expect(s.sourceOf('yes/a_nohash_0.wav')).toEqual({ engine: 'unknown', voice: 'unknown', heldOut: false });
    const b = sourceBreakdown({ clips: CLIPS, truth: TRUTH, predicted: FLOAT, numClasses: 3, sources: s });
    expect(b.byEngine.map((e) => [e.engine, e.clips, e.correct])).toEqual([['unknown', 8, 5]]);
    expect(heldOutRow(b, 'held-out-engine')).toBeUndefined();
  });

  it('reads the file and names the field of a malformed one', () => {
    writeFileSync(join(dir, 'sources.json'), JSON.stringify(SOURCES));
    expect(readClipSources(dir).sourceOf('no/flite-kal_nohash_0.wav').heldOut).toBe('engine');
    // The breakdown names the file relative to the dataset, not the extraction directory it was
    // read from, so the evaluation artifact is the same bytes from any worker or checkout.
    const b = sourceBreakdown({
      clips: CLIPS,
      truth: TRUTH,
      predicted: FLOAT,
      numClasses: 3,
      sources: readClipSources(dir),
    });
    expect(b.sourcesFile).toBe('sources.json');
    writeFileSync(
      join(dir, 'sources.json'),
      JSON.stringify({ ...SOURCES, clips: { 'yes/a.wav': { engine: 'x', voice: 'v', heldOut: 'maybe' } } }),
    );
    expect(() => readClipSources(dir)).toThrow(
      /sources\.json: does not follow the sources\.json format 1 \(clips\.yes\/a\.wav\.heldOut/,
    );
  });
});

describe('frrByEngine', () => {
  const ev = (label: string, engine?: string) => ({
    label,
    onsetSec: 1,
    offsetSec: 1.5,
    kind: 'keyword' as const,
    ...(engine ? { engine } : {}),
  });
  const det = { frame: 10, timeMs: 1600, label: 'yes' };
  const match = (engines: Array<string | undefined>): StreamMatch => ({
    keyword: [
      { type: 'hit', event: ev('yes', engines[0]), detection: det, latencyMs: 100 },
      { type: 'false-reject', event: ev('no', engines[1]) },
      { type: 'misclassification', event: ev('no', engines[2]), detection: det },
      { type: 'hit', event: ev('yes', engines[3]), detection: det, latencyMs: 50 },
    ],
    negative: [],
    background: [],
  });

  it('splits keyword events by the engine that spoke them', () => {
    const rows = frrByEngine([match(['pico', 'pico', 'flite', undefined])]);
    expect(rows.map((r) => [r.engine, r.keywordEvents, r.hits, r.falseRejects, r.misclassifications, r.frr])).toEqual([
      ['flite', 1, 0, 0, 1, 1],
      ['pico', 2, 1, 1, 0, 0.5],
      ['unknown', 1, 1, 0, 0, 0],
    ]);
  });

  it('is empty for streams whose events name no engine', () => {
    expect(frrByEngine([match([undefined, undefined, undefined, undefined])])).toEqual([]);
  });
});

describe('speakerOfFile', () => {
  it('takes the Speech Commands speaker prefix', () => {
    expect(speakerOfFile('yes/allison_nohash_0.wav')).toBe('allison');
    expect(speakerOfFile('yes/clip.wav')).toBeNull();
  });
});

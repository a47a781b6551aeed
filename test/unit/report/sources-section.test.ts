import { clipSourcesFrom, type SourcesFile } from '../../../src/eval/clip-sources';
import { confusionMatrix } from '../../../src/eval/confusion';
import { sourceBreakdown } from '../../../src/eval/source-accuracy';
import { renderReportHtml } from '../../../src/report/render-html';
import { evaluationSchema, reportModelSchema, type ReportModel } from '../../../src/report/report-model';
import { fullModel } from './report-fixtures';

/**
 * The Sources section from what the evaluate stage writes: the breakdown is computed by
 * src/eval (not hand-typed) and goes through the report's evaluation schema, so a field the
 * evaluate stage writes and the report does not accept fails here.
 */

const LABELS = ['_silence_', '_unknown_', 'yes', 'no'];
const SOURCES: SourcesFile = {
  format: 1,
  engines: {
    'espeak-ng': { version: '1.51', licence: 'GPL-3.0', family: 'espeak', role: 'train' },
    pico: { version: '1.0', licence: 'Apache-2.0', family: 'pico', role: 'train' },
    flite: { version: '2.2', licence: 'BSD-like', family: 'flite', role: 'held-out' },
  },
  clips: {
    'yes/e1_nohash_0.wav': { engine: 'espeak-ng', voice: 'en-us', heldOut: 'voice' },
    'no/e1_nohash_0.wav': { engine: 'espeak-ng', voice: 'en-us', heldOut: 'voice' },
    'yes/p_nohash_0.wav': { engine: 'pico', voice: 'en-GB', heldOut: 'voice' },
    'yes/f_nohash_0.wav': { engine: 'flite', voice: 'kal', heldOut: 'engine' },
    'no/f_nohash_0.wav': { engine: 'flite', voice: 'kal', heldOut: 'engine' },
    'no/f2_nohash_0.wav': { engine: 'flite', voice: 'slt', heldOut: 'engine' },
    'no/f3_nohash_0.wav': { engine: 'flite', voice: 'slt', heldOut: 'engine' },
  },
};

function withSources(): ReportModel {
  const m = fullModel();
  const clips = Object.keys(SOURCES.clips);
  const truth = clips.map((c) => LABELS.indexOf(c.split('/')[0]!));
  const predicted = [2, 3, 2, 3, 3, 2, 3]; // flite: 2 of 4 right
  const intPredicted = [2, 3, 2, 2, 3, 2, 3]; // flite: 3 of 4 right
  const b = sourceBreakdown({
    clips,
    truth,
    predicted,
    intPredicted,
    numClasses: 4,
    sources: clipSourcesFrom('sources.json', SOURCES),
  });
  const measured = ['seven/allison_nohash_0.wav', 'yes/sc-yes_nohash_0.wav', 'no/sc-no_nohash_0.wav'];
  const mTruth = [1, 2, 3];
  const mPred = [3, 2, 1];
  const real = sourceBreakdown({
    clips: measured,
    truth: mTruth,
    predicted: mPred,
    numClasses: 4,
    sources: clipSourcesFrom('sources.json', {
      format: 1,
      engines: {
        'asterisk-allison': {
          version: 'asterisk-core-sounds-en-wav 1.6.1-1 (Debian)',
          licence: 'CC-BY-SA-3.0',
          family: 'human',
          role: 'held-out',
        },
        'speech-commands-tfmicro': {
          version: 'tfmicro 0.1.0 (crates.io)',
          licence: 'CC-BY-4.0',
          family: 'human',
          role: 'held-out',
        },
      },
      clips: {
        'seven/allison_nohash_0.wav': { engine: 'asterisk-allison', voice: 'allison', heldOut: 'engine' },
        'yes/sc-yes_nohash_0.wav': { engine: 'speech-commands-tfmicro', voice: 'sc-yes', heldOut: 'engine' },
        'no/sc-no_nohash_0.wav': { engine: 'speech-commands-tfmicro', voice: 'sc-no', heldOut: 'engine' },
      },
    }),
  });
  const evaluation = evaluationSchema.parse({
    ...m.evaluation,
    sources: { ...b, engines: SOURCES.engines, dataStage: 'data' },
    eventsByEngine: [
      { engine: 'espeak-ng', keywordEvents: 10, hits: 9, falseRejects: 1, misclassifications: 0, frr: 0.1 },
      { engine: 'flite', keywordEvents: 8, hits: 4, falseRejects: 3, misclassifications: 1, frr: 0.5 },
    ],
    measurements: [
      {
        stage: 'real-speech',
        generator: 'import-audio',
        clips: 3,
        speakers: ['allison', 'sc-no', 'sc-yes'],
        accuracy: 1 / 3,
        confusion: { labels: LABELS, counts: confusionMatrix(mTruth, mPred, 4) },
        perLabel: { _unknown_: 1, yes: 1, no: 1 },
        mapped: { seven: '_unknown_' },
        engines: {
          'asterisk-allison': {
            version: 'asterisk-core-sounds-en-wav 1.6.1-1 (Debian)',
            licence: 'CC-BY-SA-3.0',
            family: 'human',
            role: 'held-out',
          },
        },
        sources: real,
      },
    ],
  });
  return { ...m, evaluation };
}

function sectionOf(html: string, id: string): string {
  const at = html.indexOf(`<section id="${id}"`);
  return at < 0 ? '' : html.slice(at, html.indexOf('</section>', at));
}

describe('sources section', () => {
  it('shows accuracy per engine and held-out class, FRR per engine, and the measurement datasets with provenance', async () => {
    const model = withSources();
    expect(reportModelSchema.safeParse(model).success).toBe(true);
    const r = await renderReportHtml(model);
    expect(r.sectionIds.indexOf('sources')).toBe(r.sectionIds.indexOf('classification') + 1);
    const s = sectionOf(r.html, 'sources');
    expect(s.split('<svg').length - 1).toBe(2); // accuracy bars + the measurement's confusion
    expect(s).toContain('Accuracy by source');
    // flite: 4 clips, float 50%, integer 75%, shown with its version and licence.
    expect(s).toMatch(
      /<td>flite<\/td><td>held-out<\/td><td>flite<\/td><td>kal, slt<\/td><td>engines never trained on<\/td><td class="num">4<\/td><td class="num">50% ±35.0<\/td><td class="num">75%<\/td><td>2.2<\/td><td>BSD-like<\/td>/,
    );
    expect(s).toContain(
      '<td>held-out voices of training engines</td><td>espeak-ng, pico</td><td class="num">3</td><td class="num">100% ±56.2</td>',
    );
    expect(s).toContain('Streams: false reject rate per engine at the operating point');
    expect(s).toMatch(
      /<td>flite<\/td><td class="num">8<\/td><td class="num">4<\/td><td class="num">3<\/td><td class="num">1<\/td><td class="num">50%<\/td>/,
    );
    expect(s).toContain('Measurement dataset real-speech');
    expect(s).toContain('seven → _unknown_');
    expect(s).toContain('3: allison, sc-no, sc-yes');
    expect(s).toContain('asterisk-core-sounds-en-wav 1.6.1-1 (Debian)');
    expect(s).toContain('CC-BY-SA-3.0');
    // The headline puts the held-out-engine figure and the measurement up front.
    const tiles = r.html.slice(r.html.indexOf('<div class="tiles">'), r.html.indexOf('<section'));
    expect(tiles).toContain(
      '<div class="tile-label">held-out engines</div><div class="tile-value">50%</div><div class="tile-detail">±35.0 (95 %); flite: 4 clips never trained on</div>',
    );
    expect(tiles).toContain('<div class="tile-label">measured: real-speech</div><div class="tile-value">33.3%</div>');
    expect(tiles.indexOf('held-out engines')).toBeLessThan(tiles.indexOf('test accuracy (clips)'));
  });

  it('is listed as missing for an evaluation made before per-source results', async () => {
    const r = await renderReportHtml(fullModel());
    expect(r.sectionIds).not.toContain('sources');
    expect(r.html).toContain(
      '<section id="sources" class="missing"><h2>Sources</h2><p>the evaluation has no per-source results (evaluate before version 5)</p></section>',
    );
    expect(r.html).not.toContain('held-out engines');
  });
});

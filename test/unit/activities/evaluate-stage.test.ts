/**
 * The evaluate stage end to end on real files (real LocalStore, stage context, tfjs-node,
 * espeak-ng): a random DS-CNN, a test split whose dataset has a sources.json (a training
 * engine and a held-out one), a stream whose events name their engine, and a measurement
 * dataset made by import-audio from espeak-ng clips of two "speakers" (with a sources.json of
 * its own and a word the model does not know). The expected numbers are recomputed here from
 * the model's own predictions, so the test checks the bookkeeping, not the random model.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { evaluateConfigSchema, evaluateStage } from '../../../activities/evaluate';
import { createStageContext } from '../../../activities/stage-context';
import type { StageOutputs } from '../../../src/stage/stage-module';
import { encodeWav16 } from '../../../src/audio/wav';
import { whiteNoise } from '../../../src/audio/noise';
import { datasetFeatures } from '../../../src/dsp/dataset-features';
import {
  FEATURE_MEDIA_TYPE,
  readFeatureTensor,
  writeFeatureTensor,
  type FeatureTensor,
} from '../../../src/dsp/feature-tensor';
import { mfccConfigSchema } from '../../../src/dsp/mfcc-config';
import { argmaxPerRow } from '../../../src/eval/confusion';
import { integerAccuracy } from '../../../src/eval/integer-accuracy';
import { importSpeechCommandsFolder } from '../../../src/importer/speech-commands-folder';
import { importAudioConfigSchema } from '../../../src/importer/import-config';
import { loadModelArtifacts, predict } from '../../../src/nn';
import { HostIntModel, HostModelError } from '../../../src/nn/host-int-model';
import { encodeIntModel, INT_MODEL_MEDIA_TYPE } from '../../../src/quant/int-model';
import type { ArtifactRef } from '../../../src/store/artifact-store';
import { LocalStore } from '../../../src/store/local-store';
import { packDir } from '../../../src/store/tar';
import { renderWord } from '../../../src/synth/espeak';
import { Prng } from '../../../src/util/prng';
import { INPUT_SHAPE, LABELS, randomFeatures, randomIntModel, randomModel } from '../../helpers/random-model';

jest.setTimeout(120_000);

const FRONT_END = mfccConfigSchema.parse({});
const TEST_CLIPS = [
  'yes/espeak-a_nohash_0.wav',
  'no/espeak-a_nohash_0.wav',
  'up/espeak-b_nohash_0.wav',
  '_unknown_/espeak-b_nohash_0.wav',
  'yes/flite-kal_nohash_0.wav',
  'no/flite-kal_nohash_0.wav',
  'up/flite-kal_nohash_0.wav',
  '_silence_/s_nohash_0.wav',
];
/** Effective SNR of TEST_CLIPS[i], dB: bands < 10, 10–20, 20–30, ≥ 30 with the default edges. */
const CLIP_SNR = [5, 15, 25, 35, 5, 15, 45];
const DATA_SOURCES = {
  format: 1,
  engines: {
    'espeak-ng': { version: '1.51', licence: 'GPL-3.0', family: 'espeak', role: 'train' },
    flite: { version: '2.2', licence: 'BSD', family: 'flite', role: 'held-out' },
  },
  clips: Object.fromEntries(
    TEST_CLIPS.filter((c) => !c.startsWith('_silence_')).map((c, i) => [
      c,
      {
        ...(c.includes('flite')
          ? { engine: 'flite', voice: 'kal', heldOut: 'engine' }
          : {
              engine: 'espeak-ng',
              voice: c.includes('-a_') ? 'a' : 'b',
              heldOut: c.includes('-a_') ? false : 'voice',
            }),
        // Acoustic conditions (synth-kws ≥ 3): effective SNR per clip, the last quiet.
        conditions: {
          snrDb: CLIP_SNR[i]!,
          effectiveSnrDb: CLIP_SNR[i]!,
          quiet: CLIP_SNR[i]! > 30,
          background: i % 2 === 0 ? 'pink' : 'babble',
          augment: [],
        },
      },
    ]),
  ),
};

describe('evaluate stage: by source and measurement datasets', () => {
  let dir: string;
  let store: LocalStore;
  let inputs: Record<string, StageOutputs>;
  let testX: Float32Array;
  let measureDir: string;

  const put = async (name: string, file: string, mediaType: string): Promise<ArtifactRef> => ({
    ...(await store.putFile(file)),
    name,
    mediaType,
  });
  const putDir = async (name: string, d: string): Promise<ArtifactRef> => {
    const tar = path.join(dir, `${name}-${path.basename(d)}.tar`);
    await packDir(d, tar);
    return put(name, tar, 'application/x-tar');
  };
  const writeDataset = (d: string, withSources: boolean) => {
    fs.mkdirSync(d, { recursive: true });
    for (const l of LABELS) fs.mkdirSync(path.join(d, l), { recursive: true });
    fs.writeFileSync(path.join(d, 'dataset.json'), JSON.stringify({ generator: 'synth-kws', labels: LABELS }));
    if (withSources) fs.writeFileSync(path.join(d, 'sources.json'), JSON.stringify(DATA_SOURCES));
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyops-evaluate-'));
    store = new LocalStore(path.join(dir, 'store'));
    // Model (random weights, the labels of the fixture).
    const m = randomModel('evaluate-stage');
    fs.mkdirSync(path.join(dir, 'model'));
    fs.writeFileSync(path.join(dir, 'model', 'model.json'), m.topology);
    fs.writeFileSync(path.join(dir, 'model', 'weights.bin'), m.weights);
    // Test features: random MFCC-like rows, labelled by the clip's folder.
    testX = randomFeatures(Prng.derive('evaluate-stage', 'x'), TEST_CLIPS.length);
    const testFile = path.join(dir, 'test.topsfeat');
    writeFeatureTensor(
      testFile,
      {
        shape: [TEST_CLIPS.length, ...INPUT_SHAPE],
        split: 'test',
        labels: LABELS,
        frontEnd: { ...FRONT_END, fftSize: 1024 },
        labelIndex: TEST_CLIPS.map((c) => LABELS.indexOf(c.split('/')[0]!)),
        clips: TEST_CLIPS,
      },
      testX,
    );
    writeDataset(path.join(dir, 'dataset'), true);
    writeDataset(path.join(dir, 'dataset-old'), false);
    // One 3 s noise stream with a keyword event per engine (and none in the old format).
    const streams = path.join(dir, 'streams');
    fs.mkdirSync(streams);
    const noise = whiteNoise(48000, Prng.derive('evaluate-stage', 'noise')).map((v) => v * 0.05);
    fs.writeFileSync(path.join(streams, 's0.wav'), encodeWav16(noise, 16000));
    const events = [
      { label: 'yes', onsetSec: 0.5, offsetSec: 0.9, kind: 'keyword', engine: 'espeak-ng', voice: 'b' },
      { label: 'no', onsetSec: 1.8, offsetSec: 2.2, kind: 'keyword', engine: 'flite', voice: 'kal' },
      { label: 'bed', onsetSec: 2.4, offsetSec: 2.8, kind: 'negative', engine: 'flite', voice: 'kal' },
    ];
    fs.writeFileSync(
      path.join(streams, 'index.json'),
      JSON.stringify([{ file: 's0.wav', durationSec: 3, sampleRate: 16000, background: 'white', events }]),
    );
    // Measurement folder: espeak-ng "speakers" saying two keywords and a word the model does not know.
    const folder = path.join(dir, 'recordings');
    const speakers = { ann: 'en-us+f2', bob: 'en-gb+m3' };
    const clips: Record<string, { engine: string; voice: string; heldOut: 'engine' }> = {};
    for (const word of ['yes', 'up', 'seven']) {
      fs.mkdirSync(path.join(folder, word), { recursive: true });
      for (const [speaker, voice] of Object.entries(speakers)) {
        const wav = await renderWord({ text: word, voice, pitch: 50, speed: 160 });
        fs.writeFileSync(path.join(folder, word, `${speaker}_nohash_0.wav`), encodeWav16(wav.samples, wav.sampleRate));
        clips[`${word}/${speaker}_nohash_0.wav`] = { engine: 'people', voice: speaker, heldOut: 'engine' };
      }
    }
    fs.writeFileSync(
      path.join(folder, 'sources.json'),
      JSON.stringify({
        format: 1,
        engines: { people: { version: 'test 1', licence: 'CC0', family: 'human', role: 'held-out' } },
        clips,
      }),
    );
    measureDir = path.join(dir, 'measure-dataset');
    await importSpeechCommandsFolder(importAudioConfigSchema.parse({ path: folder }), measureDir);

    inputs = {
      data: {
        artifacts: [await putDir('dataset', path.join(dir, 'dataset')), await putDir('streams', streams)],
        metrics: {},
      },
      features: { artifacts: [await put('test', testFile, FEATURE_MEDIA_TYPE)], metrics: {} },
      train: { artifacts: [await putDir('model', path.join(dir, 'model'))], metrics: {} },
      real: { artifacts: [await putDir('dataset', measureDir)], metrics: {} },
    };
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (with_: unknown, stageInputs: Record<string, StageOutputs> = inputs) => {
    const logs: string[] = [];
    const ctx = createStageContext({
      pipelineName: 'p',
      stageName: 'evaluate',
      runId: 'r',
      seed: 1,
      config: evaluateConfigSchema.parse(with_),
      inputs: stageInputs,
      cacheKey: 'e'.repeat(64),
      store,
      stateDir: path.join(dir, 'state'),
      onProgress: () => undefined,
      onLog: (l) => logs.push(l),
    });
    return { result: evaluateStage.run(ctx), logs };
  };
  const readEvaluation = async (ref: ArtifactRef) => JSON.parse((await store.getBytes(ref.sha256)).toString('utf8'));
  const modelPredictions = async (x: Float32Array, rows: number): Promise<number[]> => {
    const m = randomModel('evaluate-stage');
    const model = await loadModelArtifacts(m);
    try {
      return argmaxPerRow(await predict(model, x, INPUT_SHAPE, 64), LABELS.length).slice(0, rows);
    } finally {
      model.dispose();
    }
  };

  it('breaks test accuracy down by engine and held-out class, and scores the measurement dataset', async () => {
    const { result } = run({ measure: ['real'], events: { thresholds: [0.5, 0.9] } });
    const r = await result;
    const predicted = await modelPredictions(testX, TEST_CLIPS.length);
    const truth = TEST_CLIPS.map((c) => LABELS.indexOf(c.split('/')[0]!));
    const acc = (rows: number[]) => rows.filter((i) => predicted[i] === truth[i]).length / rows.length;
    expect(r.metrics.heldOutSourceAccuracy).toBeCloseTo(acc([4, 5, 6]), 12);
    expect(r.metrics.heldOutSourceClips).toBe(3);
    expect(r.metrics.heldOutVoiceAccuracy).toBeCloseTo(acc([2, 3]), 12);
    expect(r.metrics['accuracy.espeak-ng']).toBeCloseTo(acc([0, 1, 2, 3]), 12);
    expect(r.metrics['accuracy.flite']).toBeCloseTo(acc([4, 5, 6]), 12);
    expect(r.metrics['accuracy.unknown']).toBeCloseTo(acc([7]), 12); // _silence_ is not in sources.json
    // By acoustic condition: effective-SNR band per set, quiet, background; the unlisted clip is unknown.
    expect(r.metrics['accuracyBySnr.heldOutEngine.lt10']).toBeCloseTo(acc([4]), 12);
    expect(r.metrics['accuracyBySnr.heldOutEngine.ge30']).toBeCloseTo(acc([6]), 12);
    expect(r.metrics['accuracyBySnr.heldOutVoice.20to30']).toBeCloseTo(acc([2]), 12);
    expect(r.metrics['accuracyBySnr.test.lt10']).toBeCloseTo(acc([0, 4]), 12);
    expect(r.metrics['clipsBySnr.test.lt10']).toBe(2);
    expect(r.metrics['accuracyBySnr.test.unknown']).toBeCloseTo(acc([7]), 12);
    expect(r.metrics['accuracyByQuiet.test.quiet']).toBeCloseTo(acc([3, 6]), 12);
    expect(r.metrics['accuracyByBackground.heldOutEngine.pink']).toBeCloseTo(acc([4, 6]), 12);
    expect(r.metrics).not.toHaveProperty('intAccuracyBySnr.test.lt10'); // no quantize stage in needs:

    // The measurement dataset: features from the WAVs with the same front end, words the model
    // does not know scored as _unknown_.
    const { tensor } = await datasetFeatures(measureDir, 'm', FRONT_END, LABELS);
    const mPred = await modelPredictions(tensor.data, tensor.header.shape[0]!);
    const mAcc = mPred.filter((p, i) => p === tensor.header.labelIndex[i]).length / mPred.length;
    expect(r.metrics['accuracy.measure.real']).toBeCloseTo(mAcc, 12);
    expect(r.metrics['clips.measure.real']).toBe(6);

    const ev = await readEvaluation(r.artifacts[0]!);
    expect(ev.sources.byEngine.map((e: { engine: string }) => e.engine)).toEqual(['espeak-ng', 'flite', 'unknown']);
    expect(ev.sources.engines.flite).toEqual(DATA_SOURCES.engines.flite);
    expect(ev.conditions.snrEdgesDb).toEqual([10, 20, 30]);
    expect(
      ev.conditions.sets.map((s: { set: string; clips: number; withConditions: number }) => [
        s.set,
        s.clips,
        s.withConditions,
      ]),
    ).toEqual([
      ['test', 8, 7],
      ['train-voice', 2, 2],
      ['held-out-voice', 2, 2],
      ['held-out-engine', 3, 3],
      ['unknown-source', 1, 0],
    ]);
    expect(
      ev.eventsByEngine.map((e: { engine: string; keywordEvents: number }) => [e.engine, e.keywordEvents]),
    ).toEqual([
      ['espeak-ng', 1],
      ['flite', 1],
    ]);
    // False accepts per negative word at the operating point; the metric is their rate.
    const fa = ev.negativeFalseAccepts.scored;
    expect([fa.negativeEvents, fa.words.map((w: { word: string; events: number }) => [w.word, w.events])]).toEqual([
      1,
      [['bed', 1]],
    ]);
    expect(fa.falseAcceptsOnNegatives).toBe(ev.events.operatingPoint.result.falseAcceptsOnNegatives);
    expect(r.metrics.eventFaPerNegativeWord).toBe(fa.perNegativeWord);
    expect(r.metrics.thresholdReachableOnDevice).toBe(true); // θ ≤ 0.9 < 255/256
    const m = ev.measurements[0];
    expect([m.stage, m.generator, m.clips, m.speakers, m.mapped, m.perLabel]).toEqual([
      'real',
      'import-audio',
      6,
      ['ann', 'bob'],
      { seven: '_unknown_' },
      { _unknown_: 2, up: 2, yes: 2 },
    ]);
    expect(m.engines.people).toEqual({ version: 'test 1', licence: 'CC0', family: 'human', role: 'held-out' });
    expect(m.sources.byHeldOut.map((h: { heldOut: string; clips: number }) => [h.heldOut, h.clips])).toEqual([
      ['held-out-engine', 6],
    ]);
    expect(m.confusion.counts.flat().reduce((a: number, b: number) => a + b, 0)).toBe(6);
    expect(r.summary).toMatch(/held-out engines \d+\.\d% ±\d+\.\d \(3 clips\), real \d+\.\d% ±\d+\.\d \(6 clips\)/);

    // Same inputs and config → the same evaluation bytes, the streams' front end in this thread
    // or in 1 or 3 worker threads (src/eval/stream-feature-pool.ts).
    const before = process.env.TINYOPS_EVAL_WORKERS;
    try {
      for (const workers of ['0', '1', '3']) {
        process.env.TINYOPS_EVAL_WORKERS = workers;
        const again = await run({ measure: ['real'], events: { thresholds: [0.5, 0.9] } }).result;
        expect([workers, again.artifacts[0]!.sha256]).toEqual([workers, r.artifacts[0]!.sha256]);
      }
    } finally {
      if (before === undefined) delete process.env.TINYOPS_EVAL_WORKERS;
      else process.env.TINYOPS_EVAL_WORKERS = before;
    }
  });

  it('sweeps the int8 grid at thresholds the board reaches, unless streamPosteriors: float', async () => {
    const thresholds = [0.5, 0.9, 0.996, 0.998];
    const { result, logs } = run({ measure: ['real'], events: { thresholds } });
    const ev = await readEvaluation((await result).artifacts[0]!);
    // Snapped to the board's round(θ·2¹⁶)/2¹⁶; 0.998 > 255/256 left out, and said so.
    expect(ev.events.perThreshold.map((r: { threshold: number }) => r.threshold)).toEqual([
      0.5,
      58982 / 65536,
      65274 / 65536,
    ]);
    expect(logs.join('\n')).toContain('thresholds 0.998 left out of the sweep');
    expect((await result).metrics.thresholdReachableOnDevice).toBe(true);
    const float = await run({ measure: ['real'], streamPosteriors: 'float', events: { thresholds } }).result;
    const fev = await readEvaluation(float.artifacts[0]!);
    expect(fev.events.perThreshold.map((r: { threshold: number }) => r.threshold)).toEqual(thresholds);
  });

  it('scores the integer model on the test split and the measurement dataset with one host build of its C', async () => {
    const { model: intModel } = randomIntModel('evaluate-stage');
    const intFile = path.join(dir, 'int-model.json');
    fs.writeFileSync(intFile, encodeIntModel(intModel));
    const withInt = {
      ...inputs,
      quantize: { artifacts: [await put('int-model', intFile, INT_MODEL_MEDIA_TYPE)], metrics: {} },
    };
    const build = jest.spyOn(HostIntModel, 'build');
    const dispose = jest.spyOn(HostIntModel.prototype, 'dispose');
    try {
      const r = await run({ measure: ['real'], events: { thresholds: [0.5, 0.9] } }, withInt).result;
      // One gcc build (it used to be one per scored set), removed once both sets are scored.
      expect(build).toHaveBeenCalledTimes(1);
      expect(dispose).toHaveBeenCalledTimes(1);
      // The same accuracies as the interpreted integer reference on each set.
      const testTensor = readFeatureTensor(path.join(dir, 'test.topsfeat'));
      const { tensor } = await datasetFeatures(measureDir, 'm', FRONT_END, LABELS);
      const want = async (t: FeatureTensor) => (await integerAccuracy(intModel, t, undefined, 'typescript')).accuracy;
      expect([r.metrics.intAccuracy, r.metrics['intAccuracy.measure.real']]).toEqual([
        await want(testTensor),
        await want(tensor),
      ]);
      // A build error fails the stage with the build's message, and nothing is left behind.
      build.mockRejectedValueOnce(new HostModelError('host build of the integer model (gcc) failed: test'));
      await expect(run({ measure: ['real'] }, withInt).result).rejects.toThrow('(gcc) failed: test');
      expect(dispose).toHaveBeenCalledTimes(1);
    } finally {
      build.mockRestore();
      dispose.mockRestore();
    }
  });

  it('reads a dataset without sources.json as one unknown source', async () => {
    const old = {
      data: {
        ...inputs.data!,
        artifacts: [await putDir('dataset', path.join(dir, 'dataset-old')), inputs.data!.artifacts[1]!],
      },
      features: inputs.features!,
      train: inputs.train!,
    };
    const { result, logs } = run({}, old);
    const r = await result;
    expect(r.metrics['accuracy.unknown']).toBe(r.metrics.accuracy);
    expect(r.metrics).not.toHaveProperty('heldOutSourceAccuracy');
    expect(Object.keys(r.metrics).filter((k) => k.includes('BySnr'))).toEqual([]);
    expect(logs.join('\n')).toContain('no sources.json');
  });

  it('names a stream at another sample rate than the front end’s', async () => {
    const d = path.join(dir, 'streams-8k');
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 's8.wav'), encodeWav16(new Float32Array(16000), 8000));
    fs.writeFileSync(
      path.join(d, 'index.json'),
      JSON.stringify([{ file: 's8.wav', durationSec: 2, sampleRate: 8000, background: 'white', events: [] }]),
    );
    const bad = {
      ...inputs,
      data: { ...inputs.data!, artifacts: [inputs.data!.artifacts[0]!, await putDir('streams', d)] },
    };
    for (const workers of ['0', '2']) {
      const before = process.env.TINYOPS_EVAL_WORKERS;
      process.env.TINYOPS_EVAL_WORKERS = workers;
      try {
        await expect(run({ measure: ['real'] }, bad).result).rejects.toThrow(
          's8.wav: sample rate 8000 Hz, the front end expects 16000 Hz',
        );
      } finally {
        if (before === undefined) delete process.env.TINYOPS_EVAL_WORKERS;
        else process.env.TINYOPS_EVAL_WORKERS = before;
      }
    }
  });

  it('never takes a measurement stage for the data stage, and names a bad measure entry', async () => {
    // Without `measure:`, two stages make `dataset`: an error, not a silent pick.
    await expect(run({}).result).rejects.toThrow(
      'stages.evaluate.needs: 2 stages make a "dataset" artifact (data, real)',
    );
    await expect(run({ measure: ['nope'] }).result).rejects.toThrow(
      'stages.evaluate.with.measure[0]: "nope" is not in needs: (data, features, train, real); add it there',
    );
    await expect(run({ measure: ['features'] }).result).rejects.toThrow(
      /with\.measure\[0\]: stage "features" makes no `dataset` artifact/,
    );
  });
});

import {
  evaluateStreams,
  matchAtThreshold,
  prepareEventEvaluation,
  type EventEvaluation,
  type GroundTruthEvent,
  type StreamPosteriors,
} from '../../../src/eval';
import type { ReportModel } from '../../../src/report/report-model';
import { Prng } from '../../../src/util/prng';

/**
 * A hand-made, complete ReportModel (every section has inputs), shared by the unit tests
 * and the Chromium test. The event part is not hand-typed: it is a real src/eval run on
 * synthetic posteriors, so the report is tested against what the evaluate stage will write.
 */

export const LABELS = ['_silence_', '_unknown_', 'yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go'];
const KEYWORDS = LABELS.slice(2);
const STRIDE_MS = 20;

/** One stream: keywords (usually a clear bump, sometimes weak or on the wrong class), negatives, background blips. */
function syntheticStream(rng: Prng, id: string, durationSec: number): StreamPosteriors {
  const frames = Math.round((durationSec * 1000) / STRIDE_MS);
  const n = LABELS.length;
  const post = new Float32Array(frames * n);
  for (let f = 0; f < frames; f++) post[f * n] = 1; // silence
  const bump = (cls: number, fromSec: number, toSec: number, peak: number) => {
    const a = Math.max(0, Math.round((fromSec * 1000) / STRIDE_MS));
    const b = Math.min(frames, Math.round((toSec * 1000) / STRIDE_MS));
    for (let f = a; f < b; f++) {
      const p = peak * Math.sin((Math.PI * (f - a + 0.5)) / (b - a));
      post[f * n + cls] = p;
      post[f * n] = 1 - p;
    }
  };
  const events: GroundTruthEvent[] = [];
  for (let t = 1.5; t + 2 < durationSec; t += rng.uniform(2.5, 4)) {
    const wordLen = rng.uniform(0.4, 0.7);
    if (rng.next() < 0.7) {
      const label = rng.pick(KEYWORDS);
      events.push({ label, onsetSec: t, offsetSec: t + wordLen, kind: 'keyword' });
      const wrong = rng.next() < 0.04;
      const cls = wrong ? LABELS.indexOf(rng.pick(KEYWORDS.filter((k) => k !== label))) : LABELS.indexOf(label);
      // The posterior rises around the end of the word; 10% of words are heard weakly.
      const start = t + wordLen + rng.uniform(-0.25, 0.15);
      bump(cls, start, start + rng.uniform(0.3, 0.6), rng.next() < 0.9 ? rng.uniform(0.75, 1) : rng.uniform(0.3, 0.75));
    } else {
      events.push({
        label: rng.pick(['bed', 'cat', 'dog', 'house']),
        onsetSec: t,
        offsetSec: t + wordLen,
        kind: 'negative',
      });
      if (rng.next() < 0.5) bump(LABELS.indexOf(rng.pick(KEYWORDS)), t + 0.2, t + 0.6, rng.uniform(0.1, 0.6));
    }
  }
  // Background blips between words.
  for (let k = 0; k < 3; k++) {
    const at = rng.uniform(0.5, durationSec - 1);
    if (!events.some((e) => at > e.onsetSec - 1.2 && at < e.offsetSec + 1.2))
      bump(LABELS.indexOf(rng.pick(KEYWORDS)), at, at + 0.3, rng.uniform(0.05, 0.45));
  }
  return { id, durationSec, posteriors: post, events };
}

export interface EventFixture {
  readonly events: EventEvaluation;
  /** Latency of every hit at the operating point (what `evaluation.latenciesMs` carries). */
  readonly latenciesMs: number[];
}

let cached: EventFixture | undefined;

/** Computed once per test file (a sweep over 12 one-minute streams takes ~0.3 s); read-only. */
export function eventFixture(): EventFixture {
  cached ??= computeEventFixture();
  return cached;
}

function computeEventFixture(): EventFixture {
  const streams = Array.from({ length: 12 }, (_, i) =>
    syntheticStream(Prng.derive(7, 'report-stream', i), `stream-${String(i).padStart(3, '0')}.wav`, 60),
  );
  const options = { smoothingFrames: 3, targetFaPerHour: 2 };
  const events = evaluateStreams(streams, LABELS, options);
  const prepared = prepareEventEvaluation(streams, LABELS, options);
  const latenciesMs = matchAtThreshold(prepared, events.operatingPoint.threshold).flatMap((m) =>
    m.keyword.flatMap((o) => (o.type === 'hit' ? [o.latencyMs] : [])),
  );
  return { events, latenciesMs };
}

/** A plausible 12-class clip confusion matrix: mostly diagonal, some `_unknown_` confusions. */
function clipConfusion(): number[][] {
  const rng = Prng.derive(7, 'report-confusion');
  return LABELS.map((_, t) =>
    LABELS.map((__, p) => {
      if (t === p) return 20 + rng.int(0, 10);
      return rng.next() < (p === 1 || t === 1 ? 0.5 : 0.12) ? rng.int(1, 4) : 0;
    }),
  );
}

function history(): ReportModel['history'] {
  const epochs = Array.from({ length: 30 }, (_, i) => {
    const e = i + 1;
    return {
      epoch: e,
      loss: 2.4 * Math.exp(-e / 6) + 0.12,
      accuracy: 0.97 - 0.85 * Math.exp(-e / 5),
      valLoss: 2.3 * Math.exp(-e / 6) + 0.2 + 0.004 * Math.max(0, e - 22),
      valAccuracy: 0.93 - 0.8 * Math.exp(-e / 5) - 0.001 * Math.max(0, e - 22),
    };
  });
  return { epochs, bestEpoch: 22, params: 23_756, macs: 2_660_000 };
}

const sha = (c: string) => c.repeat(64);

/** Every section has inputs. Labels can be replaced to test escaping. */
export function fullModel(): ReportModel {
  const { events, latenciesMs } = eventFixture();
  const counts = (per: number) => Object.fromEntries(LABELS.map((l, i) => [l, per + (i % 3)]));
  return {
    run: { title: 'kws report', pipelineName: 'kws', stageName: 'report', runId: 'run-20250101-abc123' },
    upstream: [
      {
        stage: 'data',
        metrics: { clips: 3600, keywords: 10, streams: 12, streamMinutes: 12 },
        artifacts: [
          { name: 'dataset', sha256: sha('a'), bytes: 115_343_360, mediaType: 'application/x-tar' },
          { name: 'streams', sha256: sha('b'), bytes: 23_040_512, mediaType: 'application/x-tar' },
        ],
      },
      {
        stage: 'features',
        metrics: { frames: 49, coefficients: 10, clips: 3600, fixedVsFloatMaxAbsErr: 0.031 },
        artifacts: [
          { name: 'train', sha256: sha('c'), bytes: 5_644_864, mediaType: 'application/x-tinyops-features' },
          { name: 'validation', sha256: sha('d'), bytes: 705_664, mediaType: 'application/x-tinyops-features' },
          { name: 'test', sha256: sha('e'), bytes: 705_664, mediaType: 'application/x-tinyops-features' },
        ],
      },
      {
        stage: 'train',
        metrics: { epochs: 30, bestValAccuracy: 0.912 },
        artifacts: [{ name: 'history', sha256: sha('f'), bytes: 4_096, mediaType: 'application/json' }],
      },
      {
        stage: 'evaluate',
        metrics: { accuracy: 0.9, frr: events.operatingPoint.result.frr },
        artifacts: [{ name: 'evaluation', sha256: sha('1'), bytes: 64_000, mediaType: 'application/json' }],
      },
      {
        stage: 'deploy',
        metrics: { bitExact: true },
        artifacts: [{ name: 'board', sha256: sha('2'), bytes: 512, mediaType: 'application/json' }],
      },
    ],
    dataset: {
      labels: LABELS,
      counts: { train: counts(240), validation: counts(30), test: counts(30) },
      generator: 'synth-kws',
      sampleRate: 16000,
      clipMs: 1000,
      voices: ['en-us', 'en-gb+m2', 'en-us+f3'],
      testVoices: ['en-029+m2'],
      tools: { 'espeak-ng': '1.51' },
    },
    features: (['train', 'validation', 'test'] as const).map((artifact, i) => ({
      artifact,
      shape: [[2880, 360, 360][i]!, 49, 10],
      labels: LABELS,
      perLabel: counts([240, 30, 30][i]!),
      frontEnd: {
        type: 'mfcc',
        sampleRate: 16000,
        windowMs: 40,
        strideMs: 20,
        coefficients: 10,
        implementation: 'fixed',
        fftSize: 1024,
      },
    })),
    history: history(),
    evaluation: {
      accuracy: 0.9,
      testClips: 372,
      confusion: { labels: LABELS, counts: clipConfusion() },
      events,
      latenciesMs,
    },
    board: {
      board: 'stm32f746zg',
      flashBytes: 187_392,
      sramBytes: 61_440,
      arenaBytes: 48_128,
      estimatedLatencyMs: 18.4,
      cpuMHz: 216,
      bitExact: true,
      // Cycle counts vary with cache/flash wait states: a narrow bell around 18.4 ms.
      latencySamplesMs: Array.from({ length: 60 }, (_, i) =>
        Number((18.4 + 0.25 * Prng.derive(7, 'board', i).normal()).toFixed(2)),
      ),
    },
    sources: {
      dataset: 'data',
      train: 'features',
      validation: 'features',
      test: 'features',
      history: 'train',
      evaluation: 'evaluate',
      board: 'deploy',
    },
    notes: [],
    options: { thresholdTable: true },
  };
}

/** Only run metadata and upstream stages: no artifact the report knows. */
export function emptyModel(): ReportModel {
  return {
    run: { title: 'empty', pipelineName: 'p', stageName: 'report', runId: 'r1' },
    upstream: [],
    features: [],
    sources: {},
    notes: [],
    options: { thresholdTable: true },
  };
}

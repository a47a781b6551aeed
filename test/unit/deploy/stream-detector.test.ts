import { rmSync } from 'node:fs';
import { mfccConfigSchema, mfccParams } from '../../../src/dsp/mfcc-config';
import { detectKeywords, smoothPosteriors } from '../../../src/eval';
import {
  classThresholdsC,
  detectOnInt8Posteriors,
  keywordMaskC,
  streamCheckConfigSchema,
  streamDetectorConfig,
  type StreamDetectorConfig,
} from '../../../src/deploy/stream-detector';
import {
  firstEventDifference,
  frameTimeSec,
  parseDeviceEvents,
  streamConfigHeader,
} from '../../../src/deploy/stream-check';
import { isTinyopsError } from '../../../src/errors';
import { Prng } from '../../../src/util/prng';
import { runStreamTestHost, writeStreamTest } from '../../helpers/stream-firmware';

// The device detector (firmware/stream/tops_stream.c) and its host twin
// (src/deploy/stream-detector.ts): the evaluate stage's smoothing / threshold / arming /
// refractory rule on the int8 softmax output in integers, equal event for event.

const kws = mfccParams(mfccConfigSchema.parse({}));
const labels = ['_silence_', '_unknown_', 'yes', 'no'];

/** Rows of (code per class), code = posterior · 256 in 0…255, as int8 (code − 128). */
function int8Rows(rows: number[][]): Int8Array {
  return Int8Array.from(rows.flat(), (c) => c - 128);
}

/** A softmax-like code sequence: background mass on _silence_, keyword bumps rising and falling. */
function randomPosteriors(seed: string, count: number, classes: number): Int8Array {
  const rng = Prng.derive('stream-detector-test', seed);
  const out = new Int8Array(count * classes);
  let bump = -1;
  let left = 0;
  for (let t = 0; t < count; t++) {
    if (left === 0 && rng.next() < 0.08) {
      bump = rng.int(1, classes - 1);
      left = rng.int(2, 30);
    }
    const codes = Array.from({ length: classes }, () => rng.int(0, 20));
    if (left > 0) {
      codes[bump] = rng.int(60, 255);
      if (rng.next() < 0.3) codes[rng.int(1, classes - 1)] = rng.int(60, 255); // a rival keyword
      left--;
    } else {
      codes[0] = rng.int(150, 255);
    }
    codes.forEach((c, i) => {
      out[t * classes + i] = c - 128;
    });
  }
  return out;
}

describe('integer stream detector (host twin)', () => {
  const config: StreamDetectorConfig = {
    numClasses: 3,
    keywordClasses: [1, 2],
    smoothing: 2,
    thresholdQ16: 32768,
    classThresholdsQ16: [32768, 32768, 32768],
    refractory: 3,
  };

  it('fires on a hand-made sequence where hand-computed (equality at θ counts, ties → lowest class)', () => {
    // Codes of [_silence_, yes, no]; smoothed = sum of the last ≤ 2 codes / (256 n), θ = 0.5.
    const rows = [
      [5, 10, 10],
      [5, 250, 0], // t1: yes (250 + 10) / 512 ≥ 0.5 → fires
      [5, 250, 0],
      [5, 0, 250], // refractory (t2, t3): yes stays disarmed while above
      [5, 0, 250], // t4: no (500 / 512) fires, 3 posteriors after yes
      [5, 0, 250],
      [5, 0, 250],
      [5, 0, 250], // no stays above: disarmed, nothing
      [5, 128, 128],
      [5, 0, 0], // t9: no drops below → re-armed
      [5, 0, 255], // t10: 255 / 512 < 0.5: nothing
      [5, 0, 1], // t11: (255 + 1) / 512 = 0.5 exactly → fires
      [5, 0, 0],
      [5, 0, 0],
      [5, 200, 200], // t14: (0 + 200) / 512 < 0.5: below
      [5, 200, 200], // t15: both 400 / 512, a tie → the lower class (yes) fires
    ];
    expect(detectOnInt8Posteriors(int8Rows(rows), config)).toEqual([
      { frame: 1, classIndex: 1 },
      { frame: 4, classIndex: 2 },
      { frame: 11, classIndex: 2 },
      { frame: 15, classIndex: 1 },
    ]);
  });

  it('fires each class against its own threshold (hand-made, equality counts, arg-max over the means)', () => {
    // [_silence_, yes, no] with θ_yes = 0.9 (Q16 58982), θ_no = 0.25 (16384); W = 1, no refractory.
    const perClass: StreamDetectorConfig = {
      ...config,
      smoothing: 1,
      refractory: 0,
      classThresholdsQ16: [0, 58982, 16384],
    };
    const rows = [
      [5, 200, 10], // yes 0.78 < 0.9: nothing
      [5, 10, 64], // no 0.25 = θ_no: fires
      [5, 231, 70], // yes 0.902 ≥ 0.9 fires (arg-max; no stays above θ_no and disarmed)
      [5, 100, 90], // yes is the arg-max but below its θ; no (above, disarmed) does not fire
      [5, 0, 0],
      [5, 100, 90], // no re-armed: still not the arg-max, nothing
      [5, 10, 90], // no is the arg-max and armed: fires
    ];
    expect(detectOnInt8Posteriors(int8Rows(rows), perClass)).toEqual([
      { frame: 1, classIndex: 2 },
      { frame: 2, classIndex: 1 },
      { frame: 6, classIndex: 2 },
    ]);
  });

  it('is the evaluate detector itself on the smoothed posteriors (away from threshold ties)', () => {
    const nc = 4;
    const cfg: StreamDetectorConfig = {
      numClasses: nc,
      keywordClasses: [2, 3],
      smoothing: 5,
      thresholdQ16: Math.round(0.613 * 65536),
      classThresholdsQ16: Array<number>(nc).fill(Math.round(0.613 * 65536)),
      refractory: 25,
    };
    const codes = randomPosteriors('float', 3000, nc);
    const probs = Float64Array.from(codes, (q) => (q + 128) / 256);
    const float = detectKeywords(smoothPosteriors(probs, nc, 5), {
      numClasses: nc,
      keywordClasses: [2, 3],
      threshold: 0.613,
      refractoryFrames: 25,
    });
    expect(float.length).toBeGreaterThan(20);
    expect(detectOnInt8Posteriors(codes, cfg)).toEqual(float);
  });

  it('derives W, θ₁₆ and the refractory count from the deploy options and the inference stride', () => {
    const base = streamCheckConfigSchema.parse({});
    expect(base).toEqual({
      count: 1,
      every: 1,
      threshold: 0.5,
      thresholds: {},
      smoothingFrames: 5,
      refractoryMs: 500,
      nonKeywordLabels: ['_silence_', '_unknown_'],
    });
    expect(streamDetectorConfig(base, labels, 20, 'x')).toEqual({
      numClasses: 4,
      keywordClasses: [2, 3],
      smoothing: 5,
      thresholdQ16: 32768,
      classThresholdsQ16: [32768, 32768, 32768, 32768],
      refractory: 25,
    });
    const every3 = streamCheckConfigSchema.parse({ every: 3, threshold: 0.8 });
    expect(streamDetectorConfig(every3, labels, 20, 'x')).toEqual({
      numClasses: 4,
      keywordClasses: [2, 3],
      smoothing: 2,
      thresholdQ16: 52429,
      classThresholdsQ16: [52429, 52429, 52429, 52429],
      refractory: 9,
    });
    // Per-keyword thresholds: a table entry per class, the default θ where none is given.
    const perClass = streamCheckConfigSchema.parse({ threshold: 0.8, thresholds: { no: 0.975 } });
    expect(streamDetectorConfig(perClass, labels, 20, 'x').classThresholdsQ16).toEqual([52429, 52429, 52429, 63898]);
    expect(classThresholdsC(streamDetectorConfig(perClass, labels, 20, 'x'))).toBe('{52429, 52429, 52429, 63898}');
    let notKeyword: unknown;
    try {
      streamDetectorConfig(
        streamCheckConfigSchema.parse({ thresholds: { _unknown_: 0.9 } }),
        labels,
        20,
        'stages.deploy.with.stream',
      );
    } catch (e) {
      notKeyword = e;
    }
    expect(isTinyopsError(notKeyword)).toBe(true);
    expect((notKeyword as Error).message).toMatch(
      /^stages\.deploy\.with\.stream\.thresholds\._unknown_: "_unknown_" is not a keyword/,
    );
    expect(keywordMaskC(streamDetectorConfig(base, labels, 20, 'x'))).toBe('{0, 0, 1, 1}');
    const none = streamCheckConfigSchema.parse({ nonKeywordLabels: labels });
    let err: unknown;
    try {
      streamDetectorConfig(none, labels, 20, 'stages.deploy.with.stream');
    } catch (e) {
      err = e;
    }
    expect(isTinyopsError(err)).toBe(true);
    expect((err as Error).message).toMatch(/^stages\.deploy\.with\.stream\.nonKeywordLabels: every label/);
    expect(streamCheckConfigSchema.safeParse({ every: 0 }).success).toBe(false);
    expect(streamCheckConfigSchema.safeParse({ threshold: 1.5 }).success).toBe(false);
    expect(streamCheckConfigSchema.safeParse({ countt: 1 }).success).toBe(false);
  });

  it('names the first differing event with keyword and time', () => {
    const host = [
      { frame: 100, classIndex: 2 },
      { frame: 300, classIndex: 3 },
    ];
    expect(firstEventDifference(host, host, labels, kws)).toBeUndefined();
    expect(frameTimeSec(kws, 100)).toBeCloseTo(2.04, 9); // (100 · 320 + 640) / 16000
    expect(firstEventDifference(host, [host[0]!, { frame: 301, classIndex: 3 }], labels, kws)).toBe(
      'event 1: host "no" at 6.040 s (frame 300), device "no" at 6.060 s (frame 301)',
    );
    expect(firstEventDifference(host, [host[0]!], labels, kws)).toBe(
      'event 1: host "no" at 6.040 s (frame 300), device nothing',
    );
    expect(parseDeviceEvents('event 12 2\nevent 40 3\nhops 3 frames 2 inferences 1\nok\n')).toEqual([
      { frame: 12, classIndex: 2 },
      { frame: 40, classIndex: 3 },
    ]);
    expect(
      streamConfigHeader(kws, streamDetectorConfig(streamCheckConfigSchema.parse({}), labels, 20, 'x'), 1),
    ).toContain('#define TOPS_STREAM_KEYWORD_MASK {0, 0, 1, 1}');
    expect(
      streamConfigHeader(kws, streamDetectorConfig(streamCheckConfigSchema.parse({}), labels, 20, 'x'), 1),
    ).toContain('#define TOPS_STREAM_CLASS_THRESHOLDS_Q16 {32768, 32768, 32768, 32768}');
  });
});

describe('tops_kws_detector in C (host gcc) = the TypeScript twin', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  function inC(config: StreamDetectorConfig, posteriors: Int8Array): Array<{ frame: number; classIndex: number }> {
    const dir = writeStreamTest({ params: kws, detector: { config, posteriors } });
    dirs.push(dir);
    const r = runStreamTestHost(dir);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`TOPS_STREAM_DETECTOR posteriors=${posteriors.length / config.numClasses}`);
    return [...r.events];
  }

  it('on the hand-made sequence', () => {
    const config: StreamDetectorConfig = {
      numClasses: 3,
      keywordClasses: [1, 2],
      smoothing: 2,
      thresholdQ16: 32768,
      classThresholdsQ16: [32768, 32768, 32768],
      refractory: 3,
    };
    const rows = int8Rows([
      [5, 10, 10],
      [5, 250, 0],
      [5, 250, 0],
      [5, 0, 250],
      [5, 0, 250],
      [5, 0, 250],
      [5, 0, 250],
      [5, 0, 250],
      [5, 128, 128],
      [5, 0, 0],
      [5, 0, 255],
      [5, 0, 1],
      [5, 0, 0],
      [5, 0, 0],
      [5, 200, 200],
      [5, 200, 200],
    ]);
    expect(inC(config, rows)).toEqual([
      { frame: 1, classIndex: 1 },
      { frame: 4, classIndex: 2 },
      { frame: 11, classIndex: 2 },
      { frame: 15, classIndex: 1 },
    ]);
  });

  it.each([
    ['every hop, W 5, θ 0.5, 25 posteriors refractory', 1, 5, 0.5, 25],
    ['W 1 (no smoothing), θ 0.9, no refractory', 1, 1, 0.9, 0],
    ['every 4 hops: W 2, θ 0.3, refractory 7', 4, 2, 0.3, 7],
    ['W 250 (the schema maximum)', 1, 250, 0.2, 3],
  ])('on 4000 random posteriors: %s', (_name, _every, smoothing, threshold, refractory) => {
    const config: StreamDetectorConfig = {
      numClasses: 4,
      keywordClasses: [2, 3],
      smoothing,
      thresholdQ16: Math.round(threshold * 65536),
      classThresholdsQ16: Array<number>(4).fill(Math.round(threshold * 65536)),
      refractory,
    };
    const posteriors = randomPosteriors(`c-${smoothing}-${threshold}`, 4000, 4);
    const host = detectOnInt8Posteriors(posteriors, config);
    expect(host.length).toBeGreaterThan(0);
    expect(inC(config, posteriors)).toEqual(host);
  });

  it.each([
    ['W 3, refractory 5 (the default detector at every 5 hops)', 3, 5],
    ['W 1, no refractory', 1, 0],
  ])('with per-class thresholds on 4000 random posteriors: %s', (_name, smoothing, refractory) => {
    // Five keywords at thresholds from 0.3 to 255/256 (the board's largest posterior), classes 0–1 silent.
    const classThresholdsQ16 = [0, 0, 19661, 39322, 58982, 64225, 65280];
    const config: StreamDetectorConfig = {
      numClasses: 7,
      keywordClasses: [2, 3, 4, 5, 6],
      smoothing,
      thresholdQ16: 32768,
      classThresholdsQ16,
      refractory,
    };
    const posteriors = randomPosteriors(`per-class-${smoothing}`, 4000, 7);
    const host = detectOnInt8Posteriors(posteriors, config);
    // Several classes fire, so the per-class table is exercised, not one threshold.
    expect(new Set(host.map((d) => d.classIndex)).size).toBeGreaterThanOrEqual(3);
    expect(inC(config, posteriors)).toEqual(host);
    // A single θ (the table's mean) gives other detections: the table is what decides.
    const single = { ...config, classThresholdsQ16: Array<number>(7).fill(37547) };
    expect(detectOnInt8Posteriors(posteriors, single)).not.toEqual(host);
  });
});

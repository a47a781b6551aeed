import { computeMfcc, prepareMfcc } from '../../src/dsp/mfcc';
import { mfccConfigSchema, mfccParams } from '../../src/dsp/mfcc-config';
import { MfccQ15, mfccQ15ToFloat } from '../../src/dsp/mfcc-q15';
import { runPythonRef } from '../helpers/python-ref';
import { speechLike, whiteNoise, withSilence } from '../unit/dsp/signals';

/**
 * MFCC front-end benchmark (on demand: `node dist/test/bench/mfcc.bench.js`). Prints one
 * JSON object: throughput of the float and fixed-point front ends (1 s clips per second
 * and × real time), their ratio, librosa's throughput on the same clip and parameters with
 * the ratios against it, and max abs error of float vs librosa and fixed vs float on the
 * same signals. Ratios, not wall times, are what to compare across machines.
 */

const LIBROSA = `
import time
import librosa
p = params
pad = (p['fftSize'] - p['windowSamples']) // 2
def mfcc(y):
    yp = np.pad(y, (pad, p['fftSize'] - p['windowSamples'] - pad))
    S = librosa.feature.melspectrogram(y=yp, sr=p['sampleRate'], n_fft=p['fftSize'], hop_length=p['strideSamples'],
        win_length=p['windowSamples'], window='hann', center=False, power=2.0, n_mels=p['melBands'],
        fmin=p['lowHz'], fmax=p['highHz'], htk=True, norm=None, dtype=np.float64)
    return librosa.feature.mfcc(S=librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db=None),
        n_mfcc=p['coefficients'], dct_type=2, norm='ortho').T
for name, y in inputs.items():
    outputs[name] = mfcc(y)
# Throughput on the first signal, timed like clipsPerSecond below (warm-up, then >= 1 s).
y0 = inputs['s0']
mfcc(y0)
t0 = time.perf_counter()
n = 0
while time.perf_counter() - t0 < 1.0:
    mfcc(y0)
    n += 1
result = {'clipsPerSecond': n / (time.perf_counter() - t0)}
`;

function clipsPerSecond(run: () => void, minMs = 1000): number {
  run(); // warm up the JIT
  const t0 = process.hrtime.bigint();
  let n = 0;
  while (Number(process.hrtime.bigint() - t0) / 1e6 < minMs) {
    run();
    n++;
  }
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!));
  return e;
}

export async function runMfccBench(): Promise<Record<string, unknown>> {
  const params = mfccParams(mfccConfigSchema.parse({}));
  const plan = prepareMfcc(params);
  const fixed = new MfccQ15(params);
  const signals = [speechLike('bench-1'), speechLike('bench-2'), whiteNoise('bench', 0.05), withSilence('bench')];

  const floatRate = clipsPerSecond(() => computeMfcc(plan, signals[0]!.float));
  const fixedRate = clipsPerSecond(() => fixed.compute(signals[0]!.pcm));

  const ref = await runPythonRef(
    LIBROSA,
    Object.fromEntries(signals.map((s, i) => [`s${i}`, { shape: [s.float.length], data: s.float }])),
    params,
  );
  let floatVsLibrosa = 0;
  let fixedVsFloat = 0;
  signals.forEach((s, i) => {
    const f = computeMfcc(plan, s.float);
    floatVsLibrosa = Math.max(floatVsLibrosa, maxAbsDiff(f, ref.outputs[`s${i}`]!.data));
    fixedVsFloat = Math.max(fixedVsFloat, maxAbsDiff(f, mfccQ15ToFloat(fixed.compute(s.pcm))));
  });

  const librosaRate = (ref.result as { clipsPerSecond: number }).clipsPerSecond;
  const clipSeconds = params.clipSamples / params.sampleRate;
  return {
    bench: 'mfcc',
    config: {
      frames: params.frames,
      coefficients: params.coefficients,
      fftSize: params.fftSize,
      melBands: params.melBands,
    },
    floatClipsPerSecond: Number(floatRate.toFixed(1)),
    fixedClipsPerSecond: Number(fixedRate.toFixed(1)),
    floatTimesRealtime: Number((floatRate * clipSeconds).toFixed(1)),
    fixedTimesRealtime: Number((fixedRate * clipSeconds).toFixed(1)),
    fixedOverFloatTimeRatio: Number((floatRate / fixedRate).toFixed(3)),
    // librosa (numpy/scipy) on the same clip, same parameters: throughput ratios > 1 = tinyops faster.
    librosaClipsPerSecond: Number(librosaRate.toFixed(1)),
    floatOverLibrosaThroughput: Number((floatRate / librosaRate).toFixed(3)),
    fixedOverLibrosaThroughput: Number((fixedRate / librosaRate).toFixed(3)),
    floatVsLibrosaMaxAbsErr: floatVsLibrosa,
    fixedVsFloatMaxAbsErr: fixedVsFloat,
  };
}

if (require.main === module) {
  runMfccBench().then(
    (r) => console.log(JSON.stringify(r)),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}

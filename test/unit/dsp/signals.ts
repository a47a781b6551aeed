import { floatToInt16 } from '../../../src/audio/wav';
import { Prng } from '../../../src/util/prng';

/**
 * Deterministic test signals for the front-end tests (not a test file). Everything is
 * quantized to int16 first, the way clips arrive from PCM16 WAVs, so the float and the
 * fixed-point front end see the same input.
 */

export interface TestSignal {
  readonly name: string;
  readonly pcm: Int16Array;
  /** pcm / 32768 */
  readonly float: Float64Array;
}

function quantize(name: string, x: Float64Array): TestSignal {
  const pcm = Int16Array.from(x, floatToInt16);
  return { name, pcm, float: Float64Array.from(pcm, (v) => v / 32768) };
}

/**
 * Speech-like: voiced syllables (harmonics of a gliding f0 shaped by three formants,
 * syllable envelopes), one fricative burst, and a low background noise floor — the spectral
 * shape and dynamic range of a keyword clip.
 */
export function speechLike(seed: string, n = 16000, sr = 16000): TestSignal {
  const rng = Prng.derive('speech-like', seed);
  const x = new Float64Array(n);
  const syllables = 2 + rng.int(0, 2);
  for (let s = 0; s < syllables; s++) {
    const start = Math.floor((n * (0.1 + 0.8 * s)) / syllables);
    const len = Math.floor((n * 0.6) / syllables);
    const f0a = rng.uniform(90, 240);
    const f0b = f0a * rng.uniform(0.8, 1.25);
    const formants = [rng.uniform(300, 900), rng.uniform(900, 2300), rng.uniform(2300, 3500)];
    let phase = 0;
    for (let i = 0; i < len && start + i < n; i++) {
      const u = i / len;
      const f0 = f0a + (f0b - f0a) * u;
      phase += (2 * Math.PI * f0) / sr;
      let v = 0;
      for (let h = 1; h * f0 < sr / 2; h++) {
        const f = h * f0;
        let g = 0;
        for (const [k, fm] of formants.entries()) g += Math.exp(-(((f - fm) / (80 + 60 * k)) ** 2)) / (1 + k);
        v += (g + 0.01) * Math.sin(h * phase);
      }
      x[start + i]! += v * Math.sin(Math.PI * u) ** 2;
    }
  }
  const fric = Math.floor(n * rng.uniform(0.3, 0.7));
  for (let i = 0; i < n / 10 && fric + i < n; i++) {
    x[fric + i]! += 0.3 * rng.normal() * Math.sin((Math.PI * i) / (n / 10));
  }
  let peak = 0;
  for (const v of x) peak = Math.max(peak, Math.abs(v));
  for (let i = 0; i < n; i++) x[i] = (0.5 * x[i]!) / peak + 0.002 * rng.normal();
  return quantize(`speech-like ${seed}`, x);
}

export function whiteNoise(seed: string, rms: number, n = 16000): TestSignal {
  const rng = Prng.derive('white-noise', seed);
  return quantize(
    `white noise rms ${rms}`,
    Float64Array.from({ length: n }, () => rms * rng.normal()),
  );
}

/** Noise, then digital silence, then a quiet tail: exercises the log floor and normalization. */
export function withSilence(seed: string, n = 16000): TestSignal {
  const rng = Prng.derive('with-silence', seed);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (i < n / 3) x[i] = 0.1 * rng.normal();
    else if (i >= (2 * n) / 3) x[i] = 0.0003 * rng.normal();
  }
  return quantize('noise / silence / quiet', x);
}

export function tone(hz: number, amplitude: number, n = 16000, sr = 16000): TestSignal {
  return quantize(
    `tone ${hz} Hz × ${amplitude}`,
    Float64Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / sr)),
  );
}

export function constant(value: number, n = 16000): TestSignal {
  return quantize(`constant ${value}`, new Float64Array(n).fill(value));
}

import { fftConvolve } from '../../../../src/audio/augment/fft-convolve';
import {
  distance,
  drawShoeboxRoom,
  imageSourceRir,
  SPEED_OF_SOUND,
  wallAbsorption,
  type ShoeboxRoom,
} from '../../../../src/audio/augment/room-ir';
import { RealFft } from '../../../../src/dsp/fft';
import { Prng } from '../../../../src/util/prng';

const SR = 16000;
const ROOM: ShoeboxRoom = { dims: [6, 5, 3], source: [2, 2, 1.5], mic: [4.5, 3.2, 1.2], rt60: 0.4 };

/**
 * RT60 from a Schroeder backward-integrated energy decay curve (ISO 3382 T20): the line
 * fitted between −5 and −25 dB, extrapolated to −60 dB.
 */
function schroederRt60(h: Float32Array): number {
  const edc = new Float64Array(h.length);
  let acc = 0;
  for (let i = h.length - 1; i >= 0; i--) {
    acc += h[i]! * h[i]!;
    edc[i] = acc;
  }
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < h.length; i++) {
    const db = 10 * Math.log10(edc[i]! / edc[0]!);
    if (db <= -5 && db >= -25) {
      xs.push(i / SR);
      ys.push(db);
    }
  }
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * (ys[i]! - my);
    den += (x - mx) ** 2;
  });
  return -60 / (num / den);
}

function energy(h: Float32Array, from: number, to: number): number {
  let s = 0;
  for (let i = Math.max(0, from); i < Math.min(h.length, to); i++) s += h[i]! * h[i]!;
  return s;
}

describe('wallAbsorption', () => {
  it('inverts Sabine and Eyring', () => {
    const dims = [6, 5, 3] as const;
    const V = 90;
    const S = 2 * (30 + 18 + 15);
    const k = (24 * Math.LN10) / SPEED_OF_SOUND;
    const a = wallAbsorption(dims, 0.5, 'sabine');
    expect((k * V) / (S * a)).toBeCloseTo(0.5, 10);
    const e = wallAbsorption(dims, 0.5, 'eyring');
    expect((k * V) / (-S * Math.log(1 - e))).toBeCloseTo(0.5, 10);
    expect(e).toBeLessThan(a); // Eyring needs less absorption for the same RT60
    expect(() => wallAbsorption(dims, 0.05, 'sabine')).toThrow(/Sabine's minimum/);
  });
});

describe('imageSourceRir', () => {
  it('puts the direct path at distance / c with gain referenceM / distance', () => {
    const h = imageSourceRir(ROOM, SR, { highPassHz: 0, lengthSec: 0.1 });
    const d = distance(ROOM.source, ROOM.mic);
    const expected = (d / SPEED_OF_SOUND) * SR;
    let first = 0;
    while (Math.abs(h[first]!) < 0.5 * (1 / d)) first++;
    // The first tap above half the direct gain is the peak of the direct pulse's sinc.
    let peakAt = first;
    for (let i = first; i < first + 4; i++) if (h[i]! > h[peakAt]!) peakAt = i;
    expect(Math.abs(peakAt - expected)).toBeLessThanOrEqual(0.5 + 1e-9);
    expect(h[peakAt]!).toBeGreaterThan(0.8 / d);
    expect(h[peakAt]!).toBeLessThan(1.2 / d);
    // Nothing arrives before the direct sound (beyond the fractional-delay filter's ripple).
    expect(energy(h, 0, Math.floor(expected) - 8)).toBe(0);
  });

  it('a larger RT60 gives a longer measured decay, close to the nominal value', () => {
    const measured = [0.25, 0.6].map((rt60) =>
      schroederRt60(imageSourceRir({ ...ROOM, rt60 }, SR, { lengthSec: 1.2 * rt60 + 0.1 })),
    );
    expect(measured[1]!).toBeGreaterThan(1.8 * measured[0]!);
    expect(measured[0]!).toBeGreaterThan(0.25 * 0.7);
    expect(measured[0]!).toBeLessThan(0.25 * 1.3);
    expect(measured[1]!).toBeGreaterThan(0.6 * 0.7);
    expect(measured[1]!).toBeLessThan(0.6 * 1.3);
  });

  it('the direct-to-reverberant ratio falls with distance', () => {
    const drr = (mic: ShoeboxRoom['mic']): number => {
      const room = { ...ROOM, mic, rt60: 0.5 };
      const h = imageSourceRir(room, SR);
      const t = Math.round((distance(room.source, mic) / SPEED_OF_SOUND) * SR);
      const w = Math.round(0.0025 * SR); // ±2.5 ms around the direct sound
      return 10 * Math.log10(energy(h, t - w, t + w) / energy(h, t + w, h.length));
    };
    const near = drr([2.4, 2, 1.5]);
    const far = drr([5, 4, 1.5]);
    expect(near - far).toBeGreaterThan(10);
  });

  it('is deterministic per room draw and differs between draws', () => {
    const ranges = {
      dimsM: [
        [3, 8],
        [3, 6],
        [2.4, 3.5],
      ] as const,
      rt60Sec: [0.2, 0.6] as const,
      distanceM: [0.5, 3] as const,
    };
    const a = imageSourceRir(drawShoeboxRoom(Prng.derive('room', 1), ranges), SR, { lengthSec: 0.2 });
    const b = imageSourceRir(drawShoeboxRoom(Prng.derive('room', 1), ranges), SR, { lengthSec: 0.2 });
    const c = imageSourceRir(drawShoeboxRoom(Prng.derive('room', 2), ranges), SR, { lengthSec: 0.2 });
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
  });

  it('drawShoeboxRoom keeps source and mic inside at the drawn distance (or shrinks it to fit)', () => {
    for (let i = 0; i < 50; i++) {
      const r = drawShoeboxRoom(Prng.derive('fit', i), {
        dimsM: [
          [2, 3],
          [2, 3],
          [2, 2.5],
        ],
        rt60Sec: [0.2, 0.3],
        distanceM: [1, 5],
      });
      for (let a = 0; a < 3; a++) {
        for (const p of [r.source, r.mic]) {
          expect(p[a]!).toBeGreaterThan(0);
          expect(p[a]!).toBeLessThan(r.dims[a]!);
        }
      }
      expect(distance(r.source, r.mic)).toBeLessThanOrEqual(5);
    }
  });

  it('rejects a source outside the room', () => {
    expect(() => imageSourceRir({ ...ROOM, source: [7, 2, 1] }, SR)).toThrow(/source coordinate 0 = 7 is outside/);
  });
});

describe('RealFft.inverse', () => {
  it('inverts transform (as numpy irfft(rfft(x)))', () => {
    const rng = Prng.derive('ifft');
    for (const n of [4, 64, 4096]) {
      const x = Float64Array.from({ length: n }, () => rng.normal());
      const f = new RealFft(n);
      const re = new Float64Array(n / 2 + 1);
      const im = new Float64Array(n / 2 + 1);
      const y = new Float64Array(n);
      f.transform(x, re, im);
      f.inverse(re, im, y);
      for (let i = 0; i < n; i++) expect(Math.abs(y[i]! - x[i]!)).toBeLessThan(1e-12);
    }
  });
});

describe('fftConvolve', () => {
  it('equals direct convolution, including long signals done in blocks', () => {
    const rng = Prng.derive('conv');
    const x = Float32Array.from({ length: 70000 }, () => rng.normal());
    for (let i = 0; i < 300; i++) x[i] = 0; // leading zeros are skipped, output still aligned
    const h = Float32Array.from({ length: 37 }, () => rng.normal());
    const y = fftConvolve(x, h, x.length + 36);
    for (const i of [0, 299, 300, 301, 335, 5000, 65535, 65536, 65570, 69999, 70035]) {
      let s = 0;
      for (let j = 0; j < h.length; j++) if (i - j >= 0 && i - j < x.length) s += x[i - j]! * h[j]!;
      expect(Math.abs(y[i]! - s)).toBeLessThan(1e-4);
    }
  });
});

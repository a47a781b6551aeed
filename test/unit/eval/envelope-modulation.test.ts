import {
  clipModulationFeatures,
  envelopeBinsPerPatch,
  fitModulationGaussians,
  ModulationSpectrum,
  modulationBandEdges,
  modulationPatchScores,
  rectifiedEnvelope,
  type ModulationSettings,
} from '../../../src/eval/envelope-modulation';
import { Prng } from '../../../src/util/prng';

const SR = 16000;
const settings: ModulationSettings = { binSamples: 16, sampleRate: SR, lowHz: 5, highHz: 100, bandsPerOctave: 3 };
/** ad.yaml's patch: 64 frames of 1024 samples every 512, a new patch every 20 frames. */
const geometry = { hopSamples: 512, windowSamples: 1024, patchFrames: 64, patchHop: 20 };

/** A 1 kHz carrier, amplitude-modulated at `amHz` with depth `depth` (0 = none), plus optional noise. */
function amTone(seconds: number, amHz: number, depth: number, gain = 0.3, noise = 0, rng?: Prng): Float64Array {
  return Float64Array.from(
    { length: Math.round(seconds * SR) },
    (_, n) =>
      gain * (1 + depth * Math.sin((2 * Math.PI * amHz * n) / SR)) * Math.sin((2 * Math.PI * 1000 * n) / SR) +
      (noise > 0 ? noise * rng!.normal() : 0),
  );
}

function bandOf(edges: readonly number[], hz: number): number {
  return edges.findIndex((e, i) => i + 1 < edges.length && hz >= e && hz < edges[i + 1]!);
}

describe('envelope modulation spectrum', () => {
  it('band edges: lowHz·2^(i/3) up to highHz, the last band clipped', () => {
    const e = modulationBandEdges(settings);
    expect(e).toHaveLength(14); // ceil(3·log2(20)) = 13 bands
    expect(e[0]).toBe(5);
    expect(e[3]).toBeCloseTo(10, 12);
    expect(e[13]).toBe(100);
    expect(() => modulationBandEdges({ ...settings, highHz: 4 })).toThrow(RangeError);
  });

  it('rectified envelope: mean |x| per bin', () => {
    expect(Array.from(rectifiedEnvelope([1, -3, 2, -2, 5, 5], 1, 2, 2))).toEqual([2.5, 3.5]);
    expect(() => rectifiedEnvelope([1, 2, 3], 2, 1, 2)).toThrow(RangeError);
  });

  it('an AM tone of depth d puts d²/2 of relative power into the band of its modulation rate', () => {
    const bins = envelopeBinsPerPatch(geometry, 16);
    expect(bins).toBe(2080); // (63·512 + 1024) / 16
    const spec = new ModulationSpectrum(settings, bins);
    expect(spec.size).toBe(2048);
    const amHz = 18; // inside the 15.9–20 Hz band, away from its edges
    const b = bandOf(spec.edges, amHz);
    for (const depth of [0.5, 0.2]) {
      const x = amTone(2.2, amHz, depth);
      const v = spec.features(rectifiedEnvelope(x, 0, spec.size, 16));
      // Hann leakage keeps > 99.9 % of a tone within ±2 bins (±1 Hz), all inside the band.
      expect(v[b]!).toBeCloseTo(10 * Math.log10((depth * depth) / 2), 1);
      // Bands an octave away hold only the window's far leakage.
      expect(v[bandOf(spec.edges, 7)]!).toBeLessThan(v[b]! - 40);
      expect(v[bandOf(spec.edges, 60)]!).toBeLessThan(v[b]! - 40);
    }
    // Relative power: the same signal 10× louder has the same features.
    const quiet = spec.features(rectifiedEnvelope(amTone(2.2, amHz, 0.3, 0.03), 0, spec.size, 16));
    const loud = spec.features(rectifiedEnvelope(amTone(2.2, amHz, 0.3, 0.3), 0, spec.size, 16));
    quiet.forEach((q, i) => expect(q).toBeCloseTo(loud[i]!, 6));
    // Silence: the floor everywhere.
    expect(Array.from(spec.features(new Float64Array(spec.size)))).toEqual(new Array(spec.bands).fill(-100));
  });

  it('patch j reads the audio from j·patchHop·hop, the span of log-mel patch j', () => {
    const spec = new ModulationSpectrum(settings, envelopeBinsPerPatch(geometry, 16));
    // 4 s: a plain tone for 2 s, then modulated. Patch 0 (0–2.08 s) sees no AM; patch 3 starts at 1.92 s.
    const plain = amTone(2, 25, 0);
    const modulated = amTone(2, 25, 0.6);
    const x = new Float64Array(4 * SR);
    x.set(plain, 0);
    x.set(modulated, 2 * SR);
    const rows = clipModulationFeatures(x, 4, geometry, spec);
    expect(rows).toHaveLength(4);
    const b = bandOf(spec.edges, 25);
    expect(rows[3]![b]!).toBeGreaterThan(rows[0]![b]! + 30);
    expect(() => clipModulationFeatures(x, 5, geometry, spec)).toThrow(RangeError); // patch 4 ends past 4 s
  });

  it('imbalance-like AM at a machine’s rotation rate scores far above that machine’s normal patches', () => {
    const rng = Prng.derive('modulation-score');
    const spec = new ModulationSpectrum(settings, envelopeBinsPerPatch(geometry, 16));
    const env = (depth: number) =>
      spec.features(rectifiedEnvelope(amTone(2.2, 30, depth, 0.3, 0.05, rng), 0, spec.size, 16));
    const train = Array.from({ length: 24 }, () => env(0.02));
    const g = fitModulationGaussians(train, new Array(24).fill(0), 1, 0.01);
    const normal = modulationPatchScores([env(0.02), env(0.02)], [0, 0], g);
    const faulty = modulationPatchScores([env(0.3)], [0], g);
    expect(faulty[0]!).toBeGreaterThan(10 * Math.max(normal[0]!, normal[1]!));
    expect(() => modulationPatchScores([env(0)], [1], g)).toThrow(/machine ID 1 has no training patches/);
  });

  it('refuses bands above the envelope’s Nyquist rate and spans too short for an FFT', () => {
    expect(() => new ModulationSpectrum({ ...settings, binSamples: 160, highHz: 100 }, 200)).toThrow(/Nyquist/);
    expect(() => new ModulationSpectrum(settings, 10)).toThrow(/too few/);
  });
});
